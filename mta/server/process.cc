// process.cc: uid lookup and change, process naming, descriptor passing.
#include "mta/server/process.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "mta/server/log.h"

namespace mta::server {

io::Result<Ids> LookupIds(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* out = nullptr;
  int rc = getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &out);
  if (rc != 0) return io::Status::Errno(rc, "getpwnam " + name);
  if (out == nullptr) return io::Status::Invalid("no such user: " + name);
  return Ids{pw.pw_uid, pw.pw_gid};
}

namespace {
int RunCommand(const std::vector<std::string>& argv) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
}  // namespace

io::Status EnsureSystemUser(const std::string& name) {
  if (LookupIds(name).ok()) return io::Status::Ok();
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
      return io::Status::Invalid("bad user name: " + name);
  }
  std::string useradd = access("/usr/sbin/useradd", X_OK) == 0 ? "/usr/sbin/useradd"
                                                               : "/sbin/useradd";
  std::vector<std::string> argv = {useradd, "--system", "--no-create-home", "--home-dir",
                                   "/nonexistent", "--shell", "/usr/sbin/nologin"};
  if (getgrnam(name.c_str()) != nullptr) {
    argv.push_back("--gid");
    argv.push_back(name);
  } else {
    argv.push_back("--user-group");
  }
  argv.push_back(name);
  int rc = RunCommand(argv);
  if (!LookupIds(name).ok())
    return io::Status::Invalid("useradd " + name + " failed (status " + std::to_string(rc) + ")");
  Log("created system user ", name);
  return io::Status::Ok();
}

io::Status DropPrivileges(const Ids& ids) {
  if (geteuid() != 0) return io::Status::Ok();
  gid_t g = ids.gid;
  if (setgroups(1, &g) != 0) return io::Status::Errno(errno, "setgroups");
  if (setresgid(ids.gid, ids.gid, ids.gid) != 0) return io::Status::Errno(errno, "setgid");
  if (setresuid(ids.uid, ids.uid, ids.uid) != 0) return io::Status::Errno(errno, "setuid");
  if (ids.uid != 0 && (setuid(0) == 0 || geteuid() == 0))
    return io::Status::Invalid("uid 0 could be regained");
  return io::Status::Ok();
}

void DieWithParent() {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) _exit(111);  // the parent is already gone
}

void SetProcessRole(std::string_view role) {
  std::string name = "refmta-" + std::string(role);
  prctl(PR_SET_NAME, name.substr(0, 15).c_str());
  SetLogRole(role);
}

io::Status SendPacket(int sock, std::string_view bytes, int fd) {
  iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  for (;;) {
    ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n >= 0) return io::Status::Ok();
    if (errno != EINTR) return io::Status::Errno(errno, "sendmsg");
  }
}

io::Result<bool> RecvPacket(int sock, size_t max, std::string* bytes, io::UniqueFd* fd) {
  bytes->assign(max, '\0');
  iovec iov{bytes->data(), bytes->size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return io::Status::Errno(errno, "recvmsg");
  fd->reset();
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int got;
      std::memcpy(&got, CMSG_DATA(c), sizeof(int));
      fd->reset(got);
    }
  }
  bytes->resize(static_cast<size_t>(n));
  if (n == 0 && !fd->valid()) return false;
  if (msg.msg_flags & MSG_TRUNC) return io::Status::Invalid("packet truncated");
  return true;
}

long RaiseFdLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  return static_cast<long>(rl.rlim_cur);
}

io::Status SetNonBlocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
    return io::Status::Errno(errno, "fcntl O_NONBLOCK");
  return io::Status::Ok();
}

}  // namespace mta::server
