// leniency_test.cc: leniency names and limit descriptions.
#include "mta/lib/smtp/leniency.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "mta/lib/smtp/limits.h"

namespace mta::smtp {
namespace {

TEST(LeniencyTest, NamesRoundTripAndAreUnique) {
  std::set<std::string_view> seen;
  for (Leniency l : AllLeniencies()) {
    std::string_view n = LeniencyName(l);
    EXPECT_TRUE(seen.insert(n).second) << n;
    ASSERT_TRUE(ParseLeniency(n).has_value()) << n;
    EXPECT_EQ(*ParseLeniency(n), l);
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kLeniencyCount));
  EXPECT_EQ(LeniencyNames().size(), static_cast<std::size_t>(kLeniencyCount));
}

TEST(LeniencyTest, RequiredNamesExist) {
  for (const char* n : {"no-angle-brackets", "space-after-colon", "trailing-space",
                        "lf-line-end", "8bit-without-smtputf8"}) {
    EXPECT_TRUE(ParseLeniency(n).has_value()) << n;
  }
}

TEST(LeniencyTest, UnknownNamesRejected) {
  EXPECT_FALSE(ParseLeniency(""));
  EXPECT_FALSE(ParseLeniency("No-Angle-Brackets"));
  EXPECT_FALSE(ParseLeniency("no_angle_brackets"));
  EXPECT_FALSE(ParseLeniency("bogus"));
}

TEST(LeniencyTest, SetOperations) {
  LeniencySet s{Leniency::kLfLineEnd, Leniency::kNoAngleBrackets};
  EXPECT_TRUE(s.Has(Leniency::kLfLineEnd));
  EXPECT_FALSE(s.Has(Leniency::kTrailingSpace));
  EXPECT_EQ(s.ToVector(),
            (std::vector<Leniency>{Leniency::kNoAngleBrackets, Leniency::kLfLineEnd}));
  EXPECT_TRUE(s.SubsetOf(LeniencySet::All()));
  EXPECT_FALSE(LeniencySet::All().SubsetOf(s));
  s.Remove(Leniency::kLfLineEnd);
  EXPECT_EQ(s, LeniencySet{Leniency::kNoAngleBrackets});
  EXPECT_TRUE(LeniencySet().empty());
}

TEST(LimitsTest, Descriptions) {
  EXPECT_EQ(LimitValue(Limit::kLocalPart), 64u);
  EXPECT_EQ(LimitValue(Limit::kDomain), 255u);
  EXPECT_EQ(LimitValue(Limit::kPath), 256u);
  EXPECT_EQ(LimitValue(Limit::kCommandLine), 512u);
  LimitFinding f = MakeLimitFinding(Limit::kCommandLine, 600);
  EXPECT_EQ(f.name, "command-line");
  EXPECT_EQ(f.section, "RFC 5321 4.5.3.1.4");
  EXPECT_EQ(f.actual, 600u);
  EXPECT_EQ(f.reply_code, 500);
  EXPECT_EQ(MakeLimitFinding(Limit::kDomain, 300).reply_code, 501);
}

}  // namespace
}  // namespace mta::smtp
