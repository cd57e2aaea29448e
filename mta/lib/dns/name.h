// name.h: domain names between presentation text and wire labels (RFC 1035 2.3.4, 3.1, 5.1).
//
// RFC 1035 2.3.4: labels are at most 63 octets, names at most 255 octets in wire form
// (length octets and the terminating root label included).
//   NameToLabels("mx1.example.com", &labels) -> {"mx1","example","com"}
//   LabelsToName({"a.b","c"}) == "a\\.b.c";  LabelsToName({}) == "."
#ifndef MTA_LIB_DNS_NAME_H_
#define MTA_LIB_DNS_NAME_H_

#include <string>
#include <string_view>
#include <vector>

namespace mta::dns {

inline constexpr std::size_t kMaxLabelLength = 63;   // RFC 1035 2.3.4
inline constexpr std::size_t kMaxNameLength = 255;   // RFC 1035 2.3.4, wire form

// Splits presentation text into labels, resolving "\." "\\" and "\DDD" escapes. "" and "."
// are the root (no labels); one trailing '.' is allowed. False (with a reason) on an empty
// label, a bad escape, a label over 63 octets or a name over 255 octets.
bool NameToLabels(std::string_view text, std::vector<std::string>* labels,
                  std::string* error = nullptr);
// Joins labels into presentation text with escapes; the root is ".".
std::string LabelsToName(const std::vector<std::string>& labels);
// Presentation text in canonical form: escapes normalised, no trailing dot, ASCII letters
// lower-cased (RFC 4343); "" when `text` is not a valid name.
std::string CanonicalName(std::string_view text);
// Case-insensitive comparison of two names (RFC 4343); invalid names compare unequal.
bool NamesEqual(std::string_view a, std::string_view b);

}  // namespace mta::dns

#endif  // MTA_LIB_DNS_NAME_H_
