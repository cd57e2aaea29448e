// command_fuzzer.cc: SMTP command-line parser under several option sets.
//
// Invariants checked for each input, with and without SMTPUTF8:
//   1. a strict-valid line is read identically with every leniency on (same verb, path,
//      parameters, reply code; no deviation);
//   2. whatever parses formats to a canonical CRLF line that re-parses to the same command
//      with only the leniencies the value itself needs, and formatting is then stable;
//   3. a refused line always carries a reply code (500/501/504/553) and an error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mta/lib/smtp/command.h"

namespace {

using mta::smtp::CommandOptions;
using mta::smtp::FormatCommand;
using mta::smtp::Leniency;
using mta::smtp::LeniencySet;
using mta::smtp::ParseCommand;
using mta::smtp::ParsedCommand;
using mta::smtp::SameCommand;

void Check(bool cond) {
  if (!cond) __builtin_trap();
}

void RoundTrip(const ParsedCommand& c, bool smtputf8) {
  if (!c.ok) {
    Check(c.reply_code >= 500 && c.reply_code <= 555 && !c.error.empty());
    return;
  }
  Check(c.reply_code == 0 || c.reply_code == 555);
  LeniencySet needed;
  LeniencySet dev = LeniencySet::FromVector(c.deviations);
  for (Leniency l : {Leniency::k8BitWithoutSmtputf8, Leniency::kUnqualifiedMailbox}) {
    if (dev.Has(l)) needed.Add(l);
  }
  std::string line = FormatCommand(c);
  ParsedCommand d = ParseCommand(line, CommandOptions{smtputf8, needed});
  Check(d.ok);
  Check(SameCommand(c, d));
  Check(d.reply_code == c.reply_code);
  Check(FormatCommand(d) == line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;  // far beyond the 512-octet line; keep work bounded
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Leniency one = mta::smtp::AllLeniencies()[size % mta::smtp::kLeniencyCount];
  for (bool smtputf8 : {false, true}) {
    ParsedCommand strict = ParseCommand(in, CommandOptions{smtputf8, {}});
    ParsedCommand all = ParseCommand(in, CommandOptions{smtputf8, LeniencySet::All()});
    ParsedCommand single = ParseCommand(in, CommandOptions{smtputf8, {one}});
    if (strict.ok) {
      Check(strict.deviations.empty());
      Check(all.ok && SameCommand(strict, all) && all.deviations.empty());
      Check(all.reply_code == strict.reply_code);
      Check(single.ok && SameCommand(strict, single));
    }
    if (single.ok) {
      Check(LeniencySet::FromVector(single.deviations).SubsetOf(LeniencySet{one}));
      Check(all.ok && SameCommand(single, all));
    }
    RoundTrip(strict, smtputf8);
    RoundTrip(all, smtputf8);
    RoundTrip(single, smtputf8);
  }
  return 0;
}
