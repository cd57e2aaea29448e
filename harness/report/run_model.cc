// run_model.cc: run.json reading and writing (see run_model.h).
#include "harness/report/run_model.h"

#include <set>
#include <stdexcept>

namespace mta::report {

using nlohmann::json;

json ToJson(const Run& r) {
  json j;
  j["schema_version"] = r.schema_version;
  j["harness"] = r.harness;
  j["profile"] = r.profile;
  j["started"] = r.started;
  j["finished"] = r.finished;
  j["targets"] = json::array();
  for (const TargetInfo& t : r.targets)
    j["targets"].push_back({{"name", t.name}, {"host", t.host}, {"port", t.port},
                            {"version", t.version}, {"banner", t.banner}, {"ehlo", t.ehlo},
                            {"error", t.error}});
  j["points"] = json::object();
  for (const auto& [id, p] : r.points)
    j["points"][id] = {{"title", p.title}, {"ref", p.ref}, {"disputed", p.disputed},
                       {"observations", p.observations}, {"verdicts", p.verdicts}};
  j["cases"] = json::object();
  for (const auto& [id, c] : r.cases)
    j["cases"][id] = {{"title", c.title}, {"area", c.area}, {"level", c.level},
                      {"point", c.point}, {"spec", c.spec}};
  j["results"] = json::array();
  for (const Result& x : r.results) {
    json reps = json::array();
    for (const ReplyEntry& e : x.replies)
      reps.push_back({{"step", e.step}, {"code", e.code}, {"enhanced", e.enhanced}, {"text", e.text}});
    j["results"].push_back({{"case", x.case_id}, {"target", x.target}, {"point", x.point},
                            {"level", x.level}, {"observation", x.observation},
                            {"verdict", x.verdict}, {"verdicts", x.verdicts},
                            {"message", x.message}, {"replies", reps},
                            {"duration_ms", x.duration_ms}, {"transcript", x.transcript}});
  }
  return j;
}

Run FromJson(const json& j) {
  try {
    Run r;
    r.schema_version = j.at("schema_version").get<int>();
    if (r.schema_version != kRunSchemaVersion)
      throw std::invalid_argument("unsupported run.json schema_version " + std::to_string(r.schema_version));
    r.harness = j.value("harness", "");
    r.profile = j.at("profile").get<std::string>();
    r.started = j.value("started", "");
    r.finished = j.value("finished", "");
    for (const json& t : j.at("targets")) {
      TargetInfo ti;
      ti.name = t.at("name").get<std::string>();
      ti.host = t.value("host", "");
      ti.port = t.value("port", 0);
      ti.version = t.value("version", "");
      ti.banner = t.value("banner", "");
      ti.ehlo = t.value("ehlo", std::vector<std::string>{});
      ti.error = t.value("error", "");
      r.targets.push_back(ti);
    }
    for (auto it = j.at("points").begin(); it != j.at("points").end(); ++it) {
      PointInfo p;
      p.title = it->value("title", "");
      p.ref = it->value("ref", "");
      p.disputed = it->value("disputed", true);
      p.observations = it->value("observations", std::map<std::string, std::string>{});
      p.verdicts = it->value("verdicts", std::map<std::string, std::map<std::string, std::string>>{});
      r.points[it.key()] = p;
    }
    for (auto it = j.at("cases").begin(); it != j.at("cases").end(); ++it) {
      CaseInfo c;
      c.title = it->value("title", "");
      c.area = it->value("area", "");
      c.level = it->value("level", "");
      c.point = it->value("point", "");
      c.spec = it->value("spec", std::vector<std::string>{});
      r.cases[it.key()] = c;
    }
    for (const json& x : j.at("results")) {
      Result res;
      res.case_id = x.at("case").get<std::string>();
      res.target = x.at("target").get<std::string>();
      res.point = x.value("point", "");
      res.level = x.value("level", "");
      res.observation = x.value("observation", "");
      res.verdict = x.at("verdict").get<std::string>();
      res.verdicts = x.value("verdicts", std::map<std::string, std::string>{});
      res.message = x.value("message", "");
      for (const json& e : x.value("replies", json::array()))
        res.replies.push_back({e.value("step", 0), e.value("code", 0), e.value("enhanced", ""),
                               e.value("text", "")});
      res.duration_ms = x.value("duration_ms", 0L);
      res.transcript = x.value("transcript", "");
      r.results.push_back(res);
    }
    return r;
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("not a run.json: ") + e.what());
  }
}

Run Merge(const std::vector<Run>& runs) {
  Run out;
  if (runs.empty()) return out;
  out.profile = runs.back().profile;
  out.started = runs.front().started;
  out.finished = runs.back().finished;
  std::set<std::string> names;
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    for (const TargetInfo& t : it->targets) {
      if (!names.insert(t.name).second) continue;
      out.targets.insert(out.targets.begin(), t);
      for (const Result& x : it->results)
        if (x.target == t.name) out.results.push_back(x);
    }
    for (const auto& [k, v] : it->points) out.points.emplace(k, v);
    for (const auto& [k, v] : it->cases) out.cases.emplace(k, v);
  }
  // One profile for the whole matrix: the last run's.
  for (Result& x : out.results)
    if (auto v = x.verdicts.find(out.profile); v != x.verdicts.end()) x.verdict = v->second;
  return out;
}

}  // namespace mta::report
