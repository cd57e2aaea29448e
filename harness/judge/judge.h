// judge.h: from what a script recorded (facts) to an observation name, and from the
// observation to a verdict per profile through the disputed point's table.
//
//   Facts f; f.observes["unknown"].replies = {{502, "5.5.1", "unimplemented", "502 unimplemented"}};
//   Observe(c, f) == "code-502";
//   Judge(dispute, "strict", "code-502") == "NON_STRICT"
#ifndef MTA_HARNESS_JUDGE_JUDGE_H_
#define MTA_HARNESS_JUDGE_JUDGE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/judge/effects.h"
#include "harness/script/case.h"

namespace mta::judge {

struct ObservedReply {
  int code = 0;
  std::string enhanced;  // "5.1.1" or empty (RFC 2034, or qmail's "(#5.1.1)")
  std::string text;      // lines joined by "\n", without codes
  std::string wire;      // as sent, line ends removed, lines joined by "\n"
  int lines = 1;
};

// What one observe step saw.
struct ObserveRecord {
  bool reached = false;      // the step ran
  std::vector<ObservedReply> replies;
  bool closed = false;       // the server closed the connection (EOF) during the step
  bool timed_out = false;    // fewer replies than asked, and no close
};

struct Facts {
  std::map<std::string, ObserveRecord> observes;
  bool failed = false;       // a non-observe expectation failed
  std::string failure;       // its message

  // Effects (conditions "sink", "bounce", "mailbox"; see effects.h).
  std::map<std::string, std::string> vars;  // the execution's variables ({token} included)
  int64_t script_end_unix_ms = 0;           // "within" counts from here
  std::vector<SinkMessage> sink;            // captured messages holding the token
  std::map<std::string, std::vector<MailboxMessage>> mailboxes;  // user -> messages with the token
};

// Evaluates one condition (schema in script/case.h ValidateCondition).
bool Holds(const nlohmann::json& cond, const Facts& facts);

// The first rule whose condition holds; nullopt when none does.
std::optional<std::string> Observe(const script::Case& c, const Facts& facts);

// Verdict of `observation` under `profile` (PASS/NON_STRICT/FAIL/INFO), or nullopt
// when the dispute has no such profile or observation.
std::optional<script::Verdict> Judge(const script::Dispute& d, const std::string& profile,
                                     const std::string& observation);

}  // namespace mta::judge

#endif  // MTA_HARNESS_JUDGE_JUDGE_H_
