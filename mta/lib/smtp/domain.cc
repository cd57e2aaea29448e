// domain.cc: RFC 5321 4.1.2 Domain scanner (see domain.h).
#include "mta/lib/smtp/domain.h"

#include "mta/lib/smtp/address_literal.h"

namespace mta::smtp {
namespace {

// Scans one sub-domain at s[pos]; returns its end, or pos when none starts there.
std::size_t ScanSubDomain(std::string_view s, std::size_t pos, NonAsciiPolicy policy,
                          ScanResult* r) {
  std::size_t i = pos;
  bool last_was_hyphen = false;
  while (i < s.size()) {
    unsigned char c = s[i];
    if (IsLetDig(c)) {
      ++i;
      last_was_hyphen = false;
    } else if (c == '-' && i != pos) {
      ++i;
      last_was_hyphen = true;
    } else if (c >= 0x80) {
      bool used = false;
      std::string err;
      std::size_t n = ConsumeNonAscii(s, i, policy, &used, &err);
      if (n == 0) {
        r->error = err + " in domain";
        return std::string_view::npos;
      }
      r->used_8bit |= used;
      i += n;
      last_was_hyphen = false;
    } else {
      break;
    }
  }
  if (last_was_hyphen) {
    // RFC 5321 4.1.2: Ldh-str ends with Let-dig.
    r->error = "domain label ends with '-'";
    return std::string_view::npos;
  }
  return i;
}

}  // namespace

ScanResult ScanDomain(std::string_view s, std::size_t pos, NonAsciiPolicy policy) {
  ScanResult r;
  std::size_t i = ScanSubDomain(s, pos, policy, &r);
  if (i == std::string_view::npos) return r;
  if (i == pos) {
    r.error = "expected a domain";
    return r;
  }
  while (i + 1 < s.size() && s[i] == '.') {
    std::size_t j = ScanSubDomain(s, i + 1, policy, &r);
    if (j == std::string_view::npos) return r;
    if (j == i + 1) break;  // "." not followed by a sub-domain: left to the caller
    i = j;
  }
  r.ok = true;
  r.end = i;
  return r;
}

ScanResult ScanAddressLiteral(std::string_view s, std::size_t pos) {
  ScanResult r;
  std::size_t i = pos + 1;
  // dcontent excludes "[", "\" and "]"; the literal ends at the first "]".
  while (i < s.size() && s[i] != ']' && IsDcontent(static_cast<unsigned char>(s[i]))) ++i;
  if (i >= s.size() || s[i] != ']') {
    r.error = "unterminated or invalid address literal";
    return r;
  }
  if (!ParseAddressLiteral(s.substr(pos, i + 1 - pos))) {
    r.error = "invalid address literal";
    return r;
  }
  r.ok = true;
  r.end = i + 1;
  return r;
}

bool IsValidDomain(std::string_view s, bool smtputf8) {
  ScanResult r = ScanDomain(s, 0, NonAsciiPolicy{smtputf8, false});
  return r.ok && r.end == s.size();
}

bool IsValidDomainOrAddressLiteral(std::string_view s, bool smtputf8) {
  if (!s.empty() && s[0] == '[') return ParseAddressLiteral(s).has_value();
  return IsValidDomain(s, smtputf8);
}

}  // namespace mta::smtp
