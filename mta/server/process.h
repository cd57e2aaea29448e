// process.h: process identity and privilege helpers for refmta's partition.
//
// Each refmta process runs with one role and, when the server starts as root, one uid:
//   smtpd  -> smtpd_user (no file access beyond its sockets; chrooted to DIR/run/empty)
//   queue  -> queue_user (owns DIR/queue)
//   lspawn -> root (forks one delivery worker per mailbox owner, which becomes that owner)
// When not started as root every process keeps the invoking uid (separation by process
// only).
//
//   Ids ids = LookupIds("refmta-smtpd").value();
//   Status s = DropPrivileges(ids);      // setgroups, setgid, setuid; verified
//   SetProcessRole("smtpd");             // comm "refmta-smtpd" and the log tag
#ifndef MTA_SERVER_PROCESS_H_
#define MTA_SERVER_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <string_view>

#include "mta/io/file.h"
#include "mta/io/status.h"

namespace mta::server {

struct Ids {
  uid_t uid = 0;
  gid_t gid = 0;
};

// getpwnam(name): uid and primary gid.
io::Result<Ids> LookupIds(const std::string& name);
// Creates a system user and group `name` when missing (useradd --system --no-create-home
// --shell /usr/sbin/nologin --user-group); idempotent. Root only.
io::Status EnsureSystemUser(const std::string& name);
// setgroups({gid}), setgid, setuid, then checks that uid 0 cannot be regained.
io::Status DropPrivileges(const Ids& ids);
// Names the process "refmta-<role>" (prctl PR_SET_NAME, seen in /proc/<pid>/comm) and
// tags the log. Also asks for SIGKILL when the parent dies (re-armed after every uid
// change, which clears it).
void SetProcessRole(std::string_view role);
void DieWithParent();

// Sends `bytes` as one datagram on a SOCK_SEQPACKET socket, with `fd` attached
// (SCM_RIGHTS) unless fd < 0.
io::Status SendPacket(int sock, std::string_view bytes, int fd = -1);
// Receives one datagram (up to `max` octets) and an attached descriptor (or -1).
// Returns false at end of stream.
io::Result<bool> RecvPacket(int sock, size_t max, std::string* bytes, io::UniqueFd* fd);

// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft limit.
long RaiseFdLimit();
io::Status SetNonBlocking(int fd);

}  // namespace mta::server

#endif  // MTA_SERVER_PROCESS_H_
