// behaviour.h: how one capture-sink listener behaves as an SMTP server: greeting, EHLO
// keywords (or no ESMTP at all), replies per command and per recipient, delays, and
// "close after the dot without a reply". JSON form documented in harness/sink/README.md.
//
// RFC 5321 3.1 (220/554 greetings, 554 then 503 to all but QUIT), 3.8 (421 closes),
// 4.1.1.1 (EHLO reply: domain line then keywords), 4.2 (reply lines "CODE-text" /
// "CODE text"), RFC 2034 (enhanced codes only when ENHANCEDSTATUSCODES is advertised).
//
//   Behaviour b = FromJson(nlohmann::json::parse(
//       R"({"rcpt_replies": [{"regex": "^fail-", "reply": "550 5.1.1 no such user"}]})"));
//   b.rcpt_rules[0].reply.code == 550
#ifndef MTA_HARNESS_SINK_BEHAVIOUR_H_
#define MTA_HARNESS_SINK_BEHAVIOUR_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mta::sink {

// One scripted reply. JSON: "550 5.1.1 no such user" (code, then text; "\n" separates the
// lines of a multi-line reply) or {"code": 550, "text": "5.1.1 no", "delay_ms": 0,
// "close": false, "silent": false}.
struct Reply {
  int code = 0;          // 0: the built-in reply of that command
  std::string text;      // lines separated by "\n"; sent as CODE-line ... CODE line
  int delay_ms = 0;      // wait before sending
  bool close = false;    // close the connection after the reply
  bool silent = false;   // send nothing (with close: hang up without a reply)
  bool set() const { return code != 0 || silent; }
};

// A per-recipient reply: by address (case-insensitive, path without <>) or by an
// ECMAScript regex searched in the path (case-insensitive).
struct RcptRule {
  std::string address;
  std::string regex;
  Reply reply;
};

struct Behaviour {
  std::string hostname = "mx.sink.test";
  Reply greeting;                     // default "220 <hostname> ESMTP mtaspec capture sink"
  bool esmtp = true;                  // false: EHLO refused (500), HELO only (RFC 821 peer)
  std::vector<std::string> ehlo_keywords = {"PIPELINING", "8BITMIME", "SIZE 52428800", "DSN",
                                            "ENHANCEDSTATUSCODES", "SMTPUTF8"};
  // Overrides by command: helo ehlo mail rcpt data eod bdat rset noop quit vrfy.
  std::map<std::string, Reply> replies;
  std::map<std::string, int> delays;  // extra delay by command (also "greeting")
  std::vector<RcptRule> rcpt_rules;   // first match wins, before replies["rcpt"]
  bool close_after_dot = false;       // end of data: record, then close without a reply
  std::size_t max_line = 4096;        // longer command lines get 500 5.5.2 and are dropped
  uint64_t max_message = 64ull << 20; // raw and decoded octets kept per message
  int max_recipients = 1000;          // more get 452 4.5.3
  int idle_timeout_ms = 300000;       // 421 4.4.2 and close after this much silence

  bool Advertises(const std::string& keyword) const;  // first word, case-insensitive
};

// Parses the JSON form; throws std::invalid_argument naming the field.
Behaviour FromJson(const nlohmann::json& j);
Reply ReplyFromJson(const nlohmann::json& j, const std::string& where);
nlohmann::json ToJson(const Behaviour& b);
nlohmann::json ToJson(const Reply& r);

// The reply as sent: "CODE-line\r\n" for all lines but the last, "CODE line\r\n".
std::string RenderReply(int code, const std::string& text);

}  // namespace mta::sink

#endif  // MTA_HARNESS_SINK_BEHAVIOUR_H_
