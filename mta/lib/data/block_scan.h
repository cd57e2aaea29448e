// block_scan.h: 64-octet block scanner behind the DATA decoder's fast path (scalar, SSE2,
// AVX2 and AVX-512BW variants, chosen at run time).
//
// RFC 5321 4.1.1.4 / 4.5.2: in the middle of mail data only CR, LF, a "." at a line start,
// control octets, DEL and 8-bit octets can matter. A "plain CRLF" is a CRLF followed by an
// octet that is none of these and not "."; it ends a line and changes nothing else. The
// skimmer passes over whole blocks whose only such octets are plain CRLFs, accounting the
// line lengths arithmetically.
//
//   BlockClass c = ClassifyBlock(ScanIsa::kScalar, "ab\r\ncd...");  // 66 octets readable
//   // c.special == 0b1100, c.plain == 0b100
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
  uint64_t special = 0;  // < 0x20 (CR and LF included), DEL, >= 0x80
  uint64_t plain = 0;    // p[k] p[k+1] is a plain CRLF: CR, LF, then an octet that is
                         // neither special nor "." (p[64] and p[65] are looked at)
  friend bool operator==(const BlockClass&, const BlockClass&) = default;
};

// Classes of the block p[0..64); 66 octets must be readable. An unsupported isa scans as
// kScalar. The result does not depend on isa.
BlockClass ClassifyBlock(ScanIsa isa, const char* p);

// Bit k set when p[k] is special, for k < min(len, 64).
uint64_t SpecialMask(ScanIsa isa, const char* p, size_t len);

// Progress of a skim over a chunk p[0..n).
struct SkimState {
  size_t base = 0;        // next block start
  size_t from = 0;        // first content octet of the current line not yet accounted
  uint64_t line_len = 0;  // content octets of the current line before `from`
  uint64_t out_room = 0;  // output octets that may still be produced below the size cap
};

// Skips whole blocks [base, base + 64) (reading 2 octets beyond, so while base + 66 <= n)
// whose special octets are all parts of plain CRLFs, as long as no line could exceed
// max_line content octets and out_room stays positive. Expects from <= base and
// max_line >= 64. On return: every octet of [from_before, from) is decoded as itself and
// consists of whole lines ending in a plain CRLF, each of at most max_line octets; if
// from moved, line_len is 0 and the octets [from, base) are content of the current line
// that is not yet accounted; from <= base + 1 (base + 1: the LF at base ends a plain CRLF).
// out_room is not updated. The result does not depend on isa.
void SkimBlocks(ScanIsa isa, const char* p, size_t n, uint64_t max_line, SkimState& s);

}  // namespace mta::data

#endif  // MTA_LIB_DATA_BLOCK_SCAN_H_
