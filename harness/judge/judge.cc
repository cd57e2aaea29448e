// judge.cc: observation rules and verdict tables (see judge.h).
#include "harness/judge/judge.h"

#include <regex>

#include "harness/script/step.h"

namespace mta::judge {
namespace {

using nlohmann::json;

bool EnhancedMatches(const std::string& have, const std::string& prefix) {
  if (have.size() < prefix.size() || have.compare(0, prefix.size(), prefix) != 0) return false;
  return have.size() == prefix.size() || have[prefix.size()] == '.';
}

bool StepHolds(const json& c, const ObserveRecord& r) {
  const int n = static_cast<int>(r.replies.size());
  // The reply the per-reply tests look at: "index" (negative counts from the end).
  const ObservedReply* sel = nullptr;
  int idx = c.value("index", 0);
  if (idx < 0) idx += n;
  if (idx >= 0 && idx < n) sel = &r.replies[idx];
  for (auto it = c.begin(); it != c.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    if (k == "step" || k == "index" || k == "min" || k == "max") continue;
    if (k == "closed") {
      if (r.closed != v.get<bool>()) return false;
    } else if (k == "timeout") {
      if (r.timed_out != v.get<bool>()) return false;
    } else if (k == "code") {
      if (!sel || !script::ParseCodePattern(v.get<std::string>()).Matches(sel->code)) return false;
    } else if (k == "enhanced") {
      if (!sel || !EnhancedMatches(sel->enhanced, v.get<std::string>())) return false;
    } else if (k == "regex") {
      if (!sel) return false;
      if (!std::regex_search(sel->wire, std::regex(v.get<std::string>(), std::regex::ECMAScript)))
        return false;
    } else if (k == "replies") {
      if (n != v.get<int>()) return false;
    } else if (k == "count") {
      script::CodePattern p = script::ParseCodePattern(v.get<std::string>());
      int m = 0;
      for (const ObservedReply& rep : r.replies)
        if (p.Matches(rep.code)) ++m;
      if (c.contains("min") && m < c["min"].get<int>()) return false;
      if (c.contains("max") && m > c["max"].get<int>()) return false;
      if (!c.contains("min") && !c.contains("max") && m == 0) return false;
    }
  }
  if (!c.contains("count")) {
    if (c.contains("min") && n < c["min"].get<int>()) return false;
    if (c.contains("max") && n > c["max"].get<int>()) return false;
  }
  return true;
}

}  // namespace

bool Holds(const json& c, const Facts& f) {
  if (c.contains("always") && !c["always"].get<bool>()) return false;
  if (c.contains("failed") && f.failed != c["failed"].get<bool>()) return false;
  if (c.contains("all"))
    for (const json& s : c["all"])
      if (!Holds(s, f)) return false;
  if (c.contains("any")) {
    bool one = false;
    for (const json& s : c["any"])
      if (Holds(s, f)) { one = true; break; }
    if (!one) return false;
  }
  if (c.contains("not") && Holds(c["not"], f)) return false;
  for (const char* k : {"sink", "bounce", "mailbox"})
    if (c.contains(k) && !EffectHolds(k, c[k], f)) return false;
  if (c.contains("step")) {
    auto it = f.observes.find(c["step"].get<std::string>());
    // A step never reached satisfies nothing but {"not": ...} around it.
    if (it == f.observes.end() || !it->second.reached) return false;
    if (!StepHolds(c, it->second)) return false;
  }
  return true;
}

std::optional<std::string> Observe(const script::Case& c, const Facts& facts) {
  for (const script::Rule& r : c.rules)
    if (Holds(r.when, facts)) return r.observation;
  return std::nullopt;
}

std::optional<script::Verdict> Judge(const script::Dispute& d, const std::string& profile,
                                     const std::string& observation) {
  auto p = d.verdicts.find(profile);
  if (p == d.verdicts.end()) return std::nullopt;
  auto o = p->second.find(observation);
  if (o == p->second.end()) return std::nullopt;
  return o->second;
}

}  // namespace mta::judge
