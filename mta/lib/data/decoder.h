// decoder.h: streaming SMTP DATA decoder - CRLF discipline, dot-unstuffing, end-of-data
// detection, and classification of every line-ending anomaly.
//
// RFC 5321 4.1.1.4 and 2.3.8: the mail data ends only with <CRLF>.<CRLF>; <LF>.<LF> and
// the other smuggling variants are data (reported, never an end). The bytes right after
// the 354 reply count as a line start, so an immediate ".\r\n" ends an empty message.
// RFC 5321 4.5.2: a line (CRLF-delimited) that starts with "." has that "." removed.
// RFC 5321 4.5.3.1.6: lines over 998 octets are reported (kLongLine).
//
// Lines are delimited by CRLF only. A bare LF or bare CR is kept in the body as a data
// octet and reported (kBareLf / kBareCr); a "." after one is therefore not a line start
// and is not unstuffed. The caller applies its policy: reject (e.g. qmail's 451 and
// close), normalize (NormalizeLineEnds in line_ends.h) or accept as data.
//
// The decoder's output, anomalies and consumed count do not depend on how the input is
// split into Feed() calls; across calls it keeps at most one withheld octet.
//
//   DataDecoder d;
//   size_t n = d.Feed("Subject: x\r\n\r\n..hi\nthere\r\n.\r\nQUIT\r\n");
//   // n == 29 (QUIT is left for the command parser), d.complete() == true,
//   // d.body() == "Subject: x\r\n\r\n.hi\nthere\r\n", one kBareLf anomaly.
#ifndef MTA_LIB_DATA_DECODER_H_
#define MTA_LIB_DATA_DECODER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/data/anomaly.h"
#include "mta/lib/data/block_scan.h"

namespace mta::data {

struct DecoderOptions {
  // Body octets beyond this many are not stored (nor passed to the sink); scanning for
  // the end of data goes on so that the session stays in sync. A kTooBig anomaly is
  // recorded at the first octet dropped.
  uint64_t max_body_size = UINT64_MAX;
  // RFC 5321 4.5.3.1.6: 1000 octets including CRLF.
  uint64_t max_line_octets = 998;
  // At most this many anomalies of each kind are kept in anomalies(); counts() stays exact.
  // Per-kind so that a flood of one kind (e.g. 8-bit text) never hides another.
  size_t max_events_per_kind = 64;
  // Fast-path block scanner. The outcome never depends on it (it exists for differential
  // testing): kAuto picks the widest this CPU runs (AVX-512BW, AVX2, SSE2, scalar; an
  // unsupported choice falls back to scalar), kOff sends every octet through the
  // per-octet state machine.
  enum class Scan : uint8_t { kAuto, kScalar, kSse2, kAvx2, kAvx512, kOff };
  Scan scan = Scan::kAuto;
};

class DataDecoder {
 public:
  // Receives decoded body octets in order, in pieces of any size.
  using Sink = std::function<void(std::string_view)>;

  // Without a sink the body accumulates in body().
  explicit DataDecoder(DecoderOptions options = {}, Sink sink = nullptr);

  // Feeds the next bytes of the stream after the 354 reply. Returns how many were
  // consumed: all of them, or fewer when the end-of-data line ends inside the chunk (the
  // count then includes its ".\r\n"; the rest is the next pipelined command). After the
  // end (or Finish) it consumes nothing.
  size_t Feed(std::string_view chunk);

  // Declares the end of input (connection closed). Resolves a pending CR as bare. Returns
  // complete(). Feeding after Finish consumes nothing.
  bool Finish();

  // True once <CRLF>.<CRLF> was seen.
  bool complete() const { return state_ == State::kDone; }
  bool finished() const { return complete() || finished_; }
  // Octets consumed in total.
  uint64_t consumed() const { return in_pos_; }
  // Decoded body size, counting octets dropped by max_body_size.
  uint64_t body_size() const { return out_pos_; }
  bool size_exceeded() const { return out_pos_ > options_.max_body_size; }

  // The body (only without a sink). Excludes the final ".\r\n", keeps the CRLF before it.
  const std::string& body() const { return body_; }
  std::string TakeBody() { return std::move(body_); }

  const std::vector<Anomaly>& anomalies() const { return anomalies_; }
  const AnomalyCounts& counts() const { return counts_; }
  uint64_t count(AnomalyKind kind) const { return counts_[static_cast<size_t>(kind)]; }
  // Any line-ending anomaly: bare CR/LF or a smuggling variant.
  bool HasLineEndAnomaly() const;
  // Any smuggling variant (would-be end-of-data).
  bool HasSmugglingVariant() const;

 private:
  enum class State : uint8_t {
    kLineStart,  // after CRLF or at the start of the data
    kMid,        // inside a line
    kAfterLf,    // right after a bare LF
    kCr,         // CR seen, next octet unknown (already emitted as data)
    kDot,        // "." after E1 (dot_e1_)
    kDotCr,      // "." CR after E1; the CR is withheld when E1 is CRLF
    kLineNul,    // line start, NUL
    kLineNulDot, // line start, NUL, "."
    kDone,
  };
  enum class LineEnd : uint8_t { kCrLf, kLf, kCr };

  size_t Run(const char* p, size_t i, size_t n);
  size_t FastMid(const char* p, size_t i, size_t n);
  bool Step(const char* p, size_t i, uint8_t c);
  void StepMid(const char* p, size_t i, uint8_t c);
  void AfterBareCr(const char* p, size_t i, uint8_t c);
  void ResolveBareCr();
  void Content(uint64_t in, uint64_t out);
  void Emit(uint64_t in);
  void Record(AnomalyKind kind, uint64_t in, uint64_t out);
  void Flush(const char* p, size_t from, size_t to);
  void Put(std::string_view bytes);
  static AnomalyKind Variant(LineEnd e1, LineEnd e2);

  DecoderOptions options_;
  Sink sink_;
  bool fast_ = true;             // options_.scan != kOff
  ScanIsa isa_ = ScanIsa::kScalar;
  std::string body_;
  std::vector<Anomaly> anomalies_;
  AnomalyCounts counts_{};

  State state_ = State::kLineStart;
  LineEnd dot_e1_ = LineEnd::kCrLf;
  bool cr_after_nul_dot_ = false;  // kCr: the line so far is exactly NUL "."
  bool finished_ = false;
  uint64_t in_pos_ = 0;     // absolute input offset of the chunk's first octet while feeding
  uint64_t out_pos_ = 0;    // logical output octets so far
  uint64_t stored_ = 0;     // octets actually stored / passed to the sink
  uint64_t line_len_ = 0;   // content octets of the current CRLF line
  uint64_t cr_in_ = 0, cr_out_ = 0;    // pending CR
  uint64_t dot_in_ = 0, dot_out_ = 0;  // "." of a would-be end-of-data
  size_t span_ = 0;         // chunk index where the pending pass-through span starts
};

// Result of decoding a whole buffer.
struct DecodeResult {
  std::string body;
  bool complete = false;
  uint64_t consumed = 0;
  std::vector<Anomaly> anomalies;
  AnomalyCounts counts{};
};

// Decodes `input` as one chunk, then Finish() when it holds no end of data.
DecodeResult DecodeData(std::string_view input, const DecoderOptions& options = {});

}  // namespace mta::data

#endif  // MTA_LIB_DATA_DECODER_H_
