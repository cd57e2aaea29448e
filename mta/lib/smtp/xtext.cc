// xtext.cc: RFC 3461 4 xtext (see xtext.h).
#include "mta/lib/smtp/xtext.h"

namespace mta::smtp {
namespace {

bool IsXchar(unsigned char c) { return c >= 33 && c <= 126 && c != '+' && c != '='; }

int UpperHexValue(unsigned char c) {
  // RFC 3461 4: hexchar uses upper-case "A"-"F" only.
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> XtextDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (c == '+') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = UpperHexValue(s[i + 1]);
      int lo = UpperHexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (IsXchar(c)) {
      out += static_cast<char>(c);
    } else {
      return std::nullopt;
    }
  }
  return out;
}

bool IsXtext(std::string_view s) { return XtextDecode(s).has_value(); }

std::string XtextEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (IsXchar(c)) {
      out += static_cast<char>(c);
    } else {
      out += '+';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace mta::smtp
