// queue_store_test.cc: commit, load, update, remove, recovery, group commit, and a crash
// test that kill -9s a committing child at random moments.
#include "mta/queue/queue_store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "gtest/gtest.h"
#include "mta/io/test_util.h"
#include "mta/queue/group_committer.h"

namespace mta::queue {
namespace {

using io::TempDir;

Envelope Env(std::string sender, std::vector<std::string> rcpts) {
  Envelope e;
  e.sender = std::move(sender);
  for (auto& r : rcpts) {
    Recipient x;
    x.address = r;
    e.recipients.push_back(x);
  }
  e.protocol = "ESMTP";
  return e;
}

std::vector<std::string> Names(const std::string& dir) {
  auto n = io::ListDir(dir);
  EXPECT_TRUE(n.ok());
  std::sort(n->begin(), n->end());
  return *n;
}

void Touch(const std::string& path, std::string_view bytes) {
  auto fd = io::OpenFile(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_TRUE(fd.ok());
  ASSERT_TRUE(io::WriteAll(fd->get(), bytes).ok());
}

TEST(QueueId, FormatSortsAndValidates) {
  std::string a = FormatQueueId(1700000000000001, 42, 7);
  EXPECT_EQ(a, "1700000000.000001.0000042.000007");
  EXPECT_LT(a, FormatQueueId(1700000000000002, 1, 0));
  EXPECT_LT(FormatQueueId(999999999000000, 9, 9), a);  // 10-digit seconds keep order
  EXPECT_TRUE(IsValidQueueId(a));
  EXPECT_FALSE(IsValidQueueId(""));
  EXPECT_FALSE(IsValidQueueId("../x"));
  EXPECT_FALSE(IsValidQueueId(".hidden"));
  EXPECT_FALSE(IsValidQueueId("a/b"));
  EXPECT_FALSE(IsValidQueueId(std::string(65, 'a')));
}

TEST(QueueStore, InitCreatesPrivateDirs) {
  TempDir t;
  QueueStore q(t.path());
  ASSERT_TRUE(q.Init().ok());
  ASSERT_TRUE(q.Init().ok());
  for (const char* d : {"", "/tmp", "/mess", "/env", "/bad"}) {
    struct stat st;
    ASSERT_EQ(::stat((q.queue_dir() + d).c_str(), &st), 0) << d;
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0700u) << d;
  }
}

TEST(QueueStore, CommitLoadListUpdateRemove) {
  TempDir t;
  int64_t now = 1700000000123456;
  QueueStore q(t.path(), [&] { return now++; });
  ASSERT_TRUE(q.Init().ok());
  Envelope e = Env("a@example.org", {"b@example.net", "c@example.net"});
  std::string msg = "Received: from x\r\nSubject: hi\r\n\r\nbody\r\n";
  auto id = q.Commit(e, msg);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->substr(0, 17), "1700000000.123456");
  auto id2 = q.Commit(Env("", {"d@x"}), "second");
  ASSERT_TRUE(id2.ok());
  EXPECT_LT(*id, *id2);

  auto list = q.List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (std::vector<std::string>{*id, *id2}));
  auto loaded = q.Load(*id);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->id, *id);
  EXPECT_EQ(loaded->arrival_time, 1700000000);
  EXPECT_EQ(loaded->sender, "a@example.org");
  ASSERT_EQ(loaded->recipients.size(), 2u);
  auto bytes = q.LoadMessage(*id);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, msg);  // stored exactly as handed over

  struct stat st;
  ASSERT_EQ(::stat(q.MessagePath(*id).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((q.queue_dir() + "/env/" + *id).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  Envelope upd = *loaded;
  upd.recipients[0].state = RcptState::kDelivered;
  upd.recipients[1].attempts = 1;
  upd.recipients[1].last_error = "421 try later";
  ASSERT_TRUE(q.UpdateEnvelope(*id, upd).ok());
  auto again = q.Load(*id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, upd);
  EXPECT_TRUE(Names(q.queue_dir() + "/tmp").empty());

  EXPECT_FALSE(q.UpdateEnvelope("1.missing", upd).ok());
  EXPECT_FALSE(q.Load("../etc/passwd").ok());
  EXPECT_FALSE(q.Load("1.missing").ok());

  ASSERT_TRUE(q.Remove(*id).ok());
  ASSERT_TRUE(q.Remove(*id).ok());  // idempotent
  EXPECT_EQ(*q.List(), std::vector<std::string>{*id2});
  EXPECT_FALSE(io::PathExists(q.MessagePath(*id)));
  auto rep = q.Recover();
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->Clean());
  EXPECT_EQ(rep->committed, 1u);
}

TEST(QueueStore, SameClockTickGivesDistinctIds) {
  TempDir t;
  QueueStore q(t.path(), [] { return int64_t{1700000000000000}; });
  ASSERT_TRUE(q.Init().ok());
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto id = q.Commit(Env("a@b", {"c@d"}), "m" + std::to_string(i));
    ASSERT_TRUE(id.ok());
    ids.insert(*id);
  }
  EXPECT_EQ(ids.size(), 20u);
}

TEST(QueueStore, CommitFailsCleanlyWhenQueueMissing) {
  TempDir t;
  QueueStore q(t.path() + "/nothing-here");
  auto id = q.Commit(Env("a@b", {"c@d"}), "x");
  EXPECT_FALSE(id.ok());
}

TEST(QueueStore, RecoverCleansEveryIntermediateState) {
  TempDir t;
  QueueStore q(t.path());
  ASSERT_TRUE(q.Init().ok());
  auto good = q.Commit(Env("a@b", {"c@d"}), "complete");
  ASSERT_TRUE(good.ok());
  const std::string d = q.queue_dir();
  Touch(d + "/tmp/1700000001.000000.0000001.000000.mess", "half");    // S2
  Touch(d + "/tmp/1700000001.000000.0000001.000000.env", "refmta-");  // S2
  Touch(d + "/tmp/" + *good + ".upd", "refmta-envelope 1\n");         // interrupted update
  Touch(d + "/mess/1700000002.000000.0000001.000000", "no envelope");  // S3
  Touch(d + "/env/1700000003.000000.0000001.000000",
        SerializeEnvelope(Env("x@y", {"z@w"})));                       // S5
  Touch(d + "/mess/1700000004.000000.0000001.000000", "msg");
  Touch(d + "/env/1700000004.000000.0000001.000000", "garbage");       // unparseable

  auto rep = q.Recover();
  ASSERT_TRUE(rep.ok()) << rep.status().ToString();
  EXPECT_EQ(rep->removed_tmp.size(), 3u);
  EXPECT_EQ(rep->removed_messages,
            std::vector<std::string>{"1700000002.000000.0000001.000000"});
  EXPECT_EQ(rep->quarantined, (std::vector<std::string>{"1700000003.000000.0000001.000000",
                                                        "1700000004.000000.0000001.000000"}));
  EXPECT_EQ(rep->committed, 1u);
  EXPECT_TRUE(Names(d + "/tmp").empty());
  EXPECT_EQ(Names(d + "/mess"), std::vector<std::string>{*good});
  EXPECT_EQ(Names(d + "/env"), std::vector<std::string>{*good});
  EXPECT_EQ(Names(d + "/bad").size(), 3u);  // two envelopes and one message kept
  EXPECT_EQ(*q.LoadMessage(*good), "complete");
  auto rep2 = q.Recover();
  ASSERT_TRUE(rep2.ok());
  EXPECT_TRUE(rep2->Clean());
}

TEST(QueueStore, WriterLockIsExclusive) {
  TempDir t;
  QueueStore q(t.path());
  ASSERT_TRUE(q.Init().ok());
  auto a = q.AcquireWriterLock();
  ASSERT_TRUE(a.ok());
  auto b = q.AcquireWriterLock();  // a second open file description: flock conflicts
  EXPECT_FALSE(b.ok());
  a->reset();
  EXPECT_TRUE(q.AcquireWriterLock().ok());
}

TEST(QueueStore, CommitBatchReturnsIdsInOrder) {
  TempDir t;
  QueueStore q(t.path());
  ASSERT_TRUE(q.Init().ok());
  std::vector<Envelope> envs;
  std::vector<std::string> msgs;
  for (int i = 0; i < 5; ++i) {
    envs.push_back(Env("s" + std::to_string(i) + "@x", {"r@y"}));
    msgs.push_back("message " + std::to_string(i));
  }
  std::vector<PendingMessage> batch;
  for (int i = 0; i < 5; ++i) batch.push_back({&envs[i], msgs[i]});
  auto res = q.CommitBatch(batch);
  ASSERT_EQ(res.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(res[i].ok());
    EXPECT_EQ(*q.LoadMessage(*res[i]), msgs[i]);
    EXPECT_EQ(q.Load(*res[i])->sender, envs[i].sender);
  }
}

TEST(QueueStore, LargeBatchCrossesChunksInOrder) {
  TempDir t;
  QueueStore q(t.path());
  ASSERT_TRUE(q.Init().ok());
  constexpr int kN = 300;  // more than one flush chunk
  std::vector<Envelope> envs;
  std::vector<std::string> msgs;
  for (int i = 0; i < kN; ++i) {
    envs.push_back(Env("s" + std::to_string(i) + "@x", {"r@y"}));
    msgs.push_back("message " + std::to_string(i));
  }
  std::vector<PendingMessage> batch;
  for (int i = 0; i < kN; ++i) batch.push_back({&envs[i], msgs[i]});
  auto res = q.CommitBatch(batch);
  ASSERT_EQ(res.size(), size_t{kN});
  std::set<std::string> ids;
  for (int i = 0; i < kN; ++i) {
    ASSERT_TRUE(res[i].ok());
    ids.insert(*res[i]);
    EXPECT_EQ(*q.LoadMessage(*res[i]), msgs[i]);
  }
  EXPECT_EQ(ids.size(), size_t{kN});
  EXPECT_EQ(q.List()->size(), size_t{kN});
  EXPECT_TRUE(Names(q.queue_dir() + "/tmp").empty());
}

TEST(QueueStore, CommitBatchCarriesRemovals) {
  TempDir t;
  QueueStore q(t.path());
  ASSERT_TRUE(q.Init().ok());
  Envelope e = Env("a@x", {"r@y"});
  auto old1 = q.Commit(e, "old 1");
  auto old2 = q.Commit(e, "old 2");
  ASSERT_TRUE(old1.ok() && old2.ok());
  std::vector<std::string> gone = {*old1, *old2, "0000000001.000000.0000001.000000"};
  PendingMessage p{&e, "new"};
  Status rs = Status::Invalid("unset");
  auto res = q.CommitBatch(std::span<const PendingMessage>(&p, 1), gone, &rs);
  ASSERT_EQ(res.size(), 1u);
  ASSERT_TRUE(res[0].ok());
  EXPECT_TRUE(rs.ok()) << rs.ToString();  // a missing id is not an error
  EXPECT_EQ(*q.List(), std::vector<std::string>{*res[0]});
  EXPECT_EQ(Names(q.queue_dir() + "/mess"), std::vector<std::string>{*res[0]});
  // Removals alone (an empty batch) work the same way.
  auto none = q.CommitBatch({}, std::vector<std::string>{*res[0]}, &rs);
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(rs.ok());
  EXPECT_TRUE(q.List()->empty());
  EXPECT_TRUE(Names(q.queue_dir() + "/mess").empty());
}

TEST(QueueStore, RemoveBatchKeepsOthersAndRejectsBadIds) {
  TempDir t;
  QueueStore q(t.path());
  ASSERT_TRUE(q.Init().ok());
  Envelope e = Env("a@x", {"r@y"});
  auto a = q.Commit(e, "a");
  auto b = q.Commit(e, "b");
  auto c = q.Commit(e, "c");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(q.RemoveBatch(std::vector<std::string>{*a, *c}).ok());
  EXPECT_EQ(*q.List(), std::vector<std::string>{*b});
  EXPECT_EQ(Names(q.queue_dir() + "/mess"), std::vector<std::string>{*b});
  // A path trick is refused and touches nothing; the valid id next to it is removed.
  EXPECT_FALSE(q.RemoveBatch(std::vector<std::string>{"../env/" + *b, *b}).ok());
  EXPECT_TRUE(q.List()->empty());
  EXPECT_TRUE(q.RemoveBatch({}).ok());
  auto rep = q.Recover();
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->Clean());
}

ino_t Inode(const std::string& path) {
  struct stat st{};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

TEST(QueueStore, RemovedFilesAreRecycledWithTheirInodes) {
  TempDir t;
  QueueStore q(t.path());
  ASSERT_TRUE(q.Init().ok());
  Envelope e = Env("a@x", {"r@y"});
  auto a = q.Commit(e, std::string(5000, 'a'));
  ASSERT_TRUE(a.ok());
  std::set<ino_t> before = {Inode(q.MessagePath(*a)), Inode(q.queue_dir() + "/env/" + *a)};
  ASSERT_TRUE(q.Remove(*a).ok());
  EXPECT_EQ(q.pooled(), 2u);
  EXPECT_EQ(Names(q.queue_dir() + "/free").size(), 2u);
  EXPECT_TRUE(q.List()->empty());
  EXPECT_TRUE(Names(q.queue_dir() + "/mess").empty());
  // The next commit reuses both inodes; the shorter bytes replace the old ones exactly.
  auto b = q.Commit(e, "short");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(q.pooled(), 0u);
  EXPECT_TRUE(Names(q.queue_dir() + "/free").empty());
  std::set<ino_t> after = {Inode(q.MessagePath(*b)), Inode(q.queue_dir() + "/env/" + *b)};
  EXPECT_EQ(before, after);
  EXPECT_EQ(*q.LoadMessage(*b), "short");
  auto env = q.Load(*b);
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->sender, "a@x");
  // An update keeps the old envelope's inode in the pool (nothing freed) and the new
  // envelope is complete.
  Envelope upd = *env;
  upd.recipients[0].last_error = "421 later";
  auto c = q.Commit(e, "c");
  ASSERT_TRUE(c.ok());
  ino_t old_env = Inode(q.queue_dir() + "/env/" + *c);
  ASSERT_TRUE(q.Remove(*b).ok());
  ASSERT_EQ(q.pooled(), 2u);
  ASSERT_TRUE(q.UpdateEnvelope(*c, upd).ok());
  EXPECT_EQ(q.Load(*c)->recipients[0].last_error, "421 later");
  EXPECT_EQ(q.pooled(), 2u);
  std::set<ino_t> pool;
  for (const std::string& n : Names(q.queue_dir() + "/free"))
    pool.insert(Inode(q.queue_dir() + "/free/" + n));
  EXPECT_TRUE(pool.count(old_env));
  EXPECT_FALSE(pool.count(Inode(q.queue_dir() + "/env/" + *c)));
  EXPECT_TRUE(Names(q.queue_dir() + "/tmp").empty());
}

TEST(QueueStore, RecoverAdoptsOnlySingleLinkPoolFiles) {
  TempDir t;
  std::string d = t.path() + "/queue";
  {
    QueueStore q(t.path());
    ASSERT_TRUE(q.Init().ok());
  }
  Touch(d + "/free/1.0", "junk");
  Touch(d + "/free/1.1", "junk");
  Touch(t.path() + "/keep", "bytes");
  ASSERT_EQ(::link((t.path() + "/keep").c_str(), (d + "/free/1.2").c_str()), 0);
  ASSERT_EQ(::mkdir((d + "/free/dir").c_str(), 0700), 0);
  QueueStore q(t.path());
  auto rep = q.Recover();
  ASSERT_TRUE(rep.ok());
  // The file with a second name (keep) is never reused; the directory is not a file.
  EXPECT_EQ(q.pooled(), 2u);
  EXPECT_EQ(Names(d + "/free"), (std::vector<std::string>{"1.0", "1.1", "dir"}));
  Envelope e = Env("a@x", {"r@y"});
  auto id = q.Commit(e, "new message");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*q.LoadMessage(*id), "new message");
  std::string kept;
  ASSERT_TRUE(io::ReadFileToString(t.path() + "/keep", &kept).ok());
  EXPECT_EQ(kept, "bytes");
}

TEST(GroupCommitter, ConcurrentThreadsAllDurableAndBatched) {
  TempDir t;
  QueueStore q(t.path());
  ASSERT_TRUE(q.Init().ok());
  GroupCommitter gc(q, 16);
  constexpr int kThreads = 8, kPer = 10;
  std::vector<std::vector<std::pair<std::string, std::string>>> got(kThreads);
  std::vector<std::thread> th;
  for (int t_i = 0; t_i < kThreads; ++t_i) {
    th.emplace_back([&, t_i] {
      for (int k = 0; k < kPer; ++k) {
        std::string body = "thread " + std::to_string(t_i) + " msg " + std::to_string(k);
        auto id = gc.Commit(Env("t@x", {"r@y"}), body);
        if (id.ok()) got[t_i].emplace_back(*id, body);
      }
    });
  }
  for (auto& x : th) x.join();
  std::set<std::string> ids;
  for (auto& v : got) {
    EXPECT_EQ(v.size(), size_t{kPer});
    for (auto& [id, body] : v) {
      ids.insert(id);
      auto m = q.LoadMessage(id);  // returned => complete on disk
      ASSERT_TRUE(m.ok());
      EXPECT_EQ(*m, body);
    }
  }
  EXPECT_EQ(ids.size(), size_t{kThreads * kPer});
  EXPECT_EQ(gc.messages(), size_t{kThreads * kPer});
  EXPECT_LE(gc.largest_batch(), 16u);
  EXPECT_LE(gc.batches(), gc.messages());
  EXPECT_EQ(q.List()->size(), size_t{kThreads * kPer});
}

// The child commits forever and reports each id over a pipe only after Commit returned;
// the parent kills it with SIGKILL at a random moment, recovers, and checks that every
// reported id is complete and nothing half-written survives.
TEST(QueueStoreCrash, KillNineAtRandomMomentsLosesNothingCommitted) {
  TempDir t;
  {
    QueueStore q(t.path());
    ASSERT_TRUE(q.Init().ok());
  }
  std::mt19937 rng(12345);
  std::map<std::string, std::string> committed;  // id -> expected message
  int seq_base = 0;
  size_t interrupted = 0;  // rounds whose kill landed inside a commit (informational)
  for (int round = 0; round < 24; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      QueueStore q(t.path());
      for (int seq = seq_base;; ++seq) {
        std::string body = "seq " + std::to_string(seq) + "\n" +
                           std::string(static_cast<size_t>(1000 + (seq * 7919) % 60000), 'x');
        Envelope e = Env("crash@test", {"r@test"});
        e.helo = std::to_string(seq);
        auto id = q.Commit(e, body);
        if (!id.ok()) ::_exit(3);
        std::string line = *id + " " + std::to_string(seq) + "\n";
        if (!io::WriteAll(fds[1], line).ok()) ::_exit(4);
      }
    }
    ::close(fds[1]);
    // Wait for a random number of commits (0..3), then spin a random short while, then
    // kill: the child is somewhere inside a commit or a report write.
    int want = static_cast<int>(rng() % 4);
    std::string buf;
    int lines = 0;
    while (lines < want) {
      char c;
      if (::read(fds[0], &c, 1) != 1) break;
      buf.push_back(c);
      if (c == '\n') ++lines;
    }
    volatile uint64_t spin = 0;
    for (uint64_t i = 0, n = rng() % 2000000; i < n; ++i) spin = spin + i;
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    std::string rest;
    ASSERT_TRUE(io::ReadFull(fds[0], SIZE_MAX, &rest).ok());
    ::close(fds[0]);
    buf += rest;
    // Only whole lines are reports of a returned Commit.
    size_t start = 0;
    for (size_t nl; (nl = buf.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string line = buf.substr(start, nl - start);
      size_t sp = line.find(' ');
      ASSERT_NE(sp, std::string::npos);
      int seq = std::stoi(line.substr(sp + 1));
      committed[line.substr(0, sp)] =
          "seq " + std::to_string(seq) + "\n" +
          std::string(static_cast<size_t>(1000 + (seq * 7919) % 60000), 'x');
      seq_base = std::max(seq_base, seq + 1);
    }
    seq_base += 1000;  // the killed child may have committed unreported seqs

    QueueStore q(t.path());
    auto rep = q.Recover();
    ASSERT_TRUE(rep.ok()) << rep.status().ToString();
    EXPECT_TRUE(rep->quarantined.empty());
    if (!rep->Clean()) ++interrupted;
    EXPECT_TRUE(Names(q.queue_dir() + "/tmp").empty());
    EXPECT_EQ(Names(q.queue_dir() + "/mess"), Names(q.queue_dir() + "/env"));
    for (const auto& [id, body] : committed) {
      auto e = q.Load(id);
      ASSERT_TRUE(e.ok()) << "round " << round << " lost " << id;
      auto m = q.LoadMessage(id);
      ASSERT_TRUE(m.ok());
      EXPECT_EQ(*m, body) << id;
    }
    // Everything present (reported or not) is complete and self-consistent.
    auto all = q.List();
    ASSERT_TRUE(all.ok());
    for (const auto& id : *all) {
      auto e = q.Load(id);
      ASSERT_TRUE(e.ok());
      auto m = q.LoadMessage(id);
      ASSERT_TRUE(m.ok());
      EXPECT_EQ(m->substr(0, 4 + e->helo.size()), "seq " + e->helo);
    }
  }
  EXPECT_GT(committed.size(), 10u);
  RecordProperty("interrupted_rounds", static_cast<int>(interrupted));
  std::printf("crash rounds interrupting a commit: %zu of 24\n", interrupted);
}

}  // namespace
}  // namespace mta::queue
