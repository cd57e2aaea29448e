// data_property_test.cc: RapidCheck properties of the DATA stream.
//   decode(encode(b)) == Canonicalize(b) for any bytes and any chunking (1-byte chunks too);
//   decode(encode(b)) == b for canonical b ending in CRLF;
//   encode(b) has no bare CR/LF and its first <CRLF>.<CRLF> is its end;
//   the decoder's outcome does not depend on chunking and matches a line-by-line model of
//   RFC 5321 4.1.1.4 / 4.5.2.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mta/lib/data/decode_testing.h"
#include "mta/lib/data/decoder.h"
#include "mta/lib/data/encoder.h"
#include "mta/lib/data/line_ends.h"

namespace mta::data {
namespace {

using testing::Outcome;
using testing::DecodeInChunks;

// Bytes biased toward the octets that matter to the DATA grammar.
rc::Gen<std::string> DataBytes() {
  return rc::gen::container<std::string>(rc::gen::weightedOneOf<char>({
      {6, rc::gen::elementOf(std::string("\r\n."))},
      {1, rc::gen::elementOf(std::string("\0\x01\x7f\x80\xff", 5))},
      {4, rc::gen::elementOf(std::string("abc X"))},
      {1, rc::gen::arbitrary<char>()},
  }));
}

rc::Gen<std::vector<size_t>> Chunking() {
  return rc::gen::nonEmpty(rc::gen::container<std::vector<size_t>>(rc::gen::inRange<size_t>(1, 9)));
}

// Canonical bodies ending in CRLF (or empty): lines without CR/LF joined by CRLF.
rc::Gen<std::string> CanonicalBody() {
  return rc::gen::map(
      rc::gen::container<std::vector<std::string>>(rc::gen::container<std::string>(
          rc::gen::suchThat(rc::gen::arbitrary<char>(), [](char c) { return c != '\r' && c != '\n'; }))),
      [](const std::vector<std::string>& lines) {
        std::string b;
        for (const std::string& l : lines) b += l + "\r\n";
        return b;
      });
}

// Long inputs: printable runs of 0-150 octets joined by line ends, dots and odd octets,
// so that the decoder's 64-octet block scanning meets chunk boundaries everywhere.
rc::Gen<std::string> LongDataBytes() {
  const std::vector<std::string> seps = {"\r\n", "\r\n", "\r\n", "\r\n.", "\r\n..", "\n",
                                         "\r", "\n.", "\r.", std::string("\0", 1), "\x80",
                                         "\t", "\r\n.\r\n"};
  return rc::gen::map(
      rc::gen::container<std::vector<std::pair<size_t, size_t>>>(
          rc::gen::pair(rc::gen::inRange<size_t>(0, 150), rc::gen::inRange<size_t>(0, seps.size()))),
      [seps](const std::vector<std::pair<size_t, size_t>>& parts) {
        std::string s;
        char c = 'a';
        for (const auto& [len, sep] : parts) {
          for (size_t k = 0; k < len; ++k) s.push_back(static_cast<char>(' ' + (c++ % 90)));
          s += seps[sep];
        }
        return s;
      });
}

// Line-by-line model: lines end in CRLF; "." alone ends the data; a leading "." is removed.
struct Model {
  std::string body;
  bool complete = false;
  size_t consumed = 0;
};
Model ModelDecode(std::string_view in) {
  Model m;
  size_t pos = 0;
  for (;;) {
    size_t e = in.find("\r\n", pos);
    std::string_view line = in.substr(pos, e == std::string_view::npos ? in.npos : e - pos);
    if (e != std::string_view::npos && line == ".") {
      m.complete = true;
      m.consumed = e + 2;
      return m;
    }
    if (!line.empty() && line[0] == '.') line.remove_prefix(1);
    m.body.append(line);
    if (e == std::string_view::npos) break;
    m.body.append("\r\n");
    pos = e + 2;
  }
  m.consumed = in.size();
  return m;
}

RC_GTEST_PROP(DataRoundTrip, DecodeEncodeIsCanonicalize, ()) {
  std::string b = *DataBytes();
  std::vector<size_t> chunks = *Chunking();
  std::string wire = EncodeData(b);
  Outcome r = DecodeInChunks(wire + "NEXT\r\n", chunks);
  RC_ASSERT(r.complete);
  RC_ASSERT(r.consumed == wire.size());
  RC_ASSERT(r.body == Canonicalize(b));
  // Only data octets can be anomalous after encoding: never a line-end anomaly. (A line
  // "<NUL>." is content, reported as crlf-nul-dot-crlf, and goes through unchanged.)
  for (const Anomaly& a : r.anomalies) {
    RC_ASSERT(a.kind != AnomalyKind::kBareCr && a.kind != AnomalyKind::kBareLf);
    RC_ASSERT(!IsSmugglingVariant(a.kind) || a.kind == AnomalyKind::kCrLfNulDotCrLf);
  }
}

RC_GTEST_PROP(DataRoundTrip, OneByteChunks, ()) {
  std::string b = *DataBytes();
  std::string wire = EncodeData(b);
  Outcome r = DecodeInChunks(wire, {1});
  RC_ASSERT(r.complete);
  RC_ASSERT(r.body == Canonicalize(b));
}

RC_GTEST_PROP(DataRoundTrip, CanonicalBodyIsExact, ()) {
  std::string b = *CanonicalBody();
  std::vector<size_t> chunks = *Chunking();
  RC_ASSERT(Canonicalize(b) == b);
  Outcome r = DecodeInChunks(EncodeData(b), chunks);
  RC_ASSERT(r.complete);
  RC_ASSERT(r.body == b);
}

RC_GTEST_PROP(DataEncode, NoBareLineEndsAndSingleTerminator, ()) {
  std::string b = *DataBytes();
  std::string wire = EncodeData(b);
  RC_ASSERT(IsCanonical(wire));
  RC_ASSERT(wire.size() >= 3);
  RC_ASSERT(wire.compare(wire.size() - 3, 3, ".\r\n") == 0);
  // The first <CRLF>.<CRLF> of the stream (which starts at a line start) is its end.
  std::string s = "\r\n" + wire;
  RC_ASSERT(s.find("\r\n.\r\n") == s.size() - 5);
}

RC_GTEST_PROP(DataEncode, ChunkingDoesNotMatter, ()) {
  std::string b = *DataBytes();
  std::vector<size_t> chunks = *Chunking();
  DataEncoder e;
  std::string out;
  size_t pos = 0, k = 0;
  while (pos < b.size()) {
    size_t s = std::min(chunks[k++ % chunks.size()], b.size() - pos);
    e.Add(std::string_view(b).substr(pos, s), &out);
    pos += s;
  }
  e.Finish(&out);
  RC_ASSERT(out == EncodeData(b));
}

RC_GTEST_PROP(DataDecode, ChunkInvariant, ()) {
  std::string in = *DataBytes();
  std::vector<size_t> chunks = *Chunking();
  DecoderOptions o;
  o.max_events_per_kind = *rc::gen::inRange<size_t>(0, 4);
  o.max_line_octets = *rc::gen::inRange<uint64_t>(0, 12);
  if (*rc::gen::arbitrary<bool>()) o.max_body_size = *rc::gen::inRange<uint64_t>(0, 20);
  Outcome whole = DecodeInChunks(in, {}, o);
  RC_ASSERT(DecodeInChunks(in, chunks, o) == whole);
  RC_ASSERT(DecodeInChunks(in, {1}, o) == whole);
  RC_ASSERT(whole.body.size() <= whole.consumed);
  RC_ASSERT(whole.body.size() <= o.max_body_size);
}

RC_GTEST_PROP(DataDecode, MatchesLineModel, ()) {
  std::string in = *DataBytes();
  std::vector<size_t> chunks = *Chunking();
  Model m = ModelDecode(in);
  Outcome r = DecodeInChunks(in, chunks);
  RC_ASSERT(r.complete == m.complete);
  RC_ASSERT(r.consumed == m.consumed);
  RC_ASSERT(r.body == m.body);
  // Counts of the octet-level kinds over the consumed input.
  std::string_view c = std::string_view(in).substr(0, m.consumed);
  uint64_t lf = 0, cr = 0, nul = 0, high = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    if (c[i] == '\n' && (i == 0 || c[i - 1] != '\r')) ++lf;
    if (c[i] == '\r' && (i + 1 >= c.size() || c[i + 1] != '\n')) ++cr;
    if (c[i] == '\0') ++nul;
    if (static_cast<unsigned char>(c[i]) >= 0x80) ++high;
  }
  RC_ASSERT(r.counts[static_cast<size_t>(AnomalyKind::kBareLf)] == lf);
  RC_ASSERT(r.counts[static_cast<size_t>(AnomalyKind::kBareCr)] == cr);
  RC_ASSERT(r.counts[static_cast<size_t>(AnomalyKind::kNul)] == nul);
  RC_ASSERT(r.counts[static_cast<size_t>(AnomalyKind::k8Bit)] == high);
  // Every recorded anomaly points into the consumed input and the body.
  for (const Anomaly& a : r.anomalies) {
    RC_ASSERT(a.input_offset < std::max<uint64_t>(m.consumed, 1));
    RC_ASSERT(a.output_offset <= r.body.size());
  }
}

RC_GTEST_PROP(DataDecode, LongInputsChunkInvariantAndMatchModel, ()) {
  std::string in = *LongDataBytes();
  std::vector<size_t> chunks = *rc::gen::nonEmpty(
      rc::gen::container<std::vector<size_t>>(rc::gen::inRange<size_t>(1, 200)));
  DecoderOptions o;
  o.max_line_octets = *rc::gen::inRange<uint64_t>(50, 200);
  if (*rc::gen::arbitrary<bool>()) o.max_body_size = *rc::gen::inRange<uint64_t>(0, 3000);
  Outcome whole = DecodeInChunks(in, {}, o);
  RC_ASSERT(DecodeInChunks(in, chunks, o) == whole);
  RC_ASSERT(DecodeInChunks(in, {1}, o) == whole);
  Model m = ModelDecode(in);
  RC_ASSERT(whole.complete == m.complete);
  RC_ASSERT(whole.consumed == m.consumed);
  RC_ASSERT(whole.body == m.body.substr(0, std::min<uint64_t>(m.body.size(), o.max_body_size)));
}

RC_GTEST_PROP(DataRoundTrip, LongBodiesAnyChunking, ()) {
  std::string b = *LongDataBytes();
  std::vector<size_t> chunks = *rc::gen::nonEmpty(
      rc::gen::container<std::vector<size_t>>(rc::gen::inRange<size_t>(1, 200)));
  Outcome r = DecodeInChunks(EncodeData(b), chunks);
  RC_ASSERT(r.complete);
  RC_ASSERT(r.body == Canonicalize(b));
}

RC_GTEST_PROP(DataDecode, EndIsFirstCrLfDotCrLf, ()) {
  std::string in = *DataBytes() + "\r\n.\r\n" + *DataBytes();
  Outcome r = DecodeInChunks(in, *Chunking());
  std::string s = "\r\n" + in;
  RC_ASSERT(r.complete);
  RC_ASSERT(r.consumed + 2 == s.find("\r\n.\r\n") + 5);
}

RC_GTEST_PROP(LineEnds, NormalizeIsCanonicalAndIdempotent, ()) {
  std::string b = *DataBytes();
  std::string n = NormalizeLineEnds(b);
  RC_ASSERT(IsCanonical(n));
  RC_ASSERT(NormalizeLineEnds(n) == n);
  RC_ASSERT(IsCanonical(b) == (n == b));
  std::string r = ReplaceStrayLineEnds(b, ' ');
  RC_ASSERT(IsCanonical(r));
}

}  // namespace
}  // namespace mta::data
