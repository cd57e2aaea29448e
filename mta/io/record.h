// record.h: length-prefixed records for messages between refmta's processes.
//
// In the manner of OpenSMTPD's imsg and qmail's "don't parse" rule, processes exchange
// records that need no parsing beyond reading lengths:
//
//   record  = length type payload
//   length  = 4 octets, big-endian, counts type + payload (so length >= 1)
//   type    = 1 octet (meaning defined by the protocol using it)
//   payload = *field
//   field   = flen fbytes      ; flen: 4 octets, big-endian; fbytes: any octets
//
// The payload must consist exactly of whole fields. A decoder refuses a record whose
// length exceeds its maximum as soon as the 4 length octets have arrived, so a peer
// cannot make it buffer more than max + 5 octets per record.
//
//   std::string wire = EncodeRecord(kMessage, {"<a@b>", "c@d", body});
//   RecordDecoder dec(1 << 20);
//   dec.Feed(wire);
//   Record r;
//   if (dec.Next(&r) == RecordDecoder::State::kRecord) use(r.type, r.fields);
#ifndef MTA_IO_RECORD_H_
#define MTA_IO_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace mta::io {

struct Record {
  uint8_t type = 0;
  std::vector<std::string> fields;
  bool operator==(const Record&) const = default;
};

inline constexpr size_t kRecordHeaderSize = 5;  // length + type
inline constexpr size_t kDefaultMaxRecordSize = 64u << 20;

// Encodes one record. The caller keeps the total under its peer's maximum.
std::string EncodeRecord(uint8_t type, std::initializer_list<std::string_view> fields);
std::string EncodeRecord(uint8_t type, const std::vector<std::string>& fields);
std::string EncodeRecord(const Record& r);

enum class RecordError {
  kNone,
  kTooLarge,       // declared length above the decoder's maximum
  kEmpty,          // declared length 0 (no type octet)
  kBadField,       // a field length runs past the end of the record
  kTruncated,      // end of stream inside a record (reported by Finish())
};
const char* RecordErrorName(RecordError e);

// Incremental decoder: feed any split of the byte stream (one octet at a time works);
// take records out with Next(). An error is sticky: the stream cannot be resynchronised.
class RecordDecoder {
 public:
  enum class State { kNeedMore, kRecord, kError };

  explicit RecordDecoder(size_t max_record_size = kDefaultMaxRecordSize)
      : max_(max_record_size) {}

  // Appends bytes to the internal buffer. Call Next() until kNeedMore after each Feed to
  // keep buffering bounded by one record.
  void Feed(std::string_view bytes);
  // Extracts the next complete record into `out`.
  State Next(Record* out);
  // At end of stream: kNone when no partial record is buffered, kTruncated otherwise
  // (or the sticky error).
  RecordError Finish();

  RecordError error() const { return error_; }
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  size_t max_;
  std::string buf_;
  size_t pos_ = 0;
  RecordError error_ = RecordError::kNone;
};

// Parses exactly one complete record from `wire` (all of it). Returns false on any error.
bool DecodeOneRecord(std::string_view wire, Record* out, size_t max = kDefaultMaxRecordSize);

}  // namespace mta::io

#endif  // MTA_IO_RECORD_H_
