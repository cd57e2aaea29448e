// lspawn.cc: the refmta-lspawn process (stays root, as qmail-lspawn): it hands each
// delivery request from the queue to a long-lived delivery worker that runs as the mailbox
// owner (one worker per owner uid/gid, forked on first use, closed after 30 s idle).
//
// The mailbox of user U is DIR/mail/U (a Maildir, or an mbox file for users configured
// ":mbox"). The worker runs as the owner of that mailbox, or as mail_user when the owner is
// root or the mailbox does not exist yet (then it is created for mail_user). The message
// arrives as an open descriptor of the queue file, so the worker never needs access to the
// queue. Checks before writing: the hop limit (counted as smtpd counts: hop_count,
// hop_limit) and the Delivered-To loop (qmail-local's rule; delivered_to_check). Maildir
// deliveries are idempotent by the key "<queue id>R<recipient index>", so a crash between
// delivery and the queue's update never produces a duplicate.
//
// A worker takes every request waiting on its socket (up to kBatchMax or kBatchBytes),
// delivers them together with local::WriteMaildirBatch (one parallel fsync of the files,
// one fsync of each new/), and only then answers each one: a result "ok" always means the
// file and its new/ entry are durable. lspawn forwards the results to the queue and keeps
// each worker's outstanding requests: a worker that dies has them answered "temp".
//   lspawn <-> worker (SOCK_SEQPACKET): the queue's 'D' records + message fd, and 'R'.
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "mta/io/record.h"
#include "mta/lib/message/header.h"
#include "mta/local/loops.h"
#include "mta/local/maildir.h"
#include "mta/local/mbox.h"
#include "mta/server/context.h"
#include "mta/server/home.h"
#include "mta/server/log.h"
#include "mta/server/signals.h"

namespace mta::server {
namespace {

constexpr size_t kMaxWorkers = 32;        // distinct mailbox owners delivering at once
constexpr size_t kMaxOutstanding = 256;   // requests handed to workers, not yet answered
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

struct Prepared {
  std::string req;
  bool maildir = false;
  size_t item = 0;            // index into the batch's MaildirItems
  const char* status = "";    // set when already answered (mbox, error)
  std::string text;
};

// One request as the mailbox owner: checks, then either a finished result (mbox, refusal,
// error) or a MaildirItem for the batch.
Prepared PrepareOne(const ServerContext& ctx, const io::Record& r, int msg_fd,
                    std::vector<local::MaildirItem>* items) {
  Prepared p;
  p.req = r.fields[0];
  auto done = [&](const char* st, std::string text) {
    p.status = st;
    p.text = std::move(text);
    return p;
  };
  const config::User* user = FindUser(ctx.settings, r.fields[1]);
  if (user == nullptr) return done("perm", "no such local user: " + r.fields[1]);
  std::string msg;
  struct stat sb{};
  if (fstat(msg_fd, &sb) != 0 || lseek(msg_fd, 0, SEEK_SET) < 0)
    return done("temp", std::string("message file: ") + strerror(errno));
  auto got = io::ReadFull(msg_fd, static_cast<size_t>(sb.st_size), &msg);
  if (!got.ok()) return done("temp", got.status().ToString());
  const std::string& key = r.fields[2];
  const std::string& return_path = r.fields[3];
  const std::string& delivered_to = r.fields[4];
  const config::Settings& s = ctx.settings;
  // RFC 5321 6.3 (F1): hops counted by smtpd's rule (hop_count) and limit (hop_limit). The
  // first field is the Received line this host prepended; smtpd counted the hops before it,
  // so a message it accepted is not refused here.
  std::uint64_t hops = HopsBeforeUs(msg, s.hop_count);
  if (hops > s.hop_limit)
    return done("perm", "5.4.6 too many hops (" + std::to_string(hops) + "): mail loop");
  // F2: qmail-local's Delivered-To rule, unless delivered_to_check is off.
  local::LoopCheck loop = local::CheckLoops(msg, delivered_to, SIZE_MAX);
  if (loop.status == local::LoopStatus::kDeliveredToLoop && s.delivered_to_check)
    return done("perm", "5.4.6 Delivered-To: " + delivered_to + " already present: mail loop");
  // RFC 5321 4.4: "exactly one return path SHOULD be present when the message is delivered";
  // "SMTP servers making final delivery MAY remove Return-path header fields before adding
  // their own." (H2; qmail-local keeps them: return_path_remove off.)
  if (s.return_path_remove) message::RemoveFields(&msg, "Return-Path");
  std::string box = MailboxPath(".", user->name).substr(2);  // relative to DIR (the cwd)
  if (user->format == config::MailboxFormat::kMbox) {
    io::Status st = local::DeliverMbox(box, msg, return_path, delivered_to, time(nullptr));
    if (!st.ok()) return done("temp", st.ToString());
    return done("ok", "mbox " + box);
  }
  if (io::Status st = local::EnsureMaildir(box); !st.ok()) return done("temp", st.ToString());
  std::string content = local::DeliveryHeaders(return_path, delivered_to);
  content += local::CrlfToLf(msg);
  p.maildir = true;
  p.item = items->size();
  items->push_back({std::move(box), std::move(content), key});
  return p;
}

constexpr size_t kBatchMax = 64;
constexpr size_t kBatchBytes = 16 << 20;

// The worker: runs as the mailbox owner until lspawn closes its socket.
int RunWorker(const ServerContext& ctx, int sock, const Ids& ids) {
  if (ctx.root) {
    if (io::Status st = DropPrivileges(ids); !st.ok()) {
      Log("cannot change uid to ", ids.uid, ": ", st.ToString());
      return 1;  // lspawn answers the requests "temp"
    }
  }
  SetProcessRole("local");
  DieWithParent();
  for (;;) {
    std::vector<Prepared> preps;
    std::vector<local::MaildirItem> items;
    size_t bytes_in = 0;
    while (preps.size() < kBatchMax && bytes_in < kBatchBytes) {
      if (!preps.empty()) {  // more only while more are already waiting
        pollfd pf{sock, POLLIN, 0};
        if (poll(&pf, 1, 0) <= 0 || !(pf.revents & POLLIN)) break;
      }
      std::string bytes;
      io::UniqueFd msg_fd;
      auto got = RecvPacket(sock, kMaxPacket, &bytes, &msg_fd);
      if (!got.ok()) return 1;
      if (!*got) {
        if (preps.empty()) return 0;  // closed by lspawn: done
        break;
      }
      io::Record r;
      if (!io::DecodeOneRecord(bytes, &r, kMaxPacket) || r.type != kRecDeliver ||
          r.fields.size() != 5 || !msg_fd.valid())
        return 1;
      size_t before = items.size();
      preps.push_back(PrepareOne(ctx, r, msg_fd.get(), &items));
      if (items.size() > before) bytes_in += items.back().content.size();
    }
    std::vector<io::Result<local::MaildirResult>> res;
    if (!items.empty()) res = local::WriteMaildirBatch(items);
    for (Prepared& p : preps) {
      if (p.maildir) {
        const auto& r = res[p.item];
        if (!r.ok()) {
          p.status = "temp";
          p.text = r.status().ToString();
        } else {
          p.status = r->outcome == local::MaildirOutcome::kAlreadyDelivered ? "dup" : "ok";
          p.text = r->path;
        }
      }
      if (!SendPacket(sock, io::EncodeRecord(kRecDeliverResult, {p.req, p.status, p.text})).ok())
        return 1;
    }
  }
}

struct Worker {
  pid_t pid = -1;
  io::UniqueFd sock;               // lspawn's end (non-blocking)
  std::set<std::string> reqs;      // request ids sent, not yet answered
  int64_t last_used = 0;
};

}  // namespace

int RunLspawn(ServerContext& ctx, int sock) {
  SignalFd sig({SIGTERM, SIGINT, SIGHUP, SIGCHLD});
  const int sfd = sig.fd();
  using Key = std::pair<uid_t, gid_t>;
  std::map<Key, Worker> workers;
  std::set<pid_t> alive;  // forked workers not yet reaped
  // Primary gid of each mailbox owner, looked up once (not a read of /etc/passwd per
  // delivery); a restart picks up changes.
  std::map<uid_t, gid_t> owner_gid;
  bool stopping = false, queue_open = true;
  int64_t deadline = 0;
  auto outstanding = [&] {
    size_t n = 0;
    for (auto& [k, w] : workers) n += w.reqs.size();
    return n;
  };
  // A worker that is gone: its unanswered requests become temporary failures.
  auto drop = [&](std::map<Key, Worker>::iterator it, const char* why) {
    if (!it->second.reqs.empty())
      Log("delivery worker ", it->second.pid, " ", why, " with ", it->second.reqs.size(),
          " delivery(ies) unanswered");
    for (const std::string& req : it->second.reqs)
      SendResult(sock, req, "temp", "delivery process crashed");
    workers.erase(it);
  };
  for (;;) {
    // Reap.
    for (;;) {
      int status = 0;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      alive.erase(pid);
      if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        Log("delivery worker ", pid, " failed (status ", status, ")");
      for (auto it = workers.begin(); it != workers.end(); ++it)
        if (it->second.pid == pid) {
          drop(it, "exited");
          break;
        }
    }
    int64_t now = time(nullptr);
    // Idle workers (and all of them once stopping with nothing left) are closed: EOF
    // makes a worker exit.
    bool closing = (stopping || !queue_open) && outstanding() == 0;
    for (auto it = workers.begin(); it != workers.end();) {
      if (it->second.reqs.empty() && (closing || now - it->second.last_used >= 30))
        it = workers.erase(it);
      else
        ++it;
    }
    if ((stopping || !queue_open) && ((workers.empty() && alive.empty()) || now >= deadline)) {
      Log("stopped");
      return 0;
    }
    bool can_take = !stopping && queue_open && outstanding() < kMaxOutstanding;
    std::vector<pollfd> p = {{sfd, POLLIN, 0}, {can_take ? sock : -1, POLLIN, 0}};
    std::vector<Key> keys;
    for (auto& [k, w] : workers) {
      p.push_back({w.sock.get(), POLLIN, 0});
      keys.push_back(k);
    }
    int n = poll(p.data(), p.size(), 1000);
    if (n < 0 && errno != EINTR) return 1;
    if (p[0].revents) {
      for (int signo : sig.Drain()) {
        if (signo != SIGCHLD && !stopping) {
          Log("signal ", signo, ": stopping after ", outstanding(), " delivery(ies)");
          stopping = true;
          deadline = time(nullptr) + kStopWaitSeconds;
        }
      }
    }
    // Results from the workers, forwarded to the queue.
    for (size_t i = 2; i < p.size(); ++i) {
      if (!p[i].revents) continue;
      auto it = workers.find(keys[i - 2]);
      if (it == workers.end()) continue;
      for (;;) {
        std::string bytes;
        io::UniqueFd junk;
        auto got = RecvPacket(it->second.sock.get(), kMaxPacket, &bytes, &junk);
        if (!got.ok() && (got.status().code() == EAGAIN || got.status().code() == EWOULDBLOCK))
          break;
        io::Record r;
        if (!got.ok() || !*got || !io::DecodeOneRecord(bytes, &r, kMaxPacket) ||
            r.type != kRecDeliverResult || r.fields.size() != 3 ||
            !it->second.reqs.count(r.fields[0])) {
          drop(it, got.ok() && *got ? "sent a bad record" : "closed its socket");
          break;
        }
        it->second.reqs.erase(r.fields[0]);
        SendPacket(sock, bytes);
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
    Key key{ids.uid, ids.gid};
    auto wit = workers.find(key);
    if (wit == workers.end()) {
      if (workers.size() >= kMaxWorkers) {  // make room: close an idle one
        for (auto it = workers.begin(); it != workers.end(); ++it)
          if (it->second.reqs.empty()) {
            workers.erase(it);
            break;
          }
      }
      int sv[2];
      if (workers.size() >= kMaxWorkers ||
          socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        SendResult(sock, req, "temp", "no delivery process available");
        continue;
      }
      pid_t pid = fork();
      if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        SendResult(sock, req, "temp", std::string("fork: ") + strerror(errno));
        continue;
      }
      if (pid == 0) {
        // The worker keeps only its own socket: not the queue's, nor other workers'.
        sig.RestoreMaskInChild();
        close(sock);
        close(sv[0]);
        msg_fd.reset();
        for (auto& [k, w] : workers) w.sock.reset();
        _exit(RunWorker(ctx, sv[1], ids));
      }
      close(sv[1]);
      SetNonBlocking(sv[0]);
      alive.insert(pid);
      Worker& w = workers[key];
      w.pid = pid;
      w.sock.reset(sv[0]);
      wit = workers.find(key);
    }
    Worker& w = wit->second;
    if (io::Status st = SendPacket(w.sock.get(), bytes, msg_fd.get()); !st.ok()) {
      SendResult(sock, req, "temp", "delivery process busy: " + st.ToString());
      continue;
    }
    w.reqs.insert(req);
    w.last_used = time(nullptr);
  }
}

}  // namespace mta::server
