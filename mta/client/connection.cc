// connection.cc: TCP connect / read / write with poll timeouts, OpenSSL client handshake.
#include "mta/client/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mta::client {
namespace {

using Clock = std::chrono::steady_clock;

bool MakeAddr(const std::string& ip, std::uint16_t port, sockaddr_storage* ss, socklen_t* len) {
  std::memset(ss, 0, sizeof(*ss));
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

std::string SslError(const char* what) {
  unsigned long e = ERR_get_error();
  char buf[256] = {0};
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return std::string(what) + (e != 0 ? std::string(": ") + buf : std::string());
}

}  // namespace

std::unique_ptr<Connection> Connection::Open(const std::string& ip, std::uint16_t port,
                                             const std::optional<std::string>& source_ip,
                                             std::chrono::milliseconds timeout,
                                             std::string* error) {
  sockaddr_storage ss;
  socklen_t len = 0;
  if (!MakeAddr(ip, port, &ss, &len)) {
    *error = "not an IP address: " + ip;
    return nullptr;
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<Connection> c(new Connection(fd));
  if (source_ip) {
    sockaddr_storage src;
    socklen_t slen = 0;
    if (!MakeAddr(*source_ip, 0, &src, &slen) || src.ss_family != ss.ss_family ||
        bind(fd, reinterpret_cast<sockaddr*>(&src), slen) != 0) {
      *error = "cannot bind source address " + *source_ip;
      return nullptr;
    }
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS) {
      *error = std::string("connect: ") + std::strerror(errno);
      return nullptr;
    }
    Io w = c->Wait(POLLOUT, Clock::now() + timeout, error);
    if (w == Io::kTimeout) {
      *error = "connect: timeout";
      return nullptr;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
    if (w != Io::kOk || soerr != 0) {
      *error = std::string("connect: ") + std::strerror(soerr != 0 ? soerr : ECONNREFUSED);
      return nullptr;
    }
  }
  return c;
}

Connection::~Connection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (fd_ >= 0) close(fd_);
}

Io Connection::Wait(short events, Clock::time_point deadline, std::string* error) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Io::kTimeout;
    pollfd p{fd_, events, 0};
    int n = poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = std::string("poll: ") + std::strerror(errno);
      return Io::kError;
    }
    if (n == 0) return Io::kTimeout;
    return Io::kOk;  // readable / writable / error: the next call tells which
  }
}

Io Connection::Read(std::string* out, std::chrono::milliseconds timeout, std::string* error) {
  const Clock::time_point deadline = Clock::now() + timeout;
  char buf[65536];
  for (;;) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      int n = SSL_read(ssl_, buf, sizeof buf);
      if (n > 0) {
        out->append(buf, static_cast<std::size_t>(n));
        return Io::kOk;
      }
      int e = SSL_get_error(ssl_, n);
      short ev = 0;
      if (e == SSL_ERROR_WANT_READ) ev = POLLIN;
      else if (e == SSL_ERROR_WANT_WRITE) ev = POLLOUT;
      else if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
        return Io::kEof;
      else {
        *error = SslError("TLS read");
        return Io::kError;
      }
      Io w = Wait(ev, deadline, error);
      if (w != Io::kOk) return w;
      continue;
    }
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      out->append(buf, static_cast<std::size_t>(n));
      return Io::kOk;
    }
    if (n == 0) return Io::kEof;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      *error = std::string("read: ") + std::strerror(errno);
      return Io::kError;
    }
    Io w = Wait(POLLIN, deadline, error);
    if (w != Io::kOk) return w;
  }
}

Io Connection::WriteAll(std::string_view data, std::chrono::milliseconds timeout,
                        std::string* error) {
  std::size_t done = 0;
  Clock::time_point deadline = Clock::now() + timeout;
  while (done < data.size()) {
    const std::size_t chunk = std::min<std::size_t>(data.size() - done, 1 << 20);
    if (ssl_ != nullptr) {
      ERR_clear_error();
      int n = SSL_write(ssl_, data.data() + done, static_cast<int>(chunk));
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        deadline = Clock::now() + timeout;  // progress: a new data block timeout
        continue;
      }
      int e = SSL_get_error(ssl_, n);
      short ev = 0;
      if (e == SSL_ERROR_WANT_READ) ev = POLLIN;
      else if (e == SSL_ERROR_WANT_WRITE) ev = POLLOUT;
      else {
        *error = SslError("TLS write");
        return Io::kError;
      }
      Io w = Wait(ev, deadline, error);
      if (w != Io::kOk) return w;
      continue;
    }
    ssize_t n = send(fd_, data.data() + done, chunk, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      deadline = Clock::now() + timeout;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      *error = std::string("write: ") + std::strerror(errno);
      return Io::kError;
    }
    Io w = Wait(POLLOUT, deadline, error);
    if (w != Io::kOk) return w;
  }
  return Io::kOk;
}

bool Connection::StartTls(SSL_CTX* ctx, std::chrono::milliseconds timeout, std::string* error) {
  if (ssl_ != nullptr) {
    *error = "TLS already active";
    return false;
  }
  SSL* ssl = SSL_new(ctx);
  if (ssl == nullptr || SSL_set_fd(ssl, fd_) != 1) {
    if (ssl != nullptr) SSL_free(ssl);
    *error = SslError("SSL_new");
    return false;
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    ERR_clear_error();
    int r = SSL_connect(ssl);
    if (r == 1) break;
    int e = SSL_get_error(ssl, r);
    short ev = 0;
    if (e == SSL_ERROR_WANT_READ) ev = POLLIN;
    else if (e == SSL_ERROR_WANT_WRITE) ev = POLLOUT;
    else {
      *error = SslError("TLS handshake");
      SSL_free(ssl);
      return false;
    }
    Io w = Wait(ev, deadline, error);
    if (w != Io::kOk) {
      if (w == Io::kTimeout) *error = "TLS handshake: timeout";
      SSL_free(ssl);
      return false;
    }
  }
  ssl_ = ssl;
  return true;
}

}  // namespace mta::client
