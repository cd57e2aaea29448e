// scheduler.h: the delivery scheduler: which recipients of which queued messages to try
// now, grouped into transactions, within concurrency limits; and the per-recipient state
// after each attempt (delivered / retry later / failed / expired). Pure: the clock is an
// argument, nothing is read or written.
//
// RFC 5321 4.5.4.1: one copy for several recipients at one host SHOULD be sent (up to
// max_recipients_per_transaction per transaction; qmail: 1, disputed-points I6); retries
// follow a RetryPolicy (retry.h); a temporary failure after the give-up time is final,
// with status 4.4.7 (RFC 3463 X.4.7 "Delivery time expired").
//
//   Scheduler s(SchedulerOptions{});
//   s.Add(envelope);                            // pending recipients, next_attempt as stored
//   for (const Job& j : s.Due(now)) { ...deliver...; s.Complete(j.id, results, now2); }
//   s.Flush();                                  // everything pending is due now
#ifndef MTA_SCHED_SCHEDULER_H_
#define MTA_SCHED_SCHEDULER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/queue/envelope.h"
#include "mta/sched/retry.h"

namespace mta::sched {

struct SchedulerOptions {
  RetryPolicy remote = RetryPolicy::Rfc5321Default();
  RetryPolicy local = RetryPolicy::Rfc5321Default();
  std::vector<std::string> local_domains;  // destinations of the local channel
  std::size_t max_per_destination = 20;    // concurrent transactions to one destination
  std::size_t max_remote = 100;            // concurrent remote transactions in all
  std::size_t max_local = 10;              // concurrent local deliveries in all
  std::size_t max_recipients_per_transaction = 50;  // >= 1; qmail: 1
  std::string expired_status = "4.4.7";

  // qmail-send: squares schedule (chanskip 20 remote / 10 local), queuelifetime 604800,
  // concurrencyremote 20, concurrencylocal 10, one recipient per delivery.
  static SchedulerOptions Qmail();
};

// One transaction to run: some recipients of one message at one destination.
struct Job {
  std::uint64_t id = 0;
  std::string message_id;
  std::string destination;             // lower-cased domain ("" when the address has none)
  bool local = false;
  std::vector<std::size_t> recipients; // indexes into the envelope's recipients
  std::vector<std::string> addresses;  // the same recipients' addresses
  std::int64_t started = 0;            // the `now` given to Due()
};

enum class AttemptResult { kDelivered, kTempFailure, kPermFailure };

struct RecipientResult {
  std::size_t recipient = 0;  // index into the envelope's recipients
  AttemptResult result = AttemptResult::kTempFailure;
  std::string status;         // RFC 3463 code reported by the attempt
  std::string diagnostic;     // SMTP reply or local reason
  std::string remote_mta;
};

// What happened to one recipient after Complete().
struct RecipientEvent {
  std::string message_id;
  std::size_t recipient = 0;
  std::string address;
  queue::RcptState state = queue::RcptState::kPending;  // pending = will be retried
  bool expired = false;         // failed because the give-up time has passed
  std::string status;           // expired_status when expired
  std::string diagnostic;
  std::string remote_mta;
  std::uint32_t attempts = 0;
  std::int64_t next_attempt = 0;  // pending only
  std::int64_t last_attempt = 0;  // the job's start
  std::int64_t give_up_at = 0;    // arrival + max_lifetime (Will-Retry-Until)
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerOptions options);

  // Takes (or replaces) a queued message. Only pending recipients are scheduled; a
  // next_attempt of 0 means "as soon as possible".
  void Add(const queue::Envelope& envelope);
  // Forgets a message (its in-flight jobs, if any, are dropped on completion).
  void Remove(std::string_view message_id);
  // The message with its per-recipient state as updated by Complete(), or nullptr.
  const queue::Envelope* Find(std::string_view message_id) const;
  // Ids of the messages whose recipients are all delivered or failed.
  std::vector<std::string> Finished() const;

  // The jobs to start at `now`, in queue order, within the concurrency limits; their
  // recipients are in flight until Complete().
  std::vector<Job> Due(std::int64_t now);
  // Records the results of job `job_id`, finished at `now`. A recipient of the job missing
  // from `results` counts as a temporary failure. Unknown job ids return nothing.
  std::vector<RecipientEvent> Complete(std::uint64_t job_id,
                                       const std::vector<RecipientResult>& results,
                                       std::int64_t now);
  // Makes every pending recipient due now (refmta flush; qmail-send's SIGALRM).
  void Flush();
  // The earliest next_attempt of a pending recipient not in flight.
  std::optional<std::int64_t> NextWakeup() const;

  std::size_t InFlight() const { return jobs_.size(); }
  std::size_t InFlight(std::string_view destination) const;

 private:
  struct Message {
    queue::Envelope envelope;
    std::vector<bool> in_flight;
  };
  bool IsLocal(std::string_view domain) const;
  const RetryPolicy& PolicyFor(bool local) const;

  SchedulerOptions options_;
  std::vector<std::string> order_;        // message ids in arrival order
  std::map<std::string, Message, std::less<>> messages_;
  std::map<std::uint64_t, Job> jobs_;
  std::map<std::string, std::size_t, std::less<>> per_destination_;
  std::size_t remote_in_flight_ = 0;
  std::size_t local_in_flight_ = 0;
  std::uint64_t next_job_id_ = 1;
};

// The destination of an address: the lower-cased domain after the last '@' ("" if none).
std::string DestinationOf(std::string_view address);

}  // namespace mta::sched

#endif  // MTA_SCHED_SCHEDULER_H_
