// file.cc: descriptors and durable file operations.
#include "mta/io/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <system_error>
#include <thread>

namespace mta::io {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) reset(o.release());
  return *this;
}

int UniqueFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);  // close(2) must not be retried on EINTR (Linux)
  fd_ = fd;
}

Status UniqueFd::Close() {
  if (fd_ < 0) return Status::Ok();
  int fd = release();
  if (::close(fd) != 0 && errno != EINTR) return Status::Errno(errno, "close");
  return Status::Ok();
}

Result<UniqueFd> OpenFile(const std::string& path, int flags, mode_t mode) {
  for (;;) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != EINTR) return Status::Errno(errno, "open " + path);
  }
}

Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Errno(errno, "write");
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Result<size_t> ReadFull(int fd, size_t n, std::string* out) {
  size_t got = 0;
  char buf[65536];
  while (got < n) {
    size_t want = n - got < sizeof buf ? n - got : sizeof buf;
    ssize_t r = ::read(fd, buf, want);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::Errno(errno, "read");
    }
    if (r == 0) break;
    out->append(buf, static_cast<size_t>(r));
    got += static_cast<size_t>(r);
  }
  return got;
}

Status ReadFileToString(const std::string& path, std::string* out) {
  out->clear();
  auto fd = OpenFile(path, O_RDONLY);
  if (!fd.ok()) return fd.status();
  for (;;) {
    auto r = ReadFull(fd->get(), 1 << 20, out);
    if (!r.ok()) return Status::Errno(r.status().code(), "read " + path);
    if (*r == 0) return Status::Ok();
  }
}

Status FsyncFile(int fd) {
  for (;;) {
    if (::fsync(fd) == 0) return Status::Ok();
    if (errno != EINTR) return Status::Errno(errno, "fsync");
  }
}

Status FsyncDir(const std::string& dir) {
  auto fd = OpenFile(dir, O_RDONLY | O_DIRECTORY);
  if (!fd.ok()) return fd.status();
  Status s = FsyncFile(fd->get());
  if (!s.ok()) return Status::Errno(s.code(), "fsync " + dir);
  return Status::Ok();
}

namespace {

// Runs fn(i) for every i in [0, n) on up to `max_parallel` threads (the caller included).
template <typename Fn>
void ParallelFor(size_t n, size_t max_parallel, Fn fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
  };
  size_t threads = std::min(n, std::max<size_t>(max_parallel, 1));
  std::vector<std::thread> pool;
  if (threads > 1) {
    pool.reserve(threads - 1);
    for (size_t t = 1; t < threads; ++t) {
      try {
        pool.emplace_back(work);
      } catch (const std::system_error&) {
        break;  // no more threads: the ones running (and this one) do the rest
      }
    }
  }
  work();
  for (std::thread& t : pool) t.join();
}

}  // namespace

std::vector<Status> FsyncAll(std::span<const int> fds, size_t max_parallel) {
  std::vector<Status> out(fds.size());
  // Queue the data of every file for write-back now, so that the block allocations of all of
  // them land in the journal transaction that the first fsync commits. Advisory only:
  // errors (EINVAL/ESPIPE for directories) are left to the fsync below.
  for (int fd : fds) ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  ParallelFor(fds.size(), max_parallel, [&](size_t i) { out[i] = FsyncFile(fds[i]); });
  return out;
}

std::vector<Status> RemoveAll(std::span<const std::string> paths, size_t max_parallel) {
  std::vector<Status> out(paths.size());
  ParallelFor(paths.size(), max_parallel, [&](size_t i) { out[i] = RemoveIfExists(paths[i]); });
  return out;
}

Status MakeDir(const std::string& dir, mode_t mode) {
  if (::mkdir(dir.c_str(), mode) == 0) return Status::Ok();
  int e = errno;
  struct stat st;
  if (e == EEXIST && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::Ok();
  return Status::Errno(e, "mkdir " + dir);
}

Status MakeDirs(const std::string& dir, mode_t mode) {
  if (dir.empty()) return Status::Invalid("mkdir: empty path");
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos == dir.size() || dir[pos] == '/') {
      std::string prefix = dir.substr(0, pos);
      if (prefix.empty() || prefix.back() == '/') continue;
      Status s = MakeDir(prefix, mode);
      if (!s.ok()) return s;
    }
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Status::Errno(errno, "opendir " + dir);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
    errno = 0;
  }
  int e = errno;
  ::closedir(d);
  if (e != 0) return Status::Errno(e, "readdir " + dir);
  return names;
}

Status AtomicWriteFile(const std::string& dir, const std::string& name,
                       std::string_view bytes, mode_t mode) {
  std::string tmp = dir + "/.tmp." + name + "." + std::to_string(::getpid());
  std::string dst = dir + "/" + name;
  auto fd = OpenFile(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);
  if (!fd.ok()) return fd.status();
  Status s = WriteAll(fd->get(), bytes);
  if (s.ok()) s = FsyncFile(fd->get());
  if (s.ok()) s = fd->Close();
  if (s.ok() && ::rename(tmp.c_str(), dst.c_str()) != 0) s = Status::Errno(errno, "rename " + dst);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return FsyncDir(dir);
}

Status RemoveIfExists(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return Status::Ok();
  return Status::Errno(errno, "unlink " + path);
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace mta::io
