// rfc3461.cc: RFC 3461 request parameters (NOTIFY, ORCPT, ENVID, RET) and RFC 5321 6.1.
#include "mta/bounce/rfc3461.h"

#include <cctype>

namespace mta::bounce {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

NotifyRequest ParseNotify(std::string_view value) {
  NotifyRequest n;
  value = TrimSpace(value);
  if (value.empty()) return n;
  n.present = true;
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view word = TrimSpace(value.substr(0, comma));
    if (IEquals(word, "NEVER")) n.never = true;
    else if (IEquals(word, "SUCCESS")) n.success = true;
    else if (IEquals(word, "FAILURE")) n.failure = true;
    else if (IEquals(word, "DELAY")) n.delay = true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  if (n.never) n.success = n.failure = n.delay = false;
  return n;
}

std::string DecodeXtext(std::string_view x) {
  std::string out;
  out.reserve(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i] == '+' && i + 2 < x.size() && HexValue(x[i + 1]) >= 0 && HexValue(x[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(x[i + 1]) * 16 + HexValue(x[i + 2]));
      i += 2;
    } else {
      out += x[i];
    }
  }
  return out;
}

std::optional<report::Typed> ParseOrcpt(std::string_view value) {
  value = TrimSpace(value);
  std::size_t semi = value.find(';');
  if (value.empty() || semi == std::string_view::npos) return std::nullopt;
  report::Typed t;
  t.type = std::string(TrimSpace(value.substr(0, semi)));
  t.value = DecodeXtext(TrimSpace(value.substr(semi + 1)));
  if (t.type.empty()) return std::nullopt;
  return t;
}

report::Ret ParseRet(std::string_view value) {
  value = TrimSpace(value);
  if (IEquals(value, "FULL")) return report::Ret::kFull;
  if (IEquals(value, "HDRS")) return report::Ret::kHdrs;
  return report::Ret::kUnspecified;
}

std::string StripSourceRoute(std::string_view p) {
  p = TrimSpace(p);
  if (p.size() >= 2 && p.front() == '<' && p.back() == '>') p = p.substr(1, p.size() - 2);
  // RFC 5321 4.1.2: A-d-l ":" Mailbox; the route ends at the first ':' after an '@'-led list.
  if (!p.empty() && p.front() == '@') {
    std::size_t colon = p.find(':');
    if (colon != std::string_view::npos) p.remove_prefix(colon + 1);
  }
  return std::string(p);
}

}  // namespace mta::bounce
