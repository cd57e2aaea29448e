// target_factory.cc: see target_factory.h.
#include "harness/targets/target_factory.h"

#include <unistd.h>

#include "harness/targets/peer_target.h"
#include "harness/targets/refmta_target.h"

namespace mta::targets {

const std::vector<ManagedKind>& ManagedKinds() {
  // disputed-points.md P: one loopback address per target, port 2525.
  static const std::vector<ManagedKind> kinds = {
      {"refmta", "refmta", {"127.0.0.10", 2525}, "strict", false},
      {"postfix", "postfix", {"127.0.0.11", 2525}, "", true},
      {"exim", "exim", {"127.0.0.12", 2525}, "", true},
      {"opensmtpd", "opensmtpd", {"127.0.0.13", 2525}, "", true},
      {"refmta-qmail", "refmta", {"127.0.0.14", 2525}, "qmail", false},
  };
  return kinds;
}

const ManagedKind* FindManagedKind(const std::string& name) {
  for (const ManagedKind& k : ManagedKinds())
    if (k.name == name) return &k;
  return nullptr;
}

std::unique_ptr<runner::Target> MakeTarget(const std::string& spec, const ManagedOptions& opts) {
  if (const ManagedKind* k = FindManagedKind(spec)) {
    if (k->kind == "refmta") return std::make_unique<RefmtaTarget>(k->name, k->profile, k->ep, opts);
    return std::make_unique<PeerTarget>(k->kind, k->ep, opts);
  }
  if (spec.find(':') == std::string::npos) {
    std::string names;
    for (const ManagedKind& k : ManagedKinds()) names += (names.empty() ? "" : ", ") + k.name;
    throw std::invalid_argument("unknown target '" + spec + "' (one of " + names +
                                ", or [NAME=]HOST:PORT)");
  }
  return runner::ParseTargetSpec(spec);
}

std::string CheckPrivileges(const std::vector<std::string>& specs) {
  if (geteuid() == 0) return "";
  for (const std::string& s : specs)
    if (const ManagedKind* k = FindManagedKind(s); k && k->needs_root)
      return "target " + s + " needs root (the sandboxed peers run the real MTA's privilege "
             "separation); run as root or name a running server as " + s + "=HOST:PORT";
  return "";
}

}  // namespace mta::targets
