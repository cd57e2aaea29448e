// route.cc: RFC 5321 5.1 mail routing with RFC 7505 null MX; see route.h for the rules.
#include "mta/dns/route.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>

#include "mta/lib/dns/name.h"

namespace mta::dns {
namespace {

// Binary form of an IPv4/IPv6 text address ("" when not an address).
std::string AddressBytes(std::string_view text) {
  std::string s(text);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 4);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1)
    return std::string(reinterpret_cast<char*>(buf), 16);
  return "";
}

// "192.0.2.1", "192.0.2.1.", "[192.0.2.1]", "2001:db8::1": an address, not a name.
bool IsIpLiteral(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']')
    name = name.substr(1, name.size() - 2);
  if (name.size() > 5 && (name.substr(0, 5) == "IPv6:" || name.substr(0, 5) == "ipv6:"))
    name.remove_prefix(5);
  return !AddressBytes(name).empty();
}

struct Lookup {
  std::vector<std::string> addresses;
  bool temp_failure = false;
  bool nxdomain = false;
  bool via_cname = false;
  std::string canonical;
  std::string detail;
};

Lookup LookupAddresses(Resolver& resolver, const std::string& name, bool use_ipv6) {
  Lookup out;
  std::vector<RrType> types{RrType::kA};
  if (use_ipv6) types.push_back(RrType::kAaaa);
  int nx = 0;
  for (RrType t : types) {
    QueryResult r = resolver.Query(name, t);
    if (r.status == QueryStatus::kTempFail) {
      out.temp_failure = true;
      out.detail = RrTypeName(t) + " lookup of " + name + ": " + TempFailReasonName(r.reason) +
                   (r.detail.empty() ? "" : " (" + r.detail + ")");
      continue;
    }
    if (r.status == QueryStatus::kNxDomain) ++nx;
    if (r.via_cname) {
      out.via_cname = true;
      out.canonical = r.canonical_name;
    }
    for (const auto& rr : r.answers)
      if (const auto* a = std::get_if<AddressRdata>(&rr.data))
        if (std::find(out.addresses.begin(), out.addresses.end(), a->address) ==
            out.addresses.end())
          out.addresses.push_back(a->address);
  }
  out.nxdomain = nx == static_cast<int>(types.size());
  return out;
}

bool IsSelf(const MailHost& host, const RouteOptions& options) {
  for (const auto& n : options.self_names)
    if (NamesEqual(n, host.name)) return true;
  for (const auto& a : options.self_addresses) {
    std::string mine = AddressBytes(a);
    if (mine.empty()) continue;
    for (const auto& h : host.addresses)
      if (AddressBytes(h) == mine) return true;
  }
  return false;
}

RouteResult Finish(RouteResult r, RouteStatus status, std::string detail) {
  r.status = status;
  r.detail = std::move(detail);
  if (status != RouteStatus::kOk) r.hosts.clear();
  return r;
}

}  // namespace

std::string RouteStatusName(RouteStatus s) {
  switch (s) {
    case RouteStatus::kOk: return "ok";
    case RouteStatus::kTempFail: return "tempfail";
    case RouteStatus::kNoSuchDomain: return "nxdomain";
    case RouteStatus::kNullMx: return "null-mx";
    case RouteStatus::kMxPointsToSelf: return "mx-points-to-self";
    case RouteStatus::kNoUsableHost: return "no-usable-host";
  }
  return "?";
}

bool IsPermanentFailure(RouteStatus s) {
  return s == RouteStatus::kNoSuchDomain || s == RouteStatus::kNullMx ||
         s == RouteStatus::kMxPointsToSelf || s == RouteStatus::kNoUsableHost;
}

RouteResult ResolveMailRoute(Resolver& resolver, std::string_view domain,
                             const RouteOptions& options) {
  RouteResult result;
  result.domain = std::string(domain);

  // RFC 5321 4.1.3 domain literal: no DNS.
  if (domain.size() >= 2 && domain.front() == '[' && domain.back() == ']') {
    std::string_view inner = domain.substr(1, domain.size() - 2);
    if (inner.size() > 5 && (inner.substr(0, 5) == "IPv6:" || inner.substr(0, 5) == "ipv6:"))
      inner.remove_prefix(5);
    if (AddressBytes(inner).empty())
      return Finish(result, RouteStatus::kNoUsableHost, "bad domain literal");
    MailHost h{std::string(domain), 0, true, {std::string(inner)}};
    if (IsSelf(h, options))
      return Finish(result, RouteStatus::kMxPointsToSelf, "domain literal is this host");
    result.hosts.push_back(std::move(h));
    return Finish(result, RouteStatus::kOk, "domain literal");
  }
  if (CanonicalName(domain).empty())
    return Finish(result, RouteStatus::kNoSuchDomain, "invalid domain name");

  QueryResult mx = resolver.Query(domain, RrType::kMx);
  std::vector<MailHost> hosts;
  switch (mx.status) {
    case QueryStatus::kTempFail:
      // RFC 5321 5.1: "If a temporary error is returned, the message MUST be queued and
      // retried later" -- and no fallback to address records (J1-T3).
      return Finish(result, RouteStatus::kTempFail,
                    "MX lookup of " + std::string(domain) + ": " +
                        TempFailReasonName(mx.reason) +
                        (mx.detail.empty() ? "" : " (" + mx.detail + ")"));
    case QueryStatus::kNxDomain:
      // RFC 5321 5.1: "If a non-existent domain error is returned, this situation MUST be
      // reported as an error."
      return Finish(result, RouteStatus::kNoSuchDomain, "no such domain " + std::string(domain));
    case QueryStatus::kNoData:
      // RFC 5321 5.1: an empty list of MXs -> implicit MX, preference 0, the host itself.
      hosts.push_back(MailHost{std::string(domain), 0, true, {}});
      break;
    case QueryStatus::kOk:
      for (const auto& rr : mx.answers)
        if (const auto* m = std::get_if<MxRdata>(&rr.data))
          hosts.push_back(MailHost{m->exchange, m->preference, false, {}});
      if (hosts.empty()) hosts.push_back(MailHost{std::string(domain), 0, true, {}});
      break;
  }
  if (mx.via_cname) result.findings.push_back("domain-is-cname:" + mx.canonical_name);

  if (!hosts.front().implicit) {
    // RFC 7505 3: a null MX is a single MX RR with preference 0 and exchange ".".
    if (hosts.size() == 1 && hosts[0].name == "." && hosts[0].preference == 0)
      return Finish(result, RouteStatus::kNullMx,
                    std::string(domain) + " does not accept mail (null MX, RFC 7505)");
    std::size_t before = hosts.size();
    hosts.erase(std::remove_if(hosts.begin(), hosts.end(),
                               [](const MailHost& h) { return h.name == "."; }),
                hosts.end());
    if (hosts.size() != before) result.findings.push_back("null-mx-mixed");
    if (hosts.empty())
      return Finish(result, RouteStatus::kNoUsableHost, "only unusable \".\" MX records");
  }

  // RFC 5321 5.1: sort by preference; equal preferences in random order.
  std::stable_sort(hosts.begin(), hosts.end(), [](const MailHost& a, const MailHost& b) {
    return a.preference < b.preference;
  });
  if (hosts.size() > options.max_hosts) {
    hosts.resize(options.max_hosts);
    result.findings.push_back("mx-list-capped:" + std::to_string(options.max_hosts));
  }
  std::function<std::uint64_t()> random = options.random;
  if (!random) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    random = [engine]() { return (*engine)(); };
  }
  for (std::size_t i = 0; i < hosts.size();) {
    std::size_t j = i;
    while (j < hosts.size() && hosts[j].preference == hosts[i].preference) ++j;
    for (std::size_t k = j - i; k > 1; --k)  // Fisher-Yates over [i, j)
      std::swap(hosts[i + k - 1], hosts[i + random() % k]);
    i = j;
  }

  // Addresses of every host.
  bool temp_failure = false;
  std::string temp_detail;
  std::vector<MailHost> resolved;
  for (auto& h : hosts) {
    if (!h.implicit && IsIpLiteral(h.name)) {
      // RFC 5321 5.1: the MX data field MUST contain a domain name; an address there is
      // skipped (J6-T1), as Exim's allow_mx_to_ip = false does.
      result.findings.push_back("mx-ip-literal:" + h.name);
      continue;
    }
    Lookup l = LookupAddresses(resolver, h.name, options.use_ipv6);
    if (l.via_cname) {
      // RFC 2181 10.3 forbids it; followed for the address only (J6-T2).
      result.findings.push_back((h.implicit ? "domain-a-cname:" : "mx-cname:") + h.name + "->" +
                                l.canonical);
    }
    if (l.temp_failure) {
      temp_failure = true;
      temp_detail = l.detail;
      if (!h.implicit) result.findings.push_back("mx-temp-fail:" + h.name);
    }
    if (l.addresses.empty() && !l.temp_failure && !h.implicit)
      result.findings.push_back("mx-no-address:" + h.name);
    if (h.implicit && l.nxdomain && l.addresses.empty())
      return Finish(result, RouteStatus::kNoSuchDomain, "no such domain " + std::string(domain));
    h.addresses = std::move(l.addresses);
    resolved.push_back(std::move(h));
  }

  // RFC 5321 5.1: if this MTA is in the list, discard that preference level and every
  // higher-numbered one; nothing left is an error, the message MUST be returned.
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    if (!IsSelf(resolved[i], options)) continue;
    std::uint16_t level = resolved[i].preference;
    result.findings.push_back("mx-self:" + resolved[i].name);
    resolved.erase(std::remove_if(resolved.begin(), resolved.end(),
                                  [level](const MailHost& h) { return h.preference >= level; }),
                   resolved.end());
    if (resolved.empty())
      return Finish(result, RouteStatus::kMxPointsToSelf,
                    "mail for " + std::string(domain) + " loops back to myself");
    break;
  }

  for (auto& h : resolved)
    if (!h.addresses.empty()) result.hosts.push_back(std::move(h));
  if (result.hosts.empty()) {
    if (temp_failure) return Finish(result, RouteStatus::kTempFail, temp_detail);
    // RFC 5321 5.1: MX present but none usable, or the implicit MX unusable: an error.
    return Finish(result, RouteStatus::kNoUsableHost,
                  "no mail exchanger or address for " + std::string(domain));
  }
  return Finish(result, RouteStatus::kOk, "");
}

}  // namespace mta::dns
