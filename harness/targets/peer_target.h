// peer_target.h: a sandboxed Postfix, Exim or OpenSMTPD (harness/targets/peers) as a
// managed target. Start() runs
//   peerctl start KIND --run-dir RUN/KIND --listen IP:PORT --domain local.test
//           --user user --user postmaster --sink 127.0.0.20:2526 --hostname mx.local.test
//           --route sink.test=127.0.0.20:2526 --route sink7.test=127.0.0.21:2526 ...
//           --dns-suffix test --tls-cert RUN/tls/cert.pem --tls-key RUN/tls/key.pem
// (peerctl waits for the banner), Stop() runs `peerctl stop --run-dir RUN/KIND`.
// Every peer offers STARTTLS (RFC 3207) with the run's certificate (CN mx.local.test);
// sandbox.py copies cert and key into RUN/KIND/tls with the owner and mode its MTA needs.
// Facilities: "sink" (every non-local domain is routed to a capture sink, sink_routes.h)
// and "mailbox" (Maildir RUN/KIND/mail/<user>/{new,cur}). Needs root.
//
//   PeerTarget t("exim", {"127.0.0.12", 2525}, ManagedOptions{});
#ifndef MTA_HARNESS_TARGETS_PEER_TARGET_H_
#define MTA_HARNESS_TARGETS_PEER_TARGET_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "harness/targets/managed_target.h"
#include "harness/targets/queue_watch.h"

namespace mta::targets {

class PeerTarget : public ManagedTarget {
 public:
  // kind: postfix, exim or opensmtpd (also the target's name).
  PeerTarget(std::string kind, runner::Endpoint ep, ManagedOptions opts);
  ~PeerTarget() override;

  bool HasFacility(const std::string& facility) const override;
  std::optional<std::vector<std::string>> ReadMailbox(const std::string& user) override;

  // The peerctl start command line for a run directory (exposed for tests); with
  // --tls-cert/--tls-key when `tls` names both files.
  std::vector<std::string> StartCommand(const std::string& peer_dir,
                                        const TlsFiles& tls = {}) const;

 protected:
  std::string Launch(const std::string& run_dir) override;
  void Halt(const std::string& run_dir) override;
  // No file of the peer's queue (Postfix's queue directories, Exim's input/ and msglog/)
  // holds the token (SpoolWatch). None for OpenSMTPD (see peer_target.cc).
  std::unique_ptr<ScanCache> MakeWatch(const std::string& run_dir) const override;
};

}  // namespace mta::targets

#endif  // MTA_HARNESS_TARGETS_PEER_TARGET_H_
