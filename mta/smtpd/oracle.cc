// oracle.cc: the settings-based recipient oracle (users, aliases, extensions, postmaster).
#include "mta/smtpd/oracle.h"

namespace mta::smtpd {

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

ConfigOracle::ConfigOracle(const config::Settings& s, std::map<std::string, std::string> extra)
    : settings_(s) {
  for (const auto& [k, v] : extra) aliases_[AsciiLower(k)] = v;
  for (const auto& [k, v] : s.aliases) aliases_[AsciiLower(k)] = v;
}

bool ConfigOracle::IsLocalDomain(std::string_view domain) {
  std::string d = AsciiLower(domain);
  if (!d.empty() && d.back() == '.') d.pop_back();
  if (d == AsciiLower(settings_.hostname)) return true;
  for (const std::string& ld : settings_.local_domains) {
    if (AsciiLower(ld) == d) return true;
  }
  return false;
}

LookupResult ConfigOracle::Lookup(std::string_view address) {
  LookupResult r;
  auto at = address.rfind('@');
  if (at == std::string_view::npos || !IsLocalDomain(address.substr(at + 1))) return r;
  std::string local = AsciiLower(address.substr(0, at));
  r.status = RecipientStatus::kUnknownLocal;
  auto find = [&](const std::string& name) -> bool {
    if (auto it = aliases_.find(name); it != aliases_.end()) {
      r.status = RecipientStatus::kLocal;
      r.mailbox = it->second;
      return true;
    }
    for (const config::User& u : settings_.users) {
      if (AsciiLower(u.name) == name) {
        r.status = RecipientStatus::kLocal;
        r.mailbox = u.name;
        return true;
      }
    }
    return false;
  };
  if (find(local)) return r;
  const std::string& sep = settings_.extension_separator;
  if (!sep.empty()) {
    // qmail style: user-ext delivers to user (the longest known prefix wins).
    for (auto pos = local.rfind(sep[0]); pos != std::string::npos && pos > 0;
         pos = local.rfind(sep[0], pos - 1)) {
      if (find(local.substr(0, pos))) return r;
    }
  }
  // RFC 5321 4.5.1: postmaster MUST be supported.
  if (local == "postmaster") {
    r.status = RecipientStatus::kLocal;
    r.mailbox = "postmaster";
  }
  return r;
}

}  // namespace mta::smtpd
