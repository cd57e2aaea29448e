// remote.h: remote delivery (qmail-rspawn + qmail-remote's role): routing a destination to
// addresses, one delivery of one job with mta/client Deliver (RFC 5321 5.1: each address in
// order while the session says try_next_mx), and the refmta-remote process body.
//
// The process runs as remote_user (it cannot read mailboxes nor write the queue). It reads
// 'T' records (sending.h) with the message file attached, forks one child per job (at most
// concurrency_remote), and each child sends its 'U' record itself and exits 0; a child that
// dies otherwise is reported as a temporary failure of all its recipients.
//
//   std::vector<Hop> hops = RouteDomain("example.org", settings, &err);  // smarthost
//   std::vector<RemoteRcptResult> r = DeliverRemote(job, message, hops, settings);
#ifndef MTA_SERVER_REMOTE_H_
#define MTA_SERVER_REMOTE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/config/settings.h"
#include "mta/dns/route.h"
#include "mta/server/context.h"
#include "mta/server/sending.h"

namespace mta::server {

// One address to try: the host name it came from (Remote-MTA) and the IP and port.
struct Hop {
  std::string host;
  std::string ip;
  std::uint16_t port = 25;
};

// One smtp_routes decision: connect to `host`:`port` as if it were the domain's only MX;
// an empty host means MX lookup as usual (qmail smtproutes' empty relay).
struct SmtpRoute {
  std::string host;
  std::uint16_t port = 25;
  std::string entry;  // the smtp_routes item (or "smarthost") that matched
  bool valid = true;  // false: the matching entry's host[:port] does not parse
  bool operator==(const SmtpRoute&) const = default;
};

// The route of `domain` (qmail-remote's smtproutes lookup): the entry for the domain itself,
// else the one for its longest ".suffix" (".example.org" matches a.example.org and
// b.a.example.org, not example.org), else the default "=host" entry, else `smarthost`
// (the default route too). nullopt: no route, MX lookup. Domains compare case-insensitively.
std::optional<SmtpRoute> SmtpRouteFor(std::string_view domain,
                                      const std::vector<std::string>& routes,
                                      const std::string& smarthost);

// How MX routing runs for these settings (mta/dns ResolveMailRoute): this MTA's names and
// addresses (self-MX) and whether AAAA records are used (`remote_ipv6`).
dns::RouteOptions RouteOptionsFor(const config::Settings& s);

// The addresses for `domain`, in order. A route from SmtpRouteFor (smtp_routes, smarthost)
// with a host: that host (an IP literal, or a name whose A records are looked up through
// dns_server / resolv.conf) and port. Otherwise MX lookup (mta/dns ResolveMailRoute:
// RFC 5321 5.1, RFC 7505 null MX) through dns_server or resolv.conf, port 25. `*temp`
// tells whether an empty result is temporary.
std::vector<Hop> RouteDomain(std::string_view domain, const config::Settings& s,
                             std::string* error, bool* temp);

// The enhanced status for a destination RouteDomain found no address for (`error` is its
// message): 4.4.3 when temporary; 5.1.10 null MX (RFC 7505 4.2); 5.4.6 the best MX is this
// MTA (RFC 3463 X.4.6 routing loop, qmail-remote's #5.4.6); 5.4.4 MX without a usable
// address (X.4.4 unable to route); otherwise 5.1.2 (X.1.2 bad destination system).
//   RouteFailureStatus("no route to a.test: null-mx", false) == "5.1.10"
const char* RouteFailureStatus(const std::string& error, bool temp);

// The addresses at which this MTA itself takes mail (qmail's "ipme", Postfix's
// inet_interfaces): the IP of each `listen` entry, whatever its port (an MX is reached on
// port 25, but an MX naming an address this MTA answers on is this host, as Postfix and
// qmail judge it), a wildcard (0.0.0.0, [::]) standing for every address of its family in
// `interfaces`. An MX with one of them is this MTA (RFC 5321 5.1), as is an MX named
// `hostname`.
//   SelfAddresses({"0.0.0.0:25", "127.0.0.10:2525"}, {"127.0.0.1", "192.0.2.7"})
//     == {"127.0.0.1", "192.0.2.7", "127.0.0.10"}
std::vector<std::string> SelfAddresses(const std::vector<std::string>& listen,
                                       const std::vector<std::string>& interfaces);
// The addresses of this host's interfaces (getifaddrs), IPv4 and IPv6, as text.
std::vector<std::string> InterfaceAddresses();

// The QMTP route of `domain` from qmtp_routes ("domain=host[:port]", port 209), if any.
bool QmtpRouteFor(std::string_view domain, const config::Settings& s, std::string* host,
                  std::uint16_t* port);
// Delivers `job` by QMTP to the first of `hops` that answers (each recipient K/Z/D).
std::vector<RemoteRcptResult> DeliverQmtp(const RemoteJob& job, const std::string& message,
                                          const std::vector<Hop>& hops);

// Delivers `job` (all recipients at one destination) to the first hop that takes the
// transaction; `message` is the stored form. One result per job recipient.
std::vector<RemoteRcptResult> DeliverRemote(const RemoteJob& job, std::string message,
                                            const std::vector<Hop>& hops,
                                            const config::Settings& s);

// Process body: serves `queue_fd` (SOCK_SEQPACKET) until it closes or SIGTERM. When
// ctx.root, drops to remote_user first.
int RunRemote(ServerContext& ctx, int queue_fd);

}  // namespace mta::server

#endif  // MTA_SERVER_REMOTE_H_
