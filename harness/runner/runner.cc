// runner.cc: see runner.h.
#include "harness/runner/runner.h"

#include <atomic>
#include <ctime>
#include <mutex>
#include <semaphore>
#include <thread>

#include "harness/judge/judge.h"

namespace mta::runner {
namespace {

// Executions that may wait for effects at once, beyond the --jobs running scripts.
constexpr std::size_t kMaxWaiting = 160;

std::string NowIso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

report::Result Base(const script::Case& c, const std::string& target) {
  report::Result r;
  r.case_id = c.id;
  r.target = target;
  r.point = c.point;
  r.level = c.level;
  return r;
}

void SetAll(report::Result* r, const script::Dispute* d, const std::string& verdict) {
  r->verdict = verdict;
  if (d)
    for (const auto& [p, table] : d->verdicts) r->verdicts[p] = verdict;
  else
    for (const std::string& p : script::RequiredProfiles()) r->verdicts[p] = verdict;
}

}  // namespace

std::vector<const script::Case*> SelectCases(const script::Catalogue& cat, const RunOptions& o) {
  std::vector<const script::Case*> out;
  bool slow_asked = o.include_slow;
  for (const std::string& t : o.tags)
    if (t == "slow") slow_asked = true;
  for (const script::Case& c : cat.cases) {
    if (!o.case_globs.empty()) {
      bool any = false;
      for (const std::string& g : o.case_globs)
        if (script::GlobMatch(g, c.id) || script::GlobMatch(g, c.point)) any = true;
      if (!any) continue;
    }
    if (!o.tags.empty()) {
      bool any = false;
      for (const std::string& t : o.tags)
        for (const std::string& ct : c.tags)
          if (script::GlobMatch(t, ct)) any = true;
      if (!any) continue;
    }
    if (c.HasTag("slow") && !slow_asked) continue;
    out.push_back(&c);
  }
  return out;
}

report::Result NotRun(const script::Case& c, const script::Dispute* d, const std::string& target,
                      const std::string& verdict, const std::string& message) {
  report::Result r = Base(c, target);
  r.message = message;
  SetAll(&r, d, verdict);
  return r;
}

report::Result Decide(const script::Case& c, const script::Dispute& d, const ScriptRun& run,
                      const std::string& target, const std::string& profile) {
  report::Result r = Base(c, target);
  r.replies = run.replies;
  r.transcript = run.transcript;
  r.duration_ms = run.duration_ms;
  r.message = run.message;
  switch (run.status) {
    case ScriptStatus::kTimeout: SetAll(&r, &d, "TIMEOUT"); return r;
    case ScriptStatus::kError: SetAll(&r, &d, "ERROR"); return r;
    case ScriptStatus::kUnsupported: SetAll(&r, &d, "UNSUPPORTED"); return r;
    case ScriptStatus::kCompleted: break;
  }
  std::optional<std::string> obs = judge::Observe(c, run.facts);
  if (!obs) {
    SetAll(&r, &d, "ERROR");
    if (r.message.empty()) r.message = "no observation rule matched";
    else r.message = "no observation rule matched; " + r.message;
    return r;
  }
  r.observation = *obs;
  for (const auto& [p, table] : d.verdicts) {
    auto v = judge::Judge(d, p, *obs);
    r.verdicts[p] = v ? v->verdict : "ERROR";
  }
  auto it = r.verdicts.find(profile);
  r.verdict = it == r.verdicts.end() ? "ERROR" : it->second;
  if (it == r.verdicts.end()) r.message = "point " + d.id + " has no profile " + profile;
  return r;
}

void DescribeCatalogue(const script::Catalogue& cat, report::Run* run) {
  for (const auto& [id, d] : cat.disputes) {
    report::PointInfo p;
    p.title = d.title;
    p.ref = d.ref;
    p.disputed = d.disputed;
    p.observations = d.observations;
    for (const auto& [prof, table] : d.verdicts)
      for (const auto& [o, v] : table) p.verdicts[prof][o] = v.verdict;
    run->points[id] = p;
  }
  for (const script::Case& c : cat.cases) {
    report::CaseInfo ci;
    ci.title = c.title;
    ci.area = c.area;
    ci.level = c.level;
    ci.point = c.point;
    for (const script::SpecRef& s : c.spec)
      ci.spec.push_back("RFC " + std::to_string(s.rfc) + " " + s.section);
    run->cases[c.id] = ci;
  }
}

report::Run RunAll(const script::Catalogue& cat, const std::vector<Target*>& targets,
                   const RunOptions& o, const std::function<void(const report::Result&)>& progress) {
  report::Run run;
  run.profile = o.profile;
  run.started = NowIso();
  DescribeCatalogue(cat, &run);
  std::vector<const script::Case*> cases = SelectCases(cat, o);
  std::mutex mu;
  auto emit = [&](report::Result r) {
    std::lock_guard<std::mutex> lock(mu);
    if (progress) progress(r);
    run.results.push_back(std::move(r));
  };
  for (Target* t : targets) {
    t->Start();
    report::TargetInfo ti;
    ti.name = t->name();
    ti.host = t->address().host;
    ti.port = t->address().port;
    ti.version = t->version();
    Probe probe = ProbeTarget(t->address(), o.source_ip, o.probe_timeout_ms);
    ti.banner = probe.banner;
    ti.ehlo = probe.ehlo;
    ti.error = probe.error;
    run.targets.push_back(ti);
    const auto vars = t->variables();
    EngineOptions eo;
    eo.source_ip = o.source_ip;
    eo.sink = o.sink;
    if (t->HasFacility("mailbox"))
      eo.read_mailbox = [t](const std::string& user) { return t->ReadMailbox(user); };
    eo.settled = [t](const std::string& token) { return t->Settled(token); };
    std::atomic<std::size_t> next{0};
    const int jobs = o.jobs < 1 ? 1 : (o.jobs > 64 ? 64 : o.jobs);
    std::counting_semaphore<64> slots(jobs);
    auto worker = [&]() {
      while (true) {
        std::size_t i = next++;
        if (i >= cases.size()) return;
        const script::Case& c = *cases[i];
        const script::Dispute* d = cat.FindDispute(c.point);
        if (!d) {
          emit(NotRun(c, nullptr, t->name(), "ERROR", "point " + c.point + " is not defined"));
          continue;
        }
        if (!probe.error.empty()) {
          emit(NotRun(c, d, t->name(), "ERROR", "target unreachable: " + probe.error));
          continue;
        }
        std::string missing;
        for (const std::string& k : c.requires_)
          if (!probe.Advertises(k)) missing += (missing.empty() ? "" : ", ") + k;
        if (!missing.empty()) {
          emit(NotRun(c, d, t->name(), "UNSUPPORTED", missing + " not advertised"));
          continue;
        }
        std::string lacking;
        for (const std::string& n : c.needs)
          if (!t->HasFacility(n)) lacking += (lacking.empty() ? "" : ", ") + n;
        if (c.role != script::Role::kServer && !t->HasFacility("sink"))
          lacking += std::string(lacking.empty() ? "" : ", ") + "sink";
        if (!lacking.empty()) {
          emit(NotRun(c, d, t->name(), "UNSUPPORTED",
                      "the target has no " + lacking + " (needs an observer)"));
          continue;
        }
        bool uses_sink = false;
        for (const script::EffectRef& e : script::EffectConditions(c))
          if (e.kind != "mailbox") uses_sink = true;
        if (uses_sink && !o.sink) {
          emit(NotRun(c, d, t->name(), "UNSUPPORTED", "the run has no capture sink"));
          continue;
        }
        EngineOptions ceo = eo;
        if (c.source == "relay-client") ceo.source_ip = o.relay_source_ip;
        else if (!o.source_pool.empty()) ceo.source_ip = o.source_pool[i % o.source_pool.size()];
        // --jobs bounds the scripts talking to the target at once; an execution that only
        // waits for later effects (sink, bounce, mailbox windows of up to 30 s) gives its
        // slot to the next case.
        slots.acquire();
        bool held = true;
        ceo.on_script_end = [&] {
          if (held) slots.release();
          held = false;
        };
        ScriptRun sr = RunScript(c, t->address(), vars, ceo);
        if (held) slots.release();
        emit(Decide(c, *d, sr, t->name(), o.profile));
      }
    };
    // Threads: the script slots plus executions waiting for effects.
    const std::size_t threads = std::min<std::size_t>(cases.size(), static_cast<std::size_t>(jobs) + kMaxWaiting);
    std::vector<std::thread> pool;
    for (std::size_t j = 0; j < std::max<std::size_t>(threads, 1); ++j) pool.emplace_back(worker);
    for (std::thread& th : pool) th.join();
    t->Stop();
  }
  // Stable order: target order, then case id.
  std::map<std::string, std::size_t> tpos;
  for (std::size_t i = 0; i < run.targets.size(); ++i) tpos[run.targets[i].name] = i;
  std::stable_sort(run.results.begin(), run.results.end(),
                   [&](const report::Result& a, const report::Result& b) {
                     if (a.target != b.target) return tpos[a.target] < tpos[b.target];
                     return a.case_id < b.case_id;
                   });
  run.finished = NowIso();
  return run;
}

}  // namespace mta::runner
