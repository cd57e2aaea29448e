// queue_watch.cc: see queue_watch.h.
#include "harness/targets/queue_watch.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "mta/queue/envelope.h"

namespace mta::targets {
namespace {

namespace fs = std::filesystem;

// At most this much of a file is matched against tokens (catalogue messages are small).
constexpr std::size_t kMaxRead = 1 << 20;

std::optional<std::string> Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::string s;
  char buf[1 << 16];
  while (s.size() < kMaxRead && in.read(buf, sizeof buf).gcount() > 0)
    s.append(buf, static_cast<std::size_t>(in.gcount()));
  return s;
}

bool Busy(const queue::Envelope& e, int64_t now_unix) {
  for (const queue::Recipient& r : e.recipients) {
    if (r.report_due || r.delay_warning == queue::DelayWarning::kDue) return true;
    if (r.state == queue::RcptState::kPending && r.next_attempt <= now_unix + QueueWatch::kHorizonSeconds)
      return true;
  }
  return false;
}

}  // namespace

bool QueueWatch::Scan(const std::string& queue_dir, int64_t now_unix, std::vector<std::string>* busy) {
  busy->clear();
  std::error_code ec;
  const fs::path root(queue_dir);
  // tmp/: entries being written (a commit, an envelope update, a notification).
  for (const fs::directory_entry& d : fs::directory_iterator(root / "tmp", ec)) {
    if (auto s = Slurp(d.path())) busy->push_back(std::move(*s));
  }
  if (ec) return false;
  for (const fs::directory_entry& d : fs::directory_iterator(root / "env", ec)) {
    std::optional<std::string> env = Slurp(d.path());
    if (!env) continue;  // removed meanwhile: delivered
    std::optional<queue::Envelope> e = queue::ParseEnvelope(*env);
    if (e && !Busy(*e, now_unix)) continue;
    // Busy (or replaced mid-read: counted busy, the next scan sees the new one).
    std::string text = std::move(*env);
    if (auto m = Slurp(root / "mess" / d.path().filename())) text += *m;
    busy->push_back(std::move(text));
  }
  return !ec;
}

bool ScanCache::Settled(const std::string& token) {
  if (token.empty()) return false;
  std::lock_guard<std::mutex> lock(mu_);
  if (!scanned_once_ || std::chrono::steady_clock::now() - scanned_ >= interval_) {
    readable_ = scan_(&busy_);
    ++generation_;
    scanned_ = std::chrono::steady_clock::now();  // the next scan begins after this one ended
    scanned_once_ = true;
  }
  bool quiet = readable_;
  for (const std::string& b : busy_)
    if (quiet && b.find(token) != std::string::npos) quiet = false;
  if (!quiet) {
    quiet_since_.erase(token);
    return false;
  }
  // Quiet in this scan and in the one before it (see the header: one listing can miss a
  // message renamed into env/ while another is removed).
  auto [it, first] = quiet_since_.try_emplace(token, generation_);
  return !first && it->second < generation_;
}

QueueWatch::QueueWatch(std::string queue_dir, std::chrono::milliseconds interval)
    : ScanCache([dir = std::move(queue_dir)](std::vector<std::string>* busy) {
                  return Scan(dir, static_cast<int64_t>(std::time(nullptr)), busy);
                },
                interval) {}

SpoolWatch::SpoolWatch(std::vector<std::string> dirs, std::chrono::milliseconds interval)
    : ScanCache([d = std::move(dirs)](std::vector<std::string>* busy) { return Scan(d, busy); }, interval) {}

bool SpoolWatch::Scan(const std::vector<std::string>& dirs, std::vector<std::string>* busy) {
  busy->clear();
  if (dirs.empty()) return false;
  bool readable = true;
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    std::error_code ec;
    fs::recursive_directory_iterator it(dirs[i], fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      if (i == 0) readable = false;
      continue;
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      std::error_code fe;
      if (!it->is_regular_file(fe)) continue;
      if (auto s = Slurp(it->path())) busy->push_back(std::move(*s));
    }
  }
  return readable;
}

}  // namespace mta::targets
