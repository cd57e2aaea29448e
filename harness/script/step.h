// step.h: the step language of rfc-cases scripts (one string per step).
//
// Steps, see rfc-cases/README.md for the full grammar:
//   connect [NAME]            open a connection (becomes the current one)
//   use NAME / disconnect     switch connection / close the current one
//   > line                    send line + CRLF          >> text   send text, no CRLF
//   ~> "bytes\r\n\x00"        send exact bytes (escapes)
//   >+ line                   queue line + CRLF; the queue goes out in ONE write before
//                             the next step that is not ">+" (RFC 2920 pipelining)
//   <? 250 [5.1.1] [multiline]   expect a reply: code pattern (250, 2xx, 4xx|5xx, 25x)
//   <~ regex                  expect a reply whose "code text" lines match regex
//   <... regex                skip replies until one matches
//   <close                    expect the server to close the connection
//   observe [N] as NAME [within MS] [linger MS]   record up to N replies, never fail
//   sleep MS / starttls
//   {var} in sends and regexes: local_domain, user, postmaster, unknown_user,
//   sink_domain, sink7_domain, sinkfail_domain, sinktemp_domain, foreign_domain, helo,
//   target_ip, target_tag ("t11" for 127.0.0.11), token (unique per case x target execution, e.g. "t3f9a1k").
#ifndef MTA_HARNESS_SCRIPT_STEP_H_
#define MTA_HARNESS_SCRIPT_STEP_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mta::script {

enum class StepKind {
  kConnect, kUse, kDisconnect, kSendLine, kSendText, kSendRaw, kPipe,
  kExpect, kExpectRegex, kSkipUntil, kExpectClose, kObserve, kSleep, kStartTls,
};

std::string_view StepKindName(StepKind k);

// Reply-code pattern: alternatives of three characters, each a digit or 'x'
// ("250", "2xx", "4xx|5xx"). A single digit "2" means "2xx".
struct CodePattern {
  std::vector<std::string> alts;
  bool Matches(int code) const;
  std::string ToString() const;
  bool empty() const { return alts.empty(); }
};

// Parses a code pattern; throws std::invalid_argument with a reason.
CodePattern ParseCodePattern(std::string_view text);

struct Step {
  StepKind kind = StepKind::kSleep;
  std::string source;      // the step as written
  std::string conn;        // connect/use: connection name
  std::string data;        // sends: bytes (variables not yet substituted); regex steps
  CodePattern code;        // kExpect
  std::string enhanced;    // kExpect: enhanced-code prefix ("5.1", "5.1.1"), optional
  bool multiline = false;  // kExpect: reply must have more than one line
  int count = 1;           // kObserve: replies to collect
  std::string name;        // kObserve: observation step name
  int wait_ms = -1;        // kObserve: "within" (-1: case default); kSleep: duration
  int linger_ms = 0;       // kObserve: wait this long for a close after the replies
};

// Parses one step; throws std::invalid_argument with a reason (no position: the caller
// adds file and step index).
Step ParseStep(std::string_view text);

// C-style unescape of a ~> operand: \r \n \t \0 \\ \" \xHH. Throws on a bad escape.
std::string Unescape(std::string_view quoted_body);

// Bytes shown in a transcript: printable ASCII as is, \r \n \t \\ and \xHH otherwise.
std::string EscapeBytes(std::string_view bytes);

// Variables known to scripts, with the fixture defaults of disputed-points.md P.
const std::map<std::string, std::string>& DefaultVariables();

// Names of the {var} references in text (in order, may repeat).
std::vector<std::string> VariableRefs(std::string_view text);

// Replaces {var} by its value; throws std::invalid_argument on an unknown name.
std::string Substitute(std::string_view text, const std::map<std::string, std::string>& vars);

}  // namespace mta::script

#endif  // MTA_HARNESS_SCRIPT_STEP_H_
