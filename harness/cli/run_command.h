// run_command.h: the conformance subcommands of mtaspec.
//
//   mtaspec lint [--cases-dir D]
//   mtaspec list [--cases-dir D] [--cases GLOB] [--tag T] [--json]
//   mtaspec describe CASE
//   mtaspec run --target [NAME=]HOST:PORT|refmta|refmta-qmail|postfix|exim|opensmtpd ...
//               [--profile P] [--cases GLOB] [--tag T] [--refmta PATH]
//               [--slow] [--jobs N] [--source IP[,IP...]] [--out DIR] [--expect FILE]
//               [--update-expectations]
//   mtaspec report DIR... --out DIR
//
// Cases connect from a pool of untrusted source addresses (--source, default
// 127.0.0.2 and 127.0.0.4-127.0.0.9), one per case execution in turn, so that per-client
// connection limits and throttles of the target do not serialise the catalogue; the first
// is also the probe's. Cases with "source": "relay-client" connect from 127.0.0.3.
// Cases that need "dns" get the DNS fixture (harness/dns, zones/fixture.json) on
// 127.0.0.53:53 (UDP+TCP) and the sink's MX listeners on port 25 (harness/sink/standard.h),
// when some target resolves through it (facility "dns"); both stop at the end of the run.
//
// Exit status (anchors A.15): 0 all results as expected; 1 an unexpected
// FAIL/ERROR/TIMEOUT (without --expect: any FAIL/ERROR/TIMEOUT); 2 harness failure
// (bad case file, unreachable target, cannot write).
#ifndef MTA_HARNESS_CLI_RUN_COMMAND_H_
#define MTA_HARNESS_CLI_RUN_COMMAND_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace mta::cli {

struct CatalogueArgs {
  std::string cases_dir = "rfc-cases";
  std::vector<std::string> cases;  // globs
  std::vector<std::string> tags;
  bool slow = false;
  bool json = false;
};

struct RunArgs {
  CatalogueArgs cat;
  std::vector<std::string> targets;
  std::string profile = "strict";
  int jobs = 12;
  std::vector<std::string> sources = {"127.0.0.2", "127.0.0.4", "127.0.0.5", "127.0.0.6",
                                      "127.0.0.7", "127.0.0.8", "127.0.0.9"};
  std::string out;
  std::vector<std::string> expect;  // expectation files
  bool update_expectations = false;
  bool progress = true;             // only when stderr is a terminal
  std::string refmta;               // refmta binary for managed targets ("" = $REFMTA or beside mtaspec)
  bool keep_logs = false;           // managed targets' logs to OUT/logs/<target>/ when they stop
};

int RunLint(const CatalogueArgs& a, std::ostream& out, std::ostream& err);
int RunList(const CatalogueArgs& a, std::ostream& out, std::ostream& err);
int RunDescribe(const CatalogueArgs& a, const std::string& id, std::ostream& out, std::ostream& err);
int RunRun(const RunArgs& a, std::ostream& out, std::ostream& err);
int RunReport(const std::vector<std::string>& dirs, const std::string& out_dir, std::ostream& out,
              std::ostream& err);

}  // namespace mta::cli

#endif  // MTA_HARNESS_CLI_RUN_COMMAND_H_
