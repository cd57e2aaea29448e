// netstring_test.cc: RFCNETSTR encoding, every decoder error, limits, chunking.
#include "mta/lib/netstring/netstring.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace mta::netstring {
namespace {

using State = NetstringDecoder::State;

// Decodes every netstring of `in`, feeding chunks of the given sizes (cycled); stops at
// an error, which is returned through *error.
std::vector<std::string> DecodeAll(std::string_view in, const std::vector<std::size_t>& chunks,
                                   NetstringError* error, std::size_t max = kMaxNetstringLength) {
  NetstringDecoder d(max);
  std::vector<std::string> out;
  *error = NetstringError::kNone;
  std::size_t pos = 0, k = 0;
  while (pos < in.size()) {
    std::size_t n = chunks.empty() ? in.size() : std::max<std::size_t>(1, chunks[k++ % chunks.size()]);
    std::string_view chunk = in.substr(pos, std::min(n, in.size() - pos));
    pos += chunk.size();
    while (true) {
      std::size_t used = d.Feed(chunk);
      chunk.remove_prefix(used);
      if (d.state() == State::kError) {
        *error = d.error();
        return out;
      }
      if (d.state() == State::kGotString) {
        out.push_back(d.Take());
        continue;
      }
      if (chunk.empty()) break;
    }
  }
  if (!d.at_boundary()) *error = NetstringError::kTruncated;
  return out;
}

TEST(Netstring, EncodeExamples) {
  // RFCNETSTR examples.
  EXPECT_EQ(EncodeNetstring("hello world!"), "12:hello world!,");
  EXPECT_EQ(EncodeNetstring(""), "0:,");
  EXPECT_EQ(EncodeNetstring(std::string("\0,:", 3)), std::string("3:\0,:,", 6));
}

TEST(Netstring, ParseExamples) {
  NetstringParse p = ParseNetstring("12:hello world!,rest");
  ASSERT_EQ(p.status, NetstringParse::Status::kOk);
  EXPECT_EQ(p.value, "hello world!");
  EXPECT_EQ(p.consumed, 16u);
  p = ParseNetstring("0:,");
  ASSERT_EQ(p.status, NetstringParse::Status::kOk);
  EXPECT_EQ(p.value, "");
  EXPECT_EQ(p.consumed, 3u);
  EXPECT_EQ(ParseNetstring("12:hello").status, NetstringParse::Status::kNeedMore);
  EXPECT_EQ(ParseNetstring("").status, NetstringParse::Status::kNeedMore);
  EXPECT_EQ(ParseNetstring("12").status, NetstringParse::Status::kNeedMore);
}

NetstringError ErrorOf(std::string_view in, std::size_t max = kMaxNetstringLength) {
  NetstringParse p = ParseNetstring(in, max);
  return p.status == NetstringParse::Status::kError ? p.error : NetstringError::kNone;
}

TEST(Netstring, RejectsNonDigitBeforeColon) {
  EXPECT_EQ(ErrorOf("1a:x,"), NetstringError::kNonDigit);
  EXPECT_EQ(ErrorOf(":,"), NetstringError::kNonDigit);
  EXPECT_EQ(ErrorOf(" 1:x,"), NetstringError::kNonDigit);
  EXPECT_EQ(ErrorOf("+1:x,"), NetstringError::kNonDigit);
  EXPECT_EQ(ErrorOf("-1:x,"), NetstringError::kNonDigit);
}

TEST(Netstring, RejectsLeadingZero) {
  // RFCNETSTR: "[len] begins with <30> exactly when [string] is empty".
  EXPECT_EQ(ErrorOf("012:hello world!,"), NetstringError::kLeadingZero);
  EXPECT_EQ(ErrorOf("00:,"), NetstringError::kLeadingZero);
  EXPECT_EQ(ErrorOf("0:,"), NetstringError::kNone);
}

TEST(Netstring, RejectsMissingComma) {
  EXPECT_EQ(ErrorOf("3:abc;"), NetstringError::kMissingComma);
  EXPECT_EQ(ErrorOf("3:abcd,"), NetstringError::kMissingComma);
  EXPECT_EQ(ErrorOf("0:x"), NetstringError::kMissingComma);
}

TEST(Netstring, LengthBoundCheckedBeforeTheColon) {
  EXPECT_EQ(ErrorOf("11:hello world,", 10), NetstringError::kTooLong);
  EXPECT_EQ(ErrorOf("10:helloworld,", 10), NetstringError::kNone);
  // Rejected at the digit that crosses the bound, without waiting for ':' or data.
  NetstringDecoder d(100);
  EXPECT_EQ(d.Feed("10"), 2u);
  EXPECT_EQ(d.state(), State::kNeedMore);
  EXPECT_EQ(d.Feed("1"), 0u);
  EXPECT_EQ(d.state(), State::kError);
  EXPECT_EQ(d.error(), NetstringError::kTooLong);
  EXPECT_EQ(ErrorOf("5:", 0), NetstringError::kTooLong);
}

TEST(Netstring, TenDigitsAreRejected) {
  // Bernstein's sample: "> 999999999 bytes is bad".
  EXPECT_EQ(ErrorOf("999999999:"), NetstringError::kNone);  // needs more, not an error
  EXPECT_EQ(ErrorOf("1000000000:x,"), NetstringError::kTooLong);
  EXPECT_EQ(ErrorOf("99999999999999999999999999:"), NetstringError::kTooLong);
  NetstringDecoder huge(~std::size_t{0});  // lowered to nine digits
  huge.Feed("1000000000");
  EXPECT_EQ(huge.error(), NetstringError::kTooLong);
}

TEST(Netstring, HugeDeclaredLengthWaitsForData) {
  NetstringDecoder d;
  d.Feed("999999999:abc");
  EXPECT_EQ(d.state(), State::kNeedMore);
  // Whatever was reserved is bounded far below the declared length.
  EXPECT_FALSE(d.truncated());
}

TEST(Netstring, KeepLengthCountsButDoesNotStore) {
  NetstringDecoder d(100, 4);
  EXPECT_EQ(d.Feed("10:0123456789,"), 14u);
  ASSERT_EQ(d.state(), State::kGotString);
  EXPECT_TRUE(d.truncated());
  EXPECT_EQ(d.length(), 10u);
  EXPECT_EQ(d.Take(), "0123");
  EXPECT_TRUE(d.at_boundary());
}

TEST(Netstring, StopsAfterEachString) {
  NetstringDecoder d;
  std::string_view in = "1:a,2:bc,";
  std::size_t n = d.Feed(in);
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(d.Feed(in.substr(n)), 0u);  // must Take() first
  EXPECT_EQ(d.Take(), "a");
  EXPECT_EQ(d.Feed(in.substr(n)), 5u);
  EXPECT_EQ(d.Take(), "bc");
}

TEST(Netstring, OneByteFeeding) {
  NetstringError e;
  const std::string in("12:hello world!,0:,3:\r\n\0,", 25);
  auto v = DecodeAll(in, {1}, &e);
  EXPECT_EQ(e, NetstringError::kNone);
  EXPECT_THAT(v, ::testing::ElementsAre("hello world!", "", std::string("\r\n\0", 3)));
  v = DecodeAll("1:a,012:x", {1}, &e);
  EXPECT_EQ(e, NetstringError::kLeadingZero);
  EXPECT_THAT(v, ::testing::ElementsAre("a"));
}

TEST(Netstring, List) {
  std::vector<std::string> out;
  NetstringError e;
  EXPECT_TRUE(ParseNetstringList("14:b@example.test,14:c@example.test,", 100, &out, &e));
  EXPECT_THAT(out, ::testing::ElementsAre("b@example.test", "c@example.test"));
  EXPECT_TRUE(ParseNetstringList("", 100, &out, &e));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(ParseNetstringList("1:a,2:b", 100, &out, &e));
  EXPECT_EQ(e, NetstringError::kTruncated);
  EXPECT_FALSE(ParseNetstringList("1:a,x", 100, &out, &e));
  EXPECT_EQ(e, NetstringError::kNonDigit);
  EXPECT_FALSE(ParseNetstringList("5:abcde,", 4, &out, &e));
  EXPECT_EQ(e, NetstringError::kTooLong);
}

TEST(Netstring, ErrorIds) {
  EXPECT_EQ(NetstringErrorId(NetstringError::kNonDigit), "non-digit");
  EXPECT_EQ(NetstringErrorId(NetstringError::kLeadingZero), "leading-zero");
  EXPECT_EQ(NetstringErrorId(NetstringError::kTooLong), "too-long");
  EXPECT_EQ(NetstringErrorId(NetstringError::kMissingComma), "missing-comma");
  EXPECT_EQ(NetstringErrorId(NetstringError::kTruncated), "truncated");
}

RC_GTEST_PROP(Netstring, DecodeOfEncodeAnyChunking, (const std::vector<std::string>& strings)) {
  std::string wire;
  for (const auto& s : strings) AppendNetstring(&wire, s);
  const auto chunks = *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(1, 9));
  NetstringError e;
  RC_ASSERT(DecodeAll(wire, chunks, &e) == strings);
  RC_ASSERT(e == NetstringError::kNone);
  RC_ASSERT(DecodeAll(wire, {1}, &e) == strings);
  std::vector<std::string> listed;
  RC_ASSERT(ParseNetstringList(wire, kMaxNetstringLength, &listed, &e));
  RC_ASSERT(listed == strings);
}

}  // namespace
}  // namespace mta::netstring
