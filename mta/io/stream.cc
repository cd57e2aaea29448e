// stream.cc: Reader/Writer implementations and record I/O helpers.
#include "mta/io/stream.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "mta/io/file.h"

namespace mta::io {

Result<size_t> FdReader::Read(char* buf, size_t n) {
  for (;;) {
    ssize_t r = ::read(fd_, buf, n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno != EINTR) return Status::Errno(errno, "read");
  }
}

Status FdWriter::Write(std::string_view bytes) { return WriteAll(fd_, bytes); }

Result<size_t> StringReader::Read(char* buf, size_t n) {
  size_t k = std::min({n, chunk_, data_.size() - pos_});
  if (k > 0) std::memcpy(buf, data_.data() + pos_, k);
  pos_ += k;
  return k;
}

Status StringWriter::Write(std::string_view bytes) {
  if (data_.size() + bytes.size() > fail_after_) {
    data_.append(bytes.substr(0, fail_after_ - data_.size()));
    return Status::Errno(ENOSPC, "write");
  }
  data_.append(bytes);
  return Status::Ok();
}

Result<bool> ReadRecord(Reader& in, RecordDecoder& dec, Record* out) {
  char buf[16384];
  for (;;) {
    switch (dec.Next(out)) {
      case RecordDecoder::State::kRecord: return true;
      case RecordDecoder::State::kError:
        return Status::Invalid(std::string("record: ") + RecordErrorName(dec.error()));
      case RecordDecoder::State::kNeedMore: break;
    }
    auto n = in.Read(buf, sizeof buf);
    if (!n.ok()) return n.status();
    if (*n == 0) {
      RecordError e = dec.Finish();
      if (e == RecordError::kNone) return false;
      return Status::Invalid(std::string("record: ") + RecordErrorName(e));
    }
    dec.Feed(std::string_view(buf, *n));
  }
}

Status WriteRecord(Writer& out, const Record& r) { return out.Write(EncodeRecord(r)); }

}  // namespace mta::io
