// route.h: mail routing for a domain (RFC 5321 5.1, RFC 7505 null MX).
//
// ResolveMailRoute looks up the domain's MX records and returns the hosts to try, in order:
// * MX RRs sorted by preference; equal preferences shuffled with options.random (5.1 "MUST
//   randomize"); each exchange's A (then, with use_ipv6, AAAA) addresses, all to be tried
//   in order ("MUST try them in the order presented").
// * No MX (NODATA) -> the implicit MX: the domain itself, preference 0.
// * A single MX "." with preference 0 -> kNullMx (RFC 7505 3; the caller bounces with
//   5.1.10 / 556). A "." among other MX RRs is dropped (finding "null-mx-mixed").
// * NXDOMAIN -> kNoSuchDomain (permanent). SERVFAIL / timeout / REFUSED / malformed on
//   the MX query -> kTempFail (defer); never a fallback to the domain's A records.
// * MX exchanges that are IP literals ("192.0.2.1", RFC 5321 5.1: the data field MUST be a
//   domain name) are skipped (finding "mx-ip-literal"); exchanges that are CNAMEs are
//   followed for their addresses only (finding "mx-cname", RFC 2181 10.3).
// * Hosts matching options.self_names / self_addresses: that MX and every MX with the
//   same or a higher preference value are dropped (5.1); nothing left -> kMxPointsToSelf.
// * Exchanges without addresses are dropped; none left -> kNoUsableHost (permanent), or
//   kTempFail when some address lookup failed temporarily.
// * The envelope domain is never rewritten: `domain` is the input, even when it is a CNAME
//   (finding "domain-is-cname", RFC 5321 5.1 / J4).
//   RouteResult r = ResolveMailRoute(resolver, "example.com", RouteOptions{});
//   for (auto& h : r.hosts) for (auto& ip : h.addresses) TryDeliver(ip);
#ifndef MTA_DNS_ROUTE_H_
#define MTA_DNS_ROUTE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/dns/resolver.h"

namespace mta::dns {

struct RouteOptions {
  bool use_ipv6 = false;                    // also look up AAAA (after A)
  std::vector<std::string> self_names;      // names this MTA is known by (case-insensitive)
  std::vector<std::string> self_addresses;  // its addresses (IPv4 / IPv6 text)
  std::function<std::uint64_t()> random;    // shuffles equal preferences; default random_device
  std::size_t max_hosts = 64;               // MX RRs considered at most (bounded DNS work)
};

enum class RouteStatus {
  kOk,              // hosts non-empty
  kTempFail,        // defer and retry later
  kNoSuchDomain,    // NXDOMAIN: permanent (RFC 5321 5.1 "MUST be reported as an error")
  kNullMx,          // RFC 7505: the domain accepts no mail (permanent, 5.1.10)
  kMxPointsToSelf,  // best MX is this MTA and nothing better remains (permanent, 5.4.6)
  kNoUsableHost,    // MX (or implicit MX) present but none has an address (permanent, 5.4.4)
};
std::string RouteStatusName(RouteStatus s);  // "ok", "tempfail", "nxdomain", "null-mx", ...
bool IsPermanentFailure(RouteStatus s);

struct MailHost {
  std::string name;                    // the MX exchange (or the domain, when implicit)
  std::uint16_t preference = 0;
  bool implicit = false;               // RFC 5321 5.1 implicit MX
  std::vector<std::string> addresses;  // in the order to try
};

struct RouteResult {
  RouteStatus status = RouteStatus::kTempFail;
  std::string domain;                 // the input domain, never CNAME-rewritten
  std::vector<MailHost> hosts;        // in the order to try
  std::vector<std::string> findings;  // "mx-ip-literal:192.0.2.1", "mx-cname:a->b", ...
  std::string detail;                 // why, for logs and bounces
};

// A domain literal "[192.0.2.1]" / "[IPv6:2001:db8::1]" routes to that address without DNS.
RouteResult ResolveMailRoute(Resolver& resolver, std::string_view domain,
                             const RouteOptions& options);

}  // namespace mta::dns

#endif  // MTA_DNS_ROUTE_H_
