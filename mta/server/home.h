// home.h: refmta's home directory (DIR): layout, configuration loading, initialisation.
//
//   DIR/refmta.conf        the configuration (config_file.h format), root-owned, 0644
//   DIR/queue/             the queue (queue_store.h layout), 0700, queue_user
//   DIR/mail/              0755; DIR/mail/<user>/ a Maildir (0700, mail_user), or
//                          DIR/mail/<user> an mbox file (0600) for users marked ":mbox"
//   DIR/run/               0755; <role>.pid files of the running server; run/empty/ is the
//                          smtpd process's chroot (0555, empty)
//
// The queue always lives in DIR/queue (the `queue_dir` key is informational and
// check-config reports a mismatch).
//
//   config::Settings s = DefaultSettings("/srv/mta", "example.org", {"joe"}, "qmail");
//   InitHome("/srv/mta", s, /*write_config=*/true);
#ifndef MTA_SERVER_HOME_H_
#define MTA_SERVER_HOME_H_

#include <map>
#include <string>
#include <vector>

#include "mta/config/settings.h"
#include "mta/io/status.h"
#include "mta/local/resolve.h"

namespace mta::server {

std::string ConfigPath(const std::string& home);
std::string QueueRoot(const std::string& home);  // QueueStore root (queue in <root>/queue)
std::string MailboxPath(const std::string& home, const std::string& user);
std::string RunDir(const std::string& home);

// Settings for a new home: domain (also the host name), users (default "postmaster"),
// profile (default strict), queue_dir = DIR/queue.
config::Settings DefaultSettings(const std::string& home, const std::string& domain,
                                 const std::vector<std::string>& users,
                                 config::Profile profile = config::Profile::kStrict);

// Creates the directory tree (idempotent; when root: the system users, then ownership of
// DIR/queue, the mailboxes). With `write_config`, writes DIR/refmta.conf (FormatConfig)
// unless it exists.
io::Status InitHome(const std::string& home, const config::Settings& s, bool write_config);

// Reads DIR/refmta.conf and applies `sets` ("KEY=VALUE"). Problems (with line numbers) go
// to *errors; the result is usable only when *errors is empty.
config::Settings LoadSettings(const std::string& home, const std::vector<std::string>& sets,
                              std::vector<std::string>* errors);

// Aliases from alias_file (when set) merged with the inline `aliases`, for ResolveLocal;
// errors of the alias file go to *errors.
local::LocalConfig MakeLocalConfig(const config::Settings& s, std::vector<std::string>* errors);

// Everything `refmta check-config` reports: Validate() plus home-specific checks.
std::vector<std::string> CheckHome(const std::string& home, const config::Settings& s);

}  // namespace mta::server

#endif  // MTA_SERVER_HOME_H_
