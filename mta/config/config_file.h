// config_file.h: the refmta configuration file, its key table and generated documentation.
//
// Format (human-editable): one `key = value` per line; `#` starts a comment (whole line, or
// after white space); blank lines ignored; lists are comma-separated (`a, b, c`), an empty
// value is an empty list; booleans are `on`/`off` (also yes/no, true/false); keys are
// snake_case and case-sensitive. Order of application: if the file sets `profile`, that
// preset is applied first (wherever the line is); then every other key, in file order (a
// repeated key: the last one wins); then `serve --set KEY=VALUE` overrides (ApplySet).
//
//   auto r = ParseConfig("profile = qmail\nbare_lf = reject\n");
//   r.ok(); r.settings.bare_lf == BareLfPolicy::kReject; r.settings.unknown_command_code == 502
#ifndef MTA_CONFIG_CONFIG_FILE_H_
#define MTA_CONFIG_CONFIG_FILE_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/config/settings.h"

namespace mta::config {

enum class KeyType { kString, kInt, kBool, kEnum, kList };

// One configuration key.
struct KeyDescriptor {
  std::string_view name;      // snake_case key
  std::string_view group;     // section heading in the file and the reference
  KeyType type;
  std::vector<std::string_view> values;  // kEnum: allowed values; kList of names: members
  std::string_view rfc;       // "RFC 5321 4.1.1.4", or ""
  std::string_view slug;      // disputed point ("B1 bare-lf-in-data"), "" for plain keys
  std::string_view doc;       // one line
  // Sets the key from its textual value; false with *error on a bad value.
  std::function<bool(Settings*, std::string_view, std::string*)> set;
  std::function<std::string(const Settings&)> get;  // textual value
  // Convenience: value in the default (strict) settings and in the qmail profile.
  std::string DefaultValue() const;
  std::string QmailValue() const;
};

// Every key, in file order (the "profile" key first).
const std::vector<KeyDescriptor>& SettingsTable();
const KeyDescriptor* FindKey(std::string_view name);

struct ConfigError {
  int line = 0;  // 1-based; 0 for --set
  std::string message;
};

struct ConfigResult {
  Settings settings;
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty(); }
};

// Parses a whole file (see the format above). Errors carry line numbers; keys after an
// error are still applied.
ConfigResult ParseConfig(std::string_view text);

// Applies one "KEY=VALUE" (white space around "=" allowed). `profile=X` re-applies the
// preset (switches only). Returns false with *error when the key or value is bad.
bool ApplySet(Settings* s, std::string_view key_equals_value, std::string* error);

// A complete, commented file: every key with its current value; switches with their
// values, default, qmail value, RFC section and disputed point. ParseConfig of the result
// gives back `s` (round trip).
std::string FormatConfig(const Settings& s);

// Markdown reference of every key (generated from SettingsTable()).
std::string ConfigReferenceMarkdown();

// Problems with a (syntactically valid) configuration: below-RFC limits, TLS half set,
// SMTPUTF8 without 8BITMIME, no local domain, ... (for `refmta check-config`).
std::vector<std::string> Validate(const Settings& s);

}  // namespace mta::config

#endif  // MTA_CONFIG_CONFIG_FILE_H_
