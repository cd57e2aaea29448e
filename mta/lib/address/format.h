// format.h: canonical RFC 5322 syntax for addr-specs, mailboxes and address lists.
//
// RFC 5322 3.4 / 3.4.1 / 3.2.4. A local part is quoted only when it is not a dot-atom, a
// display name only when it is not atoms separated by single spaces; inside quotes '"'
// and '\' are escaped, and octets that have no other representation (NUL, CR, LF,
// controls) become RFC 5322 4.1 obs-qp. Octets >= 0x80 are taken as RFC 6532 UTF-8 text
// (the output then needs ParseOptions::allow_utf8 to be read back). Parsing the output
// gives back a value equal (operator==) to the input whenever the input came from the
// parsers or holds valid UTF-8.
//
//   FormatMailbox({.display_name = "Joe Q. Public", .addr_spec = {"john", "x.test"}})
//     == "\"Joe Q. Public\" <john@x.test>"
#ifndef MTA_LIB_ADDRESS_FORMAT_H_
#define MTA_LIB_ADDRESS_FORMAT_H_

#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/address/address_list.h"

namespace mta::address {

// dot-atom-text (RFC 5322 3.2.3), with octets >= 0x80 of valid UTF-8 counted as atext.
bool IsDotAtomText(std::string_view s);
// Quoted-string for `s` (always quoted).
std::string QuoteString(std::string_view s);
// The local part as a dot-atom when it is one, else as a quoted-string.
std::string FormatLocalPart(std::string_view local_part);
// A domain: as is, or for a literal "[" escaped content "]" (`domain` may carry the
// brackets, as AddrSpec::domain does).
std::string FormatDomain(std::string_view domain, bool is_domain_literal);
std::string FormatAddrSpec(const AddrSpec& a);
// A phrase: atoms separated by single spaces as they are, anything else quoted; "" gives
// "\"\"" (a group needs a display name).
std::string FormatDisplayName(std::string_view name);
// addr-spec alone when there is neither display name nor route, else name-addr.
std::string FormatMailbox(const Mailbox& m);
std::string FormatGroup(const Group& g);  // "name: a@x, b@y;" or "name:;"
std::string FormatAddress(const Address& a);
std::string FormatAddressList(const std::vector<Address>& list);  // joined by ", "
std::string FormatMailboxList(const std::vector<Mailbox>& list);

}  // namespace mta::address

#endif  // MTA_LIB_ADDRESS_FORMAT_H_
