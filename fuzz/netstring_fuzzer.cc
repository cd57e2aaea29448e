// netstring_fuzzer.cc: the netstring decoder (RFCNETSTR) over arbitrary input.
//
// Invariants: chunked feeding (chunk sizes from the input) yields the same strings and the
// same error as whole feeding and as ParseNetstring; a small length bound is honoured;
// re-encoding each decoded string gives exactly the bytes it was decoded from.
//
//   netstring_fuzzer corpora/fuzz/netstring_fuzzer
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/netstring/netstring.h"

namespace {

using mta::netstring::NetstringDecoder;
using mta::netstring::NetstringError;

struct Result {
  std::vector<std::string> strings;
  NetstringError error = NetstringError::kNone;
  std::size_t consumed = 0;
  bool operator==(const Result&) const = default;
};

Result Decode(std::string_view in, std::size_t max, std::string_view chunks) {
  NetstringDecoder d(max);
  Result r;
  std::size_t pos = 0, k = 0;
  while (pos < in.size()) {
    std::size_t n = chunks.empty() ? in.size()
                                   : static_cast<unsigned char>(chunks[k++ % chunks.size()]) % 7 + 1;
    std::string_view chunk = in.substr(pos, std::min(n, in.size() - pos));
    pos += chunk.size();
    while (true) {
      std::size_t used = d.Feed(chunk);
      r.consumed += used;
      chunk.remove_prefix(used);
      if (d.state() == NetstringDecoder::State::kError) {
        r.error = d.error();
        return r;
      }
      if (d.state() == NetstringDecoder::State::kGotString) {
        r.strings.push_back(d.Take());
        continue;
      }
      if (chunk.empty()) break;
    }
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 16) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t small = size > 0 ? data[0] % 64 : 0;

  for (std::size_t max : {mta::netstring::kMaxNetstringLength, small}) {
    Result whole = Decode(in, max, {});
    if (Decode(in, max, in) != whole) __builtin_trap();
    if (Decode(in, max, std::string_view("\0", 1)) != whole) __builtin_trap();  // one octet at a time
    // The one-shot parser agrees, string by string.
    std::string_view rest = in;
    std::string reencoded;
    for (const std::string& s : whole.strings) {
      if (s.size() > max) __builtin_trap();
      auto p = mta::netstring::ParseNetstring(rest, max);
      if (p.status != mta::netstring::NetstringParse::Status::kOk || p.value != s) __builtin_trap();
      reencoded += mta::netstring::EncodeNetstring(s);
      rest.remove_prefix(p.consumed);
    }
    // Re-encoding reproduces the canonical input prefix octet for octet.
    if (in.substr(0, reencoded.size()) != reencoded) __builtin_trap();
    if (whole.error != NetstringError::kNone) {
      auto p = mta::netstring::ParseNetstring(rest, max);
      if (p.status != mta::netstring::NetstringParse::Status::kError || p.error != whole.error)
        __builtin_trap();
    }
  }
  return 0;
}
