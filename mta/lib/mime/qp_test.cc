// qp_test.cc: quoted-printable encoder/decoder (RFC 2045 6.7).
#include "mta/lib/mime/qp.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

namespace mta::mime {
namespace {

std::size_t MaxLine(const std::string& s) {
  std::size_t best = 0, cur = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') {
      best = std::max(best, cur);
      cur = 0;
      ++i;
    } else {
      ++cur;
    }
  }
  return std::max(best, cur);
}

TEST(QpTest, EightBitAndEquals) {
  EXPECT_EQ(EncodeQuotedPrintable("caf\xC3\xA9 = x\r\n"), "caf=C3=A9 =3D x\r\n");
}

TEST(QpTest, TrailingWhitespaceEncoded) {  // RFC 2045 6.7 rule 3
  EXPECT_EQ(EncodeQuotedPrintable("a \r\nb\t\r\nc "), "a=20\r\nb=09\r\nc=20");
}

TEST(QpTest, BareCrLfEncoded) {
  EXPECT_EQ(EncodeQuotedPrintable("a\rb\nc\r\n"), "a=0Db=0Ac\r\n");
}

TEST(QpTest, SoftBreaksAt76) {  // RFC 2045 6.7 rule 5
  std::string in(200, 'x');
  std::string enc = EncodeQuotedPrintable(in);
  EXPECT_LE(MaxLine(enc), 76u);
  EXPECT_EQ(enc.substr(0, 77), std::string(75, 'x') + "=\r");
  EXPECT_EQ(*DecodeQuotedPrintable(enc), in);
}

TEST(QpTest, EscapeNotSplitAcrossSoftBreak) {
  std::string in = std::string(74, 'x') + "\xFF" + "y";
  std::string enc = EncodeQuotedPrintable(in);
  EXPECT_EQ(enc, std::string(74, 'x') + "=\r\n=FFy");
  EXPECT_EQ(*DecodeQuotedPrintable(enc), in);
}

TEST(QpTest, DecodeRejectsMalformed) {
  EXPECT_FALSE(DecodeQuotedPrintable("a=G1").has_value());
  EXPECT_FALSE(DecodeQuotedPrintable("a=4").has_value());
  EXPECT_FALSE(DecodeQuotedPrintable("a\nb").has_value());
  EXPECT_EQ(*DecodeQuotedPrintable("a=3d=\r\nb  \r\n"), "a=b\r\n");
}

RC_GTEST_PROP(QpProperty, RoundTripAndShape, (const std::string& in)) {
  std::string enc = EncodeQuotedPrintable(in);
  for (char c : enc) RC_ASSERT(static_cast<unsigned char>(c) < 0x80);
  RC_ASSERT(MaxLine(enc) <= 76u);
  auto dec = DecodeQuotedPrintable(enc);
  RC_ASSERT(dec.has_value());
  RC_ASSERT(*dec == in);
}

}  // namespace
}  // namespace mta::mime
