// serve.h: `refmta serve`: the master process that starts and supervises the others.
//
//   master (root when started as root; binds the sockets, forks, supervises)
//     ├── smtpd   (smtpd_user, chroot DIR/run/empty) ──'S' records──> queue
//     ├── queue   (queue_user; the only writer of DIR/queue; schedules local and remote
//     │            delivery, makes the notifications)
//     ├── remote  (remote_user) ──fork──> one SMTP/QMTP client per job
//     └── lspawn  (root) ──fork──> local (mailbox owner): Maildir/mbox delivery
//
// Start: an empty DIR gets a default configuration (domain localhost, user postmaster);
// the configuration is read, `--set` applied, the tree checked, the listening sockets
// bound (SMTP, QMTP, QMQP), then the four children forked (each with PR_SET_PDEATHSIG).
// Their pids are in DIR/run/<role>.pid. SIGTERM/SIGINT: the children are stopped in order
// smtpd (stops accepting, waits for submissions in flight), queue (waits for deliveries in
// flight), remote, lspawn; exit status 0. A child that exits on its own is an error: the
// master logs it, stops the others and exits 1 (no half-running server; a supervisor
// restarts it, and the queue recovers on start).
#ifndef MTA_SERVER_SERVE_H_
#define MTA_SERVER_SERVE_H_

#include <string>
#include <vector>

namespace mta::server {

struct ServeOptions {
  std::string home;
  std::vector<std::string> listen;  // replaces the configured `listen` when not empty
  std::string smarthost;            // replaces `smarthost` when not empty
  std::vector<std::string> sets;    // "KEY=VALUE", applied after the file
};

// Runs in the foreground until stopped. Returns the exit status (0 clean stop, 1 error,
// 2 bad configuration).
int Serve(const ServeOptions& opts);

// Parses "1.2.3.4:25", "[::1]:25", ":25" into a bound, listening socket.
int BindListener(const std::string& addr, std::string* error);

}  // namespace mta::server

#endif  // MTA_SERVER_SERVE_H_
