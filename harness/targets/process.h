// process.h: the few process and file-system tools the managed targets need: run a
// command and capture its output, spawn a long-running server with its output in a log
// file, stop it, make and remove run directories, wait until an SMTP server greets.
//
// Every child starts with an empty signal mask and default dispositions, whatever the
// caller blocked (the interrupt guard blocks SIGINT/SIGTERM in mtaspec's threads).
//
//   CommandResult r = RunCommand({"/usr/bin/python3", "peerctl", "version", "exim"}, 60000);
//   if (r.status == 0) Parse(r.output);
//   Child c = Child::Spawn({"refmta", "serve", "--home", dir}, dir + "/serve.log");
//   c.Terminate(10000);   // SIGTERM, then SIGKILL after 10 s; reaped
#ifndef MTA_HARNESS_TARGETS_PROCESS_H_
#define MTA_HARNESS_TARGETS_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "harness/runner/engine.h"

namespace mta::targets {

struct CommandResult {
  int status = -1;       // exit status; 128+N when killed by signal N; -1 could not run
  std::string output;    // stdout and stderr together
  bool timed_out = false;
};

// Runs argv (argv[0] a path or a name looked up in PATH) with stdin from /dev/null; kills
// it after timeout_ms. env_extra: "NAME=VALUE" entries added to the environment.
CommandResult RunCommand(const std::vector<std::string>& argv, int timeout_ms,
                         const std::vector<std::string>& env_extra = {});

// A child process owned by the caller: spawned in its own process group, stdout and
// stderr appended to log_file, SIGTERM sent to it when the spawning thread exits
// (PR_SET_PDEATHSIG), so a killed mtaspec leaves no server behind.
class Child {
 public:
  Child() = default;
  ~Child();  // Terminate(2000) when still running
  Child(Child&& o) noexcept : pid_(o.pid_) { o.pid_ = -1; }
  Child& operator=(Child&& o) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Throws std::runtime_error when fork/exec fails (an exec failure is reported by the
  // child through a pipe, so a missing binary is an error here, not a silent exit).
  static Child Spawn(const std::vector<std::string>& argv, const std::string& log_file);

  pid_t pid() const { return pid_; }
  bool Alive();  // reaps it when it has exited
  // SIGTERM to the process group, then SIGKILL after timeout_ms; returns the wait status
  // (0 when already reaped or never started).
  int Terminate(int timeout_ms);

 private:
  pid_t pid_ = -1;
  int status_ = 0;
};

// mkdtemp(base/prefix.XXXXXX) with mode 0755; base is created (0755) when missing.
std::string MakeRunDir(const std::string& base, const std::string& prefix);
// rm -rf, without following symbolic links; never throws.
void RemoveTree(const std::string& dir);

// True when /proc/PID exists and is not a zombie.
bool ProcessAlive(pid_t pid);
// The process's start time in clock ticks since boot (/proc/PID/stat field 22), 0 if gone:
// with the pid it names one process even after the pid is reused.
unsigned long long ProcessStartTime(pid_t pid);

// Connects from source_ip until the server sends a 2xx greeting (and QUITs), polling every
// 50 ms. Stops early when alive() turns false. Returns "" or the last problem.
std::string WaitForGreeting(const runner::Endpoint& ep, const std::string& source_ip,
                            int timeout_ms, const std::function<bool()>& alive);

// True when a listener could bind ep now (SO_REUSEADDR, as servers do).
bool PortFree(const runner::Endpoint& ep);

// Reads a whole file; "" when it cannot. tail: only the last `tail` bytes (0: all).
std::string ReadFileText(const std::string& path, std::size_t tail = 0);

}  // namespace mta::targets

#endif  // MTA_HARNESS_TARGETS_PROCESS_H_
