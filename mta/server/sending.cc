// sending.cc: Settings -> client / scheduler / bounce options, the 'T'/'U' records, and
// scheduler events -> queued notifications (RFC 3461, RFC 3464, RFC 5321 6.1).
#include "mta/server/sending.h"

#include <cctype>
#include <cstdlib>

#include "mta/io/record.h"

namespace mta::server {

client::ClientOptions ClientOptionsFor(const config::Settings& s) {
  client::ClientOptions o;
  o.helo_name = s.hostname;
  // disputed-points C6: qmail-remote sends HELO only.
  o.helo_only = s.smtp_client_greeting == config::ClientGreeting::kHelo;
  switch (s.tls_client) {
    case config::TlsClient::kOff: o.starttls = client::StartTlsMode::kOff; break;
    case config::TlsClient::kOpportunistic: o.starttls = client::StartTlsMode::kOpportunistic; break;
    case config::TlsClient::kRequired: o.starttls = client::StartTlsMode::kRequired; break;
  }
  o.max_rcpts = static_cast<std::size_t>(std::max<std::uint64_t>(1, s.recipients_per_transaction));
  return o;
}

client::EightBitPolicy EightBitPolicyFor(const config::Settings& s) {
  switch (s.eight_bit_relay) {
    case config::EightBitRelay::kDowngrade: return client::EightBitPolicy::kDowngrade;
    case config::EightBitRelay::kBounce: return client::EightBitPolicy::kBounce;
    case config::EightBitRelay::kRaw: return client::EightBitPolicy::kSendRaw;
  }
  return client::EightBitPolicy::kDowngrade;
}

sched::SchedulerOptions SchedulerOptionsFor(const config::Settings& s) {
  sched::SchedulerOptions o;
  if (s.retry_policy == config::RetryPolicyKind::kQmail) {
    o.remote = sched::RetryPolicy::QmailRemote();
    o.local = sched::RetryPolicy::QmailLocal();
  } else {
    std::vector<std::int64_t> iv;
    if (config::ParseDurationList(s.retry_intervals, &iv)) o.remote.intervals = iv;
    o.local = o.remote;
  }
  // RFC 5321 4.5.4.1: the give-up time is configurable.
  o.remote.max_lifetime = static_cast<std::int64_t>(s.queue_lifetime);
  o.local.max_lifetime = static_cast<std::int64_t>(s.queue_lifetime);
  o.local_domains = s.local_domains;
  o.local_domains.push_back(s.hostname);
  o.max_remote = static_cast<std::size_t>(std::max<std::uint64_t>(1, s.concurrency_remote));
  o.max_per_destination =
      static_cast<std::size_t>(std::max<std::uint64_t>(1, s.concurrency_per_destination));
  o.max_recipients_per_transaction =
      static_cast<std::size_t>(std::max<std::uint64_t>(1, s.recipients_per_transaction));
  return o;
}

bounce::BounceOptions BounceOptionsFor(const config::Settings& s) {
  bounce::BounceOptions o;
  o.format = s.bounce_format == config::BounceFormat::kQsbmf ? bounce::Format::kQsbmf
                                                             : bounce::Format::kRfc3464;
  switch (s.double_bounce) {
    case config::DoubleBouncePolicy::kPostmaster: o.double_bounce = bounce::DoubleBounce::kPostmaster; break;
    case config::DoubleBouncePolicy::kDiscard: o.double_bounce = bounce::DoubleBounce::kDiscard; break;
    case config::DoubleBouncePolicy::kQmail: o.double_bounce = bounce::DoubleBounce::kQmailSender; break;
  }
  o.postmaster = "postmaster@" + s.hostname;
  o.max_returned_bytes = static_cast<std::size_t>(s.bounce_size_limit);
  o.delay_warnings = s.delay_warnings;
  o.delay_warning_after = static_cast<std::int64_t>(s.delay_warning_time);
  o.auto_submitted = s.bounce_auto_submitted;
  return o;
}

std::string EncodeRemoteJob(const RemoteJob& j) {
  std::vector<std::string> f = {std::to_string(j.req), j.sender, j.ret, j.envid,
                                std::to_string(j.rcpts.size())};
  for (const RemoteRecipient& r : j.rcpts) {
    f.push_back(r.address);
    f.push_back(r.notify);
    f.push_back(r.orcpt);
  }
  return io::EncodeRecord(kRecRemoteJob, f);
}

namespace {

bool ParseCount(const std::string& s, std::uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *out = n;
  return true;
}

}  // namespace

bool DecodeRemoteJob(std::string_view record, RemoteJob* out) {
  io::Record r;
  if (!io::DecodeOneRecord(record, &r, record.size() + 16) || r.type != kRecRemoteJob ||
      r.fields.size() < 5)
    return false;
  std::uint64_t n;
  if (!ParseCount(r.fields[0], &out->req) || !ParseCount(r.fields[4], &n) ||
      r.fields.size() != 5 + 3 * n)
    return false;
  out->sender = r.fields[1];
  out->ret = r.fields[2];
  out->envid = r.fields[3];
  out->rcpts.clear();
  for (std::uint64_t i = 0; i < n; ++i)
    out->rcpts.push_back({r.fields[5 + 3 * i], r.fields[6 + 3 * i], r.fields[7 + 3 * i]});
  return true;
}

std::string EncodeRemoteResult(std::uint64_t req, const std::vector<RemoteRcptResult>& rs) {
  std::vector<std::string> f = {std::to_string(req), std::to_string(rs.size())};
  for (const RemoteRcptResult& r : rs) {
    f.push_back(r.status);
    f.push_back(std::to_string(r.code));
    f.push_back(r.enhanced);
    f.push_back(r.remote_mta);
    f.push_back(r.diagnostic);
    f.push_back(r.dsn_relayed ? "1" : "0");
  }
  return io::EncodeRecord(kRecRemoteResult, f);
}

bool DecodeRemoteResult(std::string_view record, std::uint64_t* req,
                        std::vector<RemoteRcptResult>* out) {
  io::Record r;
  if (!io::DecodeOneRecord(record, &r, record.size() + 16) || r.type != kRecRemoteResult ||
      r.fields.size() < 2)
    return false;
  std::uint64_t n, code;
  if (!ParseCount(r.fields[0], req) || !ParseCount(r.fields[1], &n) ||
      r.fields.size() != 2 + 6 * n)
    return false;
  out->clear();
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::string* f = &r.fields[2 + 6 * i];
    if (f[0] != "ok" && f[0] != "temp" && f[0] != "perm") return false;
    if (!ParseCount(f[1], &code) || code > 999) return false;
    if (f[5] != "0" && f[5] != "1") return false;
    out->push_back({f[0], static_cast<int>(code), f[2], f[3], f[4], f[5] == "1"});
  }
  return true;
}

sched::RecipientResult ToSchedulerResult(std::size_t recipient, const RemoteRcptResult& r) {
  sched::RecipientResult o;
  o.recipient = recipient;
  o.result = r.status == "ok"     ? sched::AttemptResult::kDelivered
             : r.status == "perm" ? sched::AttemptResult::kPermFailure
                                  : sched::AttemptResult::kTempFailure;
  o.status = !r.enhanced.empty() ? r.enhanced
             : r.status == "ok"  ? "2.0.0"
             : r.status == "perm" ? "5.0.0"
                                  : "4.0.0";
  o.diagnostic = r.code ? std::to_string(r.code) + " " + r.diagnostic : r.diagnostic;
  o.remote_mta = r.remote_mta;
  return o;
}

bool DelayWarningWanted(const queue::Envelope& e, const queue::Recipient& r,
                        const config::Settings& s, std::int64_t now) {
  if (r.state != queue::RcptState::kPending || r.attempts == 0 ||
      r.delay_warning != queue::DelayWarning::kNone)
    return false;
  // RFC 5321 6.1: nothing is ever sent to <>; "#@[]" is qmail's double-bounce sender.
  if (e.sender.empty() || e.sender == "#@[]") return false;
  if (now - e.arrival_time < static_cast<std::int64_t>(s.delay_warning_time)) return false;
  if (r.notify.empty()) return s.delay_warnings;
  // RFC 3461 4.1: NOTIFY = "NEVER" / 1#("SUCCESS" / "FAILURE" / "DELAY").
  std::string_view n = r.notify;
  while (!n.empty()) {
    std::size_t comma = n.find(',');
    std::string_view item = n.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.size() == 5) {
      std::string lower;
      for (char c : item) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "delay") return true;
    }
    if (comma == std::string_view::npos) break;
    n.remove_prefix(comma + 1);
  }
  return false;  // RFC 3461 5.2.5: NOTIFY without DELAY: a "delayed" DSN MUST NOT be issued
}

std::vector<QueuedNotification> NotificationsFor(
    const queue::Envelope& envelope, std::string_view original,
    const std::vector<sched::RecipientEvent>& events, const std::vector<bool>& relayed,
    const config::Settings& s, std::int64_t now, std::function<std::uint64_t()> random) {
  std::vector<bounce::Outcome> outcomes;
  for (const sched::RecipientEvent& e : events) {
    bounce::Outcome o;
    o.recipient = e.address;
    o.remote_mta = e.remote_mta;
    o.diagnostic = e.diagnostic;
    o.diagnostic_type = e.remote_mta.empty() ? "x-local" : "smtp";
    o.last_attempt = e.last_attempt;
    o.status = e.status;
    if (e.state == queue::RcptState::kFailed) {
      o.action = report::Action::kFailed;
      // RFC 3463: a failure report carries a 5.x.x status, or 4.4.7 for an expiry.
      if (o.status.empty()) o.status = e.expired ? "4.4.7" : "5.0.0";
    } else if (e.state == queue::RcptState::kDelivered) {
      bool rel = e.recipient < relayed.size() && relayed[e.recipient];
      // RFC 3461 5.2.2(b): relayed to a peer without DSN support.
      o.action = rel ? report::Action::kRelayed : report::Action::kDelivered;
      if (o.status.empty() || o.status[0] != '2') o.status = "2.0.0";
    } else {
      // Still pending: a "delayed" DSN (RFC 3464 2.3.3), sent by MakeNotifications only per
      // RFC 3461 5.2.5 (NOTIFY=DELAY, or no NOTIFY with delay_warnings) and past
      // delay_warning_time.
      o.action = report::Action::kDelayed;
      if (o.status.empty() || o.status[0] != '4') o.status = "4.0.0";
      o.will_retry_until = e.give_up_at;  // RFC 3464 2.3.9 Will-Retry-Until
    }
    outcomes.push_back(std::move(o));
  }
  std::vector<QueuedNotification> out;
  if (outcomes.empty()) return out;
  report::GeneratorEnv env;
  env.hostname = s.hostname;
  env.now = static_cast<std::time_t>(now);
  env.random = std::move(random);
  for (bounce::Notification& n :
       bounce::MakeNotifications(envelope, original, outcomes, BounceOptionsFor(s), env)) {
    QueuedNotification q;
    q.kind = n.kind;
    q.envelope.sender = n.sender;
    for (const std::string& r : n.recipients) {
      queue::Recipient rc;
      rc.address = r;
      q.envelope.recipients.push_back(std::move(rc));
    }
    q.envelope.arrival_time = now;
    q.envelope.protocol = "local";
    q.envelope.helo = s.hostname;
    q.message = std::move(n.message);
    out.push_back(std::move(q));
  }
  return out;
}

}  // namespace mta::server
