// smtp_json.cc: see smtp_json.h.
#include "harness/cli/smtp_json.h"

#include <stdexcept>

namespace mta::cli {

using nlohmann::json;

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
  json j;
  j["ok"] = p.ok;
  json deviations = json::array();
  for (auto d : p.deviations) deviations.push_back(std::string(smtp::LeniencyName(d)));
  json limits = json::array();
  for (const auto& f : p.limit_findings)
    limits.push_back({{"limit", std::string(f.name)},
                      {"section", std::string(f.section)},
                      {"max", f.limit_value},
                      {"actual", f.actual}});
  if (p.ok) {
    j["local_part"] = p.local_part;
    j["domain"] = p.domain.empty() ? json(nullptr) : json(p.domain);
    j["route"] = p.route;
    j["null"] = p.is_null;
    j["postmaster"] = p.is_postmaster;
  } else {
    j["local_part"] = nullptr;
    j["domain"] = nullptr;
    j["route"] = json::array();
  }
  j["deviations"] = deviations;
  j["limits"] = limits;
  j["error"] = p.ok ? json(nullptr) : json(p.error);
  return j;
}

}  // namespace mta::cli
