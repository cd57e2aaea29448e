// smtpd.cc: the refmta-smtpd process: one epoll loop, one mta::smtpd::Session per
// connection, messages handed to the queue process as records over a socket.
//
// The process runs as smtpd_user, chrooted to DIR/run/empty when started as root; it opens
// no files. Memory per connection is bounded by the Session's caps (command line, pending
// input, message size) plus an output buffer that stops reading above kOutHighWater.
// RFC 5321 4.5.3.2.7: idle timeout (>= 5 minutes by default). RFC 3207: STARTTLS through
// OpenSSL memory BIOs, so TLS bytes and plaintext take the same path through the loop.
// QMTP and QMQP listeners (qmtp_listen, qmqp_listen) share the loop: such a connection holds
// a qmtp::QmtpServerSession (relay rules as SMTP: local domains, trusted_networks,
// relay_domains) or a qmtp::QmqpServerSession (relays anywhere: only qmqp_clients may
// connect, others are closed at once); no greeting; submissions become the same 'S'
// records; on an idle timeout the connection is just closed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <unordered_map>

#include "mta/io/record.h"
#include "mta/lib/qmtp/policy.h"
#include "mta/lib/qmtp/qmqp_server.h"
#include "mta/lib/qmtp/qmtp_server.h"
#include "mta/qmtp/queue_envelope.h"
#include "mta/queue/envelope.h"
#include "mta/server/context.h"
#include "mta/server/log.h"
#include "mta/smtpd/oracle.h"
#include "mta/smtpd/session.h"

namespace mta::server {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kOutHighWater = 256 * 1024;
constexpr int kDrainSeconds = 10;  // SIGTERM: wait this long for submissions in flight

std::string NotifyText(const smtp::Notify& n) {
  if (n.never) return "NEVER";
  std::string out;
  auto add = [&](bool b, const char* w) {
    if (!b) return;
    if (!out.empty()) out += ',';
    out += w;
  };
  add(n.success, "SUCCESS");
  add(n.failure, "FAILURE");
  add(n.delay, "DELAY");
  return out;
}

queue::Envelope ToQueueEnvelope(const smtpd::Envelope& e) {
  queue::Envelope q;
  q.sender = e.reverse_path;
  for (const smtpd::Recipient& r : e.recipients) {
    queue::Recipient qr;
    qr.address = r.address;
    if (r.notify) qr.notify = NotifyText(*r.notify);
    if (r.orcpt) qr.orcpt = r.orcpt->addr_type + ";" + r.orcpt->address;
    q.recipients.push_back(std::move(qr));
  }
  if (e.ret) q.ret = *e.ret == smtp::Ret::kFull ? "FULL" : "HDRS";
  if (e.envid) q.envid = *e.envid;
  q.client_ip = e.client_ip;
  q.helo = e.helo;
  q.protocol = e.protocol;
  q.arrival_time = e.received_at;
  return q;
}

enum class ListenKind { kSmtp, kQmtp, kQmqp };

// A QMTP or QMQP session with the calls the loop makes.
struct QSession {
  std::unique_ptr<qmtp::Policy> policy;
  std::unique_ptr<qmtp::QmtpServerSession> qmtp;
  std::unique_ptr<qmtp::QmqpServerSession> qmqp;
  uint64_t accepted = 0;
  void Feed(std::string_view b) { qmtp ? qmtp->Feed(b) : qmqp->Feed(b); }
  void PeerClosed() { qmtp ? qmtp->PeerClosed() : qmqp->PeerClosed(); }
  std::optional<qmtp::Submission> TakeSubmission() {
    return qmtp ? qmtp->TakeSubmission() : qmqp->TakeSubmission();
  }
  void SubmitDone(const qmtp::SubmitResult& r) { qmtp ? qmtp->SubmitDone(r) : qmqp->SubmitDone(r); }
  std::string TakeOutput() { return qmtp ? qmtp->TakeOutput() : qmqp->TakeOutput(); }
  bool wants_close() const { return qmtp ? qmtp->wants_close() : qmqp->wants_close(); }
  bool awaiting_submit() const { return qmtp ? qmtp->awaiting_submit() : qmqp->awaiting_submit(); }
};

struct Conn {
  int fd = -1;
  uint64_t id = 0;
  std::string ip;
  int port = 0;
  smtpd::SessionInfo info;
  std::unique_ptr<smtpd::Session> session;  // SMTP
  std::unique_ptr<QSession> q;               // QMTP / QMQP (then `session` is null)
  std::string out;
  size_t out_pos = 0;
  int64_t last_active = 0;  // MonoMs() of the last read or write
  bool read_eof = false;
  bool closing = false;
  bool dead = false;
  uint32_t events = 0;
  SSL* ssl = nullptr;
  bool handshaking = false;
  size_t out_pending() const { return out.size() - out_pos; }
  bool awaiting_submit() const { return q ? q->awaiting_submit() : session->awaiting_submit(); }
  bool wants_close() const { return q ? q->wants_close() : session->wants_close(); }
  void PeerClosed() { q ? q->PeerClosed() : session->PeerClosed(); }
  uint64_t messages_accepted() const { return q ? q->accepted : session->messages_accepted(); }
};

class SmtpdLoop {
 public:
  SmtpdLoop(ServerContext& ctx, int queue_fd)
      : ctx_(ctx), s_(ctx.settings), oracle_(ctx.settings, ctx.oracle_aliases),
        queue_fd_(queue_fd), queue_dec_(1 << 20) {}
  ~SmtpdLoop() {
    if (tls_) SSL_CTX_free(tls_);
  }

  int Run();

 private:
  void Accept(int lfd, ListenKind kind);
  void PumpQ(Conn* c);
  void OnConnEvent(Conn* c, uint32_t ev);
  void Pump(Conn* c);
  void SendToClient(Conn* c, std::string_view bytes);
  void DrainTlsOutput(Conn* c);
  void FeedRaw(Conn* c, const char* data, size_t n);
  void FlushClient(Conn* c);
  void UpdateEvents(Conn* c);
  void CloseConn(Conn* c, std::string_view why);
  void OnQueueReadable();
  void FlushQueue();
  void Tick();
  bool LoadTls();

  ServerContext& ctx_;
  const config::Settings& s_;
  smtpd::ConfigOracle oracle_;
  int queue_fd_;
  io::RecordDecoder queue_dec_;
  std::string qout_;
  size_t qout_pos_ = 0;
  bool queue_gone_ = false;
  int ep_ = -1;
  int sig_fd_ = -1;
  bool stopping_ = false;
  int64_t stop_deadline_ = 0;
  uint64_t next_id_ = 1;
  uint64_t next_req_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns_;
  std::map<std::string, size_t> per_ip_;
  std::unordered_map<uint64_t, uint64_t> req_to_conn_;
  std::vector<int> listeners_;
  std::vector<ListenKind> kinds_;  // parallel to listeners_
  bool listeners_paused_ = false;
  SSL_CTX* tls_ = nullptr;
};

// Epoll user data: small integers are special descriptors, others are connection ids
// shifted above them.
constexpr uint64_t kTagSignal = 1, kTagQueue = 2, kTagListenBase = 16, kTagConnBase = 1 << 20;

int64_t Now() { return static_cast<int64_t>(time(nullptr)); }

// Monotonic milliseconds for the idle clock. RFC 5321 4.5.3.2: a timeout is a minimum, so
// it is measured from the last activity to the millisecond (whole wall-clock seconds made
// an idle_timeout of 2 fire after 1.0 s) and is not moved by changes of the system clock.
int64_t MonoMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool SmtpdLoop::LoadTls() {
  if (ctx_.tls_cert_pem.empty() || ctx_.tls_key_pem.empty()) return true;
  tls_ = SSL_CTX_new(TLS_server_method());
  if (tls_ == nullptr) return false;
  SSL_CTX_set_min_proto_version(tls_, TLS1_2_VERSION);
  BIO* cb = BIO_new_mem_buf(ctx_.tls_cert_pem.data(), static_cast<int>(ctx_.tls_cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  bool ok = cert != nullptr && SSL_CTX_use_certificate(tls_, cert) == 1;
  // Further certificates in the file form the chain.
  while (ok) {
    X509* extra = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    if (extra == nullptr) break;
    SSL_CTX_add_extra_chain_cert(tls_, extra);
  }
  if (cert) X509_free(cert);
  BIO_free(cb);
  BIO* kb = BIO_new_mem_buf(ctx_.tls_key_pem.data(), static_cast<int>(ctx_.tls_key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  ok = ok && key != nullptr && SSL_CTX_use_PrivateKey(tls_, key) == 1 &&
       SSL_CTX_check_private_key(tls_) == 1;
  if (key) EVP_PKEY_free(key);
  BIO_free(kb);
  ERR_clear_error();
  return ok;
}

int SmtpdLoop::Run() {
  if (!LoadTls()) {
    Log("cannot load the TLS certificate/key; STARTTLS unavailable");
    return 1;
  }
  ep_ = epoll_create1(EPOLL_CLOEXEC);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  sig_fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kTagSignal;
  epoll_ctl(ep_, EPOLL_CTL_ADD, sig_fd_, &ev);
  SetNonBlocking(queue_fd_);
  ev.data.u64 = kTagQueue;
  epoll_ctl(ep_, EPOLL_CTL_ADD, queue_fd_, &ev);
  for (auto [fds, kind] : {std::pair{&ctx_.listen_fds, ListenKind::kSmtp},
                           std::pair{&ctx_.qmtp_listen_fds, ListenKind::kQmtp},
                           std::pair{&ctx_.qmqp_listen_fds, ListenKind::kQmqp}}) {
    for (int lfd : *fds) {
      SetNonBlocking(lfd);
      ev.events = EPOLLIN;
      ev.data.u64 = kTagListenBase + listeners_.size();
      listeners_.push_back(lfd);
      kinds_.push_back(kind);
      epoll_ctl(ep_, EPOLL_CTL_ADD, lfd, &ev);
    }
  }
  Log("ready: ", listeners_.size(), " listener(s), connections_max ", s_.connections_max,
      ", per client ", s_.connections_per_client, ", idle timeout ", s_.idle_timeout, "s",
      tls_ ? ", STARTTLS on" : "");
  std::vector<epoll_event> events(256);
  int64_t last_tick = Now();
  for (;;) {
    int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 1000);
    if (n < 0 && errno != EINTR) {
      Log("epoll_wait: ", strerror(errno));
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      uint64_t tag = events[i].data.u64;
      if (tag == kTagSignal) {
        signalfd_siginfo si;
        while (read(sig_fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
          if (!stopping_) {
            Log("signal ", si.ssi_signo, ": stopping (no new connections)");
            stopping_ = true;
            stop_deadline_ = Now() + kDrainSeconds;
            for (int lfd : listeners_) {
              epoll_ctl(ep_, EPOLL_CTL_DEL, lfd, nullptr);
              close(lfd);
            }
            listeners_.clear();
          }
        }
      } else if (tag == kTagQueue) {
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) OnQueueReadable();
        if (events[i].events & EPOLLOUT) FlushQueue();
      } else if (tag >= kTagConnBase) {
        auto it = conns_.find(tag - kTagConnBase);
        if (it != conns_.end()) OnConnEvent(it->second.get(), events[i].events);
      } else if (tag >= kTagListenBase) {
        size_t idx = tag - kTagListenBase;
        if (idx < listeners_.size() && !stopping_) Accept(listeners_[idx], kinds_[idx]);
      }
    }
    // Reap closed connections after the batch (events may still name them).
    for (auto it = conns_.begin(); it != conns_.end();) {
      if (it->second->dead) {
        it = conns_.erase(it);
      } else {
        ++it;
      }
    }
    if (queue_gone_) {
      Log("queue process gone: exiting");
      return stopping_ ? 0 : 1;
    }
    int64_t now = Now();
    if (now != last_tick) {
      last_tick = now;
      Tick();
    }
    if (stopping_) {
      bool inflight = !req_to_conn_.empty();
      if (!inflight || now >= stop_deadline_) {
        for (auto& [id, c] : conns_) {
          if (!c->dead) {
            if (c->session)
              SendToClient(c.get(), "421 4.3.2 " + s_.hostname + " Service shutting down\r\n");
            FlushClient(c.get());
            CloseConn(c.get(), "shutdown");
          }
        }
        Log("stopped");
        return 0;
      }
    }
  }
}

void SmtpdLoop::Accept(int lfd, ListenKind kind) {
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = accept4(lfd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) {
        Log("accept: ", strerror(errno), ": pausing accepts");
        for (int l : listeners_) epoll_ctl(ep_, EPOLL_CTL_DEL, l, nullptr);
        listeners_paused_ = true;
      }
      return;
    }
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss.ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
      port = ntohs(a->sin_port);
    } else if (ss.ss_family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
      port = ntohs(a->sin6_port);
      if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
        inet_ntop(AF_INET, reinterpret_cast<const char*>(&a->sin6_addr) + 12, host, sizeof host);
      }
    }
    std::string ip = host;
    if (kind == ListenKind::kQmqp) {
      // QMQP relays anywhere: only qmqp_clients may submit (qmail-qmqpd behind tcpserver).
      bool allowed = false;
      for (const config::Cidr& n : s_.qmqp_clients) allowed |= n.Contains(ip);
      if (!allowed) {
        Log("refused QMQP ", ip, ":", port, ": not in qmqp_clients");
        close(fd);
        continue;
      }
    }
    // Connection limits: a clear 421 and close (RFC 5321 3.8 / 4.2.3).
    bool over_total = conns_.size() >= s_.connections_max;
    bool over_client = per_ip_[ip] >= s_.connections_per_client;
    if (over_total || over_client) {
      std::string msg = "421 4.7.0 " + s_.hostname +
                        (over_total ? " Too many connections, try later\r\n"
                                    : " Too many connections from your address\r\n");
      ssize_t w = write(fd, msg.data(), msg.size());
      (void)w;
      close(fd);
      if (per_ip_[ip] == 0) per_ip_.erase(ip);
      Log("refused ", ip, ":", port, ": ", over_total ? "connections_max" : "connections_per_client",
          " reached");
      continue;
    }
    auto c = std::make_unique<Conn>();
    c->fd = fd;
    c->id = next_id_++;
    c->ip = ip;
    c->port = port;
    c->last_active = MonoMs();
    sockaddr_storage local{};
    socklen_t llen = sizeof local;
    char lhost[INET6_ADDRSTRLEN] = "";
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen) == 0) {
      if (local.ss_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&local)->sin_addr, lhost, sizeof lhost);
      else if (local.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr, lhost, sizeof lhost);
    }
    c->info.client_ip = ip;
    c->info.client_port = port;
    c->info.local_ip = lhost;
    c->info.tls_available = tls_ != nullptr;
    c->info.now = [] { return static_cast<std::int64_t>(time(nullptr)); };
    char sid[64];
    snprintf(sid, sizeof sid, "%lx.%x.%llu", static_cast<unsigned long>(time(nullptr)),
             static_cast<unsigned>(getpid()), static_cast<unsigned long long>(c->id));
    c->info.session_id = sid;
    if (kind == ListenKind::kSmtp) {
      c->session = std::make_unique<smtpd::Session>(s_, c->info, oracle_);
    } else {
      qmtp::ServerOptions o;
      o.hostname = s_.hostname;
      o.client_ip = ip;
      o.session_id = sid;
      o.now = [] { return static_cast<std::int64_t>(time(nullptr)); };
      o.max_message_size = static_cast<size_t>(s_.message_size_max);
      o.max_recipients = static_cast<size_t>(s_.max_recipients);
      o.max_pending_input = smtpd::Session::kPendingInputCap;
      c->q = std::make_unique<QSession>();
      if (kind == ListenKind::kQmtp) {
        qmtp::RelayRules rules;
        rules.is_local_domain = [this](std::string_view d) { return oracle_.IsLocalDomain(d); };
        if (s_.unknown_recipient == config::UnknownRecipient::kReject)
          rules.is_known_local = [this](std::string_view a) {
            return oracle_.Lookup(a).status == smtpd::RecipientStatus::kLocal;
          };
        rules.relay_domains = s_.relay_domains;
        for (const config::Cidr& n : s_.trusted_networks) rules.client_trusted |= n.Contains(ip);
        rules.relay_denied_temporary = s_.relay_denied_code == 454;
        c->q->policy = std::make_unique<qmtp::RelayPolicy>(std::move(rules));
        c->q->qmtp = std::make_unique<qmtp::QmtpServerSession>(o, *c->q->policy);
      } else {
        c->q->policy = std::make_unique<qmtp::AcceptAllPolicy>();
        c->q->qmqp = std::make_unique<qmtp::QmqpServerSession>(o, *c->q->policy);
      }
    }
    per_ip_[ip]++;
    Conn* raw = c.get();
    conns_[c->id] = std::move(c);
    Log("connect ", ip, ":", port, kind == ListenKind::kQmtp ? " QMTP" : kind == ListenKind::kQmqp ? " QMQP" : "",
        " id ", raw->info.session_id, " (", conns_.size(), " open)");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kTagConnBase + raw->id;
    raw->events = EPOLLIN;
    epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
    if (raw->session) raw->session->Greeting();  // QMTP / QMQP: the client speaks first
    Pump(raw);
  }
}

void SmtpdLoop::CloseConn(Conn* c, std::string_view why) {
  if (c->dead) return;
  c->dead = true;
  epoll_ctl(ep_, EPOLL_CTL_DEL, c->fd, nullptr);
  close(c->fd);
  if (c->ssl) SSL_free(c->ssl);
  c->ssl = nullptr;
  if (--per_ip_[c->ip] == 0) per_ip_.erase(c->ip);
  for (auto it = req_to_conn_.begin(); it != req_to_conn_.end();) {
    it = it->second == c->id ? req_to_conn_.erase(it) : std::next(it);
  }
  Log("disconnect ", c->ip, ":", c->port, " id ", c->info.session_id, " (", why, ", ",
      c->messages_accepted(), " message(s) accepted)");
}

void SmtpdLoop::SendToClient(Conn* c, std::string_view bytes) {
  if (bytes.empty()) return;
  if (c->ssl && !c->handshaking) {
    SSL_write(c->ssl, bytes.data(), static_cast<int>(bytes.size()));  // memory BIO: never blocks
    DrainTlsOutput(c);
  } else {
    c->out.append(bytes);
  }
}

void SmtpdLoop::DrainTlsOutput(Conn* c) {
  char buf[16384];
  BIO* w = SSL_get_wbio(c->ssl);
  int n;
  while ((n = BIO_read(w, buf, sizeof buf)) > 0) c->out.append(buf, static_cast<size_t>(n));
}

void SmtpdLoop::PumpQ(Conn* c) {
  SendToClient(c, c->q->TakeOutput());
  while (auto sub = c->q->TakeSubmission()) {
    uint64_t req = next_req_++;
    req_to_conn_[req] = c->id;
    queue::Envelope qe = qmtp::ToQueueEnvelope(*sub);
    qout_ += io::EncodeRecord(kRecSubmit, {std::to_string(req), queue::SerializeEnvelope(qe), sub->data});
    FlushQueue();
  }
  if (c->q->wants_close()) c->closing = true;
  FlushClient(c);
}

void SmtpdLoop::Pump(Conn* c) {
  if (c->dead) return;
  if (c->q) {
    PumpQ(c);
    return;
  }
  std::string out = c->session->TakeOutput();
  // One log line per error reply (4xx/5xx).
  for (size_t pos = 0; pos < out.size();) {
    size_t eol = out.find('\n', pos);
    std::string_view line = std::string_view(out).substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    if (!line.empty() && (line[0] == '4' || line[0] == '5') &&
        (line.size() < 4 || line[3] == ' '))
      Log("reply to ", c->ip, " id ", c->info.session_id, ": ", line.substr(0, 200));
    if (eol == std::string::npos) break;
    pos = eol + 1;
  }
  SendToClient(c, out);
  for (smtpd::Action& a : c->session->TakeActions()) {
    if (auto* m = std::get_if<smtpd::SubmitMessage>(&a)) {
      uint64_t req = next_req_++;
      req_to_conn_[req] = c->id;
      queue::Envelope qe = ToQueueEnvelope(m->envelope);
      qout_ += io::EncodeRecord(kRecSubmit, {std::to_string(req), queue::SerializeEnvelope(qe), m->data});
      FlushQueue();
    } else if (std::holds_alternative<smtpd::StartTls>(a)) {
      FlushClient(c);  // the 220 goes out in plaintext
      c->ssl = tls_ ? SSL_new(tls_) : nullptr;
      if (c->ssl == nullptr) {
        c->session->StartTlsDone(false);
        continue;
      }
      SSL_set_bio(c->ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
      SSL_set_accept_state(c->ssl);
      c->handshaking = true;
    } else if (std::holds_alternative<smtpd::Close>(a)) {
      c->closing = true;
    }
  }
  if (c->session->wants_close()) c->closing = true;
  FlushClient(c);
}

void SmtpdLoop::FlushClient(Conn* c) {
  if (c->dead) return;
  while (c->out_pending() > 0) {
    ssize_t n = send(c->fd, c->out.data() + c->out_pos, c->out_pending(), MSG_NOSIGNAL);
    if (n > 0) {
      c->out_pos += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    CloseConn(c, "write error");
    return;
  }
  if (c->out_pos == c->out.size()) {
    c->out.clear();
    c->out_pos = 0;
  } else if (c->out_pos > 64 * 1024) {
    c->out.erase(0, c->out_pos);
    c->out_pos = 0;
  }
  if (c->closing && c->out_pending() == 0 && !c->awaiting_submit()) {
    CloseConn(c, c->read_eof ? "client closed" : "session ended");
    return;
  }
  UpdateEvents(c);
}

void SmtpdLoop::UpdateEvents(Conn* c) {
  uint32_t want = 0;
  if (!c->read_eof && !c->closing && !c->awaiting_submit() &&
      c->out_pending() < kOutHighWater)
    want |= EPOLLIN;
  if (c->out_pending() > 0) want |= EPOLLOUT;
  if (want != c->events) {
    epoll_event ev{};
    ev.events = want;
    ev.data.u64 = kTagConnBase + c->id;
    epoll_ctl(ep_, EPOLL_CTL_MOD, c->fd, &ev);
    c->events = want;
  }
}

void SmtpdLoop::FeedRaw(Conn* c, const char* data, size_t n) {
  if (c->q) {
    c->q->Feed(std::string_view(data, n));
    Pump(c);
    return;
  }
  if (!c->ssl) {
    c->session->Feed(std::string_view(data, n));
    Pump(c);
    return;
  }
  BIO_write(SSL_get_rbio(c->ssl), data, static_cast<int>(n));
  if (c->handshaking) {
    int r = SSL_do_handshake(c->ssl);
    DrainTlsOutput(c);
    if (r == 1) {
      c->handshaking = false;
      Log("TLS established with ", c->ip, " id ", c->info.session_id, " ", SSL_get_version(c->ssl));
      c->session->StartTlsDone(true);
      Pump(c);
    } else {
      int err = SSL_get_error(c->ssl, r);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        Log("TLS handshake failed with ", c->ip, " id ", c->info.session_id);
        c->handshaking = false;
        SSL_free(c->ssl);
        c->ssl = nullptr;
        c->session->StartTlsDone(false);
        FlushClient(c);
        Pump(c);
        if (!c->dead) CloseConn(c, "TLS handshake failed");
        return;
      }
      FlushClient(c);
      return;
    }
  }
  char buf[kReadChunk];
  for (;;) {
    if (c->dead || c->ssl == nullptr) return;
    int r = SSL_read(c->ssl, buf, sizeof buf);
    if (r > 0) {
      c->session->Feed(std::string_view(buf, static_cast<size_t>(r)));
      Pump(c);
      continue;
    }
    int err = SSL_get_error(c->ssl, r);
    if (err == SSL_ERROR_WANT_READ) break;
    ERR_clear_error();
    c->read_eof = true;
    c->session->PeerClosed();
    c->closing = true;
    Pump(c);
    break;
  }
  if (!c->dead && c->ssl) DrainTlsOutput(c);
  FlushClient(c);
}

void SmtpdLoop::OnConnEvent(Conn* c, uint32_t ev) {
  if (c->dead) return;
  if (ev & EPOLLOUT) FlushClient(c);
  if (c->dead) return;
  if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    if (!(c->events & EPOLLIN) && !(ev & (EPOLLHUP | EPOLLERR))) return;
    char buf[kReadChunk];
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n > 0) {
      c->last_active = MonoMs();
      FeedRaw(c, buf, static_cast<size_t>(n));
    } else if (n == 0) {
      c->read_eof = true;
      c->closing = true;
      if (!c->wants_close()) c->PeerClosed();
      Pump(c);
    } else if (errno != EAGAIN && errno != EINTR) {
      CloseConn(c, strerror(errno));
    }
  }
}

void SmtpdLoop::Tick() {
  if (listeners_paused_ && !stopping_) {
    for (size_t i = 0; i < listeners_.size(); ++i) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = kTagListenBase + i;
      epoll_ctl(ep_, EPOLL_CTL_ADD, listeners_[i], &ev);
    }
    listeners_paused_ = false;
  }
  int64_t now = MonoMs();
  int64_t limit = static_cast<int64_t>(std::min<std::uint64_t>(s_.idle_timeout, 1u << 30)) * 1000;
  for (auto& [id, c] : conns_) {
    if (c->dead || c->awaiting_submit()) continue;
    if (now - c->last_active >= limit) {
      Log("idle timeout ", c->ip, " id ", c->info.session_id);
      if (c->q) {
        CloseConn(c.get(), "timeout");
        continue;
      }
      c->session->Timeout();
      c->closing = true;
      Pump(c.get());
      if (!c->dead && now - c->last_active >= limit + 30000) CloseConn(c.get(), "timeout");
    }
  }
}

void SmtpdLoop::FlushQueue() {
  while (qout_pos_ < qout_.size()) {
    ssize_t n = send(queue_fd_, qout_.data() + qout_pos_, qout_.size() - qout_pos_, MSG_NOSIGNAL);
    if (n > 0) {
      qout_pos_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    queue_gone_ = true;
    return;
  }
  if (qout_pos_ == qout_.size()) {
    qout_.clear();
    qout_pos_ = 0;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | (qout_.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT));
  ev.data.u64 = kTagQueue;
  epoll_ctl(ep_, EPOLL_CTL_MOD, queue_fd_, &ev);
}

void SmtpdLoop::OnQueueReadable() {
  char buf[65536];
  for (;;) {
    ssize_t n = recv(queue_fd_, buf, sizeof buf, 0);
    if (n > 0) {
      queue_dec_.Feed(std::string_view(buf, static_cast<size_t>(n)));
      io::Record r;
      io::RecordDecoder::State st;
      while ((st = queue_dec_.Next(&r)) == io::RecordDecoder::State::kRecord) {
        if (r.type != kRecSubmitReply || r.fields.size() != 3) {
          Log("bad record from the queue process");
          queue_gone_ = true;
          return;
        }
        uint64_t req = std::strtoull(r.fields[0].c_str(), nullptr, 10);
        auto it = req_to_conn_.find(req);
        if (it == req_to_conn_.end()) continue;  // the client left meanwhile
        uint64_t cid = it->second;
        req_to_conn_.erase(it);
        auto cit = conns_.find(cid);
        if (cit == conns_.end() || cit->second->dead) continue;
        Conn* c = cit->second.get();
        bool ok = r.fields[1] == "ok";
        if (ok) Log("accepted message ", r.fields[2], " from ", c->ip, " id ", c->info.session_id);
        else Log("queue refused message from ", c->ip, ": ", r.fields[2]);
        if (c->q) {
          if (ok) c->q->accepted++;
          c->q->SubmitDone({ok ? qmtp::ResponseStatus::kAccepted
                            : r.fields[1] == "perm" ? qmtp::ResponseStatus::kPermanent
                                                    : qmtp::ResponseStatus::kTemporary,
                            ok ? r.fields[2] : "sorry, the queue refused the message (#4.3.0)"});
        } else {
          c->session->SubmitDone(ok, r.fields[2], r.fields[1] == "perm");
        }
        c->last_active = MonoMs();
        Pump(c);
      }
      if (st == io::RecordDecoder::State::kError) {
        queue_gone_ = true;
        return;
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    queue_gone_ = true;
    return;
  }
}

}  // namespace

int RunSmtpd(ServerContext& ctx, int queue_fd) {
  SmtpdLoop loop(ctx, queue_fd);
  return loop.Run();
}

}  // namespace mta::server
