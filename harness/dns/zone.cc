// zone.cc: JSON zone loading and authoritative answers for the DNS fixture.
#include "harness/dns/zone.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "mta/lib/dns/name.h"
#include "mta/lib/dns/wire.h"

namespace mta::dnsfixture {
namespace {

using nlohmann::json;
using dns::RrType;

std::string Substitute(std::string s, int i) {
  const std::string key = "{i}";
  for (std::size_t at = s.find(key); at != std::string::npos; at = s.find(key, at))
    s.replace(at, key.size(), std::to_string(i));
  return s;
}

std::string Str(const json& entry, const char* field, int i) {
  if (!entry.contains(field) || !entry[field].is_string())
    throw std::invalid_argument(std::string("missing string field \"") + field + "\"");
  return Substitute(entry[field].get<std::string>(), i);
}

dns::ResourceRecord RecordFromJson(const json& entry, std::uint32_t default_ttl, int i) {
  if (!entry.is_object()) throw std::invalid_argument("record is not an object");
  dns::ResourceRecord rr;
  rr.name = Str(entry, "name", i);
  std::string type = Str(entry, "type", i);
  if (!dns::RrTypeFromName(type, &rr.type)) throw std::invalid_argument("unknown type " + type);
  rr.ttl = entry.value("ttl", default_ttl);
  switch (rr.type) {
    case RrType::kA:
    case RrType::kAaaa:
      rr.data = dns::AddressRdata{Str(entry, "address", i)};
      break;
    case RrType::kMx: {
      int pref = entry.value("preference", 0) + (i - 1) * entry.value("preference_step", 0);
      if (pref < 0 || pref > 65535) throw std::invalid_argument("bad preference");
      rr.data = dns::MxRdata{static_cast<std::uint16_t>(pref), Str(entry, "exchange", i)};
      break;
    }
    case RrType::kCname:
    case RrType::kNs:
    case RrType::kPtr:
      rr.data = dns::NameRdata{Str(entry, "target", i)};
      break;
    case RrType::kTxt: {
      dns::TxtRdata t;
      const json& text = entry.contains("strings") ? entry["strings"] : entry.value("text", json());
      if (text.is_string()) {
        t.strings.push_back(Substitute(text.get<std::string>(), i));
      } else if (text.is_array()) {
        for (const auto& s : text) {
          if (!s.is_string()) throw std::invalid_argument("TXT strings must be strings");
          t.strings.push_back(Substitute(s.get<std::string>(), i));
        }
      } else {
        throw std::invalid_argument("TXT needs \"text\" (string) or \"strings\" (array)");
      }
      rr.data = std::move(t);
      break;
    }
    default:
      throw std::invalid_argument("type " + type + " is not supported in zone files");
  }
  // Validate by encoding once.
  dns::Message probe;
  probe.answers.push_back(rr);
  dns::SerializeResult s = dns::Serialize(probe);
  if (!s.ok()) throw std::invalid_argument(s.error);
  return rr;
}

void RulesFromJson(const json& list, Behaviour behaviour, Zone* zone) {
  if (!list.is_array()) throw std::invalid_argument("rule list is not an array");
  for (const auto& item : list) {
    ZoneRule rule;
    rule.behaviour = behaviour;
    std::string name;
    if (item.is_string()) {
      name = item.get<std::string>();
    } else if (item.is_object()) {
      name = Str(item, "name", 0);
      if (item.contains("type")) {
        dns::RrType t;
        if (!item["type"].is_string() || !dns::RrTypeFromName(item["type"].get<std::string>(), &t))
          throw std::invalid_argument("bad rule type");
        rule.type = t;
      }
    } else {
      throw std::invalid_argument("rule is neither a name nor an object");
    }
    rule.name = dns::CanonicalName(name);
    if (rule.name.empty()) throw std::invalid_argument("bad rule name " + name);
    zone->AddRule(rule);
  }
}

// True when `name` is `ancestor` or lies below it.
bool AtOrBelow(const std::string& name, const std::string& ancestor) {
  if (ancestor == ".") return true;
  if (name == ancestor) return true;
  return name.size() > ancestor.size() + 1 &&
         name.compare(name.size() - ancestor.size(), ancestor.size(), ancestor) == 0 &&
         name[name.size() - ancestor.size() - 1] == '.' &&
         (name.size() - ancestor.size() < 2 || name[name.size() - ancestor.size() - 2] != '\\');
}

}  // namespace

bool Zone::FromJson(std::string_view text, Zone* zone, std::string* error) {
  json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    *error = "zone: not a JSON object";
    return false;
  }
  std::size_t index = 0;
  try {
    std::uint32_t ttl = doc.value("ttl", 300u);
    if (doc.contains("records")) {
      if (!doc["records"].is_array()) throw std::invalid_argument("\"records\" is not an array");
      for (const auto& entry : doc["records"]) {
        int repeat = entry.is_object() ? entry.value("repeat", 1) : 1;
        if (repeat < 1 || repeat > 1000) throw std::invalid_argument("bad repeat");
        for (int i = 1; i <= repeat; ++i) zone->Add(RecordFromJson(entry, ttl, i));
        ++index;
      }
    }
    index = 0;
    if (doc.contains("servfail")) RulesFromJson(doc["servfail"], Behaviour::kServFail, zone);
    if (doc.contains("refused")) RulesFromJson(doc["refused"], Behaviour::kRefused, zone);
    if (doc.contains("timeout")) RulesFromJson(doc["timeout"], Behaviour::kTimeout, zone);
  } catch (const std::exception& e) {
    *error = "zone: record " + std::to_string(index) + ": " + e.what();
    return false;
  }
  return true;
}

bool Zone::Load(const std::string& path, Zone* zone, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (!FromJson(text.str(), zone, error)) {
    *error = path + ": " + *error;
    return false;
  }
  return true;
}

void Zone::Add(dns::ResourceRecord rr) {
  records_[dns::CanonicalName(rr.name)].push_back(std::move(rr));
}

void Zone::AddRule(ZoneRule rule) { rules_.push_back(std::move(rule)); }

std::size_t Zone::record_count() const {
  std::size_t n = 0;
  for (const auto& [name, list] : records_) n += list.size();
  return n;
}

Behaviour Zone::BehaviourFor(const dns::Question& q) const {
  std::string name = dns::CanonicalName(q.name);
  for (const auto& rule : rules_)
    if (AtOrBelow(name, rule.name) && (!rule.type || *rule.type == q.type)) return rule.behaviour;
  return Behaviour::kAnswer;
}

bool Zone::NameExists(const std::string& canonical) const {
  if (records_.count(canonical)) return true;
  // An empty non-terminal (RFC 8020 / RFC 2308 2.2: NODATA, not NXDOMAIN).
  for (const auto& [name, list] : records_)
    if (AtOrBelow(name, canonical)) return true;
  return false;
}

std::optional<dns::Message> Zone::Answer(const dns::Message& query) const {
  using dns::Rcode;
  if (query.qr) return std::nullopt;  // never answer answers
  if (query.opcode != 0) return dns::MakeResponse(query, Rcode::kNotImp);
  if (query.questions.size() != 1) return dns::MakeResponse(query, Rcode::kFormErr);
  const dns::Question& q = query.questions[0];
  switch (BehaviourFor(q)) {
    case Behaviour::kServFail: return dns::MakeResponse(query, Rcode::kServFail, false);
    case Behaviour::kRefused: return dns::MakeResponse(query, Rcode::kRefused, false);
    case Behaviour::kTimeout: return std::nullopt;
    case Behaviour::kAnswer: break;
  }
  dns::Message reply = dns::MakeResponse(query, Rcode::kNoError);
  std::string current = dns::CanonicalName(q.name);
  if (current.empty()) return dns::MakeResponse(query, Rcode::kFormErr);
  for (int hop = 0; hop <= 8; ++hop) {
    if (!NameExists(current)) {
      // RFC 6604 3: after CNAMEs, the RCODE describes the last name.
      reply.rcode = static_cast<std::uint8_t>(Rcode::kNxDomain);
      return reply;
    }
    auto it = records_.find(current);
    if (it == records_.end()) return reply;  // empty non-terminal: NODATA
    const dns::ResourceRecord* cname = nullptr;
    bool found = false;
    for (const auto& rr : it->second) {
      if (rr.type == q.type || q.type == RrType::kAny) {
        reply.answers.push_back(rr);
        found = true;
      }
      if (rr.type == RrType::kCname) cname = &rr;
    }
    if (found || !cname) return reply;
    // RFC 1034 4.3.2 step 3a: the CNAME goes into the answer and the search restarts at
    // its target.
    reply.answers.push_back(*cname);
    current = dns::CanonicalName(std::get<dns::NameRdata>(cname->data).name);
    if (current.empty()) return reply;
  }
  return reply;
}

}  // namespace mta::dnsfixture
