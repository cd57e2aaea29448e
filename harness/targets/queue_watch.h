// queue_watch.h: whether a managed refmta still holds anything for an execution's token,
// read from its queue directory (mta/queue/queue_store.h layout), so the engine can end
// the wait for later effects as soon as refmta is done instead of at the window's end.
//
// "Busy" queue entries: anything in tmp/ (being written), and every committed message
// (env/<id> + mess/<id>) with a notification owed, or a pending recipient whose next
// attempt is due within kHorizonSeconds. A deferred message waiting for a retry far
// away is quiet. Settled(token) is true when no busy entry holds the token. A queue that
// cannot be read is never settled (the windows then decide, as without a watch).
//
//   QueueWatch w(home + "/queue");
//   if (w.Settled("tq3x90001")) ...   // nothing of that execution is left to do
#ifndef MTA_HARNESS_TARGETS_QUEUE_WATCH_H_
#define MTA_HARNESS_TARGETS_QUEUE_WATCH_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace mta::targets {

class QueueWatch {
 public:
  // A pending recipient due within this many seconds keeps its message busy.
  static constexpr int64_t kHorizonSeconds = 120;  // > the longest window (60 s)

  explicit QueueWatch(std::string queue_dir) : dir_(std::move(queue_dir)) {}
  // Thread-safe; the directory is read at most every 100 ms, whatever the callers.
  bool Settled(const std::string& token);

  // One scan (exposed for tests): the texts (envelope + message) of the busy entries, or
  // false when the queue could not be read. `now_unix` decides what is due.
  static bool Scan(const std::string& queue_dir, int64_t now_unix, std::vector<std::string>* busy);

 private:
  std::string dir_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point scanned_{};
  bool readable_ = false;
  std::vector<std::string> busy_;
};

// The same question for a daemon whose queue format is not read here (the sandboxed
// peers): every regular file below the given directories is busy, so a token is settled
// once no queue file, bounce log or spool entry holds it any more (delivered, bounced or
// refused). Deferred messages stay busy (their windows decide). Thread-safe; one scan per
// 100 ms. Settled is false when the first directory cannot be read.
//
//   SpoolWatch w({run + "/spool/incoming", run + "/spool/active", ...});
class SpoolWatch {
 public:
  explicit SpoolWatch(std::vector<std::string> dirs) : dirs_(std::move(dirs)) {}
  bool Settled(const std::string& token);

 private:
  std::vector<std::string> dirs_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point scanned_{};
  bool readable_ = false;
  std::vector<std::string> busy_;
};

}  // namespace mta::targets

#endif  // MTA_HARNESS_TARGETS_QUEUE_WATCH_H_
