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

TEST_F(QueueWatchTest, EmptyQueueIsSettled) {
  QueueWatch w(dir_.string());
  EXPECT_TRUE(w.Settled("tok1"));
  EXPECT_FALSE(w.Settled(""));
}

TEST_F(QueueWatchTest, UnreadableQueueIsNeverSettled) {
  QueueWatch w((dir_ / "missing").string());
  EXPECT_FALSE(w.Settled("tok1"));
}

TEST_F(QueueWatchTest, DuePendingRecipientKeepsItsTokenBusy) {
  Queue("1", Rcpt(queue::RcptState::kPending), "Subject: tok1\r\n\r\nx\r\n");
  std::vector<std::string> busy;
  ASSERT_TRUE(QueueWatch::Scan(dir_.string(), 1000, &busy));
  ASSERT_EQ(busy.size(), 1u);
  QueueWatch w(dir_.string());
  EXPECT_FALSE(w.Settled("tok1"));  // in the message
  EXPECT_TRUE(w.Settled("tok2"));   // another execution's token
}

TEST_F(QueueWatchTest, TokenInTheEnvelopeCounts) {
  queue::Recipient r = Rcpt(queue::RcptState::kPending);
  r.address = "r-tok9@sink.test";
  Queue("1", r, "no token here\r\n");
  EXPECT_FALSE(QueueWatch(dir_.string()).Settled("tok9"));
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
  QueueWatch w(dir_.string());
  EXPECT_FALSE(w.Settled("tok3"));
}

TEST_F(QueueWatchTest, SpoolWatchCountsEveryFileBelowItsDirectories) {
  fs::create_directories(dir_ / "deferred/A");
  Put("deferred/A/5F2", "rcpt r-tok5@sink.test");
  SpoolWatch w({(dir_ / "deferred").string(), (dir_ / "absent").string()});
  EXPECT_FALSE(w.Settled("tok5"));
  EXPECT_TRUE(w.Settled("tok6"));
  EXPECT_FALSE(SpoolWatch({(dir_ / "absent").string()}).Settled("tok6"));  // unreadable
}

}  // namespace
}  // namespace mta::targets
