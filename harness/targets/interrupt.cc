// interrupt.cc: see interrupt.h.
#include "harness/targets/interrupt.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

namespace mta::targets {

InterruptGuard::InterruptGuard() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set_, &old_);
  watcher_ = std::thread([this] { Watch(); });
}

InterruptGuard::~InterruptGuard() {
  done_ = true;
  if (watcher_.joinable()) watcher_.join();
  pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

void InterruptGuard::OnInterrupt(std::function<void(int)> cleanup) {
  std::lock_guard<std::mutex> lock(mu_);
  cleanup_ = std::move(cleanup);
}

void InterruptGuard::Watch() {
  while (!done_) {
    timespec wait{0, 100 * 1000 * 1000};
    int sig = sigtimedwait(&set_, nullptr, &wait);
    if (sig < 0) continue;  // EAGAIN (timeout) or EINTR
    received_ = sig;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cleanup_) {
        try {
          cleanup_(sig);
        } catch (...) {
        }
      }
    }
    if (!terminate_) continue;
    // End the process by the same signal: default action, unblocked in this thread.
    signal(sig, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
    raise(sig);
    _exit(128 + sig);  // not reached
  }
}

}  // namespace mta::targets
