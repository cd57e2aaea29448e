// limits.cc: RFC 5321 4.5.3.1 limit descriptions (see limits.h).
#include "mta/lib/smtp/limits.h"

namespace mta::smtp {

std::string_view LimitName(Limit l) {
  switch (l) {
    case Limit::kLocalPart: return "local-part";
    case Limit::kDomain: return "domain";
    case Limit::kPath: return "path";
    case Limit::kCommandLine: return "command-line";
  }
  return "unknown";
}

std::string_view LimitSection(Limit l) {
  switch (l) {
    case Limit::kLocalPart: return "RFC 5321 4.5.3.1.1";
    case Limit::kDomain: return "RFC 5321 4.5.3.1.2";
    case Limit::kPath: return "RFC 5321 4.5.3.1.3";
    case Limit::kCommandLine: return "RFC 5321 4.5.3.1.4";
  }
  return "";
}

std::size_t LimitValue(Limit l) {
  switch (l) {
    case Limit::kLocalPart: return 64;
    case Limit::kDomain: return 255;
    case Limit::kPath: return 256;
    case Limit::kCommandLine: return 512;
  }
  return 0;
}

LimitFinding MakeLimitFinding(Limit l, std::size_t actual) {
  // RFC 5321 4.5.3.1.10: "500 Line too long." / "501 Path too long."
  int code = l == Limit::kCommandLine ? 500 : 501;
  return LimitFinding{l, LimitName(l), LimitSection(l), LimitValue(l), actual, code};
}

}  // namespace mta::smtp
