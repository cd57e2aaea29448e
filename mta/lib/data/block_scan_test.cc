// block_scan_test.cc: the block scanner agrees across instruction sets, and the DATA
// decoder's fast path (every scanner) agrees with the per-octet state machine
// (DecoderOptions::Scan::kOff) on random and adversarial inputs: CRLF and "." at block
// boundaries (offsets 62/63/64/65), lines of exactly 998/999 octets crossing blocks, body
// caps inside a block. RFC 5321 4.1.1.4, 4.5.2, 4.5.3.1.6.
#include "mta/lib/data/block_scan.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

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
  std::string b = "ab\r\ncd\r\n.x\r\n\r\n";
  b.resize(66, 'z');
  const BlockClass c = ClassifyBlock(ScanIsa::kScalar, b.data());
  // Specials: CR/LF at 2,3,6,7,10,11,12,13. Plain CRLF only at 2 (6: "." follows,
  // 10: CR follows, 12: "z" follows).
  EXPECT_EQ(c.special, 0b11110011001100u);
  EXPECT_EQ(c.plain, (1u << 2) | (1u << 12));
}

TEST(BlockScan, BoundaryLookahead) {
  // CRLF at 62/63 (plain unless octet 64 is special or "."), CR at 63 with LF at 64.
  for (char after : {'a', '.', '\r', '\x80', '\0'}) {
    std::string b(66, 'a');
    b[62] = '\r';
    b[63] = '\n';
    b[64] = after;
    for (ScanIsa isa : kIsas) {
      const BlockClass c = ClassifyBlock(isa, b.data());
      EXPECT_EQ(c.plain, after == 'a' ? uint64_t{1} << 62 : 0) << int(after);
      EXPECT_EQ(c.special, uint64_t{3} << 62);
    }
    std::string d(66, 'a');
    d[63] = '\r';
    d[64] = '\n';
    d[65] = after;
    for (ScanIsa isa : kIsas) {
      EXPECT_EQ(ClassifyBlock(isa, d.data()).plain, after == 'a' ? uint64_t{1} << 63 : 0);
    }
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
  RC_ASSERT(want.from <= want.base + 1);
  for (ScanIsa isa : kIsas) {
    SkimState s = start;
    SkimBlocks(isa, text.data(), text.size(), max_line, s);
    RC_ASSERT(s.base == want.base);
    RC_ASSERT(s.from == want.from);
    RC_ASSERT(s.line_len == want.line_len);
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

}  // namespace
}  // namespace mta::data
