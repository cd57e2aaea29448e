// chars.cc: octet classes and UTF-8 checks (see chars.h).
#include "mta/lib/smtp/chars.h"

namespace mta::smtp {

bool IsAtext(unsigned char c) {
  if (IsLetDig(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '/': case '=': case '?': case '^': case '_': case '`': case '{':
    case '|': case '}': case '~':
      return true;
    default:
      return false;
  }
}

std::size_t Utf8SequenceLength(std::string_view s, std::size_t pos) {
  auto at = [&](std::size_t i) -> int {
    return pos + i < s.size() ? static_cast<unsigned char>(s[pos + i]) : -1;
  };
  auto tail = [](int c) { return c >= 0x80 && c <= 0xBF; };
  int c0 = at(0);
  // RFC 3629 4: UTF8-2 = %xC2-DF UTF8-tail
  if (c0 >= 0xC2 && c0 <= 0xDF) return tail(at(1)) ? 2 : 0;
  // UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2UTF8-tail / %xED %x80-9F UTF8-tail /
  //          %xEE-EF 2UTF8-tail
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    int c1 = at(1);
    bool ok1 = c0 == 0xE0 ? (c1 >= 0xA0 && c1 <= 0xBF)
             : c0 == 0xED ? (c1 >= 0x80 && c1 <= 0x9F)
                          : tail(c1);
    return ok1 && tail(at(2)) ? 3 : 0;
  }
  // UTF8-4 = %xF0 %x90-BF 2UTF8-tail / %xF1-F3 3UTF8-tail / %xF4 %x80-8F 2UTF8-tail
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    int c1 = at(1);
    bool ok1 = c0 == 0xF0 ? (c1 >= 0x90 && c1 <= 0xBF)
             : c0 == 0xF4 ? (c1 >= 0x80 && c1 <= 0x8F)
                          : tail(c1);
    return ok1 && tail(at(2)) && tail(at(3)) ? 4 : 0;
  }
  return 0;
}

bool IsValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::size_t ConsumeNonAscii(std::string_view s, std::size_t pos, NonAsciiPolicy policy,
                            bool* used_8bit, std::string* error) {
  if (policy.smtputf8) {
    // RFC 6531 3.3: UTF8-non-ascii, which must be well-formed UTF-8.
    std::size_t n = Utf8SequenceLength(s, pos);
    if (n != 0) return n;
    if (policy.lenient_8bit) {
      *used_8bit = true;
      return 1;
    }
    *error = "malformed UTF-8";
    return 0;
  }
  // RFC 5321 4.1.2: octets above 127 "MUST NOT be used in MAIL or RCPT commands".
  if (policy.lenient_8bit) {
    *used_8bit = true;
    return 1;
  }
  *error = "8-bit octet without SMTPUTF8";
  return 0;
}

std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x += 32;
    if (y >= 'A' && y <= 'Z') y += 32;
    if (x != y) return false;
  }
  return true;
}

}  // namespace mta::smtp
