// mime_test.cc: tests for Content-Type parsing, multipart split/build, the entity tree and
// transfer decoding (mime.h).
//
// Cases come from RFC 2045 (5.1 examples), RFC 2046 5.1.1's sample message, RFC 3464's
// example DSN and RFC 2046 5.1.5 (digest); RapidCheck checks BuildMultipart ->
// SplitMultipart and base64/quoted-printable decoding.
#include "mta/lib/message/mime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace mta::message {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

std::string Crlf(std::string_view lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += "\r\n";
    else out += c;
  }
  return out;
}

TEST(ParseContentType, DocExample) {
  auto ct = ParseContentType("multipart/report; report-type=delivery-status; boundary=\"b1\"");
  ASSERT_TRUE(ct);
  EXPECT_TRUE(ct->Is("multipart", "report"));
  EXPECT_TRUE(ct->Is("MULTIPART", "Report"));
  EXPECT_EQ(ct->Param("boundary"), "b1");
  EXPECT_EQ(ct->Param("Report-Type"), "delivery-status");
  EXPECT_EQ(ct->Param("charset"), std::nullopt);
  // The first of duplicate parameters wins.
  EXPECT_EQ(ParseContentType("text/plain; charset=a; CHARSET=b")->Param("charset"), "a");
}

// RFC 2045 5.1: the three forms of the same type, comments included.
TEST(ParseContentType, Rfc2045Equivalents) {
  for (const char* v : {"text/plain; charset=us-ascii (Plain text)",
                        "text/plain; charset=\"us-ascii\"", "TEXT/PLAIN; CHARSET=us-ascii",
                        "(c) text (d) / (e) plain (f) ; (g) charset (h) = (i) us-ascii (j)",
                        "text/plain;charset=us-ascii;", " text/plain ;\r\n charset=us-ascii"}) {
    auto ct = ParseContentType(v);
    ASSERT_TRUE(ct) << v;
    EXPECT_EQ(ct->type, "text") << v;
    EXPECT_EQ(ct->subtype, "plain") << v;
    EXPECT_THAT(ct->params, ElementsAre(Pair("charset", "us-ascii"))) << v;
  }
}

TEST(ParseContentType, ValueCaseKeptNamesLowered) {
  auto ct = ParseContentType("Multipart/Mixed; BOUNDARY=\"Simple Boundary\"");
  ASSERT_TRUE(ct);
  EXPECT_EQ(ct->type, "multipart");
  EXPECT_EQ(ct->subtype, "mixed");
  EXPECT_THAT(ct->params, ElementsAre(Pair("boundary", "Simple Boundary")));
}

TEST(ParseContentType, QuotedPairsAndNestedComments) {
  auto ct = ParseContentType(
      "text/plain; a=\"x\\\"y\\\\z\" ((nested (deep)) \\) comment); b=\"semi;colon\"");
  ASSERT_TRUE(ct);
  EXPECT_THAT(ct->params, ElementsAre(Pair("a", "x\"y\\z"), Pair("b", "semi;colon")));
}

TEST(ParseContentType, LenientUnquotedValues) {
  auto ct = ParseContentType("multipart/alternative; boundary=----=_Part_0_123.456");
  ASSERT_TRUE(ct);
  EXPECT_EQ(ct->Param("boundary"), "----=_Part_0_123.456");
}

TEST(ParseContentType, MalformedParametersSkipped) {
  auto ct = ParseContentType("text/plain; junk; =x; c=1 trailing; d=\"unterminated");
  ASSERT_TRUE(ct);
  EXPECT_THAT(ct->params, ElementsAre(Pair("c", "1"), Pair("d", "unterminated")));
}

TEST(ParseContentType, Rfc2231ParametersKeptAsIs) {
  auto ct = ParseContentType(
      "application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; "
      "title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"");
  ASSERT_TRUE(ct);
  ASSERT_EQ(ct->params.size(), 3u);
  EXPECT_EQ(ct->params[0].first, "title*0*");
  EXPECT_EQ(ct->params[2].second, "isn't it!");
}

TEST(ParseContentType, Malformed) {
  EXPECT_EQ(ParseContentType(""), std::nullopt);
  EXPECT_EQ(ParseContentType("text"), std::nullopt);
  EXPECT_EQ(ParseContentType("text/"), std::nullopt);
  EXPECT_EQ(ParseContentType("/plain"), std::nullopt);
  EXPECT_EQ(ParseContentType("text plain"), std::nullopt);
  EXPECT_EQ(ParseContentType("(unterminated comment text/plain"), std::nullopt);
  EXPECT_EQ(ParseContentType("t\xC3\xA9xt/plain"), std::nullopt);
}

TEST(FormatContentType, QuotesWhenNeeded) {
  ContentType ct{"multipart", "report", {{"report-type", "delivery-status"}, {"boundary", "a b"}}};
  EXPECT_EQ(FormatContentType(ct),
            "multipart/report; report-type=delivery-status; boundary=\"a b\"");
  ContentType q{"text", "plain", {{"x", "q\"b\\"}, {"e", ""}, {"eq", "a=b"}}};
  EXPECT_EQ(FormatContentType(q), "text/plain; x=\"q\\\"b\\\\\"; e=\"\"; eq=\"a=b\"");
  auto back = ParseContentType(FormatContentType(q));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->params, q.params);
}

// RFC 2046 5.1.1: the sample multipart message.
const char kRfc2046Sample[] =
    "From: Nathaniel Borenstein <nsb@bellcore.com>\n"
    "To: Ned Freed <ned@innosoft.com>\n"
    "Date: Sun, 21 Mar 1993 23:56:48 -0800 (PST)\n"
    "Subject: Sample message\n"
    "MIME-Version: 1.0\n"
    "Content-type: multipart/mixed; boundary=\"simple boundary\"\n"
    "\n"
    "This is the preamble.  It is to be ignored, though it\n"
    "is a handy place for composition agents to include an\n"
    "explanatory note to non-MIME conformant readers.\n"
    "\n"
    "--simple boundary\n"
    "\n"
    "This is implicitly typed plain US-ASCII text.\n"
    "It does NOT end with a linebreak.\n"
    "--simple boundary\n"
    "Content-type: text/plain; charset=us-ascii\n"
    "\n"
    "This is explicitly typed plain US-ASCII text.\n"
    "It DOES end with a linebreak.\n"
    "\n"
    "--simple boundary--\n"
    "\n"
    "This is the epilogue.  It is also to be ignored.\n";

TEST(SplitMultipart, Rfc2046Sample) {
  for (bool crlf : {true, false}) {
    std::string msg = crlf ? Crlf(kRfc2046Sample) : std::string(kRfc2046Sample);
    std::string nl = crlf ? "\r\n" : "\n";
    ParsedHeader h = ParseHeader(msg);
    auto ct = ParseContentType(h.Find("content-type")->Unfolded());
    ASSERT_TRUE(ct);
    MultipartSplit sp = SplitMultipart(std::string_view(msg).substr(h.body_offset),
                                       *ct->Param("boundary"));
    EXPECT_TRUE(sp.closed);
    EXPECT_EQ(sp.preamble, "This is the preamble.  It is to be ignored, though it" + nl +
                               "is a handy place for composition agents to include an" + nl +
                               "explanatory note to non-MIME conformant readers." + nl);
    ASSERT_EQ(sp.parts.size(), 2u);
    EXPECT_EQ(sp.parts[0], nl + "This is implicitly typed plain US-ASCII text." + nl +
                               "It does NOT end with a linebreak.");
    EXPECT_EQ(sp.parts[1], "Content-type: text/plain; charset=us-ascii" + nl + nl +
                               "This is explicitly typed plain US-ASCII text." + nl +
                               "It DOES end with a linebreak." + nl);
    EXPECT_EQ(sp.epilogue, nl + "This is the epilogue.  It is also to be ignored." + nl);
  }
}

TEST(ParseMime, Rfc2046Sample) {
  MimeEntity e = ParseMime(Crlf(kRfc2046Sample));
  EXPECT_TRUE(e.content_type.Is("multipart", "mixed"));
  ASSERT_EQ(e.parts.size(), 2u);
  // The first part has no header: default text/plain; charset=us-ascii (RFC 2045 5.2).
  EXPECT_TRUE(e.parts[0].header.fields.empty());
  EXPECT_TRUE(e.parts[0].content_type.Is("text", "plain"));
  EXPECT_EQ(e.parts[0].content_type.Param("charset"), "us-ascii");
  EXPECT_EQ(e.parts[0].body,
            "This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a linebreak.");
  EXPECT_EQ(e.parts[1].body,
            "This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a linebreak.\r\n");
  EXPECT_FALSE(e.truncated);
}

TEST(SplitMultipart, DelimiterAtStartAndPadding) {
  MultipartSplit sp = SplitMultipart("--b  \t\r\nA\r\n--b \r\nB\r\n--b-- \t\r\nepi", "b");
  EXPECT_TRUE(sp.closed);
  EXPECT_EQ(sp.preamble, "");
  EXPECT_THAT(sp.parts, ElementsAre("A", "B"));
  EXPECT_EQ(sp.epilogue, "epi");
}

TEST(SplitMultipart, BoundaryPrefixIsNotADelimiter) {
  MultipartSplit sp = SplitMultipart("--b\r\n--bc\r\n x--b\r\n--b-x\r\n--b--", "b");
  EXPECT_TRUE(sp.closed);
  EXPECT_THAT(sp.parts, ElementsAre("--bc\r\n x--b\r\n--b-x"));
  EXPECT_EQ(sp.epilogue, "");
}

TEST(SplitMultipart, MissingCloseDelimiter) {
  MultipartSplit sp = SplitMultipart("pre\r\n--b\r\nA\r\n--b\r\nB\r\nrest", "b");
  EXPECT_FALSE(sp.closed);
  EXPECT_EQ(sp.preamble, "pre");
  EXPECT_THAT(sp.parts, ElementsAre("A", "B\r\nrest"));
}

TEST(SplitMultipart, NoDelimiterAtAll) {
  MultipartSplit sp = SplitMultipart("just text\r\n", "b");
  EXPECT_FALSE(sp.closed);
  EXPECT_TRUE(sp.parts.empty());
  EXPECT_EQ(sp.preamble, "just text\r\n");
}

TEST(SplitMultipart, EmptyPartsAndEdgeLines) {
  EXPECT_THAT(SplitMultipart("--b\r\n--b\r\n--b--", "b").parts, ElementsAre("", ""));
  EXPECT_THAT(SplitMultipart("--b\r\n\r\n--b--\r\n", "b").parts, ElementsAre(""));
  MultipartSplit sp = SplitMultipart("--b", "b");
  EXPECT_FALSE(sp.closed);
  EXPECT_THAT(sp.parts, ElementsAre(""));
  EXPECT_TRUE(SplitMultipart("--b--", "b").closed);
  EXPECT_TRUE(SplitMultipart("x", "").parts.empty());
}

TEST(SplitMultipart, LfForm) {
  MultipartSplit sp = SplitMultipart("--b\nA\n\n--b\nB\n--b--\n", "b");
  EXPECT_THAT(sp.parts, ElementsAre("A\n", "B"));
  EXPECT_TRUE(sp.closed);
}

TEST(SplitMultipart, LongBoundaryManyShortLinesStaysLinear) {
  std::string boundary(60000, 'q');
  std::string body;
  for (int i = 0; i < 200000; ++i) body += "--qqqq\r\n";
  body += "--" + boundary + "\r\nA\r\n--" + boundary + "--\r\n";
  MultipartSplit sp = SplitMultipart(body, boundary);
  EXPECT_TRUE(sp.closed);
  EXPECT_THAT(sp.parts, ElementsAre("A"));
  EXPECT_EQ(sp.preamble.size(), 200000u * 8 - 2);
}

TEST(ParseMime, LargeMessage) {
  std::vector<std::string> parts;
  for (int i = 0; i < 900; ++i) {
    parts.push_back("Content-Type: text/plain\r\n\r\n" + std::string(8000, 'a' + i % 26));
  }
  std::string msg =
      "Content-Type: multipart/mixed; boundary=big\r\n\r\n" + BuildMultipart("big", parts);
  MimeEntity e = ParseMime(msg);
  ASSERT_EQ(e.parts.size(), 900u);
  EXPECT_EQ(e.parts[899].body, std::string(8000, 'a' + 899 % 26));
  EXPECT_FALSE(e.truncated);
}

TEST(BuildMultipart, Layout) {
  EXPECT_EQ(BuildMultipart("b1", {"Content-Type: text/plain\r\n\r\nhi", "\r\nx"}),
            "--b1\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b1\r\n\r\nx\r\n--b1--\r\n");
  EXPECT_EQ(BuildMultipart("b", {}, "pre"), "pre\r\n--b--\r\n");
}

// RFC 3464 10.1-style DSN (multipart/report with a folded Content-Type).
const char kDsn[] =
    "Date: Thu, 7 Jul 1994 17:16:05 -0400\n"
    "From: Mail Delivery Subsystem <MAILER-DAEMON@CS.UTK.EDU>\n"
    "Message-Id: <199407072116.RAA14128@CS.UTK.EDU>\n"
    "Subject: Returned mail: Cannot send message for 5 days\n"
    "To: <owner-info-mime@cs.utk.edu>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "              boundary=\"RAA14128.773615765/CS.UTK.EDU\"\n"
    "\n"
    "--RAA14128.773615765/CS.UTK.EDU\n"
    "\n"
    "The original message was received at Sat, 2 Jul 1994 17:10:28 -0400\n"
    "from root@localhost\n"
    "\n"
    "    ----- The following addresses had delivery problems -----\n"
    "<louisl@larry.slip.umd.edu>  (unrecoverable error)\n"
    "\n"
    "--RAA14128.773615765/CS.UTK.EDU\n"
    "content-type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; cs.utk.edu\n"
    "\n"
    "Original-Recipient: rfc822;louisl@larry.slip.umd.edu\n"
    "Final-Recipient: rfc822;louisl@larry.slip.umd.edu\n"
    "Action: failed\n"
    "Status: 4.0.0\n"
    "Diagnostic-Code: smtp; 426 connection timed out\n"
    "Last-Attempt-Date: Thu, 7 Jul 1994 17:15:49 -0400\n"
    "\n"
    "--RAA14128.773615765/CS.UTK.EDU\n"
    "content-type: message/rfc822\n"
    "\n"
    "Return-Path: <owner@cs.utk.edu>\n"
    "Subject: original\n"
    "\n"
    "original body\n"
    "--RAA14128.773615765/CS.UTK.EDU--\n";

TEST(ParseMime, Rfc3464Dsn) {
  MimeEntity e = ParseMime(Crlf(kDsn));
  EXPECT_TRUE(e.content_type.Is("multipart", "report"));
  EXPECT_EQ(e.content_type.Param("report-type"), "delivery-status");
  ASSERT_EQ(e.parts.size(), 3u);
  EXPECT_TRUE(e.parts[0].content_type.Is("text", "plain"));
  EXPECT_TRUE(e.parts[1].content_type.Is("message", "delivery-status"));
  EXPECT_TRUE(e.parts[1].parts.empty());
  EXPECT_EQ(e.parts[1].body.substr(0, 31), "Reporting-MTA: dns; cs.utk.edu\r");
  // message/delivery-status bodies are groups of header-like fields.
  ParsedHeader per_message = ParseHeader(e.parts[1].body);
  EXPECT_EQ(per_message.Find("Reporting-MTA")->Unfolded(), "dns; cs.utk.edu");
  ParsedHeader per_rcpt = ParseHeader(std::string_view(e.parts[1].body).substr(per_message.body_offset));
  EXPECT_EQ(per_rcpt.Find("Status")->Unfolded(), "4.0.0");
  // message/rfc822: one inner entity.
  EXPECT_TRUE(e.parts[2].content_type.Is("message", "rfc822"));
  ASSERT_EQ(e.parts[2].parts.size(), 1u);
  const MimeEntity& inner = e.parts[2].parts[0];
  EXPECT_EQ(ReturnPath(inner.header), "owner@cs.utk.edu");
  EXPECT_EQ(inner.body, "original body");
  EXPECT_FALSE(e.truncated);
}

TEST(ParseMime, DefaultsAndHeadersOnlyPart) {
  MimeEntity plain = ParseMime("Subject: x\r\n\r\nhello");
  EXPECT_TRUE(plain.content_type.Is("text", "plain"));
  EXPECT_EQ(plain.content_type.Param("charset"), "us-ascii");
  EXPECT_EQ(plain.body, "hello");
  MimeEntity bad = ParseMime("Content-Type: garbage\r\n\r\nx");
  EXPECT_TRUE(bad.content_type.Is("text", "plain"));
  // text/rfc822-headers is kept as a body, not parsed into an entity.
  MimeEntity hdrs = ParseMime("Content-Type: text/rfc822-headers\r\n\r\nSubject: a\r\n\r\n");
  EXPECT_TRUE(hdrs.parts.empty());
  EXPECT_EQ(hdrs.body, "Subject: a\r\n\r\n");
}

// RFC 2046 5.1.5: in multipart/digest the default part type is message/rfc822.
TEST(ParseMime, DigestDefault) {
  std::string msg =
      "Content-Type: multipart/digest; boundary=d\r\n\r\n"
      "--d\r\n\r\nSubject: one\r\n\r\nbody1\r\n"
      "--d\r\nContent-Type: text/plain\r\n\r\nnot a message\r\n"
      "--d--\r\n";
  MimeEntity e = ParseMime(msg);
  ASSERT_EQ(e.parts.size(), 2u);
  EXPECT_TRUE(e.parts[0].content_type.Is("message", "rfc822"));
  ASSERT_EQ(e.parts[0].parts.size(), 1u);
  EXPECT_EQ(e.parts[0].parts[0].header.Find("Subject")->Unfolded(), "one");
  EXPECT_TRUE(e.parts[1].content_type.Is("text", "plain"));
  EXPECT_TRUE(e.parts[1].parts.empty());
}

TEST(ParseMime, MessageGlobalBase64) {
  std::string msg =
      "Content-Type: message/global\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      "U3ViamVjdDogaGkNCg0KYm9keQ==\r\n";  // "Subject: hi\r\n\r\nbody"
  MimeEntity e = ParseMime(msg);
  ASSERT_EQ(e.parts.size(), 1u);
  EXPECT_EQ(e.parts[0].header.Find("Subject")->Unfolded(), "hi");
  EXPECT_EQ(e.parts[0].body, "body");
}

std::string Nested(int depth) {
  std::string inner = "Content-Type: text/plain\r\n\r\nleaf";
  for (int i = 0; i < depth; ++i) {
    std::string b = "b" + std::to_string(i);
    inner = "Content-Type: multipart/mixed; boundary=" + b + "\r\n\r\n" +
            BuildMultipart(b, {inner});
  }
  return inner;
}

TEST(ParseMime, DepthLimit) {
  MimeEntity ok = ParseMime(Nested(3), MimeLimits{3, 100});
  EXPECT_FALSE(ok.truncated);
  const MimeEntity* p = &ok;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(p->parts.size(), 1u);
    p = &p->parts[0];
  }
  EXPECT_EQ(p->body, "leaf");

  MimeEntity cut = ParseMime(Nested(5), MimeLimits{3, 100});
  EXPECT_TRUE(cut.truncated);  // marked on every ancestor of the cut
  p = &cut;
  int levels = 0;
  while (!p->parts.empty()) {
    EXPECT_TRUE(p->truncated);
    p = &p->parts[0];
    ++levels;
  }
  EXPECT_EQ(levels, 3);
  EXPECT_TRUE(p->truncated);

  // Deep nesting far past the limit is no problem (no recursion).
  MimeEntity deep = ParseMime(Nested(2000), MimeLimits{16, 1000});
  EXPECT_TRUE(deep.truncated);
}

TEST(ParseMime, PartLimit) {
  std::vector<std::string> parts(50, "\r\nx");
  std::string msg = "Content-Type: multipart/mixed; boundary=z\r\n\r\n" + BuildMultipart("z", parts);
  MimeEntity e = ParseMime(msg, MimeLimits{16, 10});
  EXPECT_EQ(e.parts.size(), 10u);
  EXPECT_TRUE(e.truncated);
  MimeEntity all = ParseMime(msg);
  EXPECT_EQ(all.parts.size(), 50u);
  EXPECT_FALSE(all.truncated);
}

TEST(ParseMime, MultipartWithoutBoundary) {
  MimeEntity e = ParseMime("Content-Type: multipart/mixed\r\n\r\n--x\r\nA\r\n--x--\r\n");
  EXPECT_TRUE(e.content_type.Is("multipart", "mixed"));
  EXPECT_TRUE(e.parts.empty());
  EXPECT_EQ(e.body, "--x\r\nA\r\n--x--\r\n");
}

TEST(DecodeTransferEncoding, Base64) {
  EXPECT_EQ(DecodeTransferEncoding("SGVsbG8sIHdvcmxkIQ==", "base64"), "Hello, world!");
  EXPECT_EQ(DecodeTransferEncoding("SGVsbG8sIHdvcmxkIQ", "BASE64"), "Hello, world!");
  EXPECT_EQ(DecodeTransferEncoding("SGVs\r\nbG8s*IHdv cmxk\tIQ==\r\n", " Base64 "),
            "Hello, world!");
  EXPECT_EQ(DecodeTransferEncoding("QQ==QkM=", "base64"), "ABC");
  EXPECT_EQ(DecodeTransferEncoding("", "base64"), "");
  EXPECT_EQ(DecodeTransferEncoding("////", "base64"), "\xFF\xFF\xFF");
}

TEST(DecodeTransferEncoding, QuotedPrintable) {
  // RFC 2045 6.7 examples and rules.
  EXPECT_EQ(DecodeTransferEncoding("Now's the time =\r\nfor all folk", "quoted-printable"),
            "Now's the time for all folk");
  EXPECT_EQ(DecodeTransferEncoding("soft=\nbreak", "quoted-printable"), "softbreak");
  EXPECT_EQ(DecodeTransferEncoding("pad= \t\r\nded", "quoted-printable"), "padded");
  EXPECT_EQ(DecodeTransferEncoding("caf=C3=a9", "Quoted-Printable"), "caf\xC3\xA9");
  EXPECT_EQ(DecodeTransferEncoding("a=3D=3db", "quoted-printable"), "a==b");
  EXPECT_EQ(DecodeTransferEncoding("bad=zz=4 =", "quoted-printable"), "bad=zz=4 ");
  EXPECT_EQ(DecodeTransferEncoding("x=", "quoted-printable"), "x");
  EXPECT_EQ(DecodeTransferEncoding("trail  \r\nnext\t\nend ", "quoted-printable"),
            "trail\r\nnext\nend");
  EXPECT_EQ(DecodeTransferEncoding("keep=20\r\n", "quoted-printable"), "keep \r\n");
}

TEST(DecodeTransferEncoding, IdentityEncodings) {
  for (const char* enc : {"7bit", "8bit", "binary", "x-unknown", ""}) {
    EXPECT_EQ(DecodeTransferEncoding("a=3D\r\nb==", enc), "a=3D\r\nb==") << enc;
  }
}

// Property: BuildMultipart then SplitMultipart gives back the parts and the preamble.
RC_GTEST_PROP(MultipartProp, BuildSplitRoundTrip, ()) {
  std::string boundary = *rc::gen::nonEmpty(rc::gen::container<std::string>(
      rc::gen::oneOf(rc::gen::inRange<char>('a', 'z'), rc::gen::element<char>('=', '_', '.', ' '))));
  RC_PRE(boundary.back() != ' ' && boundary.size() <= 70);
  auto part_gen = rc::gen::container<std::string>(rc::gen::oneOf(
      rc::gen::element<char>('\r', '\n', '-', ' ', '\t'), rc::gen::inRange<char>('a', 'd'),
      rc::gen::arbitrary<char>()));
  std::vector<std::string> parts = *rc::gen::container<std::vector<std::string>>(part_gen);
  std::string preamble = *part_gen;
  for (const std::string& p : parts) RC_PRE(p.find(boundary) == std::string::npos);
  RC_PRE(preamble.find(boundary) == std::string::npos);
  std::string body = BuildMultipart(boundary, parts, preamble);
  MultipartSplit sp = SplitMultipart(body, boundary);
  RC_ASSERT(sp.closed);
  RC_ASSERT(sp.parts == parts);
  RC_ASSERT(sp.preamble == preamble);
  RC_ASSERT(sp.epilogue.empty());
}

// Property: FormatContentType output parses back to the same structure (values without
// line breaks; names and type/subtype are lower-case tokens).
RC_GTEST_PROP(ContentTypeProp, FormatParseRoundTrip, ()) {
  auto token = rc::gen::nonEmpty(rc::gen::container<std::string>(
      rc::gen::oneOf(rc::gen::inRange<char>('a', 'z'), rc::gen::element<char>('-', '.', '+', '*'))));
  auto value = rc::gen::container<std::string>(rc::gen::suchThat(
      rc::gen::arbitrary<char>(), [](char c) { return c != '\r' && c != '\n'; }));
  ContentType ct;
  ct.type = *token;
  ct.subtype = *token;
  std::size_t n = *rc::gen::inRange<std::size_t>(0, 5);
  for (std::size_t i = 0; i < n; ++i) ct.params.emplace_back(*token, *value);
  std::optional<ContentType> back = ParseContentType(FormatContentType(ct));
  RC_ASSERT(back.has_value());
  RC_ASSERT(back->type == ct.type);
  RC_ASSERT(back->subtype == ct.subtype);
  RC_ASSERT(back->params == ct.params);
}

// Property: base64 of arbitrary bytes decodes back, with or without padding and line breaks.
RC_GTEST_PROP(DecodeProp, Base64RoundTrip, (const std::string& data, bool strip_pad)) {
  static const char kAlpha[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string enc;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    std::uint32_t v = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    if (i + 2 < data.size()) v |= static_cast<unsigned char>(data[i + 2]);
    enc += kAlpha[(v >> 18) & 63];
    enc += kAlpha[(v >> 12) & 63];
    enc += i + 1 < data.size() ? kAlpha[(v >> 6) & 63] : '=';
    enc += i + 2 < data.size() ? kAlpha[v & 63] : '=';
    if (i % 57 == 54) enc += "\r\n";
  }
  if (strip_pad) {
    while (!enc.empty() && enc.back() == '=') enc.pop_back();
  }
  RC_ASSERT(DecodeTransferEncoding(enc, "base64") == data);
}

// Property: "=XX" encoding of every octet decodes back.
RC_GTEST_PROP(DecodeProp, QuotedPrintableHexRoundTrip, (const std::string& data)) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string enc;
  for (std::size_t i = 0; i < data.size(); ++i) {
    auto c = static_cast<unsigned char>(data[i]);
    enc += '=';
    enc += kHex[c >> 4];
    enc += kHex[c & 15];
    if (i % 20 == 19) enc += "=\r\n";
  }
  RC_ASSERT(DecodeTransferEncoding(enc, "quoted-printable") == data);
}

// Property: ParseMime never crashes and keeps part counts within the limits.
RC_GTEST_PROP(ParseMimeProp, LimitsHold, ()) {
  std::vector<std::string> pieces = *rc::gen::container<std::vector<std::string>>(
      rc::gen::element<std::string>("Content-Type: multipart/mixed; boundary=q\r\n", "\r\n",
                                    "--q\r\n", "--q--\r\n", "Content-Type: message/rfc822\r\n",
                                    "x", "Subject: s\r\n"));
  std::string msg;
  for (const std::string& p : pieces) msg += p;
  std::size_t max_parts = *rc::gen::inRange<std::size_t>(0, 6);
  int max_depth = *rc::gen::inRange(0, 4);
  MimeEntity e = ParseMime(msg, MimeLimits{max_depth, max_parts});
  std::size_t count = 0;
  int worst = 0;
  std::vector<std::pair<const MimeEntity*, int>> todo{{&e, 0}};
  while (!todo.empty()) {
    auto [p, d] = todo.back();
    todo.pop_back();
    worst = std::max(worst, d);
    for (const MimeEntity& c : p->parts) {
      ++count;
      todo.push_back({&c, d + 1});
    }
  }
  RC_ASSERT(count <= max_parts);
  RC_ASSERT(worst <= max_depth);
}

}  // namespace
}  // namespace mta::message
