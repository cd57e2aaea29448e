// mbox.cc: locked, all-or-nothing mbox append (see mbox.h).
#include "mta/local/mbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "mta/io/file.h"
#include "mta/local/maildir.h"
#include "mta/local/mbox_format.h"

namespace mta::local {
namespace {

using io::Status;

void SleepMs(int ms) {
  struct timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Dot-lock; *held is false when the directory does not allow one (fcntl only then).
Status DotLock(const std::string& lock, const MboxLockOptions& o, bool* held) {
  *held = false;
  for (int i = 0; i < o.lock_attempts; ++i) {
    int fd = ::open(lock.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
      *held = true;
      return Status::Ok();
    }
    if (errno == EACCES || errno == EROFS || errno == EPERM) return Status::Ok();
    if (errno != EEXIST) return Status::Errno(errno, "create " + lock);
    struct stat st;
    if (::stat(lock.c_str(), &st) == 0 && ::time(nullptr) - st.st_mtime > o.stale_lock_seconds) {
      ::unlink(lock.c_str());
      continue;
    }
    if (i + 1 < o.lock_attempts) SleepMs(o.lock_wait_ms);
  }
  return Status::Errno(EAGAIN, "mailbox locked: " + lock);
}

Status FcntlLock(int fd, const MboxLockOptions& o) {
  for (int i = 0; i < o.lock_attempts; ++i) {
    struct flock fl{};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (::fcntl(fd, F_SETLK, &fl) == 0) return Status::Ok();
    if (errno == EINTR) continue;
    if (errno != EACCES && errno != EAGAIN) return Status::Errno(errno, "fcntl lock");
    if (i + 1 < o.lock_attempts) SleepMs(o.lock_wait_ms);
  }
  return Status::Errno(EAGAIN, "mailbox locked (fcntl)");
}

Status Append(int fd, std::string_view entry) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::Errno(errno, "fstat");
  off_t size = st.st_size;
  std::string prefix;
  if (size > 0) {
    char tail[2] = {0, 0};
    off_t from = size >= 2 ? size - 2 : 0;
    ssize_t n = ::pread(fd, tail, static_cast<size_t>(size - from), from);
    if (n != size - from) return Status::Errno(n < 0 ? errno : EIO, "pread");
    bool ends_nl = tail[n - 1] == '\n';
    bool ends_blank = ends_nl && (size == 1 || tail[0] == '\n');
    // mbox: a From_ line must follow a blank line.
    if (!ends_nl) prefix = "\n\n";
    else if (!ends_blank) prefix = "\n";
  }
  std::string all = prefix + std::string(entry);
  Status s;
  if (::lseek(fd, size, SEEK_SET) < 0) s = Status::Errno(errno, "lseek");
  if (s.ok()) s = io::WriteAll(fd, all);
  if (s.ok()) s = io::FsyncFile(fd);
  if (!s.ok()) {
    // Never leave a partial message.
    if (::ftruncate(fd, size) == 0) ::fsync(fd);
  }
  return s;
}

}  // namespace

Status DeliverMbox(const std::string& path, std::string_view message,
                   std::string_view return_path, std::string_view delivered_to,
                   int64_t unix_time, const MboxLockOptions& opts) {
  std::string content = DeliveryHeaders(return_path, delivered_to) + CrlfToLf(message);
  std::string entry = FormatMboxEntry(return_path, unix_time, content);
  std::string lock = path + ".lock";
  bool dot = false;
  if (opts.dotlock) {
    Status s = DotLock(lock, opts, &dot);
    if (!s.ok()) return s;
  }
  Status s;
  {
    auto fd = io::OpenFile(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
    if (!fd.ok()) {
      s = fd.status();
    } else {
      struct stat st;
      if (::fstat(fd->get(), &st) != 0) s = Status::Errno(errno, "fstat " + path);
      else if (!S_ISREG(st.st_mode)) s = Status::Invalid("not a regular file: " + path);
      if (s.ok()) s = FcntlLock(fd->get(), opts);
      if (s.ok()) s = Append(fd->get(), entry);
      // Closing releases the fcntl lock. After a successful fsync the entry is durable, so
      // a close() error must not turn into a retry (that would duplicate the message).
      fd->reset();
    }
  }
  if (dot) ::unlink(lock.c_str());
  return s;
}

}  // namespace mta::local
