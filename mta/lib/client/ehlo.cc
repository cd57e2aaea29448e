// ehlo.cc: EHLO keyword parsing (RFC 5321 4.1.1.1).
#include "mta/lib/client/ehlo.h"

#include <string_view>

namespace mta::client {

Extensions ParseEhlo(const reply::Reply& r) {
  Extensions e;
  for (std::size_t i = 1; i < r.lines.size(); ++i) {
    std::string_view line = r.lines[i];
    std::size_t sp = line.find_first_of(" \t=");
    std::string_view kw = line.substr(0, sp);
    std::string_view param =
        sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    // RFC 5321 4.1.1.1: ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-").
    if (kw.empty()) continue;
    std::string up;
    bool ok = true;
    for (char c : kw) {
      const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && c != '-') ok = false;
      up.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c));
    }
    if (!ok || up.front() == '-') continue;
    if (up == "PIPELINING") e.pipelining = true;
    else if (up == "8BITMIME") e.eightbitmime = true;
    else if (up == "SMTPUTF8") e.smtputf8 = true;
    else if (up == "DSN") e.dsn = true;
    else if (up == "STARTTLS") e.starttls = true;
    else if (up == "CHUNKING") e.chunking = true;
    else if (up == "SIZE") {
      e.size = true;
      // RFC 1870 4: size-param = [1*DIGIT]; absent or 0: no fixed maximum.
      while (!param.empty() && param.front() == ' ') param.remove_prefix(1);
      std::uint64_t v = 0;
      bool digits = !param.empty();
      for (char c : param) {
        if (c < '0' || c > '9') { digits = false; break; }
        v = v > (UINT64_MAX - 9) / 10 ? UINT64_MAX : v * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (digits && v > 0) e.size_limit = v;
    }
    e.keywords.push_back(std::move(up));
  }
  return e;
}

}  // namespace mta::client
