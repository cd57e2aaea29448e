// file.h: file descriptors and durable file operations (POSIX).
//
// The building blocks of every durability promise refmta makes:
//   - UniqueFd owns a descriptor and closes it once.
//   - WriteAll / ReadFull loop over short writes/reads and EINTR.
//   - FsyncFile / FsyncDir make data, and directory entries, durable. POSIX: a rename or
//     link is durable only after fsync() of the directory that holds the new name.
//   - FsyncAll makes many descriptors durable at the cost of about one flush: it starts
//     write-back of all of them, then fsyncs them from parallel threads, so a journaling
//     filesystem (ext4, xfs) folds them into one journal commit.
//   - AtomicWriteFile: write `dir/.tmp.<name>.<pid>`, fsync it, rename over `dir/name`,
//     fsync `dir`. A crash leaves either the old file or the new one (and perhaps a
//     dot-tmp leftover), never a mixture.
//
//   UniqueFd fd = ...;  Status s = WriteAll(fd.get(), "bytes");
//   Status s = AtomicWriteFile("/srv/q/env", "1234", serialized, 0600);
#ifndef MTA_IO_FILE_H_
#define MTA_IO_FILE_H_

#include <sys/types.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mta/io/status.h"

namespace mta::io {

// Owns a file descriptor; closes it on destruction. -1 means empty.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  // Closes the current descriptor (if any) and takes `fd`.
  void reset(int fd = -1);
  // Closes and reports the close() error (NFS reports write errors at close).
  Status Close();

 private:
  int fd_ = -1;
};

// open(2) with O_CLOEXEC added; retries on EINTR.
Result<UniqueFd> OpenFile(const std::string& path, int flags, mode_t mode = 0600);

// Writes every byte, retrying short writes and EINTR.
Status WriteAll(int fd, std::string_view bytes);
// Reads up to `n` bytes into `out` (appending), stopping early only at end of file.
// Returns the number of bytes read.
Result<size_t> ReadFull(int fd, size_t n, std::string* out);
// Reads the whole file into `out` (replacing it).
Status ReadFileToString(const std::string& path, std::string* out);

Status FsyncFile(int fd);
// Opens `dir` read-only and fsyncs it, making renames/links/unlinks inside durable.
Status FsyncDir(const std::string& dir);
// fsync()s every descriptor in `fds` (files or directories) and returns one Status per
// descriptor, in order; each is durable when its Status is ok. Write-back of every file is
// started first (sync_file_range), then up to `max_parallel` fsyncs run at once (threads),
// which the filesystem journal serves with a shared commit.
//   std::vector<Status> st = FsyncAll(std::vector<int>{fd1, fd2, dirfd});
std::vector<Status> FsyncAll(std::span<const int> fds, size_t max_parallel = 32);

// Creates `dir` with `mode` if it does not exist (EEXIST is success when it is a
// directory). Parents are not created.
Status MakeDir(const std::string& dir, mode_t mode = 0700);
// mkdir -p with `mode` for every created component.
Status MakeDirs(const std::string& dir, mode_t mode = 0700);

// Names in `dir` (without "." and ".."), unsorted.
Result<std::vector<std::string>> ListDir(const std::string& dir);

// Durably replaces `dir/name` with `bytes` (see the file comment). `mode` applies to the
// new file.
Status AtomicWriteFile(const std::string& dir, const std::string& name,
                       std::string_view bytes, mode_t mode = 0600);

// Removes `path`; a missing file is success.
Status RemoveIfExists(const std::string& path);
// RemoveIfExists for each path, up to `max_parallel` at once (threads): freeing a file can
// wait on the filesystem journal for milliseconds, and waits in parallel overlap. One
// Status per path, in order. No order among the unlinks is implied.
std::vector<Status> RemoveAll(std::span<const std::string> paths, size_t max_parallel = 32);

// True when `path` exists (lstat succeeds).
bool PathExists(const std::string& path);

}  // namespace mta::io

#endif  // MTA_IO_FILE_H_
