// managed_target.h: the common part of the targets mtaspec starts and stops itself
// (refmta, and Postfix, Exim, OpenSMTPD through harness/targets/peers/peerctl).
//
// Each managed target lives in a run directory RUN_BASE/<name>.XXXXXX (mode 0755, so
// the MTAs' unprivileged processes can work inside) holding:
//   owner   "<pid> <start time>" of the mtaspec process that owns it
//   kind    refmta | postfix | exim | opensmtpd
//   tls/    cert.pem (0644) and key.pem (0600, root's when run as root): a self-signed
//           certificate made for this run (tls_cert.h), CN = tls_hostname(), which every
//           managed target offers with STARTTLS (RFC 3207)
//   ...     the target's own files (refmta's home, a peer's run dir, logs)
// Stop() ends the target's processes and removes the directory; it is idempotent and may
// run from the interrupt watcher while the main thread is still inside Start(). A run
// directory whose owner is gone (mtaspec was killed) is cleaned by CleanStaleRuns, which
// every Start() calls first.
//
//   ManagedOptions o;  o.run_base = "/tmp/mtaspec-targets";
//   RefmtaTarget t("refmta", "strict", {"127.0.0.10", 2525}, o);
//   t.Start();  ...  t.Stop();
#ifndef MTA_HARNESS_TARGETS_MANAGED_TARGET_H_
#define MTA_HARNESS_TARGETS_MANAGED_TARGET_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "harness/runner/target.h"
#include "harness/targets/queue_watch.h"
#include "harness/targets/tls_cert.h"

namespace mta::targets {

struct ManagedOptions {
  std::string refmta;       // refmta binary; "" = $REFMTA, else "refmta" next to mtaspec
  std::string source_root;  // source tree (for peerctl); "" = $MTASPEC_SOURCE_ROOT, else
                            // the tree mtaspec was built from
  std::string run_base = "/tmp/mtaspec-targets";
  std::string source_ip = "127.0.0.2";  // where the readiness probe connects from
  int start_timeout_ms = 30000;
  // When set, Stop() copies the target's logs (LogFiles) to logs_dir/<name>/ before the
  // run directory goes: evidence of what the MTA did, e.g. when it retried.
  std::string logs_dir;
};

// The refmta binary: opts.refmta, $REFMTA, or the refmta beside /proc/self/exe.
std::string FindRefmta(const ManagedOptions& opts);
// The source tree: opts.source_root, $MTASPEC_SOURCE_ROOT, or the compiled-in root.
std::string FindSourceRoot(const ManagedOptions& opts);
// The logs in a run directory: regular files named *.log, *.out or *log (mainlog,
// paniclog), or inside a directory named log, in path order.
std::vector<std::string> FindLogFiles(const std::string& run_dir);
// Copies each of `files` (paths under run_dir) to dest/<path relative to run_dir>, at most
// the last max_bytes of each. Returns how many were copied; never throws.
int CopyLogs(const std::string& run_dir, const std::vector<std::string>& files,
             const std::string& dest, std::size_t max_bytes = 16u << 20);
// {"/usr/bin/python3", "<source root>/harness/targets/peers/peerctl"}.
std::vector<std::string> PeerctlCommand(const ManagedOptions& opts);
// Writes "<pid> <start time>" of `pid` to `file` (0644).
void WritePidStamp(const std::string& file, int pid);

class ManagedTarget : public runner::Target {
 public:
  ManagedTarget(std::string name, std::string kind, runner::Endpoint ep, ManagedOptions opts);
  ~ManagedTarget() override;

  std::string name() const override { return name_; }
  runner::Endpoint address() const override { return ep_; }
  std::string version() const override;
  void Start() final;  // throws std::runtime_error; cleans up after itself on failure
  void Stop() final;   // idempotent, thread-safe

  // The run directory while started ("" otherwise).
  std::string run_dir() const;
  const std::string& kind() const { return kind_; }
  // The run's certificate and key (RUN/tls/cert.pem, key.pem) while started, else empty.
  TlsFiles tls() const;
  // Nothing the target still has to do holds the token, as the watch MakeWatch gives for
  // the current run directory says (made once per run). False while stopped or without
  // a watch.
  bool Settled(const std::string& token) final;

 protected:
  // Brings the target up inside run_dir (already created, owner stamped) and waits until
  // it answers; returns its version. Throws std::runtime_error.
  virtual std::string Launch(const std::string& run_dir) = 0;
  // Ends the target's processes (run_dir still exists). Must not throw.
  virtual void Halt(const std::string& run_dir) = 0;
  // True while Stop() has not begun (Launch polls it to give up early).
  bool Wanted() const;
  // The name the target greets with, the CN of its certificate.
  virtual std::string tls_hostname() const { return "mx.local.test"; }
  // The queue watch for a run directory; null: never settled (the windows decide).
  virtual std::unique_ptr<ScanCache> MakeWatch(const std::string& /*run_dir*/) const { return nullptr; }

  const ManagedOptions& options() const { return opts_; }

 private:
  std::string name_, kind_;
  runner::Endpoint ep_;
  ManagedOptions opts_;
  mutable std::mutex mu_;
  std::mutex stop_mu_;  // serialises Stop()
  std::string run_dir_;
  TlsFiles tls_;
  std::string version_;
  bool stopping_ = false;
  std::mutex watch_mu_;
  std::string watch_dir_;  // the run directory watch_ was made for
  std::unique_ptr<ScanCache> watch_;
};

// Cleans run directories under base whose owning mtaspec process is gone: ends their
// processes (refmta by its recorded pid, peers with `peerctl stop`) and removes them.
// Returns how many were cleaned. Never throws.
int CleanStaleRuns(const std::string& base, const ManagedOptions& opts);

}  // namespace mta::targets

#endif  // MTA_HARNESS_TARGETS_MANAGED_TARGET_H_
