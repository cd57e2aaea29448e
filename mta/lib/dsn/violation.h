// violation.h: a specification violation found while reading a delivery report.
//
// Ids are stable kebab-case strings ("missing-reporting-mta", "invalid-status", ...) so
// tools and tests can match on them; `detail` says where and what in words. Severity
// separates MUST-level errors from SHOULD-level warnings and purely informative findings
// (e.g. RFC 3464 field order, which binds generators only).
//
//   Violation{"invalid-status", "Status \"5.01.1\": leading zero", Severity::kError}
#ifndef MTA_LIB_DSN_VIOLATION_H_
#define MTA_LIB_DSN_VIOLATION_H_

#include <string>
#include <string_view>
#include <vector>

namespace mta::dsn {

enum class Severity { kError, kWarning, kInfo };

// "error", "warning", "info".
std::string_view SeverityName(Severity s);

struct Violation {
  std::string id;      // stable kebab-case identifier
  std::string detail;  // human-readable context
  Severity severity = Severity::kError;
  bool operator==(const Violation&) const = default;
};

// True when `v` holds a violation with this id.
bool HasViolation(const std::vector<Violation>& v, std::string_view id);

}  // namespace mta::dsn

#endif  // MTA_LIB_DSN_VIOLATION_H_
