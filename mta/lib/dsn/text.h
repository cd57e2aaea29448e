// text.h: small text helpers shared by the message/delivery-status body (delivery_status.cc)
// and the whole-DSN code (dsn3464.cc). Internal to mta/lib/dsn.
#ifndef MTA_LIB_DSN_TEXT_H_
#define MTA_LIB_DSN_TEXT_H_

#include <string>
#include <string_view>

namespace mta::dsn::internal {

inline bool IsWsp(char c) { return c == ' ' || c == '\t'; }

// `s` without leading and trailing WSP, CR and LF.
inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsWsp(s.front()) || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (IsWsp(s.back()) || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// A value as one header line: CR, LF and NUL become SP (a value must never break the line
// structure of the report and inject fields), then trimmed.
inline std::string OneLine(std::string_view v) {
  std::string out(v);
  for (char& c : out) {
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  }
  return std::string(Trim(out));
}

}  // namespace mta::dsn::internal

#endif  // MTA_LIB_DSN_TEXT_H_
