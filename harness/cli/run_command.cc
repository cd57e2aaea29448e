// run_command.cc: lint, list, describe, run and report (see run_command.h).
#include "harness/cli/run_command.h"

#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "harness/dns/fixture.h"
#include "harness/dns/zone.h"
#include "harness/report/run_model.h"
#include "harness/report/writers.h"
#include "harness/runner/expectations.h"
#include "harness/runner/runner.h"
#include "harness/script/catalogue.h"
#include "harness/sink/standard.h"
#include "harness/targets/interrupt.h"
#include "harness/targets/target_factory.h"

namespace mta::cli {
namespace {

constexpr int kOk = 0, kMismatch = 1, kHarness = 2;

// disputed-points.md P: the DNS fixture's address; the peers' resolv.conf names it.
constexpr const char* kDnsFixtureIp = "127.0.0.53";
constexpr int kDnsFixturePort = 53;

bool LoadClean(const CatalogueArgs& a, script::Catalogue* cat, std::ostream& err) {
  *cat = script::LoadCatalogue(a.cases_dir);
  std::vector<std::string> problems = script::Lint(*cat);
  for (const std::string& p : problems) err << "mtaspec: " << p << "\n";
  return problems.empty();
}

runner::RunOptions Options(const CatalogueArgs& a) {
  runner::RunOptions o;
  o.case_globs = a.cases;
  o.tags = a.tags;
  o.include_slow = a.slow;
  return o;
}

std::string Stamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace

int RunLint(const CatalogueArgs& a, std::ostream& out, std::ostream& err) {
  script::Catalogue cat;
  if (!LoadClean(a, &cat, err)) return kHarness;
  out << "ok: " << cat.cases.size() << " cases, " << cat.disputes.size() << " points\n";
  return kOk;
}

int RunList(const CatalogueArgs& a, std::ostream& out, std::ostream& err) {
  script::Catalogue cat;
  if (!LoadClean(a, &cat, err)) return kHarness;
  for (const script::Case* c : runner::SelectCases(cat, Options(a))) {
    if (a.json) {
      out << nlohmann::json{{"id", c->id}, {"point", c->point}, {"level", c->level},
                            {"tags", c->tags}, {"title", c->title}}.dump() << "\n";
      continue;
    }
    std::string tags;
    for (const std::string& t : c->tags) tags += (tags.empty() ? "" : ",") + t;
    out << c->id << "  " << c->level << "  " << c->point << "  " << c->title
        << (tags.empty() ? "" : "  [" + tags + "]") << "\n";
  }
  return kOk;
}

int RunDescribe(const CatalogueArgs& a, const std::string& id, std::ostream& out, std::ostream& err) {
  script::Catalogue cat;
  if (!LoadClean(a, &cat, err)) return kHarness;
  const script::Case* c = cat.Find(id);
  if (!c) {
    err << "mtaspec: no case '" << id << "'\n";
    return kHarness;
  }
  nlohmann::json j = script::CaseToJson(*c);
  if (const script::Dispute* d = cat.FindDispute(c->point)) {
    nlohmann::json v;
    for (const auto& [p, table] : d->verdicts)
      for (const auto& [o, verdict] : table) v[p][o] = {{"verdict", verdict.verdict}, {"why", verdict.rationale}};
    j["dispute"] = {{"id", d->id}, {"ref", d->ref}, {"question", d->question},
                    {"observations", d->observations}, {"verdicts", v}};
  }
  out << j.dump(2) << "\n";
  return kOk;
}

int RunRun(const RunArgs& a, std::ostream& out, std::ostream& err) {
  // First, before any thread starts: signals go to the guard's watcher only.
  mta::targets::InterruptGuard interrupt;
  script::Catalogue cat;
  if (!LoadClean(a.cat, &cat, err)) return kHarness;
  if (a.targets.empty()) {
    err << "mtaspec: run needs --target\n";
    return kHarness;
  }
  bool profile_known = false;
  for (const auto& [id, d] : cat.disputes)
    if (d.verdicts.count(a.profile)) profile_known = true;
  if (!profile_known) {
    err << "mtaspec: unknown profile '" << a.profile << "'\n";
    return kHarness;
  }
  // Managed targets (refmta, the sandboxed peers) are started by the runner; they are
  // stopped and their run directories removed on every way out: return, exception, and
  // SIGINT/SIGTERM/SIGHUP (the guard's watcher thread, which then ends the process by
  // that signal).
  if (std::string why = mta::targets::CheckPrivileges(a.targets); !why.empty()) {
    err << "mtaspec: " << why << "\n";
    return kHarness;
  }
  const std::string dir = a.out.empty() ? "reports/" + Stamp() : a.out;
  mta::targets::ManagedOptions managed;
  managed.refmta = a.refmta;
  if (a.keep_logs) managed.logs_dir = dir + "/logs";
  if (a.sources.empty()) {
    err << "mtaspec: --source needs an address\n";
    return kHarness;
  }
  managed.source_ip = a.sources.front();
  std::vector<std::unique_ptr<runner::Target>> owned;
  std::vector<runner::Target*> targets;
  try {
    for (const std::string& t : a.targets) {
      owned.push_back(mta::targets::MakeTarget(t, managed));
      targets.push_back(owned.back().get());
    }
  } catch (const std::invalid_argument& e) {
    err << "mtaspec: " << e.what() << "\n";
    return kHarness;
  }
  interrupt.OnInterrupt([&owned](int) {
    for (auto& t : owned) t->Stop();
  });
  struct StopTargets {
    mta::targets::InterruptGuard& guard;
    std::vector<std::unique_ptr<runner::Target>>& owned;
    ~StopTargets() {
      guard.OnInterrupt(nullptr);
      for (auto& t : owned) t->Stop();
    }
  } stop_targets{interrupt, owned};
  std::vector<runner::Expectations> expectations;
  for (const std::string& f : a.expect) {
    std::ifstream in(f);
    if (!in) {
      if (a.update_expectations) continue;  // created below
      err << "mtaspec: cannot read " << f << "\n";
      return kHarness;
    }
    try {
      expectations.push_back(runner::ParseExpectations(nlohmann::json::parse(in)));
    } catch (const std::exception& e) {
      err << "mtaspec: " << f << ": " << e.what() << "\n";
      return kHarness;
    }
  }
  runner::RunOptions o = Options(a.cat);
  o.profile = a.profile;
  o.jobs = a.jobs;
  o.source_ip = a.sources.front();
  o.source_pool = a.sources;
  // The DNS fixture (harness/dns) when a selected case needs "dns" and some target
  // resolves through it; with it, the sink's MX listeners on port 25.
  std::unique_ptr<dnsfixture::DnsFixture> dns;
  bool wants_dns = false, resolves = false;
  for (const script::Case* c : runner::SelectCases(cat, o))
    for (const std::string& n : c->needs) wants_dns |= n == "dns";
  for (runner::Target* t : targets) resolves |= t->HasFacility("dns");
  if (wants_dns && resolves) {
    const std::string zone_file =
        mta::targets::FindSourceRoot(managed) + "/harness/dns/zones/fixture.json";
    dnsfixture::Zone zone;
    std::string why;
    if (!dnsfixture::Zone::Load(zone_file, &zone, &why)) {
      err << "mtaspec: DNS fixture zone " << zone_file << ": " << why << "\n";
      return kHarness;
    }
    dns = std::make_unique<dnsfixture::DnsFixture>(std::move(zone));
    if (!dns->Start(kDnsFixtureIp, kDnsFixturePort, &why)) {
      err << "mtaspec: DNS fixture on " << kDnsFixtureIp << ":" << kDnsFixturePort << ": " << why
          << "\n";
      return kHarness;
    }
  }
  struct StopDns {
    std::unique_ptr<dnsfixture::DnsFixture>& f;
    ~StopDns() {
      if (f) f->Stop();
    }
  } stop_dns{dns};
  // The run's capture sink (harness/sink/standard.h), when a target relays to it.
  std::unique_ptr<sink::CaptureSink> capture;
  for (runner::Target* t : targets)
    if (!capture && t->HasFacility("sink")) {
      std::vector<sink::CaptureSink::Listener> listeners = sink::StandardListeners();
      if (dns)
        for (sink::CaptureSink::Listener& l : sink::MxListeners()) listeners.push_back(std::move(l));
      capture = std::make_unique<sink::CaptureSink>(std::move(listeners));
      try {
        capture->Start();
      } catch (const std::exception& e) {
        err << "mtaspec: capture sink: " << e.what() << "\n";
        return kHarness;
      }
      o.sink = capture.get();
    }
  const std::size_t total = runner::SelectCases(cat, o).size() * targets.size();
  const bool tty = a.progress && ::isatty(2);
  std::size_t done = 0;
  report::Run run;
  try {
    run = runner::RunAll(cat, targets, o, [&](const report::Result& r) {
      ++done;
      if (tty)
        err << "\r\033[K[" << done << "/" << total << "] " << r.target << " " << r.case_id << " "
            << r.verdict << std::flush;
    });
  } catch (const std::exception& e) {
    err << "mtaspec: " << e.what() << "\n";
    return kHarness;
  }
  if (tty) err << "\r\033[K";
  try {
    report::WriteReport(run, dir);
  } catch (const std::exception& e) {
    err << "mtaspec: " << e.what() << "\n";
    return kHarness;
  }
  if (dns) {
    // The fixture's query log (query types show e.g. ANY lookups, reference J4-T2).
    std::ofstream q(dir + "/dns-queries.jsonl");
    for (const dnsfixture::QueryLogEntry& e : dns->log()) q << dnsfixture::QueryLogJson(e) << "\n";
  }
  int code = kOk;
  bool unreachable = false;
  for (const report::TargetInfo& t : run.targets)
    if (!t.error.empty()) {
      err << "mtaspec: target " << t.name << " unreachable: " << t.error << "\n";
      unreachable = true;
    }
  std::map<std::string, int> counts;
  for (const report::Result& r : run.results) ++counts[r.verdict];
  out << "mtaspec: " << run.results.size() << " results (profile " << run.profile << "):";
  for (const auto& [v, n] : counts) out << " " << v << "=" << n;
  out << "; report in " << dir << "\n";
  for (const report::TargetInfo& t : run.targets) {
    const runner::Expectations* e = nullptr;
    for (const runner::Expectations& x : expectations)
      if (x.target == t.name || (run.targets.size() == 1 && expectations.size() == 1)) e = &x;
    if (a.update_expectations) {
      std::string file;
      for (std::size_t i = 0; i < a.expect.size(); ++i)
        if (a.expect.size() == 1 || (i < expectations.size() && expectations[i].target == t.name)) file = a.expect[i];
      if (file.empty()) file = a.cat.cases_dir + "/expectations/" + t.name + ".json";
      runner::Expectations upd = runner::FromRun(run, t.name, e);
      std::ofstream f(file);
      f << runner::ExpectationsToJson(upd).dump(2) << "\n";
      if (!f) {
        err << "mtaspec: cannot write " << file << "\n";
        return kHarness;
      }
      out << "mtaspec: wrote " << file << "\n";
      continue;
    }
    runner::Expectations none;
    runner::Comparison c = runner::Compare(run, t.name, e ? *e : none);
    for (const std::string& l : c.unexpected) out << "UNEXPECTED " << t.name << " " << l << "\n";
    for (const std::string& l : c.unexpected_pass) out << "UNEXPECTED-PASS " << t.name << " " << l << "\n";
    if (e)
      for (const std::string& l : c.other_changes) out << "CHANGED " << t.name << " " << l << "\n";
    if (!c.ok()) code = kMismatch;
  }
  if (unreachable) return kHarness;
  return code;
}

int RunReport(const std::vector<std::string>& dirs, const std::string& out_dir, std::ostream& out,
              std::ostream& err) {
  std::vector<report::Run> runs;
  for (const std::string& d : dirs) {
    std::string f = std::filesystem::is_directory(d) ? d + "/run.json" : d;
    std::ifstream in(f);
    if (!in) {
      err << "mtaspec: cannot read " << f << "\n";
      return kHarness;
    }
    try {
      runs.push_back(report::FromJson(nlohmann::json::parse(in)));
    } catch (const std::exception& e) {
      err << "mtaspec: " << f << ": " << e.what() << "\n";
      return kHarness;
    }
  }
  report::Run merged = report::Merge(runs);
  // Transcripts live in run.json; WriteReport writes them again under out_dir/cases.
  try {
    report::WriteReport(merged, out_dir);
  } catch (const std::exception& e) {
    err << "mtaspec: " << e.what() << "\n";
    return kHarness;
  }
  out << "mtaspec: merged " << runs.size() << " runs, " << merged.targets.size() << " targets into "
      << out_dir << "\n";
  return kOk;
}

}  // namespace mta::cli
