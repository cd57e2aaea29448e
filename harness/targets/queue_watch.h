// queue_watch.h: whether a managed target still holds anything for an execution's token,
// read from its queue directories, so the engine can end the wait for later effects as
// soon as the target is done instead of at the window's end.
//
// ScanCache holds the rule shared by both watches: one scan of the directories serves
// every execution of a run (at most one per `interval`), and a token is settled only when
// two scans in a row found no busy entry holding it. One listing is not enough: readdir
// need not return an entry renamed into a directory while it is being read, so a scan
// that reads env/ while refmta commits a notification (step 2 of mta/server/README.md's
// write order) and removes its original (step 3) can see neither. The next scan begins
// after both writes and sees the notification. A queue that cannot be read is never
// settled (the windows then decide, as without a watch).
//
// QueueWatch reads refmta's queue (mta/queue/queue_store.h layout). "Busy" entries:
// anything in tmp/ (being written), and every committed message (env/<id> + mess/<id>)
// with a notification owed, or a pending recipient whose next attempt is due within
// kHorizonSeconds. A deferred message waiting for a retry far away is quiet.
//
//   QueueWatch w(home + "/queue");
//   if (w.Settled("tq3x90001")) ...   // nothing of that execution is left to do
#ifndef MTA_HARNESS_TARGETS_QUEUE_WATCH_H_
#define MTA_HARNESS_TARGETS_QUEUE_WATCH_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace mta::targets {

class ScanCache {
 public:
  virtual ~ScanCache() = default;
  // Fills the texts of the busy entries; false when the queue cannot be read.
  using ScanFn = std::function<bool(std::vector<std::string>* busy)>;
  static constexpr std::chrono::milliseconds kDefaultInterval{100};

  explicit ScanCache(ScanFn scan, std::chrono::milliseconds interval = kDefaultInterval)
      : scan_(std::move(scan)), interval_(interval) {}
  // Thread-safe. False for an empty token.
  bool Settled(const std::string& token);

 private:
  ScanFn scan_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point scanned_{};
  bool scanned_once_ = false;
  bool readable_ = false;
  uint64_t generation_ = 0;  // scans made so far
  std::vector<std::string> busy_;
  // Token -> the first scan of the current run of scans that found it quiet.
  std::unordered_map<std::string, uint64_t> quiet_since_;
};

class QueueWatch : public ScanCache {
 public:
  // A pending recipient due within this many seconds keeps its message busy.
  static constexpr int64_t kHorizonSeconds = 120;  // runner/engine.h kSettledHorizonMs

  explicit QueueWatch(std::string queue_dir,
                      std::chrono::milliseconds interval = ScanCache::kDefaultInterval);

  // One scan (exposed for tests): the texts (envelope + message) of the busy entries, or
  // false when the queue could not be read. `now_unix` decides what is due.
  static bool Scan(const std::string& queue_dir, int64_t now_unix, std::vector<std::string>* busy);
};

// The same question for a daemon whose queue format is not read here (the sandboxed
// peers): every regular file below the given directories is busy, so a token is settled
// once no queue file, bounce log or spool entry holds it any more (delivered, bounced or
// refused). Deferred messages stay busy (their windows decide). Not settled when the
// first directory cannot be read.
//
//   SpoolWatch w({run + "/spool/incoming", run + "/spool/active", ...});
class SpoolWatch : public ScanCache {
 public:
  explicit SpoolWatch(std::vector<std::string> dirs,
                      std::chrono::milliseconds interval = ScanCache::kDefaultInterval);

  static bool Scan(const std::vector<std::string>& dirs, std::vector<std::string>* busy);
};

}  // namespace mta::targets

#endif  // MTA_HARNESS_TARGETS_QUEUE_WATCH_H_
