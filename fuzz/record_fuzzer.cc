// record_fuzzer.cc: fuzzes mta::io::RecordDecoder (mta/io/record.h).
//
// Input: byte 0 selects the feed chunk size (1..16) and byte 1 the decoder's maximum
// record size; the rest is the stream. Invariants checked:
//   - decoding in chunks yields exactly the records of decoding all at once;
//   - every record re-encodes to the very bytes it was decoded from;
//   - the decoder never buffers more than one maximal record plus one chunk;
//   - an error is sticky.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mta/io/record.h"

namespace {

using mta::io::EncodeRecord;
using mta::io::Record;
using mta::io::RecordDecoder;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > 65536) return 0;
  size_t chunk = data[0] % 16 + 1;
  size_t max = static_cast<size_t>(data[1]) * 16 + 1;
  std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);

  // All at once.
  std::vector<Record> whole;
  size_t consumed = 0;
  RecordDecoder a(max);
  a.Feed(in);
  Record r;
  RecordDecoder::State st;
  while ((st = a.Next(&r)) == RecordDecoder::State::kRecord) {
    std::string wire = EncodeRecord(r);
    Check(in.substr(consumed, wire.size()) == wire);
    Check(wire.size() <= max + 4);
    consumed += wire.size();
    whole.push_back(r);
  }
  bool whole_error = st == RecordDecoder::State::kError;
  if (whole_error) Check(a.Next(&r) == RecordDecoder::State::kError);
  else Check(a.buffered() == in.size() - consumed);

  // In chunks.
  std::vector<Record> parts;
  RecordDecoder b(max);
  bool err = false;
  for (size_t pos = 0; pos < in.size() && !err; pos += chunk) {
    b.Feed(in.substr(pos, chunk));
    while ((st = b.Next(&r)) == RecordDecoder::State::kRecord) parts.push_back(r);
    if (st == RecordDecoder::State::kError) err = true;
    else Check(b.buffered() <= max + 4 + chunk);
  }
  Check(parts == whole);
  Check(err == whole_error);
  return 0;
}
