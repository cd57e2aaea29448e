// refmta_target.h: refmta as a managed target. Start() runs
//   refmta init --home RUN/home --domain local.test --user user --user postmaster
//               [--profile P]
//   refmta serve --home RUN/home --listen IP:PORT --set smtp_routes=<sink routes>, .test=,
//                =127.0.0.20:2526 --set dns_server=127.0.0.53:53
//                --set tls_cert=RUN/tls/cert.pem --set tls_key=RUN/tls/key.pem
// and waits until it greets; Stop() sends SIGTERM (refmta stops its children in order).
// STARTTLS (RFC 3207) uses the run's self-signed certificate, CN local.test (refmta's
// hostname); the key is 0600, read by refmta serve before it drops privileges. The
// profile decides whether STARTTLS is advertised: "qmail" does not (qmail 1.03 has none).
// Facilities: "mailbox" (Maildir RUN/home/mail/<user>/{new,cur}), "sink" and "dns".
//
//   RefmtaTarget t("refmta-qmail", "qmail", {"127.0.0.14", 2525}, ManagedOptions{});
#ifndef MTA_HARNESS_TARGETS_REFMTA_TARGET_H_
#define MTA_HARNESS_TARGETS_REFMTA_TARGET_H_

#include <memory>
#include <mutex>
#include <string>

#include "harness/targets/managed_target.h"
#include "harness/targets/queue_watch.h"
#include "harness/targets/process.h"

namespace mta::targets {

// refmta relays through smtp_routes to the sink listeners (facility "sink") and resolves
// other .test domains by MX through the harness's DNS fixture on 127.0.0.53 (facility "dns").
inline constexpr bool kRefmtaSendsMail = true;
inline constexpr bool kRefmtaResolvesDns = true;

class RefmtaTarget : public ManagedTarget {
 public:
  // profile: "strict" (refmta init's default), "qmail", "hardened" or "interop".
  RefmtaTarget(std::string name, std::string profile, runner::Endpoint ep, ManagedOptions opts);
  ~RefmtaTarget() override;

  bool HasFacility(const std::string& facility) const override;
  std::optional<std::vector<std::string>> ReadMailbox(const std::string& user) override;
  const std::string& profile() const { return profile_; }

 protected:
  std::string Launch(const std::string& run_dir) override;
  void Halt(const std::string& run_dir) override;
  // refmta init --domain local.test makes local.test its hostname (mta/server/home.cc).
  std::string tls_hostname() const override { return "local.test"; }
  // Nothing due in refmta's queue holds the token (QueueWatch on HOME/queue).
  std::unique_ptr<ScanCache> MakeWatch(const std::string& run_dir) const override;

 private:
  std::string profile_;
  std::mutex child_mu_;
  Child child_;
};

}  // namespace mta::targets

#endif  // MTA_HARNESS_TARGETS_REFMTA_TARGET_H_
