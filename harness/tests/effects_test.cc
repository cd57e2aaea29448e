// effects_test.cc: effect conditions ("sink", "bounce", "mailbox") - schema checks, the
// judge on facts, and the engine waiting for a relay: a fake SMTP target that passes each
// message on to a CaptureSink a little later, per-execution tokens, UNSUPPORTED without
// an observer, and the evidence in the transcript.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "harness/judge/judge.h"
#include "harness/runner/engine.h"
#include "harness/sink/capture_sink.h"
#include "harness/tests/fake_smtp_server.h"
#include "harness/tests/sink_test_util.h"

namespace mta::runner {
namespace {

using harness_test::Action;
using harness_test::FakeSmtpServer;
using harness_test::TestClient;
using nlohmann::json;

json CaseJson(std::vector<std::string> steps, json rules, json needs = json::array({"sink"})) {
  return {{"id", "t.case"},       {"title", "t"},          {"area", "t"},
          {"spec", {{{"rfc", 5321}, {"section", "4.2.4"}}}}, {"level", "SHOULD"},
          {"point", "p"},         {"timeout_ms", 5000},      {"observe_ms", 500},
          {"needs", needs},       {"script", steps},         {"observations", rules}};
}

script::Case MakeCase(std::vector<std::string> steps, json rules, json needs = json::array({"sink"})) {
  return script::ParseCase(CaseJson(std::move(steps), std::move(rules), std::move(needs)), "t.json");
}

json Rules(json first_when) {
  return json::array({{{"observation", "seen"}, {"when", first_when}},
                      {{"observation", "not-seen"}, {"when", {{"always", true}}}}});
}

// Delivers `data` to the sink like a relaying MTA would (EHLO, MAIL, RCPT, DATA).
void Relay(int port, const std::string& from, const std::string& to, const std::string& data) {
  TestClient c;
  if (!c.Connect("127.0.0.11", "127.0.0.20", port)) return;
  c.Reply();
  for (const std::string& cmd : {std::string("EHLO relay.test\r\n"), "MAIL FROM:<" + from + ">\r\n", "RCPT TO:<" + to + ">\r\n",
                                 std::string("DATA\r\n")}) {
    c.Send(cmd);
    c.Reply();
  }
  c.Send(data + ".\r\n");
  c.Reply();
  c.Send("QUIT\r\n");
  c.Reply();
}

// A fake target that accepts one message and relays it to the sink `delay_ms` later; with
// bounce=true it sends a delivery report to the sender instead.
class RelayingTarget {
 public:
  RelayingTarget(int sink_port, bool bounce, int delay_ms = 300)
      : server_([this](const std::string& line) { return Handle(line); }),
        sink_port_(sink_port),
        bounce_(bounce),
        delay_ms_(delay_ms) {}
  ~RelayingTarget() {
    for (auto& t : relays_) t.join();
  }
  int port() const { return server_.port(); }

 private:
  Action Handle(const std::string& line) {
    if (line.rfind("MAIL FROM:<", 0) == 0) from_ = line.substr(11, line.find('>') - 11);
    if (line.rfind("RCPT TO:<", 0) == 0) to_ = line.substr(9, line.find('>') - 9);
    if (line == "<EOD>") {
      std::string data = server_.data(), from = from_, to = to_;
      int port = sink_port_;
      bool bounce = bounce_;
      int delay_ms = delay_ms_;
      relays_.emplace_back([=]() {
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        if (!bounce) {
          Relay(port, from, to, "Received: from harness\r\n" + data);
          return;
        }
        std::string report =
            "From: MAILER-DAEMON@fake.test\r\nTo: <" + from + ">\r\nSubject: Undelivered Mail\r\n"
            "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
            "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
            "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; fake.test\r\n\r\n"
            "Final-Recipient: rfc822; " + to + "\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n"
            "--B\r\nContent-Type: text/rfc822-headers\r\n\r\nTo: <" + to + ">\r\n\r\n--B--\r\n";
        Relay(port, "", from, report);
      });
    }
    return FakeSmtpServer::Default(line);
  }

  FakeSmtpServer server_;
  int sink_port_;
  bool bounce_;
  int delay_ms_;
  std::string from_, to_;
  std::vector<std::thread> relays_;
};

std::vector<std::string> SendMessage(const std::string& body) {
  return {"connect", "<? 220", "> EHLO {helo}", "<? 250", "> MAIL FROM:<s-{token}@{sink_domain}>", "<? 250",
          "> RCPT TO:<r-{token}@{sink_domain}>", "<? 250", "> DATA", "<? 354", "~> \"" + body + "\\r\\n.\\r\\n\"",
          "<? 250", "> QUIT", "<? 221"};
}

struct EffectEngine : ::testing::Test {
  sink::CaptureSink sink{{{"127.0.0.20", 0, sink::Behaviour{}}}};
  void SetUp() override { sink.Start(); }
  int sink_port() { return sink.listeners()[0].port; }
  ScriptRun Run(const script::Case& c, int target_port, const std::string& token = "",
                std::function<bool(const std::string&)> settled = nullptr) {
    EngineOptions o;
    o.sink = &sink;
    o.token = token;
    o.poll_ms = 20;
    o.settled = std::move(settled);
    return RunScript(c, {"127.0.0.1", target_port}, script::DefaultVariables(), o);
  }
};

TEST_F(EffectEngine, SettledTargetEndsTheWaitAfterTheFirstSecond) {
  FakeSmtpServer quiet(FakeSmtpServer::Default);  // accepts, never relays
  auto c = MakeCase(SendMessage("Subject: x"), Rules({{"sink", {{"within", 8000}}}}));
  std::atomic<int> asked{0};
  std::string asked_for;
  auto t0 = std::chrono::steady_clock::now();
  ScriptRun r = Run(c, quiet.port(), "tabcd0s01", [&](const std::string& token) {
    if (asked++ == 0) asked_for = token;
    return true;
  });
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(6000));  // not the 8 s window
  EXPECT_GE(asked.load(), 1);
  EXPECT_EQ(asked_for, "tabcd0s01");
  EXPECT_EQ(judge::Observe(c, r.facts), "not-seen");
  EXPECT_NE(r.transcript.find("the target holds nothing more for token tabcd0s01"), std::string::npos);
}

TEST_F(EffectEngine, SettledIsNotAskedBeyondItsHorizon) {
  // A window longer than the horizon waits for something a settled target has not yet
  // scheduled (a retry half an hour later): a settled answer must not end it. The relay
  // comes 1.5 s after the script, when the answer would be trusted.
  RelayingTarget target(sink_port(), false, 1500);
  json j = CaseJson(SendMessage("Subject: late {token}"), Rules({{"sink", {{"within", kSettledHorizonMs + 1000}}}}));
  j["tags"] = {"slow"};
  auto c = script::ParseCase(j, "t.json");
  std::atomic<int> asked{0};
  ScriptRun r = Run(c, target.port(), "tabcd0s02", [&](const std::string&) {
    ++asked;
    return true;
  });
  EXPECT_EQ(asked.load(), 0);
  EXPECT_EQ(judge::Observe(c, r.facts), "seen") << r.transcript;
}

TEST(EffectSchema, ConditionsAreChecked) {
  auto bad = [](json when, json needs = json::array({"sink", "mailbox"})) {
    try {
      script::ParseCase(CaseJson({"connect"}, Rules(when), needs), "x.json");
      return std::string();
    } catch (const script::CaseError& e) {
      return std::string(e.what());
    }
  };
  EXPECT_EQ(bad({{"sink", {{"kind", "relay"}, {"within", 1000}, {"count", ">=1"}, {"regex", "^Subject: {token}"}}}}), "");
  EXPECT_EQ(bad({{"not", {{"bounce", {{"format", "rfc3464"}, {"field", "Action"}, {"value_regex", "failed"}}}}}}), "");
  EXPECT_EQ(bad({{"mailbox", {{"user", "{user}"}, {"count", "0"}}}}), "");
  EXPECT_NE(bad({{"sink", {{"kind", "relay"}}}}, json::array()).find("add \"sink\" to needs"), std::string::npos);
  EXPECT_NE(bad({{"mailbox", json::object()}}, json::array({"sink"})).find("add \"mailbox\""), std::string::npos);
  EXPECT_NE(bad({{"sink", {{"kind", "x"}}}}).find("sink.kind"), std::string::npos);
  EXPECT_NE(bad({{"sink", {{"count", "~1"}}}}).find("bad count"), std::string::npos);
  EXPECT_NE(bad({{"sink", {{"regex", "("}}}}).find("invalid regex"), std::string::npos);
  EXPECT_NE(bad({{"sink", {{"regex", "{nosuch}"}}}}).find("unknown variable"), std::string::npos);
  EXPECT_NE(bad({{"bounce", {{"value_regex", "x"}}}}).find("needs \"field\""), std::string::npos);
  EXPECT_NE(bad({{"bounce", {{"field", "Colour"}}}}).find("RFC 3464 field"), std::string::npos);
  EXPECT_NE(bad({{"sink", {{"format", "qsbmf"}}}}).find("unknown sink condition key"), std::string::npos);
  EXPECT_NE(bad({{"sink", {{"within", 3'700'000}}}}).find("0..3600000"), std::string::npos);
  EXPECT_EQ(bad({{"sink", {{"quit", "waited"}, {"rcpt_params", "NOTIFY=SUCCESS"}}}}), "");
  EXPECT_EQ(bad({{"sink", {{"quit", "closed-early"}}}}), "");
  EXPECT_EQ(bad({{"sink", {{"quit", "no-quit"}}}}), "");
  EXPECT_NE(bad({{"sink", {{"quit", "maybe"}}}}).find("sink.quit: must be waited, closed-early or no-quit"),
            std::string::npos);
  EXPECT_NE(bad({{"sink", {{"quit", true}}}}).find("sink.quit"), std::string::npos);
  EXPECT_NE(bad({{"sink", {{"rcpt_params", "("}}}}).find("invalid regex"), std::string::npos);
  EXPECT_NE(bad({{"bounce", {{"quit", "waited"}}}}).find("unknown bounce condition key"), std::string::npos);
}

TEST(EffectSchema, CountSpecs) {
  EXPECT_TRUE(script::ParseCountSpec("0").Matches(0));
  EXPECT_FALSE(script::ParseCountSpec("0").Matches(1));
  EXPECT_TRUE(script::ParseCountSpec(">=2").Matches(5));
  EXPECT_FALSE(script::ParseCountSpec(">2").Matches(2));
  EXPECT_TRUE(script::ParseCountSpec("<=1").Matches(0));
  EXPECT_FALSE(script::ParseCountSpec("<2").Matches(2));
  EXPECT_THROW(script::ParseCountSpec("<0"), std::invalid_argument);
  EXPECT_THROW(script::ParseCountSpec(""), std::invalid_argument);
}

TEST(EffectJudge, WithinBoundsWhatCounts) {
  judge::Facts f;
  f.script_end_unix_ms = 1000;
  sink::Captured c;
  c.mail_from = "a@b";
  c.data = "Subject: hi\r\n\r\nbody\r\n";
  c.data_complete = true;
  c.received_unix_ms = 1500;
  f.sink.push_back(judge::MakeSinkMessage(c, {}));
  EXPECT_TRUE(judge::EffectHolds("sink", {{"within", 600}}, f));
  EXPECT_FALSE(judge::EffectHolds("sink", {{"within", 400}}, f));
  EXPECT_TRUE(judge::EffectHolds("sink", {{"within", 400}, {"count", "0"}}, f));
  EXPECT_TRUE(judge::EffectHolds("sink", {{"header_regex", "^Subject: hi$"}}, f));
  EXPECT_FALSE(judge::EffectHolds("sink", {{"kind", "bounce"}}, f));
  EXPECT_FALSE(judge::EffectHolds("bounce", json::object(), f));
  EXPECT_FALSE(judge::EffectHolds("sink", {{"complete", false}}, f));
  // A message to one of the script's senders is a report even with a non-null sender.
  sink::Captured back = c;
  back.rcpts.push_back({"S-1@x.test", "", 250});
  EXPECT_TRUE(judge::MakeSinkMessage(back, {"s-1@x.test"}).bounce);
  EXPECT_FALSE(judge::MakeSinkMessage(back, {"other@x.test"}).bounce);
}

TEST(EffectJudge, RcptParamsSearchEveryRecipient) {
  judge::Facts f;
  f.script_end_unix_ms = 1000;
  sink::Captured c;
  c.mail_from = "a@b";
  c.mail_params = "RET=HDRS ENVID=e1";
  c.data_complete = true;
  c.received_unix_ms = 1100;
  c.rcpts.push_back({"x@sink.test", "", 250});
  c.rcpts.push_back({"y@sink.test", "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;y@sink.test", 250});
  f.sink.push_back(judge::MakeSinkMessage(c, {}));
  EXPECT_TRUE(judge::EffectHolds("sink", {{"rcpt_params", "NOTIFY=SUCCESS,FAILURE"}}, f));
  EXPECT_TRUE(judge::EffectHolds("sink", {{"rcpt_params", "(^| )ORCPT=rfc822;y@sink\\.test( |$)"}}, f));
  EXPECT_FALSE(judge::EffectHolds("sink", {{"rcpt_params", "NOTIFY=NEVER"}}, f));
  // MAIL parameters are not RCPT parameters, and the other way round.
  EXPECT_FALSE(judge::EffectHolds("sink", {{"rcpt_params", "RET=HDRS"}}, f));
  EXPECT_FALSE(judge::EffectHolds("sink", {{"params", "NOTIFY="}}, f));
  EXPECT_TRUE(judge::EffectHolds("sink", {{"rcpt_params", "^$"}}, f));  // x@ has none
  // Both parameters on one RCPT, in any order (as rfc-cases/outbound/c8.notify-orcpt-to-dsn-peer).
  EXPECT_TRUE(judge::EffectHolds(
      "sink", {{"rcpt_params", "^(?=.*(^| )NOTIFY=(SUCCESS,FAILURE|FAILURE,SUCCESS)( |$))(?=.*(^| )ORCPT=rfc822;y@sink\\.test( |$))"}}, f));
  EXPECT_FALSE(judge::EffectHolds(
      "sink", {{"rcpt_params", "^(?=.*(^| )NOTIFY=NEVER( |$))(?=.*(^| )ORCPT=rfc822;y@sink\\.test( |$))"}}, f));
}

// A complete transaction recorded 100 ms after script end (1000), whose connection's end
// (c.session) the test fills in; f holds a copy that shares it.
sink::Captured RecordWithSessionEnd(judge::Facts* f) {
  f->script_end_unix_ms = 1000;
  sink::Captured c;
  c.mail_from = "a@b";
  c.data_complete = true;
  c.received_unix_ms = 1100;
  c.session = std::make_shared<sink::SessionEndCell>();
  f->sink.push_back(judge::MakeSinkMessage(c, {}));
  return c;
}

TEST(EffectJudge, EodReplyIsJudgedOnceTheReplyWasDue) {
  judge::Facts f;
  sink::Captured c = RecordWithSessionEnd(&f);
  auto holds = [&](const char* q, int within = 5000) {
    return judge::EffectHolds("sink", {{"eod_reply", q}, {"within", within}}, f);
  };
  EXPECT_FALSE(holds("waited"));  // the late reply is not yet written
  EXPECT_FALSE(holds("closed-early"));
  c.session->Update([](sink::SessionEnd& e) {
    e.eod_reply_done = true;
    e.eod_reply_unix_ms = 4200;
  });
  EXPECT_TRUE(holds("waited"));
  EXPECT_FALSE(holds("closed-early"));
  EXPECT_FALSE(holds("waited", 3000));  // written after script end + within
  c.session->Update([](sink::SessionEnd& e) { e.closed_before_eod_reply = true; });
  EXPECT_FALSE(holds("waited"));
  EXPECT_TRUE(holds("closed-early"));
}

TEST(EffectJudge, QuitIsJudgedOnceTheSessionIsOver) {
  judge::Facts f;
  sink::Captured c = RecordWithSessionEnd(&f);  // a copy: shares the session end
  auto holds = [&](const char* q, int within = 5000) {
    return judge::EffectHolds("sink", {{"quit", q}, {"within", within}}, f);
  };
  // While the connection lasts nothing about QUIT holds.
  EXPECT_FALSE(holds("waited"));
  EXPECT_FALSE(holds("closed-early"));
  EXPECT_FALSE(holds("no-quit"));
  c.session->Update([](sink::SessionEnd& e) { e.quit = true; });
  EXPECT_FALSE(holds("waited"));
  c.session->Update([](sink::SessionEnd& e) {
    e.quit_reply_sent = true;
    e.closed = true;
    e.closed_unix_ms = 4200;
  });
  EXPECT_TRUE(holds("waited"));
  EXPECT_FALSE(holds("closed-early"));
  EXPECT_FALSE(holds("no-quit"));
  EXPECT_FALSE(holds("waited", 3000));  // closed after script end + within
  EXPECT_TRUE(judge::EffectHolds("sink", {{"quit", "waited"}, {"within", 3000}, {"count", "0"}}, f));
  // QUIT, then gone before the (delayed) 221 was written: the 221 may still go out.
  c.session->Update([](sink::SessionEnd& e) { e.closed_before_quit_reply = true; });
  EXPECT_FALSE(holds("waited"));
  EXPECT_TRUE(holds("closed-early"));
  c.session->Update([](sink::SessionEnd& e) {
    e = sink::SessionEnd{};
    e.closed = true;
    e.closed_unix_ms = 1200;
  });
  EXPECT_TRUE(holds("no-quit"));
  EXPECT_FALSE(holds("closed-early"));
  // A record without a session end (made by hand) never matches a quit condition.
  judge::Facts g = f;
  g.sink[0].msg.session.reset();
  EXPECT_FALSE(judge::EffectHolds("sink", {{"quit", "no-quit"}}, g));
}

TEST_F(EffectEngine, QuitConditionSeesTheSessionEndAfterTheMessage) {
  RelayingTarget target(sink_port(), false);  // relays, sends QUIT and reads the 221
  json rules = json::array({{{"observation", "waited"}, {"when", {{"sink", {{"within", 2000}, {"quit", "waited"}}}}}},
                            {{"observation", "closed-early"}, {"when", {{"sink", {{"within", 2000}, {"quit", "closed-early"}}}}}},
                            {{"observation", "no-quit"}, {"when", {{"sink", {{"within", 2000}, {"quit", "no-quit"}}}}}},
                            {{"observation", "none"}, {"when", {{"always", true}}}}});
  auto c = MakeCase(SendMessage("Subject: quit {token}\\r\\n\\r\\nhello"), rules);
  ScriptRun r = Run(c, target.port(), "tabcd0q01");
  ASSERT_EQ(r.status, ScriptStatus::kCompleted) << r.message << r.transcript;
  EXPECT_EQ(judge::Observe(c, r.facts), "waited") << r.transcript;
  ASSERT_EQ(r.facts.sink.size(), 1u);
  EXPECT_TRUE(r.facts.sink[0].msg.End().closed);
}

TEST_F(EffectEngine, RelayedMessageIsSeenWithEvidence) {
  RelayingTarget target(sink_port(), false);
  json rules = Rules({{"sink", {{"kind", "relay"}, {"within", 5000}, {"regex", "^Subject: relay {token}"},
                                {"mail_from", "^s-{token}@"}, {"helo_verb", "EHLO"}, {"raw_regex", "\\r\\n\\.\\r\\n$"}}}});
  auto c = MakeCase(SendMessage("Subject: relay {token}\\r\\n\\r\\nhello"), rules);
  auto t0 = std::chrono::steady_clock::now();
  ScriptRun r = Run(c, target.port(), "tabcd0001");
  ASSERT_EQ(r.status, ScriptStatus::kCompleted) << r.message << r.transcript;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(4000));  // stopped early
  EXPECT_EQ(judge::Observe(c, r.facts), "seen") << r.transcript;
  ASSERT_EQ(r.facts.sink.size(), 1u);
  EXPECT_EQ(r.facts.sink[0].msg.mail_from, "s-tabcd0001@sink.test");
  EXPECT_NE(r.transcript.find("sink[0] relay at 127.0.0.20:"), std::string::npos) << r.transcript;
  EXPECT_NE(r.transcript.find("sink[0] MAIL FROM:<s-tabcd0001@sink.test> -> 250"), std::string::npos);
  EXPECT_NE(r.transcript.find("sink[0] raw \"Received: from harness\\r\\nSubject: relay tabcd0001"),
            std::string::npos);
}

TEST_F(EffectEngine, TokensKeepConcurrentExecutionsApart) {
  RelayingTarget a(sink_port(), false), b(sink_port(), false);
  json rules = Rules({{"sink", {{"within", 3000}, {"count", "1"}}}});
  auto c = MakeCase(SendMessage("Subject: x"), rules);
  ScriptRun ra, rb;
  std::thread ta([&] { ra = Run(c, a.port()); });
  std::thread tb([&] { rb = Run(c, b.port()); });
  ta.join();
  tb.join();
  ASSERT_EQ(ra.facts.sink.size(), 1u) << ra.transcript;
  ASSERT_EQ(rb.facts.sink.size(), 1u) << rb.transcript;
  EXPECT_NE(ra.facts.sink[0].msg.mail_from, rb.facts.sink[0].msg.mail_from);
  EXPECT_EQ(ra.facts.vars.at("token").size(), 9u);
  EXPECT_NE(ra.facts.vars.at("token"), rb.facts.vars.at("token"));
  EXPECT_EQ(judge::Observe(c, ra.facts), "seen");
}

TEST_F(EffectEngine, NothingArrivesMeansCountZeroAfterTheWholeWindow) {
  FakeSmtpServer quiet(FakeSmtpServer::Default);  // accepts, never relays
  json rules = Rules({{"sink", {{"within", 400}, {"count", "0"}}}});
  auto c = MakeCase(SendMessage("Subject: x"), rules);
  auto t0 = std::chrono::steady_clock::now();
  ScriptRun r = Run(c, quiet.port());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(400));
  EXPECT_EQ(judge::Observe(c, r.facts), "seen");
  auto c2 = MakeCase(SendMessage("Subject: x"), Rules({{"sink", {{"within", 300}}}}));
  EXPECT_EQ(judge::Observe(c2, Run(c2, quiet.port()).facts), "not-seen");
}

TEST_F(EffectEngine, BounceIsClassified) {
  RelayingTarget target(sink_port(), true);
  json rules = json::array(
      {{{"observation", "good-dsn"},
        {"when", {{"bounce", {{"within", 5000}, {"format", "rfc3464"}, {"field", "Status"}, {"value_regex", "^5\\.1\\.1$"},
                              {"header_regex", "^Auto-Submitted: auto-replied"}, {"rcpt", "^s-{token}@"}}}}}},
       {{"observation", "other"}, {"when", {{"always", true}}}}});
  auto c = MakeCase(SendMessage("Subject: b"), rules);
  ScriptRun r = Run(c, target.port());
  ASSERT_EQ(r.facts.sink.size(), 1u) << r.transcript;
  EXPECT_TRUE(r.facts.sink[0].bounce);
  ASSERT_TRUE(r.facts.sink[0].analysis.has_value());
  EXPECT_EQ(judge::Observe(c, r.facts), "good-dsn") << r.transcript;
  EXPECT_NE(r.transcript.find("bounce format rfc3464"), std::string::npos) << r.transcript;
  EXPECT_FALSE(judge::EffectHolds("bounce", {{"format", "qsbmf"}}, r.facts));
  EXPECT_TRUE(judge::EffectHolds("bounce", {{"format", "other"}, {"count", "0"}}, r.facts));
  EXPECT_TRUE(judge::EffectHolds("sink", {{"kind", "relay"}, {"count", "0"}}, r.facts));
}

TEST_F(EffectEngine, MailboxConditionsReadTheTarget) {
  FakeSmtpServer target(FakeSmtpServer::Default);
  json rules = Rules({{"mailbox", {{"within", 3000}, {"regex", "^Subject: {token}$"}}}});
  auto c = MakeCase(SendMessage("Subject: {token}"), rules, json::array({"mailbox"}));
  EngineOptions o;
  o.token = "tmbox0001";
  o.poll_ms = 20;
  auto t0 = std::chrono::steady_clock::now();
  o.read_mailbox = [&](const std::string& user) -> std::optional<std::vector<std::string>> {
    EXPECT_EQ(user, "user");
    std::vector<std::string> box = {"Subject: someone else\r\n\r\n"};
    if (std::chrono::steady_clock::now() - t0 > std::chrono::milliseconds(200))
      box.push_back("Subject: tmbox0001\r\n\r\nhi\r\n");
    return box;
  };
  ScriptRun r = RunScript(c, {"127.0.0.1", target.port()}, script::DefaultVariables(), o);
  ASSERT_EQ(r.status, ScriptStatus::kCompleted) << r.message;
  EXPECT_EQ(judge::Observe(c, r.facts), "seen") << r.transcript;
  ASSERT_EQ(r.facts.mailboxes["user"].size(), 1u);
  EXPECT_NE(r.transcript.find("mailbox user[0]"), std::string::npos);
}

TEST(Effects, WithoutAnObserverTheCaseIsUnsupported) {
  FakeSmtpServer target(FakeSmtpServer::Default);
  auto c = MakeCase(SendMessage("x"), Rules({{"sink", {{"within", 100}}}}));
  EngineOptions o;
  ScriptRun r = RunScript(c, {"127.0.0.1", target.port()}, script::DefaultVariables(), o);
  EXPECT_EQ(r.status, ScriptStatus::kUnsupported);
  EXPECT_NE(r.message.find("no capture sink"), std::string::npos);
}

TEST(Effects, TokensAreDistinctLowercaseAlnum) {
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) {
    std::string t = NewToken();
    ASSERT_EQ(t.size(), 9u);
    for (char ch : t) ASSERT_TRUE((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) << t;
    ASSERT_TRUE(seen.insert(t).second) << t;
  }
}

}  // namespace
}  // namespace mta::runner
