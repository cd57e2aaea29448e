// resolve.cc: aliases, extensions and users (rules in resolve.h).
#include "mta/local/resolve.h"

#include "mta/io/file.h"

namespace mta::local {
namespace {

constexpr int kMaxDepth = 16;
constexpr size_t kMaxTargets = 1000;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

struct Resolver {
  const LocalConfig& c;
  Resolution out;
  std::vector<std::string> path;  // names on the current expansion path
  std::set<std::string> seen_targets;

  void Add(LocalTarget t) {
    if (out.targets.size() >= kMaxTargets) return;
    std::string k = t.user + "\n" + t.extension + "\n" + t.address;
    if (seen_targets.insert(k).second) out.targets.push_back(std::move(t));
  }

  bool IsLocalDomain(std::string_view d) const { return c.local_domains.count(AsciiLower(d)) > 0; }

  // Resolves a local part; returns false when nothing matches.
  bool Local(const std::string& local, const std::string& address, int depth) {
    std::string lp = AsciiLower(local);
    if (Name(lp, "", address, depth)) return true;
    // qmail-getpw: try prefixes ending before each separator, longest first.
    for (size_t i = lp.size(); i-- > 0;) {
      if (c.extension_separators.find(lp[i]) == std::string::npos) continue;
      if (i == 0) continue;
      if (Name(lp.substr(0, i), lp.substr(i + 1), address, depth)) return true;
    }
    return false;
  }

  bool Name(const std::string& name, const std::string& ext, const std::string& address,
            int depth) {
    auto a = c.aliases.entries.find(name);
    bool is_user = c.users.count(name) > 0;
    if (a == c.aliases.entries.end()) {
      if (!is_user) return false;
      Add({name, ext, address});
      return true;
    }
    for (const auto& p : path) {
      if (p == name) {  // loop on this expansion path
        if (is_user) Add({name, ext, address});
        else out.dropped.push_back(name);
        return true;
      }
    }
    if (depth >= kMaxDepth) {
      out.dropped.push_back(name);
      return true;
    }
    path.push_back(name);
    for (const auto& t : a->second) Target(t, depth + 1);
    path.pop_back();
    return true;
  }

  void Target(const std::string& t, int depth) {
    size_t at = t.rfind('@');
    if (at == std::string::npos) {
      if (!Local(t, t, depth)) out.dropped.push_back(t);  // unknown local name: reported
      return;
    }
    if (IsLocalDomain(t.substr(at + 1))) {
      if (!Local(t.substr(0, at), t, depth)) out.dropped.push_back(t);
      return;
    }
    Add({"", "", t});  // remote forward
  }
};

}  // namespace

std::string AsciiLower(std::string_view s) {
  std::string r(s);
  for (char& ch : r)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
  return r;
}

AliasTable ParseAliases(std::string_view text) {
  AliasTable t;
  std::string cur;  // current entry name
  size_t lineno = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    std::string_view body;
    if (Trim(line).empty() || Trim(line).front() == '#') continue;
    if (line.front() == ' ' || line.front() == '\t') {
      if (cur.empty()) {
        t.errors.push_back("line " + std::to_string(lineno) + ": continuation without entry");
        continue;
      }
      body = line;
    } else {
      size_t colon = line.find(':');
      std::string name = AsciiLower(Trim(line.substr(0, colon)));
      if (colon == std::string_view::npos || name.empty()) {
        t.errors.push_back("line " + std::to_string(lineno) + ": missing ':'");
        cur.clear();
        continue;
      }
      if (t.entries.count(name)) {
        t.errors.push_back("line " + std::to_string(lineno) + ": duplicate alias " + name);
        cur.clear();
        continue;
      }
      cur = name;
      t.entries[cur];
      body = line.substr(colon + 1);
    }
    while (!body.empty()) {
      size_t comma = body.find(',');
      std::string_view item = Trim(body.substr(0, comma));
      if (!item.empty()) t.entries[cur].emplace_back(item);
      if (comma == std::string_view::npos) break;
      body.remove_prefix(comma + 1);
    }
  }
  return t;
}

io::Result<AliasTable> LoadAliasFile(const std::string& path) {
  std::string text;
  io::Status s = io::ReadFileToString(path, &text);
  if (!s.ok()) return s;
  return ParseAliases(text);
}

Resolution ResolveLocal(std::string_view address, const LocalConfig& config) {
  Resolver r{config, {}, {}, {}};
  std::string addr(address);
  size_t at = addr.rfind('@');
  std::string local = at == std::string::npos ? addr : addr.substr(0, at);
  if (at != std::string::npos && !r.IsLocalDomain(addr.substr(at + 1))) {
    r.out.status = ResolveStatus::kNotLocal;
    return r.out;
  }
  if (local.empty() || !r.Local(local, addr, 0)) {
    r.out.status = ResolveStatus::kNotFound;
    return r.out;
  }
  r.out.status = r.out.targets.empty() ? ResolveStatus::kNotFound : ResolveStatus::kFound;
  return r.out;
}

}  // namespace mta::local
