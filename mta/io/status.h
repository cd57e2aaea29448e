// status.h: a small error value for the file-I/O layer (errno plus context).
//
// Functions that touch the file system return Status (or Result<T>): ok, or an errno
// code with a short description of the operation that failed. Callers decide whether a
// failure is temporary (most errno values: disk full, I/O error) or permanent.
//
//   Status s = FsyncDir("/var/refmta/queue/env");
//   if (!s.ok()) log(s.ToString());   // "fsync /var/refmta/queue/env: Input/output error"
#ifndef MTA_IO_STATUS_H_
#define MTA_IO_STATUS_H_

#include <optional>
#include <string>
#include <utility>

namespace mta::io {

class Status {
 public:
  Status() = default;  // ok
  static Status Ok() { return Status(); }
  // An error with errno `code` (> 0) while doing `what`.
  static Status Errno(int code, std::string what) { return Status(code, std::move(what)); }
  // An error that is not an errno (malformed file, invariant of the data): code EINVAL-like.
  static Status Invalid(std::string what);

  bool ok() const { return code_ == 0; }
  int code() const { return code_; }
  const std::string& what() const { return what_; }
  std::string ToString() const;

 private:
  Status(int code, std::string what) : code_(code), what_(std::move(what)) {}
  int code_ = 0;
  std::string what_;
};

// A value or an error.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = Status::Invalid("result without a value");
  }
  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace mta::io

#endif  // MTA_IO_STATUS_H_
