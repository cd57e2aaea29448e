// scheduler_test.cc: the scheduler on a simulated clock: a message's whole life under each
// retry policy (every attempt's time; expiry fails the recipient with 4.4.7 at the right
// moment), grouping of recipients per destination (RFC 5321 4.5.4.1; qmail: one each),
// concurrency limits, in-flight accounting, and flush.
#include "mta/sched/scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mta::sched {
namespace {

queue::Envelope Message(std::string id, std::int64_t arrival, std::vector<std::string> rcpts) {
  queue::Envelope e;
  e.id = std::move(id);
  e.arrival_time = arrival;
  e.sender = "s@example.test";
  for (std::string& r : rcpts) {
    queue::Recipient q;
    q.address = std::move(r);
    e.recipients.push_back(q);
  }
  return e;
}

std::vector<RecipientResult> All(const Job& j, AttemptResult r, std::string status = "4.3.0") {
  std::vector<RecipientResult> out;
  for (std::size_t i : j.recipients) out.push_back({i, r, status, "451 4.3.0 try later", "mx.test"});
  return out;
}

// Runs the clock from `start`, jumping to each wakeup; every attempt fails temporarily.
// Returns the attempt times and the final event.
struct Life {
  std::vector<std::int64_t> attempts;
  RecipientEvent last;
};
Life RunToExpiry(SchedulerOptions opts, std::int64_t arrival) {
  Scheduler s(std::move(opts));
  s.Add(Message("m1", arrival, {"u@remote.test"}));
  Life life;
  std::int64_t now = arrival;
  for (int guard = 0; guard < 10000; ++guard) {
    std::vector<Job> jobs = s.Due(now);
    for (const Job& j : jobs) {
      life.attempts.push_back(now);
      std::vector<RecipientEvent> ev = s.Complete(j.id, All(j, AttemptResult::kTempFailure), now + 5);
      life.last = ev.at(0);
    }
    std::optional<std::int64_t> wake = s.NextWakeup();
    if (!wake) break;
    now = std::max(now + 1, *wake);
  }
  return life;
}

TEST(Scheduler, WholeLifeUnderRfc5321Default) {
  const std::int64_t t0 = 1700000000;
  Life life = RunToExpiry(SchedulerOptions{}, t0);
  ASSERT_GE(life.attempts.size(), 5u);
  EXPECT_EQ(life.attempts[0], t0);
  EXPECT_EQ(life.attempts[1], t0 + 1800);
  EXPECT_EQ(life.attempts[2], t0 + 5400);
  EXPECT_EQ(life.attempts[3], t0 + 12600);
  EXPECT_EQ(life.attempts[4], t0 + 23400);
  EXPECT_EQ(life.attempts.back(), t0 + 5 * 86400);  // give up after 5 days
  EXPECT_EQ(life.attempts.size(), 43u);
  EXPECT_EQ(life.last.state, queue::RcptState::kFailed);
  EXPECT_TRUE(life.last.expired);
  EXPECT_EQ(life.last.status, "4.4.7");
  EXPECT_EQ(life.last.attempts, 43u);
  EXPECT_EQ(life.last.last_attempt, t0 + 5 * 86400);
  EXPECT_EQ(life.last.diagnostic, "451 4.3.0 try later");
}

TEST(Scheduler, WholeLifeUnderQmail) {
  const std::int64_t t0 = 1700000000;
  Life life = RunToExpiry(SchedulerOptions::Qmail(), t0);
  ASSERT_EQ(life.attempts.size(), 40u);
  for (std::size_t k = 0; k < life.attempts.size(); ++k) {
    EXPECT_EQ(life.attempts[k] - t0, static_cast<std::int64_t>(400 * k * k)) << k;
  }
  EXPECT_EQ(life.attempts.back() - t0, 608400);  // first attempt past 7 days
  EXPECT_TRUE(life.last.expired);
  EXPECT_EQ(life.last.state, queue::RcptState::kFailed);
}

TEST(Scheduler, ShortLifetimeFailsAtTheRightTime) {
  SchedulerOptions o;
  o.remote.max_lifetime = 2 * 3600;  // disputed-points I1-T2: a 2-hour lifetime
  Life life = RunToExpiry(o, 0);
  EXPECT_EQ(life.attempts, (std::vector<std::int64_t>{0, 1800, 5400, 7200}));
  EXPECT_TRUE(life.last.expired);
}

TEST(Scheduler, DeliveredAndPermanentFailure) {
  Scheduler s(SchedulerOptions{});
  s.Add(Message("m1", 0, {"a@x.test", "b@x.test"}));
  std::vector<Job> jobs = s.Due(0);
  ASSERT_EQ(jobs.size(), 1u);
  auto ev = s.Complete(jobs[0].id,
                       {{0, AttemptResult::kDelivered, "2.0.0", "250 ok", "mx.x.test"},
                        {1, AttemptResult::kPermFailure, "5.1.1", "550 5.1.1 no", "mx.x.test"}},
                       3);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].state, queue::RcptState::kDelivered);
  EXPECT_EQ(ev[1].state, queue::RcptState::kFailed);
  EXPECT_FALSE(ev[1].expired);
  EXPECT_EQ(ev[1].status, "5.1.1");
  EXPECT_EQ(s.Finished(), std::vector<std::string>{"m1"});
  EXPECT_EQ(s.Find("m1")->recipients[1].last_error, "550 5.1.1 no");
  EXPECT_EQ(s.Find("m1")->recipients[1].attempts, 1u);
  EXPECT_FALSE(s.NextWakeup().has_value());
  EXPECT_TRUE(s.Due(1000000).empty());
}

TEST(Scheduler, MissingResultIsTemporaryFailure) {
  Scheduler s(SchedulerOptions{});
  s.Add(Message("m1", 0, {"a@x.test"}));
  std::vector<Job> jobs = s.Due(0);
  auto ev = s.Complete(jobs.at(0).id, {}, 1);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].state, queue::RcptState::kPending);
  EXPECT_EQ(ev[0].next_attempt, 1800);
  EXPECT_TRUE(s.Complete(jobs[0].id, {}, 2).empty());  // unknown (finished) job
}

TEST(Scheduler, GroupsRecipientsPerDestination) {
  Scheduler s(SchedulerOptions{});
  s.Add(Message("m1", 0, {"a@x.test", "b@Y.test", "c@X.TEST", "d@y.test", "e@z.test"}));
  std::vector<Job> jobs = s.Due(0);
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].destination, "x.test");
  EXPECT_EQ(jobs[0].recipients, (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(jobs[1].destination, "y.test");
  EXPECT_EQ(jobs[1].addresses, (std::vector<std::string>{"b@Y.test", "d@y.test"}));
  EXPECT_EQ(jobs[2].recipients, std::vector<std::size_t>{4});
  EXPECT_TRUE(s.Due(0).empty());  // all in flight
}

TEST(Scheduler, RecipientCapPerTransaction) {
  SchedulerOptions o;
  o.max_recipients_per_transaction = 2;
  Scheduler s(o);
  s.Add(Message("m1", 0, {"a@x.test", "b@x.test", "c@x.test", "d@x.test", "e@x.test"}));
  std::vector<Job> jobs = s.Due(0);
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].recipients.size(), 2u);
  EXPECT_EQ(jobs[2].recipients.size(), 1u);
}

TEST(Scheduler, QmailOneRecipientPerTransaction) {
  Scheduler s(SchedulerOptions::Qmail());
  s.Add(Message("m1", 0, {"a@x.test", "b@x.test", "c@x.test"}));
  std::vector<Job> jobs = s.Due(0);
  ASSERT_EQ(jobs.size(), 3u);
  for (const Job& j : jobs) EXPECT_EQ(j.recipients.size(), 1u);
}

TEST(Scheduler, ConcurrencyLimits) {
  SchedulerOptions o;
  o.max_recipients_per_transaction = 1;
  o.max_per_destination = 2;
  o.max_remote = 3;
  o.local_domains = {"local.test"};
  o.max_local = 1;
  Scheduler s(o);
  s.Add(Message("m1", 0, {"a@x.test", "b@x.test", "c@x.test", "d@y.test", "e@y.test",
                          "f@z.test", "g@local.test", "h@local.test"}));
  std::vector<Job> jobs = s.Due(0);
  // x: 2 (per-destination cap), y: 1 (remote cap 3), z: 0, local: 1 (local cap).
  ASSERT_EQ(jobs.size(), 4u);
  EXPECT_EQ(s.InFlight("x.test"), 2u);
  EXPECT_EQ(s.InFlight("y.test"), 1u);
  EXPECT_EQ(s.InFlight("z.test"), 0u);
  EXPECT_EQ(s.InFlight("local.test"), 1u);
  EXPECT_TRUE(jobs[3].local);
  EXPECT_TRUE(s.Due(0).empty());
  // One remote job finishes: one more remote transaction may start.
  s.Complete(jobs[0].id, All(jobs[0], AttemptResult::kDelivered, "2.0.0"), 1);
  std::vector<Job> more = s.Due(1);
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].destination, "x.test");
  EXPECT_EQ(more[0].addresses, std::vector<std::string>{"c@x.test"});
  EXPECT_EQ(s.InFlight(), 4u);
}

TEST(Scheduler, LocalChannelUsesLocalPolicy) {
  SchedulerOptions o = SchedulerOptions::Qmail();
  o.local_domains = {"local.test"};
  Scheduler s(o);
  s.Add(Message("m1", 0, {"a@local.test", "b@remote.test"}));
  std::vector<Job> jobs = s.Due(0);
  ASSERT_EQ(jobs.size(), 2u);
  auto l = s.Complete(jobs[0].id, All(jobs[0], AttemptResult::kTempFailure), 1);
  auto r = s.Complete(jobs[1].id, All(jobs[1], AttemptResult::kTempFailure), 1);
  EXPECT_EQ(l.at(0).next_attempt, 100);  // 10^2
  EXPECT_EQ(r.at(0).next_attempt, 400);  // 20^2
}

TEST(Scheduler, FlushMakesEverythingDue) {
  Scheduler s(SchedulerOptions{});
  s.Add(Message("m1", 0, {"a@x.test"}));
  queue::Envelope later = Message("m2", 0, {"b@y.test"});
  later.recipients[0].next_attempt = 99999;
  s.Add(later);
  std::vector<Job> jobs = s.Due(0);
  ASSERT_EQ(jobs.size(), 1u);
  s.Complete(jobs[0].id, All(jobs[0], AttemptResult::kTempFailure), 1);
  EXPECT_EQ(s.NextWakeup(), 1800);
  EXPECT_TRUE(s.Due(10).empty());
  s.Flush();
  EXPECT_EQ(s.NextWakeup(), 0);
  jobs = s.Due(10);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].message_id, "m1");
  EXPECT_EQ(jobs[1].message_id, "m2");
}

TEST(Scheduler, AddRespectsStoredStateAndRemove) {
  queue::Envelope e = Message("m1", 0, {"a@x.test", "b@x.test"});
  e.recipients[0].state = queue::RcptState::kDelivered;
  Scheduler s(SchedulerOptions{});
  s.Add(e);
  std::vector<Job> jobs = s.Due(0);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].recipients, std::vector<std::size_t>{1});
  s.Remove("m1");
  EXPECT_EQ(s.Find("m1"), nullptr);
  EXPECT_TRUE(s.Complete(jobs[0].id, {}, 1).empty());
  EXPECT_EQ(s.InFlight(), 0u);
  EXPECT_EQ(s.InFlight("x.test"), 0u);
  EXPECT_EQ(DestinationOf("User@Example.ORG"), "example.org");
  EXPECT_EQ(DestinationOf("postmaster"), "");
}

}  // namespace
}  // namespace mta::sched
