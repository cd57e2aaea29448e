// smtp_json.h: JSON views of the SMTP grammar results (paths, commands, replies), shared by
// the parse subcommands and, later, the harness's transcripts.
#ifndef MTA_HARNESS_CLI_SMTP_JSON_H_
#define MTA_HARNESS_CLI_SMTP_JSON_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mta/lib/smtp/leniency.h"
#include "mta/lib/smtp/path.h"

namespace mta::cli {

// Leniency names -> set; throws std::invalid_argument naming an unknown one and listing
// the known names.
smtp::LeniencySet LeniencySetFromNames(const std::vector<std::string>& names);

// {"ok","local_part","domain","route","deviations","limits","error", ...}: local_part as
// written; null for absent values.
nlohmann::ordered_json PathToJson(const smtp::ParsedPath& p);

}  // namespace mta::cli

#endif  // MTA_HARNESS_CLI_SMTP_JSON_H_
