// header_test.cc: tests for ParseHeader, the extractors and FormatField (header.h).
//
// Cases come from RFC 5322 Appendix A (A.1.1, A.4, A.5, A.6.3) plus edge cases of 2.2,
// 2.2.3 and 4.5; RapidCheck properties cover the raw-bytes round trip and
// FormatField -> ParseHeader.
#include "mta/lib/message/header.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace mta::message {
namespace {

using ::testing::ElementsAre;

std::string Crlf(std::string_view lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += "\r\n";
    else out += c;
  }
  return out;
}

std::string ConcatRaw(const ParsedHeader& h) {
  std::string out;
  for (const HeaderField& f : h.fields) out += f.raw;
  return out;
}

// The raw bytes of all fields plus the separator line are the header section.
void ExpectRawRoundTrip(std::string_view msg, const ParsedHeader& h) {
  std::string raw = ConcatRaw(h);
  ASSERT_LE(raw.size(), msg.size());
  EXPECT_EQ(raw, msg.substr(0, raw.size()));
  if (h.has_separator) {
    std::string_view sep = msg.substr(raw.size(), h.body_offset - raw.size());
    EXPECT_TRUE(sep == "\r\n" || sep == "\n") << "separator: " << sep;
  } else {
    EXPECT_EQ(raw.size(), h.body_offset);
  }
}

std::vector<HeaderIssue> Issues(const ParsedHeader& h) {
  std::vector<HeaderIssue> out;
  for (const HeaderFinding& f : h.findings) out.push_back(f.issue);
  return out;
}

TEST(ParseHeader, DocExample) {
  ParsedHeader h = ParseHeader("Subject: hi\r\n there\r\n\r\nbody");
  ASSERT_EQ(h.fields.size(), 1u);
  EXPECT_EQ(h.fields[0].name, "Subject");
  EXPECT_EQ(h.fields[0].value, " hi\r\n there");
  EXPECT_EQ(h.fields[0].Unfolded(), "hi there");
  EXPECT_EQ(h.body_offset, 23u);
  EXPECT_TRUE(h.has_separator);
  EXPECT_TRUE(h.findings.empty());
}

// RFC 5322 Appendix A.1.1: a simple message.
TEST(ParseHeader, Rfc5322A11Simple) {
  std::string msg = Crlf(
      "From: John Doe <jdoe@machine.example>\n"
      "To: Mary Smith <mary@example.net>\n"
      "Subject: Saying Hello\n"
      "Date: Fri, 21 Nov 1997 09:55:06 -0600\n"
      "Message-ID: <1234@local.machine.example>\n"
      "\n"
      "This is a message just to say hello.\n"
      "So, \"Hello\".\n");
  ParsedHeader h = ParseHeader(msg);
  ASSERT_EQ(h.fields.size(), 5u);
  EXPECT_EQ(h.fields[0].name, "From");
  EXPECT_EQ(h.fields[0].Unfolded(), "John Doe <jdoe@machine.example>");
  EXPECT_EQ(h.fields[4].name, "Message-ID");
  EXPECT_EQ(h.fields[4].raw, "Message-ID: <1234@local.machine.example>\r\n");
  EXPECT_TRUE(h.has_separator);
  EXPECT_TRUE(h.findings.empty());
  EXPECT_EQ(msg.substr(h.body_offset, 4), "This");
  ASSERT_NE(h.Find("subject"), nullptr);
  EXPECT_EQ(h.Find("SUBJECT")->Unfolded(), "Saying Hello");
  EXPECT_EQ(h.Find("Cc"), nullptr);
  ExpectRawRoundTrip(msg, h);
}

// RFC 5322 Appendix A.4: trace fields, one of them folded over six lines.
TEST(ParseHeader, Rfc5322A4TraceFields) {
  std::string msg = Crlf(
      "Received: from x.y.test\n"
      "   by example.net\n"
      "   via TCP\n"
      "   with ESMTP\n"
      "   id ABC12345\n"
      "   for <mary@example.net>;  21 Nov 1997 10:05:43 -0600\n"
      "Received: from node.example by x.y.test; 21 Nov 1997 10:01:22 -0600\n"
      "From: John Doe <jdoe@node.example>\n"
      "To: Mary Smith <mary@example.net>\n"
      "Subject: Saying Hello\n"
      "Date: Fri, 21 Nov 1997 09:55:06 -0600\n"
      "Message-ID: <1234@local.node.example>\n"
      "\n"
      "This is a message just to say hello.\n");
  ParsedHeader h = ParseHeader(msg);
  ASSERT_EQ(h.fields.size(), 7u);
  EXPECT_EQ(CountReceived(h), 2u);
  EXPECT_EQ(h.fields[0].Unfolded(),
            "from x.y.test   by example.net   via TCP   with ESMTP   id ABC12345   for "
            "<mary@example.net>;  21 Nov 1997 10:05:43 -0600");
  EXPECT_EQ(h.FindAll("received").size(), 2u);
  EXPECT_TRUE(h.findings.empty());
  ExpectRawRoundTrip(msg, h);
}

// RFC 5322 Appendix A.5: white space, comments and other oddities.
TEST(ParseHeader, Rfc5322A5Oddities) {
  std::string msg = Crlf(
      "From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>\n"
      "To:A Group(Some people)\n"
      "     :Chris Jones <c@(Chris's host.)public.example>,\n"
      "         joe@example.org,\n"
      "  John <jdoe@one.test> (my dear friend); (the end of the group)\n"
      "Cc:(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;\n"
      "Date: Thu,\n"
      "      13\n"
      "        Feb\n"
      "          1969\n"
      "      23:32\n"
      "               -0330 (Newfoundland Time)\n"
      "Message-ID:              <testabcd.1234@silly.test>\n"
      "\n"
      "Testing.\n");
  ParsedHeader h = ParseHeader(msg);
  ASSERT_EQ(h.fields.size(), 5u);
  EXPECT_EQ(h.fields[1].name, "To");
  EXPECT_EQ(h.fields[1].value.substr(0, 19), "A Group(Some people");
  EXPECT_EQ(h.fields[3].name, "Date");
  EXPECT_EQ(h.fields[3].Unfolded(),
            "Thu,      13        Feb          1969      23:32               -0330 "
            "(Newfoundland Time)");
  EXPECT_EQ(h.fields[4].Unfolded(), "<testabcd.1234@silly.test>");
  EXPECT_TRUE(h.findings.empty());
  ExpectRawRoundTrip(msg, h);
}

// RFC 5322 Appendix A.6.3: obsolete white space before the colon and an all-WSP fold line.
TEST(ParseHeader, Rfc5322A63ObsoleteWhiteSpace) {
  std::string msg = Crlf(
      "From  : John Doe <jdoe@machine(comment).  example>\n"
      "To    : Mary Smith\n"
      "  \n"
      "          <mary@example.net>\n"
      "Subject     : Saying Hello\n"
      "Date  : Fri, 21 Nov 1997 09(comment):   55  :  06 -0600\n"
      "Message-ID  : <1234   @   local(blah)  .machine .example>\n"
      "\n"
      "This is just a test.\n");
  ParsedHeader h = ParseHeader(msg);
  ASSERT_EQ(h.fields.size(), 5u);
  EXPECT_EQ(h.fields[0].name, "From");
  EXPECT_EQ(h.fields[1].name, "To");
  EXPECT_EQ(h.fields[1].Unfolded(), "Mary Smith" + std::string(12, ' ') + "<mary@example.net>");
  EXPECT_EQ(h.fields[2].name, "Subject");
  EXPECT_EQ(h.fields[2].Unfolded(), "Saying Hello");
  int wsp = 0, empty_fold = 0;
  for (const HeaderFinding& f : h.findings) {
    if (f.issue == HeaderIssue::kObsWspBeforeColon) ++wsp;
    if (f.issue == HeaderIssue::kObsEmptyFoldLine) {
      ++empty_fold;
      EXPECT_EQ(msg.substr(f.offset, 4), "  \r\n");
    }
  }
  EXPECT_EQ(wsp, 5);
  EXPECT_EQ(empty_fold, 1);
  EXPECT_EQ(h.findings[0].offset, 4u);  // the WSP after "From"
  ExpectRawRoundTrip(msg, h);
}

TEST(ParseHeader, BareLfAcceptedAndFlaggedOnce) {
  std::string msg = "A: 1\nB: 2\n  folded\n\nbody\n";
  ParsedHeader h = ParseHeader(msg);
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_EQ(h.fields[1].value, " 2\n  folded");
  EXPECT_EQ(h.fields[1].Unfolded(), "2  folded");
  EXPECT_THAT(Issues(h), ElementsAre(HeaderIssue::kBareLf));
  EXPECT_EQ(h.findings[0].offset, 4u);
  EXPECT_EQ(h.body_offset, 20u);
  ExpectRawRoundTrip(msg, h);
}

TEST(ParseHeader, MixedLineEnds) {
  std::string msg = "A: 1\r\nB: 2\n\r\nbody";
  ParsedHeader h = ParseHeader(msg);
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_EQ(h.fields[1].raw, "B: 2\n");
  EXPECT_TRUE(h.Has(HeaderIssue::kBareLf));
  EXPECT_EQ(msg.substr(h.body_offset), "body");
  ExpectRawRoundTrip(msg, h);
}

TEST(ParseHeader, BareCrAndNulAreData) {
  std::string msg = std::string("A: x\ry\r\nB: n\0l\r\n\r\n", 18);
  ParsedHeader h = ParseHeader(msg);
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_EQ(h.fields[0].value, " x\ry");
  EXPECT_EQ(h.fields[1].value, std::string(" n\0l", 4));
  EXPECT_THAT(Issues(h), ElementsAre(HeaderIssue::kBareCr, HeaderIssue::kNul));
  EXPECT_EQ(h.findings[0].offset, 4u);
  EXPECT_EQ(h.findings[1].offset, 12u);
  ExpectRawRoundTrip(msg, h);
}

TEST(ParseHeader, NoSeparator) {
  std::string msg = "A: 1\r\nB: 2\r\n";
  ParsedHeader h = ParseHeader(msg);
  EXPECT_EQ(h.fields.size(), 2u);
  EXPECT_FALSE(h.has_separator);
  EXPECT_EQ(h.body_offset, msg.size());
  EXPECT_THAT(Issues(h), ElementsAre(HeaderIssue::kNoBodySeparator));
  EXPECT_EQ(h.findings[0].offset, msg.size());
  ExpectRawRoundTrip(msg, h);
}

TEST(ParseHeader, LastFieldWithoutLineEnd) {
  std::string msg = "A: 1\r\nB: 2";
  ParsedHeader h = ParseHeader(msg);
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_EQ(h.fields[1].raw, "B: 2");
  EXPECT_EQ(h.fields[1].value, " 2");
  ExpectRawRoundTrip(msg, h);
}

TEST(ParseHeader, EmptyInput) {
  ParsedHeader h = ParseHeader("");
  EXPECT_TRUE(h.fields.empty());
  EXPECT_EQ(h.body_offset, 0u);
  EXPECT_THAT(Issues(h), ElementsAre(HeaderIssue::kNoBodySeparator));
}

TEST(ParseHeader, EmptyHeaderSection) {
  ParsedHeader h = ParseHeader("\r\nbody");
  EXPECT_TRUE(h.fields.empty());
  EXPECT_TRUE(h.has_separator);
  EXPECT_EQ(h.body_offset, 2u);
  EXPECT_TRUE(h.findings.empty());
}

TEST(ParseHeader, MissingColonEndsHeader) {
  std::string msg = "A: 1\r\nthis is text\r\nB: 2\r\n\r\n";
  ParsedHeader h = ParseHeader(msg);
  ASSERT_EQ(h.fields.size(), 1u);
  EXPECT_FALSE(h.has_separator);
  EXPECT_EQ(h.body_offset, 6u);
  EXPECT_THAT(Issues(h), ElementsAre(HeaderIssue::kMissingColon));
  EXPECT_EQ(h.findings[0].offset, 6u);
  ExpectRawRoundTrip(msg, h);
}

TEST(ParseHeader, SpaceInsideNameIsNotAField) {
  ParsedHeader h = ParseHeader("From sender@example.test Mon Jan  1 00:00:00 2024\r\nA: b\r\n\r\n");
  EXPECT_TRUE(h.fields.empty());
  EXPECT_EQ(h.body_offset, 0u);
  EXPECT_TRUE(h.Has(HeaderIssue::kMissingColon));
}

TEST(ParseHeader, EmptyNameIsNotAField) {
  ParsedHeader h = ParseHeader(": value\r\n\r\n");
  EXPECT_TRUE(h.fields.empty());
  EXPECT_TRUE(h.Has(HeaderIssue::kMissingColon));
}

TEST(ParseHeader, ContinuationFirstEndsHeader) {
  ParsedHeader h = ParseHeader("  indented text\r\nA: b\r\n\r\n");
  EXPECT_TRUE(h.fields.empty());
  EXPECT_EQ(h.body_offset, 0u);
  EXPECT_THAT(Issues(h), ElementsAre(HeaderIssue::kContinuationFirst));
}

TEST(ParseHeader, NonAsciiName) {
  std::string msg = "X-\xC3\xA9t\xC3\xA9: v\r\n\x01X: w\r\n\r\n";
  ParsedHeader h = ParseHeader(msg);
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_EQ(h.fields[0].name, "X-\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(h.fields[1].name, "\x01X");
  ASSERT_EQ(h.findings.size(), 2u);
  EXPECT_EQ(h.findings[0].issue, HeaderIssue::kNonAsciiName);
  EXPECT_EQ(h.findings[0].offset, 2u);
  EXPECT_EQ(h.findings[1].offset, 12u);
}

TEST(ParseHeader, LineTooLong) {
  std::string msg = "A: " + std::string(995, 'x') + "\r\n\r\n";  // 998 octets: fine
  EXPECT_FALSE(ParseHeader(msg).Has(HeaderIssue::kLineTooLong));
  msg = "A: " + std::string(996, 'x') + "\r\nB: " + std::string(2000, 'y') + "\r\n\r\n";
  ParsedHeader h = ParseHeader(msg);
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_THAT(Issues(h), ElementsAre(HeaderIssue::kLineTooLong));  // first occurrence only
  EXPECT_EQ(h.findings[0].offset, 0u);
}

TEST(ParseHeader, ColonInsideValueAndEmptyValue) {
  ParsedHeader h = ParseHeader("Date: 10:00:01\r\nX-Empty:\r\n\r\n");
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_EQ(h.fields[0].Unfolded(), "10:00:01");
  EXPECT_EQ(h.fields[1].name, "X-Empty");
  EXPECT_EQ(h.fields[1].value, "");
  EXPECT_EQ(h.fields[1].Unfolded(), "");
}

TEST(ParseHeader, ManyFieldsLinear) {
  std::string msg;
  for (int i = 0; i < 200000; ++i) msg += "Received: from a by b; x\r\n";
  msg += "\r\n";
  ParsedHeader h = ParseHeader(msg);
  EXPECT_EQ(CountReceived(h), 200000u);
  EXPECT_TRUE(h.has_separator);
  // One huge folded field.
  std::string big = "X:";
  for (int i = 0; i < 500000; ++i) big += "\r\n a";
  big += "\r\n\r\n";
  ParsedHeader h2 = ParseHeader(big);
  ASSERT_EQ(h2.fields.size(), 1u);
  EXPECT_EQ(h2.fields[0].Unfolded().size(), 2u * 500000 - 1);
}

TEST(Extractors, CountReceivedExactName) {
  ParsedHeader h = ParseHeader(
      "Received: a\r\nreceived: b\r\nReceived-SPF: pass\r\nX-Received: c\r\n\r\n");
  EXPECT_EQ(CountReceived(h), 2u);
  EXPECT_EQ(CountReceived(ParseHeader("A: b\r\n\r\n")), 0u);
}

TEST(Extractors, DeliveredTo) {
  ParsedHeader h = ParseHeader(
      "Return-Path: <a@b.test>\r\nDelivered-To: user@local.test\r\ndelivered-to:\r\n "
      "other@local.test  \r\nDelivered-To-Not: x\r\n\r\n");
  EXPECT_THAT(DeliveredTo(h), ElementsAre("user@local.test", "other@local.test"));
  EXPECT_TRUE(DeliveredTo(ParseHeader("A: b\r\n\r\n")).empty());
}

std::optional<std::string> Rp(std::string_view value) {
  return ReturnPath(ParseHeader("Return-Path:" + std::string(value) + "\r\n\r\n"));
}

TEST(Extractors, ReturnPath) {
  EXPECT_EQ(Rp(" <a@sink.test>"), "a@sink.test");
  EXPECT_EQ(Rp(" <>"), "");
  EXPECT_EQ(Rp("<>"), "");
  EXPECT_EQ(Rp(" < >"), "");
  EXPECT_EQ(Rp(" (comment) < a@b.test > (trailing)"), "a@b.test");
  EXPECT_EQ(Rp(" <\"john doe\"@example.test>"), "\"john doe\"@example.test");
  EXPECT_EQ(Rp(" <\"a>b\"@example.test>"), "\"a>b\"@example.test");
  EXPECT_EQ(Rp(" <john (x) @ example.test>"), "john@example.test");
  EXPECT_EQ(Rp(" <user@[192.0.2.1]>"), "user@[192.0.2.1]");
  EXPECT_EQ(Rp(" <@relay.test,@r2.test:user@example.test>"), "user@example.test");
  EXPECT_EQ(Rp("\r\n <folded@example.test>"), "folded@example.test");
  EXPECT_EQ(Rp(" a@b.test"), std::nullopt);
  EXPECT_EQ(Rp(" <a@b.test"), std::nullopt);
  EXPECT_EQ(Rp(" <a@b.test> junk"), std::nullopt);
  EXPECT_EQ(Rp(" <a<b>"), std::nullopt);
  EXPECT_EQ(Rp(""), std::nullopt);
  EXPECT_EQ(ReturnPath(ParseHeader("A: b\r\n\r\n")), std::nullopt);
  // The first Return-Path field counts.
  EXPECT_EQ(ReturnPath(ParseHeader("Return-Path: <1@x>\r\nReturn-Path: <2@x>\r\n\r\n")), "1@x");
}

// RemoveFields on a copy of `m`.
std::string Removed(std::string m, std::string_view name) {
  RemoveFields(&m, name);
  return m;
}

TEST(RemoveFields, EveryInstanceWithFoldsAndNothingElse) {
  std::string m =
      "Received: by x\r\nreturn-path: <forged@x>\r\nSubject: s\r\nRETURN-PATH:\r\n <f2@x>\r\n"
      "Return-Paths: kept\r\n\r\nReturn-Path: <in-body@x>\r\n";
  EXPECT_EQ(Removed(m, "Return-Path"),
            "Received: by x\r\nSubject: s\r\nReturn-Paths: kept\r\n\r\n"
            "Return-Path: <in-body@x>\r\n");
  // LF line ends, no body separator, a non-field line ending the header early.
  EXPECT_EQ(Removed("Return-Path: <a@x>\nA: b\n", "return-path"), "A: b\n");
  EXPECT_EQ(Removed("A: b\nnot a field\nReturn-Path: <a@x>\n", "Return-Path"),
            "A: b\nnot a field\nReturn-Path: <a@x>\n");
  EXPECT_EQ(Removed("", "Return-Path"), "");
  EXPECT_EQ(Removed("Return-Path: <a@x>", "Return-Path"), "");
  std::string none = "A: b\r\n\r\nbody\r\n";
  EXPECT_EQ(Removed(none, "Return-Path"), none);
  EXPECT_EQ(RemoveFields(&m, "Return-Path"), 2u);
  EXPECT_EQ(RemoveFields(&none, "Return-Path"), 0u);
}

TEST(Extractors, AutoSubmitted) {
  EXPECT_EQ(AutoSubmitted(ParseHeader("A: b\r\n\r\n")), "no");
  EXPECT_EQ(AutoSubmitted(ParseHeader("Auto-Submitted: auto-replied\r\n\r\n")), "auto-replied");
  EXPECT_EQ(AutoSubmitted(ParseHeader("auto-submitted: Auto-Generated\r\n\r\n")),
            "auto-generated");
  EXPECT_EQ(AutoSubmitted(ParseHeader(
                "Auto-Submitted: (dsn) auto-replied; owner-email=\"a@b\" (x)\r\n\r\n")),
            "auto-replied");
  EXPECT_EQ(AutoSubmitted(ParseHeader("Auto-Submitted:auto-notified;x=1\r\n\r\n")),
            "auto-notified");
  EXPECT_EQ(AutoSubmitted(ParseHeader("Auto-Submitted: No\r\n\r\n")), "no");
  EXPECT_EQ(AutoSubmitted(ParseHeader("Auto-Submitted:\r\n  \r\n\r\n")), "");
}

TEST(EqualsIgnoreCase, Basics) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Type", "content-TYPE"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "ab"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));  // only letters fold
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
}

TEST(FormatField, ShortFieldOneLine) {
  EXPECT_EQ(FormatField("Subject", "Saying Hello"), "Subject: Saying Hello\r\n");
  EXPECT_EQ(FormatField("Subject", "x", "\n"), "Subject: x\n");
  EXPECT_EQ(FormatField("X-Empty", ""), "X-Empty:\r\n");
}

TEST(FormatField, FoldsAt78) {
  std::string value;
  for (int i = 0; i < 40; ++i) value += (i ? " " : "") + std::string("word") + std::to_string(i);
  std::string out = FormatField("Subject", value);
  std::size_t pos = 0, lines = 0;
  while (pos < out.size()) {
    std::size_t e = out.find("\r\n", pos);
    ASSERT_NE(e, std::string::npos);
    EXPECT_LE(e - pos, 78u);
    if (lines > 0) {
      EXPECT_EQ(out[pos], ' ');  // continuation lines start with WSP
    }
    pos = e + 2;
    ++lines;
  }
  EXPECT_GT(lines, 3u);
  ParsedHeader h = ParseHeader(out + "\r\n");
  ASSERT_EQ(h.fields.size(), 1u);
  EXPECT_EQ(h.fields[0].Unfolded(), value);
  EXPECT_TRUE(h.findings.empty());
}

TEST(FormatField, ExactBoundary) {
  // "Subject: " is 9 octets; a line of exactly 78 stays, 79 folds.
  std::string a(34, 'a'), b(34, 'b');
  std::string v78 = a + " " + b;  // 9 + 69 = 78
  EXPECT_EQ(FormatField("Subject", v78), "Subject: " + v78 + "\r\n");
  std::string v79 = a + " " + b + "c";
  EXPECT_EQ(FormatField("Subject", v79), "Subject: " + a + "\r\n " + b + "c\r\n");
}

TEST(FormatField, LongWordStaysWhole) {
  std::string word(1200, 'z');
  std::string out = FormatField("X-Long", "a " + word + " b");
  EXPECT_EQ(out, "X-Long: a\r\n " + word + "\r\n b\r\n");
  EXPECT_EQ(ParseHeader(out).fields[0].Unfolded(), "a " + word + " b");
}

TEST(FormatField, KeepsTabsAndRunsOfSpaces) {
  std::string value = "a\tb  c" + std::string(80, 'd');
  std::string out = FormatField("X", value);
  EXPECT_EQ(ParseHeader(out).fields[0].Unfolded(), value);
}

// Values made of printable ASCII / UTF-8 words separated by single spaces.
rc::Gen<std::string> GenWord() {
  return rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::oneOf(
      rc::gen::inRange<char>(33, 127), rc::gen::element<char>('\xC3', '\xA9', '\xE2', '\x82'))));
}

rc::Gen<std::string> GenValue() {
  return rc::gen::map(rc::gen::container<std::vector<std::string>>(GenWord()),
                      [](const std::vector<std::string>& words) {
                        std::string v;
                        for (const std::string& w : words) {
                          if (!v.empty()) v += ' ';
                          v += w;
                        }
                        return v;
                      });
}

rc::Gen<std::string> GenName() {
  return rc::gen::nonEmpty(rc::gen::container<std::string>(
      rc::gen::suchThat(rc::gen::inRange<char>(33, 127), [](char c) { return c != ':'; })));
}

RC_GTEST_PROP(FormatFieldProp, ParseRoundTrip, ()) {
  std::string name = *GenName();
  std::string value = *GenValue();
  std::string eol = *rc::gen::element<std::string>("\r\n", "\n");
  std::string out = FormatField(name, value, eol);
  ParsedHeader h = ParseHeader(out + eol + "body");
  RC_ASSERT(h.fields.size() == 1u);
  RC_ASSERT(h.fields[0].name == name);
  RC_ASSERT(h.fields[0].Unfolded() == value);
  RC_ASSERT(h.fields[0].raw == out);
  RC_ASSERT(h.has_separator);
  RC_ASSERT(out.substr(out.size() - eol.size()) == eol);
  // Lines are at most 78 octets when the words are short and the name is.
  bool short_words = true;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || value[i] == ' ') {
      if (i - start > 68) short_words = false;
      start = i + 1;
    }
  }
  if (short_words && name.size() < 8) {
    std::size_t pos = 0;
    while (pos < out.size()) {
      std::size_t e = out.find(eol, pos);
      RC_ASSERT(e != std::string::npos);
      RC_ASSERT(e - pos <= 78u);
      pos = e + eol.size();
    }
  }
}

// Any byte string: raw concatenation reproduces the consumed prefix; findings are sorted
// and inside the input.
RC_GTEST_PROP(ParseHeaderProp, RawBytesRoundTrip, ()) {
  std::string msg = *rc::gen::container<std::string>(
      rc::gen::oneOf(rc::gen::element<char>('\r', '\n', ' ', '\t', ':', '\0'),
                     rc::gen::inRange<char>('A', 'E'), rc::gen::arbitrary<char>()));
  ParsedHeader h = ParseHeader(msg);
  std::string raw = ConcatRaw(h);
  RC_ASSERT(raw == msg.substr(0, raw.size()));
  RC_ASSERT(h.body_offset <= msg.size());
  if (h.has_separator) {
    std::string sep = msg.substr(raw.size(), h.body_offset - raw.size());
    RC_ASSERT(sep == "\r\n" || sep == "\n");
  } else {
    RC_ASSERT(raw.size() == h.body_offset);
  }
  for (std::size_t i = 0; i < h.findings.size(); ++i) {
    RC_ASSERT(h.findings[i].offset <= msg.size());
    if (i > 0) RC_ASSERT(h.findings[i - 1].offset <= h.findings[i].offset);
  }
  for (const HeaderField& f : h.fields) {
    RC_ASSERT(!f.name.empty());
    RC_ASSERT(f.raw.substr(0, f.name.size()) == f.name);
  }
}

}  // namespace
}  // namespace mta::message
