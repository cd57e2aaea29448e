// address_literal.cc: RFC 5321 4.1.3 address literals (see address_literal.h).
#include "mta/lib/smtp/address_literal.h"

#include "mta/lib/smtp/chars.h"

namespace mta::smtp {
namespace {

bool IsSnum(std::string_view s) {
  // RFC 5321 4.1.3: Snum = 1*3DIGIT, "representing a decimal integer value in the range 0
  // through 255".
  if (s.empty() || s.size() > 3) return false;
  int v = 0;
  for (char c : s) {
    if (!IsDigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + (c - '0');
  }
  return v <= 255;
}

bool IsIpv6Hex(std::string_view s) {
  // IPv6-hex = 1*4HEXDIG
  if (s.empty() || s.size() > 4) return false;
  for (char c : s) {
    if (!IsHexDig(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Counts groups of `s` = IPv6-hex *(":" IPv6-hex), or -1 when malformed. Empty -> 0.
int CountGroups(std::string_view s) {
  if (s.empty()) return 0;
  int n = 0;
  while (true) {
    std::size_t c = s.find(':');
    if (!IsIpv6Hex(s.substr(0, c))) return -1;
    ++n;
    if (c == std::string_view::npos) return n;
    s.remove_prefix(c + 1);
  }
}

}  // namespace

bool IsLdhStr(std::string_view s) {
  if (s.empty() || !IsLetDig(static_cast<unsigned char>(s.back()))) return false;
  for (char c : s) {
    if (!IsLetDig(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

bool IsIpv4AddressLiteral(std::string_view s) {
  // IPv4-address-literal = Snum 3("." Snum)
  for (int i = 0; i < 3; ++i) {
    std::size_t dot = s.find('.');
    if (dot == std::string_view::npos || !IsSnum(s.substr(0, dot))) return false;
    s.remove_prefix(dot + 1);
  }
  return IsSnum(s);
}

bool IsIpv6Addr(std::string_view s) {
  std::size_t last_colon = s.rfind(':');
  if (last_colon == std::string_view::npos) return false;
  bool v4 = false;
  std::string_view hex = s;
  std::string_view tail = s.substr(last_colon + 1);
  if (tail.find('.') != std::string_view::npos) {
    // IPv6v4-full / IPv6v4-comp: the text after the last ":" is an IPv4-address-literal.
    if (!IsIpv4AddressLiteral(tail)) return false;
    v4 = true;
    hex = s.substr(0, last_colon + 1);
    if (hex.size() >= 2 && hex.substr(hex.size() - 2) == "::") {
      // "...::" + IPv4: keep the "::".
    } else {
      hex.remove_suffix(1);  // drop the ":" that separates the last group from the IPv4 part
      if (hex.empty()) return false;
    }
  }
  std::size_t dc = hex.find("::");
  if (dc == std::string_view::npos) {
    // IPv6-full = IPv6-hex 7(":" IPv6-hex); IPv6v4-full = IPv6-hex 5(":" IPv6-hex) ":" IPv4
    return CountGroups(hex) == (v4 ? 6 : 8);
  }
  std::string_view left = hex.substr(0, dc);
  std::string_view right = hex.substr(dc + 2);
  int nl = CountGroups(left);
  int nr = CountGroups(right);  // a second "::" yields an empty group, hence -1
  if (nl < 0 || nr < 0) return false;
  // IPv6-comp: "No more than 6 groups in addition to the '::' may be present."
  // IPv6v4-comp: "No more than 4 groups in addition to the '::' and IPv4-address-literal".
  return nl + nr <= (v4 ? 4 : 6);
}

std::optional<AddressLiteral> ParseAddressLiteral(std::string_view text) {
  if (text.size() < 3 || text.front() != '[' || text.back() != ']') return std::nullopt;
  std::string_view in = text.substr(1, text.size() - 2);
  if (IsIpv4AddressLiteral(in)) {
    return AddressLiteral{AddressLiteralKind::kIpv4, "", std::string(in)};
  }
  std::size_t colon = in.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view tag = in.substr(0, colon);
  std::string_view value = in.substr(colon + 1);
  if (EqualsIgnoreCase(tag, "IPv6")) {
    // IPv6-address-literal = "IPv6:" IPv6-addr
    if (!IsIpv6Addr(value)) return std::nullopt;
    return AddressLiteral{AddressLiteralKind::kIpv6, std::string(tag), std::string(value)};
  }
  // General-address-literal = Standardized-tag ":" 1*dcontent; Standardized-tag = Ldh-str
  if (!IsLdhStr(tag) || value.empty()) return std::nullopt;
  for (char c : value) {
    if (!IsDcontent(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return AddressLiteral{AddressLiteralKind::kGeneral, std::string(tag), std::string(value)};
}

}  // namespace mta::smtp
