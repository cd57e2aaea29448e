// key_builders.h: helpers that build KeyDescriptor entries of the settings table, shared by
// config_file.cc (receiving side) and sending_keys.cc (queue, bounces, SMTP client).
//
//   t.push_back(IntKey("hop_limit", "Limits", &Settings::hop_limit, "RFC 5321 6.3", "", "doc"));
#ifndef MTA_CONFIG_KEY_BUILDERS_H_
#define MTA_CONFIG_KEY_BUILDERS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mta/config/config_file.h"
#include "mta/config/settings.h"

namespace mta::config::keys {

std::string_view Trim(std::string_view s);
std::vector<std::string> SplitList(std::string_view v);
std::string JoinList(const std::vector<std::string>& v);
bool ParseUint(std::string_view v, std::uint64_t* out);
bool ParseBool(std::string_view v, bool* out);

// An enumerated key: `map` lists the textual values (documentation order) and the members.
template <typename E>
KeyDescriptor EnumKey(std::string_view name, std::string_view group, E Settings::*m,
                      std::vector<std::pair<std::string_view, E>> map, std::string_view rfc,
                      std::string_view slug, std::string_view doc) {
  KeyDescriptor d{name, group, KeyType::kEnum, {}, rfc, slug, doc, {}, {}};
  for (auto& [n, e] : map) d.values.push_back(n);
  d.set = [m, map, name](Settings* s, std::string_view v, std::string* err) {
    for (auto& [n, e] : map) {
      if (n == v) { s->*m = e; return true; }
    }
    std::string allowed;
    for (auto& [n, e] : map) allowed += (allowed.empty() ? "" : "|") + std::string(n);
    *err = "bad value '" + std::string(v) + "' for " + std::string(name) + " (" + allowed + ")";
    return false;
  };
  d.get = [m, map](const Settings& s) {
    for (auto& [n, e] : map) {
      if (s.*m == e) return std::string(n);
    }
    return std::string();
  };
  return d;
}

KeyDescriptor IntChoiceKey(std::string_view name, std::string_view group, int Settings::*m,
                           std::vector<std::string_view> choices, std::string_view rfc,
                           std::string_view slug, std::string_view doc);
KeyDescriptor StringKey(std::string_view name, std::string_view group,
                        std::string Settings::*m, std::string_view doc);
KeyDescriptor IntKey(std::string_view name, std::string_view group,
                     std::uint64_t Settings::*m, std::string_view rfc, std::string_view slug,
                     std::string_view doc);
KeyDescriptor BoolKey(std::string_view name, std::string_view group, bool Settings::*m,
                      std::string_view rfc, std::string_view slug, std::string_view doc);
KeyDescriptor ListKey(std::string_view name, std::string_view group,
                      std::vector<std::string> Settings::*m, std::string_view doc);

// Appends the sending-side keys (queue and retries, notifications, SMTP client, remote
// process) to the table (sending_keys.cc).
void AddSendingKeys(std::vector<KeyDescriptor>* t);

}  // namespace mta::config::keys

#endif  // MTA_CONFIG_KEY_BUILDERS_H_
