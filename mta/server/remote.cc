// remote.cc: routing, one remote delivery (RFC 5321 5.1 address order, 4.5.4.1 one copy for
// several recipients), and the refmta-remote process (qmail-rspawn's role).
#include "mta/server/remote.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <variant>

#include "mta/dns/config.h"
#include "mta/dns/route.h"
#include "mta/dns/stub_resolver.h"
#include "mta/qmtp/deliver.h"
#include "mta/server/log.h"
#include "mta/server/process.h"
#include "mta/server/signals.h"

namespace mta::server {
namespace {

std::string local_lower(std::string v) {
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v;
}

bool IsIp(const std::string& h) {
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

std::vector<Hop> Lookup(const std::string& host, std::uint16_t port, std::string* error,
                        bool* temp) {
  if (IsIp(host)) return {{host, host, port}};
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  std::vector<Hop> out;
  if (rc != 0) {
    *error = "cannot resolve " + host + ": " + gai_strerror(rc);
    *temp = rc != EAI_NONAME;
    return out;
  }
  for (addrinfo* a = res; a; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    const void* p = a->ai_family == AF_INET
                        ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                        : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (!inet_ntop(a->ai_family, p, buf, sizeof buf)) continue;
    bool dup = false;
    for (const Hop& h : out) dup = dup || h.ip == buf;
    if (!dup) out.push_back({host, buf, port});
  }
  freeaddrinfo(res);
  return out;
}

RemoteRcptResult FromRcpt(const client::RcptResult& r, const std::string& host) {
  RemoteRcptResult o;
  o.status = r.status == client::RcptStatus::kDelivered ? "ok"
             : r.status == client::RcptStatus::kPermFail ? "perm"
                                                        : "temp";
  o.code = r.code;
  if (r.enhanced) o.enhanced = r.enhanced->ToString();
  o.remote_mta = host;
  o.diagnostic = r.text.empty() ? std::string(client::StageName(r.stage)) + ": no reply" : r.text;
  o.dsn_relayed = r.dsn_relayed;
  return o;
}

}  // namespace

bool QmtpRouteFor(std::string_view domain, const config::Settings& s, std::string* host,
                  std::uint16_t* port) {
  for (const std::string& item : s.qmtp_routes) {
    auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    std::string d = local_lower(item.substr(0, eq));
    if (d != local_lower(std::string(domain))) continue;
    return config::ParseHostPort(std::string_view(item).substr(eq + 1), host, port, 209);
  }
  return false;
}

std::vector<RemoteRcptResult> DeliverQmtp(const RemoteJob& job, const std::string& message,
                                          const std::vector<Hop>& hops) {
  qmtp::OutgoingMessage m;
  m.sender = job.sender;
  for (const RemoteRecipient& r : job.rcpts) m.recipients.push_back(r.address);
  m.data = message;
  std::vector<RemoteRcptResult> out(job.rcpts.size());
  for (RemoteRcptResult& r : out) r.diagnostic = "no address to try";
  for (const Hop& h : hops) {
    std::vector<qmtp::RecipientResult> rr = qmtp::QmtpDeliver(h.ip, h.port, {}, m);
    bool any_answer = false;
    std::string mta = h.host == h.ip ? "[" + h.ip + "]" : h.host;
    for (size_t i = 0; i < out.size() && i < rr.size(); ++i) {
      // QMTP 2: K = accepted, Z = temporary, D = permanent; no response = temporary.
      out[i].status = rr[i].outcome == qmtp::Outcome::kDelivered   ? "ok"
                      : rr[i].outcome == qmtp::Outcome::kPermanent ? "perm"
                                                                   : "temp";
      out[i].enhanced = out[i].status == "ok" ? "2.0.0" : out[i].status == "perm" ? "5.0.0" : "4.0.0";
      out[i].remote_mta = mta;
      out[i].diagnostic = rr[i].text;
      any_answer = any_answer || out[i].status != "temp";
    }
    if (any_answer) break;
  }
  return out;
}

std::optional<SmtpRoute> SmtpRouteFor(std::string_view domain,
                                      const std::vector<std::string>& routes,
                                      const std::string& smarthost) {
  std::string d = local_lower(std::string(domain));
  while (!d.empty() && d.back() == '.') d.pop_back();
  auto find = [&](std::string_view key) -> const std::string* {
    for (const std::string& item : routes) {
      auto eq = item.find('=');
      if (eq != std::string::npos && local_lower(item.substr(0, eq)) == key) return &item;
    }
    return nullptr;
  };
  auto make = [](const std::string& entry, std::string_view relay) {
    SmtpRoute r;
    r.entry = entry;
    if (relay.empty()) return r;  // MX lookup as usual
    // A host with ':' must be an IPv6 address ("a:b:c" is no host[:port]).
    if (!config::ParseHostPort(relay, &r.host, &r.port, 25) ||
        (r.host.find(':') != std::string::npos && !IsIp(r.host))) {
      r = SmtpRoute{};
      r.entry = entry;
      r.valid = false;
    }
    return r;
  };
  // qmail-remote.c: constmap lookups of host.s + i at i == 0 and at each '.', then "".
  const std::string* hit = find(d);
  for (std::size_t i = d.find('.'); hit == nullptr && i != std::string::npos;
       i = d.find('.', i + 1))
    hit = find(std::string_view(d).substr(i));
  if (hit == nullptr) hit = find("");
  if (hit != nullptr) return make(*hit, std::string_view(*hit).substr(hit->find('=') + 1));
  if (!smarthost.empty()) return make("smarthost", smarthost);
  return std::nullopt;
}

namespace {

// dns_server, or resolv.conf (127.0.0.1:53 when it names none); false on a bad dns_server.
bool ResolverConfigFor(const config::Settings& s, dns::ResolverConfig* rc, std::string* error) {
  if (!s.dns_server.empty()) {
    std::pair<std::string, int> server;
    if (!dns::ParseServerSpec(s.dns_server, &server, error)) return false;
    rc->servers = {server};
  } else if (!dns::LoadResolvConf("/etc/resolv.conf", rc, error) || rc->servers.empty()) {
    if (rc->servers.empty()) rc->servers = {{"127.0.0.1", 53}};
  }
  return true;
}

// A route's host: an IP literal as is; a name by its A records (qmail-remote treats the
// relay as the only MX of the domain: no MX lookup of the relay itself).
std::vector<Hop> RouteHost(const SmtpRoute& r, const config::Settings& s, std::string* error,
                           bool* temp) {
  if (IsIp(r.host)) return {{r.host, r.host, r.port}};
  dns::ResolverConfig rc;
  if (!ResolverConfigFor(s, &rc, error)) return {};
  dns::StubResolver resolver(rc);
  dns::QueryResult q = resolver.Query(r.host, dns::RrType::kA);
  std::vector<Hop> out;
  for (const auto& rr : q.answers)
    if (const auto* a = std::get_if<dns::AddressRdata>(&rr.data)) {
      bool dup = false;
      for (const Hop& h : out) dup = dup || h.ip == a->address;
      if (!dup) out.push_back({r.host, a->address, r.port});
    }
  if (out.empty()) {
    *temp = q.status == dns::QueryStatus::kTempFail;
    *error = "cannot resolve route host " + r.host + " (" + r.entry + "): " +
             dns::QueryStatusName(q.status) + (q.detail.empty() ? "" : " (" + q.detail + ")");
  }
  return out;
}

}  // namespace

dns::RouteOptions RouteOptionsFor(const config::Settings& s) {
  dns::RouteOptions ro;
  // RFC 5321 5.1: an MX that is this MTA (by name, or by an address it listens on) and
  // every MX of the same or a worse preference are dropped; none left is a loop.
  ro.self_names = {s.hostname};
  ro.self_addresses = SelfAddresses(s.listen, InterfaceAddresses());
  ro.use_ipv6 = s.remote_ipv6;  // RFC 5321 5.1: each exchange's A, then AAAA
  return ro;
}

std::vector<Hop> RouteDomain(std::string_view domain, const config::Settings& s,
                             std::string* error, bool* temp) {
  *temp = true;
  std::optional<SmtpRoute> route = SmtpRouteFor(domain, s.smtp_routes, s.smarthost);
  if (route && !route->valid) {
    *error = route->entry == "smarthost" ? "bad smarthost '" + s.smarthost + "'"
                                         : "bad smtp_routes entry '" + route->entry + "'";
    return {};
  }
  if (route && !route->host.empty()) return RouteHost(*route, s, error, temp);
  // RFC 5321 5.1: MX records (implicit MX, null MX per RFC 7505) through mta/dns.
  dns::ResolverConfig rc;
  if (!ResolverConfigFor(s, &rc, error)) return {};
  dns::StubResolver resolver(rc);
  dns::RouteResult mx = dns::ResolveMailRoute(resolver, domain, RouteOptionsFor(s));
  std::vector<Hop> out;
  for (const dns::MailHost& h : mx.hosts)
    for (const std::string& a : h.addresses) out.push_back({h.name, a, 25});
  if (out.empty()) {
    *temp = !dns::IsPermanentFailure(mx.status) && mx.status != dns::RouteStatus::kOk;
    *error = "no route to " + std::string(domain) + ": " + dns::RouteStatusName(mx.status) +
             (mx.detail.empty() ? "" : " (" + mx.detail + ")");
  }
  return out;
}

const char* RouteFailureStatus(const std::string& error, bool temp) {
  if (temp) return "4.4.3";  // RFC 3463: directory server failure
  auto has = [&](const char* what) { return error.find(what) != std::string::npos; };
  if (has(": null-mx")) return "5.1.10";            // RFC 7505 4.2
  if (has(": mx-points-to-self")) return "5.4.6";   // RFC 3463 X.4.6: routing loop
  if (has(": no-usable-host")) return "5.4.4";      // RFC 3463 X.4.4: unable to route
  return "5.1.2";                                   // RFC 3463 X.1.2: bad destination system
}

std::vector<std::string> SelfAddresses(const std::vector<std::string>& listen,
                                       const std::vector<std::string>& interfaces) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& a) {
    for (const std::string& o : out)
      if (o == a) return;
    out.push_back(a);
  };
  for (const std::string& entry : listen) {
    std::string host;
    std::uint16_t port = 0;
    if (!config::ParseHostPort(entry, &host, &port, 25)) continue;
    unsigned char buf[16];
    const bool v4 = inet_pton(AF_INET, host.c_str(), buf) == 1;
    const bool v6 = !v4 && inet_pton(AF_INET6, host.c_str(), buf) == 1;
    if (!v4 && !v6) continue;
    const bool wildcard = v4 ? host == "0.0.0.0"
                             : std::all_of(buf, buf + 16, [](unsigned char c) { return c == 0; });
    if (!wildcard) {
      add(host);
      continue;
    }
    for (const std::string& a : interfaces)
      if ((a.find(':') != std::string::npos) == v6) add(a);
  }
  return out;
}

std::vector<std::string> InterfaceAddresses() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr) continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (i->ifa_addr->sa_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, text, sizeof text);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, text, sizeof text);
    } else {
      continue;
    }
    out.push_back(text);
  }
  freeifaddrs(list);
  return out;
}

std::vector<RemoteRcptResult> DeliverRemote(const RemoteJob& job, std::string message,
                                            const std::vector<Hop>& hops,
                                            const config::Settings& s) {
  client::Transaction tx;
  tx.sender = job.sender;
  tx.ret = job.ret;
  tx.envid = job.envid;
  for (const RemoteRecipient& r : job.rcpts) tx.recipients.push_back({r.address, r.notify, r.orcpt});
  tx.message = std::move(message);
  tx.eight_bit = EightBitPolicyFor(s);
  client::ClientOptions opt = ClientOptionsFor(s);
  std::vector<RemoteRcptResult> out(job.rcpts.size());
  for (RemoteRcptResult& r : out) r.diagnostic = "no address to try";
  for (size_t h = 0; h < hops.size(); ++h) {
    client::Connect to;
    to.ip = hops[h].ip;
    to.port = hops[h].port;
    // Test facility: REFMTA_CLIENT_TIMEOUT (seconds) shortens every client timeout.
    if (const char* t = getenv("REFMTA_CLIENT_TIMEOUT"); t && atoi(t) > 0) {
      std::chrono::milliseconds ms(std::chrono::seconds(atoi(t)));
      to.timeouts = {ms, ms, ms, ms, ms, ms, ms, ms, ms};
    }
    client::DeliveryAttempt a = client::Deliver(to, tx, opt);
    std::string mta = hops[h].host == hops[h].ip ? "[" + hops[h].ip + "]" : hops[h].host;
    for (size_t i = 0; i < out.size() && i < a.outcome.rcpts.size(); ++i)
      out[i] = FromRcpt(a.outcome.rcpts[i], mta);
    if (!a.outcome.error.empty()) {
      for (RemoteRcptResult& r : out)
        if (r.status == "temp" && r.code == 0) r.diagnostic = a.outcome.error;
    }
    // RFC 5321 5.1: greeting or HELO refused, or no connection: try the next address. A
    // permanent refusal there is not final for the message while other addresses remain.
    if (!a.outcome.try_next_mx) break;
    if (h + 1 == hops.size()) {
      // The last address also refused the session: its answer stands, but a session-level
      // 5xx at one host is not proof about the mailbox; report it as given.
      break;
    }
  }
  return out;
}

namespace {

struct Child {
  std::uint64_t req = 0;
  std::size_t rcpts = 0;
};

void RunChild(int queue_fd, const RemoteJob& job, int msg_fd, const config::Settings& s) {
  std::string message;
  std::vector<RemoteRcptResult> results;
  auto read = io::ReadFull(msg_fd, static_cast<size_t>(s.message_size_max) * 2 + (1 << 20), &message);
  close(msg_fd);
  if (!read.ok()) {
    results.assign(job.rcpts.size(), RemoteRcptResult{"temp", 0, "4.3.0", "",
                                                       "cannot read the queued message", false});
  } else {
    std::string error;
    bool temp = true;
    std::string domain = sched::DestinationOf(job.rcpts.empty() ? "" : job.rcpts[0].address);
    std::string qhost;
    std::uint16_t qport = 209;
    bool by_qmtp = QmtpRouteFor(domain, s, &qhost, &qport);
    std::vector<Hop> hops = by_qmtp ? Lookup(qhost, qport, &error, &temp)
                                    : RouteDomain(domain, s, &error, &temp);
    if (by_qmtp && !hops.empty()) {
      results = DeliverQmtp(job, message, hops);
    } else if (hops.empty()) {
      // RFC 7505 4.2 null MX 5.1.10; RFC 3463 codes for the other routing failures.
      const char* code = RouteFailureStatus(error, temp);
      results.assign(job.rcpts.size(),
                     RemoteRcptResult{temp ? "temp" : "perm", 0, code, "", error, false});
    } else {
      results = DeliverRemote(job, std::move(message), hops, s);
    }
  }
  io::Status st = SendPacket(queue_fd, EncodeRemoteResult(job.req, results));
  _exit(st.ok() ? 0 : 111);
}

}  // namespace

int RunRemote(ServerContext& ctx, int queue_fd) {
  SetProcessRole("remote");
  if (ctx.root) {
    auto ids = LookupIds(ctx.settings.remote_user);
    if (!ids.ok()) {
      Log("remote_user ", ctx.settings.remote_user, ": ", ids.status().ToString());
      return 1;
    }
    if (io::Status st = DropPrivileges(*ids); !st.ok()) {
      Log("drop privileges: ", st.ToString());
      return 1;
    }
    SetProcessRole("remote");
  }
  DieWithParent();
  signal(SIGPIPE, SIG_IGN);
  SignalFd sig({SIGTERM, SIGINT, SIGHUP, SIGCHLD});
  const int sfd = sig.fd();
  std::map<pid_t, Child> children;
  const size_t max_children =
      static_cast<size_t>(std::max<std::uint64_t>(1, ctx.settings.concurrency_remote));
  bool stopping = false, queue_open = true;
  int64_t stop_deadline = 0;
  auto reap = [&] {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      auto it = children.find(pid);
      if (it == children.end()) continue;
      if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && queue_open) {
        std::vector<RemoteRcptResult> r(it->second.rcpts,
                                        RemoteRcptResult{"temp", 0, "4.3.0", "",
                                                         "remote delivery child died", false});
        if (!SendPacket(queue_fd, EncodeRemoteResult(it->second.req, r)).ok()) queue_open = false;
      }
      children.erase(it);
    }
  };
  for (;;) {
    reap();
    if ((stopping || !queue_open) &&
        (children.empty() || static_cast<int64_t>(time(nullptr)) >= stop_deadline)) {
      for (auto& [pid, c] : children) kill(pid, SIGKILL);
      Log("stopped");
      return 0;
    }
    bool can_take = queue_open && !stopping && children.size() < max_children;
    pollfd p[2] = {{sfd, POLLIN, 0}, {can_take ? queue_fd : -1, POLLIN, 0}};
    int r = poll(p, 2, 1000);
    if (r < 0 && errno != EINTR) {
      Log("poll: ", strerror(errno));
      return 1;
    }
    if (p[0].revents) {
      for (int signo : sig.Drain()) {
        if (signo == SIGCHLD) continue;
        if (!stopping) Log("signal ", signo, ": stopping after ", children.size(),
                           " delivery(ies)");
        stopping = true;
        stop_deadline = static_cast<int64_t>(time(nullptr)) + 10;
      }
    }
    if (p[1].revents) {
      std::string bytes;
      io::UniqueFd fd;
      auto got = RecvPacket(queue_fd, kMaxPacket, &bytes, &fd);
      if (!got.ok() || !*got) {
        if (!stopping) Log("queue connection closed");
        queue_open = false;
        stop_deadline = static_cast<int64_t>(time(nullptr)) + 10;
        continue;
      }
      RemoteJob job;
      if (!DecodeRemoteJob(bytes, &job) || !fd.valid() || job.rcpts.empty()) {
        Log("bad record from queue");
        return 1;
      }
      pid_t pid = fork();
      if (pid < 0) {
        std::vector<RemoteRcptResult> rr(job.rcpts.size(),
                                         RemoteRcptResult{"temp", 0, "4.3.0", "", "fork failed", false});
        SendPacket(queue_fd, EncodeRemoteResult(job.req, rr));
        continue;
      }
      if (pid == 0) {
        sig.UnblockInChild();
        DieWithParent();
        RunChild(queue_fd, job, fd.release(), ctx.settings);
      }
      children[pid] = {job.req, job.rcpts.size()};
    }
  }
}

}  // namespace mta::server
