// script_test.cc: the step language, case/dispute schema errors, the linter, globs,
// expectations and the run.json round trip.
#include <gtest/gtest.h>

#include "harness/report/run_model.h"
#include "harness/runner/expectations.h"
#include "harness/script/catalogue.h"

namespace mta::script {
namespace {

using nlohmann::json;

TEST(Step, ParsesEveryKind) {
  EXPECT_EQ(ParseStep("connect").conn, "c0");
  EXPECT_EQ(ParseStep("connect second").conn, "second");
  EXPECT_EQ(ParseStep("use second").kind, StepKind::kUse);
  EXPECT_EQ(ParseStep("disconnect").kind, StepKind::kDisconnect);
  Step s = ParseStep("> MAIL FROM:<>");
  EXPECT_EQ(s.kind, StepKind::kSendLine);
  EXPECT_EQ(s.data, "MAIL FROM:<>\r\n");
  EXPECT_EQ(ParseStep(">> MAIL ").data, "MAIL ");
  EXPECT_EQ(ParseStep(">+ RSET").data, "RSET\r\n");
  EXPECT_EQ(ParseStep("~> \"a\\r\\n\\x2e\\0\"").data, std::string("a\r\n.\0", 5));
  Step e = ParseStep("<? 550|553 5.1 multiline");
  EXPECT_EQ(e.kind, StepKind::kExpect);
  EXPECT_TRUE(e.code.Matches(553));
  EXPECT_FALSE(e.code.Matches(554));
  EXPECT_EQ(e.enhanced, "5.1");
  EXPECT_TRUE(e.multiline);
  EXPECT_TRUE(ParseStep("<? 2").code.Matches(221));
  EXPECT_EQ(ParseStep("<~ ^250 ").kind, StepKind::kExpectRegex);
  EXPECT_EQ(ParseStep("<... ^354").kind, StepKind::kSkipUntil);
  EXPECT_EQ(ParseStep("<close").kind, StepKind::kExpectClose);
  Step o = ParseStep("observe 5 as pipe within 3000 linger 200");
  EXPECT_EQ(o.count, 5);
  EXPECT_EQ(o.name, "pipe");
  EXPECT_EQ(o.wait_ms, 3000);
  EXPECT_EQ(o.linger_ms, 200);
  EXPECT_EQ(ParseStep("sleep 250").wait_ms, 250);
  EXPECT_EQ(ParseStep("starttls").kind, StepKind::kStartTls);
}

TEST(Step, RejectsBadSteps) {
  for (const char* bad : {"", "frobnicate", "<? 6xx", "<? 25", "<? 250 bogus", "~> abc",
                          "~> \"\\q\"", "~> \"\\x4\"", "observe", "observe as", "observe as a b",
                          "sleep", "sleep -1", "use", "connect a b", "observe 0 as a"})
    EXPECT_THROW(ParseStep(bad), std::invalid_argument) << bad;
}

TEST(Step, VariablesAndEscaping) {
  EXPECT_EQ(Substitute("RCPT TO:<{user}@{local_domain}>", DefaultVariables()),
            "RCPT TO:<user@local.test>");
  EXPECT_EQ(Substitute("{not a var} {}", DefaultVariables()), "{not a var} {}");
  EXPECT_THROW(Substitute("{nope}", DefaultVariables()), std::invalid_argument);
  EXPECT_EQ(EscapeBytes(std::string("a\r\n\x01\xff", 5)), "a\\r\\n\\x01\\xff");
}

json GoodCase() {
  return {{"id", "x.one"}, {"title", "t"}, {"area", "x"},
          {"spec", {{{"rfc", 5321}, {"section", "4.1.1.4"}, {"quote", "q"}}}},
          {"level", "MUST"}, {"point", "p"},
          {"script", {"connect", "<? 220", "> NOOP", "observe as n"}},
          {"observations", {{{"observation", "ok"}, {"when", {{"step", "n"}, {"code", "250"}}}}}}};
}

std::string ErrorOf(const json& j) {
  try {
    ParseCase(j, "f.json");
  } catch (const CaseError& e) {
    return e.what();
  }
  return "";
}

TEST(Case, ErrorsNameFileFieldAndStep) {
  EXPECT_EQ(ErrorOf(GoodCase()), "");
  json j = GoodCase();
  j["script"][2] = "> NOOP\r";
  j["script"][2] = "frob";
  EXPECT_EQ(ErrorOf(j), "f.json: script[2]: unknown step 'frob'");
  j = GoodCase();
  j["spec"][0]["section"] = "4..1";
  EXPECT_NE(ErrorOf(j).find("f.json: spec[0].section: malformed"), std::string::npos);
  j = GoodCase();
  j["spec"][0]["rfc"] = 9999;
  EXPECT_NE(ErrorOf(j).find("spec[0].rfc: unknown RFC"), std::string::npos);
  j = GoodCase();
  j["level"] = "MUSTNT";
  EXPECT_NE(ErrorOf(j).find("f.json: level:"), std::string::npos);
  j = GoodCase();
  j["observations"][0]["when"] = {{"step", "nope"}};
  EXPECT_NE(ErrorOf(j).find("observations[0].when.step: no observe step named 'nope'"), std::string::npos);
  j = GoodCase();
  j["observations"][0]["when"] = {{"code", "250"}};
  EXPECT_NE(ErrorOf(j).find("needs \"step\""), std::string::npos);
  j = GoodCase();
  j["script"][2] = "> RCPT TO:<{usr}>";
  EXPECT_NE(ErrorOf(j).find("script[2]: unknown variable {usr}"), std::string::npos);
  j = GoodCase();
  j["extra"] = 1;
  EXPECT_NE(ErrorOf(j).find("extra: unknown field"), std::string::npos);
  j = GoodCase();
  j["script"] = {"> NOOP"};
  EXPECT_NE(ErrorOf(j).find("script[0]: '> NOOP' before the first connect"), std::string::npos);
}

TEST(Case, SourceAndDnsFacility) {
  json j = GoodCase();
  EXPECT_EQ(ParseCase(j, "f.json").source, "untrusted");
  j["source"] = "relay-client";
  j["needs"] = {"dns"};
  j["script"][2] = "> RCPT TO:<x@mx-self.{target_tag}.test>";
  Case c = ParseCase(j, "f.json");
  EXPECT_EQ(c.source, "relay-client");
  EXPECT_EQ(c.needs, std::vector<std::string>{"dns"});
  EXPECT_EQ(CaseToJson(c).at("source"), "relay-client");
  j["source"] = "127.0.0.3";
  EXPECT_NE(ErrorOf(j).find("f.json: source: must be untrusted or relay-client"), std::string::npos);
  j = GoodCase();
  j["needs"] = {"teleport"};
  EXPECT_NE(ErrorOf(j).find("unknown facility 'teleport'"), std::string::npos);
}

TEST(Case, LongWindowsNeedTheSlowTag) {
  json j = GoodCase();
  j["needs"] = {"sink"};
  j["observations"][0]["when"] = {{"sink", {{"within", kMaxQuickWithinMs}, {"eod_reply", "waited"}}}};
  EXPECT_EQ(ErrorOf(j), "");
  j["observations"][0]["when"]["sink"]["within"] = kMaxQuickWithinMs + 1;
  EXPECT_NE(ErrorOf(j).find("observations: a window over 120000 ms needs the \"slow\" tag"), std::string::npos)
      << ErrorOf(j);
  j["tags"] = {"slow"};
  EXPECT_EQ(ErrorOf(j), "");
  j["observations"][0]["when"]["sink"]["within"] = kMaxWithinMs + 1;
  EXPECT_NE(ErrorOf(j).find("within: must be 0..3600000 (ms)"), std::string::npos) << ErrorOf(j);
  j["observations"][0]["when"]["sink"]["within"] = 1000;
  j["observations"][0]["when"]["sink"]["eod_reply"] = "sometimes";
  EXPECT_NE(ErrorOf(j).find("eod_reply: must be waited or closed-early"), std::string::npos) << ErrorOf(j);
}

TEST(Catalogue, LintsTheShippedCatalogue) {
  Catalogue cat = LoadCatalogue(MTA_SOURCE_ROOT "/rfc-cases");
  std::vector<std::string> problems = Lint(cat);
  for (const std::string& p : problems) ADD_FAILURE() << p;
  EXPECT_GE(cat.cases.size(), 12u);
  for (const std::string& p : RequiredProfiles())
    for (const auto& [id, d] : cat.disputes) EXPECT_TRUE(d.verdicts.count(p)) << id << " " << p;
}

TEST(Catalogue, GlobMatch) {
  EXPECT_TRUE(GlobMatch("b2.*", "b2.lf-dot-lf"));
  EXPECT_TRUE(GlobMatch("*smuggling*", "eod-smuggling-inbound"));
  EXPECT_TRUE(GlobMatch("a?.x", "a4.x"));
  EXPECT_FALSE(GlobMatch("b2.*", "b1.x"));
  EXPECT_TRUE(GlobMatch("*", ""));
}

report::Run SampleRun() {
  report::Run run;
  run.profile = "strict";
  run.targets.push_back({"pf", "127.0.0.11", 2525, "3.7", "220 x", {"PIPELINING"}, ""});
  run.points["p"].verdicts["strict"] = {{"ok", "PASS"}, {"bad", "FAIL"}};
  run.points["p"].verdicts["qmail"] = {{"ok", "PASS"}, {"bad", "INFO"}};
  report::Result a;
  a.case_id = "x.one";
  a.target = "pf";
  a.point = "p";
  a.observation = "bad";
  a.verdict = "FAIL";
  a.verdicts = {{"strict", "FAIL"}, {"qmail", "INFO"}};
  a.replies = {{3, 550, "5.1.1", "no"}};
  run.results.push_back(a);
  report::Result b = a;
  b.case_id = "x.two";
  b.observation = "ok";
  b.verdict = "PASS";
  run.results.push_back(b);
  return run;
}

TEST(Expectations, CompareGivesGateResult) {
  report::Run run = SampleRun();
  runner::Expectations none;
  runner::Comparison c = runner::Compare(run, "pf", none);
  ASSERT_EQ(c.unexpected.size(), 1u);
  EXPECT_EQ(c.unexpected[0], "x.one: FAIL (no expectation)");
  runner::Expectations e = runner::FromRun(run, "pf", nullptr);
  EXPECT_TRUE(runner::Compare(run, "pf", e).ok());
  json j = runner::ExpectationsToJson(e);
  runner::Expectations back = runner::ParseExpectations(j);
  EXPECT_EQ(back.results.at("x.one").verdicts, std::vector<std::string>{"FAIL"});
  back.results["x.two"].verdicts = {"FAIL"};
  c = runner::Compare(run, "pf", back);
  EXPECT_TRUE(c.ok());
  ASSERT_EQ(c.unexpected_pass.size(), 1u);
  // A file written under another profile is judged through its observation.
  runner::Expectations q = e;
  q.profile = "qmail";
  q.results["x.one"].verdicts = {"INFO"};
  EXPECT_TRUE(runner::Compare(run, "pf", q).ok());
}

TEST(RunModel, JsonRoundTripAndMerge) {
  report::Run run = SampleRun();
  report::Run back = report::FromJson(report::ToJson(run));
  EXPECT_EQ(report::ToJson(back), report::ToJson(run));
  report::Run other = SampleRun();
  other.targets[0].name = "ex";
  for (auto& r : other.results) r.target = "ex";
  other.profile = "qmail";
  report::Run m = report::Merge({run, other});
  EXPECT_EQ(m.targets.size(), 2u);
  EXPECT_EQ(m.results.size(), 4u);
  EXPECT_EQ(m.profile, "qmail");
  EXPECT_EQ(m.results[0].verdict == "INFO" || m.results[0].verdict == "PASS", true);
  EXPECT_THROW(report::FromJson(json{{"schema_version", 7}}), std::invalid_argument);
}

}  // namespace
}  // namespace mta::script
