// peer_target.cc: see peer_target.h.
#include "harness/targets/peer_target.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "harness/targets/maildir.h"
#include "harness/targets/process.h"
#include "harness/targets/sink_routes.h"

namespace mta::targets {

PeerTarget::PeerTarget(std::string kind, runner::Endpoint ep, ManagedOptions opts)
    : ManagedTarget(kind, kind, std::move(ep), std::move(opts)) {}

PeerTarget::~PeerTarget() { Stop(); }

bool PeerTarget::HasFacility(const std::string& facility) const {
  // "dns": domains under .test that are neither local nor a sink route are delivered by MX
  // lookup through the DNS fixture (sandbox.py dns_suffixes), to port 25.
  return facility == "sink" || facility == "mailbox" || facility == "dns";
}

std::optional<std::vector<std::string>> PeerTarget::ReadMailbox(const std::string& user) {
  std::string dir = run_dir();
  if (dir.empty() || !SafeMailboxName(user)) return std::nullopt;
  // sandbox.py: RUN/mail/<user>/ per listed user (owned by mtaspec-mail; root reads it).
  return ReadMaildir(dir + "/" + kind() + "/mail/" + user);
}

std::unique_ptr<ScanCache> PeerTarget::MakeWatch(const std::string& run_dir) const {
  // sandbox.py's layout: RUN/KIND/spool is the queue (Postfix queue_directory, Exim
  // spool_directory). The first directory always exists once the peer runs. Postfix
  // writes a bounce (a new queue file) before it removes the message that caused it;
  // Exim likewise receives the bounce before it deletes the failed message's spool files.
  const std::string p = run_dir + "/" + kind();
  std::vector<std::string> dirs;
  if (kind() == "postfix") {
    for (const char* d : {"incoming", "maildrop", "active", "deferred", "hold", "bounce", "defer", "trace"})
      dirs.push_back(p + "/spool/" + d);
  } else if (kind() == "exim") {
    dirs = {p + "/spool/input", p + "/spool/msglog"};
  }
  // OpenSMTPD: none. Its spool does not show all pending work: a bounce is made from
  // memory seconds after the failure that caused it, when no spool file holds the
  // token any more (seen with 6.8), so its observation windows always run out.
  if (dirs.empty()) return nullptr;
  return std::make_unique<SpoolWatch>(dirs);
}

std::vector<std::string> PeerTarget::StartCommand(const std::string& peer_dir,
                                                  const TlsFiles& tls) const {
  std::vector<std::string> argv = PeerctlCommand(options());
  argv.insert(argv.end(), {"start", kind(), "--run-dir", peer_dir, "--listen",
                           HostPort(address()), "--domain", "local.test", "--user", "user",
                           "--user", "postmaster", "--sink", HostPort(DefaultSink()),
                           "--hostname", "mx.local.test"});
  for (const SinkRoute& r : SinkRoutes()) argv.insert(argv.end(), {"--route", r.Spec()});
  argv.insert(argv.end(), {"--dns-suffix", "test"});
  if (!tls.cert.empty() && !tls.key.empty())
    argv.insert(argv.end(), {"--tls-cert", tls.cert, "--tls-key", tls.key});
  return argv;
}

std::string PeerTarget::Launch(const std::string& run_dir) {
  const std::string peer_dir = run_dir + "/" + kind();
  const TlsFiles tls = this->tls();
  if (tls.cert.empty() || tls.key.empty())
    throw std::runtime_error(name() + ": no certificate for STARTTLS in the run directory");
  std::vector<std::string> argv = StartCommand(peer_dir, tls);
  CommandResult r = RunCommand(argv, 180000);
  if (r.status != 0)
    throw std::runtime_error(name() + ": peerctl start failed (status " +
                             std::to_string(r.status) + "): " + r.output);
  // peerctl prints its JSON record on stdout (warnings, if any, come before it).
  auto brace = r.output.find('{');
  std::string version = kind();
  try {
    nlohmann::json j = nlohmann::json::parse(r.output.substr(brace == std::string::npos ? 0 : brace));
    version = j.value("version", kind());
    std::string pkg = j.value("package_version", "");
    if (!pkg.empty()) version += " (Debian " + pkg + ")";
  } catch (const std::exception&) {
  }
  return version;
}

void PeerTarget::Halt(const std::string& run_dir) {
  std::vector<std::string> argv = PeerctlCommand(options());
  argv.insert(argv.end(), {"stop", "--run-dir", run_dir + "/" + kind()});
  RunCommand(argv, 60000);
}

}  // namespace mta::targets
