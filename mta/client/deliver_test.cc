// deliver_test.cc: the SMTP client driver against the scripted peer on 127.0.0.1.
#include "mta/client/deliver.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "mta/client/testing/script_server.h"
#include "mta/client/testing/self_signed.h"

namespace mta::client {
namespace {

using testing::Received;
using testing::Script;
using testing::ScriptServer;

Transaction Tx(std::vector<std::string> rcpts, std::string message = "Subject: t\r\n\r\nhi\r\n") {
  Transaction tx;
  tx.sender = "s@a.test";
  for (auto& r : rcpts) tx.recipients.push_back({r, "", ""});
  tx.message = std::move(message);
  return tx;
}

ClientOptions Opt() {
  ClientOptions o;
  o.helo_name = "me.test";
  o.starttls = StartTlsMode::kOff;
  return o;
}

Connect To(const ScriptServer& srv) {
  Connect c;
  c.ip = "127.0.0.1";
  c.port = srv.port();
  c.timeouts.initial = c.timeouts.ehlo = c.timeouts.mail = c.timeouts.rcpt =
      c.timeouts.data_init = c.timeouts.data_block = c.timeouts.data_term =
          c.timeouts.quit = std::chrono::seconds(5);
  return c;
}

bool NoBareLineEnds(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n')) return false;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
  }
  return true;
}

bool HasCommandStarting(const Received& got, std::string_view prefix) {
  for (const auto& c : got.commands) if (c.rfind(prefix, 0) == 0) return true;
  return false;
}

TEST(DeliverTest, NonPipelinedSequenceAndQuit) {
  ScriptServer srv(Script{});
  DeliveryAttempt a = Deliver(To(srv), Tx({"a@b.test"}), Opt());
  Received got = srv.Wait();
  ASSERT_EQ(a.outcome.rcpts.size(), 1u);
  EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kDelivered) << a.outcome.rcpts[0].text;
  EXPECT_TRUE(a.outcome.quit_acknowledged);  // RFC 5321 4.1.1.10
  std::vector<std::string> want = {"EHLO me.test", "MAIL FROM:<s@a.test>", "RCPT TO:<a@b.test>",
                                   "DATA", "QUIT"};
  EXPECT_EQ(got.commands, want);
  // One command per read: the client waited for each reply.
  EXPECT_EQ(got.reads[0], "EHLO me.test\r\n");
  EXPECT_EQ(got.reads[1], "MAIL FROM:<s@a.test>\r\n");
}

TEST(DeliverTest, EhloFallsBackToHelo) {  // C6-T2
  Script sc;
  sc.ehlo_supported = false;
  ScriptServer srv(sc);
  DeliveryAttempt a = Deliver(To(srv), Tx({"a@b.test"}), Opt());
  Received got = srv.Wait();
  EXPECT_EQ(got.commands[0], "EHLO me.test");
  EXPECT_EQ(got.commands[1], "HELO me.test");
  EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kDelivered);
}

TEST(DeliverTest, PipelinedGroupInOneWrite) {  // RFC 2920 3.1
  Script sc;
  sc.keywords = {"PIPELINING"};
  sc.rcpt_replies["x@b.test"] = "550 5.1.1 unknown\r\n";
  ScriptServer srv(sc);
  DeliveryAttempt a = Deliver(To(srv), Tx({"a@b.test", "x@b.test", "c@b.test"}), Opt());
  Received got = srv.Wait();
  bool group = false;
  for (const auto& r : got.reads) {
    if (r == "MAIL FROM:<s@a.test>\r\nRCPT TO:<a@b.test>\r\nRCPT TO:<x@b.test>\r\n"
             "RCPT TO:<c@b.test>\r\nDATA\r\n") group = true;
  }
  EXPECT_TRUE(group);
  EXPECT_EQ(got.messages.size(), 1u);  // I6: one copy for the recipients
  EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kDelivered);
  EXPECT_EQ(a.outcome.rcpts[1].status, RcptStatus::kPermFail);
  EXPECT_EQ(a.outcome.rcpts[1].enhanced->ToString(), "5.1.1");
  EXPECT_EQ(a.outcome.rcpts[2].status, RcptStatus::kDelivered);
}

TEST(DeliverTest, SizeRefusalSendsNoMail) {  // RFC 1870 6
  Script sc;
  sc.keywords = {"SIZE 100"};
  ScriptServer srv(sc);
  DeliveryAttempt a =
      Deliver(To(srv), Tx({"a@b.test"}, "Subject: t\r\n\r\n" + std::string(500, 'x')), Opt());
  Received got = srv.Wait();
  EXPECT_FALSE(HasCommandStarting(got, "MAIL"));
  EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kPermFail);
  EXPECT_EQ(a.outcome.rcpts[0].enhanced->ToString(), "5.3.4");
}

TEST(DeliverTest, DsnParametersAndRelayedFlag) {  // RFC 3461 5.2.1 / 5.2.2, C8
  Transaction tx = Tx({"a@b.test"});
  tx.ret = "HDRS";
  tx.envid = "abc+2B1";
  tx.recipients[0].notify = "SUCCESS";
  tx.recipients[0].orcpt = "rfc822;a@b.test";
  {
    Script sc;
    sc.keywords = {"DSN"};
    ScriptServer srv(sc);
    DeliveryAttempt a = Deliver(To(srv), tx, Opt());
    Received got = srv.Wait();
    EXPECT_TRUE(HasCommandStarting(got, "MAIL FROM:<s@a.test> RET=HDRS ENVID=abc+2B1"));
    EXPECT_TRUE(HasCommandStarting(got, "RCPT TO:<a@b.test> NOTIFY=SUCCESS ORCPT=rfc822;a@b.test"));
    EXPECT_FALSE(a.outcome.rcpts[0].dsn_relayed);
  }
  {
    ScriptServer srv(Script{});
    DeliveryAttempt a = Deliver(To(srv), tx, Opt());
    Received got = srv.Wait();
    EXPECT_TRUE(HasCommandStarting(got, "MAIL FROM:<s@a.test>"));
    EXPECT_EQ(got.raw.find("NOTIFY"), std::string::npos);
    EXPECT_EQ(got.raw.find("ENVID"), std::string::npos);
    EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kDelivered);
    EXPECT_TRUE(a.outcome.rcpts[0].dsn_relayed);
  }
}

std::string EightBit() {
  return "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xC3\xA9\r\n";
}

bool AnyHighOctet(const std::string& s) {
  for (char c : s) if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

TEST(DeliverTest, EightBitDowngradeBounceRaw) {  // RFC 6152 3, C5
  Transaction tx = Tx({"a@b.test"}, EightBit());
  {
    ScriptServer srv(Script{});
    DeliveryAttempt a = Deliver(To(srv), tx, Opt());
    Received got = srv.Wait();
    EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kDelivered);
    EXPECT_TRUE(a.outcome.downgraded);
    EXPECT_FALSE(AnyHighOctet(got.raw));
    ASSERT_EQ(got.messages.size(), 1u);
    EXPECT_NE(got.messages[0].find("caf=C3=A9"), std::string::npos);
  }
  {
    Script sc;
    sc.keywords = {"8BITMIME"};
    ScriptServer srv(sc);
    Deliver(To(srv), tx, Opt());
    Received got = srv.Wait();
    EXPECT_TRUE(HasCommandStarting(got, "MAIL FROM:<s@a.test> BODY=8BITMIME"));
    EXPECT_NE(got.messages[0].find("caf\xC3\xA9"), std::string::npos);
  }
  tx.eight_bit = EightBitPolicy::kBounce;
  {
    ScriptServer srv(Script{});
    DeliveryAttempt a = Deliver(To(srv), tx, Opt());
    Received got = srv.Wait();
    EXPECT_FALSE(HasCommandStarting(got, "MAIL"));
    EXPECT_EQ(a.outcome.rcpts[0].enhanced->ToString(), "5.6.3");
  }
  tx.eight_bit = EightBitPolicy::kSendRaw;
  {
    ScriptServer srv(Script{});
    DeliveryAttempt a = Deliver(To(srv), tx, Opt());
    Received got = srv.Wait();
    EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kDelivered);
    EXPECT_TRUE(AnyHighOctet(got.raw));
  }
}

TEST(DeliverTest, BareCrLfNeverOnTheWireAndDotStuffing) {  // RFC 5321 2.3.8, 4.5.2, B3-T2
  ScriptServer srv(Script{});
  DeliveryAttempt a = Deliver(
      To(srv),
      Tx({"a@b.test"}, "Subject: t\r\n\r\nhello\r.\rMAIL FROM:<admin@victim.test>\r\r.\n.x\r\n.\r\n"),
      Opt());
  Received got = srv.Wait();
  EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kDelivered);
  EXPECT_TRUE(NoBareLineEnds(got.raw));
  ASSERT_EQ(got.messages.size(), 1u);
  EXPECT_EQ(got.messages[0],
            "Subject: t\r\n\r\nhello\r\n..\r\nMAIL FROM:<admin@victim.test>\r\n\r\n..\r\n..x\r\n"
            "..\r\n.\r\n");
  // Only the real transaction's MAIL reached the command level.
  int mails = 0;
  for (const auto& c : got.commands) mails += c.rfind("MAIL", 0) == 0;
  EXPECT_EQ(mails, 1);
}

TEST(DeliverTest, GreetingFailureTriesNext) {  // RFC 5321 5.1, I5
  Script sc;
  sc.greeting = "421 4.3.2 busy\r\n";
  ScriptServer srv(sc);
  DeliveryAttempt a = Deliver(To(srv), Tx({"a@b.test"}), Opt());
  srv.Wait();
  EXPECT_TRUE(a.outcome.try_next_mx);
  EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kTempFail);
  EXPECT_EQ(a.outcome.rcpts[0].stage, Stage::kGreeting);
}

TEST(DeliverTest, ConnectionRefusedTriesNext) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  close(fd);  // the port is now (very likely) closed
  Connect c;
  c.ip = "127.0.0.1";
  c.port = ntohs(sa.sin_port);
  DeliveryAttempt a = Deliver(c, Tx({"a@b.test"}), Opt());
  EXPECT_FALSE(a.connected);
  EXPECT_TRUE(a.outcome.try_next_mx);
  EXPECT_EQ(a.outcome.rcpts[0].stage, Stage::kConnect);
  EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kTempFail);
}

TEST(DeliverTest, LostAfterDotIsTemporary) {  // RFC 5321 3.8, I2-T3
  Script sc;
  sc.close_after_dot = true;
  ScriptServer srv(sc);
  DeliveryAttempt a = Deliver(To(srv), Tx({"a@b.test"}), Opt());
  Received got = srv.Wait();
  EXPECT_EQ(got.messages.size(), 1u);
  EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kTempFail);
  EXPECT_EQ(a.outcome.rcpts[0].stage, Stage::kEod);
  EXPECT_FALSE(a.outcome.try_next_mx);
}

TEST(DeliverTest, QuitUnansweredKeepsResult) {  // RFC 5321 4.1.1.10, I4
  Script sc;
  sc.quit_reply = "";  // no 221: the server just closes
  ScriptServer srv(sc);
  Connect c = To(srv);
  c.timeouts.quit = std::chrono::milliseconds(200);
  DeliveryAttempt a = Deliver(c, Tx({"a@b.test"}), Opt());
  EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kDelivered);
  EXPECT_FALSE(a.outcome.quit_acknowledged);
  srv.Wait();
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = testing::NewSelfSignedServerCtx("sink.test");
    ASSERT_NE(ctx_, nullptr);
  }
  void TearDown() override { SSL_CTX_free(ctx_); }
  SSL_CTX* ctx_ = nullptr;
};

TEST_F(TlsTest, OpportunisticStartTls) {  // RFC 3207
  Script sc;
  sc.tls = ctx_;
  sc.keywords = {"PIPELINING"};
  sc.tls_keywords = {"PIPELINING", "SIZE 100000"};
  ScriptServer srv(sc);
  ClientOptions o = Opt();
  o.starttls = StartTlsMode::kOpportunistic;
  DeliveryAttempt a = Deliver(To(srv), Tx({"a@b.test"}), o);
  Received got = srv.Wait();
  EXPECT_TRUE(got.tls);
  EXPECT_TRUE(a.outcome.tls);
  EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kDelivered) << a.outcome.rcpts[0].text;
  std::vector<std::string> want = {"EHLO me.test", "STARTTLS", "EHLO me.test"};
  ASSERT_GE(got.commands.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(got.commands.begin(), got.commands.begin() + 3), want);
  EXPECT_TRUE(HasCommandStarting(got, "MAIL FROM:<s@a.test> SIZE="));  // post-TLS keywords
}

TEST_F(TlsTest, PlaintextInjectionAfterStartTlsDiscarded) {  // CVE-2011-0411, C12
  Script sc;
  sc.tls = ctx_;
  sc.keywords = {};
  sc.tls_keywords = {"SIZE 100000"};
  // A bogus EHLO reply in plaintext, in the same write as the 220: if it were taken as the
  // reply to the EHLO sent under TLS, the client would miss SIZE.
  sc.starttls_inject = "250-injected\r\n250 PIPELINING\r\n";
  ScriptServer srv(sc);
  ClientOptions o = Opt();
  o.starttls = StartTlsMode::kOpportunistic;
  DeliveryAttempt a = Deliver(To(srv), Tx({"a@b.test"}), o);
  Received got = srv.Wait();
  EXPECT_TRUE(a.outcome.tls);
  EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kDelivered) << a.outcome.rcpts[0].text;
  EXPECT_TRUE(HasCommandStarting(got, "MAIL FROM:<s@a.test> SIZE="));
  EXPECT_FALSE(a.outcome.extensions.pipelining);
}

TEST_F(TlsTest, StartTlsOffNeverSendsIt) {
  Script sc;
  sc.tls = ctx_;
  ScriptServer srv(sc);
  DeliveryAttempt a = Deliver(To(srv), Tx({"a@b.test"}), Opt());
  Received got = srv.Wait();
  EXPECT_FALSE(HasCommandStarting(got, "STARTTLS"));
  EXPECT_FALSE(a.outcome.tls);
  EXPECT_EQ(a.outcome.rcpts[0].status, RcptStatus::kDelivered);
}

}  // namespace
}  // namespace mta::client
