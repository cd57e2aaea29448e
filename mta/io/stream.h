// stream.h: Reader and Writer interfaces over bytes, with fd-backed and in-memory
// implementations, so protocol code can be tested one octet at a time without sockets
// (the technique of notqmail's unittest_qmail-remote.c read/write stubs).
//
//   StringReader in(wire, /*chunk=*/1);   // hands out 1 byte per Read
//   RecordDecoder dec;  Record r;
//   while (ReadRecord(in, dec, &r).value()) handle(r);
#ifndef MTA_IO_STREAM_H_
#define MTA_IO_STREAM_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "mta/io/record.h"
#include "mta/io/status.h"

namespace mta::io {

class Reader {
 public:
  virtual ~Reader() = default;
  // Reads at most `n` bytes into `buf`. Returns 0 only at end of stream.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

class Writer {
 public:
  virtual ~Writer() = default;
  // Writes all of `bytes` or fails.
  virtual Status Write(std::string_view bytes) = 0;
};

// Reads from a descriptor it does not own (EINTR retried).
class FdReader : public Reader {
 public:
  explicit FdReader(int fd) : fd_(fd) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  int fd_;
};

class FdWriter : public Writer {
 public:
  explicit FdWriter(int fd) : fd_(fd) {}
  Status Write(std::string_view bytes) override;

 private:
  int fd_;
};

// Serves `data` in reads of at most `chunk` bytes (chunk >= 1).
class StringReader : public Reader {
 public:
  explicit StringReader(std::string data, size_t chunk = SIZE_MAX)
      : data_(std::move(data)), chunk_(chunk == 0 ? 1 : chunk) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  std::string data_;
  size_t pos_ = 0;
  size_t chunk_;
};

// Appends to a string; can be told to fail after `fail_after` bytes (tests of error
// paths).
class StringWriter : public Writer {
 public:
  StringWriter() = default;
  explicit StringWriter(size_t fail_after) : fail_after_(fail_after) {}
  Status Write(std::string_view bytes) override;
  const std::string& data() const { return data_; }

 private:
  std::string data_;
  size_t fail_after_ = SIZE_MAX;
};

// Reads until the decoder yields a record. Returns true with `out` filled, false at a
// clean end of stream (no partial record), or an error (I/O, malformed or truncated).
Result<bool> ReadRecord(Reader& in, RecordDecoder& dec, Record* out);
Status WriteRecord(Writer& out, const Record& r);

}  // namespace mta::io

#endif  // MTA_IO_STREAM_H_
