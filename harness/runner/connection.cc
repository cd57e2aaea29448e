// connection.cc: see connection.h.
#include "harness/runner/connection.h"

#include <arpa/inet.h>
#include <cerrno>
#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace mta::runner {
namespace {

int MsLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left < 0) return 0;
  return left > 3600000 ? 3600000 : static_cast<int>(left);
}

bool MakeAddr(const std::string& ip, int port, sockaddr_storage* ss, socklen_t* len) {
  std::memset(ss, 0, sizeof *ss);
  auto* a4 = reinterpret_cast<sockaddr_in*>(ss);
  if (inet_pton(AF_INET, ip.c_str(), &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(sockaddr_in);
    return true;
  }
  auto* a6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET6, ip.c_str(), &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

std::string SslError(const std::string& what) {
  unsigned long e = ERR_get_error();
  if (e == 0) return what + (errno ? std::string(": ") + std::strerror(errno) : ": failed");
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return what + ": " + buf;
}

// Waits for `events` on fd until the deadline; false on timeout.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, MsLeft(deadline)) > 0;
}

}  // namespace

Connection::~Connection() { Close(); }

void Connection::Close() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  ssl_ = nullptr;
  ctx_ = nullptr;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string Connection::Open(const std::string& source, const std::string& host, int port,
                             Clock::time_point deadline) {
  Close();
  eof_ = false;
  error_.clear();
  reader_ = reply::ReplyReader();
  sockaddr_storage dst;
  socklen_t dlen;
  if (!MakeAddr(host, port, &dst, &dlen)) return "target address '" + host + "' is not an IP literal";
  fd_ = ::socket(dst.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return std::string("socket: ") + std::strerror(errno);
  if (!source.empty()) {
    sockaddr_storage src;
    socklen_t slen;
    if (!MakeAddr(source, 0, &src, &slen) || src.ss_family != dst.ss_family) {
      Close();
      return "source address '" + source + "' does not suit " + host;
    }
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&src), slen) != 0) {
      std::string e = std::string("bind ") + source + ": " + std::strerror(errno);
      Close();
      return e;
    }
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&dst), dlen) != 0 && errno != EINPROGRESS) {
    std::string e = "connect " + host + ":" + std::to_string(port) + ": " + std::strerror(errno);
    Close();
    return e;
  }
  pollfd p{fd_, POLLOUT, 0};
  int n = ::poll(&p, 1, MsLeft(deadline));
  if (n <= 0) {
    Close();
    return "connect " + host + ":" + std::to_string(port) + ": timed out";
  }
  int err = 0;
  socklen_t elen = sizeof err;
  ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &elen);
  if (err != 0) {
    std::string e = "connect " + host + ":" + std::to_string(port) + ": " + std::strerror(err);
    Close();
    return e;
  }
  return "";
}

std::string Connection::Send(std::string_view bytes, Clock::time_point deadline) {
  if (fd_ < 0) return "not connected";
  while (!bytes.empty() && ssl_ != nullptr) {
    ERR_clear_error();
    int n = SSL_write(ssl_, bytes.data(), static_cast<int>(std::min<std::size_t>(bytes.size(), 1 << 20)));
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    int e = SSL_get_error(ssl_, n);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) return SslError("TLS send");
    if (!WaitFor(fd_, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
      return "send: timed out";
  }
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      return std::string("send: ") + std::strerror(errno);
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, MsLeft(deadline)) <= 0) return "send: timed out";
  }
  return "";
}

bool Connection::Fill(Clock::time_point deadline) {
  if (ssl_ != nullptr) {
    char buf[16384];
    for (;;) {
      ERR_clear_error();
      int n = SSL_read(ssl_, buf, sizeof buf);
      if (n > 0) {
        reader_.Feed(std::string_view(buf, static_cast<std::size_t>(n)));
        return true;
      }
      int e = SSL_get_error(ssl_, n);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        if (!WaitFor(fd_, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) return false;
        continue;
      }
      // close_notify, a plain EOF or a reset: the server closed, as the client sees it.
      eof_ = true;
      if (e != SSL_ERROR_ZERO_RETURN) error_ = SslError("TLS read");
      return true;
    }
  }
  pollfd p{fd_, POLLIN, 0};
  int n = ::poll(&p, 1, MsLeft(deadline));
  if (n <= 0) return false;
  char buf[16384];
  ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
  if (r > 0) {
    reader_.Feed(std::string_view(buf, static_cast<std::size_t>(r)));
  } else if (r == 0) {
    eof_ = true;
  } else if (errno != EAGAIN && errno != EINTR) {
    // A reset after the peer's last reply is a close, as seen from the client.
    eof_ = true;
    error_ = std::strerror(errno);
  }
  return true;
}

ReadStatus Connection::ReadReply(Clock::time_point deadline, reply::Reply* out) {
  if (fd_ < 0 && !eof_) return ReadStatus::kError;
  while (true) {
    if (auto r = reader_.Next()) {
      *out = std::move(*r);
      return ReadStatus::kReply;
    }
    if (eof_) {
      if (auto r = reader_.Finish()) {
        *out = std::move(*r);
        return ReadStatus::kReply;
      }
      return ReadStatus::kClosed;
    }
    if (fd_ < 0) return ReadStatus::kError;
    if (!Fill(deadline)) return ReadStatus::kTimeout;
  }
}

bool Connection::WaitClose(Clock::time_point deadline) {
  while (!eof_ && fd_ >= 0) {
    if (!Fill(deadline)) return false;
  }
  return eof_;
}

std::string Connection::StartTls(const std::string& server_name, Clock::time_point deadline) {
  if (fd_ < 0) return "not connected";
  if (ssl_ != nullptr) return "TLS is already active";
  discarded_plaintext_ = reader_.buffered();
  reader_ = reply::ReplyReader();
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) return SslError("SSL_CTX_new");
  // Any version and certificate the server offers: the cases judge SMTP, not the PKI.
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
  ssl_ = SSL_new(ctx_);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) return SslError("SSL_new");
  in6_addr ip6;
  in_addr ip4;
  if (!server_name.empty() && inet_pton(AF_INET, server_name.c_str(), &ip4) != 1 &&
      inet_pton(AF_INET6, server_name.c_str(), &ip6) != 1)
    SSL_set_tlsext_host_name(ssl_, server_name.c_str());
  for (;;) {
    ERR_clear_error();
    errno = 0;
    int r = SSL_connect(ssl_);
    if (r == 1) return "";
    int e = SSL_get_error(ssl_, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
      std::string err = SslError("TLS handshake");
      SSL_free(ssl_);
      ssl_ = nullptr;
      return err;
    }
    if (!WaitFor(fd_, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
      SSL_free(ssl_);
      ssl_ = nullptr;
      return "TLS handshake: timed out";
    }
  }
}

std::string Connection::TlsDescription() const {
  if (ssl_ == nullptr) return "";
  return std::string(SSL_get_version(ssl_)) + " " + SSL_get_cipher_name(ssl_);
}

}  // namespace mta::runner
