// interrupt.h: stops managed targets when mtaspec is interrupted. The guard blocks
// SIGINT, SIGTERM and SIGHUP in the constructing thread (so in every thread started after
// it) and waits for them in a watcher thread; on one, it runs the registered cleanup (stop
// every target, remove run directories) and then ends the process by that same signal, so
// the caller's shell sees the usual 130 / 143. Children started through process.h get
// an empty signal mask back.
//
//   InterruptGuard guard;                       // first thing, before any thread starts
//   guard.OnInterrupt([&](int) { for (auto& t : targets) t->Stop(); });
//   RunAll(...);
#ifndef MTA_HARNESS_TARGETS_INTERRUPT_H_
#define MTA_HARNESS_TARGETS_INTERRUPT_H_

#include <signal.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

namespace mta::targets {

class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();  // stops the watcher and restores the signal mask
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // Replaces the cleanup; it runs on the watcher thread with the signal number.
  void OnInterrupt(std::function<void(int)> cleanup);
  // For tests: re-raise after cleanup (default true). When false, the watcher only runs
  // the cleanup and records the signal.
  void set_terminate(bool t) { terminate_ = t; }
  int received() const { return received_; }

 private:
  void Watch();

  sigset_t set_{}, old_{};
  std::mutex mu_;
  std::function<void(int)> cleanup_;
  std::atomic<bool> done_{false};
  std::atomic<bool> terminate_{true};
  std::atomic<int> received_{0};
  std::thread watcher_;
};

}  // namespace mta::targets

#endif  // MTA_HARNESS_TARGETS_INTERRUPT_H_
