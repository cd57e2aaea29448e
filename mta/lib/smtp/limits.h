// limits.h: the size limits of RFC 5321 4.5.3.1, reported as findings (never enforced by
// the parsers: a caller decides whether to refuse).
//
// RFC 5321 4.5.3.1.1 local-part 64 octets, 4.5.3.1.2 domain 255 octets, 4.5.3.1.3 path
// 256 octets including punctuation, 4.5.3.1.4 command line 512 octets including CRLF;
// 4.5.3.1.10 reply codes "500 Line too long", "501 Path too long".
//
//   LimitFinding f = MakeLimitFinding(Limit::kLocalPart, 70);
//   f.name == "local-part", f.limit == 64, f.actual == 70, f.reply_code == 501
#ifndef MTA_LIB_SMTP_LIMITS_H_
#define MTA_LIB_SMTP_LIMITS_H_

#include <cstddef>
#include <string_view>

namespace mta::smtp {

enum class Limit {
  kLocalPart,    // RFC 5321 4.5.3.1.1: 64 octets
  kDomain,       // RFC 5321 4.5.3.1.2: 255 octets
  kPath,         // RFC 5321 4.5.3.1.3: 256 octets including punctuation
  kCommandLine,  // RFC 5321 4.5.3.1.4: 512 octets including the command word and CRLF
};

struct LimitFinding {
  Limit limit;
  std::string_view name;     // "local-part", "domain", "path", "command-line"
  std::string_view section;  // "RFC 5321 4.5.3.1.1", ...
  std::size_t limit_value;   // the maximum the RFC allows
  std::size_t actual;        // the length seen (> limit_value)
  int reply_code;            // RFC 5321 4.5.3.1.10: 500 line too long, 501 path too long
  friend bool operator==(const LimitFinding&, const LimitFinding&) = default;
};

std::string_view LimitName(Limit l);
std::string_view LimitSection(Limit l);
std::size_t LimitValue(Limit l);
LimitFinding MakeLimitFinding(Limit l, std::size_t actual);

}  // namespace mta::smtp

#endif  // MTA_LIB_SMTP_LIMITS_H_
