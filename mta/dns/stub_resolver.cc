// stub_resolver.cc: UDP exchange with TCP retry on TC (RFC 1035 4.2, RFC 7766), CNAME
// chasing (RFC 1034 3.6.2) and the RCODE mapping of resolver.h.
#include "mta/dns/stub_resolver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <cstring>
#include <mutex>
#include <random>
#include <utility>

#include "mta/lib/dns/name.h"
#include "mta/lib/dns/wire.h"

namespace mta::dns {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

bool MakeAddress(const std::pair<std::string, int>& server, sockaddr_storage* ss,
                 socklen_t* len) {
  std::memset(ss, 0, sizeof *ss);
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET, server.first.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(server.second));
    *len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, server.first.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(server.second));
    *len = sizeof *v6;
    return true;
  }
  return false;
}

int RemainingMs(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return ms < 0 ? 0 : static_cast<int>(ms);
}

// Waits for `events` on fd until the deadline; false on timeout.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, RemainingMs(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

bool QuestionMatches(const Message& answer, const Message& query) {
  // RFC 5452 4.3 / RFC 1035 7.3: the answer must echo the question that was asked.
  return answer.questions.size() == 1 && answer.questions[0].type == query.questions[0].type &&
         answer.questions[0].qclass == query.questions[0].qclass &&
         NamesEqual(answer.questions[0].name, query.questions[0].name);
}

enum class Outcome { kAnswer, kTruncated, kTimeout, kNetwork, kMalformed };

Outcome UdpTry(const sockaddr_storage& addr, socklen_t len, const std::string& wire,
               const Message& query, int timeout_ms, Message* answer) {
  Fd fd(::socket(addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Outcome::kNetwork;
  // A connected socket only receives datagrams from the server's address and port.
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), len) != 0)
    return Outcome::kNetwork;
  if (::send(fd.get(), wire.data(), wire.size(), 0) != static_cast<ssize_t>(wire.size()))
    return Outcome::kNetwork;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  bool malformed = false;
  std::string buf(65536, '\0');
  while (WaitFor(fd.get(), POLLIN, deadline)) {
    ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Outcome::kNetwork;  // e.g. ECONNREFUSED from an ICMP port unreachable
    }
    std::string_view got(buf.data(), static_cast<std::size_t>(n));
    Header h;
    if (!ParseHeader(got, &h) || h.id != query.id || !h.qr) continue;  // not ours
    // RFC 1035 4.2.1 / RFC 7766 5: a truncated answer is retried over TCP.
    if (h.tc) return Outcome::kTruncated;
    ParseResult r = Parse(got);
    if (!r.ok()) {
      malformed = true;  // keep listening: a well-formed answer may still come
      continue;
    }
    if (!QuestionMatches(r.message, query)) continue;
    *answer = std::move(r.message);
    return Outcome::kAnswer;
  }
  return malformed ? Outcome::kMalformed : Outcome::kTimeout;
}

Outcome TcpTry(const sockaddr_storage& addr, socklen_t len, const std::string& wire,
               const Message& query, int timeout_ms, Message* answer) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  Fd fd(::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return Outcome::kNetwork;
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
    if (errno != EINPROGRESS) return Outcome::kNetwork;
    if (!WaitFor(fd.get(), POLLOUT, deadline)) return Outcome::kTimeout;
    int err = 0;
    socklen_t el = sizeof err;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0)
      return Outcome::kNetwork;
  }
  // RFC 1035 4.2.2: a two-octet length prefix on TCP.
  std::string framed;
  framed.push_back(static_cast<char>(wire.size() >> 8));
  framed.push_back(static_cast<char>(wire.size() & 0xFF));
  framed += wire;
  std::size_t sent = 0;
  while (sent < framed.size()) {
    if (!WaitFor(fd.get(), POLLOUT, deadline)) return Outcome::kTimeout;
    ssize_t n = ::send(fd.get(), framed.data() + sent, framed.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Outcome::kNetwork;
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string in;
  std::size_t want = 2;
  bool have_length = false;
  char buf[4096];
  while (in.size() < want) {
    if (!WaitFor(fd.get(), POLLIN, deadline)) return Outcome::kTimeout;
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Outcome::kNetwork;
    }
    if (n == 0) return Outcome::kNetwork;  // closed before a whole answer
    in.append(buf, static_cast<std::size_t>(n));
    if (!have_length && in.size() >= 2) {
      want = 2 + ((static_cast<std::size_t>(static_cast<std::uint8_t>(in[0])) << 8) |
                  static_cast<std::uint8_t>(in[1]));
      have_length = true;
    }
  }
  ParseResult r = Parse(std::string_view(in).substr(2, want - 2));
  if (!r.ok() || r.message.id != query.id || !r.message.qr || !QuestionMatches(r.message, query))
    return Outcome::kMalformed;
  *answer = std::move(r.message);
  return Outcome::kAnswer;
}

std::string ServerText(const std::pair<std::string, int>& s) {
  return (s.first.find(':') != std::string::npos ? "[" + s.first + "]" : s.first) + ":" +
         std::to_string(s.second);
}

}  // namespace

std::string QueryStatusName(QueryStatus status) {
  switch (status) {
    case QueryStatus::kOk: return "ok";
    case QueryStatus::kNxDomain: return "nxdomain";
    case QueryStatus::kNoData: return "nodata";
    case QueryStatus::kTempFail: return "tempfail";
  }
  return "?";
}

std::string TempFailReasonName(TempFailReason r) {
  switch (r) {
    case TempFailReason::kNone: return "none";
    case TempFailReason::kServFail: return "servfail";
    case TempFailReason::kTimeout: return "timeout";
    case TempFailReason::kRefused: return "refused";
    case TempFailReason::kMalformed: return "malformed";
    case TempFailReason::kNetwork: return "network";
  }
  return "?";
}

StubResolver::StubResolver(ResolverConfig config, std::function<std::uint16_t()> random_id)
    : config_(std::move(config)), random_id_(std::move(random_id)) {
  if (!random_id_) {
    auto engine = std::make_shared<std::mt19937>(std::random_device{}());
    auto lock = std::make_shared<std::mutex>();
    random_id_ = [engine, lock]() {
      std::lock_guard<std::mutex> g(*lock);
      return static_cast<std::uint16_t>((*engine)() & 0xFFFF);
    };
  }
}

bool StubResolver::Exchange(const std::string& name, RrType type, Message* answer,
                            QueryResult* info) {
  info->status = QueryStatus::kTempFail;
  info->reason = TempFailReason::kNetwork;
  info->detail = "no DNS server configured";
  info->used_tcp = false;
  for (int attempt = 0; attempt < config_.attempts; ++attempt) {
    for (const auto& server : config_.servers) {
      sockaddr_storage addr;
      socklen_t len = 0;
      if (!MakeAddress(server, &addr, &len)) {
        info->reason = TempFailReason::kNetwork;
        info->detail = "bad server address " + server.first;
        continue;
      }
      Message query = MakeQuery(random_id_(), name, type);
      SerializeResult wire = Serialize(query);
      if (!wire.ok()) {
        info->reason = TempFailReason::kMalformed;
        info->detail = "cannot encode query: " + wire.error;
        return false;
      }
      Outcome o = UdpTry(addr, len, wire.wire, query, config_.timeout_ms, answer);
      bool tcp = false;
      if (o == Outcome::kTruncated) {
        tcp = true;
        o = TcpTry(addr, len, wire.wire, query, config_.timeout_ms, answer);
      }
      std::string where = (tcp ? "TCP " : "") + ServerText(server);
      switch (o) {
        case Outcome::kAnswer:
          if (answer->rcode == static_cast<std::uint8_t>(Rcode::kNoError) ||
              answer->rcode == static_cast<std::uint8_t>(Rcode::kNxDomain)) {
            info->used_tcp = tcp;
            info->reason = TempFailReason::kNone;
            info->detail = RcodeName(answer->rcode) + " from " + where;
            return true;
          }
          // SERVFAIL, REFUSED and anything else: try the next server (RFC 1035 7.2).
          info->reason = answer->rcode == static_cast<std::uint8_t>(Rcode::kServFail)
                             ? TempFailReason::kServFail
                         : answer->rcode == static_cast<std::uint8_t>(Rcode::kRefused)
                             ? TempFailReason::kRefused
                             : TempFailReason::kMalformed;
          info->detail = RcodeName(answer->rcode) + " from " + where;
          break;
        case Outcome::kTruncated:
        case Outcome::kMalformed:
          info->reason = TempFailReason::kMalformed;
          info->detail = "malformed answer from " + where;
          break;
        case Outcome::kTimeout:
          info->reason = TempFailReason::kTimeout;
          info->detail = "timeout waiting for " + where;
          break;
        case Outcome::kNetwork:
          info->reason = TempFailReason::kNetwork;
          info->detail = "network error talking to " + where;
          break;
      }
      info->used_tcp = tcp;
    }
  }
  return false;
}

QueryResult StubResolver::Query(std::string_view name, RrType type) {
  QueryResult result;
  std::string current = CanonicalName(name);
  if (current.empty()) {
    result.status = QueryStatus::kNxDomain;
    result.detail = "invalid domain name";
    return result;
  }
  bool via_cname = false, used_tcp = false;
  int hops = 0;
  for (;;) {
    Message answer;
    QueryResult info;
    bool ok = Exchange(current, type, &answer, &info);
    used_tcp = used_tcp || info.used_tcp;
    if (!ok) {
      info.canonical_name = current;
      info.via_cname = via_cname;
      info.used_tcp = used_tcp;
      return info;
    }
    result.detail = info.detail;
    result.used_tcp = used_tcp;
    // Chase the CNAME chain inside the answer section (RFC 1034 3.6.2).
    bool moved = false;
    for (;;) {
      for (const auto& rr : answer.answers)
        if (NamesEqual(rr.name, current) && (type == RrType::kAny || rr.type == type))
          result.answers.push_back(rr);
      if (!result.answers.empty() || type == RrType::kCname) break;
      const ResourceRecord* cname = nullptr;
      for (const auto& rr : answer.answers)
        if (rr.type == RrType::kCname && NamesEqual(rr.name, current) &&
            std::holds_alternative<NameRdata>(rr.data))
          cname = &rr;
      if (!cname) break;
      if (++hops > kMaxCnameHops) {
        result.status = QueryStatus::kTempFail;
        result.reason = TempFailReason::kMalformed;
        result.detail = "CNAME chain longer than " + std::to_string(kMaxCnameHops);
        return result;
      }
      current = CanonicalName(std::get<NameRdata>(cname->data).name);
      if (current.empty()) break;
      via_cname = moved = true;
    }
    result.canonical_name = current;
    result.via_cname = via_cname;
    // RFC 6604 3: with CNAMEs, the RCODE describes the last name of the chain.
    if (answer.rcode == static_cast<std::uint8_t>(Rcode::kNxDomain)) {
      result.status = QueryStatus::kNxDomain;
      result.answers.clear();
      return result;
    }
    if (!result.answers.empty()) {
      result.status = QueryStatus::kOk;
      return result;
    }
    if (!moved || current.empty()) {
      result.status = QueryStatus::kNoData;  // RFC 2308 2.2
      return result;
    }
    // The chain left the answer: ask for its last name.
  }
}

}  // namespace mta::dns
