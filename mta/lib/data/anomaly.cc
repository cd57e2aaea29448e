// anomaly.cc: names of the DATA stream anomaly kinds (see anomaly.h).
#include "mta/lib/data/anomaly.h"

namespace mta::data {
namespace {

constexpr std::array<std::string_view, kAnomalyKindCount> kNames = {
    "bare-lf",     "bare-cr",     "lf-dot-lf",   "lf-dot-cr",   "lf-dot-crlf",
    "cr-dot-lf",   "cr-dot-cr",   "cr-dot-crlf", "crlf-dot-lf", "crlf-dot-cr",
    "crlf-nul-dot-crlf", "nul",   "control",     "8bit",        "long-line",
    "too-big",
};

}  // namespace

std::string_view AnomalyName(AnomalyKind kind) {
  size_t i = static_cast<size_t>(kind);
  return i < kNames.size() ? kNames[i] : std::string_view("unknown");
}

std::optional<AnomalyKind> ParseAnomalyName(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<AnomalyKind>(i);
  }
  return std::nullopt;
}

bool IsSmugglingVariant(AnomalyKind kind) {
  return kind >= AnomalyKind::kLfDotLf && kind <= AnomalyKind::kCrLfNulDotCrLf;
}

}  // namespace mta::data
