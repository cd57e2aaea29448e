// bounce.h: the notification engine: failure, delay and success notifications (RFC 3464
// DSNs, or qmail-send's QSBMF bounces) for one queued message. Pure: no I/O; the clock,
// host name and random source come in through report::GeneratorEnv.
//
// RFC 5321 6.1: notifications are sent from <> to the original reverse-path (a source
// route stripped to its final hop); never to <>. A failed message whose sender is <> is a
// double bounce (RFC 5321 4.5.5, RFC 3461 5.2 NOTE; disputed-points E3): it goes to the
// postmaster, is discarded, or goes to the postmaster from "#@[]" as qmail-send does. A
// failed double bounce (sender "#@[]" or the double-bounce sender) is discarded.
// RFC 3461 5.2 / 6: NOTIFY decides which notifications are sent, ENVID becomes
// Original-Envelope-Id, ORCPT becomes Original-Recipient, RET chooses the returned content.
// RFC 3834 5: Auto-Submitted: auto-replied (switchable).
//
//   queue::Envelope e;  e.sender = "s@example.test";  e.recipients = {{.address = "u@x.test"}};
//   Outcome o{.recipient = "u@x.test", .action = report::Action::kFailed, .status = "5.1.1",
//             .diagnostic = "550 5.1.1 unknown"};
//   std::vector<Notification> n = MakeNotifications(e, message, {o}, BounceOptions{}, env);
//   n[0].sender == "" && n[0].recipients == {"s@example.test"}
#ifndef MTA_BOUNCE_BOUNCE_H_
#define MTA_BOUNCE_BOUNCE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mta/lib/report/model.h"
#include "mta/queue/envelope.h"

namespace mta::bounce {

// disputed-points E1: RFC 3464 multipart/report, or qmail-send's QSBMF (failures only;
// delay and success notices are always RFC 3464, which QSBMF cannot express).
enum class Format { kRfc3464, kQsbmf };

// disputed-points E3/E4: what happens to a failure of a message sent from <>.
enum class DoubleBounce {
  kPostmaster,   // a report to the postmaster, envelope sender = double_bounce_sender
  kDiscard,      // nothing (Postfix's default)
  kQmailSender,  // qmail-send: a report to the postmaster from envelope sender "#@[]"
};

// disputed-points E6: an original message with 8-bit octets in an RFC 3464 report.
enum class EightBitReturn {
  // Returned as message/rfc822 with Content-Transfer-Encoding: 8bit (top level 8bit too);
  // Notification::needs_8bitmime is set so the sender uses BODY=8BITMIME (RFC 6152).
  kDeclare8bit,
  // RFC 6522 3: returned as text/rfc822-headers (nothing when the header is 8-bit).
  kHeadersOnly,
};

struct BounceOptions {
  Format format = Format::kRfc3464;
  DoubleBounce double_bounce = DoubleBounce::kPostmaster;
  std::string postmaster;            // "" -> "postmaster@" + env.hostname
  std::string double_bounce_sender;  // kPostmaster's envelope sender; "" -> "double-bounce@" + host
  // RFC 3461 6.2: larger originals are returned as headers only (RFC 3464) or with the
  // body cut at a line end (QSBMF). 0 = no cap. The header is always returned.
  std::size_t max_returned_bytes = 100000;
  EightBitReturn eight_bit = EightBitReturn::kDeclare8bit;
  // RFC 3461 5.2.5 / disputed-points E7: "delayed" DSNs when NOTIFY is absent, once the
  // message is this old. An explicit NOTIFY=DELAY is honoured whatever `delay_warnings` says.
  bool delay_warnings = true;
  std::int64_t delay_warning_after = 4 * 3600;  // seconds after arrival
  bool auto_submitted = true;  // RFC 3834 5: "Auto-Submitted: auto-replied" (qmail: none)
};

// One recipient's outcome as the delivery side reports it.
struct Outcome {
  std::string recipient;        // envelope recipient (matches Envelope::recipients[].address)
  std::string final_recipient;  // address finally tried; "" -> recipient
  report::Action action = report::Action::kFailed;  // failed/delayed/delivered/relayed
  std::string status = "5.0.0";                     // RFC 3463 x.y.z
  std::string remote_mta;       // host name or "[IP]"; "" for local delivery
  std::string diagnostic;       // the SMTP reply (lines joined by CRLF) or a local reason
  std::string diagnostic_type = "smtp";  // RFC 3461 6.3(i): "smtp" for SMTP replies
  std::int64_t last_attempt = 0;         // unix seconds; 0 = not reported
  std::int64_t will_retry_until = 0;     // delayed only; 0 = not reported
};

enum class Kind { kFailure, kDelay, kSuccess, kDoubleBounce };
std::string_view KindName(Kind k);  // "failure", "delay", "success", "double-bounce"

struct Notification {
  Kind kind = Kind::kFailure;
  Format format = Format::kRfc3464;
  std::string sender;                   // envelope sender: "" (<>), "#@[]" or the 2bounce sender
  std::vector<std::string> recipients;  // envelope recipients
  std::string message;                  // the whole message, CRLF line ends
  bool needs_8bitmime = false;          // the message holds octets >= 0x80
  // What the report lists, in order: {final recipient, status} as written.
  std::vector<std::pair<std::string, std::string>> reported;
};

// True when `sender` marks a notification that must never cause another one: "#@[]"
// (qmail's double-bounce sender, disputed-points E4) or the configured double-bounce sender.
bool IsDoubleBounceSender(std::string_view sender, const BounceOptions& options,
                          const report::GeneratorEnv& env);

// The notifications due for `outcomes` of the queued `envelope` whose message is
// `original` (as stored; CRLF or LF). At most one notification per kind, in the order
// failure/double-bounce, delay, success. Outcomes whose recipient is unknown to the
// envelope are reported with NOTIFY absent and no ORCPT; outcomes without an address are
// skipped. Never fails; deterministic in
// its inputs.
std::vector<Notification> MakeNotifications(const queue::Envelope& envelope,
                                            std::string_view original,
                                            const std::vector<Outcome>& outcomes,
                                            const BounceOptions& options,
                                            const report::GeneratorEnv& env);

// A report field value as it is written: CR LF pairs and other control octets and octets
// >= 0x7F become SP or '?', runs are kept, leading/trailing SP trimmed, at most 900 octets
// (so the report meets dsn::IsRoundTripValid).
std::string ReportValue(std::string_view v);

}  // namespace mta::bounce

#endif  // MTA_BOUNCE_BOUNCE_H_
