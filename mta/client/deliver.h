// deliver.h: one SMTP delivery attempt to one address - the I/O driver around the pure
// client session (mta/lib/client/session.h).
//
// RFC 5321 4.5.3.2 per-command timeouts (defaults: initial 220 5 min, MAIL 5 min, RCPT
// 5 min, DATA initiation 2 min, data block 3 min, DATA termination 10 min), 5.1 (the
// result says whether the next address should be tried), 4.1.1.10 (QUIT, 221 awaited; a
// timeout there changes nothing). RFC 3207 STARTTLS with OpenSSL: with no SSL_CTX given a
// client context without certificate verification is used, as MTAs do for opportunistic
// TLS (an unauthenticated TLS session still beats plaintext; pass a verifying SSL_CTX for
// policy-based TLS). An opportunistic handshake failure is retried once in plaintext on a
// new connection (DeliveryAttempt::tls_fallback).
//
//   Connect to{.ip = "192.0.2.1", .port = 25};
//   Transaction tx{.sender = "a@x.test", .recipients = {{"b@y.test"}}, .message = "..."};
//   DeliveryAttempt a = Deliver(to, tx, ClientOptions{.helo_name = "me.test"});
//   a.outcome.rcpts[0].status == RcptStatus::kDelivered
#ifndef MTA_CLIENT_DELIVER_H_
#define MTA_CLIENT_DELIVER_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "mta/lib/client/result.h"
#include "mta/lib/client/session.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace mta::client {

// RFC 5321 4.5.3.2 minimum values; connect and QUIT are local choices.
struct Timeouts {
  std::chrono::milliseconds connect = std::chrono::seconds(30);
  std::chrono::milliseconds initial = std::chrono::minutes(5);    // 220 greeting
  std::chrono::milliseconds ehlo = std::chrono::minutes(5);       // EHLO/HELO, STARTTLS, TLS
  std::chrono::milliseconds mail = std::chrono::minutes(5);       // MAIL (and RSET)
  std::chrono::milliseconds rcpt = std::chrono::minutes(5);
  std::chrono::milliseconds data_init = std::chrono::minutes(2);  // 354
  std::chrono::milliseconds data_block = std::chrono::minutes(3); // each write of content
  std::chrono::milliseconds data_term = std::chrono::minutes(10); // reply to the final dot
  std::chrono::milliseconds quit = std::chrono::minutes(1);       // 221
};

struct Connect {
  std::string ip;  // IPv4 or IPv6 literal
  std::uint16_t port = 25;
  std::optional<std::string> source_ip;
  Timeouts timeouts;
};

struct ClientOptions {
  std::string helo_name = "localhost";
  StartTlsMode starttls = StartTlsMode::kOpportunistic;
  SSL_CTX* ssl_ctx = nullptr;  // not owned; nullptr: a non-verifying client context
  bool helo_only = false;      // qmail's profile: HELO only, no extensions
  std::size_t max_rcpts = 100;
};

struct DeliveryAttempt {
  SessionOutcome outcome;    // per-recipient results, try_next_mx, tls, ...
  bool connected = false;    // a TCP connection was made
  bool tls_fallback = false; // TLS failed and the attempt was redone in plaintext
};

DeliveryAttempt Deliver(const Connect& to, const Transaction& tx, const ClientOptions& opt);

}  // namespace mta::client

#endif  // MTA_CLIENT_DELIVER_H_
