// zone.h: the DNS fixture's zone -- records and scripted failures -- and its answer logic.
//
// Authoritative answers (RFC 1034 4.3.2, RFC 1035 4.3.2): records of the asked type; a
// CNAME at the name is returned and followed inside the zone (RFC 1034 3.6.2); a name with
// no records that is not an ancestor of one -> NXDOMAIN; otherwise NOERROR/NODATA (RFC 2308).
// Rules force SERVFAIL, REFUSED or no answer at all ("timeout") for a name (and the names
// under it), optionally for one type only. The JSON format is in harness/dns/README.md.
//   Zone z;  std::string e;
//   Zone::FromJson(R"({"records":[{"name":"a.test","type":"A","address":"127.0.0.1"}]})", &z, &e);
//   std::optional<Message> reply = z.Answer(MakeQuery(1, "a.test", RrType::kA));
#ifndef MTA_HARNESS_DNS_ZONE_H_
#define MTA_HARNESS_DNS_ZONE_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/dns/message.h"

namespace mta::dnsfixture {

enum class Behaviour { kAnswer, kServFail, kRefused, kTimeout };

struct ZoneRule {
  std::string name;                   // canonical; applies to the name and names below it
  std::optional<dns::RrType> type;    // only this query type, or all
  Behaviour behaviour = Behaviour::kServFail;
};

class Zone {
 public:
  // Parses the JSON zone format; false with a reason naming the offending entry.
  static bool FromJson(std::string_view json_text, Zone* zone, std::string* error);
  static bool Load(const std::string& path, Zone* zone, std::string* error);

  void Add(dns::ResourceRecord rr);
  void AddRule(ZoneRule rule);

  // What a query gets: kAnswer with the response, or a scripted failure.
  Behaviour BehaviourFor(const dns::Question& q) const;
  // The response to `query`, or nullopt when the fixture must stay silent (timeout rule).
  std::optional<dns::Message> Answer(const dns::Message& query) const;

  std::size_t record_count() const;

 private:
  bool NameExists(const std::string& canonical) const;
  std::map<std::string, std::vector<dns::ResourceRecord>> records_;  // by canonical owner
  std::vector<ZoneRule> rules_;
};

}  // namespace mta::dnsfixture

#endif  // MTA_HARNESS_DNS_ZONE_H_
