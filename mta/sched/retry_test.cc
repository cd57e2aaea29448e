// retry_test.cc: retry schedules over a message's whole lifetime (RFC 5321 4.5.4.1;
// qmail-send nextretry(), disputed-points I1).
#include "mta/sched/retry.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <vector>

namespace mta::sched {
namespace {

// Attempt start times when every attempt fails at once and runs exactly on schedule,
// up to and including the last one (the one started when Expired()).
std::vector<std::int64_t> Lifetime(const RetryPolicy& p, std::int64_t arrival) {
  std::vector<std::int64_t> at;
  std::int64_t t = arrival;
  for (std::uint32_t n = 1; n < 10000; ++n) {
    at.push_back(t);
    if (Expired(p, arrival, t)) break;
    t = NextAttempt(p, arrival, n, t);
  }
  return at;
}

TEST(Retry, ISqrt) {
  EXPECT_EQ(ISqrt(0), 0);
  EXPECT_EQ(ISqrt(399), 19);
  EXPECT_EQ(ISqrt(400), 20);
  EXPECT_EQ(ISqrt(604800), 777);
  EXPECT_EQ(ISqrt(-5), 0);
  EXPECT_EQ(ISqrt(INT64_MAX), 3037000499LL);
}

TEST(Retry, QmailRemoteScheduleIsSquares) {
  const std::int64_t birth = 1000000;
  std::vector<std::int64_t> at = Lifetime(RetryPolicy::QmailRemote(), birth);
  // (20k)^2: 0, 400 s (6 min 40 s), 1600 s (26 min 40 s), 3600 s (1 h), 6400 s, ...
  ASSERT_GE(at.size(), 5u);
  for (std::size_t k = 0; k < at.size(); ++k) {
    EXPECT_EQ(at[k] - birth, static_cast<std::int64_t>(20 * k) * static_cast<std::int64_t>(20 * k)) << k;
  }
  // 780^2 = 608400 is the first square past queuelifetime 604800: the last attempt.
  EXPECT_EQ(at.back() - birth, 608400);
  EXPECT_EQ(at.size(), 40u);
  EXPECT_FALSE(Expired(RetryPolicy::QmailRemote(), birth, birth + 577600));
}

TEST(Retry, QmailLocalScheduleIsSquaresOfTen) {
  std::vector<std::int64_t> at = Lifetime(RetryPolicy::QmailLocal(), 0);
  EXPECT_EQ(at[1], 100);
  EXPECT_EQ(at[2], 400);
  EXPECT_EQ(at[3], 900);
  EXPECT_EQ(at.back(), 780 * 780);  // 10k with k = 78
}

TEST(Retry, QmailUsesTimeSinceBirthNotAttemptCount) {
  // An attempt started late (t = 1000): sqrt(1000) = 31, + 20 -> 51^2 = 2601.
  EXPECT_EQ(NextAttempt(RetryPolicy::QmailRemote(), 0, 7, 1000), 2601);
  // Clock before birth: n = 0.
  EXPECT_EQ(NextAttempt(RetryPolicy::QmailRemote(), 500, 1, 100), 500 + 400);
  // qmail-send flagdying is "recent > birth + lifetime".
  EXPECT_FALSE(Expired(RetryPolicy::QmailRemote(), 0, 604800));
  EXPECT_TRUE(Expired(RetryPolicy::QmailRemote(), 0, 604801));
}

TEST(Retry, Rfc5321DefaultSchedule) {
  RetryPolicy p = RetryPolicy::Rfc5321Default();
  std::vector<std::int64_t> at = Lifetime(p, 0);
  ASSERT_GE(at.size(), 6u);
  EXPECT_EQ(at[1], 1800);            // first retry after 30 min (RFC 5321 SHOULD >= 30 min)
  EXPECT_EQ(at[2], 1800 + 3600);     // then 1 h
  EXPECT_EQ(at[3], 5400 + 7200);     // then 2 h
  EXPECT_EQ(at[4], 12600 + 10800);   // then every 3 h
  EXPECT_EQ(at[5], 23400 + 10800);
  for (std::size_t i = 1; i < at.size(); ++i) EXPECT_GE(at[i] - at[i - 1], 1800) << i;
  EXPECT_EQ(at.back(), 5 * 86400);   // the last attempt exactly at the give-up time
  EXPECT_TRUE(Expired(p, 0, 5 * 86400));
  EXPECT_FALSE(Expired(p, 0, 5 * 86400 - 1));
  // (432000 - 23400) / 10800 = 37.8 -> 37 three-hour retries after 23400, then the deadline.
  EXPECT_EQ(at.size(), 5u + 37u + 1u);
}

TEST(Retry, ParseIntervals) {
  std::vector<std::int64_t> v;
  ASSERT_TRUE(ParseIntervals("30m,1h, 2h,3h", &v));
  EXPECT_EQ(v, (std::vector<std::int64_t>{1800, 3600, 7200, 10800}));
  ASSERT_TRUE(ParseIntervals("400", &v));
  EXPECT_EQ(v, std::vector<std::int64_t>{400});
  EXPECT_FALSE(ParseIntervals("", &v));
  EXPECT_FALSE(ParseIntervals("0m", &v));
  EXPECT_FALSE(ParseIntervals("1h,", &v));
  EXPECT_FALSE(ParseIntervals("1x", &v));
  EXPECT_FALSE(ParseIntervals("9999999999h", &v));
}

RC_GTEST_PROP(RetryProperty, NextIsAlwaysLater, (std::int64_t arrival, std::uint32_t attempts, std::int64_t dt, bool qmail)) {
  arrival = arrival % 4000000000LL;
  std::int64_t now = arrival + (dt % 10000000LL);
  RetryPolicy p = qmail ? RetryPolicy::QmailRemote() : RetryPolicy::Rfc5321Default();
  RC_ASSERT(NextAttempt(p, arrival, attempts, now) > now);
}

}  // namespace
}  // namespace mta::sched
