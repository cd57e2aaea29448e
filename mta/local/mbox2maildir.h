// mbox2maildir.h: convert an mbox into a Maildir without ever losing a message.
//
// Reads the whole mbox under a shared fcntl() read lock (never writes, truncates or
// unlinks it), splits it with SplitMbox (mboxo/mboxrd unquoting, Content-Length aware;
// see mbox_format.h), and stores every message verbatim with WriteMaildirMessage under a
// deterministic key:
//
//   "mbox-<fnv64(absolute mbox path)>-<message index, 6 digits>-<fnv64(content)>"
//
// so a second run (or a run after a crash half-way) finds the messages already present
// and writes nothing twice, while a message edited in place gets a new key. Success is
// reported only after every message is durable in new/ (each file and new/ fsynced).
//
//   auto r = Mbox2Maildir("/var/mail/u", "/home/u/Maildir");
//   r->delivered + r->already_present == r->total
#ifndef MTA_LOCAL_MBOX2MAILDIR_H_
#define MTA_LOCAL_MBOX2MAILDIR_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "mta/io/status.h"

namespace mta::local {

struct Mbox2MaildirReport {
  size_t total = 0;            // messages found in the mbox
  size_t delivered = 0;        // written by this run
  size_t already_present = 0;  // found by key (earlier run)
  bool preamble = false;       // bytes before the first From_ line were kept as a message
};

// 64-bit FNV-1a, as 16 lower-case hex digits.
std::string Fnv1a64Hex(std::string_view bytes);
std::string Mbox2MaildirKey(std::string_view mbox_path, size_t index, std::string_view content);

io::Result<Mbox2MaildirReport> Mbox2Maildir(const std::string& mbox_path,
                                            const std::string& maildir);

}  // namespace mta::local

#endif  // MTA_LOCAL_MBOX2MAILDIR_H_
