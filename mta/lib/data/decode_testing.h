// decode_testing.h: test-only helper shared by the DATA decoder's unit and property tests:
// decode an input fed in pieces of given sizes and collect everything observable.
#ifndef MTA_LIB_DATA_DECODE_TESTING_H_
#define MTA_LIB_DATA_DECODE_TESTING_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/data/anomaly.h"
#include "mta/lib/data/decoder.h"

namespace mta::data::testing {

struct Outcome {
  std::string body;
  bool complete = false;
  uint64_t consumed = 0;  // sum of what Feed() returned
  std::vector<Anomaly> anomalies;
  AnomalyCounts counts{};
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

// Feeds `in` in pieces whose sizes cycle through `sizes` (whole when empty), stopping when
// the decoder stops consuming (end of data), then finishes the stream. The decoder's own
// consumed() count goes to *decoder_consumed when given (it must equal r.consumed).
inline Outcome DecodeInChunks(std::string_view in, const std::vector<size_t>& sizes,
                              DecoderOptions o = {}, uint64_t* decoder_consumed = nullptr) {
  DataDecoder d(o);
  Outcome r;
  size_t pos = 0, k = 0;
  while (pos < in.size()) {
    size_t s = sizes.empty() ? in.size() : std::max<size_t>(1, sizes[k++ % sizes.size()]);
    s = std::min(s, in.size() - pos);
    size_t c = d.Feed(in.substr(pos, s));
    r.consumed += c;
    if (c < s) break;
    pos += s;
  }
  if (decoder_consumed) *decoder_consumed = d.consumed();
  if (!d.complete()) d.Finish();
  r.complete = d.complete();
  r.body = d.body();
  r.anomalies = d.anomalies();
  r.counts = d.counts();
  return r;
}

}  // namespace mta::data::testing

#endif  // MTA_LIB_DATA_DECODE_TESTING_H_
