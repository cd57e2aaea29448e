// mbox_test.cc: DeliverMbox (separator, quoting, locking, rollback) and Mbox2Maildir
// (round trip, idempotency, never touching the mbox).
#include "mta/local/mbox.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "gtest/gtest.h"
#include "mta/io/file.h"
#include "mta/io/test_util.h"
#include "mta/local/maildir.h"
#include "mta/local/mbox2maildir.h"
#include "mta/local/mbox_format.h"

namespace mta::local {
namespace {

using io::TempDir;

std::string Read(const std::string& p) {
  std::string s;
  EXPECT_TRUE(io::ReadFileToString(p, &s).ok()) << p;
  return s;
}

std::vector<std::string> MaildirContents(const std::string& md) {
  std::vector<std::string> v;
  for (const char* sub : {"/new", "/cur"}) {
    auto names = io::ListDir(md + sub);
    EXPECT_TRUE(names.ok());
    for (auto& n : *names) v.push_back(Read(md + sub + "/" + n));
  }
  std::sort(v.begin(), v.end());
  return v;
}

MboxLockOptions Fast() {
  MboxLockOptions o;
  o.lock_attempts = 2;
  o.lock_wait_ms = 1;
  return o;
}

TEST(DeliverMbox, AppendsQuotedEntriesWithHeaders) {
  TempDir t;
  std::string mb = t.path() + "/joe";
  ASSERT_TRUE(DeliverMbox(mb, "Subject: 1\r\n\r\nFrom me\r\n>From you\r\n", "a@b",
                          "joe@example.org", 0).ok());
  ASSERT_TRUE(DeliverMbox(mb, "Subject: 2\r\n\r\nno newline", "", "", 86400).ok());
  EXPECT_EQ(Read(mb),
            "From a@b Thu Jan  1 00:00:00 1970\n"
            "Return-Path: <a@b>\nDelivered-To: joe@example.org\n"
            "Subject: 1\n\n>From me\n>>From you\n\n"
            "From MAILER-DAEMON Fri Jan  2 00:00:00 1970\n"
            "Return-Path: <>\nSubject: 2\n\nno newline\n\n");
  struct stat st;
  ASSERT_EQ(::stat(mb.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(io::PathExists(mb + ".lock"));  // dot-lock released
}

TEST(DeliverMbox, RepairsMissingBlankLineOfPreviousWriter) {
  TempDir t;
  std::string mb = t.path() + "/mb";
  ASSERT_TRUE(io::AtomicWriteFile(t.path(), "mb", "From x y\nS: 0\n\nbody").ok());
  ASSERT_TRUE(DeliverMbox(mb, "S: 1\n\nb\n", "a@b", "", 0).ok());
  MboxSplit s = SplitMbox(Read(mb));
  ASSERT_EQ(s.messages.size(), 2u);
  EXPECT_EQ(s.messages[0].content, "S: 0\n\nbody\n");
  EXPECT_EQ(s.messages[1].content, "Return-Path: <a@b>\nS: 1\n\nb\n");
}

TEST(DeliverMbox, HeldDotLockMeansTemporaryFailure) {
  TempDir t;
  std::string mb = t.path() + "/mb";
  ASSERT_TRUE(io::AtomicWriteFile(t.path(), "mb.lock", "").ok());
  io::Status s = DeliverMbox(mb, "x\n", "a@b", "", 0, Fast());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), EAGAIN);
  EXPECT_TRUE(io::PathExists(mb + ".lock"));  // not ours: left alone
  EXPECT_FALSE(io::PathExists(mb) && !Read(mb).empty());
}

TEST(DeliverMbox, StaleDotLockIsBroken) {
  TempDir t;
  std::string mb = t.path() + "/mb";
  ASSERT_TRUE(io::AtomicWriteFile(t.path(), "mb.lock", "").ok());
  struct timespec old[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (mb + ".lock").c_str(), old, 0), 0);
  EXPECT_TRUE(DeliverMbox(mb, "x\n", "a@b", "", 0, Fast()).ok());
}

TEST(DeliverMbox, FcntlLockHeldByAnotherProcessMeansTemporaryFailure) {
  TempDir t;
  std::string mb = t.path() + "/mb";
  ASSERT_TRUE(io::AtomicWriteFile(t.path(), "mb", "").ok());
  int ready[2], done[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(done), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(mb.c_str(), O_RDWR);
    struct flock fl{};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fd < 0 || ::fcntl(fd, F_SETLK, &fl) != 0) ::_exit(1);
    (void)!::write(ready[1], "r", 1);
    char c;
    (void)!::read(done[0], &c, 1);
    ::_exit(0);
  }
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  io::Status s = DeliverMbox(mb, "x\n", "a@b", "", 0, Fast());
  EXPECT_EQ(s.code(), EAGAIN);
  EXPECT_FALSE(io::PathExists(mb + ".lock"));
  ASSERT_EQ(::write(done[1], "d", 1), 1);
  int st;
  ::waitpid(pid, &st, 0);
  EXPECT_TRUE(DeliverMbox(mb, "x\n", "a@b", "", 0, Fast()).ok());
  for (int fd : {ready[0], ready[1], done[0], done[1]}) ::close(fd);
}

TEST(DeliverMbox, FailedWriteTruncatesBackToOriginalSize) {
  TempDir t;
  std::string mb = t.path() + "/mb";
  std::string before = FormatMboxEntry("a@b", 0, "S: old\n\nkept\n");
  ASSERT_TRUE(io::AtomicWriteFile(t.path(), "mb", before).ok());
  pid_t pid = ::fork();
  if (pid == 0) {
    // The file may grow by 100 octets only: the write fails with EFBIG half-way.
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl{static_cast<rlim_t>(before.size() + 100),
                     static_cast<rlim_t>(before.size() + 100)};
    ::setrlimit(RLIMIT_FSIZE, &rl);
    io::Status s = DeliverMbox(mb, std::string(10000, 'x') + "\n", "a@b", "", 0, Fast());
    ::_exit(s.ok() ? 0 : (s.code() == EFBIG ? 7 : 8));
  }
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 7);
  EXPECT_EQ(Read(mb), before);
  EXPECT_FALSE(io::PathExists(mb + ".lock"));
}

TEST(DeliverMbox, RefusesNonRegularFile) {
  TempDir t;
  EXPECT_FALSE(DeliverMbox(t.path(), "x", "a@b", "", 0, Fast()).ok());
}

TEST(Mbox2Maildir, RoundTripFromDeliverMbox) {
  TempDir t;
  std::string mb = t.path() + "/mb";
  std::vector<std::string> msgs = {
      "Subject: 1\n\nFrom the start\n>From quoted\n>>From twice\n",
      "Subject: 2\n\nno trailing newline",
      "Subject: 3\nContent-Length: 12\n\nFrom inside\n",
      "Subject: 4\n\n\n\nFrom \n\n",
  };
  for (const auto& m : msgs) ASSERT_TRUE(DeliverMbox(mb, m, "s@x", "u@d", 0, Fast()).ok());
  std::string mbox_before = Read(mb);
  std::string md = t.path() + "/Maildir";
  auto r = Mbox2Maildir(mb, md);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->total, 4u);
  EXPECT_EQ(r->delivered, 4u);
  std::vector<std::string> want;
  for (const auto& m : msgs) {
    std::string c = DeliveryHeaders("s@x", "u@d") + m;
    if (c.back() != '\n') c += "\n";
    want.push_back(c);
  }
  std::sort(want.begin(), want.end());
  EXPECT_EQ(MaildirContents(md), want);
  EXPECT_EQ(Read(mb), mbox_before);  // the mbox is never modified

  // Idempotent: a second run writes nothing.
  auto r2 = Mbox2Maildir(mb, md);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->delivered, 0u);
  EXPECT_EQ(r2->already_present, 4u);
  EXPECT_EQ(MaildirContents(md).size(), 4u);

  // A message appended later is converted by a third run, without duplicating the rest.
  ASSERT_TRUE(DeliverMbox(mb, "Subject: 5\n\nnew\n", "s@x", "", 0, Fast()).ok());
  auto r3 = Mbox2Maildir(mb, md);
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(r3->delivered, 1u);
  EXPECT_EQ(r3->already_present, 4u);
  EXPECT_EQ(MaildirContents(md).size(), 5u);
}

TEST(Mbox2Maildir, PreambleKeptAndEmptyMbox) {
  TempDir t;
  ASSERT_TRUE(io::AtomicWriteFile(t.path(), "mb", "not an mbox\n").ok());
  auto r = Mbox2Maildir(t.path() + "/mb", t.path() + "/md");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->preamble);
  EXPECT_EQ(MaildirContents(t.path() + "/md"), std::vector<std::string>{"not an mbox\n"});
  ASSERT_TRUE(io::AtomicWriteFile(t.path(), "empty", "").ok());
  auto e = Mbox2Maildir(t.path() + "/empty", t.path() + "/md2");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->total, 0u);
  EXPECT_FALSE(Mbox2Maildir(t.path() + "/missing", t.path() + "/md3").ok());
}

TEST(Mbox2Maildir, KeyIsDeterministic) {
  EXPECT_EQ(Fnv1a64Hex(""), "cbf29ce484222325");
  EXPECT_EQ(Fnv1a64Hex("a"), "af63dc4c8601ec8c");
  std::string k = Mbox2MaildirKey("/var/mail/u", 3, "x");
  EXPECT_EQ(k, "mbox-" + Fnv1a64Hex("/var/mail/u") + "-000003-" + Fnv1a64Hex("x"));
  EXPECT_TRUE(IsValidMaildirKey(k));
}

}  // namespace
}  // namespace mta::local
