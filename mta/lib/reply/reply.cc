// reply.cc: flag ids, ParseReply (one reply through the reader without caps), FormatReply.
//
// RFC 5321 4.2, 4.2.1; RFC 2034 4.
//
//   FormatReply(250, std::nullopt, {"a", "b"}) == "250-a\r\n250 b\r\n"
#include "mta/lib/reply/reply.h"

#include <algorithm>
#include <limits>

#include "mta/lib/reply/reply_reader.h"

namespace mta::reply {

std::string_view ReplyFlagId(ReplyFlag f) {
  switch (f) {
    case ReplyFlag::kBareLf: return "bare-lf";
    case ReplyFlag::kBareCr: return "bare-cr";
    case ReplyFlag::kBadCode: return "bad-code";
    case ReplyFlag::kMissingSeparator: return "missing-separator";
    case ReplyFlag::kCodeMismatch: return "code-mismatch";
    case ReplyFlag::kCodeOutOfRange: return "code-out-of-range";
    case ReplyFlag::kEmptyText: return "empty-text";
    case ReplyFlag::kLineTooLong: return "line-too-long";
    case ReplyFlag::kNoFinalCrlf: return "no-final-crlf";
    case ReplyFlag::kIncomplete: return "incomplete";
    case ReplyFlag::kEnhancedClassMismatch: return "enhanced-class-mismatch";
    case ReplyFlag::kEnhancedInconsistent: return "enhanced-inconsistent";
    case ReplyFlag::kNonAscii: return "non-ascii";
    case ReplyFlag::kNul: return "nul";
    case ReplyFlag::kControlChar: return "control-char";
    case ReplyFlag::kLineTruncated: return "line-truncated";
    case ReplyFlag::kTooManyLines: return "too-many-lines";
  }
  return "unknown";
}

bool Reply::Has(ReplyFlag f) const {
  return std::find(flags.begin(), flags.end(), f) != flags.end();
}

std::string Reply::JoinedText() const {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += ' ';
    out += lines[i];
  }
  return out;
}

Reply ParseReply(std::string_view bytes) {
  // The input is bounded by the caller, so no caps: raw is exactly the consumed octets.
  ReplyReader reader({std::numeric_limits<std::size_t>::max() - 1,
                      std::numeric_limits<std::size_t>::max()});
  // Feed line by line so only the octets of the first reply are copied.
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    std::size_t lf = bytes.find('\n', pos);
    std::size_t end = lf == std::string_view::npos ? bytes.size() : lf + 1;
    reader.Feed(bytes.substr(pos, end - pos));
    pos = end;
    if (std::optional<Reply> r = reader.Next()) return std::move(*r);
  }
  if (std::optional<Reply> r = reader.Finish()) return std::move(*r);
  Reply empty;
  empty.flags.push_back(ReplyFlag::kIncomplete);
  return empty;
}

std::string FormatReply(int code, const std::optional<EnhancedStatus>& enhanced,
                        const std::vector<std::string>& lines) {
  code = std::clamp(code, 0, 999);
  char digits[3] = {static_cast<char>('0' + code / 100), static_cast<char>('0' + code / 10 % 10),
                    static_cast<char>('0' + code % 10)};
  std::string status = enhanced ? enhanced->ToString() : std::string();
  std::size_t n = lines.empty() ? 1 : lines.size();
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view text = lines.empty() ? std::string_view() : std::string_view(lines[i]);
    out.append(digits, 3);
    // RFC 5321 4.2.1: "-" after the code on every line but the last.
    const char sep = i + 1 < n ? '-' : ' ';
    if (enhanced) {
      // RFC 2034 4: every line's text starts with the enhanced code and one SP.
      out += sep;
      out += status;
      if (!text.empty()) out += ' ';
    } else if (!text.empty() || sep == '-') {
      out += sep;  // "250" for an empty final line (SP needs a textstring after it)
    }
    for (char c : text) out += (c == '\r' || c == '\n') ? ' ' : c;
    out += "\r\n";
  }
  return out;
}

}  // namespace mta::reply
