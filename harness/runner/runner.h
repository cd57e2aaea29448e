// runner.h: selects cases, runs them against targets concurrently and judges them.
//
//   RunOptions o; o.profile = "interop"; o.jobs = 4; o.case_globs = {"b2.*"};
//   report::Run run = RunAll(catalogue, targets, o, progress_callback);
#ifndef MTA_HARNESS_RUNNER_RUNNER_H_
#define MTA_HARNESS_RUNNER_RUNNER_H_

#include <functional>
#include <string>
#include <vector>

#include "harness/report/run_model.h"
#include "harness/runner/target.h"
#include "harness/script/catalogue.h"

namespace mta::runner {

struct RunOptions {
  std::string profile = "strict";
  std::vector<std::string> case_globs;  // empty: all
  std::vector<std::string> tags;        // any of them; empty: all
  bool include_slow = false;            // cases tagged "slow" only when asked
  int jobs = 4;
  std::string source_ip = "127.0.0.2";  // the probe's address, and the pool's default
  // Untrusted source addresses, one per case execution in turn (case index modulo the
  // pool size, so a selection always maps the same way); empty: source_ip only. None
  // may be trusted by any target (refmta trusts nothing by default; the peers trust
  // 127.0.0.3 only).
  std::vector<std::string> source_pool;
  std::string relay_source_ip = "127.0.0.3";  // cases with "source": "relay-client"
  int probe_timeout_ms = 5000;
  // The run's capture sink (effect conditions "sink"/"bounce"); null: such cases are
  // UNSUPPORTED.
  const sink::CaptureSink* sink = nullptr;
};

// Cases matching the globs and tags; "slow" ones only with include_slow or --tag slow.
std::vector<const script::Case*> SelectCases(const script::Catalogue& cat, const RunOptions& o);

// Judges one script run: observation and verdicts (ERROR/TIMEOUT/UNSUPPORTED apply to
// every profile).
report::Result Decide(const script::Case& c, const script::Dispute& d, const ScriptRun& run,
                      const std::string& target, const std::string& profile);

// Result for a case that was not run (UNSUPPORTED / SKIP / ERROR), for every profile.
report::Result NotRun(const script::Case& c, const script::Dispute* d, const std::string& target,
                      const std::string& verdict, const std::string& message);

// Runs the selected cases against every target (targets are started, probed, stopped).
// progress is called once per finished result, from worker threads but serialised.
// Throws std::runtime_error when a target cannot be started.
report::Run RunAll(const script::Catalogue& cat, const std::vector<Target*>& targets,
                   const RunOptions& o, const std::function<void(const report::Result&)>& progress);

// run.json's "points" and "cases" maps for a catalogue.
void DescribeCatalogue(const script::Catalogue& cat, report::Run* run);

}  // namespace mta::runner

#endif  // MTA_HARNESS_RUNNER_RUNNER_H_
