// writers.cc: run.json, junit.xml, summary.md and transcripts (index.html: html.cc).
#include "harness/report/writers.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace mta::report {
namespace {

std::string Xml(std::string_view s) {
  std::string o;
  for (unsigned char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default:
        // XML 1.0 has no control characters besides TAB, LF, CR.
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') o += "?";
        else o += static_cast<char>(c);
    }
  }
  return o;
}

std::string Tail(const std::string& t, std::size_t lines) {
  if (t.empty()) return t;
  std::size_t pos = t.size();
  for (std::size_t n = 0; n <= lines && pos > 0; ++n) {
    pos = t.rfind('\n', pos - 1);
    if (pos == std::string::npos) return t;
  }
  return pos == 0 ? t : t.substr(pos + 1);
}

void WriteFile(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::string SafeName(const std::string& s) {
  std::string o;
  for (char c : s) o += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  return o;
}

}  // namespace

std::string JunitXml(const Run& run) {
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mtaspec\">\n";
  for (const TargetInfo& t : run.targets) {
    int tests = 0, failures = 0, errors = 0, skipped = 0;
    for (const Result& r : run.results) {
      if (r.target != t.name) continue;
      ++tests;
      if (r.verdict == "FAIL") ++failures;
      else if (r.verdict == "ERROR" || r.verdict == "TIMEOUT") ++errors;
      else if (r.verdict == "UNSUPPORTED" || r.verdict == "SKIP") ++skipped;
    }
    o << "  <testsuite name=\"" << Xml(t.name) << "\" tests=\"" << tests << "\" failures=\""
      << failures << "\" errors=\"" << errors << "\" skipped=\"" << skipped << "\">\n";
    for (const Result& r : run.results) {
      if (r.target != t.name) continue;
      auto ci = run.cases.find(r.case_id);
      std::string area = ci == run.cases.end() ? "" : ci->second.area;
      o << "    <testcase classname=\"" << Xml(area) << "\" name=\"" << Xml(r.case_id)
        << "\" time=\"" << r.duration_ms / 1000.0 << "\">\n";
      o << "      <properties><property name=\"verdict\" value=\"" << r.verdict
        << "\"/><property name=\"observation\" value=\"" << Xml(r.observation)
        << "\"/><property name=\"point\" value=\"" << Xml(r.point) << "\"/><property name=\"profile\" value=\""
        << Xml(run.profile) << "\"/></properties>\n";
      std::string expected;
      if (auto p = run.points.find(r.point); p != run.points.end())
        if (auto pr = p->second.verdicts.find(run.profile); pr != p->second.verdicts.end())
          for (const auto& [obs, v] : pr->second)
            if (v == "PASS" || v == "NON_STRICT" || v == "INFO") expected += (expected.empty() ? "" : "|") + obs;
      if (r.verdict == "FAIL")
        o << "      <failure message=\"expected: " << Xml(expected) << "; observed: " << Xml(r.observation)
          << "\">" << Xml(Tail(r.transcript, 20)) << "</failure>\n";
      else if (r.verdict == "ERROR" || r.verdict == "TIMEOUT")
        o << "      <error type=\"" << r.verdict << "\" message=\"" << Xml(r.message) << "\">"
          << Xml(Tail(r.transcript, 20)) << "</error>\n";
      else if (r.verdict == "UNSUPPORTED" || r.verdict == "SKIP")
        o << "      <skipped message=\"" << Xml(r.message) << "\"/>\n";
      else
        o << "      <system-out>" << Xml(r.verdict + ": " + r.observation) << "</system-out>\n";
      o << "    </testcase>\n";
    }
    o << "  </testsuite>\n";
  }
  o << "</testsuites>\n";
  return o.str();
}

std::string SummaryMarkdown(const Run& run) {
  std::ostringstream o;
  o << "# mtaspec run (profile `" << run.profile << "`)\n\n";
  o << "Started " << run.started << ", finished " << run.finished << ".\n\n";
  static const char* kOrder[] = {"PASS", "NON_STRICT", "FAIL", "INFO", "UNSUPPORTED", "SKIP", "ERROR", "TIMEOUT"};
  o << "| target | banner |";
  for (const char* v : kOrder) o << " " << v << " |";
  o << " MUST score | SHOULD score | disputed |\n|---|---|";
  for (std::size_t i = 0; i < std::size(kOrder) + 3; ++i) o << "---|";
  o << "\n";
  for (const TargetInfo& t : run.targets) {
    std::map<std::string, int> n;
    int must = 0, must_ok = 0, should = 0, should_ok = 0, disputed = 0;
    for (const Result& r : run.results) {
      if (r.target != t.name) continue;
      ++n[r.verdict];
      bool is_disputed = true;
      if (auto p = run.points.find(r.point); p != run.points.end()) is_disputed = p->second.disputed;
      // Disputed points never fold into the MUST/SHOULD scores.
      if (is_disputed) {
        ++disputed;
        continue;
      }
      if (r.verdict != "PASS" && r.verdict != "NON_STRICT" && r.verdict != "FAIL") continue;
      if (r.level == "MUST") {
        ++must;
        must_ok += r.verdict != "FAIL";
      } else if (r.level == "SHOULD") {
        ++should;
        should_ok += r.verdict == "PASS";
      }
    }
    o << "| " << t.name << " | " << (t.error.empty() ? t.banner : "unreachable: " + t.error) << " |";
    for (const char* v : kOrder) o << " " << n[v] << " |";
    o << " " << must_ok << "/" << must << " | " << should_ok << "/" << should << " | " << disputed << " |\n";
  }
  o << "\n## Failures and errors\n\n";
  bool any = false;
  for (const Result& r : run.results) {
    if (r.verdict != "FAIL" && r.verdict != "ERROR" && r.verdict != "TIMEOUT") continue;
    any = true;
    o << "- **" << r.verdict << "** `" << r.case_id << "` on " << r.target << ": "
      << (r.observation.empty() ? r.message : "observed `" + r.observation + "`") << " "
      << "([transcript](cases/" << SafeName(r.target) << "/" << SafeName(r.case_id) << ".txt))\n";
  }
  if (!any) o << "None.\n";
  o << "\n## Disputed points (observed behaviour, then verdict per profile)\n\n";
  o << "| point | target | observed | strict | interop | hardened | qmail |\n|---|---|---|---|---|---|---|\n";
  for (const Result& r : run.results) {
    auto v = [&](const char* p) {
      auto it = r.verdicts.find(p);
      return it == r.verdicts.end() ? std::string("-") : it->second;
    };
    o << "| " << r.point << " (`" << r.case_id << "`) | " << r.target << " | "
      << (r.observation.empty() ? "-" : r.observation) << " | " << v("strict") << " | " << v("interop")
      << " | " << v("hardened") << " | " << v("qmail") << " |\n";
  }
  return o.str();
}

void WriteReport(const Run& run, const std::string& dir) {
  namespace fs = std::filesystem;
  fs::path d(dir);
  std::error_code ec;
  fs::create_directories(d, ec);
  if (ec) throw std::runtime_error("cannot create " + dir + ": " + ec.message());
  WriteFile(d / "run.json", ToJson(run).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  WriteFile(d / "junit.xml", JunitXml(run));
  WriteFile(d / "summary.md", SummaryMarkdown(run));
  WriteFile(d / "index.html", IndexHtml(run));
  for (const Result& r : run.results) {
    if (r.transcript.empty()) continue;
    WriteFile(d / "cases" / SafeName(r.target) / (SafeName(r.case_id) + ".txt"),
              "# " + r.case_id + " on " + r.target + ": " + r.verdict +
                  (r.observation.empty() ? "" : " (" + r.observation + ")") +
                  (r.message.empty() ? "" : "\n# " + r.message) + "\n" + r.transcript);
  }
}

}  // namespace mta::report
