// bounce_commands.cc: `mtaspec bounce parse` and `mtaspec bounce make`. See
// bounce_commands.h.
#include "harness/cli/bounce_commands.h"

#include <ctime>
#include <ostream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/cli/io_util.h"
#include "harness/cli/report_json.h"
#include "mta/lib/dsn/classify.h"
#include "mta/lib/dsn/dsn3464.h"
#include "mta/lib/report/model.h"
#include "mta/lib/report/qsbmf.h"

namespace mta::cli {
namespace {

using json = nlohmann::ordered_json;

json NullIfEmpty(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json AnalysisToJson(const std::string& file, const dsn::BounceAnalysis& a) {
  json recipients = json::array();
  for (const auto& r : dsn::Recipients(a))
    recipients.push_back({{"address", r.address},
                          {"action", r.action},
                          {"status", r.status},
                          {"diagnostic", NullIfEmpty(r.diagnostic)},
                          {"remote_mta", NullIfEmpty(r.remote_mta)}});
  json violations = json::array();
  for (const auto& v : a.violations)
    violations.push_back({{"id", v.id},
                          {"severity", std::string(dsn::SeverityName(v.severity))},
                          {"detail", v.detail}});
  json j;
  j["file"] = file;
  j["format"] = std::string(dsn::FormatName(a.format));
  j["reporting_mta"] = NullIfEmpty(a.reporting_mta);
  j["recipients"] = recipients;
  j["violations"] = violations;
  return j;
}

// splitmix64: a small, seedable random source for boundaries and Message-IDs.
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t operator()() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

}  // namespace

void RunBounceParse(const std::vector<std::string>& files, std::ostream& out) {
  // Read everything first: an unreadable file fails the command before any output.
  std::vector<std::string> contents;
  contents.reserve(files.size());
  for (const auto& f : files) contents.push_back(ReadFile(f));
  for (size_t i = 0; i < files.size(); ++i)
    out << JsonLine(AnalysisToJson(files[i], dsn::ClassifyBounce(contents[i])));
}

void RunBounceMake(const BounceMakeArgs& args, std::ostream& out) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ReadFile(args.report_file));
  } catch (const nlohmann::json::parse_error& e) {
    throw std::invalid_argument(args.report_file + ": not JSON: " + e.what());
  }
  report::DeliveryReport r;
  try {
    r = ReportFromJson(j);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(args.report_file + ": " + e.what());
  }
  const std::string original = ReadFile(args.original_file);
  if (args.utc_offset_minutes <= -24 * 60 || args.utc_offset_minutes >= 24 * 60)
    throw std::invalid_argument("--utc-offset must be within +-1439 minutes");

  SplitMix64 rng{args.seed};
  report::GeneratorEnv env;
  env.hostname = args.hostname.empty() ? r.reporting_mta.value : args.hostname;
  if (env.hostname.empty()) throw std::invalid_argument("no host name: give --hostname");
  env.now = args.now ? static_cast<std::time_t>(*args.now) : std::time(nullptr);
  env.utc_offset_minutes = args.utc_offset_minutes;
  env.random = [&rng] { return rng(); };

  if (args.format == "qsbmf") {
    report::QsbmfOptions opts;
    if (args.double_bounce) opts.double_bounce = true;
    opts.crlf = args.crlf;
    // qmail-send returns the message as its queue stores it, with LF line ends; the
    // generator writes CRLF everywhere (original included) when asked for the wire form.
    std::string stored;
    stored.reserve(original.size());
    for (size_t i = 0; i < original.size(); ++i)
      if (!(original[i] == '\r' && i + 1 < original.size() && original[i + 1] == '\n'))
        stored += original[i];
    out << report::GenerateQsbmf(r, stored, env, opts);
  } else {
    out << dsn::GenerateDsn(r, original, env, {});
  }
}

}  // namespace mta::cli
