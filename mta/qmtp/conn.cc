// conn.cc: blocking TCP with deadlines (non-blocking socket + poll).
//
//   ParseHostPort("[::1]:628", 628)->port == 628
#include "mta/qmtp/conn.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace mta::qmtp {

namespace {

using Clock = std::chrono::steady_clock;

// Waits for `events` on fd until `deadline`; false on timeout or error.
bool WaitFor(int fd, short events, Clock::time_point deadline, std::string* error) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      *error = "timed out";
      return false;
    }
    pollfd p{fd, events, 0};
    int r = poll(&p, 1, static_cast<int>(left.count() > 1000000 ? 1000000 : left.count()));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) {
      *error = std::strerror(errno);
      return false;
    }
  }
}

}  // namespace

std::unique_ptr<Connection> Connection::Open(const std::string& ip, int port, int timeout_seconds,
                                             std::string* error, const std::string& source) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (port <= 0 || port > 65535) {
    *error = "bad port";
    return nullptr;
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v6;
  } else {
    *error = "not a numeric IP address: " + ip;
    return nullptr;
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<Connection> c(new Connection(fd));
  if (!source.empty()) {
    sockaddr_storage local{};
    socklen_t llen = 0;
    auto* l4 = reinterpret_cast<sockaddr_in*>(&local);
    auto* l6 = reinterpret_cast<sockaddr_in6*>(&local);
    if (ss.ss_family == AF_INET && inet_pton(AF_INET, source.c_str(), &l4->sin_addr) == 1) {
      l4->sin_family = AF_INET;
      llen = sizeof *l4;
    } else if (ss.ss_family == AF_INET6 &&
               inet_pton(AF_INET6, source.c_str(), &l6->sin6_addr) == 1) {
      l6->sin6_family = AF_INET6;
      llen = sizeof *l6;
    } else {
      *error = "source address " + source + " is not a numeric IP of the server's family";
      return nullptr;
    }
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), llen) != 0) {
      *error = "cannot bind " + source + ": " + std::strerror(errno);
      return nullptr;
    }
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS) {
      *error = std::strerror(errno);
      return nullptr;
    }
    auto deadline = Clock::now() + std::chrono::seconds(timeout_seconds);
    if (!WaitFor(fd, POLLOUT, deadline, error)) return nullptr;
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
      *error = std::strerror(soerr != 0 ? soerr : errno);
      return nullptr;
    }
  }
  return c;
}

Connection::~Connection() {
  if (fd_ >= 0) close(fd_);
}

bool Connection::WriteAll(std::string_view bytes, int timeout_seconds, std::string* error) {
  auto deadline = Clock::now() + std::chrono::seconds(timeout_seconds);
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      deadline = Clock::now() + std::chrono::seconds(timeout_seconds);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(fd_, POLLOUT, deadline, error)) return false;
      continue;
    }
    *error = std::strerror(errno);
    return false;
  }
  return true;
}

long Connection::Read(char* buf, unsigned long n, int timeout_seconds, std::string* error) {
  auto deadline = Clock::now() + std::chrono::seconds(timeout_seconds);
  for (;;) {
    ssize_t r = recv(fd_, buf, n, 0);
    if (r >= 0) return static_cast<long>(r);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!WaitFor(fd_, POLLIN, deadline, error)) return -1;
      continue;
    }
    *error = std::strerror(errno);
    return -1;
  }
}

std::optional<HostPort> ParseHostPort(std::string_view s, int default_port) {
  HostPort hp;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    std::size_t close = s.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    hp.ip = std::string(s.substr(1, close - 1));
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    std::size_t colon = s.find(':');
    if (colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) {
      hp.ip = std::string(s.substr(0, colon));
      port = s.substr(colon + 1);
    } else {
      hp.ip = std::string(s);  // IPv4 without port, or a bare IPv6 address
    }
  }
  if (hp.ip.empty()) return std::nullopt;
  hp.port = default_port;
  if (!port.empty() || (s.size() > 0 && s.back() == ':')) {
    if (port.empty() || port.size() > 5) return std::nullopt;
    int p = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return std::nullopt;
      p = p * 10 + (c - '0');
    }
    if (p <= 0 || p > 65535) return std::nullopt;
    hp.port = p;
  }
  return hp;
}

}  // namespace mta::qmtp
