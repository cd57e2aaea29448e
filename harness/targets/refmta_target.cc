// refmta_target.cc: see refmta_target.h.
#include "harness/targets/refmta_target.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "harness/targets/maildir.h"
#include "harness/targets/sink_routes.h"

namespace mta::targets {

RefmtaTarget::RefmtaTarget(std::string name, std::string profile, runner::Endpoint ep,
                           ManagedOptions opts)
    : ManagedTarget(std::move(name), "refmta", std::move(ep), std::move(opts)),
      profile_(std::move(profile)) {}

RefmtaTarget::~RefmtaTarget() { Stop(); }

bool RefmtaTarget::HasFacility(const std::string& facility) const {
  if (facility == "mailbox") return true;
  if (facility == "sink") return kRefmtaSendsMail;
  if (facility == "dns") return kRefmtaResolvesDns;
  return false;
}

std::optional<std::vector<std::string>> RefmtaTarget::ReadMailbox(const std::string& user) {
  std::string dir = run_dir();
  if (dir.empty() || !SafeMailboxName(user)) return std::nullopt;
  std::string lower = user;
  // refmta keeps a user's Maildir under the lower-cased name (mta/server/home.cc).
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ReadMaildir(dir + "/home/mail/" + lower);
}

std::unique_ptr<ScanCache> RefmtaTarget::MakeWatch(const std::string& run_dir) const {
  return std::make_unique<QueueWatch>(run_dir + "/home/queue");
}

std::string RefmtaTarget::Launch(const std::string& run_dir) {
  const std::string refmta = FindRefmta(options());
  const std::string home = run_dir + "/home";
  const runner::Endpoint ep = address();
  if (!PortFree(ep))
    throw std::runtime_error(name() + ": " + HostPort(ep) + " is already in use");
  std::vector<std::string> init = {refmta, "init", "--home", home, "--domain", "local.test",
                                   "--user", "user", "--user", "postmaster"};
  if (profile_ != "strict") init.insert(init.end(), {"--profile", profile_});
  CommandResult r = RunCommand(init, 30000);
  if (r.status != 0)
    throw std::runtime_error(name() + ": " + refmta + " init failed (status " +
                             std::to_string(r.status) + "): " + r.output);
  CommandResult v = RunCommand({refmta, "--version"}, 10000);
  // The first line of `refmta --version`; builds without that option say so.
  std::string version = v.status == 0 ? v.output.substr(0, v.output.find('\n')) : "";
  if (version.empty()) version = "version unknown";
  if (profile_ != "strict") version += ", profile " + profile_;
  const std::string log = run_dir + "/serve.log";
  const TlsFiles tls = this->tls();
  {
    std::lock_guard<std::mutex> lock(child_mu_);
    if (!Wanted()) throw std::runtime_error(name() + ": stopped while starting");
    // Routes as the peers have them (qmail smtproutes semantics): each sink domain to its
    // listener, other .test domains by MX through the harness's DNS fixture, the rest to
    // the default sink. refmta can reach nothing else.
    std::string routes;
    for (const SinkRoute& r : SinkRoutes()) routes += r.domain + "=" + HostPort(r.next_hop) + ", ";
    routes += ".test=, =" + HostPort(DefaultSink());
    child_ = Child::Spawn({refmta, "serve", "--home", home, "--listen", HostPort(ep),
                           "--set", "smtp_routes=" + routes,
                           "--set", "dns_server=127.0.0.53:53",
                           // The trusted relay client of the fixture plan (the peers trust it too),
                           // and room for the run's concurrent cases from that one address.
                           "--set", "trusted_networks=127.0.0.3/32",
                           "--set", "connections_per_client=64",
                           // RFC 3207 STARTTLS with the run's certificate. refmta serve reads
                           // both files at start, as root, before it drops privileges
                           // (mta/server/serve.cc), so the key stays 0600 and root's.
                           "--set", "tls_cert=" + tls.cert, "--set", "tls_key=" + tls.key},
                          log);
    WritePidStamp(run_dir + "/refmta.pid", child_.pid());
  }
  std::string err = WaitForGreeting(ep, options().source_ip, options().start_timeout_ms, [&] {
    std::lock_guard<std::mutex> lock(child_mu_);
    return Wanted() && child_.Alive();
  });
  if (!err.empty())
    throw std::runtime_error(name() + ": refmta serve did not answer on " + HostPort(ep) + " (" +
                             err + ")\n" + ReadFileText(log, 2000));
  return version;
}

void RefmtaTarget::Halt(const std::string&) {
  std::lock_guard<std::mutex> lock(child_mu_);
  child_.Terminate(20000);
}

}  // namespace mta::targets
