// report_json_test.cc: REPORT.json reading and writing.
#include "harness/cli/report_json.h"

#include <stdexcept>

#include <gtest/gtest.h>

namespace mta::cli {
namespace {

using nlohmann::json;

json Minimal() {
  return json::parse(R"({"reporting-mta":"mx.test",
    "recipients":[{"final-recipient":"a@b.test","action":"failed","status":"5.1.1"}]})");
}

TEST(ReportJson, PlainValuesGetDefaultTypes) {
  json j = Minimal();
  j["recipients"][0]["remote-mta"] = "mx.remote.test";
  j["recipients"][0]["diagnostic-code"] = "550 5.1.1 unknown";
  j["return-path"] = "<s@x.test>";
  j["ret"] = "HDRS";
  report::DeliveryReport r = ReportFromJson(j);
  EXPECT_EQ(r.reporting_mta, (report::Typed{"dns", "mx.test"}));
  EXPECT_EQ(r.return_path, "s@x.test");
  EXPECT_EQ(r.ret, report::Ret::kHdrs);
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].final_recipient, (report::Typed{"rfc822", "a@b.test"}));
  EXPECT_EQ(r.recipients[0].remote_mta, (report::Typed{"dns", "mx.remote.test"}));
  EXPECT_EQ(r.recipients[0].diagnostic_code, (report::Typed{"smtp", "550 5.1.1 unknown"}));
  EXPECT_FALSE(r.recipients[0].original_recipient.has_value());
  EXPECT_FALSE(r.arrival_date.has_value());
}

TEST(ReportJson, ExplicitTypesKept) {
  json j = Minimal();
  j["recipients"][0]["final-recipient"] = "utf-8; j\xc3\xb6@b.test";
  j["recipients"][0]["diagnostic-code"] = "X-Postfix; host said no";
  report::DeliveryReport r = ReportFromJson(j);
  EXPECT_EQ(r.recipients[0].final_recipient, (report::Typed{"utf-8", "j\xc3\xb6@b.test"}));
  EXPECT_EQ(r.recipients[0].diagnostic_code, (report::Typed{"X-Postfix", "host said no"}));
}

TEST(ReportJson, RoundTrip) {
  json j = json::parse(R"({"reporting-mta":"mx.test","arrival-date":"Tue, 02 Jan 2024 10:00:01 +0100",
    "original-envelope-id":"QQ1","return-path":"s@x.test","ret":"full",
    "recipients":[{"final-recipient":"a@b.test","original-recipient":"A@b.test","action":"delayed",
      "status":"4.4.1","remote-mta":"mx.b.test","diagnostic-code":"421 busy",
      "last-attempt-date":"Tue, 02 Jan 2024 10:00:04 +0100",
      "will-retry-until":"Sun, 07 Jan 2024 10:00:01 +0100"}]})");
  EXPECT_EQ(ReportToJson(ReportFromJson(j)), j);
  EXPECT_EQ(ReportFromJson(ReportToJson(ReportFromJson(j))), ReportFromJson(j));
}

TEST(ReportJson, Errors) {
  auto expect_error = [](json j, const std::string& word) {
    try {
      ReportFromJson(j);
      FAIL() << "accepted " << j.dump();
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(word), std::string::npos) << e.what();
    }
  };
  json j = Minimal();
  j.erase("reporting-mta");
  expect_error(j, "reporting-mta");
  for (const char* bad : {"5.01.1", "6.1.1", "5.1", "5.1.1.1", "5.1.1 ", "5.1000.1"}) {
    j = Minimal();
    j["recipients"][0]["status"] = bad;
    expect_error(j, "status");
  }
  j = Minimal();
  j["recipients"][0]["action"] = "lost";
  expect_error(j, "action");
  j = Minimal();
  j["recipients"][0]["final-recipient"] = 7;
  expect_error(j, "string");
  j = Minimal();
  j["recipients"][0]["colour"] = "red";
  expect_error(j, "colour");
  j = Minimal();
  j["recipients"][0]["diagnostic-code"] = "550 a\nX-Evil: 1";
  expect_error(j, "line break");
  j = Minimal();
  j["ret"] = "some";
  expect_error(j, "ret");
  expect_error(json::array(), "object");
}

}  // namespace
}  // namespace mta::cli
