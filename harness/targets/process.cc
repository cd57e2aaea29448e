// process.cc: see process.h.
#include "harness/targets/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "harness/runner/connection.h"

extern char** environ;

namespace mta::targets {
namespace {

using SteadyClock = std::chrono::steady_clock;

// In the child, between fork and exec: only async-signal-safe calls.
void ResetSignals() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGQUIT}) signal(s, SIG_DFL);
}

struct Argv {
  std::vector<std::string> storage;
  std::vector<char*> ptrs;
  explicit Argv(std::vector<std::string> v) : storage(std::move(v)) {
    for (std::string& s : storage) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
};

std::vector<std::string> Environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    std::string name = kv.substr(0, kv.find('='));
    bool replaced = false;
    for (const std::string& x : extra)
      if (x.substr(0, x.find('=')) == name) replaced = true;
    if (!replaced) env.push_back(kv);
  }
  for (const std::string& x : extra) env.push_back(x);
  return env;
}

int DecodeStatus(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -1;
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv, int timeout_ms,
                         const std::vector<std::string>& env_extra) {
  CommandResult res;
  if (argv.empty()) return res;
  Argv args(argv);
  Argv env(Environment(env_extra));
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    res.output = std::string("pipe: ") + std::strerror(errno);
    return res;
  }
  pid_t pid = fork();
  if (pid < 0) {
    res.output = std::string("fork: ") + std::strerror(errno);
    close(out[0]);
    close(out[1]);
    return res;
  }
  if (pid == 0) {
    ResetSignals();
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    execvpe(args.ptrs[0], args.ptrs.data(), env.ptrs.data());
    const char msg[] = "exec failed\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  close(out[1]);
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) {
      res.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = read(out[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (res.output.size() < (1u << 20)) res.output.append(buf, static_cast<std::size_t>(got));
  }
  close(out[0]);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  res.status = res.timed_out ? -1 : DecodeStatus(st);
  return res;
}

Child::~Child() {
  if (pid_ > 0) Terminate(2000);
}

Child& Child::operator=(Child&& o) noexcept {
  if (this != &o) {
    if (pid_ > 0) Terminate(2000);
    pid_ = o.pid_;
    status_ = o.status_;
    o.pid_ = -1;
  }
  return *this;
}

Child Child::Spawn(const std::vector<std::string>& argv, const std::string& log_file) {
  if (argv.empty()) throw std::runtime_error("empty command");
  Argv args(argv);
  int log = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) throw std::runtime_error("cannot open " + log_file + ": " + std::strerror(errno));
  int report[2];  // the child writes errno here when exec fails; closed by a good exec
  if (pipe2(report, O_CLOEXEC) != 0) {
    close(log);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(log);
    close(report[0]);
    close(report[1]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    ResetSignals();
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);  // the parent died before prctl
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(log, 1);
    dup2(log, 2);
    execvp(args.ptrs[0], args.ptrs.data());
    int e = errno;
    (void)!write(report[1], &e, sizeof e);
    _exit(127);
  }
  close(log);
  close(report[1]);
  int e = 0;
  ssize_t n;
  while ((n = read(report[0], &e, sizeof e)) < 0 && errno == EINTR) {
  }
  close(report[0]);
  Child c;
  c.pid_ = pid;
  if (n == static_cast<ssize_t>(sizeof e)) {
    c.Terminate(1000);
    throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(e));
  }
  return c;
}

bool Child::Alive() {
  if (pid_ <= 0) return false;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    status_ = st;
    pid_ = -1;
    return false;
  }
  return true;
}

int Child::Terminate(int timeout_ms) {
  if (pid_ <= 0) return status_;
  kill(-pid_, SIGTERM);
  kill(pid_, SIGTERM);
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  while (Alive()) {
    if (SteadyClock::now() >= deadline) {
      kill(-pid_, SIGKILL);
      kill(pid_, SIGKILL);
      int st = 0;
      while (waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
      }
      status_ = st;
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status_;
}

std::string MakeRunDir(const std::string& base, const std::string& prefix) {
  std::error_code ec;
  std::filesystem::create_directories(base, ec);
  // The peers' unprivileged processes work inside: every level must be o+x.
  chmod(base.c_str(), 0755);
  std::string tmpl = base + "/" + prefix + ".XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data()))
    throw std::runtime_error("cannot create a directory under " + base + ": " + std::strerror(errno));
  std::string dir = buf.data();
  chmod(dir.c_str(), 0755);
  return dir;
}

void RemoveTree(const std::string& dir) {
  if (dir.empty() || dir == "/") return;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);  // does not follow symbolic links
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  std::string stat = ReadFileText("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  return stat[close + 2] != 'Z' && stat[close + 2] != 'X';
}

unsigned long long ProcessStartTime(pid_t pid) {
  if (pid <= 0) return 0;
  std::string stat = ReadFileText("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  // Fields after the name start at 3 (state); starttime is field 22.
  for (int i = 3; i <= 22 && (in >> field); ++i)
    if (i == 22) return std::strtoull(field.c_str(), nullptr, 10);
  return 0;
}

std::string WaitForGreeting(const runner::Endpoint& ep, const std::string& source_ip,
                            int timeout_ms, const std::function<bool()>& alive) {
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  std::string last = "no answer";
  while (SteadyClock::now() < deadline) {
    runner::Connection c;
    auto attempt = std::min(deadline, SteadyClock::now() + std::chrono::seconds(2));
    std::string err = c.Open(source_ip, ep.host, ep.port, attempt);
    if (err.empty()) {
      reply::Reply r;
      if (c.ReadReply(attempt, &r) == runner::ReadStatus::kReply) {
        if (r.code / 100 == 2) {
          c.Send("QUIT\r\n", attempt);
          c.ReadReply(attempt, &r);
          return "";
        }
        last = "greeting " + std::to_string(r.code);
      } else {
        last = "no greeting";
      }
    } else {
      last = err;
    }
    if (alive && !alive()) return last + " (the server exited)";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return last;
}

bool PortFree(const runner::Endpoint& ep) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(ep.port));
  if (inet_pton(AF_INET, ep.host.c_str(), &a.sin_addr) != 1) return true;  // not IPv4: no check
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

std::string ReadFileText(const std::string& path, std::size_t tail) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  if (tail && text.size() > tail) text = text.substr(text.size() - tail);
  return text;
}

}  // namespace mta::targets
