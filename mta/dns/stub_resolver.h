// stub_resolver.h: a DNS stub resolver over UDP with TCP retry (RFC 1035 4.2, RFC 7766).
//
// Each query goes to the configured servers in order, `attempts` rounds, `timeout_ms` per
// try. UDP first; an answer with TC=1 is retried over TCP to the same server (RFC 1035
// 4.2.2, RFC 7766 5). Answers are accepted only from the queried server's address and port
// with the query's id and question (RFC 5452 4.3); anything else is ignored. SERVFAIL and
// REFUSED move on to the next server; the last failure is reported as kTempFail.
//   StubResolver r({{{"127.0.0.53", 53}}, 2000, 2});
//   QueryResult mx = r.Query("example.com", RrType::kMx);
#ifndef MTA_DNS_STUB_RESOLVER_H_
#define MTA_DNS_STUB_RESOLVER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "mta/dns/config.h"
#include "mta/dns/resolver.h"

namespace mta::dns {

class StubResolver : public Resolver {
 public:
  // `random_id` draws query ids (default: a std::random_device-seeded generator).
  explicit StubResolver(ResolverConfig config,
                        std::function<std::uint16_t()> random_id = nullptr);
  QueryResult Query(std::string_view name, RrType type) override;

  // One exchange for one question, without CNAME chasing. True with the answer (RCODE
  // NOERROR or NXDOMAIN) in *answer; false when every try failed, *info then holding the
  // kTempFail result. info->used_tcp and info->detail are set either way.
  bool Exchange(const std::string& name, RrType type, Message* answer, QueryResult* info);

 private:
  ResolverConfig config_;
  std::function<std::uint16_t()> random_id_;
};

}  // namespace mta::dns

#endif  // MTA_DNS_STUB_RESOLVER_H_
