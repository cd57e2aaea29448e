// block_scan.h: 64-octet block scanner behind the DATA decoder's fast path (scalar, SSE2,
// AVX2 and AVX-512BW variants, chosen at run time).
//
// RFC 5321 4.1.1.4 / 4.5.2: in the middle of mail data only CR, LF, a "." at a line start,
// control octets, DEL and 8-bit octets can matter. A CRLF whose next line starts with an
// octet that is not special, or with "." followed by an octet that is not special (a
// dot-stuffed line: the "." is removed), only ends a line. The skimmer passes over whole
// blocks whose only special octets are such CRLFs, accounting the line lengths
// arithmetically and reporting the stuffed dots.
//
//   BlockClass c = ClassifyBlock(ScanIsa::kScalar, "ab\r\n.d...");  // 66 octets readable
//   // c.special == 0b1100, c.plain == 0, c.dot == 0b100
#ifndef MTA_LIB_DATA_BLOCK_SCAN_H_
#define MTA_LIB_DATA_BLOCK_SCAN_H_

#include <cstddef>
#include <cstdint>

namespace mta::data {

// Instruction sets of the scanner, narrowest first.
enum class ScanIsa : uint8_t { kScalar, kSse2, kAvx2, kAvx512 };

// True when this build and this CPU can run `isa`.
bool ScanIsaSupported(ScanIsa isa);
// The widest supported scanner.
ScanIsa BestScanIsa();

// Classes of the 64 octets of a block; bit k describes p[k].
struct BlockClass {
  uint64_t special = 0;  // < 0x20 (CR, LF and HT included), DEL, >= 0x80
  uint64_t plain = 0;    // p[k] p[k+1] is CR LF and p[k+2] is neither special nor "."
  uint64_t dot = 0;      // p[k] p[k+1] is CR LF and p[k+2] is "."
  // (p[64] and p[65] are looked at)
  friend bool operator==(const BlockClass&, const BlockClass&) = default;
};

// Classes of the block p[0..64); 66 octets must be readable. An unsupported isa scans as
// kScalar. The result does not depend on isa.
BlockClass ClassifyBlock(ScanIsa isa, const char* p);

// Bit k set when p[k] is special, for k < min(len, 64).
uint64_t SpecialMask(ScanIsa isa, const char* p, size_t len);

// Progress of a skim over a chunk p[0..n).
struct SkimState {
  // Most stuffed dots one call reports; the skim stops early rather than overflow.
  static constexpr size_t kMaxDots = 96;
  size_t base = 0;        // next block start
  size_t from = 0;        // first content octet of the current line not yet accounted
  uint64_t line_len = 0;  // content octets of the current line before `from`
  uint64_t out_room = 0;  // output octets that may still be produced below the size cap
  size_t ndots = 0;       // stuffed dots found by this call (reset by the call)
  size_t dots[kMaxDots];  // their chunk indexes, ascending, all in [from_before, from)
};

// Skips whole blocks [base, base + 64) (reading 3 octets beyond, so while base + 67 <= n)
// whose special octets are all CRLF line ends where the next line starts either with an
// octet that is neither special nor ".", or with "." and then an octet that is not special
// (RFC 5321 4.5.2: that "." is removed; its index goes to dots). Stops before a line could
// exceed max_line content octets and while out_room bounds the octets [from, base + 67).
// Expects from <= base and max_line >= 64. On return: every octet of [from_before, from)
// other than the reported dots is decoded as itself and consists of whole lines ending in
// CRLF, each of at most max_line octets (the dot not counted); if from moved, line_len is 0
// and the octets [from, base) are content of the current line that is not yet accounted;
// from <= base + 2 (the LF of a CRLF, and then a stuffed dot, may lie at base). out_room is not
// updated. The result does not depend on isa.
void SkimBlocks(ScanIsa isa, const char* p, size_t n, uint64_t max_line, SkimState& s);

}  // namespace mta::data

#endif  // MTA_LIB_DATA_BLOCK_SCAN_H_
