// reply.h: SMTP replies — parse one complete reply, format canonical replies.
//
// RFC 5321 4.2 (Reply-line = *( Reply-code "-" [ textstring ] CRLF )
//               Reply-code [ SP textstring ] CRLF; Reply-code = %x32-35 %x30-35 %x30-39),
// 4.2.1 (multi-line replies), 4.5.3.1.5 (a reply line is at most 512 octets with CRLF),
// RFC 2034 4 (enhanced status code at the start of the text of every line).
// Malformed replies are parsed as far as possible and flagged, never silently accepted.
//
//   Reply r = ParseReply("250-mx.example\r\n250 2.0.0 Ok\r\n");
//   r.code == 250; r.lines == {"mx.example", "2.0.0 Ok"}; r.flags.empty()
//   FormatReply(550, EnhancedStatus{5, 1, 1}, {"no such user"}) == "550 5.1.1 no such user\r\n"
#ifndef MTA_LIB_REPLY_REPLY_H_
#define MTA_LIB_REPLY_REPLY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/reply/enhanced_status.h"

namespace mta::reply {

// Malformed aspects of a reply. Each has a stable kebab-case id (ReplyFlagId).
enum class ReplyFlag {
  kBareLf,                 // "bare-lf": a line ended by LF without CR (RFC 5321 2.3.8)
  kBareCr,                 // "bare-cr": CR not followed by LF inside a line
  kBadCode,                // "bad-code": a line not starting with three digits; ends the reply
  kMissingSeparator,       // "missing-separator": 4th octet neither SP nor "-" ("250ok")
  kCodeMismatch,           // "code-mismatch": a line's code differs from the first line's
  kCodeOutOfRange,         // "code-out-of-range": first digit not 2-5 or second digit > 5
  kEmptyText,              // "empty-text": SP (after code or enhanced code) and no text
  kLineTooLong,            // "line-too-long": more than 512 octets including CRLF
  kNoFinalCrlf,            // "no-final-crlf": the input ended inside a line
  kIncomplete,             // "incomplete": the input ended before a final reply line
  kEnhancedClassMismatch,  // "enhanced-class-mismatch": class digit != code's first digit
  kEnhancedInconsistent,   // "enhanced-inconsistent": first line has an enhanced code and a
                           //   later line lacks it or carries another (RFC 2034 4)
  kNonAscii,               // "non-ascii": an octet >= 0x80
  kNul,                    // "nul": a NUL octet
  kControlChar,            // "control-char": a control octet other than HT, CR, LF, NUL
  kLineTruncated,          // "line-truncated": a line over the reader's cap, cut (reader)
  kTooManyLines,           // "too-many-lines": lines over the reader's cap dropped (reader)
};

// Stable id, e.g. ReplyFlag::kBareLf -> "bare-lf".
std::string_view ReplyFlagId(ReplyFlag f);

struct Reply {
  int code = 0;  // the first line's three digits; 0 when it has none (kBadCode)
  // RFC 2034: parsed from the start of the first line's text.
  std::optional<EnhancedStatus> enhanced;
  bool enhanced_on_every_line = false;  // every line opened with the same enhanced code
  // Text of each line without code, separator, line end, and without the enhanced code
  // (plus its SP) on the lines that carry the first line's code.
  std::vector<std::string> lines;
  std::string raw;               // the octets of this reply as consumed (reader: as kept)
  std::vector<ReplyFlag> flags;  // distinct, in order of first occurrence

  bool Has(ReplyFlag f) const;
  bool ok() const { return flags.empty(); }
  // Lines joined by SP (convenient for messages and logs).
  std::string JoinedText() const;
  bool operator==(const Reply&) const = default;
};

// Parses the first reply in `bytes` (a reply is complete at its first final line: one
// with SP after the code, no separator, or no code). Bytes after it are not consumed
// (raw.size() tells how many were). When `bytes` ends before a final line the partial
// reply is returned with kIncomplete (and kNoFinalCrlf if it ends inside a line). Empty
// input yields code 0 with kIncomplete.
Reply ParseReply(std::string_view bytes);

// Canonical reply bytes: each line "<code>-" (all but the last) or "<code> " then the
// enhanced code and SP when given, then the text, then CRLF. An empty text gives "<code>"
// / "<code>-" / "<code> C.S.D" with no trailing SP. No lines formats as one empty line.
// CR and LF inside a text are replaced by SP (a reply can never smuggle extra lines);
// `code` is clamped to 0..999 and written with three digits.
std::string FormatReply(int code, const std::optional<EnhancedStatus>& enhanced,
                        const std::vector<std::string>& lines);

}  // namespace mta::reply

#endif  // MTA_LIB_REPLY_REPLY_H_
