// run_model.h: the results of a run, as written to run.json (schema_version 1) and read
// back by `mtaspec report` to merge runs.
//
// run.json:
//   {"schema_version": 1, "harness": "mtaspec 0.1.0", "profile": "strict",
//    "started": "2025-01-01T00:00:00Z", "finished": "...", "cases_hash": "...",
//    "targets": [{"name", "host", "port", "version", "banner", "ehlo": [..], "error"}],
//    "points": {point: {"title", "ref", "disputed", "observations": {..},
//               "verdicts": {profile: {observation: verdict}}}},
//    "cases": {id: {"title", "area", "level", "point", "spec": [..]}},
//    "results": [{"case", "target", "point", "level", "observation", "verdict",
//                 "verdicts": {profile: verdict}, "message",
//                 "replies": [{"step", "code", "enhanced", "text"}],
//                 "duration_ms", "transcript"}]}
#ifndef MTA_HARNESS_REPORT_RUN_MODEL_H_
#define MTA_HARNESS_REPORT_RUN_MODEL_H_

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mta::report {

inline constexpr int kRunSchemaVersion = 1;

struct ReplyEntry {
  int step = 0;  // script index
  int code = 0;
  std::string enhanced;
  std::string text;
};

struct Result {
  std::string case_id;
  std::string target;
  std::string point;
  std::string level;
  std::string observation;  // empty when none was made (ERROR, TIMEOUT, ...)
  std::string verdict;      // under the run's profile
  std::map<std::string, std::string> verdicts;  // profile -> verdict
  std::string message;      // why ERROR/UNSUPPORTED/..., or the failed expectation
  std::vector<ReplyEntry> replies;
  long duration_ms = 0;
  std::string transcript;
};

struct TargetInfo {
  std::string name;
  std::string host;
  int port = 0;
  std::string version;
  std::string banner;
  std::vector<std::string> ehlo;
  std::string error;  // probe failure
};

struct PointInfo {
  std::string title;
  std::string ref;
  bool disputed = true;
  std::map<std::string, std::string> observations;  // vocabulary
  std::map<std::string, std::map<std::string, std::string>> verdicts;  // profile -> obs -> verdict
};

struct CaseInfo {
  std::string title;
  std::string area;
  std::string level;
  std::string point;
  std::vector<std::string> spec;  // "RFC 5321 4.2.4"
};

struct Run {
  int schema_version = kRunSchemaVersion;
  std::string harness = "mtaspec 0.1.0";
  std::string profile = "strict";
  std::string started;
  std::string finished;
  std::vector<TargetInfo> targets;
  std::map<std::string, PointInfo> points;
  std::map<std::string, CaseInfo> cases;
  std::vector<Result> results;
};

nlohmann::json ToJson(const Run& r);
// Throws std::invalid_argument on a document that is not a run.json of a known version.
Run FromJson(const nlohmann::json& j);

// Several runs as one (targets and results appended; a target name seen twice keeps the
// later run's results).
Run Merge(const std::vector<Run>& runs);

}  // namespace mta::report

#endif  // MTA_HARNESS_REPORT_RUN_MODEL_H_
