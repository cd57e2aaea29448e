// anomaly_test.cc: stable kebab-case names of the DATA anomaly kinds.
#include "mta/lib/data/anomaly.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace mta::data {
namespace {

TEST(Anomaly, NamesAreStable) {
  EXPECT_EQ(AnomalyName(AnomalyKind::kBareLf), "bare-lf");
  EXPECT_EQ(AnomalyName(AnomalyKind::kBareCr), "bare-cr");
  EXPECT_EQ(AnomalyName(AnomalyKind::kLfDotLf), "lf-dot-lf");
  EXPECT_EQ(AnomalyName(AnomalyKind::kLfDotCr), "lf-dot-cr");
  EXPECT_EQ(AnomalyName(AnomalyKind::kLfDotCrLf), "lf-dot-crlf");
  EXPECT_EQ(AnomalyName(AnomalyKind::kCrDotLf), "cr-dot-lf");
  EXPECT_EQ(AnomalyName(AnomalyKind::kCrDotCr), "cr-dot-cr");
  EXPECT_EQ(AnomalyName(AnomalyKind::kCrDotCrLf), "cr-dot-crlf");
  EXPECT_EQ(AnomalyName(AnomalyKind::kCrLfDotLf), "crlf-dot-lf");
  EXPECT_EQ(AnomalyName(AnomalyKind::kCrLfDotCr), "crlf-dot-cr");
  EXPECT_EQ(AnomalyName(AnomalyKind::kCrLfNulDotCrLf), "crlf-nul-dot-crlf");
  EXPECT_EQ(AnomalyName(AnomalyKind::kNul), "nul");
  EXPECT_EQ(AnomalyName(AnomalyKind::kControl), "control");
  EXPECT_EQ(AnomalyName(AnomalyKind::k8Bit), "8bit");
  EXPECT_EQ(AnomalyName(AnomalyKind::kLongLine), "long-line");
  EXPECT_EQ(AnomalyName(AnomalyKind::kTooBig), "too-big");
  EXPECT_EQ(AnomalyName(AnomalyKind::kCount), "unknown");
}

TEST(Anomaly, NamesAreDistinctKebabCaseAndParse) {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < kAnomalyKindCount; ++i) {
    AnomalyKind k = static_cast<AnomalyKind>(i);
    std::string_view n = AnomalyName(k);
    EXPECT_TRUE(seen.insert(n).second) << n;
    for (char c : n) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
    EXPECT_EQ(ParseAnomalyName(n), k);
  }
  EXPECT_EQ(ParseAnomalyName("Bare-LF"), std::nullopt);
  EXPECT_EQ(ParseAnomalyName(""), std::nullopt);
}

TEST(Anomaly, SmugglingVariants) {
  EXPECT_FALSE(IsSmugglingVariant(AnomalyKind::kBareLf));
  EXPECT_FALSE(IsSmugglingVariant(AnomalyKind::kBareCr));
  EXPECT_TRUE(IsSmugglingVariant(AnomalyKind::kLfDotLf));
  EXPECT_TRUE(IsSmugglingVariant(AnomalyKind::kCrLfDotCr));
  EXPECT_TRUE(IsSmugglingVariant(AnomalyKind::kCrLfNulDotCrLf));
  EXPECT_FALSE(IsSmugglingVariant(AnomalyKind::kNul));
}

}  // namespace
}  // namespace mta::data
