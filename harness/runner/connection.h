// connection.h: one TCP connection to the target, bound to a chosen source address,
// with deadlines on every operation (POSIX sockets and poll), and TLS started on it by
// the `starttls` step (RFC 3207; OpenSSL, no certificate checks: the harness observes
// the server's SMTP behaviour, not its PKI).
//
//   Connection c;
//   c.Open("127.0.0.2", "127.0.0.11", 2525, deadline);   // "" on success
//   c.Send("EHLO h\r\n", deadline);                        // one write() when possible
//   Reply r; c.ReadReply(deadline, &r) == ReadStatus::kReply
//   c.StartTls("mx.local.test", deadline);                  // "" once the handshake is done
#ifndef MTA_HARNESS_RUNNER_CONNECTION_H_
#define MTA_HARNESS_RUNNER_CONNECTION_H_

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "mta/lib/reply/reply.h"
#include "mta/lib/reply/reply_reader.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace mta::runner {

using Clock = std::chrono::steady_clock;

enum class ReadStatus { kReply, kClosed, kTimeout, kError };

class Connection {
 public:
  Connection() = default;
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects from `source` ("" = any) to host:port (IPv4 or IPv6 literal). Returns an
  // error message, or "" on success.
  std::string Open(const std::string& source, const std::string& host, int port,
                   Clock::time_point deadline);
  // Sends all bytes (one write() call unless the kernel takes less). "" on success.
  std::string Send(std::string_view bytes, Clock::time_point deadline);
  // Next complete reply. kClosed: EOF with nothing pending (a partial reply at EOF is
  // returned as kReply once, flagged incomplete).
  ReadStatus ReadReply(Clock::time_point deadline, reply::Reply* out);
  // Waits for EOF until the deadline; replies arriving meanwhile stay buffered.
  // True when the peer closed.
  bool WaitClose(Clock::time_point deadline);
  // TLS client handshake on the open connection. `server_name` goes into SNI unless it is
  // empty or an IP literal. Octets received before the handshake and not yet read as a
  // reply are dropped (they were plaintext; see discarded_plaintext()). "" on success.
  std::string StartTls(const std::string& server_name, Clock::time_point deadline);
  // "TLSv1.3 TLS_AES_256_GCM_SHA384" once TLS is up, "" before.
  std::string TlsDescription() const;
  bool tls() const { return ssl_ != nullptr; }
  // Plaintext octets dropped by the last StartTls (a reply the server sent before the
  // handshake, after its 220).
  std::size_t discarded_plaintext() const { return discarded_plaintext_; }
  void Close();
  bool open() const { return fd_ >= 0; }
  bool eof() const { return eof_; }
  const std::string& error() const { return error_; }

 private:
  // Reads once into the reader; false on timeout. Sets eof_ / error_.
  bool Fill(Clock::time_point deadline);

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::size_t discarded_plaintext_ = 0;
  bool eof_ = false;
  std::string error_;
  reply::ReplyReader reader_;
};

}  // namespace mta::runner

#endif  // MTA_HARNESS_RUNNER_CONNECTION_H_
