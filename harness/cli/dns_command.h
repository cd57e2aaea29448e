// dns_command.h: `mtaspec dns`, the DNS fixture as a foreground server.
//
//   mtaspec dns --listen 127.0.0.1:5353 --zone harness/dns/zones/fixture.json --log q.jsonl
//   stdout: "mtaspec dns: listening on 127.0.0.1:5353 (udp+tcp), 118 records"
// Serves until SIGTERM or SIGINT (exit 0). Without --listen, root gets 127.0.0.53:53;
// anyone else must name an address. Port 0 picks a free port (printed). --log appends one
// JSON line per query (see harness/dns/README.md).
#ifndef MTA_HARNESS_CLI_DNS_COMMAND_H_
#define MTA_HARNESS_CLI_DNS_COMMAND_H_

#include <iosfwd>
#include <string>

namespace mta::cli {

struct DnsArgs {
  std::string listen;  // IP:PORT or [IPv6]:PORT; "" -> 127.0.0.53:53 when root
  std::string zone;    // ZONE.json
  std::string log;     // optional query log file
};

// Returns the exit status: 0 after a clean stop, 2 on bad arguments or a bind failure.
int RunDns(const DnsArgs& args, std::ostream& out, std::ostream& err);

}  // namespace mta::cli

#endif  // MTA_HARNESS_CLI_DNS_COMMAND_H_
