// block_scan.cc: 64-octet block scanner of the DATA decoder's fast path (see block_scan.h).
//
// RFC 5321 4.1.1.4 / 4.5.2: a plain CRLF (not followed by "." or a special octet) only ends
// a line. Each variant computes the same masks; SkimImpl is instantiated once per
// instruction set so that the mask computation inlines into the loop.
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
      const uint8_t after = static_cast<uint8_t>(p[k + 2]);
      if (p[k] == '\r' && p[k + 1] == '\n' && after != '.' && !Special(after)) {
        b.plain |= uint64_t{1} << k;
      }
    }
    return b;
  }
};

#if defined(__SSE2__)
struct Sse2Scan {
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
      const __m128i bad2 = _mm_or_si128(Spec(x2), _mm_cmpeq_epi8(x2, _mm_set1_epi8('.')));
      b.special |= Bits(Spec(x0), q);
      b.plain |= Bits(_mm_andnot_si128(bad2, crlf), q);
    }
    return b;
  }
};
#endif

#if defined(MTA_DATA_HAVE_AVX2_PATH)
#define MTA_AVX2 __attribute__((target("avx2")))
struct Avx2Scan {
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
      const __m256i bad2 =
          _mm256_or_si256(Spec(x2), _mm256_cmpeq_epi8(x2, _mm256_set1_epi8('.')));
      b.special |= Bits(Spec(x0), h);
      b.plain |= Bits(_mm256_andnot_si256(bad2, crlf), h);
    }
    return b;
  }
};
#undef MTA_AVX2

#define MTA_AVX512 __attribute__((target("avx512f,avx512bw")))
struct Avx512Scan {
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
    __mmask64 k = _mm512_cmpeq_epi8_mask(x0, _mm512_set1_epi8('\r'));
    k = _mm512_mask_cmpeq_epi8_mask(k, x1, _mm512_set1_epi8('\n'));
    // Not special: y <= kSpecialMin, i.e. kSpecialMin + 1 > y.
    k = _mm512_mask_cmpgt_epi8_mask(k, _mm512_set1_epi8(kSpecialMin + 1), Biased(x2));
    k = _mm512_mask_cmpneq_epi8_mask(k, x2, _mm512_set1_epi8('.'));
    b.plain = k;
    return b;
  }
};
#undef MTA_AVX512
#endif

// The skim loop (block_scan.h, SkimBlocks), over the masks of Scan. Each instantiation is
// flattened into a function compiled for its instruction set.
template <class Scan>
inline void SkimImpl(const char* p, size_t n,
                                                    uint64_t max_line, SkimState& s) {
  size_t base = s.base;
  const size_t from0 = s.from;
  if (max_line < 64 || n < 66 || base > n - 66) return;
  // Body cap: every octet up to base + 65 must stay below the cap, so
  // base + 66 - from0 <= out_room.
  const uint64_t body_top = SatAdd(from0, s.out_room);
  if (body_top < 66) return;
  // Line length: line_len + (base + 64 - from) <= max_line (conservative when the block
  // ends the line: then only its first CRLF counts).
  const uint64_t line_top = SatAdd(from0, max_line) - 64;
  if (line_top < s.line_len) return;
  const uint64_t fixed_lim = std::min<uint64_t>(body_top - 66, n - 66);
  // from + line_cap cannot overflow (from <= n), and a line limit beyond n changes nothing.
  const uint64_t line_cap = std::min<uint64_t>(max_line, n);
  uint64_t lim = std::min<uint64_t>(fixed_lim, line_top - s.line_len);
  size_t from = from0;
  uint64_t carry = 0;  // bit 0: the block's first octet is the LF of a plain CRLF
  // Two blocks per round while both are clean (fewer branches), then one at a time.
  // base + 64 <= lim bounds the line running into the pair up to base + 128; a line that
  // starts inside the pair is shorter than 128 octets.
  while (max_line >= 128 && base + 64 <= lim) {
    const BlockClass a = Scan::Classify(p + base);
    const BlockClass b = Scan::Classify(p + base + 64);
    const uint64_t bad_a = a.special & ~(a.plain | (a.plain << 1) | carry);
    const uint64_t bad_b = b.special & ~(b.plain | (b.plain << 1) | (a.plain >> 63));
    if ((bad_a | bad_b) != 0) break;
    // Branch-free: a block without a CRLF keeps `from`.
    const size_t after_a = base + 65 - static_cast<size_t>(__builtin_clzll(a.plain | 1));
    const size_t after_b = base + 129 - static_cast<size_t>(__builtin_clzll(b.plain | 1));
    from = a.plain != 0 ? after_a : from;
    from = b.plain != 0 ? after_b : from;
    // A new line started: its limit replaces the one that included line_len.
    const uint64_t new_lim = std::min<uint64_t>(fixed_lim, from + line_cap - 64);
    lim = (a.plain | b.plain) != 0 ? new_lim : lim;
    carry = b.plain >> 63;
    base += 128;
  }
  while (base <= lim) {
    // RFC 5321 4.5.2: a CRLF followed by "." (or anything special) is left to the exact
    // path; only plain CRLFs are skipped here.
    const BlockClass b = Scan::Classify(p + base);
    if ((b.special & ~(b.plain | (b.plain << 1) | carry)) != 0) break;
    // Branch-free: a block without a CRLF keeps `from`.
    const size_t after_last = base + 65 - static_cast<size_t>(__builtin_clzll(b.plain | 1));
    from = b.plain != 0 ? after_last : from;
    const uint64_t new_lim = std::min<uint64_t>(fixed_lim, from + line_cap - 64);
    lim = b.plain != 0 ? new_lim : lim;
    carry = b.plain >> 63;
    base += 64;
  }
  s.base = base;
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
__attribute__((target("avx2"), flatten)) void SkimAvx2(const char* p, size_t n,
                                                       uint64_t max_line, SkimState& s) {
  SkimImpl<Avx2Scan>(p, n, max_line, s);
}
__attribute__((target("avx2"))) BlockClass ClassifyAvx2(const char* p) {
  return Avx2Scan::Classify(p);
}
__attribute__((target("avx2"))) uint64_t SpecialsAvx2(const char* p) {
  return Avx2Scan::Specials(p);
}

__attribute__((target("avx512f,avx512bw"), flatten)) void SkimAvx512(const char* p, size_t n,
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
      return __builtin_cpu_supports("avx2");
#else
      return false;
#endif
    case ScanIsa::kAvx512:
#if defined(MTA_DATA_HAVE_AVX2_PATH)
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
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
