// file_test.cc: tests for UniqueFd, WriteAll/ReadFull, fsync helpers, AtomicWriteFile.
#include "mta/io/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "gtest/gtest.h"
#include "mta/io/test_util.h"

namespace mta::io {
namespace {

TEST(UniqueFd, ClosesOnDestructionAndMove) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    UniqueFd a(fds[0]);
    UniqueFd b(std::move(a));
    EXPECT_FALSE(a.valid());
    EXPECT_EQ(b.get(), fds[0]);
  }
  EXPECT_EQ(::fcntl(fds[0], F_GETFD), -1);  // closed
  UniqueFd w(fds[1]);
  EXPECT_TRUE(w.Close().ok());
  EXPECT_FALSE(w.valid());
  EXPECT_EQ(::fcntl(fds[1], F_GETFD), -1);
}

TEST(WriteAllReadFull, PipeRoundTripLargerThanPipeBuffer) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd r(fds[0]), w(fds[1]);
  std::string data(20000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  ASSERT_TRUE(WriteAll(w.get(), data).ok());
  w.reset();
  std::string got;
  auto n = ReadFull(r.get(), 100000, &got);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, data.size());  // stopped at end of file
  EXPECT_EQ(got, data);
}

TEST(WriteAll, ReportsErrors) {
  Status s = WriteAll(-1, "x");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), EBADF);
  EXPECT_NE(s.ToString().find("write"), std::string::npos);
}

TEST(AtomicWriteFile, CreatesReplacesWithModeAndNoLeftovers) {
  TempDir t;
  ASSERT_TRUE(AtomicWriteFile(t.path(), "f", "one", 0640).ok());
  std::string got;
  ASSERT_TRUE(ReadFileToString(t.path() + "/f", &got).ok());
  EXPECT_EQ(got, "one");
  struct stat st;
  ASSERT_EQ(::stat((t.path() + "/f").c_str(), &st), 0);
  mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0640u & ~mask);
  ASSERT_TRUE(AtomicWriteFile(t.path(), "f", "two").ok());
  ASSERT_TRUE(ReadFileToString(t.path() + "/f", &got).ok());
  EXPECT_EQ(got, "two");
  auto names = ListDir(t.path());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"f"});
}

TEST(AtomicWriteFile, FailsInMissingDir) {
  EXPECT_FALSE(AtomicWriteFile("/nonexistent-refmta-dir", "f", "x").ok());
}

TEST(Dirs, MakeDirsListAndFsync) {
  TempDir t;
  std::string d = t.path() + "/a/b/c";
  ASSERT_TRUE(MakeDirs(d, 0700).ok());
  ASSERT_TRUE(MakeDirs(d, 0700).ok());  // idempotent
  struct stat st;
  ASSERT_EQ(::stat(d.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0077, 0u);
  EXPECT_TRUE(FsyncDir(d).ok());
  EXPECT_FALSE(FsyncDir(t.path() + "/missing").ok());
  ASSERT_TRUE(AtomicWriteFile(d, "x", "1").ok());
  ASSERT_TRUE(AtomicWriteFile(d, "y", "2").ok());
  auto names = ListDir(d);
  ASSERT_TRUE(names.ok());
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(ListDir(t.path() + "/missing").ok());
  // A regular file in the way is an error.
  EXPECT_FALSE(MakeDir(d + "/x").ok());
}

TEST(RemoveIfExists, MissingIsOk) {
  TempDir t;
  EXPECT_TRUE(RemoveIfExists(t.path() + "/nope").ok());
  ASSERT_TRUE(AtomicWriteFile(t.path(), "f", "").ok());
  EXPECT_TRUE(PathExists(t.path() + "/f"));
  EXPECT_TRUE(RemoveIfExists(t.path() + "/f").ok());
  EXPECT_FALSE(PathExists(t.path() + "/f"));
}

TEST(ReadFileToString, MissingFileIsAnError) {
  std::string s;
  Status st = ReadFileToString("/nonexistent-refmta-file", &s);
  EXPECT_EQ(st.code(), ENOENT);
}

}  // namespace
}  // namespace mta::io

namespace mta::io {
namespace {

TEST(FsyncAll, OneStatusPerDescriptorInOrder) {
  TempDir t;
  std::vector<UniqueFd> files;
  std::vector<int> fds;
  for (int i = 0; i < 40; ++i) {
    auto fd = OpenFile(t.path() + "/f" + std::to_string(i), O_WRONLY | O_CREAT | O_EXCL, 0600);
    ASSERT_TRUE(fd.ok());
    ASSERT_TRUE(WriteAll(fd->get(), std::string(100 + i, 'x')).ok());
    fds.push_back(fd->get());
    files.push_back(std::move(*fd));
  }
  auto dir = OpenFile(t.path(), O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(dir.ok());
  fds.push_back(dir->get());
  fds.push_back(-1);  // a bad descriptor fails alone
  for (size_t par : {size_t{1}, size_t{4}, size_t{64}}) {
    std::vector<Status> st = FsyncAll(fds, par);
    ASSERT_EQ(st.size(), fds.size());
    for (size_t i = 0; i + 1 < st.size(); ++i) EXPECT_TRUE(st[i].ok()) << i;
    EXPECT_EQ(st.back().code(), EBADF);
  }
  EXPECT_TRUE(FsyncAll({}).empty());
}

TEST(RemoveAll, RemovesEveryPathMissingIsSuccess) {
  TempDir t;
  std::vector<std::string> paths;
  for (int i = 0; i < 30; ++i) {
    paths.push_back(t.path() + "/f" + std::to_string(i));
    ASSERT_TRUE(AtomicWriteFile(t.path(), "f" + std::to_string(i), "x").ok());
  }
  paths.push_back(t.path() + "/missing");
  ASSERT_TRUE(MakeDir(t.path() + "/d").ok());
  paths.push_back(t.path() + "/d");  // unlink() of a directory fails
  std::vector<Status> st = RemoveAll(paths, 8);
  ASSERT_EQ(st.size(), paths.size());
  for (size_t i = 0; i + 1 < st.size(); ++i) EXPECT_TRUE(st[i].ok()) << paths[i];
  EXPECT_FALSE(st.back().ok());
  auto left = ListDir(t.path());
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, std::vector<std::string>{"d"});
}

}  // namespace
}  // namespace mta::io
