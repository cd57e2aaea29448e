// sending.h: the sending side's glue between the configuration and the libraries: client,
// scheduler and bounce options from Settings; the queue <-> remote records; notifications
// for scheduler events as messages ready to be queued.
//
// Records (io/record.h framing), queue <-> remote over SOCK_SEQPACKET:
//   queue -> remote 'T' [req, sender, ret, envid, n, (address, notify, orcpt) x n]
//                        + the open message file (SCM_RIGHTS) in the same datagram
//   remote -> queue 'U' [req, n, (status ok|temp|perm, code, x.y.z, remote-mta,
//                        diagnostic, dsn-relayed 0|1) x n]   one result per recipient
//
//   sched::Scheduler s(SchedulerOptionsFor(settings));
//   std::string rec = EncodeRemoteJob(job);   DecodeRemoteJob(rec, &back) == true
#ifndef MTA_SERVER_SENDING_H_
#define MTA_SERVER_SENDING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mta/bounce/bounce.h"
#include "mta/client/deliver.h"
#include "mta/config/settings.h"
#include "mta/queue/envelope.h"
#include "mta/sched/scheduler.h"

namespace mta::server {

inline constexpr std::uint8_t kRecRemoteJob = 'T';
inline constexpr std::uint8_t kRecRemoteResult = 'U';

// smtp_client_greeting, tls_client, recipients_per_transaction, hostname.
client::ClientOptions ClientOptionsFor(const config::Settings& s);
// eight_bit_relay (RFC 6152 3).
client::EightBitPolicy EightBitPolicyFor(const config::Settings& s);
// retry_policy, retry_intervals, queue_lifetime, concurrency_*, recipients_per_transaction,
// local_domains (+ hostname).
sched::SchedulerOptions SchedulerOptionsFor(const config::Settings& s);
// bounce_format, double_bounce, bounce_size_limit, delay_warnings(_time),
// bounce_auto_submitted; postmaster = "postmaster@" hostname.
bounce::BounceOptions BounceOptionsFor(const config::Settings& s);

struct RemoteRecipient {
  std::string address, notify, orcpt;
  bool operator==(const RemoteRecipient&) const = default;
};

struct RemoteJob {
  std::uint64_t req = 0;
  std::string sender, ret, envid;
  std::vector<RemoteRecipient> rcpts;
  bool operator==(const RemoteJob&) const = default;
};

struct RemoteRcptResult {
  std::string status = "temp";  // "ok" | "temp" | "perm"
  int code = 0;                 // the peer's reply code; 0 when decided locally
  std::string enhanced;         // RFC 3463 x.y.z
  std::string remote_mta;       // host name (or [IP]) that answered
  std::string diagnostic;       // the reply text or a local reason
  bool dsn_relayed = false;     // RFC 3461 5.2.2(b): NOTIFY=SUCCESS to a non-DSN peer
  bool operator==(const RemoteRcptResult&) const = default;
};

std::string EncodeRemoteJob(const RemoteJob& j);
bool DecodeRemoteJob(std::string_view record, RemoteJob* out);
std::string EncodeRemoteResult(std::uint64_t req, const std::vector<RemoteRcptResult>& r);
bool DecodeRemoteResult(std::string_view record, std::uint64_t* req,
                        std::vector<RemoteRcptResult>* out);

// The scheduler's view of one remote result (status defaults: 2.0.0 / 4.0.0 / 5.0.0).
sched::RecipientResult ToSchedulerResult(std::size_t recipient, const RemoteRcptResult& r);

// RFC 3461 5.2.5 / disputed-points E7: true when recipient `r` of `e` should now be marked
// as owing its one "delayed" DSN: still pending, tried at least once, no warning yet, the
// message at least delay_warning_time old at `now`, a sender that can get notifications
// (not <>, not "#@[]"), and NOTIFY containing DELAY, or NOTIFY absent with delay_warnings
// on (NOTIFY=NEVER or a NOTIFY without DELAY: never).
bool DelayWarningWanted(const queue::Envelope& e, const queue::Recipient& r,
                        const config::Settings& s, std::int64_t now);

// A notification ready to be queued like any submission.
struct QueuedNotification {
  queue::Envelope envelope;  // sender "" (or "#@[]" / the double-bounce sender)
  std::string message;
  bounce::Kind kind = bounce::Kind::kFailure;
};

// Notifications for the events of one message: failed recipients (expired ones with
// 4.4.7), delivered ones with NOTIFY=SUCCESS (Action relayed when `relayed` lists them),
// pending ones as one "delayed" DSN (Will-Retry-Until = give_up_at) when RFC 3461 5.2.5
// allows it (NOTIFY=DELAY, or NOTIFY absent and delay_warnings) and the message is at
// least delay_warning_time old; never to <> (RFC 5321 6.1; double bounces follow
// double_bounce). `original` is the stored message. `now` and `random` make the output
// deterministic.
std::vector<QueuedNotification> NotificationsFor(
    const queue::Envelope& envelope, std::string_view original,
    const std::vector<sched::RecipientEvent>& events, const std::vector<bool>& relayed,
    const config::Settings& s, std::int64_t now, std::function<std::uint64_t()> random);

}  // namespace mta::server

#endif  // MTA_SERVER_SENDING_H_
