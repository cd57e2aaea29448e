// fake_resolver.h: an in-memory Resolver for tests of code that routes mail.
//
// Records are added per name; a name with records of other types answers kNoData, an
// unknown name kNxDomain; SetStatus forces a result (e.g. kTempFail on MX only); CNAMEs
// are followed like StubResolver does. Every query is logged.
//   FakeResolver dns;
//   dns.AddMx("example.test", 10, "mx.example.test");  dns.AddA("mx.example.test", "192.0.2.1");
//   dns.SetStatus("bad.test", RrType::kMx, QueryStatus::kTempFail);
#ifndef MTA_DNS_FAKE_RESOLVER_H_
#define MTA_DNS_FAKE_RESOLVER_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "mta/dns/resolver.h"
#include "mta/lib/dns/name.h"

namespace mta::dns {

class FakeResolver : public Resolver {
 public:
  void Add(ResourceRecord rr) {
    std::string key = CanonicalName(rr.name);
    records_[key].push_back(std::move(rr));
  }
  void AddA(std::string_view name, std::string_view address) { Add(MakeA(name, address)); }
  void AddAaaa(std::string_view name, std::string_view address) { Add(MakeAaaa(name, address)); }
  void AddMx(std::string_view name, std::uint16_t pref, std::string_view exchange) {
    Add(MakeMx(name, pref, exchange));
  }
  void AddCname(std::string_view name, std::string_view target) { Add(MakeCname(name, target)); }
  void SetStatus(std::string_view name, RrType type, QueryStatus status,
                 TempFailReason reason = TempFailReason::kServFail) {
    forced_[{CanonicalName(name), type}] = {status, reason};
  }

  QueryResult Query(std::string_view name, RrType type) override {
    log_.emplace_back(std::string(name), type);
    QueryResult r;
    std::string current = CanonicalName(name);
    for (int hop = 0; hop <= kMaxCnameHops; ++hop) {
      r.canonical_name = current;
      auto f = forced_.find({current, type});
      if (f != forced_.end()) {
        r.status = f->second.first;
        r.reason = r.status == QueryStatus::kTempFail ? f->second.second : TempFailReason::kNone;
        return r;
      }
      auto it = records_.find(current);
      if (it == records_.end()) {
        r.status = QueryStatus::kNxDomain;
        return r;
      }
      const ResourceRecord* cname = nullptr;
      for (const auto& rr : it->second) {
        if (rr.type == type || type == RrType::kAny) r.answers.push_back(rr);
        if (rr.type == RrType::kCname) cname = &rr;
      }
      if (!r.answers.empty() || !cname || type == RrType::kCname) {
        r.status = r.answers.empty() ? QueryStatus::kNoData : QueryStatus::kOk;
        return r;
      }
      current = CanonicalName(std::get<NameRdata>(cname->data).name);
      r.via_cname = true;
    }
    r.status = QueryStatus::kTempFail;
    r.reason = TempFailReason::kMalformed;
    return r;
  }

  const std::vector<std::pair<std::string, RrType>>& log() const { return log_; }
  int CountQueries(std::string_view name, RrType type) const {
    int n = 0;
    for (const auto& q : log_)
      if (NamesEqual(q.first, name) && q.second == type) ++n;
    return n;
  }

 private:
  std::map<std::string, std::vector<ResourceRecord>> records_;
  std::map<std::pair<std::string, RrType>, std::pair<QueryStatus, TempFailReason>> forced_;
  std::vector<std::pair<std::string, RrType>> log_;
};

}  // namespace mta::dns

#endif  // MTA_DNS_FAKE_RESOLVER_H_
