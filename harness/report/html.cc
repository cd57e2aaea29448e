// html.cc: index.html, a self-contained Autobahn-style matrix (no external assets):
// cases grouped by area x targets, headline scores, and the disputed-points table that
// shows each target's observed behaviour before each profile's verdict.
#include <map>
#include <set>
#include <sstream>

#include "harness/report/writers.h"

namespace mta::report {
namespace {

std::string H(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string Safe(const std::string& s) {
  std::string o;
  for (char c : s) o += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  return o;
}

const char* kStyle = R"(body{font-family:sans-serif;margin:1em 2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 7px;font-size:13px;vertical-align:top}
th{background:#eee}.PASS{background:#8d8}.NON_STRICT{background:#dd6}.FAIL{background:#e66}
.INFO{background:#9bf}.UNSUPPORTED{background:#ccc}.SKIP{background:#eee}.ERROR{background:#c6c}
.TIMEOUT{background:#f96}td.area{background:#f4f4f4;font-weight:bold}a{color:inherit}
details pre{white-space:pre-wrap;font-size:12px;background:#f8f8f8;padding:6px}small{color:#555})";

}  // namespace

std::string IndexHtml(const Run& run) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>mtaspec report</title><style>"
    << kStyle << "</style></head><body>\n";
  o << "<h1>mtaspec report</h1><p>Profile <b>" << H(run.profile) << "</b>; " << H(run.started)
    << " &ndash; " << H(run.finished) << "; " << H(run.harness) << ".</p>\n";

  // Targets and headline scores (disputed points apart).
  o << "<h2>Targets</h2><table><tr><th>target</th><th>address</th><th>banner</th><th>EHLO</th>"
       "<th>MUST</th><th>SHOULD</th><th>disputed points judged</th></tr>\n";
  for (const TargetInfo& t : run.targets) {
    int must = 0, must_ok = 0, should = 0, should_ok = 0, disputed = 0;
    for (const Result& r : run.results) {
      if (r.target != t.name) continue;
      auto p = run.points.find(r.point);
      if (p == run.points.end() || p->second.disputed) {
        ++disputed;
        continue;
      }
      if (r.verdict != "PASS" && r.verdict != "NON_STRICT" && r.verdict != "FAIL") continue;
      if (r.level == "MUST") { ++must; must_ok += r.verdict != "FAIL"; }
      if (r.level == "SHOULD") { ++should; should_ok += r.verdict == "PASS"; }
    }
    std::string ehlo;
    for (const std::string& k : t.ehlo) ehlo += (ehlo.empty() ? "" : ", ") + k;
    o << "<tr><td>" << H(t.name) << (t.version.empty() ? "" : " " + H(t.version)) << "</td><td>"
      << H(t.host) << ":" << t.port << "</td><td>" << H(t.error.empty() ? t.banner : "unreachable: " + t.error)
      << "</td><td><small>" << H(ehlo) << "</small></td><td>" << must_ok << "/" << must << "</td><td>"
      << should_ok << "/" << should << "</td><td>" << disputed << "</td></tr>\n";
  }
  o << "</table>\n";

  // Matrix.
  std::map<std::pair<std::string, std::string>, const Result*> cell;
  std::set<std::string> ids;
  for (const Result& r : run.results) {
    cell[{r.case_id, r.target}] = &r;
    ids.insert(r.case_id);
  }
  std::map<std::string, std::vector<std::string>> by_area;
  for (const std::string& id : ids) {
    auto c = run.cases.find(id);
    by_area[c == run.cases.end() ? "" : c->second.area].push_back(id);
  }
  o << "<h2>Cases</h2><table><tr><th>case</th><th>level</th><th>spec</th>";
  for (const TargetInfo& t : run.targets) o << "<th>" << H(t.name) << "</th>";
  o << "</tr>\n";
  for (const auto& [area, list] : by_area) {
    o << "<tr><td class=\"area\" colspan=\"" << 3 + run.targets.size() << "\">" << H(area) << "</td></tr>\n";
    for (const std::string& id : list) {
      auto c = run.cases.find(id);
      std::string spec;
      if (c != run.cases.end())
        for (const std::string& s : c->second.spec) spec += (spec.empty() ? "" : "; ") + s;
      o << "<tr><td><a href=\"#c-" << Safe(id) << "\">" << H(id) << "</a><br><small>"
        << H(c == run.cases.end() ? "" : c->second.title) << "</small></td><td>"
        << H(c == run.cases.end() ? "" : c->second.level) << "</td><td><small>" << H(spec) << "</small></td>";
      for (const TargetInfo& t : run.targets) {
        auto it = cell.find({id, t.name});
        if (it == cell.end()) {
          o << "<td>-</td>";
          continue;
        }
        const Result& r = *it->second;
        o << "<td class=\"" << H(r.verdict) << "\"><a href=\"cases/" << Safe(t.name) << "/" << Safe(id)
          << ".txt\">" << H(r.verdict) << "</a><br><small>" << H(r.observation.empty() ? r.message : r.observation)
          << "</small></td>";
      }
      o << "</tr>\n";
    }
  }
  o << "</table>\n";

  // Disputed points: behaviour first, then each profile's verdict.
  o << "<h2>Disputed points</h2><p>Observed behaviour per target, then the verdict each profile "
       "gives it (data: rfc-cases/disputes/).</p><table><tr><th>point</th><th>case</th><th>target</th>"
       "<th>observed</th>";
  std::set<std::string> profiles;
  for (const auto& [id, p] : run.points)
    for (const auto& [prof, t] : p.verdicts) profiles.insert(prof);
  for (const std::string& p : profiles) o << "<th>" << H(p) << "</th>";
  o << "</tr>\n";
  for (const auto& [pid, p] : run.points) {
    for (const std::string& id : ids) {
      auto c = run.cases.find(id);
      if (c == run.cases.end() || c->second.point != pid) continue;
      for (const TargetInfo& t : run.targets) {
        auto it = cell.find({id, t.name});
        if (it == cell.end()) continue;
        const Result& r = *it->second;
        o << "<tr><td>" << H(p.ref) << " " << H(pid) << (p.disputed ? "" : " <small>(not disputed)</small>")
          << "</td><td>" << H(id) << "</td><td>" << H(t.name) << "</td><td>" << H(r.observation);
        if (auto d = p.observations.find(r.observation); d != p.observations.end())
          o << "<br><small>" << H(d->second) << "</small>";
        o << "</td>";
        for (const std::string& prof : profiles) {
          auto v = r.verdicts.find(prof);
          std::string vv = v == r.verdicts.end() ? "-" : v->second;
          o << "<td class=\"" << H(vv) << "\">" << H(vv) << "</td>";
        }
        o << "</tr>\n";
      }
    }
  }
  o << "</table>\n";

  // Per-case details with transcripts.
  o << "<h2>Details</h2>\n";
  for (const std::string& id : ids) {
    auto c = run.cases.find(id);
    o << "<h3 id=\"c-" << Safe(id) << "\">" << H(id) << "</h3><p>"
      << H(c == run.cases.end() ? "" : c->second.title) << "</p>\n";
    for (const TargetInfo& t : run.targets) {
      auto it = cell.find({id, t.name});
      if (it == cell.end()) continue;
      const Result& r = *it->second;
      o << "<details><summary>" << H(t.name) << ": <span class=\"" << H(r.verdict) << "\">"
        << H(r.verdict) << "</span> " << H(r.observation) << " " << H(r.message) << " (" << r.duration_ms
        << " ms)</summary><pre>" << H(r.transcript) << "</pre></details>\n";
    }
  }
  o << "<h2>Legend</h2><table>"
       "<tr><td class=\"PASS\">PASS</td><td>conforms under the profile</td></tr>"
       "<tr><td class=\"NON_STRICT\">NON_STRICT</td><td>a SHOULD is not met; still conformant</td></tr>"
       "<tr><td class=\"FAIL\">FAIL</td><td>a MUST is broken</td></tr>"
       "<tr><td class=\"INFO\">INFO</td><td>unspecified by the RFC; recorded only</td></tr>"
       "<tr><td class=\"UNSUPPORTED\">UNSUPPORTED</td><td>extension not advertised, or the target has no observer</td></tr>"
       "<tr><td class=\"SKIP\">SKIP</td><td>not selected</td></tr>"
       "<tr><td class=\"ERROR\">ERROR</td><td>harness or connection problem</td></tr>"
       "<tr><td class=\"TIMEOUT\">TIMEOUT</td><td>the case did not finish in time</td></tr></table>\n";
  o << "</body></html>\n";
  return o.str();
}

}  // namespace mta::report
