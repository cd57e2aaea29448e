// domain.h: RFC 5321 4.1.2 Domain and "Domain / address-literal" scanners.
//
// Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str];
// Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig. RFC 6531 3.3: sub-domain =/ U-label, here
// approximated as labels that may also contain well-formed UTF8-non-ascii (IDNA2008 label
// rules are not checked). Label length (RFC 1035, 63) is not part of the RFC 5321 grammar
// and is not checked; the total length is a limit finding of the path parser.
//
//   ScanDomain("a.b.test>", 0, {}).end == 8
//   IsValidDomain("-a.test") == false
#ifndef MTA_LIB_SMTP_DOMAIN_H_
#define MTA_LIB_SMTP_DOMAIN_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "mta/lib/smtp/chars.h"

namespace mta::smtp {

struct ScanResult {
  bool ok = false;
  std::size_t end = 0;     // position after the scanned element when ok
  bool used_8bit = false;  // accepted only through the 8-bit leniency
  std::string error;       // when !ok
};

// Scans the longest Domain starting at s[pos]. A "." not followed by a sub-domain is left
// unconsumed (the caller decides about trailing dots).
ScanResult ScanDomain(std::string_view s, std::size_t pos, NonAsciiPolicy policy);
// Scans an address-literal "[...]" starting at s[pos] (s[pos] == '[').
ScanResult ScanAddressLiteral(std::string_view s, std::size_t pos);

// Whole-string checks.
bool IsValidDomain(std::string_view s, bool smtputf8 = false);
bool IsValidDomainOrAddressLiteral(std::string_view s, bool smtputf8 = false);

}  // namespace mta::smtp

#endif  // MTA_LIB_SMTP_DOMAIN_H_
