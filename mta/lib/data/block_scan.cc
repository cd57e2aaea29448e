// block_scan.cc: 64-octet block scanner of the DATA decoder's fast path (see block_scan.h).
//
// RFC 5321 4.1.1.4 / 4.5.2: a CRLF followed by an ordinary octet, or by a stuffed "." and
// an ordinary octet, only ends a line (and drops the "."). Each variant computes the same
// masks; SkimImpl is instantiated once per instruction set so that the mask computation
// inlines into the loop, four blocks per round.
#include "mta/lib/data/block_scan.h"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define MTA_DATA_HAVE_AVX2_PATH 1
#endif

namespace mta::data {
namespace {

inline bool Special(uint8_t c) { return static_cast<uint8_t>(c - 0x20) > 0x5e; }

inline uint64_t SatAdd(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

// SIMD form of Special(): y = x + 0x60 (wrapping) maps 0x20..0x7e to -128..-34, and every
// special octet to -33..127, so special == (y > -34) as a signed compare.
constexpr char kSpecialBias = 0x60;
constexpr char kSpecialMin = -34;

struct ScalarScan {
  static constexpr bool kPopcnt = false;
  static uint64_t Specials(const char* p) {
    uint64_t m = 0;
    for (int k = 0; k < 64; ++k) {
      if (Special(static_cast<uint8_t>(p[k]))) m |= uint64_t{1} << k;
    }
    return m;
  }
  static BlockClass Classify(const char* p) {
    BlockClass b;
    b.special = Specials(p);
    for (int k = 0; k < 64; ++k) {
      if (p[k] != '\r' || p[k + 1] != '\n') continue;
      const uint8_t after = static_cast<uint8_t>(p[k + 2]);
      if (after == '.') {
        b.dot |= uint64_t{1} << k;
      } else if (!Special(after)) {
        b.plain |= uint64_t{1} << k;
      }
    }
    return b;
  }
};

#if defined(__SSE2__)
struct Sse2Scan {
  static constexpr bool kPopcnt = false;
  static inline __m128i Spec(__m128i x) {
    return _mm_cmpgt_epi8(_mm_add_epi8(x, _mm_set1_epi8(kSpecialBias)),
                          _mm_set1_epi8(kSpecialMin));
  }
  static inline __m128i Load(const char* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  }
  static inline uint64_t Bits(__m128i v, int quarter) {
    return uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(v))} << (16 * quarter);
  }
  static inline uint64_t Specials(const char* p) {
    uint64_t m = 0;
    for (int q = 0; q < 4; ++q) m |= Bits(Spec(Load(p + 16 * q)), q);
    return m;
  }
  static inline BlockClass Classify(const char* p) {
    BlockClass b;
    for (int q = 0; q < 4; ++q) {
      const __m128i x0 = Load(p + 16 * q), x1 = Load(p + 16 * q + 1), x2 = Load(p + 16 * q + 2);
      const __m128i crlf = _mm_and_si128(_mm_cmpeq_epi8(x0, _mm_set1_epi8('\r')),
                                         _mm_cmpeq_epi8(x1, _mm_set1_epi8('\n')));
      const __m128i dot2 = _mm_cmpeq_epi8(x2, _mm_set1_epi8('.'));
      const __m128i bad2 = _mm_or_si128(Spec(x2), dot2);
      b.special |= Bits(Spec(x0), q);
      b.plain |= Bits(_mm_andnot_si128(bad2, crlf), q);
      b.dot |= Bits(_mm_and_si128(dot2, crlf), q);
    }
    return b;
  }
};
#endif

#if defined(MTA_DATA_HAVE_AVX2_PATH)
#define MTA_AVX2 __attribute__((target("avx2")))
struct Avx2Scan {
  static constexpr bool kPopcnt = true;
  static inline MTA_AVX2 __m256i Spec(__m256i x) {
    return _mm256_cmpgt_epi8(_mm256_add_epi8(x, _mm256_set1_epi8(kSpecialBias)),
                             _mm256_set1_epi8(kSpecialMin));
  }
  static inline MTA_AVX2 __m256i Load(const char* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }
  static inline MTA_AVX2 uint64_t Bits(__m256i v, int half) {
    return uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(v))} << (32 * half);
  }
  static inline MTA_AVX2 uint64_t Specials(const char* p) {
    return Bits(Spec(Load(p)), 0) | Bits(Spec(Load(p + 32)), 1);
  }
  static inline MTA_AVX2 BlockClass Classify(const char* p) {
    BlockClass b;
    for (int h = 0; h < 2; ++h) {
      const __m256i x0 = Load(p + 32 * h), x1 = Load(p + 32 * h + 1), x2 = Load(p + 32 * h + 2);
      const __m256i crlf = _mm256_and_si256(_mm256_cmpeq_epi8(x0, _mm256_set1_epi8('\r')),
                                            _mm256_cmpeq_epi8(x1, _mm256_set1_epi8('\n')));
      const __m256i dot2 = _mm256_cmpeq_epi8(x2, _mm256_set1_epi8('.'));
      const __m256i bad2 = _mm256_or_si256(Spec(x2), dot2);
      b.special |= Bits(Spec(x0), h);
      b.plain |= Bits(_mm256_andnot_si256(bad2, crlf), h);
      b.dot |= Bits(_mm256_and_si256(dot2, crlf), h);
    }
    return b;
  }
};
#undef MTA_AVX2

#define MTA_AVX512 __attribute__((target("avx512f,avx512bw")))
struct Avx512Scan {
  static constexpr bool kPopcnt = true;
  static inline MTA_AVX512 __m512i Load(const char* p) { return _mm512_loadu_si512(p); }
  static inline MTA_AVX512 __m512i Biased(__m512i x) {
    return _mm512_add_epi8(x, _mm512_set1_epi8(kSpecialBias));
  }
  static inline MTA_AVX512 uint64_t Specials(const char* p) {
    return _mm512_cmpgt_epi8_mask(Biased(Load(p)), _mm512_set1_epi8(kSpecialMin));
  }
  static inline MTA_AVX512 BlockClass Classify(const char* p) {
    const __m512i x0 = Load(p), x1 = Load(p + 1), x2 = Load(p + 2);
    BlockClass b;
    b.special = _mm512_cmpgt_epi8_mask(Biased(x0), _mm512_set1_epi8(kSpecialMin));
    __mmask64 crlf = _mm512_cmpeq_epi8_mask(x0, _mm512_set1_epi8('\r'));
    crlf = _mm512_mask_cmpeq_epi8_mask(crlf, x1, _mm512_set1_epi8('\n'));
    const __mmask64 dot = _mm512_mask_cmpeq_epi8_mask(crlf, x2, _mm512_set1_epi8('.'));
    // Not special: y <= kSpecialMin, i.e. kSpecialMin + 1 > y.
    const __mmask64 ok2 =
        _mm512_mask_cmpgt_epi8_mask(crlf, _mm512_set1_epi8(kSpecialMin + 1), Biased(x2));
    b.plain = _kandn_mask64(dot, ok2);
    b.dot = dot;
    return b;
  }
};
#undef MTA_AVX512
#endif

// Leading zero bits of e (64 when e is 0), without a branch.
inline uint64_t Lz(uint64_t e) {
  return static_cast<uint64_t>(__builtin_clzll(e | 1)) + uint64_t{e == 0};
}

// The skim loop (block_scan.h, SkimBlocks), over the masks of Scan. Each instantiation is
// flattened into a function compiled for its instruction set.
template <class Scan>
inline void SkimImpl(const char* p, size_t n, uint64_t max_line, SkimState& s) {
  constexpr size_t kDotsPerBlock = 17;  // "\r\n.x" repeats at most 16 times, plus a carry
  constexpr size_t kRound = 4;          // blocks per round of the unrolled loop
  size_t base = s.base;
  const size_t from0 = s.from;
  s.ndots = 0;
  if (max_line < 64 || n < 67 || base > n - 67) return;
  // Body cap: every octet up to base + 66 must stay below the cap, so
  // base + 67 - from0 <= out_room (output never exceeds input).
  const uint64_t body_top = SatAdd(from0, s.out_room);
  if (body_top < 67) return;
  // Line length: line_len + (base + 64 - from) <= max_line (conservative when the block
  // ends the line).
  const uint64_t line_top = SatAdd(from0, max_line) - 64;
  if (line_top < s.line_len) return;
  const uint64_t fixed_lim = std::min<uint64_t>(body_top - 67, n - 67);
  // from + line_cap cannot overflow (from <= n), and a line limit beyond n changes nothing.
  const uint64_t line_cap = std::min<uint64_t>(max_line, n);
  uint64_t lim = std::min<uint64_t>(fixed_lim, line_top - s.line_len);
  size_t from = from0;
  size_t nd = 0;
  uint64_t carry = 0;  // bit 0: the block's first octet is the LF of a line-ending CRLF
  // The CRLFs of block b that end a line: plain ones, and those followed by a stuffed "."
  // and an octet that is not special (RFC 5321 4.5.2: the "." is removed). A "." followed
  // by anything special (".<CRLF>" is the end of data) leaves its CRLF uncovered, so the
  // block goes to the exact path.
  auto ends = [&](const BlockClass& c, size_t b, uint64_t& dots) -> uint64_t {
    dots = 0;
    for (uint64_t d = c.dot; d != 0; d &= d - 1) {
      const uint64_t bit = d & (~d + 1);
      if (!Special(static_cast<uint8_t>(p[b + static_cast<size_t>(__builtin_ctzll(d)) + 3]))) {
        dots |= bit;
      }
    }
    return c.plain | dots;
  };
  // Records the stuffed dots of block b.
  auto record = [&](uint64_t dots, size_t b) {
    for (uint64_t d = dots; d != 0; d &= d - 1) {
      s.dots[nd++] = b + static_cast<size_t>(__builtin_ctzll(d)) + 2;
    }
  };
  // Where the content after the last line end of block b starts, ignoring a stuffed dot
  // there (or `from_now` when the block ends no line).
  auto after = [](uint64_t e, size_t b, size_t from_now) -> size_t {
    const size_t a = b + 65 - static_cast<size_t>(__builtin_clzll(e | 1));
    return e != 0 ? a : from_now;
  };
  // kRound blocks per round, one exit test, while all are clean. The round's last block
  // starts at base + 64 * (kRound - 1) <= lim, which bounds the line running into the
  // round; a line that starts inside the round is shorter than 64 * kRound octets.
  while (max_line >= 64 * kRound && base + 64 * (kRound - 1) <= lim &&
         nd + kDotsPerBlock * kRound <= SkimState::kMaxDots) {
    const char* q = p + base;
    const BlockClass c0 = Scan::Classify(q), c1 = Scan::Classify(q + 64),
                     c2 = Scan::Classify(q + 128), c3 = Scan::Classify(q + 192);
    uint64_t d0 = 0, d1 = 0, d2 = 0, d3 = 0;
    uint64_t e0 = c0.plain, e1 = c1.plain, e2 = c2.plain, e3 = c3.plain;
    const bool any_dot = (c0.dot | c1.dot | c2.dot | c3.dot) != 0;
    if (any_dot) {
      e0 = ends(c0, base, d0);
      e1 = ends(c1, base + 64, d1);
      e2 = ends(c2, base + 128, d2);
      e3 = ends(c3, base + 192, d3);
    }
    // Clean when every special octet is the CR or LF of a line end in `e`. The covered
    // octets are specials, so with a popcnt instruction counting them suffices: a line
    // end's CR and LF are 2 specials, except that the LF of the round's last CRLF may lie
    // in the next round and the first octet of the round may be the LF of the previous
    // one (carry). Otherwise the masks are compared directly (the counts are then unused).
    const int nspec = __builtin_popcountll(c0.special) + __builtin_popcountll(c1.special) +
                      __builtin_popcountll(c2.special) + __builtin_popcountll(c3.special);
    const int nends = __builtin_popcountll(e0) + __builtin_popcountll(e1) +
                      __builtin_popcountll(e2) + __builtin_popcountll(e3);
    const bool bad =
        Scan::kPopcnt
            ? static_cast<uint64_t>(nspec) + (e3 >> 63) != 2 * static_cast<uint64_t>(nends) + carry
            : ((c0.special & ~(e0 | (e0 << 1) | carry)) |
               (c1.special & ~(e1 | (e1 << 1) | (e0 >> 63))) |
               (c2.special & ~(e2 | (e2 << 1) | (e1 >> 63))) |
               (c3.special & ~(e3 | (e3 << 1) | (e2 >> 63)))) != 0;
    const bool any_end = Scan::kPopcnt ? nends != 0 : (e0 | e1 | e2 | e3) != 0;
    if (bad) break;
    if (any_end) {
      // Branch-free: z counts the octets of the round after its last CR of a line end,
      // plus one (the round's 256 bits, e3 the most significant).
      const uint64_t z3 = Lz(e3), z2 = Lz(e2), z1 = Lz(e1), z0 = Lz(e0);
      const uint64_t z = z3 + (-(z3 >> 6) & (z2 + (-(z2 >> 6) & (z1 + (-(z1 >> 6) & z0)))));
      from = base + 64 * kRound + 1 - z;
      if (any_dot) {
        record(d0, base);
        record(d1, base + 64);
        record(d2, base + 128);
        record(d3, base + 192);
        // The last line starts with a stuffed "." (the highest dot of the round).
        if (nd != 0 && s.dots[nd - 1] == from) ++from;
      }
      // A new line started: its limit replaces the one that included line_len.
      lim = std::min<uint64_t>(fixed_lim, from + line_cap - 64);
    }
    carry = e3 >> 63;
    base += 64 * kRound;
  }
  while (base <= lim && nd + kDotsPerBlock <= SkimState::kMaxDots) {
    // RFC 5321 4.5.2: a CRLF followed by "." is skipped only as a stuffed line; anything
    // else special is left to the exact path.
    const BlockClass c = Scan::Classify(p + base);
    uint64_t d = 0;
    const uint64_t e = c.dot != 0 ? ends(c, base, d) : c.plain;
    if ((c.special & ~(e | (e << 1) | carry)) != 0) break;
    if (e != 0) {
      from = after(e, base, from);
      if (d != 0) {
        record(d, base);
        if (s.dots[nd - 1] == from) ++from;
      }
      lim = std::min<uint64_t>(fixed_lim, from + line_cap - 64);
    }
    carry = e >> 63;
    base += 64;
  }
  s.base = base;
  s.ndots = nd;
  if (from != from0) {
    s.from = from;
    s.line_len = 0;
  }
}

void SkimScalar(const char* p, size_t n, uint64_t max_line, SkimState& s) {
  SkimImpl<ScalarScan>(p, n, max_line, s);
}

#if defined(__SSE2__)
__attribute__((flatten)) void SkimSse2(const char* p, size_t n, uint64_t max_line,
                                       SkimState& s) {
  SkimImpl<Sse2Scan>(p, n, max_line, s);
}
#endif

#if defined(MTA_DATA_HAVE_AVX2_PATH)
__attribute__((target("avx2,popcnt"), flatten)) void SkimAvx2(const char* p, size_t n,
                                                       uint64_t max_line, SkimState& s) {
  SkimImpl<Avx2Scan>(p, n, max_line, s);
}
__attribute__((target("avx2"))) BlockClass ClassifyAvx2(const char* p) {
  return Avx2Scan::Classify(p);
}
__attribute__((target("avx2"))) uint64_t SpecialsAvx2(const char* p) {
  return Avx2Scan::Specials(p);
}

__attribute__((target("avx512f,avx512bw,popcnt"), flatten)) void SkimAvx512(const char* p, size_t n,
                                                                     uint64_t max_line,
                                                                     SkimState& s) {
  SkimImpl<Avx512Scan>(p, n, max_line, s);
}
__attribute__((target("avx512f,avx512bw"))) BlockClass ClassifyAvx512(const char* p) {
  return Avx512Scan::Classify(p);
}
__attribute__((target("avx512f,avx512bw"))) uint64_t SpecialsAvx512(const char* p) {
  return Avx512Scan::Specials(p);
}
#endif

ScanIsa Effective(ScanIsa isa) { return ScanIsaSupported(isa) ? isa : ScanIsa::kScalar; }

}  // namespace

bool ScanIsaSupported(ScanIsa isa) {
  switch (isa) {
    case ScanIsa::kScalar:
      return true;
    case ScanIsa::kSse2:
#if defined(__SSE2__)
      return true;
#else
      return false;
#endif
    case ScanIsa::kAvx2:
#if defined(MTA_DATA_HAVE_AVX2_PATH)
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
#else
      return false;
#endif
    case ScanIsa::kAvx512:
#if defined(MTA_DATA_HAVE_AVX2_PATH)
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("popcnt");
#else
      return false;
#endif
  }
  return false;
}

ScanIsa BestScanIsa() {
  static const ScanIsa best = ScanIsaSupported(ScanIsa::kAvx512) ? ScanIsa::kAvx512
                              : ScanIsaSupported(ScanIsa::kAvx2) ? ScanIsa::kAvx2
                              : ScanIsaSupported(ScanIsa::kSse2) ? ScanIsa::kSse2
                                                                 : ScanIsa::kScalar;
  return best;
}

BlockClass ClassifyBlock(ScanIsa isa, const char* p) {
  switch (Effective(isa)) {
#if defined(MTA_DATA_HAVE_AVX2_PATH)
    case ScanIsa::kAvx512:
      return ClassifyAvx512(p);
    case ScanIsa::kAvx2:
      return ClassifyAvx2(p);
#endif
#if defined(__SSE2__)
    case ScanIsa::kSse2:
      return Sse2Scan::Classify(p);
#endif
    default:
      return ScalarScan::Classify(p);
  }
}

uint64_t SpecialMask(ScanIsa isa, const char* p, size_t len) {
  if (len >= 64) {
    switch (Effective(isa)) {
#if defined(MTA_DATA_HAVE_AVX2_PATH)
      case ScanIsa::kAvx512:
        return SpecialsAvx512(p);
      case ScanIsa::kAvx2:
        return SpecialsAvx2(p);
#endif
#if defined(__SSE2__)
      case ScanIsa::kSse2:
        return Sse2Scan::Specials(p);
#endif
      default:
        return ScalarScan::Specials(p);
    }
  }
  uint64_t m = 0;
  for (size_t k = 0; k < len; ++k) {
    if (Special(static_cast<uint8_t>(p[k]))) m |= uint64_t{1} << k;
  }
  return m;
}

void SkimBlocks(ScanIsa isa, const char* p, size_t n, uint64_t max_line, SkimState& s) {
  switch (Effective(isa)) {
#if defined(MTA_DATA_HAVE_AVX2_PATH)
    case ScanIsa::kAvx512:
      return SkimAvx512(p, n, max_line, s);
    case ScanIsa::kAvx2:
      return SkimAvx2(p, n, max_line, s);
#endif
#if defined(__SSE2__)
    case ScanIsa::kSse2:
      return SkimSse2(p, n, max_line, s);
#endif
    default:
      return SkimScalar(p, n, max_line, s);
  }
}

}  // namespace mta::data
