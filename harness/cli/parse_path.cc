// parse_path.cc: `mtaspec parse path`. See parse_commands.h.
#include <istream>
#include <ostream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "harness/cli/io_util.h"
#include "harness/cli/parse_commands.h"
#include "harness/cli/smtp_json.h"
#include "mta/lib/smtp/path.h"

namespace mta::cli {

void RunParsePath(const ParsePathArgs& args, std::istream& in, std::ostream& out) {
  smtp::PathOptions opts;
  opts.reverse = args.reverse;
  opts.smtputf8 = args.smtputf8;
  opts.leniencies = LeniencySetFromNames(args.lenient);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    smtp::ParsedPath p = smtp::ParsePath(line, opts);
    nlohmann::ordered_json j = PathToJson(p);
    nlohmann::ordered_json o;
    o["input"] = line;
    for (auto& [k, v] : j.items()) o[k] = v;
    out << JsonLine(o);
  }
  if (in.bad()) throw std::invalid_argument("cannot read standard input");
}

}  // namespace mta::cli
