// mbox_format_test.cc: From_ lines, mboxrd quoting, splitting (mboxo/mboxrd/mboxcl).
#include "mta/local/mbox_format.h"

#include "gtest/gtest.h"
#include <rapidcheck/gtest.h>

namespace mta::local {
namespace {

std::vector<std::string> Contents(std::string_view mbox) {
  std::vector<std::string> v;
  for (auto& m : SplitMbox(mbox).messages) v.push_back(m.content);
  return v;
}

TEST(MboxFormat, FromLine) {
  EXPECT_EQ(MboxFromLine("a@b", 0), "From a@b Thu Jan  1 00:00:00 1970");
  EXPECT_EQ(MboxFromLine("", 1700000000), "From MAILER-DAEMON Tue Nov 14 22:13:20 2023");
  EXPECT_EQ(MboxFromLine("a b\nc", 0).substr(0, 11), "From a_b_c ");
}

TEST(MboxFormat, QuotingIsMboxrd) {
  EXPECT_EQ(QuoteFromLines("From x\n>From y\n>>From z\nFrom\n From w\nFromage\n"),
            ">From x\n>>From y\n>>>From z\nFrom\n From w\nFromage\n");
  EXPECT_EQ(UnquoteFromLines(">From x\n>>From y\nFrom z\n>Fromage\n>From"),
            "From x\n>From y\nFrom z\n>Fromage\n>From");
}

TEST(MboxFormat, EntryAddsNewlineAndBlankLine) {
  EXPECT_EQ(FormatMboxEntry("a@b", 0, "S: x\n\nFrom here"),
            "From a@b Thu Jan  1 00:00:00 1970\nS: x\n\n>From here\n\n");
  EXPECT_EQ(FormatMboxEntry("a@b", 0, ""), "From a@b Thu Jan  1 00:00:00 1970\n\n");
}

TEST(SplitMbox, SplitsOnlyAfterBlankLine) {
  std::string mbox =
      "From a@b Thu Jan  1 00:00:00 1970\nS: 1\n\nline\nFrom not a separator\n\n"
      "From c@d Thu Jan  1 00:00:00 1970\nS: 2\n\n>From quoted\n\n";
  MboxSplit s = SplitMbox(mbox);
  ASSERT_EQ(s.messages.size(), 2u);
  EXPECT_FALSE(s.preamble);
  EXPECT_EQ(s.messages[0].from_line, "From a@b Thu Jan  1 00:00:00 1970");
  EXPECT_EQ(s.messages[0].content, "S: 1\n\nline\nFrom not a separator\n");
  EXPECT_EQ(s.messages[1].content, "S: 2\n\nFrom quoted\n");
  EXPECT_EQ(s.messages[1].offset, mbox.find("From c@d"));
}

TEST(SplitMbox, EmptyAndPreamble) {
  EXPECT_TRUE(SplitMbox("").messages.empty());
  EXPECT_TRUE(SplitMbox("\n\n").messages.empty());
  MboxSplit s = SplitMbox("junk\n\nFrom a x\nS: y\n\nb\n");
  EXPECT_TRUE(s.preamble);
  ASSERT_EQ(s.messages.size(), 2u);
  EXPECT_EQ(s.messages[0].content, "junk\n");
  EXPECT_EQ(s.messages[0].from_line, "");
  EXPECT_EQ(s.messages[1].content, "S: y\n\nb\n");
  // A From_ line without anything after it.
  EXPECT_EQ(Contents("From a x"), std::vector<std::string>{""});
}

TEST(SplitMbox, NoTrailingBlankLineKeepsLastLine) {
  EXPECT_EQ(Contents("From a x\nS: y\n\nlast"), std::vector<std::string>{"S: y\n\nlast"});
  EXPECT_EQ(Contents("From a x\nS: y\n\nlast\n"), std::vector<std::string>{"S: y\n\nlast\n"});
}

TEST(SplitMbox, ContentLengthKeepsUnquotedFromLines) {
  std::string body = "line\n\nFrom inside the body\n";
  std::string mbox = "From a x\nContent-Length: " + std::to_string(body.size()) +
                     "\n\n" + body + "\nFrom b y\nS: 2\n\nz\n";
  MboxSplit s = SplitMbox(mbox);
  ASSERT_EQ(s.messages.size(), 2u);
  EXPECT_TRUE(s.messages[0].used_content_length);
  EXPECT_EQ(s.messages[0].content, "Content-Length: " + std::to_string(body.size()) + "\n\n" + body);
  EXPECT_EQ(s.messages[1].content, "S: 2\n\nz\n");
}

TEST(SplitMbox, InconsistentContentLengthIsIgnored) {
  std::string mbox = "From a x\nContent-Length: 3\n\nline\n\nFrom b y\nS: 2\n\nz\n";
  MboxSplit s = SplitMbox(mbox);
  ASSERT_EQ(s.messages.size(), 2u);
  EXPECT_FALSE(s.messages[0].used_content_length);
  EXPECT_EQ(s.messages[0].content, "Content-Length: 3\n\nline\n");
  // Longer than the file: ignored too.
  EXPECT_EQ(Contents("From a x\nContent-Length: 999\n\nb\n"),
            std::vector<std::string>{"Content-Length: 999\n\nb\n"});
}

TEST(SplitMbox, ContentLengthAtEndOfFile) {
  std::string mbox = "From a x\ncontent-length: 7\n\nFrom z\n";
  MboxSplit s = SplitMbox(mbox);
  ASSERT_EQ(s.messages.size(), 1u);
  EXPECT_TRUE(s.messages[0].used_content_length);
  EXPECT_EQ(s.messages[0].content, "content-length: 7\n\nFrom z\n");
  // One octet shorter: the final LF is the separator line's.
  EXPECT_EQ(Contents("From a x\ncontent-length: 6\n\nFrom z\n"),
            std::vector<std::string>{"content-length: 6\n\nFrom z"});
}

TEST(SplitMbox, CrlfMbox) {
  std::string mbox = "From a x\r\nS: 1\r\n\r\nb\r\n\r\nFrom b y\r\nS: 2\r\n\r\nc\r\n\r\n";
  EXPECT_EQ(Contents(mbox), (std::vector<std::string>{"S: 1\r\n\r\nb\r\n", "S: 2\r\n\r\nc\r\n"}));
  EXPECT_EQ(SplitMbox(mbox).messages[1].from_line, "From b y");
}

std::string Normalized(const std::string& m) {
  return (m.empty() || m.back() == '\n') ? m : m + "\n";
}

TEST(SplitMbox, RoundTripTrickyMessages) {
  std::vector<std::string> msgs = {
      "S: a\n\nFrom x\n>From y\n\n", "", "\n", "no newline", "S: b\n\n>>From z\nFrom",
      "Content-Length: 5\n\nFrom q\n", "x\r", "\n\nFrom \n\n"};
  std::string mbox;
  for (const auto& m : msgs) mbox += FormatMboxEntry("s@x", 1, m);
  auto got = Contents(mbox);
  ASSERT_EQ(got.size(), msgs.size());
  for (size_t i = 0; i < msgs.size(); ++i) EXPECT_EQ(got[i], Normalized(msgs[i])) << i;
}

RC_GTEST_PROP(MboxProp, WriteThenSplitRoundTrips, (const std::vector<std::string>& raw)) {
  // Bias the alphabet toward the interesting octets.
  std::vector<std::string> msgs;
  for (const auto& r : raw) {
    std::string m;
    for (char c : r) {
      switch (static_cast<unsigned char>(c) % 8) {
        case 0: m += "\n"; break;
        case 1: m += "From "; break;
        case 2: m += ">"; break;
        case 3: m += "\r"; break;
        case 4: m += "Content-Length: 3\n"; break;
        default: m.push_back(c); break;
      }
    }
    msgs.push_back(m);
  }
  std::string mbox;
  for (const auto& m : msgs) mbox += FormatMboxEntry("s@x", 1, m);
  auto got = Contents(mbox);
  RC_ASSERT(got.size() == msgs.size());
  for (size_t i = 0; i < msgs.size(); ++i) RC_ASSERT(got[i] == Normalized(msgs[i]));
}

RC_GTEST_PROP(MboxProp, QuoteUnquoteInverse, (const std::string& s)) {
  RC_ASSERT(UnquoteFromLines(QuoteFromLines(s)) == s);
}

}  // namespace
}  // namespace mta::local
