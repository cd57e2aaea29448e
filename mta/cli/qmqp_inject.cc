// qmqp_inject.cc: `refmta qmqp-inject --server IP:PORT [--from ADDR] RCPT... < message`.
//
//   refmta qmqp-inject --server 127.0.0.1:628 ann@example.test < msg; echo $?   # 0/100/111
//   refmta qmqp-inject --source 127.0.0.2 --server 127.0.0.10:628 ann@example.test < msg
#include "mta/cli/qmqp_inject.h"

#include <iostream>

namespace mta::cli {

void AddQmqpInject(CLI::App& app, QmqpInjectCommand* cmd) {
  cmd->app = app.add_subcommand(
      "qmqp-inject",
      "submit the message on standard input by QMQP (LF or CRLF line ends); exit status 0 "
      "accepted (K), 100 permanent failure (D, or no server / recipient given), 111 "
      "temporary failure (Z, or no server reachable)");
  qmtp::QmqpInjectOptions& o = cmd->options;
  cmd->app->add_option("--server", o.servers,
                       "QMQP server IP:PORT, [IPv6]:PORT or IP (port 628); repeatable, tried "
                       "in order until one answers K or D")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->app->add_option("--source", o.source,
                       "local IP address to connect from (bound before connecting)");
  cmd->app->add_option("--from", o.from, "envelope sender (default: the null sender <>)");
  cmd->app->add_option("--timeout-connect", o.timeouts.connect_seconds,
                       "seconds to wait for a connection (default 60)");
  cmd->app->add_option("--timeout", o.timeouts.io_seconds,
                       "seconds to wait for each read or write (default 1200)");
  cmd->app->add_option("RCPT", o.recipients, "envelope recipient (one or more)");
}

int RunQmqpInjectCommand(const QmqpInjectCommand& cmd) {
  return qmtp::RunQmqpInject(cmd.options, std::cin, std::cerr);
}

}  // namespace mta::cli
