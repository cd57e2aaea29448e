// date.cc: calendar arithmetic and qmail's date format (see date.h).
#include "mta/lib/report/date.h"

#include <cstdio>

namespace mta::report {

namespace {
// Floor division for possibly negative numerators.
std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
}  // namespace

CivilTime ToCivil(std::int64_t s) {
  CivilTime c;
  std::int64_t days = FloorDiv(s, 86400);
  std::int64_t secs = s - days * 86400;
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  // 1970-01-01 was a Thursday.
  std::int64_t wd = (days + 4) % 7;
  if (wd < 0) wd += 7;
  c.weekday = static_cast<int>(wd);
  // Days-to-civil in 400-year eras (H. Hinnant's algorithm).
  std::int64_t z = days + 719468;
  std::int64_t era = FloorDiv(z, 146097);
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2 ? 1 : 0);
  return c;
}

const char* MonthAbbrev(int month) {
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return (month >= 1 && month <= 12) ? kMonths[month - 1] : "???";
}

const char* WeekdayAbbrev(int weekday) {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  return (weekday >= 0 && weekday <= 6) ? kDays[weekday] : "???";
}

std::string FormatQmailDate(std::time_t t) {
  // qmail date822fmt.c: fmt_uint(mday) " " month " " year " " hh:mm:ss " -0000".
  CivilTime c = ToCivil(static_cast<std::int64_t>(t));
  char buf[96];
  std::snprintf(buf, sizeof buf, "%d %s %lld %02d:%02d:%02d -0000", c.day, MonthAbbrev(c.month),
                static_cast<long long>(c.year), c.hour, c.minute, c.second);
  return buf;
}

}  // namespace mta::report
