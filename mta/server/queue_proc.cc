// queue_proc.cc: the refmta-queue process: the only writer of DIR/queue, and the local
// delivery scheduler.
//
// Commit: every submit record that is available in one loop turn (from any number of SMTP
// sessions) is committed as one QueueStore::CommitBatch (group commit: two flush rounds for
// the whole batch); each session is answered only after that batch is durable, so the SMTP
// process never says 250 early. Removals of delivered messages share those flushes.
// Scheduling: for each pending recipient, ResolveLocal decides: local users are delivered
// through lspawn (message passed as an open descriptor; idempotent Maildir key
// "<queue id>R<recipient index>"; retried with backoff 30 s doubling to 1 h, failed with
// 4.4.7 after queue_lifetime); recipients that are not local go to the mta/sched Scheduler
// (retry_policy, concurrency_*, recipients_per_transaction), which hands out jobs sent to
// refmta-remote as 'T' records with the message descriptor; each 'U' result goes back to the
// Scheduler. Unknown local users accepted under unknown_recipient=accept fail with 5.1.1
// (qmail's backscatter, disputed-points D1). Alias forwards to remote addresses (qmail-local's
// forward): once the alias's local users (if any) have their copies, a new message from the
// same envelope sender to the forward addresses, "Delivered-To: <alias>" on top, is committed
// and scheduled like any other (remote path); a message already carrying that Delivered-To
// (or over hop_limit) fails 5.4.6 instead.
// Delay warnings (RFC 3461 5.2.5, disputed-points E7): a recipient pending for
// delay_warning_time gets its one "delayed" DSN through the same three steps as report_due
// below (envelope "delay due", the DSN committed, envelope "delay sent").
// Results and notifications (crash consistency):
//   1. the result is written into the envelope (state, attempts, next attempt, last error,
//      status, remote MTA), with report_due set on each recipient whose final state owes a
//      notification (failed; delivered with NOTIFY=SUCCESS); for remote results and owed
//      notifications this write is durable (fsync of the file and of env/) BEFORE anything
//      else is done;
//   2. the notifications (NotificationsFor: RFC 3464 / QSBMF, double bounces per
//      double_bounce) are committed as new queued messages (CommitBatch: durable);
//   3. report_due is cleared in the envelope (durable), or the message is removed when no
//      recipient is pending.
//   A crash before 1 leaves the recipient pending (retried: for a remote recipient the peer
//   may get the message twice, the RFC 5321 6.1 window). A crash between 1 and 2 leaves
//   report_due on disk: Recover makes the notification on start (never lost). A crash
//   between 2 and 3 (one fsync long) makes the notification a second time: the only window
//   for a duplicate bounce.
// Test clock: REFMTA_CLOCK_OFFSET_FILE names a file holding seconds added to the clock of
// this process (arrival times, ids, retries, expiry); it is read at start and at each flush
// (SIGALRM, `refmta flush`), which also makes every pending recipient due now.
// The process runs with DIR as its working directory and uses relative paths.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <deque>
#include <map>
#include <set>

#include <random>

#include "mta/io/file.h"
#include "mta/io/record.h"
#include "mta/local/loops.h"
#include "mta/queue/envelope.h"
#include "mta/queue/queue_store.h"
#include "mta/sched/scheduler.h"
#include "mta/server/context.h"
#include "mta/server/log.h"
#include "mta/server/sending.h"
#include "mta/server/signals.h"

namespace mta::server {
namespace {

constexpr size_t kMaxInFlight = 64;
constexpr int kStopWaitSeconds = 10;

// Seconds added to the clock (test facility, REFMTA_CLOCK_OFFSET_FILE).
int64_t g_clock_offset = 0;

void ReadClockOffset() {
  const char* path = getenv("REFMTA_CLOCK_OFFSET_FILE");
  if (path == nullptr || *path == '\0') return;
  std::string text;
  if (!io::ReadFileToString(path, &text).ok()) return;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str()) return;
  if (v != g_clock_offset) Log("test clock: offset ", v, " s");
  g_clock_offset = v;
}

int64_t Now() { return static_cast<int64_t>(time(nullptr)) + g_clock_offset; }
int64_t NowMicros() { return queue::RealMicros() + g_clock_offset * 1000000; }

bool HasSuccess(const std::string& notify) {
  std::string n = local::AsciiLower(notify);
  return n.find("success") != std::string::npos;
}

// "5.4.6 text" -> "5.4.6"; `fallback` when the text has no RFC 3463 code in front.
std::string StatusOf(const std::string& text, const char* fallback) {
  if (text.size() >= 5 && (text[0] == '2' || text[0] == '4' || text[0] == '5') && text[1] == '.') {
    size_t sp = text.find(' ');
    std::string code = text.substr(0, sp);
    if (code.size() <= 11 && code.find_first_not_of("0123456789.") == std::string::npos) return code;
  }
  return fallback;
}

// The Delivered-To value for a local address: the domain lower-cased (qmail-local).
std::string DeliveredTo(const std::string& addr) {
  std::string dt = addr;
  if (auto at = dt.rfind('@'); at != std::string::npos)
    dt = dt.substr(0, at + 1) + local::AsciiLower(dt.substr(at + 1));
  return dt;
}

struct Msg {
  queue::Envelope env;
  std::set<size_t> busy;    // local recipients queued or in flight
  std::set<size_t> parked;  // left in the queue (not local after all; until restart)
  std::set<size_t> remote;  // recipients of the remote channel (in the Scheduler)
  size_t remote_jobs = 0;   // remote jobs in flight
  bool changed = false;     // envelope differs from disk
};

struct RcptJob {
  std::string id;
  size_t rcpt = 0;
  int outstanding = 0;
  bool temp = false, perm = false;
  std::string error;
  std::vector<std::string> forwards;  // alias forwards to remote addresses (after the users)
};

class QueueProc {
 public:
  QueueProc(ServerContext& ctx, int smtpd_fd, int lspawn_fd, int remote_fd)
      : ctx_(ctx), store_(".", NowMicros), smtpd_fd_(smtpd_fd), lspawn_fd_(lspawn_fd),
        remote_fd_(remote_fd), dec_(MaxSubmitRecord(ctx.settings)),
        sched_(SchedulerOptionsFor(ctx.settings)), rng_(std::random_device{}()) {}
  int Run();

 private:
  void ReadSubmissions();
  void CommitAll(std::vector<io::Record>& recs);
  void Reply(const std::string& req, const char* status, const std::string& text);
  void ReadResults();
  void Schedule();
  void Dispatch(const std::string& id, size_t rcpt);
  void FinishJob(uint64_t job_id);
  // Queues the alias forward of recipient `rcpt` of `id` to the remote addresses `to`;
  // false with *error ("4.x.x ..." temporary, "5.x.x ..." permanent: a loop) otherwise.
  bool Forward(const std::string& id, size_t rcpt, const std::vector<std::string>& to,
               std::string* error);
  void Settle(const std::string& id, bool durable);
  bool Report(const std::string& id);
  void FlushRemovals();
  std::string Qualify(const std::string& addr) const;
  // Takes a committed or recovered message: its non-local pending recipients go to the
  // Scheduler, the others to the local path.
  void Adopt(const std::string& id, bool schedule_local);
  queue::Envelope RemoteView(const Msg& m) const;
  void DispatchRemote();
  void ReadRemoteResults();
  void ApplyRemote(uint64_t job_id, const std::vector<RemoteRcptResult>& results);
  void Flush();

  ServerContext& ctx_;
  queue::QueueStore store_;
  int smtpd_fd_, lspawn_fd_, remote_fd_;
  io::RecordDecoder dec_;
  sched::Scheduler sched_;
  std::mt19937_64 rng_;
  std::map<uint64_t, sched::Job> remote_jobs_;  // scheduler job id (= 'T' request id)
  bool smtpd_open_ = true;
  bool lspawn_broken_ = false;
  bool remote_broken_ = false;
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
  ReadClockOffset();
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
  std::vector<std::string> loaded;
  for (const std::string& id : *ids) {
    auto env = store_.Load(id);
    if (!env.ok()) {
      Log("cannot load ", id, ": ", env.status().ToString());
      continue;
    }
    msgs_[id].env = std::move(*env);
    loaded.push_back(id);
  }
  // Recover: remote recipients back into the Scheduler (next attempts as stored); owed
  // notifications made now (a crash after the envelope write and before their commit);
  // finished messages whose removal was lost are removed.
  for (const std::string& id : loaded) Adopt(id, false);
  for (const std::string& id : loaded)
    if (msgs_.count(id)) Settle(id, true);

  SignalFd sig({SIGTERM, SIGINT, SIGHUP, SIGALRM});
  const int sfd = sig.fd();
  int64_t stop_deadline = 0;
  Schedule();
  for (;;) {
    if (stopping_ && ((inflight_ == 0 && remote_jobs_.empty()) || Now() >= stop_deadline)) {
      FlushRemovals();
      Log("stopped", inflight_ || !remote_jobs_.empty()
                         ? " (deliveries still running are retried on restart)" : "");
      return 0;
    }
    if (lspawn_broken_ || remote_broken_) return stopping_ ? 0 : 1;
    pollfd p[4] = {{sfd, POLLIN, 0}, {smtpd_open_ ? smtpd_fd_ : -1, POLLIN, 0},
                   {lspawn_fd_, POLLIN, 0}, {remote_fd_, POLLIN, 0}};
    int r = poll(p, 4, done_.empty() ? 1000 : 0);
    if (r < 0 && errno != EINTR) {
      Log("poll: ", strerror(errno));
      return 1;
    }
    if (p[0].revents) {
      for (int signo : sig.Drain()) {
        if (signo == SIGALRM) {
          if (!stopping_) Flush();
          continue;
        }
        if (!stopping_) Log("signal ", signo, ": stopping after ",
                            inflight_ + remote_jobs_.size(), " delivery(ies) in flight");
        stopping_ = true;
        stop_deadline = Now() + kStopWaitSeconds;
      }
    }
    if (p[1].revents) ReadSubmissions();
    FlushRemovals();  // those that no commit took along
    if (p[2].revents) ReadResults();
    if (p[3].revents) ReadRemoteResults();
    if (!stopping_) Schedule();
  }
}

void QueueProc::Flush() {
  ReadClockOffset();
  Log("flush: every pending recipient is due now");
  sched_.Flush();
  for (auto& [id, m] : msgs_)
    for (size_t i = 0; i < m.env.recipients.size(); ++i)
      if (!m.remote.count(i) && m.env.recipients[i].state == queue::RcptState::kPending)
        m.env.recipients[i].next_attempt = 0;
  next_scan_ = 0;
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
    Adopt(id, true);
  }
}

queue::Envelope QueueProc::RemoteView(const Msg& m) const {
  // The Scheduler sees only the remote channel's recipients; the others look finished to it
  // (same indexes, so its jobs and events name envelope recipients directly).
  queue::Envelope v = m.env;
  for (size_t i = 0; i < v.recipients.size(); ++i) {
    if (!m.remote.count(i)) v.recipients[i].state = queue::RcptState::kDelivered;
    else v.recipients[i].address = Qualify(v.recipients[i].address);
  }
  return v;
}

void QueueProc::Adopt(const std::string& id, bool schedule_local) {
  Msg& m = msgs_[id];
  for (size_t i = 0; i < m.env.recipients.size(); ++i) {
    const queue::Recipient& r = m.env.recipients[i];
    if (r.state != queue::RcptState::kPending) continue;
    if (local::ResolveLocal(Qualify(r.address), ctx_.local).status ==
        local::ResolveStatus::kNotLocal) {
      m.remote.insert(i);
    } else if (schedule_local) {
      m.busy.insert(i);
      ready_.emplace_back(id, i);
    }
  }
  if (!m.remote.empty()) sched_.Add(RemoteView(m));
}

void QueueProc::Schedule() {
  int64_t now = Now();
  if (now >= next_scan_) {
    next_scan_ = now + 1;
    // RFC 3461 5.2.5 (disputed-points E7): recipients pending past delay_warning_time are
    // marked as owing their one "delayed" DSN; Settle writes that durably before Report
    // commits the notification (the same three steps as report_due).
    std::set<std::string> owed;
    for (auto& [id, m] : msgs_)
      for (auto& r : m.env.recipients)
        if (DelayWarningWanted(m.env, r, ctx_.settings, now)) {
          r.delay_warning = queue::DelayWarning::kDue;
          m.changed = true;
          owed.insert(id);
        }
    // Notifications whose commit failed earlier (I/O error): try again.
    for (auto& [id, m] : msgs_)
      for (const auto& r : m.env.recipients)
        if ((r.report_due || r.delay_warning == queue::DelayWarning::kDue) && m.busy.empty()) {
          owed.insert(id);
          break;
        }
    for (const std::string& id : owed) Settle(id, true);
    for (auto& [id, m] : msgs_) {
      for (size_t i = 0; i < m.env.recipients.size(); ++i) {
        const queue::Recipient& r = m.env.recipients[i];
        if (r.state != queue::RcptState::kPending || m.busy.count(i) || m.parked.count(i) ||
            m.remote.count(i))
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
  DispatchRemote();
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
    Settle(id, false);
  };
  if (res.status == local::ResolveStatus::kNotLocal) {
    park(ctx_.settings.smarthost.empty() ? "remote recipient: awaiting remote delivery"
                                         : "remote recipient: awaiting relay via " +
                                               ctx_.settings.smarthost);
    return;
  }
  std::vector<const local::LocalTarget*> users;
  std::vector<std::string> forwards;
  for (const local::LocalTarget& t : res.targets) {
    if (t.user.empty()) forwards.push_back(t.address);
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
      // disputed-points D1: accepted at RCPT (unknown_recipient = accept), bounced now.
      m.busy.erase(rcpt);
      r.state = queue::RcptState::kFailed;
      r.status = "5.1.1";
      r.last_error = "5.1.1 unknown local recipient <" + addr + ">";
      r.attempts++;
      r.report_due = true;
      m.changed = true;
      Log("failed ", id, " <", r.address, ">: unknown local recipient");
      Settle(id, true);
      return;
    }
  }
  uint64_t job_id = next_job_++;
  RcptJob& job = jobs_[job_id];
  job.id = id;
  job.rcpt = rcpt;
  job.forwards = std::move(forwards);
  std::string dt = DeliveredTo(addr);
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
  bool final_state = false;
  bool forwarded = false;
  if (!job.perm && !job.temp && !job.forwards.empty()) {
    // The alias's local users (if any) have their copies (keyed: a retry does not repeat
    // them); now its remote forward.
    std::string error;
    if (!Forward(job.id, job.rcpt, job.forwards, &error)) {
      (error[0] == '5' ? job.perm : job.temp) = true;
      job.error = error;
    } else {
      forwarded = true;
    }
  }
  if (job.perm) {
    r.state = queue::RcptState::kFailed;
    r.last_error = job.error;
    r.status = StatusOf(job.error, "5.0.0");
    r.attempts++;
    final_state = true;
  } else if (job.temp) {
    r.attempts++;
    r.last_error = job.error;
    // RFC 5321 4.5.4.1: give up after queue_lifetime (4.4.7, RFC 3463).
    if (Now() >= m.env.arrival_time + static_cast<int64_t>(ctx_.settings.queue_lifetime)) {
      r.state = queue::RcptState::kFailed;
      r.status = "4.4.7";
      final_state = true;
    } else {
      int64_t backoff = std::min<int64_t>(3600, int64_t{30} << std::min<uint32_t>(r.attempts - 1, 7));
      r.next_attempt = Now() + backoff;
    }
  } else {
    r.state = queue::RcptState::kDelivered;
    r.last_error.clear();
    r.status = "2.0.0";
    final_state = HasSuccess(r.notify);  // RFC 3461 5.2.2: a success DSN is asked for
  }
  if (final_state) r.report_due = true;
  // A forward is on disk: its recipient's new state is made durable at once, so a crash
  // repeats the forward only within this one write (as for a notification, step 3).
  Settle(job.id, final_state || forwarded);
}

bool QueueProc::Forward(const std::string& id, size_t rcpt, const std::vector<std::string>& to,
                        std::string* error) {
  Msg& m = msgs_.at(id);
  const queue::Recipient& r = m.env.recipients[rcpt];
  std::string dt = DeliveredTo(Qualify(r.address));
  auto original = store_.LoadMessage(id);
  if (!original.ok()) {
    *error = "4.3.0 forward: " + original.status().ToString();
    return false;
  }
  // F1/F2: the same loop rules as a local delivery (hop count; qmail-local's Delivered-To).
  local::LoopCheck loop = local::CheckLoops(*original, dt, ctx_.settings.hop_limit);
  if (loop.status == local::LoopStatus::kHopCountExceeded) {
    *error = "5.4.6 too many hops (" + std::to_string(loop.hops) + "): mail loop";
    return false;
  }
  if (loop.status == local::LoopStatus::kDeliveredToLoop && ctx_.settings.delivered_to_check) {
    *error = "5.4.6 Delivered-To: " + dt + " already present: mail loop";
    return false;
  }
  // qmail-local's forward: a new message from the same envelope sender to the forward
  // addresses, with "Delivered-To: <alias>" on top (what a returning copy is checked for).
  queue::Envelope f;
  f.sender = m.env.sender;
  f.ret = m.env.ret;
  f.envid = m.env.envid;
  for (const std::string& a : to) {
    queue::Recipient fr;
    fr.address = a;
    fr.notify = r.notify;
    fr.orcpt = r.orcpt;
    f.recipients.push_back(std::move(fr));
  }
  f.arrival_time = Now();
  f.protocol = "local";
  f.helo = ctx_.settings.hostname;
  std::string message = "Delivered-To: " + dt + "\r\n" + *original;
  std::vector<queue::PendingMessage> batch = {{&f, message}};
  auto results = store_.CommitBatch(batch);
  if (results.empty() || !results[0].ok()) {
    *error = "4.3.0 forward: queue write failed";
    return false;
  }
  const std::string& nid = *results[0];
  std::string rcpts;
  for (const std::string& a : to) rcpts += " <" + a + ">";
  Log("forwarded ", id, " <", r.address, "> as ", nid, " from <", f.sender, "> to", rcpts);
  Msg& n = msgs_[nid];
  n.env = std::move(f);
  n.env.id = nid;
  Adopt(nid, true);
  return true;
}

void QueueProc::DispatchRemote() {
  if (remote_broken_ || stopping_) return;
  for (sched::Job& j : sched_.Due(Now())) {
    auto it = msgs_.find(j.message_id);
    if (it == msgs_.end()) {
      sched_.Complete(j.id, {}, Now());
      continue;
    }
    Msg& m = it->second;
    RemoteJob rj;
    rj.req = j.id;
    rj.sender = m.env.sender;
    rj.ret = m.env.ret;
    rj.envid = m.env.envid;
    for (size_t idx : j.recipients) {
      const queue::Recipient& r = m.env.recipients[idx];
      rj.rcpts.push_back({Qualify(r.address), r.notify, r.orcpt});
    }
    m.remote_jobs++;
    remote_jobs_[j.id] = j;
    auto fd = io::OpenFile(store_.MessagePath(j.message_id), O_RDONLY);
    io::Status st = fd.ok() ? SendPacket(remote_fd_, EncodeRemoteJob(rj), fd->get()) : fd.status();
    if (!st.ok()) {
      Log("remote job ", j.message_id, ": ", st.ToString());
      if (fd.ok()) remote_broken_ = true;
      std::vector<RemoteRcptResult> rr(j.recipients.size(),
                                       RemoteRcptResult{"temp", 0, "4.3.0", "", st.ToString(), false});
      ApplyRemote(j.id, rr);
      continue;
    }
    std::string rcpts;
    for (const auto& r : rj.rcpts) rcpts += " <" + r.address + ">";
    Log("remote job ", j.id, ": ", j.message_id, " to", rcpts);
  }
}

void QueueProc::ReadRemoteResults() {
  for (;;) {
    std::string bytes;
    io::UniqueFd fd;
    int fl = fcntl(remote_fd_, F_GETFL);
    fcntl(remote_fd_, F_SETFL, fl | O_NONBLOCK);
    auto got = RecvPacket(remote_fd_, kMaxPacket, &bytes, &fd);
    fcntl(remote_fd_, F_SETFL, fl);
    if (!got.ok()) {
      if (got.status().code() == EAGAIN || got.status().code() == EWOULDBLOCK) return;
      Log("remote: ", got.status().ToString());
      remote_broken_ = true;
      return;
    }
    if (!*got) {
      if (!stopping_) Log("remote connection closed");
      remote_broken_ = true;
      return;
    }
    uint64_t req = 0;
    std::vector<RemoteRcptResult> results;
    if (!DecodeRemoteResult(bytes, &req, &results)) {
      Log("bad record from remote");
      remote_broken_ = true;
      return;
    }
    ApplyRemote(req, results);
  }
}

void QueueProc::ApplyRemote(uint64_t job_id, const std::vector<RemoteRcptResult>& results) {
  auto jit = remote_jobs_.find(job_id);
  if (jit == remote_jobs_.end()) return;
  sched::Job job = std::move(jit->second);
  remote_jobs_.erase(jit);
  std::vector<sched::RecipientResult> rr;
  for (size_t i = 0; i < job.recipients.size() && i < results.size(); ++i)
    rr.push_back(ToSchedulerResult(job.recipients[i], results[i]));
  std::vector<sched::RecipientEvent> events = sched_.Complete(job.id, rr, Now());
  auto it = msgs_.find(job.message_id);
  if (it == msgs_.end()) return;
  Msg& m = it->second;
  if (m.remote_jobs) m.remote_jobs--;
  bool final_state = false;
  std::vector<std::string> lines;
  for (const sched::RecipientEvent& e : events) {
    if (e.recipient >= m.env.recipients.size()) continue;
    queue::Recipient& r = m.env.recipients[e.recipient];
    r.state = e.state;
    r.attempts = e.attempts;
    r.next_attempt = e.next_attempt;
    r.last_error = e.diagnostic;
    r.status = e.status;
    r.remote_mta = e.remote_mta;
    for (size_t i = 0; i < job.recipients.size() && i < results.size(); ++i)
      if (job.recipients[i] == e.recipient) r.relayed = results[i].dsn_relayed;
    std::string what = "deferred ";
    if (e.state == queue::RcptState::kFailed) {
      r.report_due = true;
      what = e.expired ? "expired " : "failed ";
    } else if (e.state == queue::RcptState::kDelivered) {
      r.last_error.clear();
      r.report_due = HasSuccess(r.notify);
      what = "delivered remotely ";
    }
    if (e.state != queue::RcptState::kPending) {
      final_state = true;
      m.remote.erase(e.recipient);
    }
    lines.push_back(what + job.message_id + " <" + r.address + "> via " +
                    (e.remote_mta.empty() ? "-" : e.remote_mta) + ": " + e.status + " " +
                    e.diagnostic);
  }
  m.changed = true;
  // The result is on disk (durably) before the message is removed or a notification queued.
  Settle(job.message_id, true);
  for (const std::string& l : lines) Log(l);  // logged once recorded
  (void)final_state;
}

void QueueProc::Settle(const std::string& id, bool durable) {
  auto it = msgs_.find(id);
  if (it == msgs_.end()) return;
  Msg& m = it->second;
  bool due = false, pending = false;
  for (const auto& r : m.env.recipients) {
    due = due || r.report_due || r.delay_warning == queue::DelayWarning::kDue;
    pending = pending || r.state == queue::RcptState::kPending;
  }
  if (!due && !durable && !m.busy.empty()) return;  // one write when the local deliveries end
  if (!pending && !due && m.busy.empty() && m.remote_jobs == 0) {
    bool remote = false;
    for (const auto& r : m.env.recipients) remote = remote || !r.remote_mta.empty();
    sched_.Remove(id);
    msgs_.erase(it);
    if (durable || remote) {
      // Removed now: a crash must not repeat a remote delivery or a notification.
      io::Status st = store_.Remove(id);
      if (!st.ok()) Log("remove ", id, ": ", st.ToString());
      Log("done ", id);
    } else {
      // Removed in a batch (FlushRemovals or the next commit); losing that to a crash only
      // repeats local deliveries, which the keyed Maildir check turns into no-ops.
      done_.push_back(id);
    }
    return;
  }
  if (m.changed || due) {
    io::Status st = store_.UpdateEnvelope(id, m.env, durable || due);
    if (!st.ok()) {
      Log("update ", id, ": ", st.ToString());
      if (due) return;  // the notification waits until its cause is on disk
    }
    m.changed = false;
  }
  if (due && m.busy.empty()) {
    if (Report(id)) Settle(id, true);
  }
}

bool QueueProc::Report(const std::string& id) {
  Msg& m = msgs_.at(id);
  std::vector<sched::RecipientEvent> events;
  std::vector<bool> relayed(m.env.recipients.size(), false);
  for (size_t i = 0; i < m.env.recipients.size(); ++i) {
    const queue::Recipient& r = m.env.recipients[i];
    // A delay warning owed by a recipient that has since reached its final state is dropped
    // (its failure or success notice, if any, says more).
    bool delayed = !r.report_due && r.delay_warning == queue::DelayWarning::kDue &&
                   r.state == queue::RcptState::kPending;
    if (!r.report_due && !delayed) continue;
    sched::RecipientEvent e;
    e.message_id = id;
    e.recipient = i;
    e.address = r.address;
    e.state = r.state;
    e.give_up_at = m.env.arrival_time + static_cast<int64_t>(ctx_.settings.queue_lifetime);
    e.expired = r.status == "4.4.7";
    e.status = r.status;
    e.diagnostic = r.last_error;
    e.remote_mta = r.remote_mta;
    e.attempts = r.attempts;
    events.push_back(std::move(e));
    relayed[i] = r.relayed;
  }
  auto original = store_.LoadMessage(id);
  if (!original.ok()) {
    Log("notification for ", id, ": ", original.status().ToString());
    return false;
  }
  std::vector<QueuedNotification> notes =
      NotificationsFor(m.env, *original, events, relayed, ctx_.settings, Now(), [this] { return rng_(); });
  std::vector<queue::PendingMessage> batch;
  for (const QueuedNotification& n : notes) batch.push_back({&n.envelope, n.message});
  auto results = store_.CommitBatch(batch);
  for (const auto& r : results)
    if (!r.ok()) {
      Log("notification for ", id, ": commit failed: ", r.status().ToString());
      return false;
    }
  if (notes.empty()) Log("no notification due for ", id, " (NOTIFY or double_bounce)");
  for (size_t k = 0; k < notes.size(); ++k) {
    const std::string& nid = *results[k];
    std::string rcpts;
    for (const auto& rc : notes[k].envelope.recipients) rcpts += " <" + rc.address + ">";
    Log("queued ", bounce::KindName(notes[k].kind), " notification ", nid, " for ", id, " from <",
        notes[k].envelope.sender, "> to", rcpts);
    Msg& n = msgs_[nid];
    n.env = notes[k].envelope;
    n.env.id = nid;
    Adopt(nid, true);
  }
  Msg& mm = msgs_.at(id);
  for (auto& r : mm.env.recipients) {
    r.report_due = false;
    if (r.delay_warning == queue::DelayWarning::kDue) r.delay_warning = queue::DelayWarning::kSent;
  }
  mm.changed = true;
  return true;
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

int RunQueue(ServerContext& ctx, int smtpd_fd, int lspawn_fd, int remote_fd) {
  QueueProc q(ctx, smtpd_fd, lspawn_fd, remote_fd);
  return q.Run();
}

}  // namespace mta::server
