// resolve.h: local recipient resolution: aliases, qmail-style extensions, users.
//
// For an address whose domain is local (ASCII case-insensitive match), the local part is
// resolved in this order (all comparisons on the lower-cased local part, as qmail-getpw
// lower-cases):
//   1. an alias with that exact name -> its targets, expanded recursively;
//   2. a user with that exact name;
//   3. extensions: for each separator position from the right (longest prefix first,
//      qmail-getpw's order), "user-ext" -> alias or user "user" with extension "ext".
//      Separators are configurable ("-" as qmail; add "+" for sendmail style).
// Alias targets that contain '@' are addresses (resolved again if local, else returned as
// remote forwards); other targets are local names. Loop protection: a name met again on
// the current expansion path is delivered to the user of that name when one exists
// (/etc/aliases "root: root, backup" idiom), else dropped and reported; expansion depth is
// limited to 16 and the result to 1000 targets.
//
// Alias file (simplified /etc/aliases): "name: target1, target2" per line; '#' starts a
// comment line; lines starting with whitespace continue the previous entry; names are
// case-insensitive; later duplicates are errors reported with their line number.
//
//   LocalConfig c;  c.local_domains = {"example.org"};  c.users = {"joe"};
//   ResolveLocal("Joe-List@EXAMPLE.org", c) -> kFound, {user "joe", extension "list"}
#ifndef MTA_LOCAL_RESOLVE_H_
#define MTA_LOCAL_RESOLVE_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "mta/io/status.h"

namespace mta::local {

struct AliasTable {
  std::map<std::string, std::vector<std::string>> entries;  // lower-cased name -> targets
  std::vector<std::string> errors;                           // "line N: reason"
};

AliasTable ParseAliases(std::string_view text);
io::Result<AliasTable> LoadAliasFile(const std::string& path);

struct LocalConfig {
  std::set<std::string> local_domains;  // lower-case
  std::set<std::string> users;          // lower-case user names
  std::string extension_separators = "-";
  AliasTable aliases;
};

struct LocalTarget {
  std::string user;        // local user to deliver to ("" for a remote forward)
  std::string extension;   // text after the separator ("" when none)
  std::string address;     // the address this target stands for (forward: the remote one)
  bool operator==(const LocalTarget&) const = default;
};

enum class ResolveStatus { kFound, kNotLocal, kNotFound };

struct Resolution {
  ResolveStatus status = ResolveStatus::kNotFound;
  std::vector<LocalTarget> targets;  // local users first-seen order, then forwards
  std::vector<std::string> dropped;  // names dropped: loops, depth limit, unknown targets
};

std::string AsciiLower(std::string_view s);
Resolution ResolveLocal(std::string_view address, const LocalConfig& config);

}  // namespace mta::local

#endif  // MTA_LOCAL_RESOLVE_H_
