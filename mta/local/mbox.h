// mbox.h: delivery into an mbox file (mboxrd), with locking and all-or-nothing append.
//
// Locking, as procmail and qmail-local (with dot-locking) do, in this order:
//   1. a dot-lock "<path>.lock" created with O_EXCL (retried `lock_attempts` times with
//      `lock_wait_ms` between; a lock older than `stale_lock_seconds` is removed). If the
//      directory does not let us create it (EACCES/EROFS), delivery continues with
//      fcntl() locking alone, as qmail-local does;
//   2. an fcntl() write lock on the whole file (F_SETLK, retried likewise).
// Append: fstat the size, make sure the file ends with a blank line (adding "\n" or "\n\n"
// when a previous writer did not), write the entry (mbox_format.h) at the end, fsync. On
// any failure the file is truncated back to its original size and fsynced: a partial
// message is never left behind.
//
//   Status s = DeliverMbox("/var/mail/u", msg, "a@b", "u@example.org", time(nullptr));
#ifndef MTA_LOCAL_MBOX_H_
#define MTA_LOCAL_MBOX_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "mta/io/status.h"

namespace mta::local {

struct MboxLockOptions {
  int lock_attempts = 50;
  int lock_wait_ms = 100;
  int64_t stale_lock_seconds = 300;
  bool dotlock = true;
};

// Appends one message (DeliveryHeaders + message with CRLF -> LF) to `path`, creating the
// file with mode 0600 when missing.
io::Status DeliverMbox(const std::string& path, std::string_view message,
                       std::string_view return_path, std::string_view delivered_to,
                       int64_t unix_time, const MboxLockOptions& opts = {});

}  // namespace mta::local

#endif  // MTA_LOCAL_MBOX_H_
