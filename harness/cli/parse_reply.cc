// parse_reply.cc: `mtaspec parse reply`. See parse_commands.h.
#include <istream>
#include <iterator>
#include <ostream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/cli/io_util.h"
#include "harness/cli/parse_commands.h"
#include "mta/lib/reply/reply_reader.h"
#include "mta/lib/reply/status_text.h"

namespace mta::cli {
namespace {

nlohmann::ordered_json ReplyToJson(const reply::Reply& r) {
  nlohmann::ordered_json j;
  j["code"] = r.code;
  if (r.enhanced) {
    j["enhanced"] = r.enhanced->ToString();
    j["enhanced_text"] = std::string(reply::EnhancedStatusText(*r.enhanced));
  } else {
    j["enhanced"] = nullptr;
  }
  j["lines"] = r.lines;
  j["text"] = r.JoinedText();
  nlohmann::ordered_json flags = nlohmann::ordered_json::array();
  for (auto f : r.flags) flags.push_back(std::string(reply::ReplyFlagId(f)));
  j["flags"] = flags;
  j["ok"] = r.ok();
  return j;
}

// Input files are text: an LF alone stands for the CRLF of the wire.
std::string ToWire(const std::string& in) {
  std::string out;
  out.reserve(in.size() + in.size() / 16);
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) out += '\r';
    out += in[i];
  }
  return out;
}

}  // namespace

void RunParseReply(bool raw, std::istream& in, std::ostream& out) {
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::invalid_argument("cannot read standard input");
  reply::ReplyReader reader;
  reader.Feed(raw ? bytes : ToWire(bytes));
  while (auto r = reader.Next()) out << JsonLine(ReplyToJson(*r));
  if (auto r = reader.Finish()) out << JsonLine(ReplyToJson(*r));
}

}  // namespace mta::cli
