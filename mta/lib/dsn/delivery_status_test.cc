// delivery_status_test.cc: the message/delivery-status body grammar (RFC 3464 2.1-2.4).
#include "mta/lib/dsn/delivery_status.h"

#include <gtest/gtest.h>

namespace mta::dsn {
namespace {

using report::Action;

TEST(StatusSyntax, AcceptsRfc3463Codes) {
  EXPECT_TRUE(IsValidStatus("5.1.1"));
  EXPECT_TRUE(IsValidStatus("2.0.0"));
  EXPECT_TRUE(IsValidStatus("4.999.999"));
  EXPECT_TRUE(IsValidStatus("5.0.10"));
}

TEST(StatusSyntax, RejectsMalformedCodes) {
  EXPECT_EQ(StatusSyntaxError("5.01.1"), "leading zero");
  EXPECT_EQ(StatusSyntaxError("5.1.01"), "leading zero");
  EXPECT_FALSE(IsValidStatus("550"));
  EXPECT_FALSE(IsValidStatus("5.1"));
  EXPECT_FALSE(IsValidStatus("5.1.1.1"));
  EXPECT_FALSE(IsValidStatus("3.1.1"));
  EXPECT_FALSE(IsValidStatus("5.1000.1"));
  EXPECT_FALSE(IsValidStatus("55.1.1"));
  EXPECT_FALSE(IsValidStatus("5.1."));
  EXPECT_FALSE(IsValidStatus(""));
  EXPECT_FALSE(IsValidStatus("5. 1.1"));
}

constexpr const char kN5Body[] =
    "Reporting-MTA: dns; mx.local.test\r\n"
    "Arrival-Date: Tue, 02 Jan 2024 10:00:01 +0100\r\n"
    "\r\n"
    "Final-Recipient: rfc822; nosuchuser@local.test\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <nosuchuser@local.test>: User unknown\r\n";

TEST(ParseDeliveryStatus, ReadsTheN5Example) {
  DeliveryStatusBody b = ParseDeliveryStatus(kN5Body);
  EXPECT_TRUE(b.violations.empty()) << b.violations[0].id;
  EXPECT_EQ(b.report.reporting_mta, (report::Typed{"dns", "mx.local.test"}));
  EXPECT_EQ(b.report.arrival_date, "Tue, 02 Jan 2024 10:00:01 +0100");
  ASSERT_EQ(b.report.recipients.size(), 1u);
  const auto& r = b.report.recipients[0];
  EXPECT_EQ(r.final_recipient, (report::Typed{"rfc822", "nosuchuser@local.test"}));
  EXPECT_EQ(r.action, Action::kFailed);
  EXPECT_EQ(r.status, "5.1.1");
  ASSERT_TRUE(r.diagnostic_code);
  EXPECT_EQ(r.diagnostic_code->value, "550 5.1.1 <nosuchuser@local.test>: User unknown");
  EXPECT_FALSE(r.remote_mta);
}

TEST(ParseDeliveryStatus, FormatReproducesTheN5Body) {
  DeliveryStatusBody b = ParseDeliveryStatus(kN5Body);
  EXPECT_EQ(FormatDeliveryStatus(b.report), kN5Body);
}

TEST(ParseDeliveryStatus, LfLineEndsFoldingCommentsAndNoFinalNewline) {
  DeliveryStatusBody b = ParseDeliveryStatus(
      "reporting-mta: dns;\n mx.example.com\n\n\n\nFINAL-RECIPIENT: RFC822;u@example.org\n"
      "ACTION: Failed (gave up)\nSTATUS: 5.2.2 (mailbox full)\nDiagnostic-Code: smtp; 552\n"
      "  too much mail");
  ASSERT_EQ(b.report.recipients.size(), 1u);
  EXPECT_EQ(b.report.reporting_mta.value, "mx.example.com");
  EXPECT_EQ(b.report.recipients[0].final_recipient.type, "RFC822");
  EXPECT_EQ(b.report.recipients[0].final_recipient.value, "u@example.org");
  EXPECT_EQ(b.report.recipients[0].action, Action::kFailed);
  EXPECT_EQ(b.report.recipients[0].status, "5.2.2");
  EXPECT_EQ(b.report.recipients[0].diagnostic_code->value, "552  too much mail");
  for (const auto& v : b.violations) EXPECT_NE(v.severity, Severity::kError) << v.id;
}

TEST(ParseDeliveryStatus, MissingSeparatorsAreRepaired) {
  DeliveryStatusBody b = ParseDeliveryStatus(
      "Reporting-MTA: dns; a.test\r\nFinal-Recipient: rfc822; a@x\r\nAction: failed\r\n"
      "Status: 5.0.0\r\nOriginal-Recipient: rfc822; B@x\r\nFinal-Recipient: rfc822; b@x\r\n"
      "Action: delayed\r\nStatus: 4.4.7\r\n");
  ASSERT_EQ(b.report.recipients.size(), 2u);
  EXPECT_EQ(b.report.reporting_mta.value, "a.test");
  EXPECT_EQ(b.report.recipients[1].original_recipient->value, "B@x");
  EXPECT_EQ(b.report.recipients[1].action, Action::kDelayed);
  EXPECT_TRUE(HasViolation(b.violations, "missing-group-separator"));
}

TEST(ParseDeliveryStatus, RecipientGroupWithoutPerMessageFields) {
  DeliveryStatusBody b = ParseDeliveryStatus(
      "\n\nAction: failed\nFinal-Recipient: rfc822;r@x\nStatus: 5.0.0\n\n\n\n");
  ASSERT_EQ(b.report.recipients.size(), 1u);
  EXPECT_EQ(b.report.recipients[0].final_recipient.value, "r@x");
  EXPECT_FALSE(HasViolation(b.violations, "missing-action"));
  EXPECT_TRUE(HasViolation(b.violations, "missing-per-message-fields"));
  EXPECT_TRUE(HasViolation(b.violations, "missing-reporting-mta"));
}

TEST(ParseDeliveryStatus, ReportsRequiredFieldViolations) {
  DeliveryStatusBody b = ParseDeliveryStatus(
      "Arrival-Date: x\r\n\r\nAction: failed\r\nStatus: 5.01.1\r\n\r\n"
      "Final-Recipient: rfc822; c@x\r\nAction: bounced\r\nStatus: 4.2.2\r\n"
      "Will-Retry-Until: Tue, 02 Jan 2024 10:00:01 +0100\r\n\r\n"
      "Final-Recipient: rfc822; d@x\r\nAction: failed\r\nStatus: 2.0.0\r\nStatus: 5.0.0\r\n");
  EXPECT_TRUE(HasViolation(b.violations, "missing-reporting-mta"));
  EXPECT_TRUE(HasViolation(b.violations, "missing-final-recipient"));
  EXPECT_TRUE(HasViolation(b.violations, "invalid-status"));
  EXPECT_TRUE(HasViolation(b.violations, "invalid-action"));
  EXPECT_TRUE(HasViolation(b.violations, "duplicate-field"));
  EXPECT_TRUE(HasViolation(b.violations, "status-class-mismatch"));
  ASSERT_EQ(b.report.recipients.size(), 3u);
  // An invalid action is inferred from the status class.
  EXPECT_EQ(b.report.recipients[1].action, Action::kDelayed);
  EXPECT_FALSE(HasViolation(b.violations, "will-retry-until-not-delayed"));
  EXPECT_EQ(b.report.recipients[2].status, "2.0.0");  // the first of a duplicated field
}

TEST(ParseDeliveryStatus, WillRetryUntilOnlyWhenDelayed) {
  DeliveryStatusBody b = ParseDeliveryStatus(
      "Reporting-MTA: dns; a\r\n\r\nFinal-Recipient: rfc822; a@x\r\nAction: failed\r\n"
      "Status: 5.0.0\r\nWill-Retry-Until: Tue, 02 Jan 2024 10:00:01 +0100\r\n");
  EXPECT_TRUE(HasViolation(b.violations, "will-retry-until-not-delayed"));
}

TEST(ParseDeliveryStatus, OrderAndExtensions) {
  DeliveryStatusBody b = ParseDeliveryStatus(
      "X-Postfix-Queue-ID: ABC\r\nReporting-MTA: dns; a\r\n\r\nStatus: 2.0.0\r\n"
      "Action: delivered\r\nFinal-Recipient: rfc822; a@x\r\nX-Actual-Recipient: rfc822; A@x\r\n");
  EXPECT_TRUE(HasViolation(b.violations, "wrong-field-order"));
  ASSERT_EQ(b.report.extensions.size(), 1u);
  EXPECT_EQ(b.report.extensions[0].first, "X-Postfix-Queue-ID");
  ASSERT_EQ(b.report.recipients.size(), 1u);
  ASSERT_EQ(b.report.recipients[0].extensions.size(), 1u);
  EXPECT_EQ(b.report.recipients[0].extensions[0].second, "rfc822; A@x");
  for (const auto& v : b.violations) EXPECT_EQ(v.severity, Severity::kInfo) << v.id;
}

TEST(ParseDeliveryStatus, MissingTypeIsFlaggedAndValueKept) {
  DeliveryStatusBody b = ParseDeliveryStatus(
      "Reporting-MTA: a.test\r\n\r\nFinal-Recipient: u@x\r\nAction: failed\r\nStatus: 5.0.0\r\n");
  EXPECT_TRUE(HasViolation(b.violations, "missing-type"));
  EXPECT_EQ(b.report.reporting_mta.value, "a.test");
  EXPECT_EQ(b.report.recipients[0].final_recipient.value, "u@x");
}

TEST(ParseDeliveryStatus, EmptyAndGarbage) {
  DeliveryStatusBody e = ParseDeliveryStatus("");
  EXPECT_TRUE(HasViolation(e.violations, "no-per-recipient-fields"));
  DeliveryStatusBody g = ParseDeliveryStatus(" x\r\n:\r\nno colon here\r\n\r\n\r\n");
  EXPECT_TRUE(HasViolation(g.violations, "malformed-line"));
  EXPECT_TRUE(g.report.recipients.empty());
}

}  // namespace
}  // namespace mta::dsn
