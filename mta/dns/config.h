// config.h: where the stub resolver sends its queries (resolv.conf subset, "IP[:PORT]").
//
// resolv.conf(5) lines understood: "nameserver IP" (IPv4 or IPv6; an optional ":PORT" or
// "[IPv6]:PORT" suffix is accepted too), "options timeout:N attempts:N" (seconds, tries);
// everything else ("search", "domain", comments) is ignored.
//   ResolverConfig c;  std::string e;
//   ParseResolvConf("nameserver 127.0.0.53\noptions timeout:2\n", &c, &e);
//   c.servers == {{"127.0.0.53", 53}}, c.timeout_ms == 2000
#ifndef MTA_DNS_CONFIG_H_
#define MTA_DNS_CONFIG_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mta::dns {

struct ResolverConfig {
  std::vector<std::pair<std::string, int>> servers;  // (IP text, port), tried in order
  int timeout_ms = 5000;  // per try
  int attempts = 2;       // rounds over all servers
};

// "192.0.2.1", "192.0.2.1:5353", "::1", "[::1]:5353" -> (IP, port); the port defaults to
// 53. False with a reason on anything else (names are not accepted: no DNS to find DNS).
bool ParseServerSpec(std::string_view spec, std::pair<std::string, int>* server,
                     std::string* error);

// Parses resolv.conf text into *config (servers replaced when any "nameserver" line is
// present). False with "line N: reason" on a malformed nameserver or option value.
bool ParseResolvConf(std::string_view text, ResolverConfig* config, std::string* error);
// Reads and parses a file (default /etc/resolv.conf).
bool LoadResolvConf(const std::string& path, ResolverConfig* config, std::string* error);

}  // namespace mta::dns

#endif  // MTA_DNS_CONFIG_H_
