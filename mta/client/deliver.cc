// deliver.cc: the blocking driver loop: session output -> socket, socket -> session.
#include "mta/client/deliver.h"

#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>

#include <memory>

#include "mta/client/connection.h"

namespace mta::client {
namespace {

// Blocks SIGPIPE in this thread while a delivery runs (OpenSSL writes with write(2)); a
// SIGPIPE raised meanwhile is consumed before the mask is restored.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_, old_;
};

std::chrono::milliseconds TimeoutFor(Stage s, const Timeouts& t) {
  switch (s) {
    case Stage::kConnect: return t.connect;
    case Stage::kGreeting: return t.initial;
    case Stage::kEhlo:
    case Stage::kStarttls: return t.ehlo;
    case Stage::kMail: return t.mail;
    case Stage::kRcpt: return t.rcpt;
    case Stage::kData: return t.data_init;
    case Stage::kEod: return t.data_term;
    case Stage::kQuit: return t.quit;
  }
  return t.initial;
}

struct CtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};

DeliveryAttempt Attempt(const Connect& to, const Transaction& tx, const ClientOptions& opt,
                        StartTlsMode mode) {
  SessionOptions so;
  so.helo_name = opt.helo_name;
  so.starttls = mode;
  so.helo_only = opt.helo_only;
  so.max_rcpts = opt.max_rcpts;
  Session s(tx, so);
  DeliveryAttempt a;
  std::string err;
  std::unique_ptr<Connection> conn =
      Connection::Open(to.ip, to.port, to.source_ip, to.timeouts.connect, &err);
  if (!conn) {
    s.ConnectFailed(err);
    a.outcome = s.outcome();
    return a;
  }
  a.connected = true;
  std::unique_ptr<SSL_CTX, CtxDeleter> own_ctx;
  for (;;) {
    std::string out = s.TakeOutput();
    if (!out.empty()) {
      // RFC 5321 4.5.3.2.5: while the content goes out, each block has its own timeout.
      const Stage st = s.stage();
      Io w = conn->WriteAll(out, st == Stage::kEod ? to.timeouts.data_block
                                                  : TimeoutFor(st, to.timeouts), &err);
      if (w == Io::kTimeout) s.TimedOut();
      else if (w != Io::kOk) s.ConnectionLost(err);
    }
    if (s.want() == Want::kDone) break;
    if (s.want() == Want::kStartTls) {
      SSL_CTX* ctx = opt.ssl_ctx;
      if (ctx == nullptr) {
        own_ctx.reset(SSL_CTX_new(TLS_client_method()));
        if (own_ctx) SSL_CTX_set_verify(own_ctx.get(), SSL_VERIFY_NONE, nullptr);
        ctx = own_ctx.get();
      }
      if (ctx != nullptr && conn->StartTls(ctx, to.timeouts.ehlo, &err)) {
        s.TlsStarted();
      } else {
        s.TlsFailed(ctx == nullptr ? "no TLS context" : err);
      }
      continue;
    }
    std::string in;
    Io r = conn->Read(&in, TimeoutFor(s.stage(), to.timeouts), &err);
    switch (r) {
      case Io::kOk: s.Feed(in); break;
      case Io::kEof: s.ConnectionLost("closed by the peer"); break;
      case Io::kError: s.ConnectionLost(err); break;
      case Io::kTimeout: s.TimedOut(); break;
    }
  }
  a.outcome = s.outcome();
  return a;
}

}  // namespace

DeliveryAttempt Deliver(const Connect& to, const Transaction& tx, const ClientOptions& opt) {
  SigpipeGuard guard;
  DeliveryAttempt a = Attempt(to, tx, opt, opt.starttls);
  if (a.outcome.tls_failed && opt.starttls == StartTlsMode::kOpportunistic) {
    // Opportunistic TLS: a broken handshake must not stop delivery; plaintext once more.
    DeliveryAttempt b = Attempt(to, tx, opt, StartTlsMode::kOff);
    b.tls_fallback = true;
    return b;
  }
  return a;
}

}  // namespace mta::client
