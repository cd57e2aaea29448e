// encoder_test.cc: EncodeData / DataEncoder - RFC 5321 4.5.2 dot-stuffing and the
// canonical line ends of 2.3.8 / 4.1.1.4 (catalogue B3-T2, B3-T3, B4-T2, B4-T3).
#include "mta/lib/data/encoder.h"

#include <gtest/gtest.h>

#include <string>

#include "mta/lib/data/decoder.h"
#include "mta/lib/data/line_ends.h"

namespace mta::data {
namespace {

// True when `wire` holds no CR without LF after it and no LF without CR before it.
bool NoBareCrLf(std::string_view wire) { return IsCanonical(wire); }

TEST(EncodeData, EmptyBody) { EXPECT_EQ(EncodeData(""), ".\r\n"); }

TEST(EncodeData, AddsFinalCrlf) {
  EXPECT_EQ(EncodeData("hi"), "hi\r\n.\r\n");
  EXPECT_EQ(EncodeData("hi\r\n"), "hi\r\n.\r\n");
}

TEST(EncodeData, HeaderExample) { EXPECT_EQ(EncodeData("hi\n.x\r."), "hi\r\n..x\r\n..\r\n.\r\n"); }

TEST(EncodeData, DotStuffing) {
  // B4-T2: a line ".y" goes out as "..y".
  EXPECT_EQ(EncodeData("a\r\n.y\r\n"), "a\r\n..y\r\n.\r\n");
  // B4-T3: the last line is a single ".".
  EXPECT_EQ(EncodeData("a\r\n.\r\n"), "a\r\n..\r\n.\r\n");
  EXPECT_EQ(EncodeData(".\r\n"), "..\r\n.\r\n");
  EXPECT_EQ(EncodeData("..\r\n"), "...\r\n.\r\n");
  EXPECT_EQ(EncodeData("a.b\r\n"), "a.b\r\n.\r\n");
}

TEST(EncodeData, CanonicalisesBareLineEnds) {
  EXPECT_EQ(EncodeData("a\nb"), "a\r\nb\r\n.\r\n");
  EXPECT_EQ(EncodeData("a\rb"), "a\r\nb\r\n.\r\n");
  EXPECT_EQ(EncodeData("a\r\r\nb"), "a\r\n\r\nb\r\n.\r\n");
  EXPECT_EQ(EncodeData("\r"), "\r\n.\r\n");
  EXPECT_EQ(EncodeData("\n"), "\r\n.\r\n");
}

TEST(EncodeData, OutboundSmugglingB3T2IsNeutralised) {
  std::string content =
      "hello\r.\rMAIL FROM:<admin@victim.test>\rRCPT TO:<y@sink.test>\rDATA\r"
      "Subject: smuggled\r\rZ\r.\r";
  std::string wire = EncodeData(content);
  EXPECT_TRUE(NoBareCrLf(wire));
  EXPECT_EQ(wire.find("\r\n.\r\n"), wire.size() - 5);
  EXPECT_NE(wire.find("hello\r\n..\r\nMAIL FROM"), std::string::npos);
  DecodeResult r = DecodeData(wire + "QUIT\r\n");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.consumed, wire.size());
  EXPECT_EQ(r.body, Canonicalize(content));
}

TEST(EncodeData, LenientInboundContentB3T3) {
  for (std::string content : {"x\n.\r\nMAIL FROM:<a@victim.test>\r\n", "x\n.\nQUIT\n"}) {
    std::string wire = EncodeData(content);
    EXPECT_TRUE(NoBareCrLf(wire));
    EXPECT_EQ(wire.find("\r\n.\r\n"), wire.size() - 5) << wire;
  }
}

TEST(DataEncoder, ChunkingDoesNotMatter) {
  std::string body = "a\r\n.b\r\rc\n\n..\r";
  std::string whole = EncodeData(body);
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    for (size_t cut2 = cut; cut2 <= body.size(); ++cut2) {
      DataEncoder e;
      std::string out;
      e.Add(body.substr(0, cut), &out);
      e.Add(body.substr(cut, cut2 - cut), &out);
      e.Add(body.substr(cut2), &out);
      e.Finish(&out);
      ASSERT_EQ(out, whole) << cut << " " << cut2;
    }
  }
}

TEST(DataEncoder, FinishIsFinal) {
  DataEncoder e;
  std::string out;
  e.Add("x", &out);
  e.Finish(&out);
  e.Add("y", &out);
  e.Finish(&out);
  EXPECT_EQ(out, "x\r\n.\r\n");
}

}  // namespace
}  // namespace mta::data
