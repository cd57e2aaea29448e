// target_factory.h: what `mtaspec run --target SPEC` names. A bare managed name starts
// and stops the target itself; anything else is a black box at an address:
//
//   refmta         refmta, profile strict          127.0.0.10:2525
//   postfix        sandboxed Postfix               127.0.0.11:2525   (root)
//   exim           sandboxed Exim                  127.0.0.12:2525   (root)
//   opensmtpd      sandboxed OpenSMTPD             127.0.0.13:2525   (root)
//   refmta-qmail   refmta, profile qmail           127.0.0.14:2525
//   HOST:PORT, NAME=HOST:PORT, [v6]:PORT           black box, no facilities
//
// Test clients connect from 127.0.0.2, which no managed target trusts.
//
//   auto t = MakeTarget("exim", ManagedOptions{});   // a PeerTarget, not started yet
#ifndef MTA_HARNESS_TARGETS_TARGET_FACTORY_H_
#define MTA_HARNESS_TARGETS_TARGET_FACTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "harness/runner/target.h"
#include "harness/targets/managed_target.h"

namespace mta::targets {

struct ManagedKind {
  std::string name;     // as given to --target
  std::string kind;     // refmta | postfix | exim | opensmtpd
  runner::Endpoint ep;
  std::string profile;  // refmta's configuration profile ("" for peers)
  bool needs_root;
};

const std::vector<ManagedKind>& ManagedKinds();
const ManagedKind* FindManagedKind(const std::string& name);

// Throws std::invalid_argument for a bad spec.
std::unique_ptr<runner::Target> MakeTarget(const std::string& spec, const ManagedOptions& opts);

// "" when every spec can be run by this process, else why not (peers need root).
std::string CheckPrivileges(const std::vector<std::string>& specs);

}  // namespace mta::targets

#endif  // MTA_HARNESS_TARGETS_TARGET_FACTORY_H_
