// qmtp_test.cc: QMTP packages and responses; the worked examples of the reference catalogue
// (disputed-points O.2) byte for byte.
#include "mta/lib/netstring/qmtp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace mta::netstring {
namespace {

using ::testing::ElementsAre;

const std::string kTwoRcptUnix =
    "16:\nSubject: t\n\nhi\n,14:a@example.test,36:14:b@example.test,14:c@example.test,,";
const std::string kOneRcptDos = "19:\rSubject: t\r\n\r\nhi\r\n,14:a@example.test,18:14:b@example.test,,";

std::vector<QmtpDecodedPackage> DecodeChunked(std::string_view in, std::size_t chunk,
                                              QmtpPackageDecoder* d) {
  std::vector<QmtpDecodedPackage> out;
  for (std::size_t pos = 0; pos < in.size(); pos += chunk) {
    d->Feed(in.substr(pos, chunk));
    while (auto p = d->Next()) out.push_back(std::move(*p));
  }
  return out;
}

std::vector<QmtpDecodedPackage> DecodeChunked(std::string_view in, std::size_t chunk) {
  QmtpPackageDecoder d;
  return DecodeChunked(in, chunk, &d);
}

TEST(Qmtp, EncodesReferenceExampleUnix) {
  QmtpPackage p{"Subject: t\n\nhi\n", "a@example.test", {"b@example.test", "c@example.test"}};
  EXPECT_EQ(EncodeQmtpPackage(p, QmtpEncoding::kUnix), kTwoRcptUnix);
}

TEST(Qmtp, EncodesReferenceExampleDos) {
  QmtpPackage p{"Subject: t\n\nhi\n", "a@example.test", {"b@example.test"}};
  EXPECT_EQ(EncodeQmtpPackage(p, QmtpEncoding::kDos), kOneRcptDos);
}

TEST(Qmtp, DecodesReferenceExamplesToTheSameMessage) {
  // L1-T4: encodings #1 and #2 of the same message give identical stored copies.
  for (std::size_t chunk : {1u, 3u, 1000u}) {
    auto unix_pkgs = DecodeChunked(kTwoRcptUnix, chunk);
    auto dos_pkgs = DecodeChunked(kOneRcptDos, chunk);
    ASSERT_EQ(unix_pkgs.size(), 1u);
    ASSERT_EQ(dos_pkgs.size(), 1u);
    EXPECT_EQ(unix_pkgs[0].encoding, QmtpEncoding::kUnix);
    EXPECT_EQ(dos_pkgs[0].encoding, QmtpEncoding::kDos);
    EXPECT_EQ(unix_pkgs[0].package.message, "Subject: t\n\nhi\n");
    EXPECT_EQ(dos_pkgs[0].package.message, unix_pkgs[0].package.message);
    EXPECT_EQ(unix_pkgs[0].package.sender, "a@example.test");
    EXPECT_THAT(unix_pkgs[0].package.recipients, ElementsAre("b@example.test", "c@example.test"));
    EXPECT_THAT(dos_pkgs[0].package.recipients, ElementsAre("b@example.test"));
    EXPECT_TRUE(unix_pkgs[0].findings.empty());
  }
}

TEST(Qmtp, NoPackageBeforeTheFinalByte) {
  // L1-T2: the package minus its last ',' yields nothing; the ',' completes it.
  QmtpPackageDecoder d;
  d.Feed(std::string_view(kTwoRcptUnix).substr(0, kTwoRcptUnix.size() - 1));
  EXPECT_FALSE(d.Next());
  EXPECT_FALSE(d.idle());
  EXPECT_FALSE(d.failed());
  d.Feed(",");
  auto p = d.Next();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->package.recipients.size(), 2u);
  EXPECT_TRUE(d.idle());
}

TEST(Qmtp, SeveralPackagesWithoutWaiting) {
  // RFCQMTP: the client need not wait for responses before sending another package.
  auto pkgs = DecodeChunked(kTwoRcptUnix + kOneRcptDos + kTwoRcptUnix, 7);
  ASSERT_EQ(pkgs.size(), 3u);
  EXPECT_EQ(pkgs[1].encoding, QmtpEncoding::kDos);
}

TEST(Qmtp, DosEncodingKeepsLoneCr) {
  QmtpEncoding e;
  EXPECT_EQ(DecodeQmtpMessage("\ra\rb\r\nc\r", &e), "a\rb\nc\r");
  EXPECT_EQ(e, QmtpEncoding::kDos);
  EXPECT_EQ(DecodeQmtpMessage("\na\r\nb", &e), "a\r\nb");  // encoding #2 is taken as is
  EXPECT_EQ(e, QmtpEncoding::kUnix);
  EXPECT_FALSE(DecodeQmtpMessage("", &e));
  EXPECT_FALSE(DecodeQmtpMessage("Subject: x\n", &e));
}

TEST(Qmtp, EmptyMessageIsAnError) {
  QmtpPackageDecoder d;
  d.Feed("0:,0:,0:,");
  EXPECT_FALSE(d.Next());
  EXPECT_EQ(d.error(), QmtpError::kEmptyMessage);
  EXPECT_EQ(QmtpErrorId(d.error()), "empty-message");
}

TEST(Qmtp, BadFirstOctetIsAnError) {
  QmtpPackageDecoder d;
  d.Feed("3:abc,0:,0:,");
  EXPECT_FALSE(d.Next());
  EXPECT_EQ(d.error(), QmtpError::kBadEncoding);
}

TEST(Qmtp, FramingErrorsNameTheItem) {
  // L1-T3: bad netstrings are refused, never misparsed.
  struct Case {
    std::string in;
    QmtpError error;
    NetstringError netstring;
  } cases[] = {
      {"012:\nSubject: t\n,", QmtpError::kMessageFraming, NetstringError::kLeadingZero},
      {"1a:\n,", QmtpError::kMessageFraming, NetstringError::kNonDigit},
      {"2:\nx0:,0:,", QmtpError::kMessageFraming, NetstringError::kMissingComma},
      {"2:\nx,0:;", QmtpError::kSenderFraming, NetstringError::kMissingComma},
      {"2:\nx,0:,4:1:a;,", QmtpError::kRecipientFraming, NetstringError::kMissingComma},
      {"2:\nx,0:,3:1:a,", QmtpError::kRecipientFraming, NetstringError::kTruncated},
      {"2:\nx,0:,3:1:ab", QmtpError::kRecipientsFraming, NetstringError::kMissingComma},
      {"2:\nx,0:,3:1:a", QmtpError::kNone, NetstringError::kNone},  // needs more
  };
  for (const Case& c : cases) {
    for (std::size_t chunk : {1u, 1000u}) {
      QmtpPackageDecoder d;
      auto pkgs = DecodeChunked(c.in, chunk, &d);
      EXPECT_TRUE(pkgs.empty()) << c.in;
      EXPECT_EQ(d.error(), c.error) << c.in;
      EXPECT_EQ(d.netstring_error(), c.netstring) << c.in;
    }
  }
}

TEST(Qmtp, EnvelopeBoundIsAFramingError) {
  QmtpLimits limits;
  limits.max_envelope_size = 10;
  QmtpPackageDecoder d(limits);
  d.Feed("2:\nx,11:");
  EXPECT_FALSE(d.Next());
  EXPECT_EQ(d.error(), QmtpError::kSenderFraming);
  EXPECT_EQ(d.netstring_error(), NetstringError::kTooLong);
}

TEST(Qmtp, LimitsAreFindings) {
  QmtpLimits limits;
  limits.max_message_size = 8;
  QmtpPackage p{"0123456789abcdef\n", std::string(1000, 's'),
                {"ok@example.test", std::string(1000, 'r'), std::string("n\0l", 3)}};
  QmtpPackageDecoder d(limits);
  auto pkgs = DecodeChunked(EncodeQmtpPackage(p, QmtpEncoding::kUnix), 5, &d);
  ASSERT_EQ(pkgs.size(), 1u);
  const auto& f = pkgs[0].findings;
  EXPECT_THAT(f, ElementsAre(QmtpFinding{QmtpFindingKind::kMessageTooBig, 0},
                             QmtpFinding{QmtpFindingKind::kSenderTooLong, 0},
                             QmtpFinding{QmtpFindingKind::kRecipientTooLong, 1},
                             QmtpFinding{QmtpFindingKind::kRecipientNul, 2}));
  EXPECT_EQ(pkgs[0].package.message, "0123456");  // only the kept prefix, after the LF marker
  EXPECT_EQ(pkgs[0].package.recipients.size(), 3u);
  // 999 octets is still acceptable (qmail-qmtpd refuses 1000 or more).
  QmtpPackage q{"x", std::string(999, 's'), {std::string(999, 'r')}};
  auto ok = DecodeChunked(EncodeQmtpPackage(q, QmtpEncoding::kDos), 64);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_TRUE(ok[0].findings.empty());
  EXPECT_EQ(QmtpFindingId(QmtpFindingKind::kRecipientNul), "recipient-nul");
}

TEST(Qmtp, NoRecipientsIsAFinding) {
  auto pkgs = DecodeChunked("2:\nx,0:,0:,", 1);
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_THAT(pkgs[0].findings, ElementsAre(QmtpFinding{QmtpFindingKind::kNoRecipients, 0}));
}

TEST(QmtpResponse, ReferenceExamples) {
  Response k{ResponseStatus::kAccepted, "ok 1700000000 qp 4242"};
  EXPECT_EQ(EncodeResponse(k) + EncodeResponse(k),
            "22:Kok 1700000000 qp 4242,22:Kok 1700000000 qp 4242,");
  EXPECT_EQ(EncodeResponse({ResponseStatus::kPermanent,
                            "sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"}),
            "66:Dsorry, that domain isn't in my list of allowed rcpthosts (#5.7.1),");
  EXPECT_EQ(EncodeResponse({ResponseStatus::kPermanent, "sorry, I can't handle that recipient (#5.1.3)"}),
            "46:Dsorry, I can't handle that recipient (#5.1.3),");
  EXPECT_EQ(EncodeResponse({ResponseStatus::kTemporary, ""}), "1:Z,");
}

TEST(QmtpResponse, ClientDecodesOnePerRecipientInOrder) {
  const std::string wire =
      "22:Kok 1700000000 qp 4242,66:Dsorry, that domain isn't in my list of allowed rcpthosts "
      "(#5.7.1),10:Ztry later,";
  QmtpResponseDecoder d;
  std::vector<Response> got;
  for (char c : wire) {
    d.Feed(std::string_view(&c, 1));
    while (auto r = d.Next()) got.push_back(*r);
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].status, ResponseStatus::kAccepted);
  EXPECT_EQ(got[0].description, "ok 1700000000 qp 4242");
  EXPECT_EQ(got[1].status, ResponseStatus::kPermanent);
  EXPECT_EQ(got[2].status, ResponseStatus::kTemporary);
  EXPECT_EQ(got[2].description, "try later");
  EXPECT_TRUE(d.idle());
  EXPECT_FALSE(d.failed());
}

TEST(QmtpResponse, BadResponses) {
  for (std::string bad : {"0:,", "3:Xno,", "3:Kok;", "03:Kok,"}) {
    ResponseDecoder d;
    d.Feed(bad);
    EXPECT_FALSE(d.Next()) << bad;
    EXPECT_TRUE(d.failed()) << bad;
  }
  ResponseDecoder d(8);
  d.Feed("9:K12345678,");
  EXPECT_FALSE(d.Next());
  EXPECT_EQ(d.error(), ResponseError::kNetstring);
  EXPECT_EQ(d.netstring_error(), NetstringError::kTooLong);
}

rc::Gen<std::string> Bytes() { return rc::gen::container<std::string>(rc::gen::arbitrary<char>()); }

RC_GTEST_PROP(Qmtp, DecodeOfEncodeAnyChunking, ()) {
  std::vector<QmtpPackage> pkgs = *rc::gen::resize(
      30, rc::gen::container<std::vector<QmtpPackage>>(rc::gen::construct<QmtpPackage>(
              Bytes(), Bytes(), rc::gen::container<std::vector<std::string>>(Bytes()))));
  std::vector<QmtpEncoding> encs;
  std::string wire;
  for (const auto& p : pkgs) {
    encs.push_back(*rc::gen::element(QmtpEncoding::kDos, QmtpEncoding::kUnix));
    wire += EncodeQmtpPackage(p, encs.back());
  }
  const std::size_t chunk = *rc::gen::inRange<std::size_t>(1, 17);
  QmtpLimits limits;
  limits.max_address_length = ~std::size_t{0};
  QmtpPackageDecoder d(limits);
  auto got = DecodeChunked(wire, chunk, &d);
  RC_ASSERT(!d.failed());
  RC_ASSERT(d.idle());
  RC_ASSERT(got.size() == pkgs.size());
  for (std::size_t i = 0; i < pkgs.size(); ++i) {
    RC_ASSERT(got[i].package == pkgs[i]);
    RC_ASSERT(got[i].encoding == encs[i]);
  }
}

RC_GTEST_PROP(QmtpResponse, DecodeOfEncode, ()) {
  auto responses = *rc::gen::container<std::vector<Response>>(rc::gen::construct<Response>(
      rc::gen::element(ResponseStatus::kAccepted, ResponseStatus::kTemporary,
                       ResponseStatus::kPermanent),
      Bytes()));
  std::string wire;
  for (const auto& r : responses) wire += EncodeResponse(r);
  ResponseDecoder d(1 << 20);
  std::vector<Response> got;
  const std::size_t chunk = *rc::gen::inRange<std::size_t>(1, 9);
  for (std::size_t pos = 0; pos < wire.size(); pos += chunk) {
    d.Feed(std::string_view(wire).substr(pos, chunk));
    while (auto r = d.Next()) got.push_back(*r);
  }
  RC_ASSERT(got == responses);
}

}  // namespace
}  // namespace mta::netstring
