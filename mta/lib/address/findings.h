// findings.h: what the RFC 5322 address parsers report about syntax that was accepted,
// and the options shared by every parser of this folder.
//
// RFC 5322 3.2 / 3.4 / 4.4 (obsolete syntax), RFC 5321 4.5.3.1 (size limits), RFC 6532
// (UTF-8). Obsolete or unusual syntax is accepted and reported, never silently: each
// Finding has a stable kebab-case id.
//
//   FindingId(Finding::kObsLocalPart) == "obs-local-part"
#ifndef MTA_LIB_ADDRESS_FINDINGS_H_
#define MTA_LIB_ADDRESS_FINDINGS_H_

#include <cstdint>
#include <string_view>
#include <vector>

namespace mta::address {

struct ParseOptions {
  // RFC 6532 3.2: UTF-8 (well-formed, RFC 3629) allowed in atext, qtext, ctext, dtext and
  // after a backslash. Off: any octet >= 0x80 is a syntax error.
  bool allow_utf8 = false;
  // Comments nest (RFC 5322 3.2.2); deeper nesting than this is reported as an error.
  int max_comment_depth = 64;
};

// Order is part of the interface: findings are reported sorted by this value.
enum class Finding : std::uint8_t {
  kComment,             // "comment": a comment appears (RFC 5322 3.2.2)
  kFws,                 // "fws": folding white space used as CFWS inside an addr-spec
  kCfwsNearAt,          // "cfws-near-at": CFWS around "@" (RFC 5322 3.4.1 SHOULD NOT)
  kQuotedLocalPart,     // "quoted-local-part": local part is (or contains) a quoted-string
  kAddressLiteral,      // "address-literal": domain literal holding an RFC 5321 4.1.3
                        //   IPv4 or IPv6 address literal
  kDomainLiteralNotIp,  // "domain-literal-not-ip": domain literal that is no RFC 5321
                        //   address literal (valid RFC 5322, unusable in SMTP)
  kNumericTld,          // "numeric-tld": last label all digits (RFC 3696 2)
  kSingleLabelDomain,   // "single-label-domain": no dot in the domain (RFC 5321 2.3.5 FQDN)
  kDomainNotHostname,   // "domain-not-hostname": a label is not Let-dig [Ldh-str]
                        //   (RFC 5321 4.1.2), e.g. "a_b" or "-a"
  kLocalPartTooLong,    // "local-part-too-long": > 64 octets (RFC 5321 4.5.3.1.1)
  kDomainTooLong,       // "domain-too-long": > 255 octets (RFC 5321 4.5.3.1.2)
  kLabelTooLong,        // "label-too-long": a label > 63 octets (RFC 1035 2.3.4)
  kAddressTooLong,      // "address-too-long": addr-spec > 254 octets (RFC 5321
                        //   4.5.3.1.3 path of 256 less the angle brackets; RFC 3696 errata)
  kObsLocalPart,        // "obs-local-part": words with CFWS or quoted words (RFC 5322 4.4)
  kObsDomain,           // "obs-domain": CFWS between domain atoms (RFC 5322 4.4)
  kObsFws,              // "obs-fws": more than one line break in one FWS (RFC 5322 4.2)
  kObsQp,               // "obs-qp": backslash before NUL, CR, LF or a control (4.1)
  kObsQtext,            // "obs-qtext": control character in a quoted-string (4.1)
  kObsCtext,            // "obs-ctext": control character in a comment (4.1)
  kObsDtext,            // "obs-dtext": control or quoted-pair in a domain literal (4.4)
  kObsPhrase,           // "obs-phrase": "." in a display name (4.1)
  kObsRoute,            // "obs-route": source route in an angle-addr (4.4)
  kObsMboxList,         // "obs-mbox-list": empty element in a mailbox list (4.4)
  kObsAddrList,         // "obs-addr-list": empty element in an address list (4.4)
  kObsGroupList,        // "obs-group-list": group list of commas only (4.4)
  kUtf8,                // "utf8": RFC 6532 UTF-8 was used
};
inline constexpr int kFindingCount = static_cast<int>(Finding::kUtf8) + 1;

// Stable kebab-case id of a finding, e.g. "cfws-near-at".
std::string_view FindingId(Finding f);

// Set of findings as bits (internal representation, exposed for the parsers' helpers).
using FindingBits = std::uint32_t;
constexpr FindingBits Bit(Finding f) { return FindingBits{1} << static_cast<int>(f); }
// The findings in `bits`, sorted by enum value.
std::vector<Finding> FindingsFromBits(FindingBits bits);

}  // namespace mta::address

#endif  // MTA_LIB_ADDRESS_FINDINGS_H_
