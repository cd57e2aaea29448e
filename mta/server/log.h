// log.h: refmta's event log: one line per event on stderr, tagged with role and pid.
//
//   SetLogRole("smtpd");
//   Log("accepted ", qid, " from ", ip);   // "refmta smtpd[4711]: accepted 17...."
#ifndef MTA_SERVER_LOG_H_
#define MTA_SERVER_LOG_H_

#include <sstream>
#include <string>
#include <string_view>

namespace mta::server {

// The role name printed with every line ("master", "smtpd", "queue", "lspawn").
void SetLogRole(std::string_view role);
const std::string& LogRole();
// Writes one line atomically (a single write(2) of at most a few KB; newlines in the text
// are replaced by spaces so that one event is always one line).
void LogLine(std::string_view text);

template <typename... Args>
void Log(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  LogLine(os.str());
}

}  // namespace mta::server

#endif  // MTA_SERVER_LOG_H_
