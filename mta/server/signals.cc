// signals.cc: see signals.h.
#include "mta/server/signals.h"

#include <sys/signalfd.h>
#include <unistd.h>

namespace mta::server {

SignalFd::SignalFd(std::initializer_list<int> signals, bool blocking) : blocking_(blocking) {
  sigemptyset(&set_);
  for (int s : signals) sigaddset(&set_, s);
  sigprocmask(SIG_BLOCK, &set_, &old_);
  fd_ = signalfd(-1, &set_, SFD_CLOEXEC | (blocking ? 0 : SFD_NONBLOCK));
}

SignalFd::~SignalFd() {
  if (fd_ >= 0) close(fd_);
}

std::vector<int> SignalFd::Drain() {
  std::vector<int> out;
  if (fd_ < 0) return out;
  signalfd_siginfo si;
  while (read(fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    out.push_back(static_cast<int>(si.ssi_signo));
    if (blocking_) break;  // one read per call: the next would wait
  }
  return out;
}

void SignalFd::RestoreMaskInChild() {
  sigprocmask(SIG_SETMASK, &old_, nullptr);
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void SignalFd::UnblockInChild() {
  sigprocmask(SIG_UNBLOCK, &set_, nullptr);
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

}  // namespace mta::server
