// resolver.h: the abstract DNS resolver used by mail routing, and its query result.
//
// RFC 1035 4.1.1 RCODEs mapped for a mail client (RFC 5321 5.1): NOERROR with records ->
// kOk; NOERROR without records of the type -> kNoData (RFC 2308 2.2); NXDOMAIN ->
// kNxDomain (RFC 2308 2.1); SERVFAIL, REFUSED, timeouts and malformed answers -> kTempFail.
// CNAMEs are followed (RFC 1034 3.6.2, at most kMaxCnameHops): `answers` holds the records
// of the asked type owned by `canonical_name`.
//   QueryResult r = resolver.Query("example.com", RrType::kMx);
//   if (r.status == QueryStatus::kOk) for (auto& rr : r.answers) ...
#ifndef MTA_DNS_RESOLVER_H_
#define MTA_DNS_RESOLVER_H_

#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/dns/message.h"

namespace mta::dns {

inline constexpr int kMaxCnameHops = 8;

enum class QueryStatus { kOk, kNxDomain, kNoData, kTempFail };
enum class TempFailReason { kNone, kServFail, kTimeout, kRefused, kMalformed, kNetwork };

struct QueryResult {
  QueryStatus status = QueryStatus::kTempFail;
  TempFailReason reason = TempFailReason::kNone;  // set when status == kTempFail
  std::vector<ResourceRecord> answers;  // records of the asked type (all, for ANY)
  std::string canonical_name;           // the name the answers belong to
  bool via_cname = false;               // canonical_name was reached through CNAME(s)
  bool used_tcp = false;                // an answer came over TCP (after TC=1)
  std::string detail;                   // human-readable, e.g. "SERVFAIL from 127.0.0.53:53"
};

std::string QueryStatusName(QueryStatus status);    // "ok", "nxdomain", "nodata", "tempfail"
std::string TempFailReasonName(TempFailReason r);   // "servfail", "timeout", ...

class Resolver {
 public:
  virtual ~Resolver() = default;
  virtual QueryResult Query(std::string_view name, RrType type) = 0;
};

}  // namespace mta::dns

#endif  // MTA_DNS_RESOLVER_H_
