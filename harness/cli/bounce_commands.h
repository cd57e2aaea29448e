// bounce_commands.h: `mtaspec bounce parse` and `mtaspec bounce make`.
//
//   mtaspec bounce parse a.eml
//   {"file":"a.eml","format":"rfc3464","reporting_mta":"mx.local.test",
//    "recipients":[{"address":"u@local.test","action":"failed","status":"5.1.1",
//                   "diagnostic":"smtp; 550 5.1.1 ...","remote_mta":null}],
//    "violations":["missing-arrival-date: ..."]}
#ifndef MTA_HARNESS_CLI_BOUNCE_COMMANDS_H_
#define MTA_HARNESS_CLI_BOUNCE_COMMANDS_H_

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace mta::cli {

// One JSON line per file. An unreadable file is an input error (exit 2) reported before
// any output.
void RunBounceParse(const std::vector<std::string>& files, std::ostream& out);

struct BounceMakeArgs {
  std::string format;  // "qsbmf" or "rfc3464"
  std::string report_file;
  std::string original_file;
  std::uint64_t seed = 0;
  std::optional<std::int64_t> now;  // default: the current time
  int utc_offset_minutes = 0;
  std::string hostname;  // default: the report's reporting-mta
  bool double_bounce = false;
  bool crlf = false;  // QSBMF: CRLF line ends (the SMTP wire form) instead of qmail's LF
};
void RunBounceMake(const BounceMakeArgs& args, std::ostream& out);

}  // namespace mta::cli

#endif  // MTA_HARNESS_CLI_BOUNCE_COMMANDS_H_
