// expectations.cc: see expectations.h.
#include "harness/runner/expectations.h"

#include <algorithm>
#include <stdexcept>

namespace mta::runner {
namespace {

bool Gating(const std::string& v) { return v == "FAIL" || v == "ERROR" || v == "TIMEOUT"; }

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : "|") + x;
  return s;
}

}  // namespace

Expectations ParseExpectations(const nlohmann::json& j) {
  Expectations e;
  try {
    if (j.value("schema_version", 1) != 1) throw std::invalid_argument("unsupported expectations schema_version");
    e.target = j.value("target", "");
    e.profile = j.value("profile", "strict");
    for (auto it = j.at("results").begin(); it != j.at("results").end(); ++it) {
      Expected x;
      const nlohmann::json& v = it.value();
      const nlohmann::json& verdict = v.is_object() ? v.at("verdict") : v;
      if (verdict.is_string()) x.verdicts.push_back(verdict.get<std::string>());
      else x.verdicts = verdict.get<std::vector<std::string>>();
      if (v.is_object()) {
        x.observation = v.value("observation", "");
        x.note = v.value("note", "");
      }
      e.results[it.key()] = x;
    }
  } catch (const nlohmann::json::exception& ex) {
    throw std::invalid_argument(std::string("bad expectations file: ") + ex.what());
  }
  return e;
}

nlohmann::json ExpectationsToJson(const Expectations& e) {
  nlohmann::json j = {{"schema_version", 1}, {"target", e.target}, {"profile", e.profile}};
  j["results"] = nlohmann::json::object();
  for (const auto& [id, x] : e.results) {
    nlohmann::json v;
    v["verdict"] = x.verdicts.size() == 1 ? nlohmann::json(x.verdicts[0]) : nlohmann::json(x.verdicts);
    if (!x.observation.empty()) v["observation"] = x.observation;
    if (!x.note.empty()) v["note"] = x.note;
    j["results"][id] = v;
  }
  return j;
}

Expectations FromRun(const report::Run& run, const std::string& target, const Expectations* prev) {
  Expectations e;
  e.target = target;
  e.profile = run.profile;
  for (const report::Result& r : run.results) {
    if (r.target != target) continue;
    Expected x;
    x.verdicts = {r.verdict};
    x.observation = r.observation;
    if (prev)
      if (auto it = prev->results.find(r.case_id); it != prev->results.end()) x.note = it->second.note;
    e.results[r.case_id] = x;
  }
  return e;
}

Comparison Compare(const report::Run& run, const std::string& target, const Expectations& e) {
  Comparison c;
  for (const report::Result& r : run.results) {
    if (r.target != target) continue;
    std::vector<std::string> want;
    auto it = e.results.find(r.case_id);
    if (it != e.results.end()) {
      want = it->second.verdicts;
      // Another profile than the file's: judge the expected observation instead.
      if (e.profile != run.profile && !it->second.observation.empty()) {
        auto p = run.points.find(r.point);
        if (p != run.points.end())
          if (auto pr = p->second.verdicts.find(run.profile); pr != p->second.verdicts.end())
            if (auto v = pr->second.find(it->second.observation); v != pr->second.end())
              want = {v->second};
      }
    }
    bool expected = it == e.results.end()
                        ? !Gating(r.verdict)
                        : std::find(want.begin(), want.end(), r.verdict) != want.end();
    if (expected) continue;
    std::string line = r.case_id + ": " + r.verdict +
                       (want.empty() ? std::string(" (no expectation)") : " (expected " + Join(want) + ")");
    if (Gating(r.verdict)) c.unexpected.push_back(line);
    else if (std::any_of(want.begin(), want.end(), Gating)) c.unexpected_pass.push_back(line);
    else c.other_changes.push_back(line);
  }
  return c;
}

}  // namespace mta::runner
