// encoder.cc: SMTP DATA encoder (see encoder.h). RFC 5321 2.3.8, 4.1.1.4, 4.5.2.
#include "mta/lib/data/encoder.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mta::data {
namespace {

// Index of the first CR or LF in p[i, n), or n.
size_t NextLineEndOctet(const char* p, size_t i, size_t n) {
#if defined(__SSE2__)
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i lf = _mm_set1_epi8('\n');
  while (i + 16 <= n) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    unsigned mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, lf))));
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(mask));
    i += 16;
  }
#endif
  while (i < n && p[i] != '\r' && p[i] != '\n') ++i;
  return i;
}

}  // namespace

void DataEncoder::Add(std::string_view chunk, std::string* out) {
  if (finished_ || chunk.empty()) return;
  const char* p = chunk.data();
  const size_t n = chunk.size();
  size_t i = 0;
  any_ = true;
  if (pending_cr_) {
    // RFC 5321 2.3.8: a CR is only sent as part of CRLF; a bare CR becomes CRLF.
    pending_cr_ = false;
    out->append("\r\n");
    line_start_ = true;
    if (p[0] == '\n') i = 1;
  }
  while (i < n) {
    size_t j = NextLineEndOctet(p, i, n);
    if (j > i) {
      // RFC 5321 4.5.2: a line starting with "." gets one more ".".
      if (line_start_ && p[i] == '.') out->push_back('.');
      out->append(p + i, j - i);
      line_start_ = false;
    }
    if (j == n) break;
    if (p[j] == '\n') {
      // A bare LF is sent as CRLF (RFC 5321 2.3.8, 4.1.1.4).
      out->append("\r\n");
      line_start_ = true;
      i = j + 1;
    } else if (j + 1 < n) {
      out->append("\r\n");
      line_start_ = true;
      i = j + (p[j + 1] == '\n' ? 2 : 1);
    } else {
      pending_cr_ = true;
      i = n;
    }
  }
}

void DataEncoder::Finish(std::string* out) {
  if (finished_) return;
  finished_ = true;
  if (pending_cr_) {
    pending_cr_ = false;
    out->append("\r\n");
    line_start_ = true;
  }
  if (any_ && !line_start_) out->append("\r\n");
  out->append(".\r\n");
}

std::string EncodeData(std::string_view body) {
  std::string out;
  out.reserve(body.size() + body.size() / 32 + 8);
  DataEncoder e;
  e.Add(body, &out);
  e.Finish(&out);
  return out;
}

}  // namespace mta::data
