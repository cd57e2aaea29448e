// retry.cc: retry schedules (RFC 5321 4.5.4.1; qmail-send nextretry()). See retry.h.
#include "mta/sched/retry.h"

#include <algorithm>
#include <limits>

namespace mta::sched {

RetryPolicy RetryPolicy::Rfc5321Default() { return RetryPolicy{}; }

RetryPolicy RetryPolicy::QmailRemote() {
  RetryPolicy p;
  p.kind = Kind::kQmailSquare;
  p.qmail_skip = 20;
  p.max_lifetime = 604800;
  return p;
}

RetryPolicy RetryPolicy::QmailLocal() {
  RetryPolicy p = QmailRemote();
  p.qmail_skip = 10;
  return p;
}

std::int64_t ISqrt(std::int64_t x) {
  if (x <= 0) return 0;
  std::int64_t y = 0;
  // Binary search on the answer; the bound keeps y*y from overflowing.
  std::int64_t lo = 0, hi = 3037000499LL;  // floor(sqrt(2^63 - 1))
  while (lo <= hi) {
    std::int64_t mid = lo + (hi - lo) / 2;
    if (mid * mid <= x) {
      y = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return y;
}

std::int64_t NextAttempt(const RetryPolicy& p, std::int64_t arrival, std::uint32_t attempts,
                         std::int64_t now) {
  std::int64_t next;
  if (p.kind == RetryPolicy::Kind::kQmailSquare) {
    // qmail-send nextretry(): n = squareroot(recent - birth) + chanskip; birth + n*n.
    std::int64_t n = (arrival > now ? 0 : ISqrt(now - arrival)) + std::max<std::int64_t>(p.qmail_skip, 1);
    n = std::min<std::int64_t>(n, 3037000499LL);
    next = arrival + n * n;
  } else {
    std::int64_t wait = 1800;
    if (!p.intervals.empty()) {
      std::size_t i = attempts == 0 ? 0 : std::min<std::size_t>(attempts - 1, p.intervals.size() - 1);
      wait = p.intervals[i];
    }
    wait = std::max<std::int64_t>(wait, 1);
    next = now > std::numeric_limits<std::int64_t>::max() - wait ? now : now + wait;
    // The last attempt falls exactly on the give-up time.
    std::int64_t deadline = arrival + p.max_lifetime;
    if (next > deadline && now < deadline) next = deadline;
  }
  // RFC 5321 4.5.4.1: the sender MUST delay retrying.
  return next > now ? next : now + 1;
}

bool Expired(const RetryPolicy& p, std::int64_t arrival, std::int64_t now) {
  std::int64_t deadline = arrival + p.max_lifetime;
  if (p.kind == RetryPolicy::Kind::kQmailSquare) return now > deadline;  // flagdying
  return now >= deadline;
}

bool ParseIntervals(std::string_view text, std::vector<std::int64_t>* out) {
  std::vector<std::int64_t> v;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) return false;
    std::int64_t unit = 1;
    switch (item.back()) {
      case 's': unit = 1; item.remove_suffix(1); break;
      case 'm': unit = 60; item.remove_suffix(1); break;
      case 'h': unit = 3600; item.remove_suffix(1); break;
      case 'd': unit = 86400; item.remove_suffix(1); break;
      default: break;
    }
    if (item.empty() || item.size() > 9) return false;
    std::int64_t n = 0;
    for (char c : item) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + (c - '0');
    }
    if (n <= 0) return false;
    v.push_back(n * unit);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
    if (text.empty()) return false;
  }
  if (v.empty()) return false;
  *out = std::move(v);
  return true;
}

}  // namespace mta::sched
