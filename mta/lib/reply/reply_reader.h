// reply_reader.h: incremental SMTP reply reader with bounded memory.
//
// RFC 5321 4.2, 4.2.1, 4.5.3.1.5. Bytes arrive in any chunking (down to one octet at a
// time); complete replies come out one at a time, identical to ParseReply over the whole
// input. A line longer than max_line_length is cut (kLineTruncated) and a reply with more
// than max_lines lines keeps only the first max_lines (kTooManyLines): memory never grows
// with what the peer sends beyond those caps plus the caller's unread input.
//
//   ReplyReader r;
//   r.Feed("250-a\r\n25");  r.Next() == std::nullopt
//   r.Feed("0 b\r\n");      r.Next()->lines == {"a", "b"}
#ifndef MTA_LIB_REPLY_REPLY_READER_H_
#define MTA_LIB_REPLY_REPLY_READER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mta/lib/reply/reply.h"

namespace mta::reply {

struct ReplyReaderOptions {
  std::size_t max_line_length = 4096;  // octets of a line kept, excluding its line end
  std::size_t max_lines = 1000;        // lines of one reply kept
};

class ReplyReader {
 public:
  explicit ReplyReader(ReplyReaderOptions options = {});

  // Appends bytes received from the peer. Nothing is parsed until Next().
  void Feed(std::string_view bytes);
  // The next complete reply, or nullopt when more bytes are needed.
  std::optional<Reply> Next();
  // End of stream: the partial reply still pending, flagged kIncomplete (and
  // kNoFinalCrlf when inside a line), or nullopt when nothing is pending. Call after
  // Next() returned nullopt.
  std::optional<Reply> Finish();
  // Octets fed but not yet consumed by a returned reply.
  std::size_t buffered() const;

 private:
  // Consumes one complete (or, at end of stream, partial) line; true when it ended a reply.
  bool TakeLine(std::string_view line, bool crlf, bool terminated, std::size_t full_length);
  Reply Complete();

  ReplyReaderOptions options_;
  std::string in_;            // unread input
  std::size_t pos_ = 0;       // first unread octet of in_
  std::string partial_;       // the current line, at most max_line_length octets
  std::size_t partial_len_ = 0;  // octets of the current line seen (including cut ones)
  bool partial_cr_ = false;   // the octet before the current position was a CR (cut lines)
  Reply cur_;                 // the reply being assembled
  std::size_t cur_lines_ = 0; // lines seen in cur_ (including dropped ones)
  bool in_reply_ = false;
  bool first_bad_ = false;    // the first line of cur_ had no Reply-code
};

}  // namespace mta::reply

#endif  // MTA_LIB_REPLY_REPLY_READER_H_
