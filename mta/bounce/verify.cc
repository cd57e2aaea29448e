// verify.cc: parse-back check of a notification (RFC 3464 N checklist, QSBMF M grammar).
#include "mta/bounce/verify.h"

#include "mta/lib/dsn/classify.h"
#include "mta/lib/dsn/dsn3464.h"
#include "mta/lib/report/qsbmf.h"

namespace mta::bounce {

Verified VerifyNotification(const Notification& n) {
  Verified v;
  dsn::BounceAnalysis a = dsn::ClassifyBounce(n.message);
  v.format = std::string(dsn::FormatName(a.format));
  if (a.report) {
    for (const report::RecipientReport& r : a.report->recipients) {
      v.recipients.emplace_back(r.final_recipient.value, r.status);
    }
  }
  if (n.format == Format::kRfc3464) {
    dsn::ParsedDsn p = dsn::ParseDsn(n.message);
    for (const dsn::Violation& x : p.violations) {
      if (x.severity == dsn::Severity::kError) v.errors.push_back(x.id + ": " + x.detail);
    }
    if (!p.found_delivery_status) v.errors.push_back("no-delivery-status");
  } else {
    report::QsbmfParseResult q = report::ParseQsbmf(n.message);
    for (const report::QsbmfViolation& x : q.violations) {
      if (x.id != "crlf-line-ends") v.errors.push_back(x.id + ": " + x.detail);
    }
  }
  // RFC 5321 6.1: never a notification to <>.
  for (const std::string& r : n.recipients) {
    if (r.empty()) v.errors.push_back("notification-to-null-path");
  }
  if (n.recipients.empty()) v.errors.push_back("no-envelope-recipient");
  std::size_t end = n.message.find("\r\n\r\n");
  std::string_view head(n.message.data(), end == std::string::npos ? n.message.size() : end + 2);
  v.auto_submitted = head.substr(0, 30) == "Auto-Submitted: auto-replied\r\n" ||
                     head.find("\r\nAuto-Submitted: auto-replied\r\n") != std::string_view::npos;
  return v;
}

}  // namespace mta::bounce
