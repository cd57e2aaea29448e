// scheduler.cc: delivery scheduling (RFC 5321 4.5.4.1). See scheduler.h.
#include "mta/sched/scheduler.h"

#include <algorithm>
#include <cctype>

namespace mta::sched {

SchedulerOptions SchedulerOptions::Qmail() {
  SchedulerOptions o;
  o.remote = RetryPolicy::QmailRemote();
  o.local = RetryPolicy::QmailLocal();
  o.max_per_destination = 20;  // qmail has no per-domain limit: concurrencyremote
  o.max_remote = 20;
  o.max_local = 10;
  o.max_recipients_per_transaction = 1;  // qmail-remote: one recipient per run (I6)
  return o;
}

std::string DestinationOf(std::string_view address) {
  std::size_t at = address.rfind('@');
  if (at == std::string_view::npos) return "";
  std::string d(address.substr(at + 1));
  for (char& c : d) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return d;
}

Scheduler::Scheduler(SchedulerOptions options) : options_(std::move(options)) {
  options_.max_recipients_per_transaction = std::max<std::size_t>(1, options_.max_recipients_per_transaction);
  for (std::string& d : options_.local_domains) {
    for (char& c : d) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
}

bool Scheduler::IsLocal(std::string_view domain) const {
  return std::find(options_.local_domains.begin(), options_.local_domains.end(), domain) !=
         options_.local_domains.end();
}

const RetryPolicy& Scheduler::PolicyFor(bool local) const {
  return local ? options_.local : options_.remote;
}

void Scheduler::Add(const queue::Envelope& envelope) {
  auto it = messages_.find(envelope.id);
  if (it == messages_.end()) {
    order_.push_back(envelope.id);
    it = messages_.emplace(envelope.id, Message{}).first;
  }
  it->second.envelope = envelope;
  it->second.in_flight.assign(envelope.recipients.size(), false);
}

void Scheduler::Remove(std::string_view id) {
  auto it = messages_.find(id);
  if (it == messages_.end()) return;
  messages_.erase(it);
  order_.erase(std::remove(order_.begin(), order_.end(), id), order_.end());
}

const queue::Envelope* Scheduler::Find(std::string_view id) const {
  auto it = messages_.find(id);
  return it == messages_.end() ? nullptr : &it->second.envelope;
}

std::vector<std::string> Scheduler::Finished() const {
  std::vector<std::string> out;
  for (const std::string& id : order_) {
    if (messages_.at(id).envelope.Done()) out.push_back(id);
  }
  return out;
}

std::size_t Scheduler::InFlight(std::string_view destination) const {
  auto it = per_destination_.find(destination);
  return it == per_destination_.end() ? 0 : it->second;
}

std::vector<Job> Scheduler::Due(std::int64_t now) {
  std::vector<Job> out;
  for (const std::string& id : order_) {
    Message& m = messages_.at(id);
    // Due recipients of this message grouped by destination, in recipient order.
    std::vector<std::pair<std::string, std::vector<std::size_t>>> groups;
    for (std::size_t i = 0; i < m.envelope.recipients.size(); ++i) {
      const queue::Recipient& r = m.envelope.recipients[i];
      if (r.state != queue::RcptState::kPending || m.in_flight[i] || r.next_attempt > now) continue;
      std::string dest = DestinationOf(r.address);
      auto g = std::find_if(groups.begin(), groups.end(),
                            [&](const auto& x) { return x.first == dest; });
      if (g == groups.end()) {
        groups.push_back({dest, {}});
        g = groups.end() - 1;
      }
      g->second.push_back(i);
    }
    for (auto& [dest, idx] : groups) {
      const bool local = IsLocal(dest);
      // RFC 5321 4.5.4.1: one copy per destination, up to N recipients per transaction.
      for (std::size_t start = 0; start < idx.size();
           start += options_.max_recipients_per_transaction) {
        std::size_t& channel = local ? local_in_flight_ : remote_in_flight_;
        std::size_t channel_max = local ? options_.max_local : options_.max_remote;
        if (channel >= channel_max || InFlight(dest) >= options_.max_per_destination) break;
        Job j;
        j.id = next_job_id_++;
        j.message_id = id;
        j.destination = dest;
        j.local = local;
        j.started = now;
        std::size_t end = std::min(idx.size(), start + options_.max_recipients_per_transaction);
        for (std::size_t k = start; k < end; ++k) {
          j.recipients.push_back(idx[k]);
          j.addresses.push_back(m.envelope.recipients[idx[k]].address);
          m.in_flight[idx[k]] = true;
        }
        ++channel;
        ++per_destination_[dest];
        jobs_.emplace(j.id, j);
        out.push_back(std::move(j));
      }
    }
  }
  return out;
}

std::vector<RecipientEvent> Scheduler::Complete(std::uint64_t job_id,
                                                const std::vector<RecipientResult>& results,
                                                std::int64_t now) {
  std::vector<RecipientEvent> events;
  auto jit = jobs_.find(job_id);
  if (jit == jobs_.end()) return events;
  Job job = std::move(jit->second);
  jobs_.erase(jit);
  (job.local ? local_in_flight_ : remote_in_flight_)--;
  if (--per_destination_[job.destination] == 0) per_destination_.erase(job.destination);

  auto mit = messages_.find(job.message_id);
  if (mit == messages_.end()) return events;  // removed while in flight
  Message& m = mit->second;
  const RetryPolicy& policy = PolicyFor(job.local);
  for (std::size_t idx : job.recipients) {
    if (idx >= m.envelope.recipients.size()) continue;
    m.in_flight[idx] = false;
    queue::Recipient& r = m.envelope.recipients[idx];
    RecipientResult res;
    res.recipient = idx;
    res.result = AttemptResult::kTempFailure;
    res.status = "4.0.0";
    res.diagnostic = "delivery attempt did not report this recipient";
    for (const RecipientResult& x : results) {
      if (x.recipient == idx) res = x;
    }
    ++r.attempts;
    r.last_error = res.diagnostic;
    RecipientEvent ev;
    ev.message_id = job.message_id;
    ev.recipient = idx;
    ev.address = r.address;
    ev.status = res.status;
    ev.diagnostic = res.diagnostic;
    ev.remote_mta = res.remote_mta;
    ev.last_attempt = job.started;
    ev.give_up_at = m.envelope.arrival_time + policy.max_lifetime;
    switch (res.result) {
      case AttemptResult::kDelivered:
        r.state = queue::RcptState::kDelivered;
        break;
      case AttemptResult::kPermFailure:
        r.state = queue::RcptState::kFailed;
        break;
      case AttemptResult::kTempFailure:
        // qmail-send flagdying / RFC 5321 4.5.4.1 give-up time: decided by the start of
        // the attempt that just failed.
        if (Expired(policy, m.envelope.arrival_time, job.started)) {
          r.state = queue::RcptState::kFailed;
          ev.expired = true;
          ev.status = options_.expired_status;
        } else {
          r.next_attempt = NextAttempt(policy, m.envelope.arrival_time, r.attempts, job.started);
        }
        break;
    }
    ev.state = r.state;
    ev.attempts = r.attempts;
    ev.next_attempt = r.state == queue::RcptState::kPending ? r.next_attempt : 0;
    events.push_back(std::move(ev));
  }
  return events;
}

void Scheduler::Flush() {
  for (auto& [id, m] : messages_) {
    for (queue::Recipient& r : m.envelope.recipients) {
      if (r.state == queue::RcptState::kPending) r.next_attempt = 0;
    }
  }
}

std::optional<std::int64_t> Scheduler::NextWakeup() const {
  std::optional<std::int64_t> best;
  for (const auto& [id, m] : messages_) {
    for (std::size_t i = 0; i < m.envelope.recipients.size(); ++i) {
      const queue::Recipient& r = m.envelope.recipients[i];
      if (r.state != queue::RcptState::kPending || m.in_flight[i]) continue;
      if (!best || r.next_attempt < *best) best = r.next_attempt;
    }
  }
  return best;
}

}  // namespace mta::sched
