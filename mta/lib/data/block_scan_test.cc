// block_scan_test.cc: the block scanner agrees across instruction sets, and the DATA
// decoder's fast path (every scanner) agrees with the per-octet state machine
// (DecoderOptions::Scan::kOff) on random and adversarial inputs: CRLF and "." at block
// boundaries (offsets 62/63/64/65), dot-stuffed lines and HT at every offset of a 4-block
// round, lines of exactly 998/999 octets crossing blocks, body caps inside a block.
// RFC 5321 4.1.1.4, 4.5.2, 4.5.3.1.6.
#include "mta/lib/data/block_scan.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mta/lib/data/decoder.h"

namespace mta::data {
namespace {

using namespace std::string_literals;

constexpr ScanIsa kIsas[] = {ScanIsa::kScalar, ScanIsa::kSse2, ScanIsa::kAvx2,
                             ScanIsa::kAvx512};
constexpr DecoderOptions::Scan kScans[] = {
    DecoderOptions::Scan::kAuto, DecoderOptions::Scan::kScalar, DecoderOptions::Scan::kSse2,
    DecoderOptions::Scan::kAvx2, DecoderOptions::Scan::kAvx512};

struct Outcome {
  std::string body;
  bool complete = false;
  uint64_t consumed = 0;
  uint64_t body_size = 0;
  std::vector<Anomaly> anomalies;
  AnomalyCounts counts{};
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

Outcome Run(std::string_view in, DecoderOptions o, size_t chunk) {
  DataDecoder d(o);
  Outcome r;
  for (size_t pos = 0; pos < in.size();) {
    const size_t s = std::min(chunk, in.size() - pos);
    const size_t c = d.Feed(in.substr(pos, s));
    r.consumed += c;
    if (c < s) break;
    pos += s;
  }
  if (!d.complete()) d.Finish();
  r.complete = d.complete();
  r.body_size = d.body_size();
  r.body = d.body();
  r.anomalies = d.anomalies();
  r.counts = d.counts();
  return r;
}

// Every scanner, whole and in a few chunkings, against the per-octet path.
void ExpectSameAsPerOctet(std::string_view in, DecoderOptions o = {}) {
  DecoderOptions off = o;
  off.scan = DecoderOptions::Scan::kOff;
  const Outcome want = Run(in, off, in.size() + 1);
  for (DecoderOptions::Scan scan : kScans) {
    o.scan = scan;
    for (size_t chunk : {in.size() + 1, size_t{64}, size_t{65}, size_t{127}, size_t{1000}}) {
      EXPECT_EQ(Run(in, o, chunk), want)
          << "scan " << static_cast<int>(scan) << " chunk " << chunk << " max_line "
          << o.max_line_octets << " max_body " << o.max_body_size;
    }
  }
}

TEST(BlockScan, ScalarClassifyExample) {
  std::string b = "ab\r\ncd\r\n.x\r\n\r\n\t";
  b.resize(66, 'z');
  const BlockClass c = ClassifyBlock(ScanIsa::kScalar, b.data());
  // Specials: CR/LF at 2,3,6,7,10,11,12,13, HT at 14. Plain CRLF only at 2 (6: "."
  // follows, 10: CR follows, 12: HT follows).
  EXPECT_EQ(c.special, 0b111110011001100u);
  EXPECT_EQ(c.plain, 1u << 2);
  EXPECT_EQ(c.dot, 1u << 6);
}

TEST(BlockScan, BoundaryLookahead) {
  // CRLF at 62/63 (plain unless octet 64 is special or "."), CR at 63 with LF at 64.
  for (char after : {'a', '.', '\r', '\x80', '\0', '\t'}) {
    std::string b(66, 'a');
    b[62] = '\r';
    b[63] = '\n';
    b[64] = after;
    for (ScanIsa isa : kIsas) {
      const BlockClass c = ClassifyBlock(isa, b.data());
      EXPECT_EQ(c.plain, after == 'a' ? uint64_t{1} << 62 : 0) << int(after);
      EXPECT_EQ(c.dot, after == '.' ? uint64_t{1} << 62 : 0) << int(after);
      EXPECT_EQ(c.special, uint64_t{3} << 62);
    }
    std::string d(66, 'a');
    d[63] = '\r';
    d[64] = '\n';
    d[65] = after;
    for (ScanIsa isa : kIsas) {
      EXPECT_EQ(ClassifyBlock(isa, d.data()).plain, after == 'a' ? uint64_t{1} << 63 : 0);
      EXPECT_EQ(ClassifyBlock(isa, d.data()).dot, after == '.' ? uint64_t{1} << 63 : 0);
    }
  }
}

TEST(BlockScan, EveryOctetClassified) {
  for (int c = 0; c < 256; ++c) {
    std::string b(66, 'a');
    b[17] = static_cast<char>(c);
    b[30] = '\r';
    b[31] = '\n';
    b[32] = static_cast<char>(c);
    const bool special = c < 0x20 || c >= 0x7f;
    for (ScanIsa isa : kIsas) {
      const BlockClass m = ClassifyBlock(isa, b.data());
      const uint64_t at = (uint64_t{1} << 17) | (uint64_t{1} << 32);
      EXPECT_EQ(m.special, (special ? at : 0) | (uint64_t{3} << 30)) << c;
      EXPECT_EQ(m.plain, !special && c != '.' ? uint64_t{1} << 30 : 0) << c;
      EXPECT_EQ(m.dot, c == '.' ? uint64_t{1} << 30 : 0) << c;
    }
  }
}

// A skim from the start of `text` (state kMid, empty line so far).
SkimState Skim(ScanIsa isa, const std::string& text, uint64_t max_line = 998) {
  SkimState s;
  s.out_room = UINT64_MAX;
  SkimBlocks(isa, text.data(), text.size(), max_line, s);
  return s;
}

TEST(BlockScan, SkimsDotStuffedLines) {
  // "x" then 63 lines "\r\n..abc..." : every line is dot-stuffed.
  std::string text = "x";
  std::vector<size_t> dots;
  for (int k = 0; k < 63; ++k) {
    text += "\r\n";
    dots.push_back(text.size());
    text += ".." + std::string(static_cast<size_t>(k % 9), 'q');
  }
  text += std::string(200, 'w');
  for (ScanIsa isa : kIsas) {
    const SkimState s = Skim(isa, text);
    ASSERT_GE(s.base + 67 + 64, text.size()) << int(isa);
    ASSERT_EQ(s.ndots, dots.size()) << int(isa);
    for (size_t k = 0; k < dots.size(); ++k) EXPECT_EQ(s.dots[k], dots[k]);
    EXPECT_EQ(s.from, dots.back() + 1);
    EXPECT_EQ(s.line_len, 0u);
  }
}

TEST(BlockScan, SkimStopsAtEndOfDataAndSpecialLineStarts) {
  // The stop is at a line start in the second block; the CRLF before it belongs to the
  // block of its CR, so the skim ends at 64 unless that CR is in the first block.
  for (const std::string& stop : {".\r\n"s, ".\n"s, ".\x80"s, "\0x"s, "\x80"s, ".\0"s,
                                  ".\t"s, "\t"s, "\r\r"s, "\n"s}) {
    for (size_t at = 64; at < 128; ++at) {
      std::string text(67 + 256, 'a');
      text[at - 2] = '\r';
      text[at - 1] = '\n';
      text.replace(at, stop.size(), stop);
      for (ScanIsa isa : kIsas) {
        const SkimState s = Skim(isa, text);
        EXPECT_EQ(s.base, at <= 65 ? 0u : 64u) << int(isa) << " at " << at;
        EXPECT_EQ(s.ndots, 0u);
      }
    }
  }
}

TEST(BlockScan, SkimStopsAtDotsCapacity) {
  std::string text;
  while (text.size() < 8192) text += "\r\n.x";
  text += std::string(200, 'w');
  for (ScanIsa isa : kIsas) {
    SkimState s = Skim(isa, text);
    EXPECT_LE(s.ndots, SkimState::kMaxDots);
    EXPECT_GE(s.ndots, SkimState::kMaxDots - 4 * 17);
    EXPECT_LT(s.base, 8192u);
  }
}

rc::Gen<std::string> ScanBytes(size_t min_len) {
  return rc::gen::suchThat(
      rc::gen::container<std::string>(rc::gen::weightedOneOf<char>({
          {3, rc::gen::elementOf(std::string("\r\n."))},
          {1, rc::gen::elementOf(std::string("\0\x01\t\x1f\x20\x7e\x7f\x80\x9f\xa0\xff", 11))},
          {6, rc::gen::elementOf(std::string("abc X"))},
          {1, rc::gen::arbitrary<char>()},
      })),
      [min_len](const std::string& s) { return s.size() >= min_len; });
}

RC_GTEST_PROP(BlockScan, IsasAgreeWithScalar, ()) {
  const std::string b = *ScanBytes(66);
  const BlockClass want = ClassifyBlock(ScanIsa::kScalar, b.data());
  for (ScanIsa isa : kIsas) {
    RC_ASSERT(ClassifyBlock(isa, b.data()) == want);
    RC_ASSERT(SpecialMask(isa, b.data(), b.size()) == want.special);
    const size_t len = *rc::gen::inRange<size_t>(0, 64);
    RC_ASSERT(SpecialMask(isa, b.data(), len) ==
              (len == 64 ? want.special : want.special & ((uint64_t{1} << len) - 1)));
  }
}

RC_GTEST_PROP(BlockScan, SkimAgreesAcrossIsas, ()) {
  const std::string text = *ScanBytes(0);
  const uint64_t max_line = *rc::gen::inRange<uint64_t>(64, 300);
  SkimState start;
  start.line_len = *rc::gen::inRange<uint64_t>(0, 300);
  start.out_room = *rc::gen::inRange<uint64_t>(0, 2000);
  SkimState want = start;
  SkimBlocks(ScanIsa::kScalar, text.data(), text.size(), max_line, want);
  RC_ASSERT(want.from <= want.base + 2);
  for (size_t k = 0; k < want.ndots; ++k) {
    RC_ASSERT(want.dots[k] < want.from);
    RC_ASSERT(text[want.dots[k]] == '.');
  }
  for (ScanIsa isa : kIsas) {
    SkimState s = start;
    SkimBlocks(isa, text.data(), text.size(), max_line, s);
    RC_ASSERT(s.base == want.base);
    RC_ASSERT(s.from == want.from);
    RC_ASSERT(s.line_len == want.line_len);
    RC_ASSERT(s.ndots == want.ndots);
    RC_ASSERT(std::equal(s.dots, s.dots + s.ndots, want.dots));
  }
}

// Plain text mail with ~N-octet lines, some "." lines, as on the wire.
std::string Lines(size_t width, size_t count, size_t dot_every) {
  std::string s;
  for (size_t k = 0; k < count; ++k) {
    if (dot_every != 0 && k % dot_every == 0) s += "..";
    for (size_t w = 0; w < width; ++w) s += static_cast<char>('a' + (k + w) % 26);
    s += "\r\n";
  }
  return s;
}

TEST(DecoderFastPath, PlainMailAllWidths) {
  for (size_t width = 0; width < 140; ++width) {
    ExpectSameAsPerOctet(Lines(width, 40, 7) + ".\r\nQUIT\r\n");
    ExpectSameAsPerOctet(Lines(width, 40, 0));
  }
}

TEST(DecoderFastPath, CrLfAndDotAtBlockBoundaries) {
  for (size_t lead = 0; lead < 200; ++lead) {
    for (const std::string& tail :
         {"\r\n.x\r\n"s, "\r\n..\r\n"s, "\r\n.\r\n"s, "\r\n\r\nb"s, "\r\na"s, "\r\r\n"s,
          "\n.\n"s, "\r\n\x80"s, "\r\n\0"s, "\r\n.\r"s, "\r\n\0.\r\n"s}) {
      std::string in(lead, 'q');
      in += tail;
      in += std::string(130, 'w') + "\r\n";
      ExpectSameAsPerOctet(in);
      ExpectSameAsPerOctet("x\r\n" + in);
    }
  }
}

TEST(DecoderFastPath, DotLinesAndTabsAtEveryOffset) {
  // A dot-stuffed line (or HT, or an empty line) starting at every offset around the
  // block boundaries of one 4-block round, then enough plain text for more rounds.
  for (size_t lead = 0; lead < 300; ++lead) {
    for (const std::string& tail :
         {"\r\n.x"s, "\r\n.."s, "\r\n..\r\n.y"s, "\r\n.\t"s, "\r\n\t."s, "\r\n.\x80"s,
          "\r\n.\0"s, "\r\n.\r\r\n"s, "\r\n.\n"s, "\r\n\r\n.z"s, "\r\n.\r\n"s, "\t\r\n."s,
          "\r\n\0.\r\n"s, "\r\n.x\r\n.y\r\n.z\r\n..\r\n"s}) {
      std::string in(lead, 'q');
      in += tail;
      in += std::string(70, 'w') + "\r\n.v" + std::string(300, 'u') + "\r\n.\r\n";
      ExpectSameAsPerOctet(in);
    }
  }
}

TEST(DecoderFastPath, DotLinesAtTheLengthLimit) {
  // RFC 5321 4.5.3.1.6 / 4.5.2: the stuffed "." is not content, so ".<max_line octets>" is
  // not a long line and ".<max_line + 1 octets>" is.
  for (uint64_t max_line : {256, 300, 998}) {
    DecoderOptions o;
    o.max_line_octets = max_line;
    for (uint64_t len : {max_line - 1, max_line, max_line + 1}) {
      for (size_t lead = 0; lead < 260; lead += 5) {
        const std::string in = Lines(70, 5, 0) + std::string(lead, 'l') + "\r\n." +
                               std::string(len, 'L') + "\r\n" + Lines(76, 10, 3) + ".\r\n";
        ExpectSameAsPerOctet(in, o);
      }
    }
  }
}

TEST(DecoderFastPath, DenseDotLines) {
  for (size_t width : {0, 1, 2, 3, 5, 60}) {
    std::string in;
    for (size_t k = 0; k < 3000 / (width + 4); ++k) {
      in += "." + std::string(width, static_cast<char>('a' + k % 26)) + "\r\n";
    }
    ExpectSameAsPerOctet(in + ".\r\n");
    DecoderOptions o;
    o.max_body_size = in.size() / 2;
    ExpectSameAsPerOctet(in + ".\r\n", o);
  }
}

TEST(DecoderFastPath, LongLinesAroundTheLimit) {
  for (size_t len : {997, 998, 999, 1000, 1063, 1064, 2000}) {
    for (size_t lead = 0; lead < 130; lead += 3) {
      std::string in = Lines(70, 3, 0) + std::string(lead, 'l') + "\r\n" +
                       std::string(len, 'L') + "\r\n" + Lines(76, 30, 0) +
                       std::string(len, 'M') + "\r\n.\r\n";
      ExpectSameAsPerOctet(in);
    }
  }
  for (uint64_t max_line : {0, 1, 63, 64, 65, 100, 127, 128, 129, 200, 998}) {
    DecoderOptions o;
    o.max_line_octets = max_line;
    for (size_t width : {60, 63, 64, 65, 66, 126, 127, 128, 129, 130, 190, 250}) {
      ExpectSameAsPerOctet(Lines(width, 30, 5) + ".\r\n", o);
    }
  }
}

TEST(DecoderFastPath, BodyCapInsideBlocks) {
  const std::string in = Lines(74, 60, 9) + ".\r\n";
  for (uint64_t cap = 0; cap < 700; cap += 7) {
    DecoderOptions o;
    o.max_body_size = cap;
    ExpectSameAsPerOctet(in, o);
  }
  for (uint64_t cap : {4000, 4400, 4439, 4440, 4441, 4500}) {
    DecoderOptions o;
    o.max_body_size = cap;
    ExpectSameAsPerOctet(in, o);
  }
}

RC_GTEST_PROP(DecoderFastPath, SameAsPerOctetOnRandomInput, ()) {
  // Mostly plain lines with random anomalies spliced in.
  std::string in;
  const int parts = *rc::gen::inRange(1, 40);
  for (int k = 0; k < parts; ++k) {
    if (*rc::gen::inRange(0, 3) == 0) {
      in += *ScanBytes(0);
    } else {
      in += std::string(*rc::gen::inRange<size_t>(0, 150), 'p') + "\r\n";
    }
  }
  DecoderOptions o;
  o.max_line_octets = *rc::gen::element<uint64_t>(998, 64, 100, 127, 128, 150, 5);
  o.max_body_size = *rc::gen::element<uint64_t>(UINT64_MAX, 0, 100, 500, 1000);
  DecoderOptions off = o;
  off.scan = DecoderOptions::Scan::kOff;
  const Outcome want = Run(in, off, in.size() + 1);
  const size_t chunk = *rc::gen::inRange<size_t>(1, 300);
  for (DecoderOptions::Scan scan : kScans) {
    o.scan = scan;
    RC_ASSERT(Run(in, o, in.size() + 1) == want);
    RC_ASSERT(Run(in, o, chunk) == want);
  }
}

RC_GTEST_PROP(DecoderFastPath, SameAsPerOctetOnStuffedMail, ()) {
  // Long runs of lines (enough for 4-block rounds) that start with ".", "..", HT, or are
  // empty or plain, with a rare anomaly; the dot lines land at random block offsets.
  std::string in;
  const int lines = *rc::gen::inRange(1, 200);
  for (int k = 0; k < lines; ++k) {
    const int kind = *rc::gen::inRange(0, 10);
    const size_t width = *rc::gen::inRange<size_t>(0, 120);
    std::string line(width, static_cast<char>('a' + k % 26));
    if (kind == 0) line = "." + line;
    if (kind == 1) line = ".." + line;
    if (kind == 2) line = "\t" + line;
    if (kind == 3) line.clear();
    if (kind == 4 && *rc::gen::inRange(0, 8) == 0) line += *ScanBytes(0);
    in += line + "\r\n";
  }
  if (*rc::gen::inRange(0, 2) == 0) in += ".\r\nQUIT\r\n";
  DecoderOptions o;
  o.max_line_octets = *rc::gen::element<uint64_t>(998, 64, 100, 255, 256, 300);
  o.max_body_size = *rc::gen::element<uint64_t>(UINT64_MAX, 0, 1000, 5000);
  DecoderOptions off = o;
  off.scan = DecoderOptions::Scan::kOff;
  const Outcome want = Run(in, off, in.size() + 1);
  const size_t chunk = *rc::gen::inRange<size_t>(1, 2000);
  for (DecoderOptions::Scan scan : kScans) {
    o.scan = scan;
    RC_ASSERT(Run(in, o, in.size() + 1) == want);
    RC_ASSERT(Run(in, o, chunk) == want);
  }
}

}  // namespace
}  // namespace mta::data
