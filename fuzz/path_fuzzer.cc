// path_fuzzer.cc: RFC 5321 path parser under every option set.
//
// Invariants checked for each input, as Reverse-path and Forward-path, with and without
// SMTPUTF8:
//   1. strict-valid input is read identically with every leniency on (no deviation);
//   2. whatever parses (strict, all leniencies, one leniency chosen by the input) formats to
//      a path that re-parses to the same value with only the leniencies the value itself
//      needs (8-bit, unqualified mailbox), and formatting is then stable.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mta/lib/smtp/path.h"

namespace {

using mta::smtp::FormatPath;
using mta::smtp::Leniency;
using mta::smtp::LeniencySet;
using mta::smtp::ParsedPath;
using mta::smtp::ParsePath;
using mta::smtp::PathOptions;
using mta::smtp::SamePath;

void Check(bool cond) {
  if (!cond) __builtin_trap();
}

void RoundTrip(const ParsedPath& p, bool reverse, bool smtputf8) {
  if (!p.ok) return;
  LeniencySet needed;
  LeniencySet dev = LeniencySet::FromVector(p.deviations);
  for (Leniency l : {Leniency::k8BitWithoutSmtputf8, Leniency::kUnqualifiedMailbox}) {
    if (dev.Has(l)) needed.Add(l);
  }
  std::string text = FormatPath(p);
  ParsedPath q = ParsePath(text, PathOptions{reverse, smtputf8, needed});
  Check(q.ok);
  Check(SamePath(p, q));
  Check(LeniencySet::FromVector(q.deviations).SubsetOf(needed));
  Check(FormatPath(q) == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // paths are at most a command line; keep work bounded
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Leniency one = mta::smtp::AllLeniencies()[size % mta::smtp::kLeniencyCount];
  for (bool reverse : {false, true}) {
    for (bool smtputf8 : {false, true}) {
      ParsedPath strict = ParsePath(in, PathOptions{reverse, smtputf8, {}});
      ParsedPath all = ParsePath(in, PathOptions{reverse, smtputf8, LeniencySet::All()});
      ParsedPath single = ParsePath(in, PathOptions{reverse, smtputf8, {one}});
      Check(strict.ok || !strict.error.empty());
      if (strict.ok) {
        Check(strict.deviations.empty());
        Check(all.ok && SamePath(strict, all) && all.deviations.empty());
        Check(all.limit_findings == strict.limit_findings);
        Check(single.ok && SamePath(strict, single) && single.deviations.empty());
      }
      if (single.ok) {
        // A single leniency never needs another one.
        Check(LeniencySet::FromVector(single.deviations).SubsetOf(LeniencySet{one}));
        Check(all.ok && SamePath(single, all));
      }
      RoundTrip(strict, reverse, smtputf8);
      RoundTrip(all, reverse, smtputf8);
      RoundTrip(single, reverse, smtputf8);
    }
  }
  return 0;
}
