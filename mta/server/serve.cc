// serve.cc: the master process of `refmta serve` (see serve.h).
#include "mta/server/serve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <tuple>

#include "mta/config/config_file.h"
#include "mta/io/file.h"
#include "mta/server/context.h"
#include "mta/server/home.h"
#include "mta/server/log.h"
#include "mta/server/process.h"

namespace mta::server {

int BindListener(const std::string& addr, std::string* error) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) {
    *error = "listen address without port: " + addr;
    return -1;
  }
  std::string host = addr.substr(0, colon);
  int port = std::atoi(addr.c_str() + colon + 1);
  if (port <= 0 || port > 65535) {
    *error = "bad port in " + addr;
    return -1;
  }
  sockaddr_storage ss{};
  socklen_t len;
  bool v6 = !host.empty() && host.front() == '[';
  if (v6) {
    if (host.back() != ']') {
      *error = "bad address " + addr;
      return -1;
    }
    host = host.substr(1, host.size() - 2);
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) {
      *error = "bad IPv6 address " + addr;
      return -1;
    }
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    if (host.empty()) host = "0.0.0.0";
    if (inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1) {
      *error = "bad IPv4 address " + addr;
      return -1;
    }
    len = sizeof(sockaddr_in);
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + strerror(errno);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (v6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 1024) != 0) {
    *error = "bind " + addr + ": " + strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

namespace {

struct Child {
  std::string role;
  pid_t pid = -1;
  bool exited = false;
  int status = 0;
};

void WritePid(const std::string& home, const std::string& role, pid_t pid) {
  io::AtomicWriteFile(RunDir(home), role + ".pid", std::to_string(pid) + "\n", 0644);
}

// Waits up to `seconds` for `c` to exit (reaping any child meanwhile).
void WaitChild(std::map<pid_t, Child*>& by_pid, Child& c, int seconds) {
  int64_t deadline = static_cast<int64_t>(time(nullptr)) + seconds;
  while (!c.exited) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      auto it = by_pid.find(pid);
      if (it != by_pid.end()) {
        it->second->exited = true;
        it->second->status = status;
      }
      continue;
    }
    if (time(nullptr) >= deadline) {
      Log(c.role, " (", c.pid, ") did not stop in ", seconds, "s: killing it");
      kill(c.pid, SIGKILL);
      deadline += 5;
    }
    poll(nullptr, 0, 20);
  }
}

}  // namespace

int Serve(const ServeOptions& opts) {
  SetProcessRole("master");
  const std::string& home = opts.home;
  if (!io::PathExists(ConfigPath(home))) {
    config::Settings def = DefaultSettings(home, "localhost", {"postmaster"});
    io::Status st = InitHome(home, def, true);
    if (!st.ok()) {
      Log("cannot initialise ", home, ": ", st.ToString());
      return 1;
    }
    Log("initialised ", home, " with a default configuration (domain localhost, user postmaster)");
  }
  std::vector<std::string> errors;
  ServerContext ctx;
  ctx.home = home;
  ctx.settings = LoadSettings(home, opts.sets, &errors);
  if (!opts.listen.empty()) ctx.settings.listen = opts.listen;
  if (!opts.smarthost.empty()) ctx.settings.smarthost = opts.smarthost;
  ctx.local = MakeLocalConfig(ctx.settings, &errors);
  for (const auto& [name, targets] : ctx.local.aliases.entries) {
    if (ctx.settings.aliases.count(name)) continue;
    std::string joined;
    for (const std::string& t : targets) joined += (joined.empty() ? "" : ", ") + t;
    ctx.oracle_aliases[name] = joined;
  }
  if (!errors.empty()) {
    for (const std::string& e : errors) Log("configuration: ", e);
    return 2;
  }
  for (const std::string& w : CheckHome(home, ctx.settings)) Log("configuration warning: ", w);
  ctx.root = geteuid() == 0;
  if (io::Status st = InitHome(home, ctx.settings, false); !st.ok()) {
    Log("cannot prepare ", home, ": ", st.ToString());
    return 1;
  }
  if (ctx.root) {
    auto s = LookupIds(ctx.settings.smtpd_user), q = LookupIds(ctx.settings.queue_user),
         m = LookupIds(ctx.settings.mail_user), r = LookupIds(ctx.settings.remote_user);
    if (!s.ok() || !q.ok() || !m.ok() || !r.ok()) {
      Log("system users missing (", ctx.settings.smtpd_user, ", ", ctx.settings.queue_user, ", ",
          ctx.settings.mail_user, ", ", ctx.settings.remote_user, ")");
      return 1;
    }
    if (r->uid == 0 || r->uid == q->uid || r->uid == m->uid) {
      Log("remote_user must be an unprivileged uid distinct from queue_user and mail_user");
      return 2;
    }
    ctx.smtpd_ids = *s;
    ctx.queue_ids = *q;
    ctx.mail_ids = *m;
    if (ctx.smtpd_ids.uid == 0 || ctx.queue_ids.uid == 0 || ctx.smtpd_ids.uid == ctx.queue_ids.uid ||
        ctx.smtpd_ids.uid == ctx.mail_ids.uid) {
      Log("smtpd_user must be an unprivileged uid distinct from queue_user and mail_user");
      return 2;
    }
  } else {
    ctx.smtpd_ids = ctx.queue_ids = ctx.mail_ids = Ids{getuid(), getgid()};
    Log("not started as root: all processes run as uid ", getuid(), " (process separation only)");
  }
  if (ctx.settings.tls_configured()) {
    io::Status a = io::ReadFileToString(ctx.settings.tls_cert, &ctx.tls_cert_pem);
    io::Status b = io::ReadFileToString(ctx.settings.tls_key, &ctx.tls_key_pem);
    if (!a.ok() || !b.ok()) {
      Log("TLS: ", a.ok() ? b.ToString() : a.ToString());
      return 1;
    }
  }
  long nofile = RaiseFdLimit();
  signal(SIGPIPE, SIG_IGN);
  for (const std::string& addr : ctx.settings.listen) {
    std::string err;
    int fd = BindListener(addr, &err);
    if (fd < 0) {
      Log(err);
      return 1;
    }
    ctx.listen_fds.push_back(fd);
    Log("listening on ", addr);
  }
  for (auto [addrs, fds, name] :
       {std::tuple{&ctx.settings.qmtp_listen, &ctx.qmtp_listen_fds, "QMTP"},
        std::tuple{&ctx.settings.qmqp_listen, &ctx.qmqp_listen_fds, "QMQP"}}) {
    for (const std::string& addr : *addrs) {
      std::string err;
      int fd = BindListener(addr, &err);
      if (fd < 0) {
        Log(err);
        return 1;
      }
      fds->push_back(fd);
      Log("listening on ", addr, " (", name, ")");
    }
  }
  int sq[2], ql[2], qr[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sq) != 0 ||
      socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ql) != 0 ||
      socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, qr) != 0) {
    Log("socketpair: ", strerror(errno));
    return 1;
  }
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, &old);
  tzset();

  Child lspawn{"lspawn"}, remote{"remote"}, queue{"queue"}, smtpd{"smtpd"};
  auto close_listeners = [&] {
    for (int fd : ctx.listen_fds) close(fd);
    for (int fd : ctx.qmtp_listen_fds) close(fd);
    for (int fd : ctx.qmqp_listen_fds) close(fd);
  };
  auto start = [&](Child& c, auto body) {
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
      SetProcessRole(c.role);
      DieWithParent();
      _exit(body());
    }
    c.pid = pid;
    WritePid(home, c.role, pid);
    return true;
  };
  WritePid(home, "master", getpid());
  bool ok = start(lspawn, [&] {
    close(sq[0]);
    close(sq[1]);
    close(ql[0]);
    close(qr[0]);
    close(qr[1]);
    close_listeners();
    if (chdir(home.c_str()) != 0) {
      Log("chdir ", home, ": ", strerror(errno));
      return 1;
    }
    return RunLspawn(ctx, ql[1]);
  });
  // refmta-remote: drops to remote_user itself (RunRemote); no queue, no mailboxes.
  ok = ok && start(remote, [&] {
    close(sq[0]);
    close(sq[1]);
    close(ql[0]);
    close(ql[1]);
    close(qr[0]);
    close_listeners();
    if (chdir("/") != 0) return 1;
    return RunRemote(ctx, qr[1]);
  });
  ok = ok && start(queue, [&] {
    close(sq[0]);
    close(ql[1]);
    close(qr[1]);
    close_listeners();
    // Paths are resolved from DIR (opened while root), so DIR's parents need not be
    // searchable by the queue uid.
    if (chdir(home.c_str()) != 0) {
      Log("chdir ", home, ": ", strerror(errno));
      return 1;
    }
    if (io::Status st = DropPrivileges(ctx.queue_ids); !st.ok()) {
      Log(st.ToString());
      return 1;
    }
    DieWithParent();
    return RunQueue(ctx, sq[1], ql[0], qr[0]);
  });
  ok = ok && start(smtpd, [&] {
    close(sq[1]);
    close(ql[0]);
    close(ql[1]);
    close(qr[0]);
    close(qr[1]);
    if (ctx.root) {
      std::string jail = RunDir(home) + "/empty";
      if (chroot(jail.c_str()) != 0 || chdir("/") != 0) {
        Log("chroot ", jail, ": ", strerror(errno));
        return 1;
      }
    }
    if (io::Status st = DropPrivileges(ctx.smtpd_ids); !st.ok()) {
      Log(st.ToString());
      return 1;
    }
    DieWithParent();
    return RunSmtpd(ctx, sq[0]);
  });
  close(sq[0]);
  close(sq[1]);
  close(ql[0]);
  close(ql[1]);
  close(qr[0]);
  close(qr[1]);
  close_listeners();
  if (!ok) {
    Log("fork: ", strerror(errno));
    for (Child* c : {&lspawn, &remote, &queue, &smtpd})
      if (c->pid > 0) kill(c->pid, SIGKILL);
    return 1;
  }
  Log("started: smtpd ", smtpd.pid, ", queue ", queue.pid, ", lspawn ", lspawn.pid,
      ", remote ", remote.pid, " (fd limit ", nofile, ")");

  std::map<pid_t, Child*> by_pid = {{smtpd.pid, &smtpd}, {queue.pid, &queue},
                                    {lspawn.pid, &lspawn}, {remote.pid, &remote}};
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  int exit_status = 0;
  for (bool running = true; running;) {
    signalfd_siginfo si;
    ssize_t n = read(sfd, &si, sizeof si);
    if (n != static_cast<ssize_t>(sizeof si)) continue;
    if (si.ssi_signo == SIGCHLD) {
      for (;;) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) break;
        auto it = by_pid.find(pid);
        if (it == by_pid.end()) continue;
        it->second->exited = true;
        it->second->status = status;
        Log(it->second->role, " (", pid, ") exited unexpectedly (",
            WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                : "status " + std::to_string(WEXITSTATUS(status)),
            "): stopping the server");
        exit_status = 1;
        running = false;
      }
    } else if (si.ssi_signo == SIGHUP) {
      Log("SIGHUP ignored (restart to reload the configuration)");
    } else {
      Log("signal ", si.ssi_signo, ": stopping");
      running = false;
    }
  }
  // Ordered stop: no new mail first, then the queue, then delivery.
  for (Child* c : {&smtpd, &queue, &remote, &lspawn}) {
    if (!c->exited) kill(c->pid, SIGTERM);
    WaitChild(by_pid, *c, 20);
    io::RemoveIfExists(RunDir(home) + "/" + c->role + ".pid");
  }
  io::RemoveIfExists(RunDir(home) + "/master.pid");
  Log(exit_status == 0 ? "stopped cleanly" : "stopped after an error");
  return exit_status;
}

}  // namespace mta::server
