// classify.h: tells what kind of bounce a message is, and reads it.
//
// Formats: "qsbmf" (qmail-send bounce, "Hi. This is the qmail-send program"),
// "rfc3464" (top-level multipart/report; report-type=delivery-status, RFC 3464 2 /
// RFC 6522 3), "other-report" (a delivery-status part somewhere else: multipart/mixed, a
// wrong report-type, nested; or a multipart/report of another report-type such as
// disposition-notification or feedback-report), "vendor-text" (no structured report but
// the signs of a bounce: MAILER-DAEMON/postmaster sender, "Undeliverable" subjects, bounce
// phrases), "not-a-bounce" (everything else, vacation auto-replies included: RFC 3834
// auto-replied responses are not delivery reports).
//
//   BounceAnalysis a = ClassifyBounce(bytes);
//   FormatName(a.format) == "rfc3464"; a.report->recipients[0].status == "5.1.1"
//   AnalysisJson("x.msg", a)  // {"file":"x.msg","format":"rfc3464",...}
#ifndef MTA_LIB_DSN_CLASSIFY_H_
#define MTA_LIB_DSN_CLASSIFY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/dsn/violation.h"
#include "mta/lib/report/model.h"

namespace mta::dsn {

enum class BounceFormat { kQsbmf, kRfc3464, kOtherReport, kVendorText, kNotABounce };

// "qsbmf", "rfc3464", "other-report", "vendor-text", "not-a-bounce".
std::string_view FormatName(BounceFormat f);

struct BounceAnalysis {
  BounceFormat format = BounceFormat::kNotABounce;
  // Set for qsbmf and rfc3464 (possibly with no recipients when the report is broken),
  // for other-report when a delivery-status part was found, and for vendor-text when
  // recipients could be read from the text.
  std::optional<report::DeliveryReport> report;
  std::vector<Violation> violations;
  std::string reporting_mta;  // Reporting-MTA value, or the qmail host; "" when unknown
  std::string report_type;    // report-type parameter of a multipart/report, lower-cased
  std::string reason;         // why this format was chosen (short text)
};

// Classifies and parses any message (CRLF or LF line ends; a leading mbox "From " line is
// skipped). Never fails.
BounceAnalysis ClassifyBounce(std::string_view message);

// One recipient as tools print it.
struct RecipientSummary {
  std::string address;     // Final-Recipient value
  std::string action;      // "failed", ...
  std::string status;      // "5.1.1"
  std::string diagnostic;  // Diagnostic-Code value without its type, "" if none
  std::string remote_mta;  // Remote-MTA value without its type, "" if none
};
std::vector<RecipientSummary> Recipients(const BounceAnalysis& a);

// One JSON object (no trailing newline):
// {"file","format","reporting_mta","recipients":[{"address","action","status",
//  "diagnostic","remote_mta"}],"violations":[{"id","severity","detail"}]}
std::string AnalysisJson(std::string_view file, const BounceAnalysis& a);

}  // namespace mta::dsn

#endif  // MTA_LIB_DSN_CLASSIFY_H_
