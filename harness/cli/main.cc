// main.cc: the mtaspec command.
//
//   mtaspec parse path|command|reply|headers ...   the grammar layer on stdin or a file
//   mtaspec bounce parse FILE...                    classify and parse bounces
//   mtaspec bounce make --format F --report R --original M
//   mtaspec lint | list | describe CASE | run --target HOST:PORT ... | report DIR... --out DIR
//
// Exit status: 0 success; 2 bad input or usage (one line on stderr); 1 is reserved for
// "ran, and found a mismatch" (mtaspec run --expect).
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "harness/cli/bounce_commands.h"
#include "harness/cli/dns_command.h"
#include "harness/cli/parse_commands.h"
#include "harness/cli/run_command.h"
#include "harness/cli/sink_command.h"

namespace {

constexpr int kExitBadInput = 2;

int Fail(const std::string& message) {
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  std::cerr << "mtaspec: " << line << "\n";
  return kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  CLI::App app{"mtaspec: SMTP conformance harness and bounce tools"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mtaspec 0.1.0");

  // parse ...
  CLI::App* parse = app.add_subcommand("parse", "Run a grammar-layer parser, JSON out");
  parse->require_subcommand(1);

  mta::cli::ParsePathArgs path_args;
  CLI::App* parse_path = parse->add_subcommand(
      "path", "Parse one RFC 5321 path per line of stdin (e.g. <user@example.com>)");
  parse_path->add_flag("--reverse", path_args.reverse, "Reverse-path: accept <>");
  parse_path->add_flag("--smtputf8", path_args.smtputf8, "RFC 6531 SMTPUTF8 mode");
  parse_path->add_option("--lenient", path_args.lenient, "Leniency to allow (repeatable)")
      ->expected(1, -1);

  mta::cli::ParseCommandArgs command_args;
  CLI::App* parse_command =
      parse->add_subcommand("command", "Parse one SMTP command per line of stdin");
  parse_command->add_flag("--smtputf8", command_args.smtputf8, "RFC 6531 SMTPUTF8 mode");
  parse_command->add_option("--lenient", command_args.lenient, "Leniency to allow (repeatable)")
      ->expected(1, -1);
  parse_command->add_flag("--raw", command_args.raw,
                          "Take each line's own line end (LF or CRLF) as the command's");

  bool reply_raw = false;
  CLI::App* parse_reply =
      parse->add_subcommand("reply", "Parse SMTP replies from stdin (LF taken as CRLF)");
  parse_reply->add_flag("--raw", reply_raw, "Take the input's line ends as they are");

  std::string headers_file;
  CLI::App* parse_headers =
      parse->add_subcommand("headers", "Parse the RFC 5322 header section of a message");
  parse_headers->add_option("FILE", headers_file, "Message file")->required();

  // bounce ...
  CLI::App* bounce = app.add_subcommand("bounce", "Classify, parse and make bounces");
  bounce->require_subcommand(1);
  std::vector<std::string> bounce_files;
  CLI::App* bounce_parse =
      bounce->add_subcommand("parse", "Classify and parse bounce messages, one JSON line each");
  bounce_parse->add_option("FILE", bounce_files, "Message files")->required();

  mta::cli::BounceMakeArgs make_args;
  CLI::App* bounce_make = bounce->add_subcommand("make", "Write a bounce to stdout");
  bounce_make->add_option("--format", make_args.format, "qsbmf or rfc3464")
      ->required()
      ->check(CLI::IsMember({"qsbmf", "rfc3464"}));
  bounce_make->add_option("--report", make_args.report_file, "REPORT.json")->required();
  bounce_make->add_option("--original", make_args.original_file, "The original message")
      ->required();
  bounce_make->add_option("--seed", make_args.seed, "Random seed (boundaries, Message-ID)");
  bounce_make->add_option("--now", make_args.now,
                          "Clock, seconds since the epoch (default: the current time)");
  bounce_make->add_option("--utc-offset", make_args.utc_offset_minutes,
                          "Zone of the Date field, minutes east of UTC");
  bounce_make->add_option("--hostname", make_args.hostname,
                          "Our host name (default: the report's reporting-mta)");
  bounce_make->add_flag("--double-bounce", make_args.double_bounce,
                        "QSBMF: the bounced message was itself a bounce");
  bounce_make->add_flag("--crlf", make_args.crlf,
                        "QSBMF: CRLF line ends (wire form) instead of qmail's stored LF");

  // lint, list, describe, run, report: the conformance catalogue and runner.
  mta::cli::RunArgs run_args;
  auto add_selection = [](CLI::App* sub, mta::cli::CatalogueArgs& c) {
    sub->add_option("--cases-dir", c.cases_dir, "The rfc-cases directory")->capture_default_str();
    sub->add_option("--cases", c.cases, "Case id or point glob (repeatable)");
    sub->add_option("--tag", c.tags, "Only cases with this tag (repeatable)");
    sub->add_flag("--slow", c.slow, "Include cases tagged slow");
  };
  mta::cli::CatalogueArgs lint_args, list_args, describe_args;
  CLI::App* lint = app.add_subcommand("lint", "Check the case catalogue (schema, ids, points, observations)");
  lint->add_option("--cases-dir", lint_args.cases_dir, "The rfc-cases directory")->capture_default_str();
  CLI::App* list = app.add_subcommand("list", "List the cases");
  add_selection(list, list_args);
  list->add_flag("--json", list_args.json, "One JSON object per line");
  std::string describe_id;
  CLI::App* describe = app.add_subcommand("describe", "Show a case with its point's verdict table");
  describe->add_option("--cases-dir", describe_args.cases_dir, "The rfc-cases directory");
  describe->add_option("CASE", describe_id, "Case id")->required();
  CLI::App* run = app.add_subcommand("run", "Run cases against SMTP targets and write a report");
  add_selection(run, run_args.cat);
  run->add_option("--target", run_args.targets,
                  "refmta, refmta-qmail, postfix, exim, opensmtpd (started and stopped here) "
                  "or [NAME=]HOST:PORT (repeatable)")->required();
  run->add_option("--refmta", run_args.refmta, "refmta binary (default $REFMTA, else beside mtaspec)");
  run->add_option("--profile", run_args.profile, "strict, interop, hardened, qmail")->capture_default_str();
  run->add_option("--jobs", run_args.jobs, "Cases run at once")->capture_default_str();
  run->add_option("--source", run_args.sources,
                  "Source addresses, used in turn per case (none the target trusts)")
      ->delimiter(',')->capture_default_str();
  run->add_option("--out", run_args.out, "Report directory (default reports/<time>)");
  run->add_flag("--keep-logs", run_args.keep_logs,
                "Copy the managed targets' logs to OUT/logs/<target>/ when they stop");
  run->add_option("--expect", run_args.expect, "Expectations file (repeatable)");
  run->add_flag("--update-expectations", run_args.update_expectations,
                "Rewrite the expectation files from this run");
  std::vector<std::string> report_dirs;
  std::string report_out;
  CLI::App* report = app.add_subcommand("report", "Merge run directories into one report");
  report->add_option("DIR", report_dirs, "Run directories or run.json files")->required();
  report->add_option("--out", report_out, "Output directory")->required();
  mta::cli::SinkArgs sink_args;
  CLI::App* sink = app.add_subcommand("sink", "Run the capture sink (a scriptable SMTP peer) in the foreground");
  sink->add_option("--listen", sink_args.listen, "IP:PORT[=BEHAVIOUR.json] (repeatable; port 0: any)")->required();
  sink->add_option("--out", sink_args.out, "Directory for NNNN.json and NNNN.eml")->required();
  sink->add_option("--count", sink_args.count, "Stop after this many complete messages");
  sink->add_option("--timeout", sink_args.timeout, "Stop after this many seconds");
  mta::cli::DnsArgs dns_args;
  CLI::App* dns = app.add_subcommand("dns", "Run the DNS fixture (authoritative, UDP+TCP) in the foreground");
  dns->add_option("--listen", dns_args.listen, "IP:PORT (port 0: any; default 127.0.0.53:53 as root)");
  dns->add_option("--zone", dns_args.zone, "Zone file (JSON, see harness/dns/README.md)")->required();
  dns->add_option("--log", dns_args.log, "Append one JSON line per query to FILE");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return Fail(e.what());
  }

  if (*lint) return mta::cli::RunLint(lint_args, std::cout, std::cerr);
  if (*list) return mta::cli::RunList(list_args, std::cout, std::cerr);
  if (*describe) return mta::cli::RunDescribe(describe_args, describe_id, std::cout, std::cerr);
  if (*run) return mta::cli::RunRun(run_args, std::cout, std::cerr);
  if (*report) return mta::cli::RunReport(report_dirs, report_out, std::cout, std::cerr);
  if (*sink) return mta::cli::RunSink(sink_args, std::cout, std::cerr);
  if (*dns) return mta::cli::RunDns(dns_args, std::cout, std::cerr);

  try {
    if (*parse_path) mta::cli::RunParsePath(path_args, std::cin, std::cout);
    else if (*parse_command) mta::cli::RunParseCommand(command_args, std::cin, std::cout);
    else if (*parse_reply) mta::cli::RunParseReply(reply_raw, std::cin, std::cout);
    else if (*parse_headers) mta::cli::RunParseHeaders(headers_file, std::cout);
    else if (*bounce_parse) mta::cli::RunBounceParse(bounce_files, std::cout);
    else if (*bounce_make) mta::cli::RunBounceMake(make_args, std::cout);
  } catch (const std::invalid_argument& e) {
    return Fail(e.what());
  } catch (const std::exception& e) {
    return Fail(std::string("internal error: ") + e.what());
  }
  std::cout.flush();
  if (!std::cout) return Fail("cannot write standard output");
  return 0;
}
