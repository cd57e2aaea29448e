// envelope.h: the queue's envelope model and its on-disk text form.
//
// One envelope per queued message: sender, recipients with per-recipient delivery state,
// DSN parameters (RFC 3461: NOTIFY and ORCPT per recipient, RET and ENVID per message),
// and where the message came from (client IP, HELO, protocol).
//
// On disk (qmail's "don't parse" rule: every value is length-prefixed, so values may hold
// any octet, including LF and NUL, and nothing needs escaping):
//
//   refmta-envelope 1\n            version line
//   <key> <len>:<bytes>\n          one item per line; <len> decimal, no leading zeros
//   ...
//   end 0:\n                       trailer: a file without it is truncated
//
// Message keys: id time sender ret envid ip helo proto. "rcpt" starts a recipient; the
// keys after it until the next "rcpt" describe it: state (pending|delivered|failed),
// error, attempts, next, notify, orcpt, and, written only when set: status (RFC 3463 code
// of the last result), mta (the remote MTA that gave it), relayed ("1": delivered to a peer
// without DSN, RFC 3461 5.2.2), report ("due": a notification for this recipient's final
// state is owed and not yet queued), delay ("due": a "delayed" DSN, RFC 3461 5.2.5, is owed
// and not yet queued; "sent": it was queued, never again). Unknown keys are an error (no
// silent loss).
//
//   Envelope e;  e.sender = "a@example.org";  e.recipients.push_back({.address = "b@x"});
//   std::string text = SerializeEnvelope(e);
//   std::optional<Envelope> back = ParseEnvelope(text);   // == e
#ifndef MTA_QUEUE_ENVELOPE_H_
#define MTA_QUEUE_ENVELOPE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mta::queue {

enum class RcptState { kPending, kDelivered, kFailed };
const char* RcptStateName(RcptState s);

// RFC 3461 5.2.5: the one "delayed" DSN a pending recipient may get. kDue is written in the
// envelope before the notification is committed, kSent after (crash-consistent like
// report_due: a crash in between makes it once more, never loses it).
enum class DelayWarning { kNone, kDue, kSent };

struct Recipient {
  std::string address;       // forward-path without angle brackets
  RcptState state = RcptState::kPending;
  std::string last_error;    // last delivery error text (SMTP reply or local reason)
  uint32_t attempts = 0;     // delivery attempts made
  int64_t next_attempt = 0;  // unix seconds; 0 = as soon as possible
  std::string notify;        // RFC 3461 NOTIFY value as given ("" = absent)
  std::string orcpt;         // RFC 3461 ORCPT value as given ("" = absent)
  std::string status;        // RFC 3463 x.y.z of the last result ("" = none)
  std::string remote_mta;    // host that gave the last result ("" = local)
  bool relayed = false;      // RFC 3461 5.2.2(b): delivered to a peer without DSN
  // A notification (failure, or success for NOTIFY=SUCCESS) for this recipient's final
  // state is owed and not yet committed to the queue. Set in the same envelope write that
  // records the final state; cleared once the notification is committed.
  bool report_due = false;
  DelayWarning delay_warning = DelayWarning::kNone;
  bool operator==(const Recipient&) const = default;
};

struct Envelope {
  std::string id;            // queue id (filled in by QueueStore::Commit)
  int64_t arrival_time = 0;  // unix seconds (filled in by Commit when 0)
  std::string sender;        // reverse-path without brackets; "" for <>
  std::vector<Recipient> recipients;
  std::string ret;           // RFC 3461 RET: "FULL", "HDRS" or "" (absent)
  std::string envid;         // RFC 3461 ENVID (xtext as given) or ""
  std::string client_ip;
  std::string helo;
  std::string protocol;      // e.g. "ESMTP", "ESMTPS", "QMTP", "local"
  bool operator==(const Envelope&) const = default;

  // True when no recipient is pending.
  bool Done() const;
};

std::string SerializeEnvelope(const Envelope& e);
// nullopt for any deviation from the format (truncation, unknown key, bad number).
std::optional<Envelope> ParseEnvelope(std::string_view text);

}  // namespace mta::queue

#endif  // MTA_QUEUE_ENVELOPE_H_
