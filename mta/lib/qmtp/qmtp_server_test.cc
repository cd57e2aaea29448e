// qmtp_server_test.cc: the QMTP server session — every response type, every framing
// error, pipelining, one-octet feeding; the reference catalogue's examples (L1, O.2).
#include "mta/lib/qmtp/qmtp_server.h"

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
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kTwoRcptUnix =
    "16:\nSubject: t\n\nhi\n,14:a@example.test,36:14:b@example.test,14:c@example.test,,";
const std::string kOneRcptDos =
    "19:\rSubject: t\r\n\r\nhi\r\n,14:a@example.test,18:14:b@example.test,,";

using testing::RecordingSink;

ServerOptions Options() { return testing::FixedOptions("192.0.2.7", "s1"); }

RelayPolicy LocalOnly() {
  RelayRules r;
  r.is_local_domain = [](std::string_view d) { return d == "example.test"; };
  return RelayPolicy(r);
}

using Outcome = testing::Outcome<QmtpServerSession>;

Outcome Drive(std::string_view in, std::size_t chunk, Policy& policy, ServerOptions o = Options(),
              SubmitResult result = {ResponseStatus::kAccepted, "4242"}, bool peer_close = true) {
  return testing::Drive<QmtpServerSession>(in, chunk, policy, std::move(o), std::move(result),
                                           peer_close);
}

// A package: message netstring content (with its encoding octet), sender, recipients.
std::string Pkg(std::string_view content, std::string_view sender,
                const std::vector<std::string>& rcpts) {
  std::string list;
  for (const std::string& r : rcpts) netstring::AppendNetstring(&list, r);
  return netstring::EncodeNetstring(content) + netstring::EncodeNetstring(sender) +
         netstring::EncodeNetstring(list);
}

std::vector<std::string> Responses(std::string_view out) {
  std::vector<std::string> v;
  netstring::NetstringError e;
  EXPECT_TRUE(netstring::ParseNetstringList(out, 4096, &v, &e)) << out;
  return v;
}

// The responses to a package for rcpts under the relay rules, fed in chunks of `chunk`.
std::vector<std::string> RelayResponses(const RelayRules& rules,
                                        const std::vector<std::string>& rcpts, std::size_t chunk) {
  RelayPolicy p(rules);
  return Responses(Drive(Pkg("\nhi\n", "", rcpts), chunk, p).out);
}

TEST(QmtpServer, ReferenceExampleTwoRecipientsAccepted) {
  AcceptAllPolicy p;
  Outcome r = Drive(kTwoRcptUnix, 1000, p);
  EXPECT_EQ(r.out, "22:Kok 1700000000 qp 4242,22:Kok 1700000000 qp 4242,");
  ASSERT_EQ(r.stored.size(), 1u);
  EXPECT_EQ(r.stored[0].sender, "a@example.test");
  EXPECT_THAT(r.stored[0].recipients, ElementsAre("b@example.test", "c@example.test"));
  EXPECT_EQ(r.stored[0].protocol, "QMTP");
  EXPECT_EQ(r.stored[0].message_id, "s1.1");
  EXPECT_EQ(r.stored[0].data,
            "Received: from [192.0.2.7] ([192.0.2.7])\r\n\tby mx.example.test with QMTP id "
            "s1.1;\r\n\tTue, 14 Nov 2023 22:13:20 +0000\r\nSubject: t\r\n\r\nhi\r\n");
}

TEST(QmtpServer, BothEncodingsStoreIdenticalCopies) {
  // L1-T4.
  AcceptAllPolicy p;
  ServerOptions o = Options();
  o.add_received = false;
  Outcome unix_run = Drive(kTwoRcptUnix, 1, p, o);
  Outcome dos_run = Drive(kOneRcptDos, 1, p, o);
  ASSERT_EQ(unix_run.stored.size(), 1u);
  ASSERT_EQ(dos_run.stored.size(), 1u);
  EXPECT_EQ(unix_run.stored[0].data, "Subject: t\r\n\r\nhi\r\n");
  EXPECT_EQ(dos_run.stored[0].data, unix_run.stored[0].data);
}

TEST(QmtpServer, NulAndLongLineStoredByteExact) {
  // L1-T5: QMTP 3 "Deletion of nulls is NOT permissible ... Folding of long lines and
  // high-bit stripping are also NOT permissible".
  std::string msg = "X: y\r\n\r\n" + std::string(10000, 'a') + std::string("\0\xff\r\n", 4);
  AcceptAllPolicy p;
  ServerOptions o = Options();
  o.add_received = false;
  std::string pkg = netstring::EncodeNetstring("\r" + msg) + "0:," +
                    netstring::EncodeNetstring(netstring::EncodeNetstring("u@x"));
  Outcome r = Drive(pkg, 777, p, o);
  ASSERT_EQ(r.stored.size(), 1u);
  EXPECT_EQ(r.stored[0].data, msg);
  EXPECT_EQ(r.stored[0].sender, "");
}

TEST(QmtpServer, RelayRefusedRecipientGetsDOthersK) {
  // L1-T1: second recipient outside rcpthosts.
  RelayPolicy p = LocalOnly();
  std::string pkg = Pkg("\nSubject: t\n\nhi\n", "", {"u@example.test", "v@remote.test"});
  Outcome r = Drive(pkg, 5, p);
  EXPECT_EQ(r.out,
            "22:Kok 1700000000 qp 4242,"
            "66:Dsorry, that domain isn't in my list of allowed rcpthosts (#5.7.1),");
  ASSERT_EQ(r.stored.size(), 1u);
  EXPECT_THAT(r.stored[0].recipients, ElementsAre("u@example.test"));
}

TEST(QmtpServer, TrustedClientMayRelay) {
  RelayRules rules;
  rules.client_trusted = true;
  RelayPolicy p(rules);
  Outcome r = Drive("4:\nhi\n,0:,17:13:v@remote.test,,", 1, p);
  EXPECT_THAT(r.out, StartsWith("22:K"));
}

TEST(QmtpServer, RelayDomainAndTemporaryRelayDenial) {
  RelayRules rules;
  rules.relay_domains = {".relay.test"};
  rules.relay_denied_temporary = true;
  EXPECT_THAT(RelayResponses(rules, {"a@b.relay.test", "c@other.test"}, 1),
              ElementsAre(StartsWith("K"),
                          "Zsorry, that domain isn't in my list of allowed rcpthosts (#4.7.1)"));
}

TEST(QmtpServer, UnknownLocalUserRefused) {
  RelayRules rules;
  rules.is_local_domain = [](std::string_view d) { return d == "example.test"; };
  rules.is_known_local = [](std::string_view a) { return a == "joe@example.test"; };
  EXPECT_THAT(RelayResponses(rules, {"joe@example.test", "bob@example.test"}, 3),
              ElementsAre(StartsWith("K"), "Dsorry, no mailbox here by that name (#5.1.1)"));
}

TEST(QmtpServer, StoreTemporaryAndPermanentFailures) {
  AcceptAllPolicy p;
  Outcome z = Drive(kTwoRcptUnix, 1000, p, Options(), {ResponseStatus::kTemporary, "queue busy"});
  EXPECT_EQ(z.out, "11:Zqueue busy,11:Zqueue busy,");
  Outcome d = Drive(kTwoRcptUnix, 1000, p, Options(), {ResponseStatus::kPermanent, "no"});
  EXPECT_EQ(d.out, "3:Dno,3:Dno,");
}

TEST(QmtpServer, DuplicateRecipientsAnsweredEachInOrder) {
  // QMTP 4: "not permitted to change the order under any circumstances, even if two
  // addresses are the same".
  RelayPolicy p = LocalOnly();
  Outcome r = Drive(Pkg("\nhi\n", "", {"u@example.test", "x@y.z", "u@example.test"}), 2, p);
  auto v = Responses(r.out);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0][0], 'K');
  EXPECT_EQ(v[1][0], 'D');
  EXPECT_EQ(v[2][0], 'K');
  ASSERT_EQ(r.stored.size(), 1u);
  EXPECT_THAT(r.stored[0].recipients, ElementsAre("u@example.test", "u@example.test"));
}

TEST(QmtpServer, MessageTooBigRefusesEveryRecipientAfterTheWholePackage) {
  AcceptAllPolicy p;
  ServerOptions o = Options();
  o.max_message_size = 10;
  std::string pkg = netstring::EncodeNetstring("\n" + std::string(100, 'x')) + "0:,6:3:a@b,,";
  QmtpServerSession s(o, p);
  s.Feed(pkg.substr(0, pkg.size() - 1));
  EXPECT_EQ(s.TakeOutput(), "");  // not before the final byte
  s.Feed(pkg.substr(pkg.size() - 1));
  EXPECT_FALSE(s.TakeSubmission());
  EXPECT_EQ(s.TakeOutput(), "61:Dsorry, that message size exceeds my databytes limit (#5.3.4),");
  EXPECT_FALSE(s.wants_close());
}

TEST(QmtpServer, MessageAtTheLimitAccepted) {
  AcceptAllPolicy p;
  ServerOptions o = Options();
  o.max_message_size = 10;
  Outcome r = Drive(netstring::EncodeNetstring("\n" + std::string(10, 'x')) + "0:,6:3:a@b,,", 4, p, o);
  EXPECT_EQ(r.stored.size(), 1u);
}

TEST(QmtpServer, BadSenderRefusesEveryRecipient) {
  AcceptAllPolicy p;
  std::string nul_sender = std::string("a\0b", 3);
  Outcome r = Drive(Pkg("\nhi\n", nul_sender, {"a@b", "c@d"}), 1, p);
  EXPECT_EQ(r.out, "29:Dunacceptable sender (#5.1.7),29:Dunacceptable sender (#5.1.7),");
  EXPECT_TRUE(r.stored.empty());
  Outcome l = Drive("4:\nhi\n," + netstring::EncodeNetstring(std::string(1000, 's')) + "6:3:a@b,,",
                100, p);
  EXPECT_EQ(l.out, "29:Dunacceptable sender (#5.1.7),");
}

TEST(QmtpServer, PolicySenderRefusal) {
  struct NoNullSender : AcceptAllPolicy {
    std::optional<Response> CheckSender(std::string_view s) override {
      if (s.empty()) return Response{ResponseStatus::kTemporary, "try later"};
      return std::nullopt;
    }
  } p;
  Outcome r = Drive(Pkg("\nhi\n", "", {"a@b", "c@d"}), 1, p);
  EXPECT_EQ(r.out, "10:Ztry later,10:Ztry later,");
}

TEST(QmtpServer, BadRecipientGetsDOthersStored) {
  AcceptAllPolicy p;
  std::string longr(1000, 'r');
  std::string list = netstring::EncodeNetstring("a@b") + netstring::EncodeNetstring(longr) +
                     netstring::EncodeNetstring(std::string("c\0d", 3));
  Outcome r = Drive("4:\nhi\n,0:," + netstring::EncodeNetstring(list), 64, p);
  auto v = Responses(r.out);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0][0], 'K');
  EXPECT_EQ(v[1], "Dsorry, I can't handle that recipient (#5.1.3)");
  EXPECT_EQ(v[2], "Dsorry, I can't handle that recipient (#5.1.3)");
  ASSERT_EQ(r.stored.size(), 1u);
  EXPECT_THAT(r.stored[0].recipients, ElementsAre("a@b"));
}

TEST(QmtpServer, TooManyRecipientsGetZ) {
  AcceptAllPolicy p;
  ServerOptions o = Options();
  o.max_recipients = 2;
  Outcome r = Drive(Pkg("\nhi\n", "", {"a@b", "c@d", "e@f"}), 1, p, o);
  auto v = Responses(r.out);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0][0], 'K');
  EXPECT_EQ(v[1][0], 'K');
  EXPECT_EQ(v[2], "Zsorry, too many recipients (#4.5.3)");
  ASSERT_EQ(r.stored.size(), 1u);
  EXPECT_EQ(r.stored[0].recipients.size(), 2u);
}

TEST(QmtpServer, EmptyRecipientListAnswersNothingStoresNothing) {
  AcceptAllPolicy p;
  Outcome r = Drive("4:\nhi\n,0:,0:," + kTwoRcptUnix, 1, p);
  EXPECT_EQ(Responses(r.out).size(), 2u);  // only the second package's
  EXPECT_EQ(r.stored.size(), 1u);
}

TEST(QmtpServer, PipelinedPackagesAnsweredInOrder) {
  RelayPolicy p = LocalOnly();
  std::string a = Pkg("\nhi\n", "", {"u@example.test"});
  std::string b = Pkg("\nho\n", "", {"x@y.z"});
  for (std::size_t chunk : {1u, 7u, 4096u}) {
    Outcome r = Drive(a + b + a, chunk, p);
    auto v = Responses(r.out);
    ASSERT_EQ(v.size(), 3u) << chunk;
    EXPECT_EQ(v[0][0], 'K');
    EXPECT_EQ(v[1][0], 'D');
    EXPECT_EQ(v[2][0], 'K');
    EXPECT_EQ(r.stored.size(), 2u);
    EXPECT_FALSE(r.closed && chunk == 0);
  }
}

TEST(QmtpServer, InputHeldDuringSubmissionIsProcessedAfterIt) {
  AcceptAllPolicy p;
  QmtpServerSession s(Options(), p);
  s.Feed(kTwoRcptUnix);
  ASSERT_TRUE(s.awaiting_submit());
  s.Feed(kOneRcptDos);
  EXPECT_EQ(s.buffered_octets(), kOneRcptDos.size());
  auto first = s.TakeSubmission();
  ASSERT_TRUE(first);
  EXPECT_FALSE(s.TakeSubmission());  // one at a time
  s.SubmitDone({ResponseStatus::kAccepted, "1"});
  EXPECT_EQ(s.TakeOutput(), "19:Kok 1700000000 qp 1,19:Kok 1700000000 qp 1,");
  auto second = s.TakeSubmission();
  ASSERT_TRUE(second);
  EXPECT_THAT(second->recipients, ElementsAre("b@example.test"));
  EXPECT_EQ(second->message_id, "s1.2");
  s.SubmitDone({ResponseStatus::kAccepted, "2"});
  EXPECT_EQ(s.TakeOutput(), "19:Kok 1700000000 qp 2,");
  EXPECT_FALSE(s.wants_close());
}

TEST(QmtpServer, HeldInputOverflowClosesAfterTheAnswer) {
  AcceptAllPolicy p;
  ServerOptions o = Options();
  o.max_pending_input = 16;
  QmtpServerSession s(o, p);
  s.Feed(kOneRcptDos);
  s.Feed(kTwoRcptUnix);  // more than 16 octets held
  EXPECT_EQ(s.buffered_octets(), 0u);
  ASSERT_TRUE(s.TakeSubmission());
  s.SubmitDone({ResponseStatus::kAccepted, "1"});
  EXPECT_EQ(s.TakeOutput(), "19:Kok 1700000000 qp 1,");
  EXPECT_TRUE(s.wants_close());
}

TEST(QmtpServer, NoResponseBeforeTheFinalByte) {
  // L1-T2: the package minus its last ',' gets no response octet.
  AcceptAllPolicy p;
  QmtpServerSession s(Options(), p);
  for (std::size_t i = 0; i + 1 < kTwoRcptUnix.size(); ++i) {
    s.Feed(kTwoRcptUnix.substr(i, 1));
    EXPECT_FALSE(s.TakeSubmission());
    EXPECT_EQ(s.TakeOutput(), "");
  }
  s.Feed(",");
  EXPECT_TRUE(s.TakeSubmission());
}

TEST(QmtpServer, PeerCloseInsidePackageThrowsItAway) {
  AcceptAllPolicy p;
  Outcome r = Drive(kTwoRcptUnix + kOneRcptDos.substr(0, 20), 3, p);
  EXPECT_EQ(r.stored.size(), 1u);
  EXPECT_EQ(Responses(r.out).size(), 2u);
  EXPECT_TRUE(r.closed);
}

TEST(QmtpServer, PeerCloseDuringSubmissionStillAnswers) {
  AcceptAllPolicy p;
  QmtpServerSession s(Options(), p);
  s.Feed(kOneRcptDos);
  s.PeerClosed();
  EXPECT_FALSE(s.wants_close());
  ASSERT_TRUE(s.TakeSubmission());
  s.SubmitDone({ResponseStatus::kAccepted, "1"});
  EXPECT_EQ(s.TakeOutput(), "19:Kok 1700000000 qp 1,");
  EXPECT_TRUE(s.wants_close());
}

struct FramingCase {
  const char* name;
  std::string input;
  netstring::QmtpError error;
};

TEST(QmtpServer, FramingErrorsCloseWithoutResponse) {
  // L1-T3: "012:", "1a:", a missing ',' -> closed without acceptance.
  std::vector<FramingCase> cases = {
      {"leading-zero", "04:\nhi\n,0:,6:3:a@b,,", netstring::QmtpError::kMessageFraming},
      {"non-digit", "1a:\nhi\n,0:,6:3:a@b,,", netstring::QmtpError::kMessageFraming},
      {"colon-first", ":\nhi\n,0:,6:3:a@b,,", netstring::QmtpError::kMessageFraming},
      {"missing-comma", "4:\nhi\n;0:,6:3:a@b,,", netstring::QmtpError::kMessageFraming},
      {"bad-length-short", "3:\nhi\n,0:,6:3:a@b,,", netstring::QmtpError::kMessageFraming},
      {"oversize-length", "1234567890:\n", netstring::QmtpError::kMessageFraming},
      {"sender-leading-zero", "4:\nhi\n,00:,6:3:a@b,,", netstring::QmtpError::kSenderFraming},
      {"sender-missing-comma", "4:\nhi\n,1:a;6:3:a@b,,", netstring::QmtpError::kSenderFraming},
      {"sender-non-digit", "4:\nhi\n,x:6:3:a@b,,", netstring::QmtpError::kSenderFraming},
      {"list-leading-zero", "4:\nhi\n,0:,06:3:a@b,,", netstring::QmtpError::kRecipientsFraming},
      {"list-non-digit", "4:\nhi\n,0:,x:3:a@b,,", netstring::QmtpError::kRecipientsFraming},
      {"list-missing-comma", "4:\nhi\n,0:,6:3:a@b,;", netstring::QmtpError::kRecipientsFraming},
      {"inner-truncated", "4:\nhi\n,0:,5:3:a@b,", netstring::QmtpError::kRecipientFraming},
      {"inner-leading-zero", "4:\nhi\n,0:,7:03:a@b,,", netstring::QmtpError::kRecipientFraming},
      {"inner-missing-comma", "4:\nhi\n,0:,6:3:a@b;,", netstring::QmtpError::kRecipientFraming},
      {"empty-message", "0:,0:,6:3:a@b,,", netstring::QmtpError::kEmptyMessage},
      {"bad-encoding", "3:xhi,0:,6:3:a@b,,", netstring::QmtpError::kBadEncoding},
  };
  AcceptAllPolicy p;
  for (const FramingCase& c : cases) {
    for (std::size_t chunk : {1u, 4096u}) {
      QmtpServerSession s(Options(), p);
      RecordingSink sink;
      for (std::size_t pos = 0; pos < c.input.size(); pos += chunk) {
        s.Feed(std::string_view(c.input).substr(pos, chunk));
        RunSink(s, sink);
      }
      EXPECT_TRUE(s.wants_close()) << c.name;
      EXPECT_EQ(s.error(), c.error) << c.name;
      EXPECT_EQ(s.TakeOutput(), "") << c.name;
      EXPECT_TRUE(sink.stored.empty()) << c.name;
      s.Feed(kTwoRcptUnix);  // nothing more is read after the close
      EXPECT_FALSE(s.TakeSubmission()) << c.name;
    }
  }
}

TEST(QmtpServer, FramingErrorAfterGoodPackageKeepsItsAnswer) {
  AcceptAllPolicy p;
  Outcome r = Drive(kOneRcptDos + "1a:", 1, p, Options(), {ResponseStatus::kAccepted, "9"}, false);
  EXPECT_EQ(r.out, "19:Kok 1700000000 qp 9,");
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.stored.size(), 1u);
}

TEST(QmtpServer, TruncatedPackageWithoutCloseWaits) {
  AcceptAllPolicy p;
  Outcome r = Drive(kTwoRcptUnix.substr(0, 30), 1, p, Options(), {}, false);
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(r.closed);
}

TEST(QmtpServer, ReceivedLineForIpv6Client) {
  AcceptAllPolicy p;
  ServerOptions o = Options();
  o.client_ip = "2001:db8::1";
  Outcome r = Drive(kOneRcptDos, 100, p, o);
  ASSERT_EQ(r.stored.size(), 1u);
  EXPECT_THAT(r.stored[0].data, StartsWith("Received: from [IPv6:2001:db8::1] ([IPv6:2001:db8::1])\r\n"));
  EXPECT_THAT(r.stored[0].data, HasSubstr(" with QMTP id s1.1;\r\n"));
}

}  // namespace
}  // namespace mta::qmtp
