// queue_proc.cc: the refmta-queue process: the only writer of DIR/queue, and the local
// delivery scheduler.
//
// Commit: every submit record that is available in one loop turn (from any number of SMTP
// sessions) is committed as one QueueStore::CommitBatch (group commit: two flush rounds for
// the whole batch); each session is answered only after that batch is durable, so the SMTP
// process never says 250 early. Removals of delivered messages share those flushes.
// Scheduling: for each pending recipient, ResolveLocal decides: local users are delivered
// through lspawn (message passed as an open descriptor; idempotent Maildir key
// "<queue id>R<recipient index>"); recipients that are not local, unknown local users
// accepted under unknown_recipient=accept, and alias forwards to remote addresses stay
// pending in the queue for the sending side, with last_error saying why. A message whose
// recipients are all delivered is removed; failed recipients keep the message for the
// bounce engine.
// The process runs with DIR as its working directory and uses relative paths.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <deque>
#include <map>
#include <set>

#include "mta/io/record.h"
#include "mta/queue/envelope.h"
#include "mta/queue/queue_store.h"
#include "mta/server/context.h"
#include "mta/server/log.h"

namespace mta::server {
namespace {

constexpr size_t kMaxInFlight = 64;
constexpr int kStopWaitSeconds = 10;

int64_t Now() { return static_cast<int64_t>(time(nullptr)); }

struct Msg {
  queue::Envelope env;
  std::set<size_t> busy;    // recipients queued or in flight
  std::set<size_t> parked;  // left for the sending side (until restart)
  bool changed = false;     // envelope differs from disk
};

struct RcptJob {
  std::string id;
  size_t rcpt = 0;
  int outstanding = 0;
  bool temp = false, perm = false;
  std::string error;
  std::string park_reason;  // remote forwards after local delivery
};

class QueueProc {
 public:
  QueueProc(ServerContext& ctx, int smtpd_fd, int lspawn_fd)
      : ctx_(ctx), store_("."), smtpd_fd_(smtpd_fd), lspawn_fd_(lspawn_fd),
        dec_(MaxSubmitRecord(ctx.settings)) {}
  int Run();

 private:
  void ReadSubmissions();
  void CommitAll(std::vector<io::Record>& recs);
  void Reply(const std::string& req, const char* status, const std::string& text);
  void ReadResults();
  void Schedule();
  void Dispatch(const std::string& id, size_t rcpt);
  void FinishJob(uint64_t job_id);
  void Settle(const std::string& id);
  void FlushRemovals();
  std::string Qualify(const std::string& addr) const;

  ServerContext& ctx_;
  queue::QueueStore store_;
  int smtpd_fd_, lspawn_fd_;
  io::RecordDecoder dec_;
  bool smtpd_open_ = true;
  bool lspawn_broken_ = false;
  bool stopping_ = false;
  std::map<std::string, Msg> msgs_;
  std::deque<std::pair<std::string, size_t>> ready_;
  std::map<uint64_t, RcptJob> jobs_;        // job id -> state
  std::map<uint64_t, uint64_t> req_to_job_;  // lspawn request id -> job id
  uint64_t next_job_ = 1, next_req_ = 1;
  size_t inflight_ = 0;
  int64_t next_scan_ = 0;
  // Fully delivered ids whose queue entries are still to be removed: they ride along with
  // the next commit (sharing its fsync of env/) or are removed together in the next turn.
  std::vector<std::string> done_;
};

std::string QueueProc::Qualify(const std::string& addr) const {
  if (addr.find('@') != std::string::npos) return addr;
  return addr + "@" + ctx_.settings.hostname;  // RFC 5321 4.5.1 "Postmaster" without domain
}

int QueueProc::Run() {
  if (io::Status st = store_.Init(); !st.ok()) {
    Log("queue init: ", st.ToString());
    return 1;
  }
  auto lock = store_.AcquireWriterLock();
  if (!lock.ok()) {
    Log("queue lock: ", lock.status().ToString(), " (another refmta running?)");
    return 1;
  }
  auto rep = store_.Recover();
  if (!rep.ok()) {
    Log("recovery failed: ", rep.status().ToString());
    return 1;
  }
  Log("recovered queue: ", rep->committed, " message(s), ", rep->removed_tmp.size(),
      " partial file(s) and ", rep->removed_messages.size(),
      " uncommitted message(s) removed, ", rep->quarantined.size(), " quarantined");
  for (const std::string& q : rep->quarantined) Log("quarantined ", q, " to queue/bad/");
  auto ids = store_.List();
  if (!ids.ok()) {
    Log("queue list: ", ids.status().ToString());
    return 1;
  }
  for (const std::string& id : *ids) {
    auto env = store_.Load(id);
    if (!env.ok()) {
      Log("cannot load ", id, ": ", env.status().ToString());
      continue;
    }
    msgs_[id].env = std::move(*env);
  }

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  int64_t stop_deadline = 0;
  Schedule();
  for (;;) {
    if (stopping_ && (inflight_ == 0 || Now() >= stop_deadline)) {
      FlushRemovals();
      Log("stopped", inflight_ ? " (deliveries still running are retried on restart)" : "");
      return 0;
    }
    if (lspawn_broken_) return stopping_ ? 0 : 1;
    pollfd p[3] = {{sfd, POLLIN, 0}, {smtpd_open_ ? smtpd_fd_ : -1, POLLIN, 0},
                   {lspawn_fd_, POLLIN, 0}};
    int r = poll(p, 3, done_.empty() ? 1000 : 0);
    if (r < 0 && errno != EINTR) {
      Log("poll: ", strerror(errno));
      return 1;
    }
    if (p[0].revents) {
      signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        if (!stopping_) Log("signal ", si.ssi_signo, ": stopping after ", inflight_,
                            " delivery(ies) in flight");
        stopping_ = true;
        stop_deadline = Now() + kStopWaitSeconds;
      }
    }
    if (p[1].revents) ReadSubmissions();
    FlushRemovals();  // those that no commit took along
    if (p[2].revents) ReadResults();
    if (!stopping_) Schedule();
  }
}

void QueueProc::ReadSubmissions() {
  std::vector<io::Record> recs;
  char buf[65536];
  for (;;) {
    ssize_t n = recv(smtpd_fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      dec_.Feed(std::string_view(buf, static_cast<size_t>(n)));
      io::Record r;
      io::RecordDecoder::State st;
      while ((st = dec_.Next(&r)) == io::RecordDecoder::State::kRecord) recs.push_back(std::move(r));
      if (st == io::RecordDecoder::State::kError) {
        Log("malformed record from smtpd (", io::RecordErrorName(dec_.error()), "): closing");
        smtpd_open_ = false;
        break;
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (!stopping_) Log("smtpd connection closed");
    smtpd_open_ = false;
    break;
  }
  if (!recs.empty()) CommitAll(recs);
}

void QueueProc::Reply(const std::string& req, const char* status, const std::string& text) {
  if (!smtpd_open_) return;
  io::Status st = io::WriteAll(smtpd_fd_, io::EncodeRecord(kRecSubmitReply, {req, status, text}));
  if (!st.ok()) smtpd_open_ = false;
}

void QueueProc::CommitAll(std::vector<io::Record>& recs) {
  std::vector<queue::Envelope> envs;
  std::vector<size_t> which;
  envs.reserve(recs.size());
  for (size_t i = 0; i < recs.size(); ++i) {
    const io::Record& r = recs[i];
    if (r.type != kRecSubmit || r.fields.size() != 3) {
      Log("bad submit record");
      smtpd_open_ = false;
      return;
    }
    auto env = queue::ParseEnvelope(r.fields[1]);
    if (!env || env->recipients.empty()) {
      Reply(r.fields[0], "perm", "malformed envelope");
      continue;
    }
    envs.push_back(std::move(*env));
    which.push_back(i);
  }
  std::vector<queue::PendingMessage> batch;
  for (size_t k = 0; k < envs.size(); ++k) batch.push_back({&envs[k], recs[which[k]].fields[2]});
  io::Status removed;
  std::vector<std::string> gone = std::move(done_);
  done_.clear();
  auto results = store_.CommitBatch(batch, gone, &removed);
  if (!removed.ok()) Log("remove: ", removed.ToString());
  for (const std::string& id : gone) Log("done ", id);
  // Only now are the messages durable: answer every session of the batch.
  for (size_t k = 0; k < results.size(); ++k) {
    const io::Record& r = recs[which[k]];
    if (!results[k].ok()) {
      Log("commit failed: ", results[k].status().ToString());
      Reply(r.fields[0], "temp", "queue write failed");
      continue;
    }
    const std::string& id = *results[k];
    std::string rcpts;
    for (const auto& rc : envs[k].recipients) rcpts += " <" + rc.address + ">";
    Log("committed ", id, " from <", envs[k].sender, "> to", rcpts, " size ",
        r.fields[2].size(), " (batch of ", results.size(), ")");
    Reply(r.fields[0], "ok", id);
    envs[k].id = id;
    if (envs[k].arrival_time == 0) envs[k].arrival_time = Now();
    msgs_[id].env = std::move(envs[k]);
    for (size_t i = 0; i < msgs_[id].env.recipients.size(); ++i) {
      msgs_[id].busy.insert(i);
      ready_.emplace_back(id, i);
    }
  }
}

void QueueProc::Schedule() {
  int64_t now = Now();
  if (now >= next_scan_) {
    next_scan_ = now + 1;
    for (auto& [id, m] : msgs_) {
      for (size_t i = 0; i < m.env.recipients.size(); ++i) {
        const queue::Recipient& r = m.env.recipients[i];
        if (r.state != queue::RcptState::kPending || m.busy.count(i) || m.parked.count(i))
          continue;
        if (r.next_attempt > now) continue;
        m.busy.insert(i);
        ready_.emplace_back(id, i);
      }
    }
  }
  while (!ready_.empty() && inflight_ < kMaxInFlight && !lspawn_broken_) {
    auto [id, rcpt] = ready_.front();
    ready_.pop_front();
    Dispatch(id, rcpt);
  }
}

void QueueProc::Dispatch(const std::string& id, size_t rcpt) {
  auto it = msgs_.find(id);
  if (it == msgs_.end()) return;
  Msg& m = it->second;
  queue::Recipient& r = m.env.recipients[rcpt];
  std::string addr = Qualify(r.address);
  local::Resolution res = local::ResolveLocal(addr, ctx_.local);
  auto park = [&](const std::string& why) {
    m.busy.erase(rcpt);
    m.parked.insert(rcpt);
    Log("left ", id, " <", r.address, "> in the queue: ", why);
    if (r.last_error != why) {
      r.last_error = why;
      m.changed = true;
    }
    Settle(id);
  };
  if (res.status == local::ResolveStatus::kNotLocal) {
    park(ctx_.settings.smarthost.empty() ? "remote recipient: awaiting remote delivery"
                                         : "remote recipient: awaiting relay via " +
                                               ctx_.settings.smarthost);
    return;
  }
  std::vector<const local::LocalTarget*> users;
  std::string forwards;
  for (const local::LocalTarget& t : res.targets) {
    if (t.user.empty()) forwards += (forwards.empty() ? "" : ", ") + t.address;
    else users.push_back(&t);
  }
  if (res.status == local::ResolveStatus::kNotFound || (users.empty() && forwards.empty())) {
    // RFC 5321 4.5.1: postmaster must always be deliverable; use the first user.
    if (local::AsciiLower(addr.substr(0, addr.rfind('@'))) == "postmaster" &&
        !ctx_.settings.users.empty()) {
      static local::LocalTarget pm;
      pm.user = local::AsciiLower(ctx_.settings.users.front().name);
      users.push_back(&pm);
    } else {
      park("unknown local recipient: awaiting a bounce");
      return;
    }
  }
  uint64_t job_id = next_job_++;
  RcptJob& job = jobs_[job_id];
  job.id = id;
  job.rcpt = rcpt;
  if (!forwards.empty()) job.park_reason = "alias forward to " + forwards + ": awaiting remote delivery";
  std::string dt = addr;
  if (auto at = dt.rfind('@'); at != std::string::npos)
    dt = dt.substr(0, at + 1) + local::AsciiLower(dt.substr(at + 1));
  std::string key = id + "R" + std::to_string(rcpt);
  for (const local::LocalTarget* t : users) {
    auto fd = io::OpenFile(store_.MessagePath(id), O_RDONLY);
    if (!fd.ok()) {
      job.temp = true;
      job.error = fd.status().ToString();
      continue;
    }
    uint64_t req = next_req_++;
    io::Status st = SendPacket(lspawn_fd_, io::EncodeRecord(kRecDeliver, {std::to_string(req), t->user,
                                                            key, m.env.sender, dt}), fd->get());
    if (!st.ok()) {
      Log("lspawn: ", st.ToString());
      lspawn_broken_ = true;
      job.temp = true;
      job.error = "local delivery process unavailable";
      continue;
    }
    req_to_job_[req] = job_id;
    job.outstanding++;
    inflight_++;
  }
  if (job.outstanding == 0) FinishJob(job_id);
}

void QueueProc::ReadResults() {
  for (;;) {
    std::string bytes;
    io::UniqueFd fd;
    auto got = [&] {
      int fl = fcntl(lspawn_fd_, F_GETFL);
      fcntl(lspawn_fd_, F_SETFL, fl | O_NONBLOCK);
      auto r = RecvPacket(lspawn_fd_, kMaxPacket, &bytes, &fd);
      fcntl(lspawn_fd_, F_SETFL, fl);
      return r;
    }();
    if (!got.ok()) {
      if (got.status().code() == EAGAIN || got.status().code() == EWOULDBLOCK) return;
      Log("lspawn: ", got.status().ToString());
      lspawn_broken_ = true;
      return;
    }
    if (!*got) {
      if (!stopping_) Log("lspawn connection closed");
      lspawn_broken_ = true;
      return;
    }
    io::Record r;
    if (!io::DecodeOneRecord(bytes, &r, kMaxPacket) || r.type != kRecDeliverResult ||
        r.fields.size() != 3) {
      Log("bad record from lspawn");
      lspawn_broken_ = true;
      return;
    }
    uint64_t req = std::strtoull(r.fields[0].c_str(), nullptr, 10);
    auto it = req_to_job_.find(req);
    if (it == req_to_job_.end()) continue;
    uint64_t job_id = it->second;
    req_to_job_.erase(it);
    inflight_--;
    RcptJob& job = jobs_[job_id];
    const std::string& status = r.fields[1];
    if (status == "temp") {
      job.temp = true;
      job.error = r.fields[2];
    } else if (status == "perm") {
      job.perm = true;
      job.error = r.fields[2];
    }
    Log(status == "ok" ? "delivered " : status == "dup" ? "already delivered " : "delivery failed ",
        job.id, " R", job.rcpt, ": ", r.fields[2]);
    if (--job.outstanding == 0) FinishJob(job_id);
  }
}

void QueueProc::FinishJob(uint64_t job_id) {
  RcptJob job = std::move(jobs_[job_id]);
  jobs_.erase(job_id);
  auto it = msgs_.find(job.id);
  if (it == msgs_.end()) return;
  Msg& m = it->second;
  queue::Recipient& r = m.env.recipients[job.rcpt];
  m.busy.erase(job.rcpt);
  m.changed = true;
  if (job.perm) {
    r.state = queue::RcptState::kFailed;
    r.last_error = job.error;
    r.attempts++;
  } else if (job.temp) {
    r.attempts++;
    r.last_error = job.error;
    int64_t backoff = std::min<int64_t>(3600, int64_t{30} << std::min<uint32_t>(r.attempts - 1, 7));
    r.next_attempt = Now() + backoff;
  } else if (!job.park_reason.empty()) {
    r.last_error = job.park_reason;
    m.parked.insert(job.rcpt);
  } else {
    r.state = queue::RcptState::kDelivered;
    r.last_error.clear();
  }
  Settle(job.id);
}

void QueueProc::Settle(const std::string& id) {
  auto it = msgs_.find(id);
  if (it == msgs_.end()) return;
  Msg& m = it->second;
  if (!m.busy.empty() || !m.changed) return;  // wait for the rest of this message
  bool all_delivered = true;
  for (const auto& r : m.env.recipients)
    if (r.state != queue::RcptState::kDelivered) all_delivered = false;
  if (all_delivered) {
    // Removed in a batch (FlushRemovals or the next commit); losing that to a crash only
    // repeats deliveries, which the keyed Maildir check turns into no-ops.
    done_.push_back(id);
    msgs_.erase(it);
    return;
  }
  io::Status st = store_.UpdateEnvelope(id, m.env);
  if (!st.ok()) Log("update ", id, ": ", st.ToString());
  m.changed = false;
}

void QueueProc::FlushRemovals() {
  if (done_.empty()) return;
  std::vector<std::string> gone = std::move(done_);
  done_.clear();
  io::Status st = store_.RemoveBatch(gone);
  if (!st.ok()) Log("remove: ", st.ToString());
  for (const std::string& id : gone) Log("done ", id);
}

}  // namespace

int RunQueue(ServerContext& ctx, int smtpd_fd, int lspawn_fd) {
  QueueProc q(ctx, smtpd_fd, lspawn_fd);
  return q.Run();
}

}  // namespace mta::server
