// data_decode_fuzzer.cc: fuzzes the SMTP DATA decoder (mta/lib/data/decoder.h).
//
// Input layout: byte 0 selects how many of the following bytes are chunk sizes (1-8),
// the next byte selects options, the rest is the stream after the 354 reply. The stream
// is decoded whole, in the chunk sizes given, and one byte at a time; every outcome must
// be identical (RFC 5321 4.1.1.4 end-of-data detection must not depend on segmentation),
// the body never larger than the input, and the end exactly at the first <CRLF>.<CRLF>.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/data/decoder.h"
#include "mta/lib/data/line_ends.h"

namespace {

using mta::data::AnomalyKind;
using mta::data::DataDecoder;
using mta::data::DecoderOptions;

struct Outcome {
  std::string body;
  bool complete = false;
  uint64_t consumed = 0;
  std::vector<mta::data::Anomaly> anomalies;
  mta::data::AnomalyCounts counts{};
  bool operator==(const Outcome&) const = default;
};

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

Outcome Run(std::string_view in, const std::vector<size_t>& sizes, const DecoderOptions& o) {
  DataDecoder d(o);
  Outcome r;
  size_t pos = 0, k = 0;
  while (pos < in.size()) {
    size_t s = sizes.empty() ? in.size() : sizes[k++ % sizes.size()];
    if (s > in.size() - pos) s = in.size() - pos;
    size_t c = d.Feed(in.substr(pos, s));
    Check(c <= s);
    r.consumed += c;
    if (c < s) {
      Check(d.complete());
      Check(d.Feed(in.substr(pos + c)) == 0);
      break;
    }
    pos += s;
  }
  Check(r.consumed == d.consumed());
  if (!d.complete()) d.Finish();
  r.complete = d.complete();
  r.body = d.body();
  r.anomalies = d.anomalies();
  r.counts = d.counts();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > (1 << 16)) return 0;
  size_t nsizes = data[0] % 8 + 1;
  if (size < 2 + nsizes) return 0;
  std::vector<size_t> sizes;
  for (size_t i = 0; i < nsizes; ++i) sizes.push_back(data[1 + i] % 64 + 1);
  uint8_t opt = data[1 + nsizes];
  DecoderOptions o;
  if (opt & 1) o.max_body_size = opt >> 2;
  if (opt & 2) o.max_events_per_kind = 2;
  if (opt & 0x80) o.max_line_octets = opt & 0x1f;
  std::string_view in(reinterpret_cast<const char*>(data) + 2 + nsizes, size - 2 - nsizes);

  Outcome whole = Run(in, {}, o);
  Check(Run(in, sizes, o) == whole);
  Check(Run(in, {1}, o) == whole);
  // Differential: the SIMD block scanner must not change any outcome.
  DecoderOptions plain = o;
  plain.scan = DecoderOptions::Scan::kOff;
  Check(Run(in, sizes, plain) == whole);

  Check(whole.consumed <= in.size());
  Check(whole.body.size() <= whole.consumed);
  Check(whole.body.size() <= o.max_body_size);
  // RFC 5321 4.1.1.4: the data ends at the first <CRLF>.<CRLF> (the start counts as CRLF).
  std::string s = "\r\n" + std::string(in);
  size_t eod = s.find("\r\n.\r\n");
  if (whole.complete) {
    Check(eod != std::string::npos && eod + 5 == whole.consumed + 2);
  } else {
    Check(eod == std::string::npos && whole.consumed == in.size());
  }
  // Counts are exact, the list is capped per kind.
  std::vector<uint64_t> listed(mta::data::kAnomalyKindCount, 0);
  for (const auto& a : whole.anomalies) {
    Check(static_cast<size_t>(a.kind) < mta::data::kAnomalyKindCount);
    Check(a.input_offset <= whole.consumed);
    ++listed[static_cast<size_t>(a.kind)];
  }
  for (size_t k = 0; k < listed.size(); ++k) {
    Check(listed[k] <= whole.counts[k]);
    Check(listed[k] == std::min<uint64_t>(whole.counts[k], o.max_events_per_kind));
  }
  // Without line-end anomalies the (untruncated) body is canonical.
  bool line_end_anomaly = false;
  for (size_t k = 0; k <= static_cast<size_t>(AnomalyKind::kCrLfNulDotCrLf); ++k) {
    line_end_anomaly |= whole.counts[k] != 0;
  }
  if (!line_end_anomaly && whole.counts[static_cast<size_t>(AnomalyKind::kTooBig)] == 0) Check(mta::data::IsCanonical(whole.body));
  Check(mta::data::IsCanonical(mta::data::NormalizeLineEnds(whole.body)));
  return 0;
}
