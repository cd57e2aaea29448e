// reply_test.cc: ParseReply / FormatReply against RFC 5321 4.2 and RFC 2034, one test per flag.
#include "mta/lib/reply/reply.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace mta::reply {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> FlagIds(const Reply& r) {
  std::vector<std::string> ids;
  for (ReplyFlag f : r.flags) ids.emplace_back(ReplyFlagId(f));
  return ids;
}

TEST(ParseReply, SingleLine) {
  Reply r = ParseReply("250 OK\r\n");
  EXPECT_EQ(r.code, 250);
  EXPECT_THAT(r.lines, ElementsAre("OK"));
  EXPECT_FALSE(r.enhanced);
  EXPECT_EQ(r.raw, "250 OK\r\n");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(FlagIds(r));
}

TEST(ParseReply, CodeOnly) {
  Reply r = ParseReply("354\r\n");
  EXPECT_EQ(r.code, 354);
  EXPECT_THAT(r.lines, ElementsAre(""));
  EXPECT_TRUE(r.ok());
}

TEST(ParseReply, MultiLineEhlo) {
  // RFC 5321 4.2.1 example form.
  const std::string in =
      "250-mx.example.test greets client\r\n250-8BITMIME\r\n250-SIZE 1000000\r\n250 HELP\r\n";
  Reply r = ParseReply(in + "221 bye\r\n");
  EXPECT_EQ(r.code, 250);
  EXPECT_THAT(r.lines, ElementsAre("mx.example.test greets client", "8BITMIME", "SIZE 1000000",
                                   "HELP"));
  EXPECT_EQ(r.raw, in);  // the following reply is not consumed
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.JoinedText(), "mx.example.test greets client 8BITMIME SIZE 1000000 HELP");
}

TEST(ParseReply, EmptyContinuationText) {
  Reply r = ParseReply("250-\r\n250 x\r\n");
  EXPECT_THAT(r.lines, ElementsAre("", "x"));
  EXPECT_TRUE(r.ok());
}

TEST(ParseReply, EnhancedCodeOnEveryLine) {
  Reply r = ParseReply("550-5.1.1 no such\r\n550 5.1.1 user\r\n");
  ASSERT_TRUE(r.enhanced);
  EXPECT_EQ(*r.enhanced, (EnhancedStatus{5, 1, 1}));
  EXPECT_TRUE(r.enhanced_on_every_line);
  EXPECT_THAT(r.lines, ElementsAre("no such", "user"));
  EXPECT_TRUE(r.ok());
}

TEST(ParseReply, EnhancedCodeWithEmptyText) {
  Reply r = ParseReply("250 2.0.0\r\n");
  ASSERT_TRUE(r.enhanced);
  EXPECT_THAT(r.lines, ElementsAre(""));
  EXPECT_TRUE(r.ok());
}

TEST(ParseReply, QmailHcmsscIsNotAnEnhancedPrefix) {
  Reply r = ParseReply("553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n");
  EXPECT_FALSE(r.enhanced);
  EXPECT_EQ(FindHcmssc(r.lines[0]), (EnhancedStatus{5, 7, 1}));
  EXPECT_TRUE(r.ok());
}

// One test per flag.

TEST(ReplyFlags, BareLf) {
  Reply r = ParseReply("250 ok\n");
  EXPECT_THAT(FlagIds(r), ElementsAre("bare-lf"));
  EXPECT_THAT(r.lines, ElementsAre("ok"));
  EXPECT_EQ(r.raw, "250 ok\n");
}

TEST(ReplyFlags, BareCr) {
  Reply r = ParseReply("250 o\rk\r\n");
  EXPECT_THAT(FlagIds(r), ElementsAre("bare-cr"));
  EXPECT_THAT(r.lines, ElementsAre("o\rk"));
}

TEST(ReplyFlags, BadCode) {
  Reply r = ParseReply("hello\r\n250 ok\r\n");
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(FlagIds(r), ElementsAre("bad-code"));
  EXPECT_THAT(r.lines, ElementsAre("hello"));
  EXPECT_EQ(r.raw, "hello\r\n");
  EXPECT_THAT(FlagIds(ParseReply("25\r\n")), ElementsAre("bad-code"));
  // A code-less line inside a multi-line reply ends it.
  Reply m = ParseReply("250-a\r\nfoo\r\n250 b\r\n");
  EXPECT_THAT(m.lines, ElementsAre("a", "foo"));
  EXPECT_THAT(FlagIds(m), ElementsAre("bad-code"));
}

TEST(ReplyFlags, MissingSeparator) {
  Reply r = ParseReply("250ok\r\n");
  EXPECT_EQ(r.code, 250);
  EXPECT_THAT(FlagIds(r), ElementsAre("missing-separator"));
  EXPECT_THAT(r.lines, ElementsAre("ok"));
}

TEST(ReplyFlags, CodeMismatch) {
  Reply r = ParseReply("250-a\r\n251 b\r\n");
  EXPECT_EQ(r.code, 250);
  EXPECT_THAT(FlagIds(r), ElementsAre("code-mismatch"));
  EXPECT_THAT(r.lines, ElementsAre("a", "b"));
}

TEST(ReplyFlags, CodeOutOfRange) {
  EXPECT_THAT(FlagIds(ParseReply("199 x\r\n")), ElementsAre("code-out-of-range"));
  EXPECT_THAT(FlagIds(ParseReply("600 x\r\n")), ElementsAre("code-out-of-range"));
  EXPECT_THAT(FlagIds(ParseReply("260 x\r\n")), ElementsAre("code-out-of-range"));
  EXPECT_TRUE(ParseReply("559 x\r\n").ok());
  EXPECT_TRUE(ParseReply("200 x\r\n").ok());
}

TEST(ReplyFlags, EmptyText) {
  EXPECT_THAT(FlagIds(ParseReply("250 \r\n")), ElementsAre("empty-text"));
  Reply r = ParseReply("250 2.0.0 \r\n");
  EXPECT_THAT(FlagIds(r), ElementsAre("empty-text"));
  EXPECT_THAT(r.lines, ElementsAre(""));
}

TEST(ReplyFlags, LineTooLong) {
  // RFC 5321 4.5.3.1.5: 512 octets including CRLF is the limit.
  std::string at_limit = "250 " + std::string(506, 'x') + "\r\n";
  ASSERT_EQ(at_limit.size(), 512u);
  EXPECT_TRUE(ParseReply(at_limit).ok());
  std::string over = "250 " + std::string(507, 'x') + "\r\n";
  Reply r = ParseReply(over);
  EXPECT_THAT(FlagIds(r), ElementsAre("line-too-long"));
  EXPECT_EQ(r.lines[0].size(), 507u);  // kept whole by ParseReply
}

TEST(ReplyFlags, NoFinalCrlf) {
  Reply r = ParseReply("250 ok");
  EXPECT_EQ(r.code, 250);
  EXPECT_THAT(FlagIds(r), ElementsAre("no-final-crlf"));
  EXPECT_EQ(r.raw, "250 ok");
}

TEST(ReplyFlags, Incomplete) {
  Reply r = ParseReply("250-a\r\n");
  EXPECT_THAT(FlagIds(r), ElementsAre("incomplete"));
  EXPECT_THAT(r.lines, ElementsAre("a"));
  Reply p = ParseReply("250-a\r\n250-b");
  EXPECT_THAT(FlagIds(p), ElementsAre("no-final-crlf", "incomplete"));
  EXPECT_THAT(FlagIds(ParseReply("")), ElementsAre("incomplete"));
}

TEST(ReplyFlags, EnhancedClassMismatch) {
  Reply r = ParseReply("550 2.1.1 odd\r\n");
  ASSERT_TRUE(r.enhanced);
  EXPECT_THAT(FlagIds(r), ElementsAre("enhanced-class-mismatch"));
  EXPECT_TRUE(ParseReply("550 5.1.1 ok\r\n").ok());
}

TEST(ReplyFlags, EnhancedInconsistent) {
  Reply r = ParseReply("250-2.0.0 a\r\n250 b\r\n");
  EXPECT_THAT(FlagIds(r), ElementsAre("enhanced-inconsistent"));
  EXPECT_FALSE(r.enhanced_on_every_line);
  EXPECT_THAT(r.lines, ElementsAre("a", "b"));
  Reply d = ParseReply("250-2.0.0 a\r\n250 2.1.5 b\r\n");
  EXPECT_THAT(FlagIds(d), ElementsAre("enhanced-inconsistent"));
  EXPECT_THAT(d.lines, ElementsAre("a", "2.1.5 b"));
}

TEST(ReplyFlags, NonAscii) {
  Reply r = ParseReply("250 caf\xc3\xa9\r\n");
  EXPECT_THAT(FlagIds(r), ElementsAre("non-ascii"));
  EXPECT_EQ(r.lines[0], "caf\xc3\xa9");
}

TEST(ReplyFlags, Nul) {
  Reply r = ParseReply(std::string("250 a\0b\r\n", 9));
  EXPECT_THAT(FlagIds(r), ElementsAre("nul"));
  EXPECT_EQ(r.lines[0], std::string("a\0b", 3));
}

TEST(ReplyFlags, ControlChar) {
  EXPECT_THAT(FlagIds(ParseReply("250 a\x1b[0mb\r\n")), ElementsAre("control-char"));
  EXPECT_THAT(FlagIds(ParseReply("250 a\x7f\r\n")), ElementsAre("control-char"));
  EXPECT_TRUE(ParseReply("250 a\tb\r\n").ok());  // HT is part of textstring
}

TEST(ReplyFlags, IdsAreStableAndDistinct) {
  std::set<std::string_view> ids;
  for (int i = 0; i <= static_cast<int>(ReplyFlag::kTooManyLines); ++i)
    ids.insert(ReplyFlagId(static_cast<ReplyFlag>(i)));
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(ReplyFlag::kTooManyLines) + 1);
  EXPECT_FALSE(ids.count("unknown"));
}

TEST(FormatReply, Canonical) {
  EXPECT_EQ(FormatReply(250, std::nullopt, {"OK"}), "250 OK\r\n");
  EXPECT_EQ(FormatReply(250, std::nullopt, {"a", "b"}), "250-a\r\n250 b\r\n");
  EXPECT_EQ(FormatReply(550, EnhancedStatus{5, 1, 1}, {"no such", "user"}),
            "550-5.1.1 no such\r\n550 5.1.1 user\r\n");
  EXPECT_EQ(FormatReply(354, std::nullopt, {}), "354\r\n");
  EXPECT_EQ(FormatReply(250, std::nullopt, {"", "x", ""}), "250-\r\n250-x\r\n250\r\n");
  EXPECT_EQ(FormatReply(250, EnhancedStatus{2, 0, 0}, {""}), "250 2.0.0\r\n");
  EXPECT_EQ(FormatReply(42, std::nullopt, {"x"}), "042 x\r\n");
}

TEST(FormatReply, NeverEmitsExtraLines) {
  std::string out = FormatReply(250, std::nullopt, {"a\r\n250 b\nc\rd"});
  EXPECT_EQ(out, "250 a  250 b c d\r\n");
  EXPECT_TRUE(ParseReply(out).ok());
}

// RFC 5321 4.2: Reply-code = %x32-35 %x30-35 %x30-39, texts of printable ASCII.
rc::Gen<int> ValidCode() {
  return rc::gen::apply([](int a, int b, int c) { return a * 100 + b * 10 + c; },
                        rc::gen::inRange(2, 6), rc::gen::inRange(0, 6), rc::gen::inRange(0, 10));
}

rc::Gen<std::string> PrintableText() {
  return rc::gen::container<std::string>(rc::gen::inRange<char>(0x20, 0x7f));
}

RC_GTEST_PROP(ReplyRoundTrip, ParseOfFormatIsIdentity, ()) {
  const int code = *ValidCode();
  const int klass = code / 100;
  std::optional<EnhancedStatus> enhanced;
  if (klass != 3 && *rc::gen::arbitrary<bool>()) {
    enhanced = EnhancedStatus{klass, *rc::gen::inRange(0, 1000), *rc::gen::inRange(0, 1000)};
  }
  auto lines = *rc::gen::resize(
      40, rc::gen::container<std::vector<std::string>>(*rc::gen::inRange(1, 6), PrintableText()));
  // Without an enhanced code, a first text that looks like one would be read as one.
  if (!enhanced) RC_PRE(!ParseEnhancedPrefix(lines[0]).has_value());
  const std::string bytes = FormatReply(code, enhanced, lines);
  Reply r = ParseReply(bytes);
  RC_ASSERT(r.flags.empty());
  RC_ASSERT(r.code == code);
  RC_ASSERT(r.enhanced == enhanced);
  RC_ASSERT(r.lines == lines);
  RC_ASSERT(r.raw == bytes);
  RC_ASSERT(r.enhanced_on_every_line == enhanced.has_value());
}

}  // namespace
}  // namespace mta::reply
