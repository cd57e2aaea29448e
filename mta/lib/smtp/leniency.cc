// leniency.cc: names of the SMTP leniencies (see leniency.h).
#include "mta/lib/smtp/leniency.h"

#include <array>

namespace mta::smtp {
namespace {

constexpr std::array<Leniency, kLeniencyCount> kAll = {
    Leniency::kNoAngleBrackets,    Leniency::kSpaceAfterColon,   Leniency::kTrailingSpace,
    Leniency::kLfLineEnd,          Leniency::k8BitWithoutSmtputf8, Leniency::kCommentInPath,
    Leniency::kExtraSpace,         Leniency::kTrailingDotDomain, Leniency::kUnqualifiedMailbox,
};

constexpr std::array<std::string_view, kLeniencyCount> kNames = {
    "no-angle-brackets", "space-after-colon", "trailing-space",
    "lf-line-end",       "8bit-without-smtputf8", "comment-in-path",
    "extra-space",       "trailing-dot-domain",   "unqualified-mailbox",
};

}  // namespace

std::string_view LeniencyName(Leniency l) {
  auto i = static_cast<std::size_t>(l);
  return i < kNames.size() ? kNames[i] : std::string_view("unknown");
}

std::optional<Leniency> ParseLeniency(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return kAll[i];
  }
  return std::nullopt;
}

std::span<const Leniency> AllLeniencies() { return kAll; }

std::vector<std::string_view> LeniencyNames() { return {kNames.begin(), kNames.end()}; }

LeniencySet LeniencySet::All() {
  LeniencySet s;
  for (Leniency l : kAll) s.Add(l);
  return s;
}

std::vector<Leniency> LeniencySet::ToVector() const {
  std::vector<Leniency> out;
  for (Leniency l : kAll) {
    if (Has(l)) out.push_back(l);
  }
  return out;
}

LeniencySet LeniencySet::FromVector(const std::vector<Leniency>& v) {
  LeniencySet s;
  for (Leniency l : v) s.Add(l);
  return s;
}

}  // namespace mta::smtp
