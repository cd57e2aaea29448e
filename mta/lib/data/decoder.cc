// decoder.cc: streaming SMTP DATA decoder (see decoder.h).
//
// RFC 5321 4.1.1.4 / 2.3.8 (only <CRLF>.<CRLF> ends the data), 4.5.2 (dot-unstuffing),
// 4.5.3.1.6 (998-octet lines). The byte-level logic lives in Step(); FastMid()/Run() are
// the fast path over octets that cannot change the state (printable ASCII and HT inside a
// line, CRLF line ends before an ordinary octet, dot-stuffed line starts, whose "." only
// breaks the pass-through span), found 64 octets at a time by block_scan.h (SSE2, AVX2 or
// AVX-512BW masks, four blocks per round), and do exactly what Step() would do for each.
#include "mta/lib/data/decoder.h"

#include <algorithm>
#include <cstring>

namespace mta::data {
namespace {

// Octets that Step() must see: controls (CR, LF, NUL, ...), DEL and 8-bit octets.
inline bool Interesting(uint8_t c) { return c < 0x20 || c >= 0x7f; }

ScanIsa IsaFor(DecoderOptions::Scan scan) {
  switch (scan) {
    case DecoderOptions::Scan::kScalar:
      return ScanIsa::kScalar;
    case DecoderOptions::Scan::kSse2:
      return ScanIsaSupported(ScanIsa::kSse2) ? ScanIsa::kSse2 : ScanIsa::kScalar;
    case DecoderOptions::Scan::kAvx2:
      return ScanIsaSupported(ScanIsa::kAvx2) ? ScanIsa::kAvx2 : ScanIsa::kScalar;
    case DecoderOptions::Scan::kAvx512:
      return ScanIsaSupported(ScanIsa::kAvx512) ? ScanIsa::kAvx512 : ScanIsa::kScalar;
    default:
      return BestScanIsa();
  }
}

}  // namespace

DataDecoder::DataDecoder(DecoderOptions options, Sink sink)
    : options_(options),
      sink_(std::move(sink)),
      fast_(options.scan != DecoderOptions::Scan::kOff),
      isa_(IsaFor(options.scan)) {}

AnomalyKind DataDecoder::Variant(LineEnd e1, LineEnd e2) {
  switch (e1) {
    case LineEnd::kLf:
      return e2 == LineEnd::kLf ? AnomalyKind::kLfDotLf
             : e2 == LineEnd::kCr ? AnomalyKind::kLfDotCr
                                  : AnomalyKind::kLfDotCrLf;
    case LineEnd::kCr:
      return e2 == LineEnd::kLf ? AnomalyKind::kCrDotLf
             : e2 == LineEnd::kCr ? AnomalyKind::kCrDotCr
                                  : AnomalyKind::kCrDotCrLf;
    case LineEnd::kCrLf:
      break;
  }
  // <CRLF>.<CRLF> is the real end and never reaches here.
  return e2 == LineEnd::kLf ? AnomalyKind::kCrLfDotLf : AnomalyKind::kCrLfDotCr;
}

void DataDecoder::Record(AnomalyKind kind, uint64_t in, uint64_t out) {
  uint64_t& c = counts_[static_cast<size_t>(kind)];
  ++c;
  if (c <= options_.max_events_per_kind) anomalies_.push_back({kind, in, out});
}

// One content octet of the current CRLF line (RFC 5321 4.5.3.1.6 counts these).
void DataDecoder::Content(uint64_t in, uint64_t out) {
  ++line_len_;
  if (line_len_ == options_.max_line_octets + 1) Record(AnomalyKind::kLongLine, in, out);
}

// One octet of decoded output (the storage itself happens through spans / Put).
void DataDecoder::Emit(uint64_t in) {
  if (out_pos_ == options_.max_body_size) Record(AnomalyKind::kTooBig, in, out_pos_);
  ++out_pos_;
}

void DataDecoder::Put(std::string_view bytes) {
  if (bytes.empty() || stored_ >= options_.max_body_size) return;
  uint64_t room = options_.max_body_size - stored_;
  if (bytes.size() > room) bytes = bytes.substr(0, static_cast<size_t>(room));
  stored_ += bytes.size();
  if (sink_) {
    sink_(bytes);
  } else {
    body_.append(bytes.data(), bytes.size());
  }
}

void DataDecoder::Flush(const char* p, size_t from, size_t to) {
  if (to > from) Put(std::string_view(p + from, to - from));
}

// n printable octets at chunk index i, state kMid: content and output, no state change.
size_t DataDecoder::Run(const char* p, size_t i, size_t n) {
  (void)p;
  const uint64_t in = in_pos_ + i;
  const uint64_t max_line = options_.max_line_octets;
  const uint64_t max_body = options_.max_body_size;
  // Offsets within the run of a kLongLine / kTooBig event, if any.
  uint64_t long_at = UINT64_MAX, big_at = UINT64_MAX;
  if (line_len_ <= max_line && max_line - line_len_ < n) long_at = max_line - line_len_;
  if (out_pos_ <= max_body && max_body - out_pos_ < n) big_at = max_body - out_pos_;
  if (long_at != UINT64_MAX && long_at <= big_at) {
    Record(AnomalyKind::kLongLine, in + long_at, out_pos_ + long_at);
    long_at = UINT64_MAX;
  }
  if (big_at != UINT64_MAX) Record(AnomalyKind::kTooBig, in + big_at, out_pos_ + big_at);
  if (long_at != UINT64_MAX) Record(AnomalyKind::kLongLine, in + long_at, out_pos_ + long_at);
  line_len_ += n;
  out_pos_ += n;
  return i + n;
}

// State kMid at chunk index i: skips printable runs, HT, and CRLF line ends whose next
// line starts with a printable octet other than ".", or with a stuffed "." and then a
// printable octet, that raise no event - exactly what Run() and Step() would do for them.
// Returns the index of the next octet for Step(), or n. Whole blocks of such lines go
// through SkimBlocks (block_scan.h); a block with anything else is walked octet class by
// octet class with a mask of interesting octets.
size_t DataDecoder::FastMid(const char* p, size_t i, size_t n) {
  const uint64_t max_line = options_.max_line_octets;
  const bool skim = max_line >= 64;
  size_t from = i;  // start of the current line's content not yet accounted for
  size_t base = i;  // block start
  for (;;) {
    if (skim) {
      SkimState s;
      s.base = base;
      s.from = from;
      s.line_len = line_len_;
      s.out_room = out_pos_ <= options_.max_body_size ? options_.max_body_size - out_pos_ : 0;
      SkimBlocks(isa_, p, n, max_line, s);
      if (s.from != from) {
        // Whole lines: output == input but for the stuffed dots (RFC 5321 4.5.2).
        for (size_t k = 0; k < s.ndots; ++k) {
          Flush(p, span_, s.dots[k]);
          span_ = s.dots[k] + 1;
        }
        out_pos_ += s.from - from - s.ndots;
        line_len_ = 0;
        from = s.from;
      }
      base = s.base;
    }
    if (base >= n) {
      if (n > from) Run(p, from, n - from);
      return n;
    }
    uint64_t mask = SpecialMask(isa_, p + base, n - base);
    if (from > base) mask &= ~uint64_t{0} << (from - base);  // skimmed CRLF or dot
    size_t next_base = base + 64;
    while (mask != 0) {
      const size_t j = base + static_cast<size_t>(__builtin_ctzll(mask));
      if (p[j] == '\t') {
        // HT is content like any printable octet (RFC 5322 WSP), with no event.
        mask &= mask - 1;
        continue;
      }
      if (j + 2 < n && p[j] == '\r' && p[j + 1] == '\n') {
        uint8_t next = static_cast<uint8_t>(p[j + 2]);
        size_t start = j + 2;  // first content octet of the next line
        if (next == '.' && j + 3 < n) {
          // RFC 5321 4.5.2: a stuffed "." (not the end-of-data line when followed by an
          // ordinary octet) is removed.
          next = static_cast<uint8_t>(p[j + 3]);
          start = j + 3;
        }
        const uint64_t len = j - from;
        if ((start == j + 3 || next != '.') && (!Interesting(next) || next == '\t') &&
            line_len_ + len <= max_line && out_pos_ <= options_.max_body_size &&
            options_.max_body_size - out_pos_ >= len + 2) {
          out_pos_ += len + 2;
          line_len_ = 0;
          if (start == j + 3) {
            Flush(p, span_, j + 2);
            span_ = j + 3;
          }
          from = start;
          const size_t k = from - base;  // drop the CR and LF bits
          if (k < 64) {
            mask &= ~uint64_t{0} << k;
            continue;
          }
          next_base = from;  // the LF (or the dot) was at the end of the block
          break;
        }
      }
      if (j > from) Run(p, from, j - from);
      return j;
    }
    base = next_base;
  }
}

void DataDecoder::ResolveBareCr() {
  // RFC 5321 2.3.8 / RFC 5322 2.3: a CR not followed by LF is no line end; it stays data.
  Record(AnomalyKind::kBareCr, cr_in_, cr_out_);
  Content(cr_in_, cr_out_);
}

// Octet c at chunk index i, inside a line (also used for the first octet of a line that
// has no special meaning there).
void DataDecoder::StepMid(const char* p, size_t i, uint8_t c) {
  (void)p;
  const uint64_t abs = in_pos_ + i;
  state_ = State::kMid;
  if (c == '\r') {
    cr_in_ = abs;
    cr_out_ = out_pos_;
    cr_after_nul_dot_ = false;
    Emit(abs);
    state_ = State::kCr;
    return;
  }
  if (c == '\n') {
    // RFC 5321 4.1.1.4: a bare LF is not a line end; it is kept as data and reported.
    Record(AnomalyKind::kBareLf, abs, out_pos_);
    Content(abs, out_pos_);
    Emit(abs);
    state_ = State::kAfterLf;
    return;
  }
  if (c == 0) {
    Record(AnomalyKind::kNul, abs, out_pos_);
  } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
    Record(AnomalyKind::kControl, abs, out_pos_);
  } else if (c >= 0x80) {
    Record(AnomalyKind::k8Bit, abs, out_pos_);
  }
  Content(abs, out_pos_);
  Emit(abs);
}

// Octet c (not LF) right after a CR that has just been found bare.
void DataDecoder::AfterBareCr(const char* p, size_t i, uint8_t c) {
  if (c == '.') {
    const uint64_t abs = in_pos_ + i;
    // Not a line start (bare CR is no line end): the "." is data, not unstuffed.
    dot_e1_ = LineEnd::kCr;
    dot_in_ = abs;
    dot_out_ = out_pos_;
    Content(abs, out_pos_);
    Emit(abs);
    state_ = State::kDot;
    return;
  }
  StepMid(p, i, c);
}

// Returns true when c completes <CRLF>.<CRLF>.
bool DataDecoder::Step(const char* p, size_t i, uint8_t c) {
  const uint64_t abs = in_pos_ + i;
  switch (state_) {
    case State::kLineStart:
      if (c == '.') {
        // RFC 5321 4.5.2: a leading "." is removed (or starts the end-of-data line).
        Flush(p, span_, i);
        span_ = i + 1;
        dot_e1_ = LineEnd::kCrLf;
        dot_in_ = abs;
        dot_out_ = out_pos_;
        state_ = State::kDot;
        return false;
      }
      if (c == 0) {
        Record(AnomalyKind::kNul, abs, out_pos_);
        Content(abs, out_pos_);
        Emit(abs);
        state_ = State::kLineNul;
        return false;
      }
      StepMid(p, i, c);
      return false;
    case State::kMid:
      StepMid(p, i, c);
      return false;
    case State::kAfterLf:
      if (c == '.') {
        // A bare LF is not a line end (RFC 5321 4.1.1.4), so this "." is data.
        dot_e1_ = LineEnd::kLf;
        dot_in_ = abs;
        dot_out_ = out_pos_;
        Content(abs, out_pos_);
        Emit(abs);
        state_ = State::kDot;
        return false;
      }
      StepMid(p, i, c);
      return false;
    case State::kCr:
      if (c == '\n') {
        if (cr_after_nul_dot_) {
          // <CRLF><NUL>.<CRLF>: ends the data only for a receiver that deletes NULs.
          Record(AnomalyKind::kCrLfNulDotCrLf, dot_in_, dot_out_);
        }
        cr_after_nul_dot_ = false;
        Emit(abs);
        line_len_ = 0;
        state_ = State::kLineStart;
        return false;
      }
      cr_after_nul_dot_ = false;
      ResolveBareCr();
      AfterBareCr(p, i, c);
      return false;
    case State::kDot:
      if (c == '\r') {
        cr_in_ = abs;
        cr_out_ = out_pos_;
        if (dot_e1_ == LineEnd::kCrLf) {
          // Withheld: this may be the CR of the end-of-data line.
          Flush(p, span_, i);
          span_ = i + 1;
        } else {
          Emit(abs);
        }
        state_ = State::kDotCr;
        return false;
      }
      if (c == '\n') {
        // RFC 5321 4.1.1.4: <LF>.<LF> (and <CRLF>.<LF>, <CR>.<LF>) is not end of data.
        Record(AnomalyKind::kBareLf, abs, out_pos_);
        Record(Variant(dot_e1_, LineEnd::kLf), dot_in_, dot_out_);
        Content(abs, out_pos_);
        Emit(abs);
        state_ = State::kAfterLf;
        return false;
      }
      StepMid(p, i, c);
      return false;
    case State::kDotCr:
      if (c == '\n') {
        if (dot_e1_ == LineEnd::kCrLf) {
          // RFC 5321 4.1.1.4 / 4.5.2: <CRLF>.<CRLF> is the end of mail data.
          state_ = State::kDone;
          return true;
        }
        // <LF>.<CR><LF> / <CR>.<CR><LF>: the CRLF ends a line but the data goes on.
        Record(Variant(dot_e1_, LineEnd::kCrLf), dot_in_, dot_out_);
        Emit(abs);
        line_len_ = 0;
        state_ = State::kLineStart;
        return false;
      }
      if (dot_e1_ == LineEnd::kCrLf) {
        // The line was ".<CR>..." - a stuffed line whose CR turned out bare; the "." stays
        // removed (RFC 5321 4.5.2: there are other characters on the line).
        Put("\r");
        Emit(cr_in_);
      }
      Record(Variant(dot_e1_, LineEnd::kCr), dot_in_, dot_out_);
      ResolveBareCr();
      AfterBareCr(p, i, c);
      return false;
    case State::kLineNul:
      if (c == '.') {
        dot_in_ = abs;
        dot_out_ = out_pos_;
        Content(abs, out_pos_);
        Emit(abs);
        state_ = State::kLineNulDot;
        return false;
      }
      StepMid(p, i, c);
      return false;
    case State::kLineNulDot:
      StepMid(p, i, c);
      if (c == '\r') cr_after_nul_dot_ = true;
      return false;
    case State::kDone:
      return true;
  }
  return false;
}

size_t DataDecoder::Feed(std::string_view chunk) {
  if (finished()) return 0;
  const char* p = chunk.data();
  const size_t n = chunk.size();
  span_ = 0;
  size_t i = 0;
  while (i < n) {
    if (state_ == State::kMid && fast_) {
      i = FastMid(p, i, n);
      if (i == n) break;
    }
    if (Step(p, i, static_cast<uint8_t>(p[i]))) {
      // The terminating ".\r\n" produced no output: the span was flushed at its ".".
      in_pos_ += i + 1;
      return i + 1;
    }
    ++i;
  }
  Flush(p, span_, n);
  in_pos_ += n;
  return n;
}

bool DataDecoder::Finish() {
  if (finished()) return complete();
  switch (state_) {
    case State::kCr:
      cr_after_nul_dot_ = false;
      ResolveBareCr();
      break;
    case State::kDotCr:
      if (dot_e1_ == LineEnd::kCrLf) {
        Put("\r");
        Emit(cr_in_);
      }
      Record(Variant(dot_e1_, LineEnd::kCr), dot_in_, dot_out_);
      ResolveBareCr();
      break;
    default:
      break;
  }
  finished_ = true;
  return false;
}

bool DataDecoder::HasLineEndAnomaly() const {
  for (size_t k = 0; k <= static_cast<size_t>(AnomalyKind::kCrLfNulDotCrLf); ++k) {
    if (counts_[k] != 0) return true;
  }
  return false;
}

bool DataDecoder::HasSmugglingVariant() const {
  for (size_t k = static_cast<size_t>(AnomalyKind::kLfDotLf);
       k <= static_cast<size_t>(AnomalyKind::kCrLfNulDotCrLf); ++k) {
    if (counts_[k] != 0) return true;
  }
  return false;
}

DecodeResult DecodeData(std::string_view input, const DecoderOptions& options) {
  DataDecoder d(options);
  DecodeResult r;
  r.consumed = d.Feed(input);
  if (!d.complete()) d.Finish();
  r.complete = d.complete();
  r.body = d.TakeBody();
  r.anomalies = d.anomalies();
  r.counts = d.counts();
  return r;
}

}  // namespace mta::data
