// fixture.h: DnsFixture, a small authoritative DNS server over UDP and TCP for tests.
//
// Serves a Zone on one address and port over both UDP and TCP (RFC 1035 4.2.1, 4.2.2).
// UDP answers longer than 512 octets (or the EDNS0 payload size the query advertises,
// RFC 6891 6.2.5, capped at 4096) are truncated with TC=1 (RFC 2181 9); over TCP the full
// answer is sent (RFC 7766). Every query is logged (in memory, and as a JSON line to an
// optional stream). Loopback use only.
//   DnsFixture f(zone);
//   std::string e;  f.Start("127.0.0.1", 0, &e);   // port 0: pick one free for both
//   StubResolver r({{{f.ip(), f.port()}}, 1000, 1});
//   ...; f.Stop();
#ifndef MTA_HARNESS_DNS_FIXTURE_H_
#define MTA_HARNESS_DNS_FIXTURE_H_

#include <atomic>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "harness/dns/zone.h"

namespace mta::dnsfixture {

struct QueryLogEntry {
  std::string transport;  // "udp" or "tcp"
  std::string client;     // "IP:PORT"
  std::string name;       // as asked
  std::string type;       // "MX", "A", ...
  std::string outcome;    // "NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED", "timeout", "bad-query"
  int answers = 0;
  bool truncated = false;
};
std::string QueryLogJson(const QueryLogEntry& e);  // one line, no newline

class DnsFixture {
 public:
  explicit DnsFixture(Zone zone);
  ~DnsFixture();
  DnsFixture(const DnsFixture&) = delete;
  DnsFixture& operator=(const DnsFixture&) = delete;

  // Binds UDP and TCP on ip:port (port 0: a free port shared by both) and starts serving
  // on a background thread. False with a reason when binding fails.
  bool Start(const std::string& ip, int port, std::string* error);
  void Stop();  // idempotent; joins every thread

  const std::string& ip() const { return ip_; }
  int port() const { return port_; }
  std::string address() const;  // "IP:PORT" ("[IPv6]:PORT")

  // JSON lines of every query go here too (not owned; set before Start).
  void set_log_stream(std::ostream* out) { log_stream_ = out; }
  std::vector<QueryLogEntry> log() const;

 private:
  void Serve();
  void ServeTcp(int fd, std::string client);
  std::string Handle(std::string_view wire, const std::string& transport,
                     const std::string& client, bool* silent);
  void Record(QueryLogEntry e);

  Zone zone_;
  std::string ip_;
  int port_ = 0;
  int udp_fd_ = -1, tcp_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  mutable std::mutex mu_;  // guards log_, tcp_threads_, log_stream_ writes
  std::vector<std::thread> tcp_threads_;
  std::vector<QueryLogEntry> log_;
  std::ostream* log_stream_ = nullptr;
  std::atomic<bool> running_{false};
};

}  // namespace mta::dnsfixture

#endif  // MTA_HARNESS_DNS_FIXTURE_H_
