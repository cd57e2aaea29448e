// signals_test.cc: signals read from the descriptor, the old mask back in a child.
#include "mta/server/signals.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mta::server {
namespace {

TEST(SignalFd, BlockedSignalsArriveOnTheDescriptorInOrder) {
  sigset_t before;
  sigprocmask(SIG_SETMASK, nullptr, &before);
  {
    SignalFd sig({SIGUSR1, SIGUSR2});
    ASSERT_GE(sig.fd(), 0);
    EXPECT_TRUE(sig.Drain().empty());  // nothing pending: no wait
    raise(SIGUSR1);                    // blocked: queued, not the default action (exit)
    raise(SIGUSR2);
    pollfd p = {sig.fd(), POLLIN, 0};
    ASSERT_EQ(poll(&p, 1, 1000), 1);
    EXPECT_EQ(sig.Drain(), (std::vector<int>{SIGUSR1, SIGUSR2}));
    EXPECT_TRUE(sig.Drain().empty());
  }
  sigprocmask(SIG_SETMASK, &before, nullptr);
}

TEST(SignalFd, ChildGetsTheOldMaskBack) {
  sigset_t before;
  sigprocmask(SIG_SETMASK, nullptr, &before);
  {
    SignalFd sig({SIGUSR1});
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      sig.RestoreMaskInChild();
      sigset_t now;
      sigprocmask(SIG_SETMASK, nullptr, &now);
      _exit(sigismember(&now, SIGUSR1) == sigismember(&before, SIGUSR1) && sig.fd() == -1 ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  sigprocmask(SIG_SETMASK, &before, nullptr);
}

TEST(SignalFd, UnblockInChildUnblocksEvenAnInheritedBlock) {
  sigset_t before, usr1;
  sigprocmask(SIG_SETMASK, nullptr, &before);
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  sigprocmask(SIG_BLOCK, &usr1, nullptr);  // as a process forked from refmta's master
  {
    SignalFd sig({SIGUSR1});
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      sig.UnblockInChild();
      sigset_t now;
      sigprocmask(SIG_SETMASK, nullptr, &now);
      _exit(!sigismember(&now, SIGUSR1) && sig.fd() == -1 ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  sigprocmask(SIG_SETMASK, &before, nullptr);
}

}  // namespace
}  // namespace mta::server
