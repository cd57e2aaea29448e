// listing.cc: `refmta queue` output.
#include "mta/server/listing.h"

#include <ctime>

#include "mta/queue/queue_store.h"
#include "mta/server/home.h"

namespace mta::server {

std::string FormatQueueLine(const queue::Envelope& e) {
  std::string line = e.id + " <" + e.sender + ">";
  for (const queue::Recipient& r : e.recipients) {
    line += " <" + r.address + "> (" + queue::RcptStateName(r.state);
    if (r.attempts) line += ", " + std::to_string(r.attempts) + " attempt(s)";
    if (r.state == queue::RcptState::kPending && r.next_attempt > 0) {
      std::time_t t = static_cast<std::time_t>(r.next_attempt);
      std::tm tm{};
      gmtime_r(&t, &tm);
      char buf[32];
      std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
      line += std::string(", next attempt ") + buf;
    }
    if (r.delay_warning == queue::DelayWarning::kSent) line += ", delay warning sent";
    if (r.delay_warning == queue::DelayWarning::kDue) line += ", delay warning due";
    if (!r.last_error.empty()) line += ": " + r.last_error;
    line += ")";
  }
  for (char& c : line)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return line;
}

io::Result<std::string> ListQueue(const std::string& home) {
  queue::QueueStore store(QueueRoot(home));
  auto ids = store.List();
  if (!ids.ok()) return ids.status();
  std::string out;
  size_t n = 0;
  for (const std::string& id : *ids) {
    auto env = store.Load(id);
    if (!env.ok()) continue;  // removed meanwhile
    out += FormatQueueLine(*env) + "\n";
    ++n;
  }
  out += std::to_string(n) + " message(s) in the queue\n";
  return out;
}

}  // namespace mta::server
