// addr_spec.h: RFC 5322 addr-spec parser (local-part "@" domain).
//
// RFC 5322 3.4.1 (addr-spec, local-part, domain, domain-literal, dtext), 3.2 (atoms,
// quoted-strings, CFWS), 4.4 (obs-local-part, obs-domain, obs-dtext), RFC 6532 (UTF-8,
// opt-in), RFC 5321 4.5.3.1 (length limits, reported as findings). Everything accepted
// beyond plain dot-atom@dot-atom is reported in `findings`.
//
//   AddrSpecResult r = ParseAddrSpec("\"john doe\"@example.com");
//   r.ok; r.addr_spec.local_part == "john doe";
//   r.addr_spec.local_part_raw == "\"john doe\""; r.findings == {kQuotedLocalPart}
#ifndef MTA_LIB_ADDRESS_ADDR_SPEC_H_
#define MTA_LIB_ADDRESS_ADDR_SPEC_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/address/findings.h"

namespace mta::address {

struct AddrSpec {
  // Semantic local part: quotes removed, quoted-pairs resolved, CFWS and the CRLF of
  // folds dropped, obs-local-part words joined with ".".
  std::string local_part;
  // Semantic domain: dot-atom labels joined with "." (CFWS dropped), or for a domain
  // literal "[" content "]" with quoted-pairs resolved and white space kept.
  std::string domain;
  bool is_domain_literal = false;
  // The input octets from the first to the last token of each part (inner CFWS kept,
  // surrounding CFWS not). Empty for values built by hand.
  std::string local_part_raw;
  std::string domain_raw;

  // Semantic equality: the raw forms are not compared.
  friend bool operator==(const AddrSpec& a, const AddrSpec& b) {
    return a.local_part == b.local_part && a.domain == b.domain &&
           a.is_domain_literal == b.is_domain_literal;
  }
};

struct AddrSpecResult {
  bool ok = false;
  AddrSpec addr_spec;
  std::vector<Finding> findings;  // sorted by enum value
  std::string error;              // set when !ok
  std::size_t error_offset = 0;   // input offset of the error
  bool Has(Finding f) const;
};

// Parses `input` as a whole addr-spec (leading and trailing CFWS allowed and reported).
AddrSpecResult ParseAddrSpec(std::string_view input, const ParseOptions& options = {});

}  // namespace mta::address

#endif  // MTA_LIB_ADDRESS_ADDR_SPEC_H_
