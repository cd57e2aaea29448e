// case.h: one conformance case (rfc-cases/<area>/<id>.json) and one disputed point
// (rfc-cases/disputes/<point>.json), parsed with errors that name file, field and step.
//
// The documented format is rfc-cases/schema/case.schema.json and dispute.schema.json;
// no JSON Schema library is used: LoadCase/LoadDispute enforce it here.
//
//   Case c = ParseCase(json, "rfc-cases/session/a4-unknown-verb.json");
//   c.script[3].kind == StepKind::kSendLine
#ifndef MTA_HARNESS_SCRIPT_CASE_H_
#define MTA_HARNESS_SCRIPT_CASE_H_

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/script/step.h"

namespace mta::script {

// A case or dispute file that does not follow the schema. what() is
// "FILE: FIELD: reason", e.g. "x.json: script[4]: unknown step 'fo'".
class CaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SpecRef {
  int rfc = 0;            // 821, 1123, 1870, 2821, 2920, 3461, 5321, ...
  std::string section;    // "4.2.4"
  std::string quote;      // the sentence, verbatim (optional)
};

enum class Role { kServer, kClient, kBounce };  // target as server / as client / its bounces
std::string_view RoleName(Role r);

// One observation rule: the first rule whose condition holds names the observation.
struct Rule {
  std::string observation;
  nlohmann::json when;  // condition, see ValidateCondition
};

struct Case {
  std::string file;
  std::string id;       // stable, "[a-z0-9][a-z0-9.-]*"
  std::string title;
  std::string area;     // folder under rfc-cases/
  std::vector<SpecRef> spec;
  std::string level;    // MUST, SHOULD, MAY, UNSPECIFIED
  std::string point;    // disputed-point slug, a file in rfc-cases/disputes/
  std::vector<std::string> tags;      // "slow" cases run only when asked
  std::vector<std::string> requires_; // EHLO keywords the target must advertise
  std::vector<std::string> needs;     // target facilities: "sink", "mailbox", "dns"
  // Where the script connects from: "untrusted" (default; the run's pool of untrusted
  // addresses, 127.0.0.2 first) or "relay-client" (127.0.0.3, the trusted relay client
  // of disputed-points.md P, which the managed targets let relay).
  std::string source = "untrusted";
  Role role = Role::kServer;
  int timeout_ms = 15000;
  int observe_ms = 5000;              // default "within" of observe steps
  std::string description;
  std::vector<Step> script;
  std::vector<Rule> rules;

  bool HasTag(std::string_view t) const;
  // Names of observe steps, in script order.
  std::vector<std::string> ObserveNames() const;
};

struct Verdict {
  std::string verdict;    // PASS, NON_STRICT, FAIL, INFO
  std::string rationale;
};

struct Side {
  std::string position;
  std::vector<SpecRef> spec;
};

struct Dispute {
  std::string file;
  std::string id;         // slug, e.g. "unknown-command-code"
  std::string ref;        // section of the reference catalogue, e.g. "A4"
  std::string title;
  bool disputed = true;   // false: plain requirement, counted in the level scores
  std::string question;
  std::vector<Side> sides;
  std::map<std::string, std::string> positions;  // must hold "qmail" and "critics"
  std::vector<std::string> sources;
  std::map<std::string, std::string> observations;  // vocabulary: name -> meaning
  std::vector<std::string> observation_order;
  // profile -> observation -> verdict.
  std::map<std::string, std::map<std::string, Verdict>> verdicts;
};

// Profiles every dispute must judge.
const std::vector<std::string>& RequiredProfiles();
// The outcome vocabulary of the harness (PASS NON_STRICT FAIL INFO UNSUPPORTED SKIP ERROR TIMEOUT).
const std::vector<std::string>& VerdictNames();
bool IsJudgementVerdict(std::string_view v);  // PASS NON_STRICT FAIL INFO

// Checks a condition of an observation rule. `observes` are the case's observe step
// names; throws CaseError("where: reason").
//   {"step": NAME, "code": "5xx", "enhanced": "5.1", "regex": "...", "closed": bool,
//    "timeout": bool, "index": k, "count": "2xx", "min": n, "max": n}
//   {"all": [..]} {"any": [..]} {"not": C} {"failed": bool} {"always": true}
void ValidateCondition(const nlohmann::json& c, const std::vector<std::string>& observes,
                       const std::string& where);

// Effect conditions: what the target did later, seen by the capture sink or in a mailbox
// (rfc-cases/README.md "Effects"). A condition object may hold "sink", "bounce" or
// "mailbox", each an object:
//   {"sink": {"kind": "any"|"relay"|"bounce", "within": MS, "count": ">=1", "regex": R,
//             "raw_regex": R, "header_regex": R, "mail_from": R, "rcpt": R, "params": R,
//             "helo_verb": "EHLO"|"HELO"|"", "helo": R, "listener": R, "anomaly": NAME,
//             "complete": true, "quit": "waited"|"closed-early"|"no-quit",
//             "eod_reply": "waited"|"closed-early"}}
//   {"bounce": {"within": MS, "count": ..., "format": "rfc3464"|"qsbmf"|"other-report"|
//               "vendor-text"|"not-a-bounce"|"other", "violations": "none"|"some"|"errors",
//               "violation": ID, "field": "Action", "value_regex": R, "header_regex": R,
//               "regex": R, "raw_regex": R, "mail_from": R, "rcpt": R, "listener": R,
//               "complete": true}}
//   {"mailbox": {"user": "{user}", "within": MS, "count": ..., "regex": R, "header_regex": R}}
inline constexpr int kDefaultWithinMs = 20000;
// Longest "within" (an hour: a retry schedule's first retry, RFC 5321 4.5.4.1), and the
// longest a case without the "slow" tag may use.
inline constexpr int kMaxWithinMs = 3'600'000;
inline constexpr int kMaxQuickWithinMs = 120'000;

// "count" of an effect condition: "N" (exactly), ">=N", "<=N", ">N", "<N".
struct CountSpec {
  long long lo = 1;
  long long hi = -1;  // -1: no upper bound
  bool Matches(long long n) const { return n >= lo && (hi < 0 || n <= hi); }
};
CountSpec ParseCountSpec(std::string_view text);  // throws std::invalid_argument

struct EffectRef {
  std::string kind;      // "sink", "bounce", "mailbox"
  nlohmann::json spec;
};
// Every effect condition in the case's rules (nested ones included), in rule order.
std::vector<EffectRef> EffectConditions(const Case& c);
void CollectEffects(const nlohmann::json& cond, std::vector<EffectRef>* out);
// Facilities the effect conditions of a condition need ("sink", "mailbox").
std::vector<std::string> EffectFacilities(const nlohmann::json& cond);

Case ParseCase(const nlohmann::json& j, const std::string& file);
Case LoadCase(const std::string& path);
Dispute ParseDispute(const nlohmann::json& j, const std::string& file);
Dispute LoadDispute(const std::string& path);

// JSON of a case as read (for describe and run.json).
nlohmann::json CaseToJson(const Case& c);

}  // namespace mta::script

#endif  // MTA_HARNESS_SCRIPT_CASE_H_
