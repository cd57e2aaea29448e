// smtp_json.cc: see smtp_json.h.
#include "harness/cli/smtp_json.h"

#include <stdexcept>

namespace mta::cli {

using json = nlohmann::ordered_json;

smtp::LeniencySet LeniencySetFromNames(const std::vector<std::string>& names) {
  smtp::LeniencySet set;
  for (const std::string& n : names) {
    auto l = smtp::ParseLeniency(n);
    if (!l) {
      std::string known;
      for (auto k : smtp::LeniencyNames()) known += (known.empty() ? "" : ", ") + std::string(k);
      throw std::invalid_argument("unknown leniency \"" + n + "\" (known: " + known + ")");
    }
    set.Add(*l);
  }
  return set;
}

json PathToJson(const smtp::ParsedPath& p) {
  json deviations = json::array();
  for (auto d : p.deviations) deviations.push_back(std::string(smtp::LeniencyName(d)));
  json limits = json::array();
  for (const auto& f : p.limit_findings)
    limits.push_back({{"limit", std::string(f.name)},
                      {"section", std::string(f.section)},
                      {"max", f.limit_value},
                      {"actual", f.actual}});
  json j;
  j["ok"] = p.ok;
  j["local_part"] = p.ok ? json(p.local_part) : json(nullptr);
  j["domain"] = p.ok && !p.domain.empty() ? json(p.domain) : json(nullptr);
  j["route"] = p.ok ? json(p.route) : json::array();
  j["deviations"] = deviations;
  j["error"] = p.ok ? json(nullptr) : json(p.error);
  j["null"] = p.ok && p.is_null;
  j["postmaster"] = p.ok && p.is_postmaster;
  j["limits"] = limits;
  return j;
}

}  // namespace mta::cli
