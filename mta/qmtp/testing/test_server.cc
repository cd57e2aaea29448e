// test_server.cc: the in-process QMTP / QMQP test server.
//
//   TestServer s({});  s.port() > 0
#include "mta/qmtp/testing/test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "mta/lib/qmtp/qmqp_server.h"
#include "mta/lib/qmtp/qmtp_server.h"

namespace mta::qmtp::testing {

namespace {

int BindLoopback(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

bool SendAll(int fd, std::string_view b) {
  while (!b.empty()) {
    ssize_t n = send(fd, b.data(), b.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    b.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

int UnusedPort() {
  int port = 0;
  int fd = BindLoopback(&port);
  if (fd >= 0) close(fd);
  return port;
}

TestServer::TestServer(TestServerOptions o) : o_(std::move(o)) {
  listen_fd_ = BindLoopback(&port_);
  if (listen_fd_ >= 0 && listen(listen_fd_, 16) == 0) thread_ = std::thread([this] { Loop(); });
}

TestServer::~TestServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

std::vector<Submission> TestServer::stored() const {
  std::lock_guard<std::mutex> l(mu_);
  return stored_;
}

void TestServer::Loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    if (!o_.close_at_once) Serve(fd);
    close(fd);
  }
}

void TestServer::Serve(int fd) {
  Policy& policy = o_.policy != nullptr ? *o_.policy : accept_all_;
  ServerOptions so = o_.session;
  if (so.client_ip.empty()) so.client_ip = "127.0.0.1";
  std::unique_ptr<QmtpServerSession> qmtp;
  std::unique_ptr<QmqpServerSession> qmqp;
  if (o_.protocol == TestProtocol::kQmtp) {
    qmtp = std::make_unique<QmtpServerSession>(so, policy);
  } else {
    qmqp = std::make_unique<QmqpServerSession>(so, policy);
  }
  auto store = [&](const Submission& s) {
    SubmitResult r;
    {
      std::lock_guard<std::mutex> l(mu_);
      stored_.push_back(s);
      r = {ResponseStatus::kAccepted, std::to_string(stored_.size())};
    }
    return o_.store ? o_.store(s) : r;
  };
  auto pump = [&]() -> bool {  // false: close now
    std::string out;
    bool close_now;
    if (qmtp) {
      while (auto s = qmtp->TakeSubmission()) qmtp->SubmitDone(store(*s));
      out = qmtp->TakeOutput();
      close_now = qmtp->wants_close();
    } else {
      while (auto s = qmqp->TakeSubmission()) qmqp->SubmitDone(store(*s));
      out = qmqp->TakeOutput();
      close_now = qmqp->wants_close();
    }
    if (!out.empty() && !o_.raw_reply.empty()) {
      SendAll(fd, o_.raw_reply);
      return false;  // the raw reply is all this connection gets
    }
    if (!SendAll(fd, out)) return false;
    return !close_now;
  };
  char buf[4096];
  for (int idle = 0; !stop_ && idle < 200;) {  // at most ~10 s without input
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, 50);
    if (r <= 0) {
      ++idle;
      continue;
    }
    idle = 0;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (qmtp) qmtp->PeerClosed(); else qmqp->PeerClosed();
      pump();
      return;
    }
    std::string_view in(buf, static_cast<std::size_t>(n));
    if (qmtp) qmtp->Feed(in); else qmqp->Feed(in);
    if (!pump()) return;
  }
}

}  // namespace mta::qmtp::testing
