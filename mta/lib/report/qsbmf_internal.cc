// qsbmf_internal.cc: small predicates shared by the QSBMF generator and parser.
#include "mta/lib/report/qsbmf_internal.h"

namespace mta::report::qsbmf_internal {

std::string LfToUnderscore(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n') c = '_';
  }
  return out;
}

std::string_view VerpStrip(std::string_view sender) {
  // qmail-send.c: if (sender.len >= 5) if (str_equal(sender.s + sender.len - 5,"-@[]"))
  // (len counts the trailing NUL) -> drop "-@[]".
  if (sender.size() >= 4 && EndsWith(sender, "-@[]")) sender.remove_suffix(4);
  return sender;
}

bool IsHostToken(std::string_view h) {
  if (h.empty()) return false;
  for (char c : h) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == ':' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string_view StripBrackets(std::string_view v) {
  if (v.size() >= 2 && v.front() == '[' && v.back() == ']') return v.substr(1, v.size() - 2);
  return v;
}

std::string RemoteMtaValue(std::string_view host) {
  if (host.empty()) return std::string(host);
  if (host.front() == '[') return std::string(host);
  bool colon = false, ip4 = true;
  for (char c : host) {
    if (c == ':') colon = true;
    if (!((c >= '0' && c <= '9') || c == '.')) ip4 = false;
  }
  if (colon || ip4) return "[" + std::string(host) + "]";
  return std::string(host);
}

bool IsStatusCode(std::string_view s) {
  // RFC 3463 2: status-code = class "." subject "." detail; class = "2"/"4"/"5";
  // subject = 1*3digit; detail = 1*3digit.
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
  std::size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    std::size_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i;
      ++n;
    }
    if (n < 1 || n > 3) return false;
    if (part == 0) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(0, p.size()) == p;
}

bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

}  // namespace mta::report::qsbmf_internal
