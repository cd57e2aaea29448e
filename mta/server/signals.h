// signals.h: a process's signals as a file descriptor (signalfd(2)), read in its poll
// loop instead of by handlers. The constructor blocks the signals (so they queue on the
// descriptor) and remembers the mask it replaced; a forked child that execs or runs other
// code restores that mask first.
//
//   SignalFd sig({SIGTERM, SIGINT, SIGHUP, SIGCHLD});
//   pollfd p = {sig.fd(), POLLIN, 0};
//   for (int s : sig.Drain()) if (s != SIGCHLD) stopping = true;
//   // in a forked child:  sig.RestoreMaskInChild();  (or UnblockInChild())
#ifndef MTA_SERVER_SIGNALS_H_
#define MTA_SERVER_SIGNALS_H_

#include <signal.h>

#include <initializer_list>
#include <vector>

namespace mta::server {

class SignalFd {
 public:
  // Blocks `signals` and opens a close-on-exec signalfd for them (non-blocking unless
  // `blocking`). fd() is -1 when signalfd failed.
  explicit SignalFd(std::initializer_list<int> signals, bool blocking = false);
  ~SignalFd();
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;

  int fd() const { return fd_; }
  // The signals pending now, in arrival order (never waits on a non-blocking fd; on a
  // blocking one, waits for at least one).
  std::vector<int> Drain();
  // In a forked child: closes the descriptor and restores the mask from before the
  // constructor (signals the process inherited blocked stay blocked).
  void RestoreMaskInChild();
  // In a forked child: closes the descriptor and unblocks this object's signals.
  void UnblockInChild();

 private:
  sigset_t set_;
  sigset_t old_;
  int fd_ = -1;
  bool blocking_;
};

}  // namespace mta::server

#endif  // MTA_SERVER_SIGNALS_H_
