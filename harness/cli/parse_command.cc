// parse_command.cc: `mtaspec parse command`. See parse_commands.h.
#include <istream>
#include <ostream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/cli/io_util.h"
#include "harness/cli/parse_commands.h"
#include "harness/cli/smtp_json.h"
#include "mta/lib/smtp/command.h"

namespace mta::cli {

void RunParseCommand(const ParseCommandArgs& args, std::istream& in, std::ostream& out) {
  smtp::CommandOptions opts;
  opts.smtputf8 = args.smtputf8;
  opts.leniencies = LeniencySetFromNames(args.lenient);
  std::string line;
  while (std::getline(in, line)) {
    const bool had_lf = !in.eof();
    std::string input = line;
    if (!input.empty() && input.back() == '\r') input.pop_back();
    // The file's line end stands for the wire's CRLF, unless --raw keeps it as it is.
    std::string wire = args.raw ? line + (had_lf ? "\n" : "") : input + "\r\n";
    smtp::ParsedCommand c = smtp::ParseCommand(wire, opts);
    nlohmann::ordered_json j;
    j["input"] = input;
    j["ok"] = c.ok;
    j["verb"] = c.verb == smtp::Verb::kUnknown ? nlohmann::ordered_json(nullptr)
                                                : nlohmann::ordered_json(std::string(smtp::VerbName(c.verb)));
    j["argument"] = c.argument;
    j["path"] = c.path ? PathToJson(*c.path) : nlohmann::ordered_json(nullptr);
    nlohmann::ordered_json params = nlohmann::ordered_json::array();
    for (const auto& p : c.params)
      params.push_back({{"keyword", p.keyword_upper},
                        {"value", p.value ? nlohmann::ordered_json(*p.value) : nlohmann::ordered_json(nullptr)}});
    j["params"] = params;
    if (c.verb == smtp::Verb::kBdat) {
      j["bdat_size"] = c.bdat_size;
      j["bdat_last"] = c.bdat_last;
    }
    nlohmann::ordered_json deviations = nlohmann::ordered_json::array();
    for (auto d : c.deviations) deviations.push_back(std::string(smtp::LeniencyName(d)));
    j["deviations"] = deviations;
    nlohmann::ordered_json limits = nlohmann::ordered_json::array();
    for (const auto& f : c.limit_findings)
      limits.push_back({{"limit", std::string(f.name)}, {"max", f.limit_value}, {"actual", f.actual}});
    j["limits"] = limits;
    j["reply_code"] = c.reply_code == 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.reply_code);
    j["error"] = c.error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.error);
    out << JsonLine(j);
  }
  if (in.bad()) throw std::invalid_argument("cannot read standard input");
}

}  // namespace mta::cli
