// decoder_test.cc: DataDecoder against RFC 5321 4.1.1.4 / 4.5.2 / 4.5.3.1.6 and the
// smuggling byte sequences of the disputed-points catalogue (B1-B5), whole and chunked.
#include "mta/lib/data/decode_testing.h"
#include "mta/lib/data/decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

namespace mta::data {
namespace {

using namespace std::string_literals;

using testing::Outcome;

// Feeds `in` in pieces whose sizes cycle through `sizes` (whole when empty).
Outcome DecodeInChunks(std::string_view in, const std::vector<size_t>& sizes,
                       DecoderOptions o = {}) {
  uint64_t decoder_consumed = 0;
  Outcome r = testing::DecodeInChunks(in, sizes, o, &decoder_consumed);
  EXPECT_EQ(r.consumed, decoder_consumed);
  return r;
}

Outcome Decode(std::string_view in, DecoderOptions o = {}) { return DecodeInChunks(in, {}, o); }

uint64_t Count(const Outcome& r, AnomalyKind k) { return r.counts[static_cast<size_t>(k)]; }

// Every two-piece split and the 1-byte chunking give the same outcome as one chunk.
void ExpectChunkInvariant(std::string_view in, DecoderOptions o = {}) {
  Outcome whole = Decode(in, o);
  for (size_t cut = 0; cut <= in.size(); ++cut) {
    DataDecoder d(o);
    Outcome r;
    size_t c1 = d.Feed(in.substr(0, cut));
    r.consumed = c1;
    if (c1 == cut) r.consumed += d.Feed(in.substr(cut));
    if (!d.complete()) d.Finish();
    r.complete = d.complete();
    r.body = d.body();
    r.anomalies = d.anomalies();
    r.counts = d.counts();
    ASSERT_EQ(r, whole) << "split at " << cut;
  }
  ASSERT_EQ(DecodeInChunks(in, {1}, o), whole) << "1-byte chunks";
  ASSERT_EQ(DecodeInChunks(in, {2, 1, 3}, o), whole) << "2/1/3 chunks";
}

TEST(DataDecoder, ImmediateTerminatorEndsEmptyMessage) {
  // The octets after 354 start at a line start (RFC 5321 4.1.1.4).
  Outcome r = Decode(".\r\n");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.consumed, 3u);
  EXPECT_EQ(r.body, "");
  EXPECT_TRUE(r.anomalies.empty());
}

TEST(DataDecoder, SimpleMessageKeepsCrlfBeforeTerminator) {
  Outcome r = Decode("Subject: x\r\n\r\nhello\r\n.\r\n");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "Subject: x\r\n\r\nhello\r\n");
  EXPECT_EQ(r.consumed, 24u);
  EXPECT_TRUE(r.anomalies.empty());
}

TEST(DataDecoder, StopsAfterTerminatorForPipelinedCommands) {
  std::string in = "a\r\n.\r\nMAIL FROM:<x@y>\r\n";
  DataDecoder d;
  EXPECT_EQ(d.Feed(in), 6u);
  EXPECT_TRUE(d.complete());
  EXPECT_EQ(d.body(), "a\r\n");
  EXPECT_EQ(d.Feed("more"), 0u);
  EXPECT_EQ(d.consumed(), 6u);
}

TEST(DataDecoder, HeaderExample) {
  DataDecoder d;
  size_t n = d.Feed("Subject: x\r\n\r\n..hi\nthere\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(n, 29u);
  EXPECT_TRUE(d.complete());
  EXPECT_EQ(d.body(), "Subject: x\r\n\r\n.hi\nthere\r\n");
  ASSERT_EQ(d.anomalies().size(), 1u);
  EXPECT_EQ(d.anomalies()[0], (Anomaly{AnomalyKind::kBareLf, 18, 17}));
}

TEST(DataDecoder, DotUnstuffing) {
  // RFC 5321 4.5.2, catalogue B4-T1 / B4-T3.
  EXPECT_EQ(Decode("..x\r\n.\r\n").body, ".x\r\n");
  EXPECT_EQ(Decode("..\r\n.\r\n").body, ".\r\n");
  EXPECT_EQ(Decode("a\r\n...\r\n.\r\n").body, "a\r\n..\r\n");
  EXPECT_EQ(Decode("a.b\r\n .c\r\n.\r\n").body, "a.b\r\n .c\r\n");
  // A stuffed line at the very start of the data.
  EXPECT_EQ(Decode(".From x\r\n.\r\n").body, "From x\r\n");
}

TEST(DataDecoder, CrlfBeforeTerminatorIsBody) {
  Outcome r = Decode("\r\n.\r\n");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "\r\n");
  Outcome r2 = Decode("x\r\r\n.\r\n");  // bare CR, then CRLF, then the terminator
  EXPECT_TRUE(r2.complete);
  EXPECT_EQ(r2.body, "x\r\r\n");
  EXPECT_EQ(Count(r2, AnomalyKind::kBareCr), 1u);
}

TEST(DataDecoder, BareLfIsDataAndReported) {
  // Catalogue B1-T1.
  std::string in = "Subject: t\r\n\r\nline1\nline2\r\n.\r\n";
  Outcome r = Decode(in);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.consumed, in.size());
  EXPECT_EQ(r.body, "Subject: t\r\n\r\nline1\nline2\r\n");
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0], (Anomaly{AnomalyKind::kBareLf, 19, 19}));
}

TEST(DataDecoder, LfOnlyClientNeverEnds) {
  // Catalogue B1-T2: every line ends in LF and the data "ends" with <LF>.<LF>.
  std::string in = "Subject: t\n\nline\n.\n";
  Outcome r = Decode(in);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.consumed, in.size());
  EXPECT_EQ(r.body, in);  // the "." after a bare LF is not unstuffed
  EXPECT_EQ(Count(r, AnomalyKind::kBareLf), 4u);
  EXPECT_EQ(Count(r, AnomalyKind::kLfDotLf), 1u);
  // A later <CRLF>.<CRLF> still ends it.
  Outcome r2 = Decode(in + "\r\n.\r\n");
  EXPECT_TRUE(r2.complete);
  EXPECT_EQ(r2.body, in + "\r\n");
}

struct Variant {
  const char* name;
  std::string bytes;
  AnomalyKind kind;
};

void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }

class SmugglingVariant : public ::testing::TestWithParam<Variant> {};

// Catalogue B2-T1..T9 (hannob/smtpsmug list): one write with the variant followed by a
// second transaction; only the final <CRLF>.<CRLF> ends the data.
TEST_P(SmugglingVariant, IsReportedAndIsNotEndOfData) {
  const Variant& v = GetParam();
  std::string prefix = "Subject: s\r\n\r\nbody\r\n";
  std::string smuggled =
      "MAIL FROM:<admin@victim.test>\r\nRCPT TO:<user@local.test>\r\nDATA\r\n"
      "Subject: smuggled\r\n\r\nX\r\n";
  std::string in = prefix + v.bytes + smuggled + ".\r\n" + "QUIT\r\n";
  Outcome r = Decode(in);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.consumed, in.size() - 6) << "only the final <CRLF>.<CRLF> ends the data";
  EXPECT_NE(r.body.find("Subject: smuggled"), std::string::npos);
  EXPECT_EQ(Count(r, v.kind), 1u) << AnomalyName(v.kind);
  for (size_t k = static_cast<size_t>(AnomalyKind::kLfDotLf);
       k <= static_cast<size_t>(AnomalyKind::kCrLfNulDotCrLf); ++k) {
    if (static_cast<AnomalyKind>(k) != v.kind) {
      EXPECT_EQ(r.counts[k], 0u) << AnomalyName(static_cast<AnomalyKind>(k));
    }
  }
  // The variant's "." is at prefix.size() + offset of '.' in the variant.
  size_t dot = prefix.size() + v.bytes.find('.');
  bool found = false;
  for (const Anomaly& a : r.anomalies) {
    if (a.kind == v.kind) {
      EXPECT_EQ(a.input_offset, dot);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  ExpectChunkInvariant(in);
}

INSTANTIATE_TEST_SUITE_P(
    B2, SmugglingVariant,
    ::testing::Values(Variant{"LfDotLf", "\n.\n", AnomalyKind::kLfDotLf},
                      Variant{"CrDotCr", "\r.\r", AnomalyKind::kCrDotCr},
                      Variant{"CrDotLf", "\r.\n", AnomalyKind::kCrDotLf},
                      Variant{"LfDotCr", "\n.\r", AnomalyKind::kLfDotCr},
                      Variant{"LfDotCrLf", "\n.\r\n", AnomalyKind::kLfDotCrLf},
                      Variant{"CrLfDotLf", "\r\n.\n", AnomalyKind::kCrLfDotLf},
                      Variant{"CrDotCrLf", "\r.\r\n", AnomalyKind::kCrDotCrLf},
                      Variant{"CrLfDotCr", "\r\n.\r", AnomalyKind::kCrLfDotCr},
                      Variant{"CrLfNulDotCrLf", "\r\n\x00.\r\n"s, AnomalyKind::kCrLfNulDotCrLf}),
    [](const ::testing::TestParamInfo<Variant>& i) { return std::string(i.param.name); });

TEST(DataDecoder, LfDotCrLfKeepsDotAndBytes) {
  // CVE-2023-51764 shape: the "." after a bare LF is data, the CRLF after it a line end.
  Outcome r = Decode("a\n.\r\nb\r\n.\r\n");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "a\n.\r\nb\r\n");
}

TEST(DataDecoder, CrLfDotCrUnstuffsAndKeepsCr) {
  // Line ".<CR>X" after CRLF: a stuffed line (RFC 5321 4.5.2), its CR is bare.
  Outcome r = Decode("a\r\n.\rX\r\n.\r\n");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "a\r\n\rX\r\n");
  EXPECT_EQ(Count(r, AnomalyKind::kCrLfDotCr), 1u);
  EXPECT_EQ(Count(r, AnomalyKind::kBareCr), 1u);
  ASSERT_EQ(r.anomalies.size(), 2u);
  EXPECT_EQ(r.anomalies[0], (Anomaly{AnomalyKind::kCrLfDotCr, 3, 3}));
  EXPECT_EQ(r.anomalies[1], (Anomaly{AnomalyKind::kBareCr, 4, 3}));
}

TEST(DataDecoder, CrLfDotLfUnstuffs) {
  Outcome r = Decode(".\nx\r\n.\r\n");
  EXPECT_EQ(r.body, "\nx\r\n");
  EXPECT_EQ(Count(r, AnomalyKind::kCrLfDotLf), 1u);
  EXPECT_EQ(Count(r, AnomalyKind::kBareLf), 1u);
}

TEST(DataDecoder, BareCrInboundB3T1) {
  Outcome r = Decode("Subject: c\r\n\r\nA\rB\r\n.\r\n");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "Subject: c\r\n\r\nA\rB\r\n");
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0], (Anomaly{AnomalyKind::kBareCr, 15, 15}));
}

TEST(DataDecoder, OutboundSmugglingContentB3T2) {
  std::string content =
      "hello\r.\rMAIL FROM:<admin@victim.test>\rRCPT TO:<y@sink.test>\rDATA\r"
      "Subject: smuggled\r\rZ\r.\r";
  Outcome r = Decode(content + "\r\n.\r\n");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, content + "\r\n");
  // "hello\r.\rM" and the final "Z\r.\r" + "\r\n" (that CR is followed by CR: bare).
  EXPECT_EQ(Count(r, AnomalyKind::kCrDotCr), 2u);
  EXPECT_EQ(Count(r, AnomalyKind::kCrDotCrLf), 0u);
  EXPECT_EQ(Count(r, AnomalyKind::kBareCr), 9u);
  ExpectChunkInvariant(content + "\r\n.\r\n");
}

TEST(DataDecoder, NulIsKeptAndReported) {
  // Catalogue B5-T1.
  Outcome r = Decode("a\x00"s "b\r\n.\r\n");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body, "a\x00"s "b\r\n");
  ASSERT_EQ(r.anomalies.size(), 1u);
  EXPECT_EQ(r.anomalies[0], (Anomaly{AnomalyKind::kNul, 1, 1}));
}

TEST(DataDecoder, ControlAnd8Bit) {
  Outcome r = Decode("a\tb\x01\x7f caf\xc3\xa9\r\n.\r\n");
  EXPECT_EQ(Count(r, AnomalyKind::kControl), 2u);
  EXPECT_EQ(Count(r, AnomalyKind::k8Bit), 2u);
  EXPECT_EQ(Count(r, AnomalyKind::kNul), 0u);
  EXPECT_EQ(r.body, "a\tb\x01\x7f caf\xc3\xa9\r\n");
}

TEST(DataDecoder, LongLines) {
  // RFC 5321 4.5.3.1.6: 998 octets plus CRLF is the limit.
  std::string ok(998, 'x');
  EXPECT_EQ(Count(Decode(ok + "\r\n.\r\n"), AnomalyKind::kLongLine), 0u);
  Outcome r = Decode("ab\r\n" + ok + "y\r\n" + ok + "yyyy\r\n.\r\n");
  EXPECT_EQ(Count(r, AnomalyKind::kLongLine), 2u);
  ASSERT_EQ(r.anomalies.size(), 2u);
  EXPECT_EQ(r.anomalies[0], (Anomaly{AnomalyKind::kLongLine, 4 + 998, 4 + 998}));
  // The stuffed dot does not count (RFC 5321 4.5.3.1.6).
  EXPECT_EQ(Count(Decode("." + ok + "\r\n.\r\n"), AnomalyKind::kLongLine), 0u);
  // Lines are delimited by CRLF only: bare LFs do not reset the length.
  std::string lf_lines;
  for (int i = 0; i < 20; ++i) lf_lines += std::string(60, 'z') + "\n";
  EXPECT_EQ(Count(Decode(lf_lines + "\r\n.\r\n"), AnomalyKind::kLongLine), 1u);
  ExpectChunkInvariant("ab\r\n" + ok + "y\n\r\r\x01" + ok + "\r\n.\r\n");
}

TEST(DataDecoder, MaxBodySizeStopsStoringButFindsTheEnd) {
  DecoderOptions o;
  o.max_body_size = 5;
  std::string in = "abcdefgh\r\n.\r\nQUIT\r\n";
  DataDecoder d(o);
  EXPECT_EQ(d.Feed(in), 13u);
  EXPECT_TRUE(d.complete());
  EXPECT_EQ(d.body(), "abcde");
  EXPECT_EQ(d.body_size(), 10u);
  EXPECT_TRUE(d.size_exceeded());
  ASSERT_EQ(d.anomalies().size(), 1u);
  EXPECT_EQ(d.anomalies()[0], (Anomaly{AnomalyKind::kTooBig, 5, 5}));
  ExpectChunkInvariant(in, o);
  o.max_body_size = 10;  // exactly the body: not exceeded
  Outcome r = Decode(in, o);
  EXPECT_EQ(r.body, "abcdefgh\r\n");
  EXPECT_EQ(Count(r, AnomalyKind::kTooBig), 0u);
  o.max_body_size = 0;
  ExpectChunkInvariant("..\r\n.\rx\n\r\n.\r\n", o);
  EXPECT_EQ(Decode("..\r\n.\r\n", o).body, "");
}

TEST(DataDecoder, EventListIsCappedPerKindCountsExact) {
  DecoderOptions o;
  o.max_events_per_kind = 3;
  std::string in(100, '\n');
  in += "\x80\r\n.\r\n";
  Outcome r = Decode(in, o);
  EXPECT_EQ(Count(r, AnomalyKind::kBareLf), 100u);
  EXPECT_EQ(Count(r, AnomalyKind::k8Bit), 1u);
  EXPECT_EQ(r.anomalies.size(), 4u);  // a flood of one kind does not hide another
  EXPECT_EQ(r.anomalies.back().kind, AnomalyKind::k8Bit);
}

TEST(DataDecoder, SinkReceivesBody) {
  std::string got;
  DataDecoder d({}, [&](std::string_view s) { got.append(s); });
  d.Feed("x\r\n..y\r");
  d.Feed("\n.");
  d.Feed("\r");
  d.Feed("\nrest");
  EXPECT_TRUE(d.complete());
  EXPECT_EQ(got, "x\r\n.y\r\n");
  EXPECT_EQ(d.body(), "");
}

TEST(DataDecoder, FinishResolvesPendingOctets) {
  Outcome r = Decode("abc\r");
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.body, "abc\r");
  EXPECT_EQ(Count(r, AnomalyKind::kBareCr), 1u);
  Outcome r2 = Decode("a\r\n.\r");
  EXPECT_FALSE(r2.complete);
  EXPECT_EQ(r2.body, "a\r\n\r");
  EXPECT_EQ(Count(r2, AnomalyKind::kCrLfDotCr), 1u);
  DataDecoder d;
  d.Feed("x");
  EXPECT_FALSE(d.Finish());
  EXPECT_EQ(d.Feed(".\r\n"), 0u);
}

TEST(DataDecoder, ChunkInvariantOnTrickyInputs) {
  const std::vector<std::string> inputs = {
      ".\r\n",
      "\r\n.\r\n",
      "..\r\n.\r\n",
      "a\r\n.\rb\r.\r\n.\n\r\n.\r\n",
      "\n.\n\r.\r\r.\n\n.\r\r\n.\n\r.\r\n\r\n.\r\r\n\x00.\r\n.\r\n"s,
      "\x00.\r\n\x00.\rx\x00\r\n.\r\n"s,
      "\r\r\r\n\n\n..\r\n.\r\r\n.\r\nleft over",
      "abc\r",
      "a\r\n.\r",
      "a\r\n.",
      "\xff\xfe\x01\r\n..\x7f\r\n.\r\n",
  };
  for (const std::string& in : inputs) {
    SCOPED_TRACE(in);
    ExpectChunkInvariant(in);
  }
}

}  // namespace
}  // namespace mta::data
