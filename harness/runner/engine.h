// engine.h: runs one case's script against one SMTP endpoint, byte-exact, within the
// case's timeout; records the transcript (A.16 notation, ms timestamps), every reply,
// and the facts the observation rules read.
//
//   ScriptRun r = RunScript(c, {"127.0.0.11", 2525}, vars, {.source_ip = "127.0.0.2"});
//   r.status == ScriptStatus::kCompleted;  r.facts.observes["unknown"].replies[0].code
#ifndef MTA_HARNESS_RUNNER_ENGINE_H_
#define MTA_HARNESS_RUNNER_ENGINE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/judge/judge.h"
#include "harness/report/run_model.h"
#include "harness/script/case.h"
#include "harness/sink/capture_sink.h"

namespace mta::runner {

struct Endpoint {
  std::string host;
  int port = 25;
};

struct EngineOptions {
  std::string source_ip = "127.0.0.2";  // not 127.0.0.1: targets trust localhost
  // Effect conditions ("sink", "bounce", "mailbox"): after the script the engine waits up
  // to each condition's "within" for messages holding the execution's {token}, then puts
  // them in facts and their evidence in the transcript. Without the observer such a case
  // is UNSUPPORTED.
  const sink::CaptureSink* sink = nullptr;
  std::function<std::optional<std::vector<std::string>>(const std::string& user)> read_mailbox;
  std::string token;   // the {token} variable; empty: NewToken()
  int poll_ms = 100;   // effect polling interval
  // Called once, when the script's connections are closed and before the wait for effects
  // (the runner lets the next case start then: waiting takes no job slot).
  std::function<void()> on_script_end;
  // True when the target will do nothing more for messages holding the token (nothing of
  // it queued and due within kSettledHorizonMs): the wait for effects ends early. Unset:
  // every window runs out. Not asked for a case whose longest window is longer than the
  // horizon (a retry half an hour later is what such a case waits for).
  std::function<bool(const std::string& token)> settled;
};

// How far ahead a target's settled answer looks (QueueWatch::kHorizonSeconds).
inline constexpr int kSettledHorizonMs = 120'000;

// A fresh execution token: "t" + 6 lowercase alphanumerics, unique within the process.
std::string NewToken();

enum class ScriptStatus {
  kCompleted,    // ran to the end (or stopped at a failed expectation: facts.failed)
  kTimeout,      // the case timeout, or an expectation that waited in vain
  kError,        // connect/send problem, unknown variable, ...
  kUnsupported,  // a step this build cannot perform (STARTTLS)
};

struct ScriptRun {
  ScriptStatus status = ScriptStatus::kCompleted;
  std::string message;
  int failed_step = -1;
  judge::Facts facts;
  std::vector<report::ReplyEntry> replies;
  std::string transcript;
  long duration_ms = 0;
};

ScriptRun RunScript(const script::Case& c, const Endpoint& ep,
                    const std::map<std::string, std::string>& vars, const EngineOptions& opt);

}  // namespace mta::runner

#endif  // MTA_HARNESS_RUNNER_ENGINE_H_
