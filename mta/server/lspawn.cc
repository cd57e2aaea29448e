// lspawn.cc: the refmta-lspawn process (stays root, as qmail-lspawn): for each delivery
// request from the queue it forks a child that becomes the mailbox owner and delivers.
//
// The mailbox of user U is DIR/mail/U (a Maildir, or an mbox file for users configured
// ":mbox"). The child runs as the owner of that mailbox, or as mail_user when the owner is
// root or the mailbox does not exist yet (then it is created for mail_user). The message
// arrives as an open descriptor of the queue file, so the child never needs access to the
// queue. Checks before writing: the hop limit (counted as smtpd counts: hop_count,
// hop_limit) and the Delivered-To loop (qmail-local's rule; delivered_to_check). Maildir
// deliveries are idempotent by the key "<queue id>R<recipient index>", so a crash between
// delivery and the queue's update never produces a duplicate.
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <map>

#include "mta/io/record.h"
#include "mta/lib/message/header.h"
#include "mta/local/loops.h"
#include "mta/local/maildir.h"
#include "mta/local/mbox.h"
#include "mta/server/context.h"
#include "mta/server/home.h"
#include "mta/server/log.h"

namespace mta::server {
namespace {

constexpr size_t kMaxChildren = 32;
constexpr int kStopWaitSeconds = 15;

void SendResult(int sock, const std::string& req, const char* status, const std::string& text) {
  SendPacket(sock, io::EncodeRecord(kRecDeliverResult, {req, status, text}));
}

const config::User* FindUser(const config::Settings& s, const std::string& name) {
  for (const config::User& u : s.users)
    if (local::AsciiLower(u.name) == name) return &u;
  return nullptr;
}

// Trace fields that count as hops under `rule`, not counting a Received field in first
// position (this host's own, prepended by smtpd).
std::uint64_t HopsBeforeUs(std::string_view msg, config::HopCount rule) {
  message::ParsedHeader h = message::ParseHeader(msg);
  std::uint64_t hops = 0;
  for (std::size_t i = 0; i < h.fields.size(); ++i) {
    std::string n = local::AsciiLower(h.fields[i].name);
    bool received = n == "received";
    if (i == 0 && received) continue;
    if (rule == config::HopCount::kQmailPrefix) {
      // qmail-smtpd blast(): names starting with "received" or "delivered".
      if (n.rfind("received", 0) == 0 || n.rfind("delivered", 0) == 0) ++hops;
    } else if (received) {
      ++hops;
    }
  }
  return hops;
}

// The child: runs as the mailbox owner; returns the exit status (0: result sent).
int DeliverChild(const ServerContext& ctx, int sock, const io::Record& r, int msg_fd,
                 const config::User& user, const Ids& ids) {
  const std::string& req = r.fields[0];
  if (ctx.root) {
    if (io::Status st = DropPrivileges(ids); !st.ok()) {
      SendResult(sock, req, "temp", "cannot change uid: " + st.ToString());
      return 0;
    }
  }
  SetProcessRole("local");
  DieWithParent();
  std::string msg;
  struct stat sb{};
  if (fstat(msg_fd, &sb) != 0 || lseek(msg_fd, 0, SEEK_SET) < 0) {
    SendResult(sock, req, "temp", std::string("message file: ") + strerror(errno));
    return 0;
  }
  auto got = io::ReadFull(msg_fd, static_cast<size_t>(sb.st_size), &msg);
  if (!got.ok()) {
    SendResult(sock, req, "temp", got.status().ToString());
    return 0;
  }
  const std::string& key = r.fields[2];
  const std::string& return_path = r.fields[3];
  const std::string& delivered_to = r.fields[4];
  const config::Settings& s = ctx.settings;
  // RFC 5321 6.3 (F1): hops counted by smtpd's rule (hop_count) and limit (hop_limit). The
  // first field is the Received line this host prepended; smtpd counted the hops before it,
  // so a message it accepted is not refused here.
  std::uint64_t hops = HopsBeforeUs(msg, s.hop_count);
  if (hops > s.hop_limit) {
    SendResult(sock, req, "perm", "5.4.6 too many hops (" + std::to_string(hops) + "): mail loop");
    return 0;
  }
  // F2: qmail-local's Delivered-To rule, unless delivered_to_check is off.
  local::LoopCheck loop = local::CheckLoops(msg, delivered_to, SIZE_MAX);
  if (loop.status == local::LoopStatus::kDeliveredToLoop && s.delivered_to_check) {
    SendResult(sock, req, "perm", "5.4.6 Delivered-To: " + delivered_to + " already present: mail loop");
    return 0;
  }
  std::string box = MailboxPath(".", user.name).substr(2);  // relative to DIR (the cwd)
  if (user.format == config::MailboxFormat::kMbox) {
    io::Status st = local::DeliverMbox(box, msg, return_path, delivered_to, time(nullptr));
    if (!st.ok()) SendResult(sock, req, "temp", st.ToString());
    else SendResult(sock, req, "ok", "mbox " + box);
    return 0;
  }
  auto res = local::DeliverMaildir(box, msg, return_path, delivered_to, key);
  if (!res.ok()) {
    SendResult(sock, req, "temp", res.status().ToString());
  } else {
    bool dup = res->outcome == local::MaildirOutcome::kAlreadyDelivered;
    SendResult(sock, req, dup ? "dup" : "ok", res->path);
  }
  return 0;
}

}  // namespace

int RunLspawn(ServerContext& ctx, int sock) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGCHLD);
  sigset_t old;
  sigprocmask(SIG_BLOCK, &set, &old);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  std::map<pid_t, std::string> children;  // pid -> request id
  // Primary gid of each mailbox owner, looked up once (not a read of /etc/passwd per
  // delivery); a restart picks up changes.
  std::map<uid_t, gid_t> owner_gid;
  bool stopping = false, queue_open = true;
  int64_t deadline = 0;
  for (;;) {
    // Reap.
    for (;;) {
      int status = 0;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      auto it = children.find(pid);
      if (it == children.end()) continue;
      if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        Log("delivery child ", pid, " failed (status ", status, ")");
        SendResult(sock, it->second, "temp", "delivery process crashed");
      }
      children.erase(it);
    }
    if ((stopping || !queue_open) && (children.empty() || time(nullptr) >= deadline)) {
      Log("stopped");
      return 0;
    }
    bool can_take = !stopping && queue_open && children.size() < kMaxChildren;
    pollfd p[2] = {{sfd, POLLIN, 0}, {can_take ? sock : -1, POLLIN, 0}};
    int n = poll(p, 2, 1000);
    if (n < 0 && errno != EINTR) return 1;
    if (p[0].revents) {
      signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        if (si.ssi_signo != SIGCHLD && !stopping) {
          Log("signal ", si.ssi_signo, ": stopping after ", children.size(), " delivery(ies)");
          stopping = true;
          deadline = time(nullptr) + kStopWaitSeconds;
        }
      }
    }
    if (!(p[1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    std::string bytes;
    io::UniqueFd msg_fd;
    auto got = RecvPacket(sock, kMaxPacket, &bytes, &msg_fd);
    if (!got.ok() || !*got) {
      queue_open = false;
      deadline = time(nullptr) + kStopWaitSeconds;
      if (!stopping) Log("queue connection closed");
      continue;
    }
    io::Record r;
    if (!io::DecodeOneRecord(bytes, &r, kMaxPacket) || r.type != kRecDeliver ||
        r.fields.size() != 5 || !msg_fd.valid()) {
      Log("bad delivery request from the queue process: exiting");
      return 1;
    }
    const std::string& req = r.fields[0];
    const config::User* user = FindUser(ctx.settings, r.fields[1]);
    if (user == nullptr || !local::IsValidMaildirKey(r.fields[2])) {
      SendResult(sock, req, "perm", "no such local user: " + r.fields[1]);
      continue;
    }
    // Whose mailbox is it?
    std::string box = MailboxPath(".", user->name).substr(2);
    Ids ids{getuid(), getgid()};
    if (ctx.root) {
      ids = ctx.mail_ids;
      struct stat sb{};
      if (lstat(box.c_str(), &sb) == 0) {
        if (sb.st_uid != 0) {
          ids.uid = sb.st_uid;
          auto known = owner_gid.find(sb.st_uid);
          if (known == owner_gid.end()) {
            passwd* pw = getpwuid(sb.st_uid);
            known = owner_gid.emplace(sb.st_uid, pw ? pw->pw_gid : sb.st_gid).first;
          }
          ids.gid = known->second;
        }
      } else {
        config::Settings one = ctx.settings;
        one.users = {*user};
        io::Status st = InitHome(ctx.home, one, false);
        if (!st.ok()) {
          SendResult(sock, req, "temp", "cannot create mailbox: " + st.ToString());
          continue;
        }
      }
    }
    pid_t pid = fork();
    if (pid < 0) {
      SendResult(sock, req, "temp", std::string("fork: ") + strerror(errno));
      continue;
    }
    if (pid == 0) {
      sigprocmask(SIG_SETMASK, &old, nullptr);
      close(sfd);
      _exit(DeliverChild(ctx, sock, r, msg_fd.get(), *user, ids));
    }
    children[pid] = req;
  }
}

}  // namespace mta::server
