// model_test.cc: ActionName / ParseAction (RFC 3464 2.3.3) and the date formats
// (RFC 5322 3.3, qmail date822fmt).
#include <gtest/gtest.h>

#include "mta/lib/report/date.h"
#include "mta/lib/report/model.h"

namespace mta::report {
namespace {

TEST(Action, NamesRoundTrip) {
  for (Action a : {Action::kFailed, Action::kDelayed, Action::kDelivered, Action::kRelayed,
                   Action::kExpanded}) {
    auto back = ParseAction(ActionName(a));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, a);
  }
  EXPECT_EQ(ActionName(Action::kFailed), "failed");
  EXPECT_EQ(ActionName(Action::kExpanded), "expanded");
}

TEST(Action, ParseIsCaseInsensitiveAndStrict) {
  EXPECT_EQ(ParseAction("FAILED"), Action::kFailed);
  EXPECT_EQ(ParseAction("Delayed"), Action::kDelayed);
  EXPECT_FALSE(ParseAction("fail").has_value());
  EXPECT_FALSE(ParseAction(" failed").has_value());
  EXPECT_FALSE(ParseAction("").has_value());
}

TEST(Date, Rfc5322) {
  EXPECT_EQ(FormatRfc5322Date(0, 0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(FormatRfc5322Date(0, 60), "Thu, 01 Jan 1970 01:00:00 +0100");
  // 2024-01-02 09:00:05 UTC.
  EXPECT_EQ(FormatRfc5322Date(1704186005, 60), "Tue, 02 Jan 2024 10:00:05 +0100");
  EXPECT_EQ(FormatRfc5322Date(1704186005, -330), "Tue, 02 Jan 2024 03:30:05 -0530");
  EXPECT_EQ(FormatRfc5322Date(951782400, 0), "Tue, 29 Feb 2000 00:00:00 +0000");
  EXPECT_EQ(FormatRfc5322Date(-1, 0), "Wed, 31 Dec 1969 23:59:59 +0000");
}

TEST(Date, QmailFormat) {
  // qmail date822fmt: day not padded, no weekday, always -0000.
  EXPECT_EQ(FormatQmailDate(827034880), "17 Mar 1996 03:54:40 -0000");
  EXPECT_EQ(FormatQmailDate(1704186005), "2 Jan 2024 09:00:05 -0000");
  EXPECT_EQ(FormatQmailDate(0), "1 Jan 1970 00:00:00 -0000");
}

TEST(Date, CivilAcrossCenturies) {
  CivilTime c = ToCivil(4107542400);  // 2100-03-01, 2100 is not a leap year
  EXPECT_EQ(c.year, 2100);
  EXPECT_EQ(c.month, 3);
  EXPECT_EQ(c.day, 1);
  EXPECT_EQ(c.weekday, 1);  // Monday
}

}  // namespace
}  // namespace mta::report
