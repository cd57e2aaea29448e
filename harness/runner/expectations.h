// expectations.h: known results per target (rfc-cases/expectations/<target>.json) and
// the comparison that gives `mtaspec run --expect` its exit code.
//
//   {"schema_version": 1, "target": "postfix", "profile": "strict",
//    "results": {"a4.unknown-verb": {"verdict": "PASS", "observation": "code-500",
//                                    "note": "..."}}}
//   "verdict" may also be a list (intermittent results).
#ifndef MTA_HARNESS_RUNNER_EXPECTATIONS_H_
#define MTA_HARNESS_RUNNER_EXPECTATIONS_H_

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/report/run_model.h"

namespace mta::runner {

struct Expected {
  std::vector<std::string> verdicts;
  std::string observation;
  std::string note;
};

struct Expectations {
  std::string target;
  std::string profile = "strict";
  std::map<std::string, Expected> results;  // case id -> expected
};

Expectations ParseExpectations(const nlohmann::json& j);  // throws std::invalid_argument
nlohmann::json ExpectationsToJson(const Expectations& e);

// Expectations that describe `run`'s results for `target` (update mode); notes of
// `previous` entries are kept.
Expectations FromRun(const report::Run& run, const std::string& target, const Expectations* previous);

struct Comparison {
  std::vector<std::string> unexpected;       // "case: FAIL (expected PASS)": gate fails
  std::vector<std::string> unexpected_pass;  // expected a failure, got better
  std::vector<std::string> other_changes;    // different but not gating
  bool ok() const { return unexpected.empty(); }
};

// Results of `target` in `run` against `e`. A case missing from `e` counts as expected
// to be PASS/NON_STRICT/INFO/UNSUPPORTED/SKIP.
Comparison Compare(const report::Run& run, const std::string& target, const Expectations& e);

}  // namespace mta::runner

#endif  // MTA_HARNESS_RUNNER_EXPECTATIONS_H_
