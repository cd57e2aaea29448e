// maildir_test.cc: Maildir delivery, names, permissions, idempotency by key.
#include "mta/local/maildir.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"
#include "mta/io/file.h"
#include "mta/io/test_util.h"

namespace mta::local {
namespace {

using io::TempDir;

std::vector<std::string> Ls(const std::string& d) {
  auto n = io::ListDir(d);
  EXPECT_TRUE(n.ok());
  std::sort(n->begin(), n->end());
  return *n;
}

TEST(Maildir, UniqueNameFollowsSpec) {
  EXPECT_EQ(MaildirUniqueName(1700000000, 42, 123, 7, "mx.example"),
            "1700000000.M42P123Q7.mx.example");
  EXPECT_EQ(SanitizeMaildirHost("a/b:c"), "a\\057b\\072c");
}

TEST(Maildir, KeyValidation) {
  EXPECT_TRUE(IsValidMaildirKey("1700000000.000001.0000042.000000R0"));
  EXPECT_FALSE(IsValidMaildirKey(""));
  EXPECT_FALSE(IsValidMaildirKey(".x"));
  EXPECT_FALSE(IsValidMaildirKey("a/b"));
  EXPECT_FALSE(IsValidMaildirKey("a:2,S"));
}

TEST(Maildir, CrlfToLfAndHeaders) {
  EXPECT_EQ(CrlfToLf("a\r\nb\rc\n\r\n"), "a\nb\rc\n\n");
  EXPECT_EQ(DeliveryHeaders("", "u@d"), "Return-Path: <>\nDelivered-To: u@d\n");
  EXPECT_EQ(DeliveryHeaders("a@b", ""), "Return-Path: <a@b>\n");
}

TEST(Maildir, DeliverCreatesMaildirAndWritesNewFile) {
  TempDir t;
  std::string md = t.path() + "/u/Maildir";
  auto r = DeliverMaildir(md, "Subject: hi\r\n\r\nbody\r\n", "a@example.org", "u@example.net");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, MaildirOutcome::kDelivered);
  for (const char* sub : {"", "/tmp", "/new", "/cur"}) {
    struct stat st;
    ASSERT_EQ(::stat((md + sub).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u) << sub;
  }
  auto names = Ls(md + "/new");
  ASSERT_EQ(names.size(), 1u);
  EXPECT_NE(names[0].find(".M"), std::string::npos);
  EXPECT_TRUE(Ls(md + "/tmp").empty());
  std::string got;
  ASSERT_TRUE(io::ReadFileToString(md + "/new/" + names[0], &got).ok());
  EXPECT_EQ(got,
            "Return-Path: <a@example.org>\nDelivered-To: u@example.net\nSubject: hi\n\nbody\n");
  struct stat st;
  ASSERT_EQ(::stat((md + "/new/" + names[0]).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Unkeyed deliveries never collide.
  ASSERT_TRUE(DeliverMaildir(md, "x", "", "").ok());
  ASSERT_TRUE(DeliverMaildir(md, "x", "", "").ok());
  EXPECT_EQ(Ls(md + "/new").size(), 3u);
}

TEST(Maildir, SameKeyTwiceDeliversOnce) {
  TempDir t;
  std::string md = t.path() + "/Maildir";
  auto a = DeliverMaildir(md, "m\r\n", "a@b", "u@d", "QID.1R0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->outcome, MaildirOutcome::kDelivered);
  auto b = DeliverMaildir(md, "m\r\n", "a@b", "u@d", "QID.1R0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->outcome, MaildirOutcome::kAlreadyDelivered);
  EXPECT_EQ(b->path, a->path);
  EXPECT_EQ(Ls(md + "/new").size(), 1u);
  // A different recipient index is a different delivery (no prefix confusion R1/R10).
  ASSERT_EQ(DeliverMaildir(md, "m", "a@b", "u@d", "QID.1R1")->outcome,
            MaildirOutcome::kDelivered);
  ASSERT_EQ(DeliverMaildir(md, "m", "a@b", "u@d", "QID.1R10")->outcome,
            MaildirOutcome::kDelivered);
  EXPECT_EQ(Ls(md + "/new").size(), 3u);
}

TEST(Maildir, KeyFoundInCurAfterReaderMovedIt) {
  TempDir t;
  std::string md = t.path() + "/Maildir";
  auto a = DeliverMaildir(md, "m", "a@b", "u@d", "K1");
  ASSERT_TRUE(a.ok());
  std::string name = std::filesystem::path(a->path).filename();
  std::filesystem::rename(a->path, md + "/cur/" + name + ":2,S");
  auto b = DeliverMaildir(md, "m", "a@b", "u@d", "K1");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->outcome, MaildirOutcome::kAlreadyDelivered);
  EXPECT_TRUE(Ls(md + "/new").empty());
}

TEST(Maildir, KeyFoundByExactNameInNewAmongMany) {
  TempDir t;
  std::string md = t.path() + "/Maildir";
  ASSERT_TRUE(EnsureMaildir(md).ok());
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(WriteMaildirMessage(md, "m", "Q" + std::to_string(i) + "R0", "host").ok());
  auto again = WriteMaildirMessage(md, "other", "Q17R0", "host");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, MaildirOutcome::kAlreadyDelivered);
  EXPECT_EQ(again->path, md + "/new/Q17R0.host");
  std::string got;
  ASSERT_TRUE(io::ReadFileToString(again->path, &got).ok());
  EXPECT_EQ(got, "m");  // untouched
  EXPECT_EQ(Ls(md + "/new").size(), 50u);
  EXPECT_TRUE(Ls(md + "/tmp").empty());
  // Host names with '/' and ':' are probed by their sanitized file name.
  ASSERT_EQ(WriteMaildirMessage(md, "m", "K9", "a/b:c")->outcome, MaildirOutcome::kDelivered);
  EXPECT_EQ(WriteMaildirMessage(md, "m", "K9", "a/b:c")->outcome,
            MaildirOutcome::kAlreadyDelivered);
}

TEST(Maildir, StaleKeyedTmpFromCrashIsReplaced) {
  TempDir t;
  std::string md = t.path() + "/Maildir";
  ASSERT_TRUE(EnsureMaildir(md).ok());
  ASSERT_TRUE(io::AtomicWriteFile(md + "/tmp", "K2.host", "partial").ok());
  auto r = WriteMaildirMessage(md, "full", "K2", "host");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->path, md + "/new/K2.host");
  std::string got;
  ASSERT_TRUE(io::ReadFileToString(r->path, &got).ok());
  EXPECT_EQ(got, "full");
}

// The reference rule, octet by octet: drop a CR only when an LF follows.
RC_GTEST_PROP(Maildir, CrlfToLfMatchesOctetRule, (const std::string& m)) {
  std::string want;
  for (size_t i = 0; i < m.size(); ++i)
    if (!(m[i] == '\r' && i + 1 < m.size() && m[i + 1] == '\n')) want.push_back(m[i]);
  RC_ASSERT(CrlfToLf(m) == want);
}

TEST(Maildir, BatchDeliversEachOnceAndReportsRepeats) {
  TempDir t;
  std::string a = t.path() + "/a", b = t.path() + "/b";
  ASSERT_TRUE(EnsureMaildir(a).ok());
  ASSERT_TRUE(EnsureMaildir(b).ok());
  // k1 is already in a (an earlier attempt that was not recorded by the queue).
  ASSERT_TRUE(WriteMaildirMessage(a, "old\n", "q1R0", "h").ok());
  std::vector<MaildirItem> items = {{a, "one\n", "q1R0"},
                                    {a, "two\n", "q2R0"},
                                    {b, "two for b\n", "q2R0"},
                                    {a, "two again\n", "q2R0"},
                                    {b, "unkeyed\n", ""},
                                    {a, "bad\n", "../x"},
                                    {t.path() + "/missing", "x\n", "q3R0"}};
  auto res = WriteMaildirBatch(items, "h");
  ASSERT_EQ(res.size(), items.size());
  ASSERT_TRUE(res[0].ok());
  EXPECT_EQ(res[0]->outcome, MaildirOutcome::kAlreadyDelivered);
  ASSERT_TRUE(res[1].ok());
  EXPECT_EQ(res[1]->outcome, MaildirOutcome::kDelivered);
  EXPECT_EQ(res[1]->path, a + "/new/q2R0.h");
  ASSERT_TRUE(res[2].ok());
  EXPECT_EQ(res[2]->outcome, MaildirOutcome::kDelivered);
  ASSERT_TRUE(res[3].ok());
  EXPECT_EQ(res[3]->outcome, MaildirOutcome::kAlreadyDelivered);
  ASSERT_TRUE(res[4].ok());
  EXPECT_EQ(res[4]->outcome, MaildirOutcome::kDelivered);
  EXPECT_FALSE(res[5].ok());
  EXPECT_FALSE(res[6].ok());
  EXPECT_EQ(Ls(a + "/new"), (std::vector<std::string>{"q1R0.h", "q2R0.h"}));
  EXPECT_EQ(Ls(b + "/new").size(), 2u);
  EXPECT_TRUE(Ls(a + "/tmp").empty());
  EXPECT_TRUE(Ls(b + "/tmp").empty());
  std::string got;
  ASSERT_TRUE(io::ReadFileToString(a + "/new/q1R0.h", &got).ok());
  EXPECT_EQ(got, "old\n");
  ASSERT_TRUE(io::ReadFileToString(a + "/new/q2R0.h", &got).ok());
  EXPECT_EQ(got, "two\n");
  ASSERT_TRUE(io::ReadFileToString(res[4]->path, &got).ok());
  EXPECT_EQ(got, "unkeyed\n");
  // A second batch with the same keys writes nothing.
  auto again = WriteMaildirBatch(std::vector<MaildirItem>{{a, "x\n", "q2R0"}}, "h");
  ASSERT_TRUE(again[0].ok());
  EXPECT_EQ(again[0]->outcome, MaildirOutcome::kAlreadyDelivered);
  EXPECT_TRUE(WriteMaildirBatch({}, "h").empty());
}

TEST(Maildir, ErrorsAreReported) {
  TempDir t;
  EXPECT_FALSE(WriteMaildirMessage(t.path() + "/none", "x").ok());  // no maildir
  EXPECT_FALSE(WriteMaildirMessage(t.path(), "x", "bad/key").ok());
  ASSERT_TRUE(io::AtomicWriteFile(t.path(), "file", "x").ok());
  EXPECT_FALSE(DeliverMaildir(t.path() + "/file", "x", "", "").ok());  // not a directory
}

}  // namespace
}  // namespace mta::local
