// queue_watch_test.cc: which queue entries keep an execution's token busy.
#include "harness/targets/queue_watch.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "mta/queue/envelope.h"

namespace mta::targets {
namespace {

namespace fs = std::filesystem;

class QueueWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("queue-watch-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    for (const char* d : {"tmp", "env", "mess"}) fs::create_directories(dir_ / d);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Put(const std::string& rel, const std::string& text) {
    std::ofstream(dir_ / rel, std::ios::binary) << text;
  }
  void Queue(const std::string& id, queue::Recipient r, const std::string& message) {
    queue::Envelope e;
    e.id = id;
    e.sender = "s@sink.test";
    e.recipients.push_back(std::move(r));
    Put("env/" + id, queue::SerializeEnvelope(e));
    Put("mess/" + id, message);
  }
  static queue::Recipient Rcpt(queue::RcptState st, int64_t next = 0) {
    queue::Recipient r;
    r.address = "user@local.test";
    r.state = st;
    r.next_attempt = next;
    return r;
  }
  fs::path dir_;
};

using std::chrono::milliseconds;

// Settled as the engine sees it after two scans (interval 0: every call scans).
template <class Watch>
bool SettledTwice(Watch& w, const std::string& token) {
  w.Settled(token);
  return w.Settled(token);
}

TEST(ScanCache, QuietInTwoScansInARow) {
  // Scans in order: quiet, busy, quiet, quiet (a listing that missed a message counts
  // once, then the next scan sees it).
  std::vector<std::vector<std::string>> scans = {{}, {"x tok1 x"}, {}, {}};
  std::size_t n = 0;
  ScanCache c(
      [&](std::vector<std::string>* busy) {
        *busy = scans.at(n++);
        return true;
      },
      milliseconds(0));
  EXPECT_FALSE(c.Settled("tok1"));  // quiet once
  EXPECT_FALSE(c.Settled("tok1"));  // busy
  EXPECT_FALSE(c.Settled("tok1"));  // quiet once again
  EXPECT_TRUE(c.Settled("tok1"));   // quiet twice in a row
  EXPECT_EQ(n, 4u);
}

TEST(ScanCache, OneScanServesEveryCallerWithinTheInterval) {
  int scans = 0;
  ScanCache c(
      [&](std::vector<std::string>* busy) {
        ++scans;
        busy->clear();
        return true;
      },
      milliseconds(60'000));
  EXPECT_FALSE(c.Settled("a"));
  EXPECT_FALSE(c.Settled("b"));
  EXPECT_FALSE(c.Settled("a"));  // the same scan: not a second one
  EXPECT_EQ(scans, 1);
  EXPECT_FALSE(c.Settled(""));
}

TEST(ScanCache, UnreadableForgetsQuietScans) {
  std::vector<bool> readable = {true, false, true, true};
  std::size_t n = 0;
  ScanCache c(
      [&](std::vector<std::string>* busy) {
        busy->clear();
        return static_cast<bool>(readable.at(n++));
      },
      milliseconds(0));
  EXPECT_FALSE(c.Settled("t"));
  EXPECT_FALSE(c.Settled("t"));
  EXPECT_FALSE(c.Settled("t"));
  EXPECT_TRUE(c.Settled("t"));
}

TEST_F(QueueWatchTest, EmptyQueueIsSettled) {
  QueueWatch w(dir_.string(), milliseconds(0));
  EXPECT_TRUE(SettledTwice(w, "tok1"));
  EXPECT_FALSE(w.Settled(""));
}

TEST_F(QueueWatchTest, UnreadableQueueIsNeverSettled) {
  QueueWatch w((dir_ / "missing").string(), milliseconds(0));
  EXPECT_FALSE(SettledTwice(w, "tok1"));
}

TEST_F(QueueWatchTest, DuePendingRecipientKeepsItsTokenBusy) {
  Queue("1", Rcpt(queue::RcptState::kPending), "Subject: tok1\r\n\r\nx\r\n");
  std::vector<std::string> busy;
  ASSERT_TRUE(QueueWatch::Scan(dir_.string(), 1000, &busy));
  ASSERT_EQ(busy.size(), 1u);
  QueueWatch w(dir_.string(), milliseconds(0));
  EXPECT_FALSE(SettledTwice(w, "tok1"));  // in the message
  EXPECT_TRUE(SettledTwice(w, "tok2"));   // another execution's token
}

TEST_F(QueueWatchTest, TokenInTheEnvelopeCounts) {
  queue::Recipient r = Rcpt(queue::RcptState::kPending);
  r.address = "r-tok9@sink.test";
  Queue("1", r, "no token here\r\n");
  QueueWatch w(dir_.string(), milliseconds(0));
  EXPECT_FALSE(SettledTwice(w, "tok9"));
}

TEST_F(QueueWatchTest, TokenPastTheFirstReadIsFound) {
  Queue("big", Rcpt(queue::RcptState::kPending), std::string(300'000, 'x') + " tok8\r\n");
  QueueWatch w(dir_.string(), milliseconds(0));
  EXPECT_FALSE(SettledTwice(w, "tok8"));
}

TEST_F(QueueWatchTest, FarRetryIsQuietNearRetryIsBusy) {
  const int64_t now = 1'000'000;
  Queue("far", Rcpt(queue::RcptState::kPending, now + QueueWatch::kHorizonSeconds + 60), "far-tok");
  Queue("near", Rcpt(queue::RcptState::kPending, now + 30), "near-tok");
  std::vector<std::string> busy;
  ASSERT_TRUE(QueueWatch::Scan(dir_.string(), now, &busy));
  ASSERT_EQ(busy.size(), 1u);
  EXPECT_NE(busy[0].find("near-tok"), std::string::npos);
}

TEST_F(QueueWatchTest, OwedNotificationIsBusyFinalStateIsNot) {
  queue::Recipient failed = Rcpt(queue::RcptState::kFailed);
  Queue("done", failed, "done-tok");
  failed.report_due = true;
  Queue("owed", failed, "owed-tok");
  std::vector<std::string> busy;
  ASSERT_TRUE(QueueWatch::Scan(dir_.string(), 0, &busy));
  ASSERT_EQ(busy.size(), 1u);
  EXPECT_NE(busy[0].find("owed-tok"), std::string::npos);
}

TEST_F(QueueWatchTest, FilesBeingWrittenAreBusy) {
  Put("tmp/2.mess", "Subject: tok3\r\n");
  QueueWatch w(dir_.string(), milliseconds(0));
  EXPECT_FALSE(SettledTwice(w, "tok3"));
}

TEST_F(QueueWatchTest, SpoolWatchCountsEveryFileBelowItsDirectories) {
  fs::create_directories(dir_ / "deferred/A");
  Put("deferred/A/5F2", "rcpt r-tok5@sink.test");
  SpoolWatch w({(dir_ / "deferred").string(), (dir_ / "absent").string()}, milliseconds(0));
  EXPECT_FALSE(SettledTwice(w, "tok5"));
  EXPECT_TRUE(SettledTwice(w, "tok6"));
  SpoolWatch absent({(dir_ / "absent").string()}, milliseconds(0));
  EXPECT_FALSE(SettledTwice(absent, "tok6"));  // unreadable
}

}  // namespace
}  // namespace mta::targets
