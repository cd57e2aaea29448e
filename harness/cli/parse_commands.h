// parse_commands.h: `mtaspec parse path|command|reply|headers`: the grammar layer's parsers
// over stdin or a file, one JSON object per input on stdout.
//
//   printf '<a@b.test>\n' | mtaspec parse path
//   {"input":"<a@b.test>","ok":true,"local_part":"a","domain":"b.test","route":[],
//    "deviations":[],"error":null}
#ifndef MTA_HARNESS_CLI_PARSE_COMMANDS_H_
#define MTA_HARNESS_CLI_PARSE_COMMANDS_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace mta::cli {

struct ParsePathArgs {
  bool reverse = false;
  bool smtputf8 = false;
  std::vector<std::string> lenient;  // leniency names; unknown ones are an input error
};

// Each function reads its input, writes JSON lines, and throws std::invalid_argument
// (a one-line message; exit status 2) on bad arguments or unreadable input.

// One path argument per line (the line's LF, and a CR before it, are not part of it).
void RunParsePath(const ParsePathArgs& args, std::istream& in, std::ostream& out);

struct ParseCommandArgs {
  bool smtputf8 = false;
  std::vector<std::string> lenient;
  bool raw = false;  // the input's own line ends are the command's (default: CRLF appended)
};
// One command per line.
void RunParseCommand(const ParseCommandArgs& args, std::istream& in, std::ostream& out);

// One or more replies; LF line ends in the input are taken as CRLF unless raw.
void RunParseReply(bool raw, std::istream& in, std::ostream& out);

// One message (header section and body) from a file.
void RunParseHeaders(const std::string& file, std::ostream& out);

}  // namespace mta::cli

#endif  // MTA_HARNESS_CLI_PARSE_COMMANDS_H_
