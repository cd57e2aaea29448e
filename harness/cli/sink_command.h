// sink_command.h: `mtaspec sink`, the capture sink in the foreground: a scriptable SMTP
// peer that writes every transaction it receives to a directory.
//
//   mtaspec sink --listen 127.0.0.20:2526 --listen 127.0.0.22:0=fail.json --out DIR
//                [--count N] [--timeout S]
//
// Prints "mtaspec sink: listening on IP:PORT" per listener (the bound port, useful with
// port 0), writes DIR/NNNN.json (every field of the transaction, raw octets escaped and
// base64) and DIR/NNNN.eml (the decoded message) for each transaction, and stops on
// SIGTERM/SIGINT, after N complete messages or after S seconds. Behaviour JSON:
// harness/sink/README.md. Exit status: 0; 2 on bad usage (bad --listen, behaviour file,
// bind failure, unwritable directory).
#ifndef MTA_HARNESS_CLI_SINK_COMMAND_H_
#define MTA_HARNESS_CLI_SINK_COMMAND_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace mta::cli {

struct SinkArgs {
  std::vector<std::string> listen;  // IP:PORT[=BEHAVIOUR.json]
  std::string out;
  int count = 0;      // stop after this many complete messages (0: no limit)
  double timeout = 0; // stop after this many seconds (0: no limit)
};

int RunSink(const SinkArgs& a, std::ostream& out, std::ostream& err);

}  // namespace mta::cli

#endif  // MTA_HARNESS_CLI_SINK_COMMAND_H_
