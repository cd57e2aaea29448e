// reply_reader_test.cc: incremental reading in any chunking, and the memory caps.
#include "mta/lib/reply/reply_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace mta::reply {
namespace {

using ::testing::ElementsAre;

std::vector<Reply> ReadAll(std::string_view in, const std::vector<std::size_t>& cuts,
                           ReplyReaderOptions opt = {}) {
  ReplyReader r(opt);
  std::vector<Reply> out;
  std::size_t pos = 0;
  for (std::size_t c : cuts) {
    std::size_t n = std::min(c, in.size() - pos);
    r.Feed(in.substr(pos, n));
    pos += n;
    while (auto x = r.Next()) out.push_back(std::move(*x));
  }
  r.Feed(in.substr(pos));
  while (auto x = r.Next()) out.push_back(std::move(*x));
  if (auto x = r.Finish()) out.push_back(std::move(*x));
  return out;
}

std::vector<Reply> ReadBytewise(std::string_view in, ReplyReaderOptions opt = {}) {
  return ReadAll(in, std::vector<std::size_t>(in.size(), 1), opt);
}

TEST(ReplyReader, OneByteAtATime) {
  const std::string in = "220 hi\r\n250-a\r\n250 2.0.0 b\r\n354\r\n";
  auto replies = ReadBytewise(in);
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].code, 220);
  EXPECT_THAT(replies[1].lines, ElementsAre("a", "2.0.0 b"));
  EXPECT_EQ(replies[2].code, 354);
  for (const Reply& r : replies) EXPECT_TRUE(r.ok());
}

TEST(ReplyReader, NeedsMoreUntilFinalLine) {
  ReplyReader r;
  r.Feed("250-a\r\n25");
  EXPECT_FALSE(r.Next());
  r.Feed("0 b\r");
  EXPECT_FALSE(r.Next());
  r.Feed("\n");
  auto x = r.Next();
  ASSERT_TRUE(x);
  EXPECT_THAT(x->lines, ElementsAre("a", "b"));
  EXPECT_EQ(x->raw, "250-a\r\n250 b\r\n");
  EXPECT_FALSE(r.Next());
  EXPECT_FALSE(r.Finish());
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(ReplyReader, FinishReportsPartialReply) {
  ReplyReader r;
  r.Feed("250-a\r\n250-b");
  EXPECT_FALSE(r.Next());
  auto x = r.Finish();
  ASSERT_TRUE(x);
  EXPECT_TRUE(x->Has(ReplyFlag::kIncomplete));
  EXPECT_TRUE(x->Has(ReplyFlag::kNoFinalCrlf));
  EXPECT_THAT(x->lines, ElementsAre("a", "b"));
  EXPECT_FALSE(r.Finish());
}

TEST(ReplyReader, LongLineIsCutAndFlagged) {
  ReplyReaderOptions opt;
  opt.max_line_length = 16;
  const std::string in = "250 " + std::string(100000, 'x') + "\r\n221 bye\r\n";
  auto replies = ReadBytewise(in, opt);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_TRUE(replies[0].Has(ReplyFlag::kLineTruncated));
  EXPECT_TRUE(replies[0].Has(ReplyFlag::kLineTooLong));
  EXPECT_EQ(replies[0].lines[0], std::string(12, 'x'));
  EXPECT_EQ(replies[1].code, 221);
  EXPECT_TRUE(replies[1].ok());
}

TEST(ReplyReader, LineExactlyAtCapIsNotTruncated) {
  ReplyReaderOptions opt;
  opt.max_line_length = 8;
  auto replies = ReadBytewise("250 abcd\r\n", opt);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(replies[0].ok());
  EXPECT_THAT(replies[0].lines, ElementsAre("abcd"));
  auto cut = ReadBytewise("250 abcde\r\n", opt);
  EXPECT_TRUE(cut[0].Has(ReplyFlag::kLineTruncated));
  EXPECT_THAT(cut[0].lines, ElementsAre("abcd"));
}

TEST(ReplyReader, TooManyLinesAreDropped) {
  ReplyReaderOptions opt;
  opt.max_lines = 3;
  std::string in;
  for (int i = 0; i < 50; ++i) in += "250-line\r\n";
  in += "250 end\r\n220 next\r\n";
  auto replies = ReadAll(in, {7, 1, 100, 3});
  auto capped = ReadAll(in, {7, 1, 100, 3}, opt);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].lines.size(), 51u);
  ASSERT_EQ(capped.size(), 2u);
  EXPECT_EQ(capped[0].lines.size(), 3u);
  EXPECT_TRUE(capped[0].Has(ReplyFlag::kTooManyLines));
  EXPECT_EQ(capped[1].code, 220);
}

TEST(ReplyReader, BufferedIsBounded) {
  ReplyReaderOptions opt;
  opt.max_line_length = 64;
  opt.max_lines = 4;
  ReplyReader r(opt);
  for (int i = 0; i < 10000; ++i) {
    r.Feed("250-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n");
    EXPECT_FALSE(r.Next());
  }
  EXPECT_LE(r.buffered(), 4u * 70u);
}

RC_GTEST_PROP(ReplyReader, ChunkingDoesNotMatter, ()) {
  // Fragments that exercise every line shape.
  const auto pieces = *rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
      "250", "-", " ", "2.0.0 ", "5.1.1", "ok", "\r\n", "\n", "\r", std::string(1, '\0'), "\xff",
      "550", "x", "1", "\t"));
  std::string in;
  for (const auto& p : pieces) in += p;
  const auto cuts = *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, 8));
  ReplyReaderOptions opt;
  opt.max_line_length = *rc::gen::inRange<std::size_t>(1, 20);
  opt.max_lines = *rc::gen::inRange<std::size_t>(1, 5);
  RC_ASSERT(ReadAll(in, cuts, opt) == ReadAll(in, {}, opt));
  RC_ASSERT(ReadBytewise(in, opt) == ReadAll(in, {}, opt));
  // Without caps the reader agrees with ParseReply, reply by reply.
  std::vector<Reply> whole = ReadAll(in, cuts);
  std::string_view rest = in;
  for (const Reply& r : whole) {
    Reply p = ParseReply(rest);
    RC_ASSERT(p == r);
    rest.remove_prefix(p.raw.size());
  }
  RC_ASSERT(rest.empty());
}

}  // namespace
}  // namespace mta::reply
