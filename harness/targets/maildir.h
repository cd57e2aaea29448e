// maildir.h: reads the messages a managed target delivered to a local user's Maildir
// (new/ and cur/; tmp/ holds deliveries in progress and is skipped).
//
//   std::vector<std::string> msgs = ReadMaildir(run_dir + "/mail/user");
//   // raw octets, oldest first (Maildir names start with the delivery time)
#ifndef MTA_HARNESS_TARGETS_MAILDIR_H_
#define MTA_HARNESS_TARGETS_MAILDIR_H_

#include <optional>
#include <string>
#include <vector>

namespace mta::targets {

// Messages of the Maildir at `dir`, ordered by modification time then file name.
// std::nullopt when `dir` has neither new/ nor cur/. Hidden files are skipped.
std::optional<std::vector<std::string>> ReadMaildir(const std::string& dir);

// True for a plain local part usable as a directory name (letters, digits, ". _ -", not
// starting with a dot): the mailbox of any other name is never read.
bool SafeMailboxName(const std::string& user);

}  // namespace mta::targets

#endif  // MTA_HARNESS_TARGETS_MAILDIR_H_
