// connection.cc: see connection.h.
#include "harness/runner/connection.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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

}  // namespace

Connection::~Connection() { Close(); }

void Connection::Close() {
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

}  // namespace mta::runner
