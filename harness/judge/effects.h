// effects.h: the effect conditions of observation rules ("sink", "bounce", "mailbox"):
// what a target did after the script - relayed a message to the capture sink, sent a
// bounce, delivered to a mailbox - within a time bound. Schema in script/case.h and
// rfc-cases/README.md.
//
// A captured message is a bounce when its reverse-path is null (RFC 5321 4.5.5, RFC 3464
// 2) or when it goes to one of the reverse-paths the script sent; bounces are read with
// the Foundation classifier (mta/lib/dsn/classify.h). Messages count when they arrived
// by script end + "within" ms; the engine waits for that (see runner/engine.cc). A "quit"
// condition (RFC 5321 4.1.1.10: waited / closed-early / no-quit) also needs the message's
// connection to have ended by then: the sink shares that end with every copy of the record.
// An "eod_reply" condition (waited / closed-early) needs a late reply to the final dot to
// have been due by then (RFC 5321 4.5.3.2.6).
//
//   Facts f; f.sink.push_back(MakeSinkMessage(captured, {"s-t1@sink.test"}));
//   EffectHolds("bounce", {{"format", "rfc3464"}}, f)
//   EffectHolds("sink", {{"quit", "waited"}, {"rcpt_params", "NOTIFY=SUCCESS"}}, f)
#ifndef MTA_HARNESS_JUDGE_EFFECTS_H_
#define MTA_HARNESS_JUDGE_EFFECTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/sink/captured.h"
#include "mta/lib/dsn/classify.h"

namespace mta::judge {

struct Facts;

// A message the capture sink recorded for this execution (its envelope or data holds the
// execution's token).
struct SinkMessage {
  sink::Captured msg;
  bool bounce = false;
  std::optional<dsn::BounceAnalysis> analysis;  // bounces that carried data
};

// A message found in a target mailbox (holding the token), with when it was first seen.
struct MailboxMessage {
  std::string data;
  int64_t seen_unix_ms = 0;
};

// Classifies a captured message; `senders` are the reverse-paths the script sent.
SinkMessage MakeSinkMessage(sink::Captured c, const std::vector<std::string>& senders);

// "within" of an effect condition (default script::kDefaultWithinMs).
int EffectWithinMs(const nlohmann::json& spec);
// Messages the condition selects among those that arrived by until_unix_ms.
int EffectMatches(const std::string& kind, const nlohmann::json& spec, const Facts& f,
                  int64_t until_unix_ms);
// The condition, judged at script end + within.
bool EffectHolds(const std::string& kind, const nlohmann::json& spec, const Facts& f);

// The user a mailbox condition reads ("user", default "{user}", variables substituted).
std::string MailboxUser(const nlohmann::json& spec, const Facts& f);

// Regexes of effect conditions see at most this many octets of data.
inline constexpr std::size_t kEffectRegexWindow = 32 * 1024;

}  // namespace mta::judge

#endif  // MTA_HARNESS_JUDGE_EFFECTS_H_
