// model.cc: the small functions of the delivery-report model (see model.h).
//
// RFC 3464 2.3.3 (action-value), RFC 5322 3.3 (date-time).
//   ActionName(Action::kFailed) == "failed"
//   FormatRfc5322Date(0, 60) == "Thu, 01 Jan 1970 01:00:00 +0100"
#include "mta/lib/report/model.h"

#include <cstdio>
#include <cstdlib>

#include "mta/lib/report/date.h"

namespace mta::report {

namespace {
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]);
    unsigned char y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
}  // namespace

std::string_view ActionName(Action a) {
  switch (a) {
    case Action::kFailed: return "failed";
    case Action::kDelayed: return "delayed";
    case Action::kDelivered: return "delivered";
    case Action::kRelayed: return "relayed";
    case Action::kExpanded: return "expanded";
  }
  return "failed";
}

std::optional<Action> ParseAction(std::string_view text) {
  // RFC 3464 2.3.3: action-value = "failed" / "delayed" / "delivered" / "relayed" /
  // "expanded"; field values are case-insensitive.
  for (Action a : {Action::kFailed, Action::kDelayed, Action::kDelivered, Action::kRelayed,
                   Action::kExpanded}) {
    if (EqualsIgnoreCase(text, ActionName(a))) return a;
  }
  return std::nullopt;
}

std::string FormatRfc5322Date(std::time_t t, int utc_offset_minutes) {
  // RFC 5322 3.3: zone = (FWS ( "+" / "-" ) 4DIGIT); hours up to 99, minutes 00-59.
  int off = utc_offset_minutes;
  if (off > 99 * 60 + 59) off = 99 * 60 + 59;
  if (off < -(99 * 60 + 59)) off = -(99 * 60 + 59);
  CivilTime c = ToCivil(static_cast<std::int64_t>(t) + static_cast<std::int64_t>(off) * 60);
  int a = std::abs(off);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04lld %02d:%02d:%02d %c%02d%02d",
                WeekdayAbbrev(c.weekday), c.day, MonthAbbrev(c.month),
                static_cast<long long>(c.year), c.hour, c.minute, c.second,
                off < 0 ? '-' : '+', a / 60, a % 60);
  return buf;
}

}  // namespace mta::report
