// anomaly.h: the line-ending and content anomalies the DATA decoder reports.
//
// RFC 5321 2.3.8 and 4.1.1.4 (CR and LF only together as CRLF; only <CRLF>.<CRLF> ends
// the mail data), 4.5.2 (transparency), 4.5.3.1.6 (text line length), RFC 5322 2.3,
// RFC 6152 (8BITMIME). The decoder only classifies; whether an anomaly leads to a reject,
// a normalisation or plain acceptance is the caller's policy.
//
//   AnomalyName(AnomalyKind::kLfDotLf) == "lf-dot-lf"
//   ParseAnomalyName("bare-cr") == AnomalyKind::kBareCr
#ifndef MTA_LIB_DATA_ANOMALY_H_
#define MTA_LIB_DATA_ANOMALY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mta::data {

// Every kind has a stable kebab-case name (AnomalyName) used in logs, reports and the
// conformance harness. Do not renumber or rename: append new kinds before kCount.
enum class AnomalyKind : uint8_t {
  kBareLf,          // "bare-lf": LF not preceded by CR
  kBareCr,          // "bare-cr": CR not followed by LF
  // Would-be end-of-data sequences <E1> "." <E2> (SMTP smuggling, SEC Consult 2023).
  // E1 is the line end before the dot (CRLF, or the start of the data), E2 the one after
  // it. None of them ends the data: RFC 5321 4.1.1.4 - only <CRLF>.<CRLF> does.
  kLfDotLf,         // "lf-dot-lf":     <LF>.<LF>
  kLfDotCr,         // "lf-dot-cr":     <LF>.<CR>      (CR not followed by LF)
  kLfDotCrLf,       // "lf-dot-crlf":   <LF>.<CR><LF>
  kCrDotLf,         // "cr-dot-lf":     <CR>.<LF>
  kCrDotCr,         // "cr-dot-cr":     <CR>.<CR>
  kCrDotCrLf,       // "cr-dot-crlf":   <CR>.<CR><LF>
  kCrLfDotLf,       // "crlf-dot-lf":   <CR><LF>.<LF>
  kCrLfDotCr,       // "crlf-dot-cr":   <CR><LF>.<CR>
  kCrLfNulDotCrLf,  // "crlf-nul-dot-crlf": <CR><LF><NUL>.<CR><LF> (ends data where NULs are
                    // deleted before end-of-data detection)
  kNul,             // "nul": a NUL octet (RFC 5321 4.1.1.4, RFC 2045 2.7/2.8)
  kControl,         // "control": a control octet other than NUL, HT, CR, LF (0x01-0x1F, 0x7F)
  k8Bit,            // "8bit": an octet > 127 (BODY=7BIT / 8BITMIME checks, RFC 6152)
  kLongLine,        // "long-line": a line over 998 octets excluding CRLF (RFC 5321
                    // 4.5.3.1.6); reported once per line, at its 999th octet
  kTooBig,          // "too-big": the body exceeded DecoderOptions::max_body_size; reported
                    // once, at the first octet that was not stored
  kCount,
};

inline constexpr size_t kAnomalyKindCount = static_cast<size_t>(AnomalyKind::kCount);

// Stable kebab-case name, e.g. "bare-lf", "crlf-dot-cr". "unknown" for out-of-range values.
std::string_view AnomalyName(AnomalyKind kind);

// Inverse of AnomalyName.
std::optional<AnomalyKind> ParseAnomalyName(std::string_view name);

// True for the would-be end-of-data kinds (kLfDotLf .. kCrLfNulDotCrLf).
bool IsSmugglingVariant(AnomalyKind kind);

// One recorded anomaly. Offsets are absolute: input_offset counts octets fed to the
// decoder since its start, output_offset counts decoded body octets (as if no size limit
// applied). For a smuggling variant both offsets are those of its ".". For kBareLf, kBareCr,
// kNul, kControl, k8Bit, kLongLine, kTooBig they are those of the octet concerned.
struct Anomaly {
  AnomalyKind kind;
  uint64_t input_offset;
  uint64_t output_offset;
  friend bool operator==(const Anomaly&, const Anomaly&) = default;
};

// Exact count of each kind (indexed by the enum value).
using AnomalyCounts = std::array<uint64_t, kAnomalyKindCount>;

}  // namespace mta::data

#endif  // MTA_LIB_DATA_ANOMALY_H_
