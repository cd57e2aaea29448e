// context.h: what the master hands each refmta process, and the records they exchange.
//
// Records (io/record.h framing: 4-octet length, 1-octet type, length-prefixed fields):
//   smtpd -> queue  'S' [request id, envelope (queue/envelope.h text), message bytes]
//   queue -> smtpd  'A' [request id, "ok" | "temp" | "perm", queue id or error text]
//   queue -> lspawn 'D' [request id, user, key, return path, delivered-to] + the open
//                        message file (SCM_RIGHTS) in the same SOCK_SEQPACKET datagram
//   lspawn -> queue 'R' [request id, "ok" | "dup" | "temp" | "perm", text]
//   lspawn <-> its delivery workers: the same 'D' (with the fd) and 'R' records; lspawn
//                        forwards each 'R' to the queue unchanged
//   queue <-> remote 'T' / 'U' (SOCK_SEQPACKET; sending.h)
// A process that receives a malformed record treats its peer as broken and exits; the
// master then stops the whole server.
#ifndef MTA_SERVER_CONTEXT_H_
#define MTA_SERVER_CONTEXT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mta/config/settings.h"
#include "mta/local/resolve.h"
#include "mta/server/process.h"

namespace mta::server {

inline constexpr std::uint8_t kRecSubmit = 'S';
inline constexpr std::uint8_t kRecSubmitReply = 'A';
inline constexpr std::uint8_t kRecDeliver = 'D';
inline constexpr std::uint8_t kRecDeliverResult = 'R';
inline constexpr std::size_t kMaxPacket = 64 * 1024;  // queue <-> lspawn datagrams

struct ServerContext {
  std::string home;
  config::Settings settings;
  local::LocalConfig local;                      // for ResolveLocal (queue process)
  std::map<std::string, std::string> oracle_aliases;  // alias_file entries for the smtpd oracle
  bool root = false;                             // started as root: drop privileges
  Ids smtpd_ids, queue_ids, mail_ids;
  std::vector<int> listen_fds;                   // bound, listening (smtpd)
  std::vector<int> qmtp_listen_fds;              // QMTP listeners (smtpd), qmtp_listen
  std::vector<int> qmqp_listen_fds;              // QMQP listeners (smtpd), qmqp_listen
  std::string tls_cert_pem, tls_key_pem;         // read before privileges are dropped
};

// Largest record smtpd may send: the message, its envelope and framing.
inline std::size_t MaxSubmitRecord(const config::Settings& s) {
  return static_cast<std::size_t>(s.message_size_max) + 64 * 1024 +
         static_cast<std::size_t>(s.max_recipients) * 2048;
}

// Process bodies (each returns the process exit status).
int RunSmtpd(ServerContext& ctx, int queue_fd);
int RunQueue(ServerContext& ctx, int smtpd_fd, int lspawn_fd, int remote_fd);
int RunRemote(ServerContext& ctx, int queue_fd);
int RunLspawn(ServerContext& ctx, int queue_fd);

}  // namespace mta::server

#endif  // MTA_SERVER_CONTEXT_H_
