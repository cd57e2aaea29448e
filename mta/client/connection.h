// connection.h: one outbound TCP connection with per-operation timeouts and optional TLS
// (OpenSSL), for the SMTP client driver.
//
// RFC 5321 4.5.3.2 (every read and write has a timeout; a data block write counts as
// progress), RFC 3207 (TLS started on an established connection). Non-blocking socket,
// poll(2) for waiting; SIGPIPE never raised (MSG_NOSIGNAL; TLS writes run with SIGPIPE
// blocked by the caller, see deliver.cc).
//
//   std::string err;
//   auto c = Connection::Open("127.0.0.1", 25, std::nullopt, std::chrono::seconds(30), &err);
//   c->WriteAll("EHLO me\r\n", std::chrono::minutes(5), &err);
#ifndef MTA_CLIENT_CONNECTION_H_
#define MTA_CLIENT_CONNECTION_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace mta::client {

enum class Io { kOk, kEof, kError, kTimeout };

class Connection {
 public:
  // Connects to ip:port (IPv4 or IPv6 literal), binding source_ip first when given.
  // nullptr with *error set on failure or when `timeout` passes.
  static std::unique_ptr<Connection> Open(const std::string& ip, std::uint16_t port,
                                          const std::optional<std::string>& source_ip,
                                          std::chrono::milliseconds timeout, std::string* error);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Appends what arrives (at most 64 KiB) to *out; waits at most `timeout` for it.
  Io Read(std::string* out, std::chrono::milliseconds timeout, std::string* error);
  // Writes all of `data`; `timeout` bounds each wait for progress.
  Io WriteAll(std::string_view data, std::chrono::milliseconds timeout, std::string* error);
  // TLS client handshake over the connection (no certificate checks unless `ctx` asks).
  bool StartTls(SSL_CTX* ctx, std::chrono::milliseconds timeout, std::string* error);
  bool tls() const { return ssl_ != nullptr; }

 private:
  explicit Connection(int fd) : fd_(fd) {}
  Io Wait(short events, std::chrono::steady_clock::time_point deadline, std::string* error);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
};

}  // namespace mta::client

#endif  // MTA_CLIENT_CONNECTION_H_
