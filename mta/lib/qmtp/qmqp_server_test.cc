// qmqp_server_test.cc: the QMQP server session — K / Z / D, every framing error, limits,
// one-octet feeding; the reference catalogue's example (O.3).
#include "mta/lib/qmtp/qmqp_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "mta/lib/netstring/netstring.h"
#include "mta/lib/qmtp/server_testing.h"

namespace mta::qmtp {
namespace {

using ::testing::ElementsAre;

const std::string kExample =
    "73:15:Subject: t\n\nhi\n,14:a@example.test,14:b@example.test,14:c@example.test,,";

ServerOptions Options() { return testing::FixedOptions("192.0.2.9", "q7"); }

std::string Req(std::string_view msg, std::string_view sender,
                const std::vector<std::string>& rcpts) {
  std::string body = netstring::EncodeNetstring(msg) + netstring::EncodeNetstring(sender);
  for (const std::string& r : rcpts) netstring::AppendNetstring(&body, r);
  return netstring::EncodeNetstring(body);
}

using Outcome = testing::Outcome<QmqpServerSession>;

// QMQP: the response comes after the request's final byte, without the client closing.
Outcome Drive(std::string_view in, std::size_t chunk, Policy& policy, ServerOptions o = Options(),
              SubmitResult result = {ResponseStatus::kAccepted, "4242"}) {
  return testing::Drive<QmqpServerSession>(in, chunk, policy, std::move(o), std::move(result),
                                           /*peer_close=*/false);
}

std::string D(std::string_view text) {
  return netstring::EncodeResponse({ResponseStatus::kPermanent, std::string(text)});
}

TEST(QmqpServer, ReferenceExampleAccepted) {
  AcceptAllPolicy p;
  for (std::size_t chunk : {1u, 5u, 1000u}) {
    Outcome r = Drive(kExample, chunk, p);
    EXPECT_EQ(r.out, "22:Kok 1700000000 qp 4242,");
    EXPECT_TRUE(r.closed);
    ASSERT_EQ(r.stored.size(), 1u);
    EXPECT_EQ(r.stored[0].sender, "a@example.test");
    EXPECT_THAT(r.stored[0].recipients, ElementsAre("b@example.test", "c@example.test"));
    EXPECT_EQ(r.stored[0].protocol, "QMQP");
    EXPECT_EQ(r.stored[0].data,
              "Received: from [192.0.2.9] ([192.0.2.9])\r\n\tby mx.example.test with QMQP id "
              "q7.1;\r\n\tTue, 14 Nov 2023 22:13:20 +0000\r\nSubject: t\r\n\r\nhi\r\n");
  }
}

TEST(QmqpServer, StoreFailuresBecomeZAndD) {
  AcceptAllPolicy p;
  EXPECT_EQ(Drive(kExample, 9, p, Options(), {ResponseStatus::kTemporary, "disk full"}).out,
            "10:Zdisk full,");
  EXPECT_EQ(Drive(kExample, 9, p, Options(), {ResponseStatus::kPermanent, "no"}).out, "3:Dno,");
}

TEST(QmqpServer, NoResponseBeforeTheFinalByte) {
  AcceptAllPolicy p;
  QmqpServerSession s(Options(), p);
  for (std::size_t i = 0; i + 1 < kExample.size(); ++i) {
    s.Feed(kExample.substr(i, 1));
    EXPECT_EQ(s.TakeOutput(), "");
    EXPECT_FALSE(s.TakeSubmission());
    EXPECT_FALSE(s.wants_close());
  }
  s.PeerClosed();  // truncated: thrown away, no response
  EXPECT_TRUE(s.wants_close());
  EXPECT_EQ(s.TakeOutput(), "");
}

TEST(QmqpServer, OneRefusedRecipientRefusesTheMessage) {
  // QMQP: "the server cannot accept some recipients while rejecting others".
  RelayRules rules;
  rules.is_local_domain = [](std::string_view d) { return d == "example.test"; };
  RelayPolicy p(rules);
  Outcome r = Drive(Req("hi\n", "", {"u@example.test", "v@remote.test"}), 3, p);
  EXPECT_EQ(r.out, D("sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"));
  EXPECT_TRUE(r.stored.empty());
}

TEST(QmqpServer, PolicySenderRefusal) {
  struct Refuse : AcceptAllPolicy {
    std::optional<Response> CheckSender(std::string_view) override {
      return Response{ResponseStatus::kTemporary, "later"};
    }
  } p;
  EXPECT_EQ(Drive(kExample, 100, p).out, "6:Zlater,");
}

TEST(QmqpServer, BadAddressesRefused) {
  AcceptAllPolicy p;
  const std::string bad = D("sorry, I can't accept addresses like that (#5.1.3)");
  EXPECT_EQ(Drive(Req("hi\n", std::string(1000, 's'), {"a@b"}), 64, p).out, bad);
  EXPECT_EQ(Drive(Req("hi\n", "", {"a@b", std::string("x\0y", 3)}), 1, p).out, bad);
  EXPECT_EQ(Drive(Req("hi\n", "", {std::string(999, 'r')}), 64, p).stored.size(), 1u);
}

TEST(QmqpServer, EmptyRecipientList) {
  AcceptAllPolicy p;
  Outcome r = Drive(Req("hi\n", "a@b", {}), 1, p);
  EXPECT_EQ(r.out, D("sorry, no recipients (#5.1.3)"));
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.stored.empty());
}

TEST(QmqpServer, TooManyRecipients) {
  AcceptAllPolicy p;
  ServerOptions o = Options();
  o.max_recipients = 2;
  EXPECT_EQ(Drive(Req("hi\n", "", {"a@b", "c@d", "e@f"}), 4, p, o).out,
            D("sorry, too many recipients (#5.5.3)"));
  EXPECT_EQ(Drive(Req("hi\n", "", {"a@b", "c@d"}), 4, p, o).stored.size(), 1u);
}

TEST(QmqpServer, OversizeMessageAnsweredAfterTheFinalByte) {
  AcceptAllPolicy p;
  ServerOptions o = Options();
  o.max_message_size = 100;
  const std::string too_big = D("sorry, that message size exceeds my databytes limit (#5.3.4)");
  // Inside the request bound, message over the limit.
  EXPECT_EQ(Drive(Req(std::string(101, 'x'), "", {"a@b"}), 7, p, o).out, too_big);
  EXPECT_EQ(Drive(Req(std::string(100, 'x'), "", {"a@b"}), 7, p, o).stored.size(), 1u);
  // Over the request bound: read to the end and discarded, then answered.
  std::string huge = Req(std::string(1 << 20, 'x'), "", {"a@b"});
  QmqpServerSession s(o, p);
  s.Feed(huge.substr(0, huge.size() - 1));
  EXPECT_EQ(s.TakeOutput(), "");
  EXPECT_FALSE(s.wants_close());
  s.Feed(huge.substr(huge.size() - 1));
  EXPECT_EQ(s.TakeOutput(), too_big);
  EXPECT_FALSE(s.TakeSubmission());
  EXPECT_TRUE(s.wants_close());
}

TEST(QmqpServer, FramingErrorsAnswerDAndClose) {
  struct Case {
    const char* name;
    std::string input;
    netstring::QmqpError error;
    netstring::NetstringError ne;
  };
  using NE = netstring::NetstringError;
  using QE = netstring::QmqpError;
  std::vector<Case> cases = {
      {"outer-leading-zero", "013:3:hi\n,0:,1:r,,", QE::kFraming, NE::kLeadingZero},
      {"outer-non-digit", "1x:", QE::kFraming, NE::kNonDigit},
      {"outer-colon-first", ":3:hi", QE::kFraming, NE::kNonDigit},
      {"outer-missing-comma", "13:3:hi\n,0:,1:r,;", QE::kFraming, NE::kMissingComma},
      {"outer-bad-length", "11:3:hi\n,0:,1:r,,", QE::kFraming, NE::kMissingComma},
      {"outer-ten-digits", "1234567890:", QE::kFraming, NE::kTooLong},
      {"inner-leading-zero", "14:03:hi\n,0:,1:r,,", QE::kBody, NE::kLeadingZero},
      {"inner-non-digit", "13:3:hi\n,0:,x:r,,", QE::kBody, NE::kNonDigit},
      {"inner-missing-comma", "13:3:hi\n;0:,1:r,,", QE::kBody, NE::kMissingComma},
      {"inner-truncated", "12:3:hi\n,0:,1:r,", QE::kBody, NE::kTruncated},
      {"inner-ten-digits", "12:1234567890:,,", QE::kBody, NE::kTooLong},
      {"missing-sender", "6:3:hi\n,,", QE::kMissingSender, NE::kNone},
      {"empty-request", "0:,", QE::kMissingSender, NE::kNone},
  };
  AcceptAllPolicy p;
  for (const Case& c : cases) {
    for (std::size_t chunk : {1u, 4096u}) {
      Outcome r = Drive(c.input, chunk, p);
      EXPECT_EQ(r.out, D("protocol error (#5.5.2)")) << c.name;
      EXPECT_TRUE(r.closed) << c.name;
      EXPECT_TRUE(r.stored.empty()) << c.name;
      EXPECT_EQ(r.error, c.error) << c.name;
    }
  }
}

TEST(QmqpServer, BytesAfterTheRequestIgnored) {
  AcceptAllPolicy p;
  Outcome r = Drive(kExample + kExample, 1, p);
  EXPECT_EQ(r.out, "22:Kok 1700000000 qp 4242,");
  EXPECT_EQ(r.stored.size(), 1u);
}

}  // namespace
}  // namespace mta::qmtp
