// result.h: what one SMTP client session reports - per-recipient results, the stage a
// reply came from, and the connection outcome the router acts on.
//
// RFC 5321 4.2.1 (reply classes: 2yz success, 4yz transient, 5yz permanent), 3.8 (a lost
// connection is treated as a 451), 5.1 (try the next address), RFC 3463 (enhanced codes),
// RFC 3461 5.2.2 (relayed to a non-DSN server).
//
//   RcptResult r;  r.status == RcptStatus::kPending;  StageName(Stage::kEod) == "eod"
#ifndef MTA_LIB_CLIENT_RESULT_H_
#define MTA_LIB_CLIENT_RESULT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/client/ehlo.h"
#include "mta/lib/reply/enhanced_status.h"

namespace mta::client {

// Where a result was decided: the command whose reply (or whose absence) decided it.
enum class Stage { kConnect, kGreeting, kEhlo, kStarttls, kMail, kRcpt, kData, kEod, kQuit };
// "connect", "greeting", "ehlo", "starttls", "mail", "rcpt", "data", "eod", "quit".
std::string_view StageName(Stage s);

enum class RcptStatus {
  kPending,    // not attempted (the session ended first without deciding it)
  kDelivered,  // RCPT accepted and 2xx to the end of data
  kTempFail,   // 4xx anywhere, connection lost before the end-of-data reply, timeout
  kPermFail,   // 5xx, or a local permanent refusal (SIZE 5.3.4, 8-bit 5.6.3, UTF-8 5.6.7)
};
std::string_view RcptStatusName(RcptStatus s);  // "pending", "delivered", "temp", "perm"

struct RcptResult {
  RcptStatus status = RcptStatus::kPending;
  // The peer's reply code; 0 when the result was decided locally (no reply: timeout,
  // connection lost, SIZE / 8BITMIME / SMTPUTF8 refusals before sending).
  int code = 0;
  std::optional<reply::EnhancedStatus> enhanced;  // RFC 2034 prefix, or HCMSSC, or local
  std::string text;                               // reply text (lines joined by SP)
  Stage stage = Stage::kConnect;
  // RFC 3461 5.2.2(b): delivered to a peer that did not offer DSN while the recipient
  // asked NOTIFY=SUCCESS: the bounce engine reports "Action: relayed".
  bool dsn_relayed = false;
};

struct SessionOutcome {
  std::vector<RcptResult> rcpts;  // one per Transaction recipient, same order
  // RFC 5321 5.1: the greeting was 4xx/5xx, EHLO/HELO was refused, or the connection
  // failed before MAIL was sent: the router tries the next address (the per-recipient
  // results then only say why this one failed).
  bool try_next_mx = false;
  bool tls = false;          // TLS was in force when the session ended
  bool tls_failed = false;   // the TLS handshake after STARTTLS failed
  bool downgraded = false;   // the message was sent converted to 7-bit (RFC 6152 3)
  bool quit_acknowledged = false;  // 221 received to QUIT (RFC 5321 4.1.1.10)
  Extensions extensions;     // from the last EHLO reply
  std::string error;         // connection-level reason when the session ended early
};

}  // namespace mta::client

#endif  // MTA_LIB_CLIENT_RESULT_H_
