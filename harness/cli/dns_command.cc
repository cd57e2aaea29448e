// dns_command.cc: `mtaspec dns`: load a zone, serve it over UDP and TCP until SIGTERM.
#include "harness/cli/dns_command.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <ostream>

#include "harness/dns/fixture.h"
#include "mta/dns/config.h"

namespace mta::cli {

int RunDns(const DnsArgs& args, std::ostream& out, std::ostream& err) {
  std::string listen = args.listen;
  if (listen.empty()) {
    if (::geteuid() != 0) {
      err << "mtaspec: dns: --listen IP:PORT is required when not running as root\n";
      return 2;
    }
    listen = "127.0.0.53:53";
  }
  std::pair<std::string, int> where;
  std::string error;
  // Port 0 (pick one) is allowed here, unlike in a resolver's server list.
  std::string spec = listen;
  bool any_port = spec.size() > 2 && spec.compare(spec.size() - 2, 2, ":0") == 0;
  if (any_port) spec.resize(spec.size() - 2);
  if (!dns::ParseServerSpec(spec, &where, &error)) {
    err << "mtaspec: dns: --listen: " << error << "\n";
    return 2;
  }
  if (any_port) where.second = 0;
  dnsfixture::Zone zone;
  if (!dnsfixture::Zone::Load(args.zone, &zone, &error)) {
    err << "mtaspec: dns: " << error << "\n";
    return 2;
  }
  std::size_t records = zone.record_count();
  std::ofstream log;
  if (!args.log.empty()) {
    log.open(args.log, std::ios::app);
    if (!log) {
      err << "mtaspec: dns: cannot write " << args.log << "\n";
      return 2;
    }
  }
  // Block the stop signals before any thread starts, then wait for one of them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  dnsfixture::DnsFixture fixture(std::move(zone));
  if (log.is_open()) fixture.set_log_stream(&log);
  if (!fixture.Start(where.first, where.second, &error)) {
    err << "mtaspec: dns: " << error << "\n";
    return 2;
  }
  out << "mtaspec dns: listening on " << fixture.address() << " (udp+tcp), " << records
      << " records" << std::endl;
  int sig = 0;
  sigwait(&stop, &sig);
  fixture.Stop();
  return 0;
}

}  // namespace mta::cli
