// main.cc: refmta, the reference MTA: init, serve, queue, flush, check-config, mbox2maildir.
//
// Exit statuses: 0 success; 1 a problem was found or an operation failed (check-config
// problems, I/O errors, a server child that died); 2 usage or bad input (unknown option,
// bad --set, unreadable configuration).
//
//   refmta init --home /srv/mta --domain example.org --user joe --profile qmail
//   refmta serve --home /srv/mta --listen 127.0.0.1:2525 --set idle_timeout=600
//   refmta queue --home /srv/mta
//   refmta flush --home /srv/mta      (every pending recipient is tried now)
//   refmta check-config --home /srv/mta
//   refmta mbox2maildir /var/mail/joe /home/joe/Maildir
//   refmta --version                  (prints "refmta 0.1.0")
#include <CLI/CLI.hpp>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string_view>

#include "mta/cli/qmqp_inject.h"
#include "mta/config/config_file.h"
#include "mta/io/file.h"
#include "mta/local/mbox2maildir.h"
#include "mta/server/home.h"
#include "mta/server/listing.h"
#include "mta/server/serve.h"

namespace {

// The version reported by `refmta --version` (recorded by the harness as the target's).
constexpr std::string_view kVersion = "refmta 0.1.0";

int Fail(int status, const std::string& msg) {
  std::cerr << "refmta: " << msg << "\n";
  return status;
}

std::string Absolute(const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  char buf[4096];
  if (getcwd(buf, sizeof buf) == nullptr) return p;
  return std::string(buf) + "/" + p;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mta;
  CLI::App app{"refmta: a reference MTA in the qmail tradition"};
  app.set_version_flag("--version", std::string(kVersion), "print \"refmta <version>\" and exit");
  app.require_subcommand(1);

  std::string home, domain = "localhost", profile = "strict";
  std::vector<std::string> users, sets, listen;
  std::string smarthost, mbox, maildir;

  auto* init = app.add_subcommand("init", "write a documented configuration and the directory tree");
  init->add_option("--home", home, "home directory (DIR)")->required();
  init->add_option("--domain", domain, "local domain (also the host name)");
  init->add_option("--user", users, "local user (repeatable; default postmaster)");
  init->add_option("--profile", profile, "strict, qmail, hardened or interop");

  auto* serve = app.add_subcommand("serve", "run the server in the foreground");
  serve->add_option("--home", home, "home directory (DIR)")->required();
  serve->add_option("--listen", listen, "ADDR:PORT to listen on (repeatable)");
  serve->add_option("--smarthost", smarthost, "HOST:PORT to relay through");
  serve->add_option("--set", sets, "KEY=VALUE override for this run (repeatable)");

  auto* q = app.add_subcommand("queue", "list the queued messages");
  q->add_option("--home", home, "home directory (DIR)")->required();

  auto* flush = app.add_subcommand(
      "flush", "try every queued recipient now (SIGALRM to the queue process, as qmail-send)");
  flush->add_option("--home", home, "home directory (DIR)")->required();

  auto* check = app.add_subcommand("check-config", "report configuration problems or \"ok\"");
  check->add_option("--home", home, "home directory (DIR)")->required();
  check->add_option("--set", sets, "KEY=VALUE override to check with");

  auto* conv = app.add_subcommand("mbox2maildir", "copy every message of an mbox into a Maildir");
  conv->add_option("MBOX", mbox, "mbox file")->required();
  conv->add_option("MAILDIR", maildir, "Maildir directory")->required();

  cli::QmqpInjectCommand qmqp_inject;
  cli::AddQmqpInject(app, &qmqp_inject);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return Fail(2, e.what());
  }
  if (*qmqp_inject.app) return cli::RunQmqpInjectCommand(qmqp_inject);
  home = Absolute(home);

  if (*init) {
    auto p = config::ParseProfile(profile);
    if (!p) return Fail(2, "unknown profile: " + profile);
    config::Settings s = server::DefaultSettings(home, domain, users, *p);
    if (io::PathExists(server::ConfigPath(home)))
      std::cerr << "refmta: " << server::ConfigPath(home) << " exists; kept as it is\n";
    io::Status st = server::InitHome(home, s, true);
    if (!st.ok()) return Fail(1, st.ToString());
    std::cout << "initialised " << home << " (domain " << domain << ", profile " << profile
              << "); configuration in " << server::ConfigPath(home) << "\n";
    return 0;
  }
  if (*serve) {
    server::ServeOptions o{home, listen, smarthost, sets};
    return server::Serve(o);
  }
  if (*q) {
    auto out = server::ListQueue(home);
    if (!out.ok()) return Fail(1, out.status().ToString());
    std::cout << *out;
    return 0;
  }
  if (*flush) {
    // The queue process re-reads the test clock (REFMTA_CLOCK_OFFSET_FILE) and makes every
    // pending recipient due now (Scheduler::Flush).
    std::string text;
    if (!io::ReadFileToString(server::RunDir(home) + "/queue.pid", &text).ok())
      return Fail(1, "no queue process running under " + home);
    long pid = std::strtol(text.c_str(), nullptr, 10);
    if (pid <= 1 || kill(static_cast<pid_t>(pid), SIGALRM) != 0)
      return Fail(1, "cannot signal the queue process " + std::to_string(pid));
    std::cout << "flush requested (queue process " << pid << ")\n";
    return 0;
  }
  if (*check) {
    if (!io::PathExists(server::ConfigPath(home)))
      return Fail(2, "no configuration at " + server::ConfigPath(home) + " (run refmta init)");
    std::vector<std::string> errors;
    config::Settings s = server::LoadSettings(home, sets, &errors);
    if (!errors.empty()) {
      for (const std::string& e : errors) std::cerr << e << "\n";
      return 2;
    }
    std::vector<std::string> problems = server::CheckHome(home, s);
    for (const std::string& p : problems) std::cout << p << "\n";
    if (problems.empty()) std::cout << "ok\n";
    return problems.empty() ? 0 : 1;
  }
  if (*conv) {
    auto r = local::Mbox2Maildir(mbox, maildir);
    if (!r.ok()) return Fail(1, r.status().ToString());
    std::cout << r->total << " message(s): " << r->delivered << " written, "
              << r->already_present << " already present\n";
    return 0;
  }
  return 2;
}
