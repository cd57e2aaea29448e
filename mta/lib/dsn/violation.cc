// violation.cc: severity names and lookup for Violation (see violation.h).
#include "mta/lib/dsn/violation.h"

namespace mta::dsn {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kInfo: return "info";
  }
  return "error";
}

bool HasViolation(const std::vector<Violation>& v, std::string_view id) {
  for (const Violation& x : v) {
    if (x.id == id) return true;
  }
  return false;
}

}  // namespace mta::dsn
