// downgrade_test.cc: 8BITMIME downgrade (RFC 6152 3, RFC 2045 6.7, RFC 2046 5.1).
#include "mta/lib/mime/downgrade.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "mta/lib/message/mime.h"
#include "mta/lib/mime/qp.h"

namespace mta::mime {
namespace {

TEST(DowngradeTest, SevenBitUnchanged) {
  std::string m = "Subject: x\r\n\r\nhello\r\n";
  DowngradeResult r = Downgrade(m);
  EXPECT_EQ(r.status, DowngradeStatus::kUnchanged);
  EXPECT_EQ(r.message, m);
}

TEST(DowngradeTest, TextBodyToQuotedPrintable) {
  DowngradeResult r = Downgrade(
      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xC3\xA9 \r\n");
  ASSERT_EQ(r.status, DowngradeStatus::kConverted);
  EXPECT_EQ(r.message,
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9=20\r\n");
}

TEST(DowngradeTest, HeaderExampleAddsMimeVersion) {
  DowngradeResult r = Downgrade("Content-Type: text/plain\r\n\r\ncaf\xC3\xA9\r\n");
  ASSERT_EQ(r.status, DowngradeStatus::kConverted);
  EXPECT_EQ(r.message,
            "Content-Type: text/plain\r\nMIME-Version: 1.0\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n");
}

TEST(DowngradeTest, NonMimeGetsUnknown8bitCharset) {  // RFC 1428
  DowngradeResult r = Downgrade("Subject: x\r\n\r\n\xE9t\xE9\r\n");
  ASSERT_EQ(r.status, DowngradeStatus::kConverted);
  EXPECT_EQ(r.message,
            "Subject: x\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=unknown-8bit\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n=E9t=E9\r\n");
}

TEST(DowngradeTest, EightBitHeaderCannot) {
  DowngradeResult r = Downgrade("Subject: caf\xC3\xA9\r\n\r\nbody\r\n");
  EXPECT_EQ(r.status, DowngradeStatus::kHeaderEightBit);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(HeaderHasEightBit("Subject: caf\xC3\xA9\r\n\r\nbody\r\n"));
  EXPECT_FALSE(HeaderHasEightBit("Subject: x\r\n\r\n\xC3\r\n"));
}

TEST(DowngradeTest, Base64BodyWithEightBitCannot) {
  DowngradeResult r = Downgrade(
      "MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\n\xFF\r\n");
  EXPECT_EQ(r.status, DowngradeStatus::kCannotConvert);
}

TEST(DowngradeTest, MultipartOnlyEightBitPartsConverted) {
  std::string p1 = "Content-Type: text/plain\r\n\r\nplain ascii\r\n";
  std::string p2 = "Content-Type: text/plain; charset=latin1\r\n"
                   "Content-Transfer-Encoding: 8bit\r\n\r\n\xE9t\xE9";
  std::string m = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                  "preamble\r\n--b1\r\n" + p1 + "\r\n--b1\r\n" + p2 + "\r\n--b1--\r\nepilogue\r\n";
  DowngradeResult r = Downgrade(m);
  ASSERT_EQ(r.status, DowngradeStatus::kConverted) << r.reason;
  EXPECT_EQ(r.message,
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            "preamble\r\n--b1\r\n" + p1 + "\r\n--b1\r\n"
            "Content-Type: text/plain; charset=latin1\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n=E9t=E9"
            "\r\n--b1--\r\nepilogue\r\n");
}

TEST(DowngradeTest, NestedMessageRfc822Relabelled) {
  std::string m =
      "MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit"
      "\r\n\r\nSubject: inner\r\n\r\n\xC3\xA9\r\n";
  DowngradeResult r = Downgrade(m);
  ASSERT_EQ(r.status, DowngradeStatus::kConverted) << r.reason;
  EXPECT_EQ(r.message,
            "MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n"
            "Content-Transfer-Encoding: 7bit\r\n\r\nSubject: inner\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A9\r\n");
}

TEST(DowngradeTest, EightBitEpilogueCannot) {
  std::string m = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                  "--b\r\n\r\n\xE9\r\n--b--\r\n\xE9\r\n";
  EXPECT_EQ(Downgrade(m).status, DowngradeStatus::kCannotConvert);
}

TEST(DowngradeTest, LongEightBitLineBecomesShortLines) {
  std::string body(3000, '\xE9');
  DowngradeResult r = Downgrade("MIME-Version: 1.0\r\n\r\n" + body);
  ASSERT_TRUE(r.ok());
  std::size_t cur = 0, best = 0;
  for (char c : r.message) {
    if (c == '\n') { best = std::max(best, cur); cur = 0; } else { ++cur; }
  }
  EXPECT_LE(std::max(best, cur), 77u);  // 76 + CR
}

// Property: in a multipart message built from arbitrary part bodies, every part decodes
// back (per its Content-Transfer-Encoding) to its original octets, and the output is 7-bit.
RC_GTEST_PROP(DowngradeProperty, PartsDecodeBack, ()) {
  auto bodies = *rc::gen::container<std::vector<std::string>>(rc::gen::string<std::string>());
  RC_PRE(!bodies.empty() && bodies.size() < 8);
  const std::string boundary = "=_bnd_7f3c";
  std::vector<std::string> parts;
  for (auto& b : bodies) {
    // A body may not contain a delimiter line; this boundary cannot appear in generated
    // text often, but rule it out explicitly.
    RC_PRE(b.find(boundary) == std::string::npos);
    parts.push_back("Content-Type: application/octet-stream\r\n\r\n" + b);
  }
  std::string m = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + boundary +
                  "\"\r\n\r\n" + message::BuildMultipart(boundary, parts);
  DowngradeResult r = Downgrade(m);
  RC_ASSERT(r.ok());
  RC_ASSERT(!HasEightBit(r.message));
  message::MimeEntity e = message::ParseMime(r.message);
  RC_ASSERT(e.parts.size() == bodies.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    const message::HeaderField* cte = e.parts[i].header.Find("Content-Transfer-Encoding");
    if (cte != nullptr) {
      RC_ASSERT(cte->Unfolded() == "quoted-printable");
      auto dec = DecodeQuotedPrintable(e.parts[i].body);
      RC_ASSERT(dec.has_value());
      RC_ASSERT(*dec == bodies[i]);
    } else {
      RC_ASSERT(!HasEightBit(bodies[i]));
      RC_ASSERT(e.parts[i].body == bodies[i]);
    }
  }
}

}  // namespace
}  // namespace mta::mime
