// fixture.cc: the DNS fixture's UDP/TCP server loop (RFC 1035 4.2, RFC 7766).
#include "harness/dns/fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include <nlohmann/json.hpp>

#include "mta/lib/dns/wire.h"

namespace mta::dnsfixture {
namespace {

constexpr int kTcpIdleMs = 10000;
constexpr std::size_t kMaxEdnsPayload = 4096;

std::string PeerText(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    port = ntohs(a->sin_port);
    return std::string(buf) + ":" + std::to_string(port);
  }
  const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
  inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
  port = ntohs(a->sin6_port);
  return "[" + std::string(buf) + "]:" + std::to_string(port);
}

bool ReadFull(int fd, int wake, char* out, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    pollfd p[2] = {{fd, POLLIN, 0}, {wake, POLLIN, 0}};
    int r = ::poll(p, 2, kTcpIdleMs);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0 || (p[1].revents & POLLIN)) return false;
    ssize_t k = ::recv(fd, out + got, n - got, 0);
    if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (k <= 0) return false;
    got += static_cast<std::size_t>(k);
  }
  return true;
}

bool WriteFull(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t k = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    sent += static_cast<std::size_t>(k);
  }
  return true;
}

}  // namespace

std::string QueryLogJson(const QueryLogEntry& e) {
  nlohmann::json j = {{"transport", e.transport}, {"client", e.client}, {"name", e.name},
                      {"type", e.type},           {"outcome", e.outcome}, {"answers", e.answers},
                      {"tc", e.truncated}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

DnsFixture::DnsFixture(Zone zone) : zone_(std::move(zone)) {}

DnsFixture::~DnsFixture() { Stop(); }

std::string DnsFixture::address() const {
  return (ip_.find(':') != std::string::npos ? "[" + ip_ + "]" : ip_) + ":" +
         std::to_string(port_);
}

bool DnsFixture::Start(const std::string& ip, int port, std::string* error) {
  if (running_) {
    *error = "already running";
    return false;
  }
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    len = sizeof *v6;
  } else {
    *error = "not an IP address: " + ip;
    return false;
  }
  auto set_port = [&](int p) {
    if (ss.ss_family == AF_INET) v4->sin_port = htons(static_cast<std::uint16_t>(p));
    else v6->sin6_port = htons(static_cast<std::uint16_t>(p));
  };
  // With port 0 the UDP socket picks the port and TCP takes the same one; retry a few
  // times if that TCP port is taken.
  for (int tries = 0; tries < 20; ++tries) {
    set_port(port);
    udp_fd_ = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    tcp_fd_ = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(tcp_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bool ok = udp_fd_ >= 0 && tcp_fd_ >= 0 &&
              ::bind(udp_fd_, reinterpret_cast<sockaddr*>(&ss), len) == 0;
    if (ok) {
      sockaddr_storage bound;
      socklen_t bl = sizeof bound;
      ::getsockname(udp_fd_, reinterpret_cast<sockaddr*>(&bound), &bl);
      int p = ntohs(bound.ss_family == AF_INET
                        ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                        : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
      set_port(p);
      if (::bind(tcp_fd_, reinterpret_cast<sockaddr*>(&ss), len) == 0 &&
          ::listen(tcp_fd_, 64) == 0) {
        port_ = p;
        break;
      }
    }
    *error = std::string("cannot bind ") + ip + ":" + std::to_string(port) + ": " +
             std::strerror(errno);
    if (udp_fd_ >= 0) ::close(udp_fd_);
    if (tcp_fd_ >= 0) ::close(tcp_fd_);
    udp_fd_ = tcp_fd_ = -1;
    if (port != 0) return false;
  }
  if (udp_fd_ < 0) return false;
  ip_ = ip;
  if (::pipe2(wake_, O_CLOEXEC) != 0) {
    *error = "pipe failed";
    ::close(udp_fd_);
    ::close(tcp_fd_);
    udp_fd_ = tcp_fd_ = -1;
    return false;
  }
  running_ = true;
  thread_ = std::thread([this] { Serve(); });
  return true;
}

void DnsFixture::Stop() {
  if (!running_.exchange(false)) return;
  // The wake pipe is never read: one byte wakes every poller for good.
  char b = 1;
  (void)!::write(wake_[1], &b, 1);
  if (thread_.joinable()) thread_.join();
  std::vector<std::thread> tcp;
  {
    std::lock_guard<std::mutex> g(mu_);
    tcp.swap(tcp_threads_);
  }
  for (auto& t : tcp) t.join();
  ::close(udp_fd_);
  ::close(tcp_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
  udp_fd_ = tcp_fd_ = wake_[0] = wake_[1] = -1;
}

std::vector<QueryLogEntry> DnsFixture::log() const {
  std::lock_guard<std::mutex> g(mu_);
  return log_;
}

void DnsFixture::Record(QueryLogEntry e) {
  std::lock_guard<std::mutex> g(mu_);
  if (log_stream_) {
    *log_stream_ << QueryLogJson(e) << "\n";
    log_stream_->flush();
  }
  log_.push_back(std::move(e));
}

std::string DnsFixture::Handle(std::string_view wire, const std::string& transport,
                               const std::string& client, bool* silent) {
  *silent = true;
  QueryLogEntry entry{transport, client, "", "", "bad-query", 0, false};
  dns::ParseResult q = dns::Parse(wire);
  if (!q.ok()) {
    // RFC 1035 4.1.1: FORMERR when the header at least is readable.
    dns::Header h;
    if (!dns::ParseHeader(wire, &h) || h.qr) {
      Record(entry);
      return "";
    }
    dns::Message err;
    err.id = h.id;
    err.qr = true;
    err.opcode = h.opcode;
    err.rcode = static_cast<std::uint8_t>(dns::Rcode::kFormErr);
    *silent = false;
    entry.outcome = "FORMERR";
    Record(entry);
    return dns::Serialize(err).wire;
  }
  if (!q.message.questions.empty()) {
    entry.name = q.message.questions[0].name;
    entry.type = dns::RrTypeName(q.message.questions[0].type);
  }
  std::optional<dns::Message> reply = zone_.Answer(q.message);
  if (!reply) {
    entry.outcome = "timeout";
    Record(entry);
    return "";
  }
  std::size_t limit = dns::kMaxUdpSize;
  for (const auto& rr : q.message.additional)
    if (rr.type == dns::RrType::kOpt) {
      // RFC 6891 6.2.5: the requester's UDP payload size, at least 512.
      limit = std::max<std::size_t>(limit, std::min<std::size_t>(rr.rclass, kMaxEdnsPayload));
      dns::ResourceRecord opt;
      opt.name = ".";
      opt.type = dns::RrType::kOpt;
      opt.rclass = static_cast<std::uint16_t>(kMaxEdnsPayload);
      opt.data = dns::RawRdata{};
      reply->additional.push_back(opt);
      break;
    }
  dns::SerializeResult out = transport == "udp" ? dns::SerializeTruncated(*reply, limit)
                                                : dns::Serialize(*reply);
  dns::ParseResult sent = dns::Parse(out.wire);
  entry.outcome = dns::RcodeName(reply->rcode);
  entry.answers = static_cast<int>(sent.message.answers.size());
  entry.truncated = sent.message.tc;
  Record(entry);
  if (!out.ok()) return "";
  *silent = false;
  return out.wire;
}

void DnsFixture::Serve() {
  std::string buf(65536, '\0');
  while (running_) {
    pollfd p[3] = {{udp_fd_, POLLIN, 0}, {tcp_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    int r = ::poll(p, 3, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[2].revents) return;
    if (p[0].revents & POLLIN) {
      sockaddr_storage from;
      socklen_t fl = sizeof from;
      ssize_t n = ::recvfrom(udp_fd_, buf.data(), buf.size(), 0,
                             reinterpret_cast<sockaddr*>(&from), &fl);
      if (n > 0) {
        bool silent = true;
        std::string reply = Handle(std::string_view(buf.data(), static_cast<std::size_t>(n)),
                                   "udp", PeerText(from), &silent);
        if (!silent)
          ::sendto(udp_fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from),
                   fl);
      }
    }
    if (p[1].revents & POLLIN) {
      sockaddr_storage from;
      socklen_t fl = sizeof from;
      int fd = ::accept4(tcp_fd_, reinterpret_cast<sockaddr*>(&from), &fl, SOCK_CLOEXEC);
      if (fd >= 0) {
        std::lock_guard<std::mutex> g(mu_);
        tcp_threads_.emplace_back([this, fd, client = PeerText(from)] { ServeTcp(fd, client); });
      }
    }
  }
}

void DnsFixture::ServeTcp(int fd, std::string client) {
  // RFC 1035 4.2.2 / RFC 7766 6.2.1: length-prefixed messages, several per connection.
  for (;;) {
    unsigned char len[2];
    if (!ReadFull(fd, wake_[0], reinterpret_cast<char*>(len), 2)) break;
    std::size_t n = (static_cast<std::size_t>(len[0]) << 8) | len[1];
    std::string msg(n, '\0');
    if (!ReadFull(fd, wake_[0], msg.data(), n)) break;
    bool silent = true;
    std::string reply = Handle(msg, "tcp", client, &silent);
    if (silent) continue;  // timeout rule: never answer
    std::string framed;
    framed.push_back(static_cast<char>(reply.size() >> 8));
    framed.push_back(static_cast<char>(reply.size() & 0xFF));
    framed += reply;
    if (!WriteFull(fd, framed)) break;
  }
  ::close(fd);
}

}  // namespace mta::dnsfixture
