// enhanced_status.cc: parse and format RFC 3463 status codes.
//
// RFC 3463 2, RFC 2034 4, qmail RFCHCSC.
//
//   ParseEnhancedPrefix("5.7.1 Relaying denied")->status == EnhancedStatus{5, 7, 1}
#include "mta/lib/reply/enhanced_status.h"

namespace mta::reply {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads 1*3digit without a leading zero at `s[*pos]`; advances *pos. RFC 3463 2.
bool ReadSubCode(std::string_view s, std::size_t* pos, int* value) {
  std::size_t start = *pos;
  std::size_t i = start;
  int v = 0;
  while (i < s.size() && IsDigit(s[i]) && i - start < 4) {
    v = v * 10 + (s[i] - '0');
    ++i;
  }
  std::size_t n = i - start;
  if (n == 0 || n > 3) return false;
  // RFC 3463 2: sub-codes MUST be expressed without leading zero digits.
  if (n > 1 && s[start] == '0') return false;
  *pos = i;
  *value = v;
  return true;
}

// Parses "C.S.D" at the start of s; returns the number of octets used, or 0.
std::size_t ParseAt(std::string_view s, EnhancedStatus* out) {
  if (s.size() < 5) return 0;
  // RFC 3463 2: class = "2" / "4" / "5".
  if (s[0] != '2' && s[0] != '4' && s[0] != '5') return 0;
  if (s[1] != '.') return 0;
  std::size_t pos = 2;
  int subject = 0, detail = 0;
  if (!ReadSubCode(s, &pos, &subject)) return 0;
  if (pos >= s.size() || s[pos] != '.') return 0;
  ++pos;
  if (!ReadSubCode(s, &pos, &detail)) return 0;
  if (pos < s.size() && IsDigit(s[pos])) return 0;  // a fourth digit
  out->klass = s[0] - '0';
  out->subject = subject;
  out->detail = detail;
  return pos;
}

}  // namespace

std::optional<EnhancedStatus> EnhancedStatus::Parse(std::string_view s) {
  EnhancedStatus st;
  std::size_t n = ParseAt(s, &st);
  if (n == 0 || n != s.size()) return std::nullopt;
  return st;
}

std::string EnhancedStatus::ToString() const {
  return std::to_string(klass) + "." + std::to_string(subject) + "." + std::to_string(detail);
}

std::optional<EnhancedPrefix> ParseEnhancedPrefix(std::string_view text) {
  EnhancedStatus st;
  std::size_t n = ParseAt(text, &st);
  if (n == 0) return std::nullopt;
  // RFC 2034 4: the status code is followed by a single space (or ends an empty text).
  if (n == text.size()) return EnhancedPrefix{st, n};
  if (text[n] != ' ') return std::nullopt;
  return EnhancedPrefix{st, n + 1};
}

std::optional<EnhancedStatus> FindHcmssc(std::string_view text) {
  // RFCHCSC: "(#" status ")" — search from the end for the last well-formed one.
  std::size_t end = text.size();
  while (end > 0) {
    std::size_t open = text.rfind("(#", end - 1);
    if (open == std::string_view::npos) return std::nullopt;
    std::size_t close = text.find(')', open);
    if (close != std::string_view::npos) {
      if (auto st = EnhancedStatus::Parse(text.substr(open + 2, close - open - 2))) return st;
    }
    if (open == 0) break;
    end = open;
  }
  return std::nullopt;
}

}  // namespace mta::reply
