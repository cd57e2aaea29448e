// parse_headers.cc: `mtaspec parse headers FILE`. See parse_commands.h.
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/cli/io_util.h"
#include "harness/cli/parse_commands.h"
#include "mta/lib/message/header.h"

namespace mta::cli {
namespace {

const char* IssueId(message::HeaderIssue i) {
  using message::HeaderIssue;
  switch (i) {
    case HeaderIssue::kBareLf: return "bare-lf";
    case HeaderIssue::kBareCr: return "bare-cr";
    case HeaderIssue::kNul: return "nul";
    case HeaderIssue::kObsWspBeforeColon: return "obs-wsp-before-colon";
    case HeaderIssue::kMissingColon: return "missing-colon";
    case HeaderIssue::kContinuationFirst: return "continuation-first";
    case HeaderIssue::kLineTooLong: return "line-too-long";
    case HeaderIssue::kNonAsciiName: return "non-ascii-name";
    case HeaderIssue::kObsEmptyFoldLine: return "obs-empty-fold-line";
    case HeaderIssue::kNoBodySeparator: return "no-body-separator";
  }
  return "unknown";
}

}  // namespace

void RunParseHeaders(const std::string& file, std::ostream& out) {
  const std::string bytes = ReadFile(file);
  message::ParsedHeader h = message::ParseHeader(bytes);
  nlohmann::ordered_json fields = nlohmann::ordered_json::array();
  for (const auto& f : h.fields)
    fields.push_back({{"name", f.name}, {"value", f.Unfolded()}, {"raw", f.raw}});
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const auto& f : h.findings) findings.push_back({{"issue", IssueId(f.issue)}, {"offset", f.offset}});
  nlohmann::ordered_json j;
  j["file"] = file;
  j["fields"] = fields;
  j["findings"] = findings;
  j["body_offset"] = h.body_offset;
  j["has_separator"] = h.has_separator;
  auto rp = message::ReturnPath(h);
  j["received_count"] = message::CountReceived(h);
  j["delivered_to"] = message::DeliveredTo(h);
  j["return_path"] = rp ? nlohmann::ordered_json(*rp) : nlohmann::ordered_json(nullptr);
  j["auto_submitted"] = message::AutoSubmitted(h);
  out << JsonLine(j);
}

}  // namespace mta::cli
