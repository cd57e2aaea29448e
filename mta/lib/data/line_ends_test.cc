// line_ends_test.cc: line-end canonicalisation helpers (RFC 5321 2.3.8, RFC 5322 2.3).
#include "mta/lib/data/line_ends.h"

#include <gtest/gtest.h>

namespace mta::data {
namespace {

TEST(LineEnds, IsCanonical) {
  EXPECT_TRUE(IsCanonical(""));
  EXPECT_TRUE(IsCanonical("a\r\nb"));
  EXPECT_TRUE(IsCanonical("\r\n\r\n"));
  EXPECT_FALSE(IsCanonical("a\nb"));
  EXPECT_FALSE(IsCanonical("a\rb"));
  EXPECT_FALSE(IsCanonical("a\r"));
  EXPECT_FALSE(IsCanonical("\n\r"));
  EXPECT_FALSE(IsCanonical("\r\r\n"));
}

TEST(LineEnds, NormalizeLineEnds) {
  EXPECT_EQ(NormalizeLineEnds("a\nb\rc\r\n"), "a\r\nb\r\nc\r\n");
  EXPECT_EQ(NormalizeLineEnds("\r\r\n"), "\r\n\r\n");
  EXPECT_EQ(NormalizeLineEnds("\n\r"), "\r\n\r\n");
  EXPECT_EQ(NormalizeLineEnds("x"), "x");
  EXPECT_EQ(NormalizeLineEnds(std::string_view("\0\n", 2)), std::string("\0\r\n", 3));
}

TEST(LineEnds, ReplaceStrayLineEnds) {
  EXPECT_EQ(ReplaceStrayLineEnds("a\nb\rc\r\n", ' '), "a b c\r\n");
  EXPECT_EQ(ReplaceStrayLineEnds("\r.\r", ' '), " . ");
}

TEST(LineEnds, Canonicalize) {
  EXPECT_EQ(Canonicalize(""), "");
  EXPECT_EQ(Canonicalize("a"), "a\r\n");
  EXPECT_EQ(Canonicalize("a\nb"), "a\r\nb\r\n");
  EXPECT_EQ(Canonicalize("a\r"), "a\r\n");
  EXPECT_EQ(Canonicalize("a\r\n"), "a\r\n");
}

}  // namespace
}  // namespace mta::data
