// date.h: calendar arithmetic and the two date formats the report generators print.
//
// RFC 5322 3.3 date-time ("Tue, 02 Jan 2024 10:00:05 +0100") and the form qmail's
// date822fmt() writes ("2 Jan 2024 09:00:05 -0000": no day-of-week, day not padded, always
// UT written as "-0000", which RFC 5322 3.3 reads as "UT, local time unknown").
//
//   FormatQmailDate(827034880) == "17 Mar 1996 03:54:40 -0000"
#ifndef MTA_LIB_REPORT_DATE_H_
#define MTA_LIB_REPORT_DATE_H_

#include <cstdint>
#include <ctime>
#include <string>

namespace mta::report {

// A broken-down UTC time (proleptic Gregorian calendar).
struct CivilTime {
  std::int64_t year = 1970;
  int month = 1;    // 1..12
  int day = 1;      // 1..31
  int hour = 0, minute = 0, second = 0;
  int weekday = 4;  // 0 = Sunday
};

// Converts seconds since the epoch to a broken-down UTC time. Works for any time_t.
CivilTime ToCivil(std::int64_t seconds_since_epoch);

// "Jan".."Dec" for 1..12; "Sun".."Sat" for 0..6.
const char* MonthAbbrev(int month);
const char* WeekdayAbbrev(int weekday);

// qmail's date822fmt(): "17 Mar 1996 03:54:40 -0000" (always UT).
std::string FormatQmailDate(std::time_t t);

}  // namespace mta::report

#endif  // MTA_LIB_REPORT_DATE_H_
