// retry.h: when to retry a temporarily failed delivery and when to give up.
//
// RFC 5321 4.5.4.1: "The sender MUST delay retrying a particular destination after one
// attempt has failed. In general, the retry interval SHOULD be at least 30 minutes";
// "the give-up time generally needs to be at least 4-5 days"; "The parameters to the
// retry algorithm MUST be configurable."
//
// Two policies (disputed-points I1):
//  * kTable (default, Rfc5321Default): after the k-th failed attempt wait intervals[k-1]
//    (the last entry repeats): 30 min, 1 h, 2 h, then every 3 h: attempts at 0, 0:30,
//    1:30, 3:30, 6:30, 9:30, ... ("two connection attempts in the first hour, then backing
//    off to one every two or three hours"); give up after 5 days, with a last attempt at
//    arrival + 5 days exactly (never a retry scheduled past it).
//  * kQmailSquare (qmail-send nextretry()): next = birth + (isqrt(now - birth) + skip)^2
//    with skip 20 (remote) or 10 (local), `now` being the start of the attempt that
//    failed: remote attempts at 0, 400 s, 1600 s, 3600 s, ... (20k)^2; lifetime 604800 s
//    (queuelifetime). qmail-send's flagdying = (recent > birth + lifetime): the first
//    attempt started after the lifetime is the last; a temporary failure of it bounces.
//
//   RetryPolicy p = RetryPolicy::QmailRemote();
//   NextAttempt(p, 0, 1, 0) == 400;  NextAttempt(p, 0, 2, 400) == 1600
#ifndef MTA_SCHED_RETRY_H_
#define MTA_SCHED_RETRY_H_

#include <cstdint>
#include <string_view>
#include <vector>

namespace mta::sched {

struct RetryPolicy {
  enum class Kind { kTable, kQmailSquare };
  Kind kind = Kind::kTable;
  // kTable: wait after the 1st, 2nd, ... failed attempt (seconds); the last entry repeats.
  std::vector<std::int64_t> intervals = {1800, 3600, 7200, 10800};
  // kQmailSquare: qmail-send's chanskip (10 local, 20 remote).
  std::int64_t qmail_skip = 20;
  // Give-up time after arrival (seconds).
  std::int64_t max_lifetime = 5 * 86400;

  static RetryPolicy Rfc5321Default();
  static RetryPolicy QmailRemote();  // chanskip 20, lifetime 604800
  static RetryPolicy QmailLocal();   // chanskip 10, lifetime 604800
  bool operator==(const RetryPolicy&) const = default;
};

// Floor of the square root of x >= 0 (qmail's squareroot(); 0 for x < 0).
std::int64_t ISqrt(std::int64_t x);

// The time of the next attempt after attempt number `attempts` (1 = the first) started at
// `now` failed temporarily. Always > now (RFC 5321 4.5.4.1: MUST delay).
std::int64_t NextAttempt(const RetryPolicy& p, std::int64_t arrival, std::uint32_t attempts,
                         std::int64_t now);

// True when an attempt started at `now` is the last one: a temporary failure of it is
// final (status 4.4.7). kTable: now >= arrival + max_lifetime; kQmailSquare: now >
// arrival + max_lifetime (qmail-send flagdying).
bool Expired(const RetryPolicy& p, std::int64_t arrival, std::int64_t now);

// Parses "30m,1h,2h,3h" (s/m/h/d suffixes, plain seconds allowed) into intervals; false
// on a syntax error or a non-positive interval.
bool ParseIntervals(std::string_view text, std::vector<std::int64_t>* out);

}  // namespace mta::sched

#endif  // MTA_SCHED_RETRY_H_
