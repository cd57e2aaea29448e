// address_literal.cc: RFC 5321 4.1.3 IPv4 / IPv6 address literal checks.
#include "mta/lib/address/address_literal.h"

#include <cstddef>

namespace mta::address {
namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Colon-separated IPv6-hex groups (1*4HEXDIG each, none empty); -1 if malformed.
int CountGroups(std::string_view s) {
  if (s.empty()) return 0;
  int groups = 0;
  std::size_t start = 0;
  for (;;) {
    std::size_t colon = s.find(':', start);
    std::string_view g = s.substr(start, colon == std::string_view::npos ? s.npos : colon - start);
    if (g.empty() || g.size() > 4) return -1;
    for (char c : g)
      if (!IsHex(c)) return -1;
    ++groups;
    if (colon == std::string_view::npos) return groups;
    start = colon + 1;
  }
}

}  // namespace

bool IsIpv4AddressLiteral(std::string_view s) {
  // Snum = 1*3DIGIT ; representing a decimal integer value in the range 0 through 255
  int parts = 0;
  std::size_t i = 0;
  for (;;) {
    int value = 0, digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (++digits > 3) return false;
      value = value * 10 + (s[i] - '0');
      ++i;
    }
    if (digits == 0 || value > 255) return false;
    ++parts;
    if (i == s.size()) return parts == 4;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
}

bool IsIpv6AddressLiteral(std::string_view s) {
  static constexpr std::string_view kTag = "ipv6:";
  if (s.size() < kTag.size()) return false;
  for (std::size_t k = 0; k < kTag.size(); ++k) {
    char c = s[k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kTag[k]) return false;
  }
  s.remove_prefix(kTag.size());
  bool v4 = false;
  if (s.find('.') != std::string_view::npos) {
    // IPv6v4-full / IPv6v4-comp: the IPv4 literal follows the last ":".
    std::size_t last = s.rfind(':');
    if (last == std::string_view::npos || !IsIpv4AddressLiteral(s.substr(last + 1))) return false;
    s = s.substr(0, last + 1);
    if (s.size() >= 2 && s.substr(s.size() - 2) == "::") {
      // keep the "::"
    } else {
      s.remove_suffix(1);
      if (s.empty()) return false;  // "IPv6::1.2.3.4" (single leading colon)
    }
    v4 = true;
  }
  std::size_t dc = s.find("::");
  if (dc == std::string_view::npos) {
    // IPv6-full: 8 groups; IPv6v4-full: 6 groups before the IPv4 part.
    return CountGroups(s) == (v4 ? 6 : 8);
  }
  std::string_view left = s.substr(0, dc), right = s.substr(dc + 2);
  if (right.find("::") != std::string_view::npos) return false;
  int nl = CountGroups(left), nr = CountGroups(right);
  if (nl < 0 || nr < 0) return false;
  // IPv6-comp: "No more than 6 groups in addition to the '::' may be present";
  // IPv6v4-comp: no more than 4 groups besides "::" and the IPv4 literal.
  return nl + nr <= (v4 ? 4 : 6);
}

bool IsAddressLiteral(std::string_view s) {
  return IsIpv4AddressLiteral(s) || IsIpv6AddressLiteral(s);
}

}  // namespace mta::address
