// engine_test.cc: the script engine against a scripted fake SMTP server: every step
// kind, pipelining in one write, expected close, timeouts, and the verdicts they give.
#include "harness/runner/engine.h"

#include <gtest/gtest.h>

#include "harness/runner/connection.h"
#include "harness/runner/runner.h"
#include "harness/tests/fake_smtp_server.h"
#include "mta/client/testing/self_signed.h"

#include <openssl/ssl.h>

namespace mta::runner {
namespace {

using harness_test::Action;
using harness_test::FakeSmtpServer;
using nlohmann::json;

script::Case MakeCase(std::vector<std::string> steps, json rules, int timeout_ms = 3000) {
  json j = {{"id", "t.case"},       {"title", "t"},           {"area", "t"},
            {"spec", {{{"rfc", 5321}, {"section", "4.2.4"}}}}, {"level", "SHOULD"},
            {"point", "p"},         {"timeout_ms", timeout_ms}, {"observe_ms", 500},
            {"script", steps},      {"observations", rules}};
  return script::ParseCase(j, "t.json");
}

json Always(const std::string& name = "ran") {
  return json::array({{{"observation", name}, {"when", {{"always", true}}}}});
}

ScriptRun RunOn(const script::Case& c, const FakeSmtpServer& s) {
  EngineOptions o;
  o.source_ip = "127.0.0.2";
  return RunScript(c, {"127.0.0.1", s.port()}, script::DefaultVariables(), o);
}

script::Dispute MakeDispute() {
  json table = {{"good", {{"verdict", "PASS"}, {"why", "x"}}},
                {"bad", {{"verdict", "FAIL"}, {"why", "y"}}}};
  json j = {{"id", "p"},
            {"title", "p"},
            {"question", "q"},
            {"sides", {{{"position", "a"}, {"spec", {{{"rfc", 5321}, {"section", "3.3"}}}}}}},
            {"positions", {{"qmail", "x"}, {"critics", "y"}}},
            {"sources", {"s"}},
            {"observations", {{"good", "g"}, {"bad", "b"}}},
            {"verdicts", {{"strict", table}, {"interop", table}, {"hardened", table}, {"qmail", table}}}};
  return script::ParseDispute(j, "p.json");
}

TEST(Engine, ExpectStepsPassAndSourceAddressIsUsed) {
  FakeSmtpServer s(FakeSmtpServer::Default);
  auto c = MakeCase({"connect", "<? 220", "> EHLO {helo}", "<? 250 multiline", "> NOOP",
                     "<? 2xx 2.0", "> NOOP", "<~ ^250 2\\.0\\.0 ok$", "> QUIT", "<? 221",
                     "<close"},
                    Always());
  ScriptRun r = RunOn(c, s);
  EXPECT_EQ(r.status, ScriptStatus::kCompleted) << r.message << "\n" << r.transcript;
  EXPECT_FALSE(r.facts.failed) << r.facts.failure;
  EXPECT_EQ(s.received(), "EHLO harness.test\r\nNOOP\r\nNOOP\r\nQUIT\r\n");
  ASSERT_EQ(s.peers().size(), 1u);
  EXPECT_EQ(s.peers()[0], "127.0.0.2");
  ASSERT_EQ(r.replies.size(), 5u);
  EXPECT_EQ(r.replies[1].code, 250);
  EXPECT_EQ(r.replies[1].step, 3);
  EXPECT_EQ(r.replies[2].enhanced, "2.0.0");
  EXPECT_NE(r.transcript.find("-> EHLO harness.test"), std::string::npos);
  EXPECT_NE(r.transcript.find("<- 250-PIPELINING"), std::string::npos);
  EXPECT_NE(r.transcript.find("=== connect 127.0.0.2 -> 127.0.0.1:"), std::string::npos);
  EXPECT_NE(r.transcript.find("ms] "), std::string::npos);
}

TEST(Engine, FailedExpectationStopsAndIsAFact) {
  FakeSmtpServer s(FakeSmtpServer::Default);
  json rules = json::array({{{"observation", "broke"}, {"when", {{"failed", true}}}},
                            {{"observation", "fine"}, {"when", {{"always", true}}}}});
  auto c = MakeCase({"connect", "<? 220", "> FOO", "<? 500", "> NOOP", "<? 250"}, rules);
  ScriptRun r = RunOn(c, s);
  EXPECT_EQ(r.status, ScriptStatus::kCompleted);
  EXPECT_TRUE(r.facts.failed);
  EXPECT_EQ(r.failed_step, 3);
  EXPECT_NE(r.facts.failure.find("expected 500, got 502"), std::string::npos);
  EXPECT_EQ(s.received(), "FOO\r\n");  // stopped: NOOP never sent
  EXPECT_EQ(judge::Observe(c, r.facts), "broke");
  EXPECT_NE(r.transcript.find("<** 502 5.5.1 unimplemented"), std::string::npos);
}

TEST(Engine, ObserveRecordsCodeAndEnhancedForRules) {
  FakeSmtpServer s(FakeSmtpServer::Default);
  json rules = json::array(
      {{{"observation", "code-500"}, {"when", {{"step", "u"}, {"code", "500"}}}},
       {{"observation", "code-502"}, {"when", {{"step", "u"}, {"code", "502"}, {"enhanced", "5.5"}}}},
       {{"observation", "other"}, {"when", {{"always", true}}}}});
  auto c = MakeCase({"connect", "<? 220", "> FOOBAR", "observe as u", "> QUIT"}, rules);
  ScriptRun r = RunOn(c, s);
  ASSERT_EQ(r.status, ScriptStatus::kCompleted) << r.message;
  const auto& u = r.facts.observes.at("u");
  EXPECT_TRUE(u.reached);
  ASSERT_EQ(u.replies.size(), 1u);
  EXPECT_EQ(u.replies[0].code, 502);
  EXPECT_EQ(judge::Observe(c, r.facts), "code-502");
}

TEST(Engine, PipelinedGroupGoesOutInOneWrite) {
  FakeSmtpServer s(FakeSmtpServer::Default);
  json rules = json::array(
      {{{"observation", "in-order"},
        {"when", {{"all", {{{"step", "p"}, {"replies", 3}}, {{"step", "p"}, {"index", 2}, {"code", "354"}}}}}}},
       {{"observation", "other"}, {"when", {{"always", true}}}}});
  auto c = MakeCase({"connect", "<? 220", "> EHLO x", "<? 250", ">+ MAIL FROM:<a@{sink_domain}>",
                     ">+ RCPT TO:<{user}@{local_domain}>", ">+ DATA", "observe 3 as p"},
                    rules);
  ScriptRun r = RunOn(c, s);
  ASSERT_EQ(r.status, ScriptStatus::kCompleted) << r.message;
  auto chunks = s.chunks();
  ASSERT_EQ(chunks.size(), 2u) << s.received();
  EXPECT_EQ(chunks[1], "MAIL FROM:<a@sink.test>\r\nRCPT TO:<user@local.test>\r\nDATA\r\n");
  EXPECT_EQ(judge::Observe(c, r.facts), "in-order");
  EXPECT_NE(r.transcript.find("=== pipelined write, "), std::string::npos);
}

TEST(Engine, RawAndUnterminatedSendsAreByteExact) {
  FakeSmtpServer s(FakeSmtpServer::Default);
  auto c = MakeCase({"connect", "<? 220", ">> NO", "sleep 50", "> OP", "<? 250", "> DATA", "<? 354",
                     "~> \"a\\nb\\x00c\\r\\n.\\r\\n\"", "<? 250"},
                    Always());
  ScriptRun r = RunOn(c, s);
  ASSERT_EQ(r.status, ScriptStatus::kCompleted) << r.message << r.transcript;
  EXPECT_FALSE(r.facts.failed) << r.facts.failure;
  EXPECT_EQ(s.received(), std::string("NOOP\r\nDATA\r\na\nb\0c\r\n.\r\n", 22));
  EXPECT_EQ(s.data(), std::string("a\nb\0c\r\n", 7));
  EXPECT_NE(r.transcript.find("~> \"a\\nb\\x00c\\r\\n.\\r\\n\""), std::string::npos);
  EXPECT_NE(r.transcript.find("=== sleep 50ms"), std::string::npos);
}

TEST(Engine, ServerCloseIsObservedAndExpectedClosePasses) {
  FakeSmtpServer s([](const std::string& line) {
    if (line == "BYE") return Action{"451 going\r\n", true};
    return FakeSmtpServer::Default(line);
  });
  json rules = json::array(
      {{{"observation", "reply-and-close"}, {"when", {{"step", "b"}, {"code", "451"}, {"closed", true}}}},
       {{"observation", "other"}, {"when", {{"always", true}}}}});
  auto c = MakeCase({"connect", "<? 220", "> BYE", "observe as b linger 1000"}, rules);
  ScriptRun r = RunOn(c, s);
  ASSERT_EQ(r.status, ScriptStatus::kCompleted) << r.message;
  EXPECT_EQ(judge::Observe(c, r.facts), "reply-and-close");

  auto c2 = MakeCase({"connect", "<? 220", "> QUIT", "<? 221", "<close"}, Always());
  EXPECT_FALSE(RunOn(c2, s).facts.failed);
  auto c3 = MakeCase({"connect", "<? 220", "> NOOP", "<close"}, Always());
  ScriptRun r3 = RunOn(c3, s);
  EXPECT_TRUE(r3.facts.failed);
  EXPECT_NE(r3.facts.failure.find("expected close"), std::string::npos);
}

TEST(Engine, ObserveTimeoutIsRecordedNotFatal) {
  FakeSmtpServer s([](const std::string& line) {
    if (line == "HANG") return Action{"", false, false, 0, true};
    return FakeSmtpServer::Default(line);
  });
  json rules = json::array({{{"observation", "silent"}, {"when", {{"step", "h"}, {"timeout", true}}}},
                            {{"observation", "other"}, {"when", {{"always", true}}}}});
  auto c = MakeCase({"connect", "<? 220", "> HANG", "observe as h within 200", "> NOOP", "<? 250"}, rules);
  ScriptRun r = RunOn(c, s);
  ASSERT_EQ(r.status, ScriptStatus::kCompleted) << r.message;
  EXPECT_FALSE(r.facts.failed);
  EXPECT_EQ(judge::Observe(c, r.facts), "silent");
}

TEST(Engine, ExpectWithoutReplyIsTimeoutVerdict) {
  FakeSmtpServer s([](const std::string& line) {
    if (line == "HANG") return Action{"", false, false, 0, true};
    return FakeSmtpServer::Default(line);
  });
  auto c = MakeCase({"connect", "<? 220", "> HANG", "<? 250"}, Always("good"), 400);
  auto t0 = Clock::now();
  ScriptRun r = RunOn(c, s);
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(3));
  EXPECT_EQ(r.status, ScriptStatus::kTimeout);
  EXPECT_EQ(r.failed_step, 3);
  report::Result res = Decide(c, MakeDispute(), r, "fake", "strict");
  EXPECT_EQ(res.verdict, "TIMEOUT");
  EXPECT_EQ(res.verdicts.at("qmail"), "TIMEOUT");
  EXPECT_NE(r.transcript.find("=== timeout"), std::string::npos);
}

TEST(Engine, ConnectFailureIsErrorVerdict) {
  int port;
  {
    FakeSmtpServer gone(FakeSmtpServer::Default);
    port = gone.port();
  }
  auto c = MakeCase({"connect", "<? 220"}, Always("good"));
  ScriptRun r = RunScript(c, {"127.0.0.1", port}, script::DefaultVariables(), {});
  EXPECT_EQ(r.status, ScriptStatus::kError);
  EXPECT_NE(r.message.find("connect"), std::string::npos);
  EXPECT_EQ(Decide(c, MakeDispute(), r, "x", "strict").verdict, "ERROR");
}

TEST(Engine, SkipUntilAndSeveralConnections) {
  FakeSmtpServer s(FakeSmtpServer::Default);
  auto c = MakeCase({"connect a", "<? 220", "connect b", "<? 220", "use a", ">+ NOOP", ">+ FOO",
                     ">+ NOOP", "<... ^502", "<? 250", "use b", "> QUIT", "<? 221"},
                    Always());
  ScriptRun r = RunOn(c, s);
  ASSERT_EQ(r.status, ScriptStatus::kCompleted) << r.message;
  EXPECT_FALSE(r.facts.failed) << r.facts.failure << r.transcript;
  EXPECT_EQ(s.peers().size(), 2u);
  EXPECT_NE(r.transcript.find("(b) -> QUIT"), std::string::npos) << r.transcript;
}

TEST(Engine, DecideJudgesObservationPerProfile) {
  FakeSmtpServer s(FakeSmtpServer::Default);
  json rules = json::array({{{"observation", "good"}, {"when", {{"step", "o"}, {"code", "250"}}}},
                            {{"observation", "bad"}, {"when", {{"always", true}}}}});
  auto c = MakeCase({"connect", "<? 220", "> RCPT TO:<x>", "observe as o"}, rules);
  report::Result res = Decide(c, MakeDispute(), RunOn(c, s), "fake", "interop");
  EXPECT_EQ(res.observation, "good");
  EXPECT_EQ(res.verdict, "PASS");
  EXPECT_EQ(res.verdicts.size(), 4u);
  ASSERT_EQ(res.replies.size(), 2u);
  EXPECT_EQ(res.replies[1].text, "ok");
}

TEST(Engine, NoRuleMatchingIsError) {
  FakeSmtpServer s(FakeSmtpServer::Default);
  json rules = json::array({{{"observation", "good"}, {"when", {{"step", "o"}, {"code", "5xx"}}}}});
  auto c = MakeCase({"connect", "<? 220", "> NOOP", "observe as o"}, rules);
  report::Result res = Decide(c, MakeDispute(), RunOn(c, s), "fake", "strict");
  EXPECT_EQ(res.verdict, "ERROR");
  EXPECT_NE(res.message.find("no observation rule"), std::string::npos);
}

TEST(Engine, DisconnectAfterTheServerClosedIsNoError) {
  FakeSmtpServer s(FakeSmtpServer::Default);
  auto c = MakeCase({"connect", "<? 220", "> QUIT", "observe as q linger 1000", "disconnect"},
                    Always());
  ScriptRun r = RunOn(c, s);
  EXPECT_EQ(r.status, ScriptStatus::kCompleted) << r.message << "\n" << r.transcript;
  EXPECT_TRUE(r.facts.observes["q"].closed) << r.transcript;
}

// A server that offers STARTTLS (RFC 3207) and answers it 220, then the handshake.
Action TlsHandler(const std::string& line) {
  if (line == "STARTTLS") {
    Action a{"220 2.0.0 ready\r\n"};
    a.starttls = true;
    return a;
  }
  if (line.rfind("EHLO", 0) == 0) return {"250-fake.test\r\n250 STARTTLS\r\n"};
  return FakeSmtpServer::Default(line);
}

class EngineTls : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = client::testing::NewSelfSignedServerCtx("fake.test");
    ASSERT_NE(ctx_, nullptr);
  }
  void TearDown() override { SSL_CTX_free(ctx_); }
  SSL_CTX* ctx_ = nullptr;
};

TEST_F(EngineTls, CommandsAfterTheHandshakeTravelInsideTls) {
  FakeSmtpServer s(TlsHandler, "220 fake.test ESMTP\r\n", {ctx_, false});
  auto c = MakeCase({"connect", "<? 220", "> EHLO {helo}", "<? 250", "> STARTTLS", "<? 220",
                     "starttls", "> EHLO {helo}", "<? 250 multiline", "> QUIT", "<? 221"},
                    Always());
  ScriptRun r = RunOn(c, s);
  EXPECT_EQ(r.status, ScriptStatus::kCompleted) << r.message << "\n" << r.transcript;
  EXPECT_FALSE(r.facts.failed) << r.facts.failure << "\n" << r.transcript;
  EXPECT_NE(r.transcript.find("TLS established: TLSv1."), std::string::npos) << r.transcript;
  // The fake records what it decrypted: the second EHLO and QUIT came through TLS.
  EXPECT_EQ(s.received(), "EHLO harness.test\r\nSTARTTLS\r\nEHLO harness.test\r\nQUIT\r\n");
}

// C12 (CVE-2011-0411): 'STARTTLS\r\nRSET\r\n' in one write; a vulnerable server answers
// the RSET inside TLS, so the EHLO after the handshake gets two replies.
int RepliesAfterInjection(SSL_CTX* ctx, bool vulnerable, std::string* transcript) {
  FakeSmtpServer s(TlsHandler, "220 fake.test ESMTP\r\n", {ctx, vulnerable});
  auto c = MakeCase({"connect", "<? 220", "> EHLO {helo}", "<? 250", "~> \"STARTTLS\\r\\nRSET\\r\\n\"",
                     "<? 220", "starttls", "> EHLO {helo}", "observe 2 as tls within 800"},
                    Always());
  ScriptRun r = RunOn(c, s);
  *transcript = r.transcript;
  if (r.status != ScriptStatus::kCompleted || r.facts.failed) return -1;
  return static_cast<int>(r.facts.observes["tls"].replies.size());
}

TEST_F(EngineTls, PlaintextInjectionIsObservable) {
  std::string t;
  EXPECT_EQ(RepliesAfterInjection(ctx_, true, &t), 2) << t;
  EXPECT_EQ(RepliesAfterInjection(ctx_, false, &t), 1) << t;
}

TEST_F(EngineTls, FailedHandshakeFailsTheStep) {
  // 220 to STARTTLS, then the server closes instead of negotiating.
  FakeSmtpServer s([](const std::string& line) {
    if (line == "STARTTLS") return Action{"220 2.0.0 ready\r\n", true};
    return FakeSmtpServer::Default(line);
  });
  auto c = MakeCase({"connect", "<? 220", "> STARTTLS", "<? 220", "starttls", "> NOOP", "<? 250"},
                    Always());
  ScriptRun r = RunOn(c, s);
  EXPECT_TRUE(r.facts.failed) << r.transcript;
  EXPECT_NE(r.facts.failure.find("TLS handshake"), std::string::npos) << r.facts.failure;
  EXPECT_EQ(r.failed_step, 4);
}

TEST(Engine, ProbeReadsBannerAndEhloKeywords) {
  FakeSmtpServer s(FakeSmtpServer::Default);
  Probe p = ProbeTarget({"127.0.0.1", s.port()}, "127.0.0.2", 2000);
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.banner, "220 fake.test ESMTP");
  EXPECT_TRUE(p.Advertises("pipelining"));
  EXPECT_FALSE(p.Advertises("CHUNKING"));
}

}  // namespace
}  // namespace mta::runner
