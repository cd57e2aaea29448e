// conn.h: a blocking TCP connection with deadlines, for the QMTP / QMQP clients.
//
// Numeric addresses only (the caller has resolved names): "192.0.2.1", "2001:db8::1".
// Every operation is bounded by a timeout (qmail-remote: timeoutconnect 60 s,
// timeoutremote 1200 s); SIGPIPE is never raised (MSG_NOSIGNAL).
//
//   std::string err;
//   auto c = Connection::Open("127.0.0.1", 209, 60, &err);
//   if (c && c->WriteAll(bytes, 1200, &err)) { char b[4096]; long n = c->Read(b, 4096, 1200, &err); }
#ifndef MTA_QMTP_CONN_H_
#define MTA_QMTP_CONN_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mta::qmtp {

struct Timeouts {
  int connect_seconds = 60;  // qmail-remote timeoutconnect
  int io_seconds = 1200;     // qmail-remote timeoutremote: each read or write
};

class Connection {
 public:
  // nullptr and *error on failure (bad address, refused, timeout). A non-empty `source`
  // (numeric IP of the same family) is bound as the local address before connecting.
  static std::unique_ptr<Connection> Open(const std::string& ip, int port, int timeout_seconds,
                                          std::string* error, const std::string& source = "");
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool WriteAll(std::string_view bytes, int timeout_seconds, std::string* error);
  // > 0 octets read; 0 end of stream; -1 error or timeout (*error says which).
  long Read(char* buf, unsigned long n, int timeout_seconds, std::string* error);

 private:
  explicit Connection(int fd) : fd_(fd) {}
  int fd_;
};

// "IP:PORT", "[IPv6]:PORT", "IP" or a bare IPv6 address (then `default_port`).
struct HostPort {
  std::string ip;
  int port = 0;
};
std::optional<HostPort> ParseHostPort(std::string_view s, int default_port);

}  // namespace mta::qmtp

#endif  // MTA_QMTP_CONN_H_
