// mbox_format.h: the mbox format, pure functions over bytes (no I/O).
//
// Writing (mboxrd, as qmail-local and procmail write): an entry is
//   "From <sender> <asctime date>\n" + message (every line matching ^>*From  gets one more
//   '>') + "\n" if the message does not end with one + "\n" (the blank separator line).
//
// Reading (SplitMbox) accepts mboxo, mboxrd, mboxcl and mboxcl2:
//   - a message starts at a "From " line at the start of the file or after a blank line
//     (an empty line or a lone CR);
//   - when the header has "Content-Length: N" and the body ends exactly N octets later at
//     the end of the file or at a (blank line and) "From " line, that length is used, so
//     unquoted "From " lines in mboxcl2 bodies do not split the message;
//   - one level of quoting is removed from every ^>+From  line (mboxrd). The mboxo
//     ambiguity: mboxo writers quote "From " but not ">From ", so an original ">From " line
//     cannot be told apart from a quoted "From " line and comes back as "From ". No reader
//     can recover it; mboxrd files round-trip exactly. The same unquoting is applied to
//     Content-Length-delimited bodies (right for mboxcl; for mboxcl2 it only changes lines
//     that began with ">From ").
//   - the blank line before the next "From " line (or at the end of the file) is the
//     separator, not message content.
//   - bytes before the first "From " line that are not all whitespace become a message
//     with an empty from_line (nothing is dropped).
// Linear time; never fails.
//
//   std::string e = FormatMboxEntry("a@b", 0, "Subject: x\n\nFrom here\n");
//   // "From a@b Thu Jan  1 00:00:00 1970\nSubject: x\n\n>From here\n\n"
//   SplitMbox(e).messages[0].content == "Subject: x\n\nFrom here\n"
#ifndef MTA_LOCAL_MBOX_FORMAT_H_
#define MTA_LOCAL_MBOX_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mta::local {

// "From <sender> <date>" without the line end; `sender` "" becomes MAILER-DAEMON, and
// whitespace/control octets in it become '_'. The date is asctime() format in UTC.
std::string MboxFromLine(std::string_view sender, int64_t unix_time);

// mboxrd quoting of every ^>*From  line, and its one-level inverse.
std::string QuoteFromLines(std::string_view message);
std::string UnquoteFromLines(std::string_view message);

// One complete entry (see the file comment). `message` is stored with its own line ends.
std::string FormatMboxEntry(std::string_view sender, int64_t unix_time,
                            std::string_view message);

struct MboxMessage {
  size_t offset = 0;          // offset of the From_ line (or of the preamble)
  std::string from_line;      // without its line end; "" for a preamble
  std::string content;        // message bytes, unquoted, separator removed
  bool used_content_length = false;
};

struct MboxSplit {
  std::vector<MboxMessage> messages;
  bool preamble = false;  // the file did not start with a From_ line
};

MboxSplit SplitMbox(std::string_view mbox);

}  // namespace mta::local

#endif  // MTA_LOCAL_MBOX_FORMAT_H_
