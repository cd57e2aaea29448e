// qmqp_inject.h: the `refmta qmqp-inject` subcommand (QMQP submission of stdin).
//
//   refmta qmqp-inject --server 127.0.0.1:628 --from joe@example.test ann@example.test < msg
//   refmta qmqp-inject --source 127.0.0.2 --server 127.0.0.10:628 ann@example.test < msg
//   exit 0: accepted ("K"); 100: permanent failure ("D", no server, no recipient);
//   111: temporary failure ("Z" or no server reachable) — qmail's exit statuses.
#ifndef MTA_CLI_QMQP_INJECT_H_
#define MTA_CLI_QMQP_INJECT_H_

#include <CLI/CLI.hpp>

#include "mta/qmtp/inject.h"

namespace mta::cli {

struct QmqpInjectCommand {
  CLI::App* app = nullptr;  // the subcommand: `if (*cmd.app)` after parsing
  qmtp::QmqpInjectOptions options;
};

// Registers "qmqp-inject" on `app`; `cmd` receives the parsed options.
void AddQmqpInject(CLI::App& app, QmqpInjectCommand* cmd);

// Reads the message from standard input and submits it; returns the exit status.
int RunQmqpInjectCommand(const QmqpInjectCommand& cmd);

}  // namespace mta::cli

#endif  // MTA_CLI_QMQP_INJECT_H_
