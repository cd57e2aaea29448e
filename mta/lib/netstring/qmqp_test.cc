// qmqp_test.cc: QMQP requests and the single response; the reference example (O.3) byte
// for byte.
#include "mta/lib/netstring/qmqp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace mta::netstring {
namespace {

using ::testing::ElementsAre;

const std::string kExample =
    "73:15:Subject: t\n\nhi\n,14:a@example.test,14:b@example.test,14:c@example.test,,";

std::optional<QmqpDecodedRequest> Decode(std::string_view in, std::size_t chunk,
                                         QmqpRequestDecoder* d, std::size_t* used) {
  *used = 0;
  for (std::size_t pos = 0; pos < in.size() && !d->done() && !d->failed(); pos += chunk)
    *used += d->Feed(in.substr(pos, chunk));
  return d->Take();
}

TEST(Qmqp, EncodesReferenceExample) {
  QmqpRequest r{"Subject: t\n\nhi\n", "a@example.test", {"b@example.test", "c@example.test"}};
  EXPECT_EQ(EncodeQmqpRequest(r), kExample);
}

TEST(Qmqp, DecodesReferenceExampleInAnyChunking) {
  for (std::size_t chunk : {1u, 2u, 10u, 1000u}) {
    QmqpRequestDecoder d;
    std::size_t used;
    auto r = Decode(kExample + "trailing", chunk, &d, &used);
    ASSERT_TRUE(r) << chunk;
    EXPECT_EQ(used, kExample.size());  // octets after the request are not QMQP
    EXPECT_EQ(r->request.message, "Subject: t\n\nhi\n");  // no encoding octet
    EXPECT_EQ(r->request.sender, "a@example.test");
    EXPECT_THAT(r->request.recipients, ElementsAre("b@example.test", "c@example.test"));
    EXPECT_TRUE(r->findings.empty());
    EXPECT_TRUE(d.done());
    EXPECT_FALSE(d.Take());  // one request per connection
  }
}

TEST(Qmqp, NoRequestBeforeTheFinalByte) {
  QmqpRequestDecoder d;
  d.Feed(std::string_view(kExample).substr(0, kExample.size() - 1));
  EXPECT_FALSE(d.Take());
  EXPECT_FALSE(d.done());
  d.Feed(",");
  EXPECT_TRUE(d.Take());
}

TEST(Qmqp, ResponseExample) {
  EXPECT_EQ(EncodeResponse({ResponseStatus::kAccepted, "ok 1700000000 qp 4242"}),
            "22:Kok 1700000000 qp 4242,");
  EXPECT_EQ(EncodeResponse({ResponseStatus::kPermanent,
                            "sorry, I can't accept addresses like that (#5.1.3)"}),
            "51:Dsorry, I can't accept addresses like that (#5.1.3),");
  ResponseDecoder d;
  d.Feed("22:Kok 1700000000 qp 4242,");
  auto r = d.Next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ResponseStatus::kAccepted);
}

TEST(Qmqp, Errors) {
  struct Case {
    std::string in;
    QmqpError error;
    NetstringError netstring;
  } cases[] = {
      {"012:x", QmqpError::kFraming, NetstringError::kLeadingZero},
      {"3:abc;", QmqpError::kFraming, NetstringError::kMissingComma},
      {"4:1:x,,", QmqpError::kMissingSender, NetstringError::kNone},
      {"0:,", QmqpError::kMissingSender, NetstringError::kNone},
      {"7:1:x,0:;,", QmqpError::kBody, NetstringError::kMissingComma},
      {"5:1:x,0,", QmqpError::kBody, NetstringError::kTruncated},
  };
  for (const Case& c : cases) {
    QmqpRequestDecoder d;
    std::size_t used;
    EXPECT_FALSE(Decode(c.in, 1, &d, &used)) << c.in;
    EXPECT_EQ(d.error(), c.error) << c.in;
    EXPECT_EQ(d.netstring_error(), c.netstring) << c.in;
  }
}

TEST(Qmqp, OuterLengthIsBounded) {
  QmqpLimits limits;
  limits.max_request_size = 100;
  QmqpRequestDecoder d(limits);
  d.Feed("101:");
  EXPECT_TRUE(d.failed());
  EXPECT_EQ(d.netstring_error(), NetstringError::kTooLong);
  EXPECT_EQ(QmqpErrorId(d.error()), "framing");
}

TEST(Qmqp, AddressFindings) {
  QmqpRequest r{"m\n", std::string("s\0", 2), {"ok", std::string(1000, 'r')}};
  QmqpRequestDecoder d;
  std::size_t used;
  auto got = Decode(EncodeQmqpRequest(r), 1000, &d, &used);
  ASSERT_TRUE(got);
  EXPECT_THAT(got->findings, ElementsAre(QmqpFinding{QmqpFindingKind::kAddressNul, 0},
                                         QmqpFinding{QmqpFindingKind::kAddressTooLong, 2}));
  QmqpRequest none{"m", "", {}};
  QmqpRequestDecoder d2;
  got = Decode(EncodeQmqpRequest(none), 3, &d2, &used);
  ASSERT_TRUE(got);
  EXPECT_THAT(got->findings, ElementsAre(QmqpFinding{QmqpFindingKind::kNoRecipients, 0}));
  EXPECT_EQ(QmqpFindingId(QmqpFindingKind::kAddressTooLong), "address-too-long");
}

rc::Gen<std::string> Bytes() { return rc::gen::container<std::string>(rc::gen::arbitrary<char>()); }

RC_GTEST_PROP(Qmqp, DecodeOfEncodeAnyChunking, ()) {
  QmqpRequest r = *rc::gen::construct<QmqpRequest>(
      Bytes(), Bytes(), rc::gen::container<std::vector<std::string>>(Bytes()));
  const std::string wire = EncodeQmqpRequest(r);
  const std::size_t chunk = *rc::gen::inRange<std::size_t>(1, 17);
  QmqpLimits limits;
  limits.max_address_length = ~std::size_t{0};
  QmqpRequestDecoder d(limits);
  std::size_t used;
  auto got = Decode(wire, chunk, &d, &used);
  RC_ASSERT(got.has_value());
  RC_ASSERT(got->request == r);
  RC_ASSERT(used == wire.size());
}

}  // namespace
}  // namespace mta::netstring
