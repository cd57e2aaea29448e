// path_test.cc: RFC 5321 4.1.2 path grammar, leniencies, limits, round trips.
#include "mta/lib/smtp/path.h"

#include "mta/lib/smtp/address_literal.h"
#include "mta/lib/smtp/domain.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace mta::smtp {
namespace {

PathOptions Fwd(LeniencySet l = {}) { return PathOptions{false, false, l}; }
PathOptions Rev(LeniencySet l = {}) { return PathOptions{true, false, l}; }

TEST(PathTest, SimpleMailbox) {
  ParsedPath p = ParsePath("<user@local.test>", Fwd());
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.local_part, "user");
  EXPECT_EQ(p.domain, "local.test");
  EXPECT_TRUE(p.route.empty());
  EXPECT_FALSE(p.is_null);
  EXPECT_FALSE(p.is_postmaster);
  EXPECT_TRUE(p.deviations.empty());
  EXPECT_TRUE(p.limit_findings.empty());
  EXPECT_EQ(p.Mailbox(), "user@local.test");
}

TEST(PathTest, NullPathOnlyForReverse) {
  ParsedPath r = ParsePath("<>", Rev());
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.is_null);
  ParsedPath f = ParsePath("<>", Fwd());
  EXPECT_FALSE(f.ok);
  EXPECT_FALSE(f.error.empty());
  EXPECT_EQ(FormatPath(r), "<>");
}

TEST(PathTest, SourceRouteAcceptedAndReported) {
  // RFC 5321 4.1.2: the source route "MUST BE accepted"; disputed-points G4.
  ParsedPath p = ParsePath("<@a.test,@b.test:user@c.test>", Fwd());
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.route, (std::vector<std::string>{"a.test", "b.test"}));
  EXPECT_EQ(p.local_part, "user");
  EXPECT_EQ(p.domain, "c.test");
  ParsedPath one = ParsePath("<@local.test:x@sink.test>", Fwd());
  ASSERT_TRUE(one.ok);
  EXPECT_EQ(one.route, std::vector<std::string>{"local.test"});
  EXPECT_EQ(one.domain, "sink.test");
}

TEST(PathTest, BadSourceRoutes) {
  for (const char* s : {"<@:u@c.test>", "<@a.test u@c.test>", "<@a.test,b.test:u@c.test>",
                        "<@a.test,:u@c.test>", "<@[1.2.3.4]:u@c.test>", "<@a.test:>",
                        "<@a.test:@b.test>"}) {
    EXPECT_FALSE(ParsePath(s, Fwd()).ok) << s;
  }
}

TEST(PathTest, PostmasterSpecialCase) {
  // RFC 5321 4.1.1.3 and 4.5.1: "<Postmaster>" without domain, case-insensitive, RCPT only.
  for (const char* s : {"<Postmaster>", "<postmaster>", "<POSTMASTER>", "<PoStMaStEr>"}) {
    ParsedPath p = ParsePath(s, Fwd());
    ASSERT_TRUE(p.ok) << s;
    EXPECT_TRUE(p.is_postmaster) << s;
    EXPECT_TRUE(p.domain.empty());
    EXPECT_TRUE(p.deviations.empty());
  }
  EXPECT_FALSE(ParsePath("<Postmaster>", Rev()).ok);
  EXPECT_FALSE(ParsePath("<postmaster2>", Fwd()).ok);
  EXPECT_FALSE(ParsePath("<\"Postmaster\">", Fwd()).ok);
  EXPECT_FALSE(ParsePath("<@a.test:Postmaster>", Fwd()).ok);
  ParsedPath q = ParsePath("<POSTMASTER@local.test>", Fwd());
  ASSERT_TRUE(q.ok);
  EXPECT_FALSE(q.is_postmaster);  // the ordinary mailbox form
  EXPECT_EQ(FormatPath(ParsePath("<Postmaster>", Fwd())), "<Postmaster>");
}

TEST(PathTest, QuotedLocalParts) {
  ParsedPath p = ParsePath(R"(<"john \"q\" smith"@x.test>)", Fwd());
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.local_part, R"("john \"q\" smith")");
  EXPECT_EQ(UnquoteLocalPart(p.local_part), R"(john "q" smith)");
  EXPECT_TRUE(ParsePath(R"(<""@x.test>)", Fwd()).ok);
  EXPECT_TRUE(ParsePath(R"(<"a\\b"@x.test>)", Fwd()).ok);
  EXPECT_EQ(UnquoteLocalPart(R"("a\\b")"), "a\\b");
  EXPECT_TRUE(ParsePath(R"(<"a..b."@x.test>)", Fwd()).ok);
  EXPECT_TRUE(ParsePath(R"(<"<>()[]:;@,"@x.test>)", Fwd()).ok);
  // Unterminated, control characters, quoted-pair of a control character.
  EXPECT_FALSE(ParsePath(R"(<"abc@x.test>)", Fwd()).ok);
  EXPECT_FALSE(ParsePath(std::string("<\"a\tb\"@x.test>"), Fwd()).ok);
  EXPECT_FALSE(ParsePath(std::string("<\"a\\\x01\"@x.test>"), Fwd()).ok);
  EXPECT_FALSE(ParsePath(R"(<"a"b@x.test>)", Fwd()).ok);
  EXPECT_FALSE(ParsePath(R"(<a"b"@x.test>)", Fwd()).ok);
}

TEST(PathTest, DotStringDots) {
  EXPECT_TRUE(ParsePath("<a.b.c@x.test>", Fwd()).ok);
  for (const char* s : {"<.a@x.test>", "<a.@x.test>", "<a..b@x.test>", "<.@x.test>",
                        "<@x.test>", "<a b@x.test>", "<a(b)@x.test>", "<a[b@x.test>"}) {
    EXPECT_FALSE(ParsePath(s, Fwd()).ok) << s;
  }
  EXPECT_TRUE(ParsePath("<!#$%&'*+-/=?^_`{|}~@x.test>", Fwd()).ok);
}

TEST(PathTest, DomainSyntax) {
  for (const char* s : {"<a@x>", "<a@x-y.test>", "<a@1.2.3.4.test>", "<a@0xyz.test>",
                        "<a@a--b.test>"}) {
    EXPECT_TRUE(ParsePath(s, Fwd()).ok) << s;
  }
  for (const char* s : {"<a@-x.test>", "<a@x-.test>", "<a@x..test>", "<a@.x.test>",
                        "<a@x_y.test>", "<a@>", "<a@x.test.>", "<a@x.test", "<a@x.test>>",
                        "a@x.test>", "<a@@x.test>", "<a@x@y.test>"}) {
    EXPECT_FALSE(ParsePath(s, Fwd()).ok) << s;
  }
}

TEST(PathTest, AddressLiterals) {
  // Standardized-tag = Ldh-str, which may start with "-" (RFC 5321 4.1.2/4.1.3).
  EXPECT_TRUE(ParsePath("<a@[-tag:x]>", Fwd()).ok);
  for (const char* s :
       {"<a@[192.0.2.1]>", "<a@[0.0.0.0]>", "<a@[255.255.255.255]>", "<a@[001.2.3.4]>",
        "<a@[IPv6:2001:db8::1]>", "<a@[IPv6:::]>", "<a@[IPv6:1:2:3:4:5:6:7:8]>",
        "<a@[ipv6:::1]>", "<a@[IPv6:1:2:3:4:5:6::]>", "<a@[IPv6:::1:2:3:4:5:6]>",
        "<a@[IPv6:1:2:3:4:5:6:192.0.2.1]>", "<a@[IPv6:::ffff:192.0.2.1]>",
        "<a@[IPv6:1:2:3:4::192.0.2.1]>", "<a@[IPv6:::1:2:3:4:192.0.2.1]>",
        "<a@[x-tag:anything-here]>", "<a@[tag:a;b]>"}) {
    EXPECT_TRUE(ParsePath(s, Fwd()).ok) << s;
  }
  for (const char* s :
       {"<a@[256.0.0.1]>", "<a@[1.2.3]>", "<a@[1.2.3.4.5]>", "<a@[1234.2.3.4]>", "<a@[]>",
        "<a@[1.2.3.4>", "<a@[IPv6:1:2:3:4:5:6:7]>",      // full needs 8 groups
        "<a@[IPv6:1:2:3:4:5:6:7:8:9]>", "<a@[IPv6:1:2:3:4:5:6:7::]>",  // comp: at most 6
        "<a@[IPv6:::1:2:3:4:5:6:7]>", "<a@[IPv6:1::2::3]>", "<a@[IPv6:12345::]>",
        "<a@[IPv6:g::]>", "<a@[IPv6:1:2:3:4:5:192.0.2.1]>",  // v4-full needs 6 groups
        "<a@[IPv6:1:2:3:4:5::192.0.2.1]>",                   // v4-comp: at most 4
        "<a@[IPv6:::1.2.3.256]>", "<a@[IPv6:]>", "<a@[IPv6::1]>", "<a@[IPv6:1:]>",
        "<a@[IPv6:1:2:3:4:5:6:7:8:1.2.3.4]>", "<a@[tag-:x]>", "<a@[tag:]>",
        "<a@[tag:a\\b]>", "<a@[tag:a[b]>", "<a@[nocolon]>", "<a@[1.2.3.4].test>"}) {
    EXPECT_FALSE(ParsePath(s, Fwd()).ok) << s;
  }
  ParsedPath p = ParsePath("<a@[IPv6:2001:db8::1]>", Fwd());
  EXPECT_EQ(p.domain, "[IPv6:2001:db8::1]");
}

TEST(AddressLiteralTest, KindsAndParts) {
  auto v4 = ParseAddressLiteral("[192.0.2.1]");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->kind, AddressLiteralKind::kIpv4);
  EXPECT_EQ(v4->value, "192.0.2.1");
  auto v6 = ParseAddressLiteral("[IPv6:2001:db8::1]");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->kind, AddressLiteralKind::kIpv6);
  EXPECT_EQ(v6->value, "2001:db8::1");
  auto g = ParseAddressLiteral("[x-tag:abc]");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->kind, AddressLiteralKind::kGeneral);
  EXPECT_EQ(g->tag, "x-tag");
  // The IPv6 tag never falls back to the general form.
  EXPECT_FALSE(ParseAddressLiteral("[IPv6:zzz]"));
  EXPECT_TRUE(IsValidDomainOrAddressLiteral("[IPv6:::1]"));
  EXPECT_TRUE(IsValidDomainOrAddressLiteral("a.test"));
  EXPECT_FALSE(IsValidDomainOrAddressLiteral("a.test."));
  EXPECT_FALSE(IsValidDomain("\xc3\xbc.test"));
  EXPECT_TRUE(IsValidDomain("b\xc3\xbc\x63her.test", true));
}

TEST(PathTest, OpenRelayStyleAddressesReportedFaithfully) {
  // disputed-points G2-G5: parse results must let the MTA decide.
  ParsedPath pct = ParsePath("<user%remote@local.test>", Fwd());
  ASSERT_TRUE(pct.ok);
  EXPECT_EQ(pct.local_part, "user%remote");
  EXPECT_EQ(pct.domain, "local.test");
  ParsedPath bang = ParsePath("<remote!user@local.test>", Fwd());
  ASSERT_TRUE(bang.ok);
  EXPECT_EQ(bang.local_part, "remote!user");
  ParsedPath route = ParsePath("<@a,@b:user@c>", Fwd());
  ASSERT_TRUE(route.ok);
  EXPECT_EQ(route.route, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(route.domain, "c");
  ParsedPath quoted = ParsePath("<\"user@remote\"@local.test>", Fwd());
  ASSERT_TRUE(quoted.ok);
  EXPECT_EQ(quoted.local_part, "\"user@remote\"");
  EXPECT_EQ(UnquoteLocalPart(quoted.local_part), "user@remote");
  EXPECT_EQ(quoted.domain, "local.test");
  ParsedPath multi = ParsePath("<user@remote@local.test>", Fwd());
  EXPECT_FALSE(multi.ok);  // not RFC 5321 syntax: "@" is not atext
  ParsedPath nodomain = ParsePath("<x%sink.test>", Fwd());
  EXPECT_FALSE(nodomain.ok);
  ParsedPath lenient = ParsePath("<x%sink.test>", Fwd({Leniency::kUnqualifiedMailbox}));
  ASSERT_TRUE(lenient.ok);
  EXPECT_EQ(lenient.deviations, std::vector<Leniency>{Leniency::kUnqualifiedMailbox});
}

struct LeniencyCase {
  const char* input;
  bool reverse;
  Leniency needed;
};

class PathLeniencyTest : public ::testing::TestWithParam<LeniencyCase> {};

TEST_P(PathLeniencyTest, OffRejectsOnAcceptsAndReports) {
  const LeniencyCase& c = GetParam();
  PathOptions strict{c.reverse, false, {}};
  ParsedPath s = ParsePath(c.input, strict);
  EXPECT_FALSE(s.ok) << c.input;
  EXPECT_FALSE(s.error.empty());
  PathOptions on{c.reverse, false, {c.needed}};
  ParsedPath l = ParsePath(c.input, on);
  ASSERT_TRUE(l.ok) << c.input << ": " << l.error;
  EXPECT_EQ(l.deviations, std::vector<Leniency>{c.needed}) << c.input;
  PathOptions all{c.reverse, false, LeniencySet::All()};
  ParsedPath a = ParsePath(c.input, all);
  ASSERT_TRUE(a.ok);
  EXPECT_EQ(a.deviations, std::vector<Leniency>{c.needed}) << c.input;
  EXPECT_TRUE(SamePath(a, l));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PathLeniencyTest,
    ::testing::Values(
        LeniencyCase{"a@sink.test", true, Leniency::kNoAngleBrackets},
        LeniencyCase{"@r.test:a@sink.test", false, Leniency::kNoAngleBrackets},
        LeniencyCase{" <a@sink.test>", true, Leniency::kSpaceAfterColon},
        LeniencyCase{"<a@sink.test>  ", false, Leniency::kTrailingSpace},
        LeniencyCase{"<a@sink.test>\t", false, Leniency::kTrailingSpace},
        LeniencyCase{"<\xc3\xbcser@local.test>", false, Leniency::k8BitWithoutSmtputf8},
        LeniencyCase{"<user@\xff.test>", false, Leniency::k8BitWithoutSmtputf8},
        LeniencyCase{"<\"\xe9\"@local.test>", false, Leniency::k8BitWithoutSmtputf8},
        LeniencyCase{"<user@local.test> (comment (nested))", false, Leniency::kCommentInPath},
        LeniencyCase{"<x@sink.test.>", false, Leniency::kTrailingDotDomain},
        LeniencyCase{"<user>", false, Leniency::kUnqualifiedMailbox},
        LeniencyCase{"<Postmaster>", true, Leniency::kUnqualifiedMailbox}));

TEST(PathTest, TrailingDotIsStripped) {
  ParsedPath p = ParsePath("<x@sink.test.>", Fwd({Leniency::kTrailingDotDomain}));
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.domain, "sink.test");
  EXPECT_EQ(FormatPath(p), "<x@sink.test>");
}

TEST(PathTest, SpacesBeforeCommentNeedExtraSpace) {
  // Fuzzer reproducer corpora/fuzz/path_fuzzer/crash-comment-after-two-spaces: with only
  // comment-in-path on, a run of SP before the comment must not be accepted (it would need
  // extra-space, which is off).
  const std::string in = "<>  (<a mment)";
  ParsedPath c = ParsePath(in, Rev({Leniency::kCommentInPath}));
  EXPECT_FALSE(c.ok);
  EXPECT_FALSE(c.error.empty());
  EXPECT_FALSE(ParsePath(in, Rev({Leniency::kExtraSpace})).ok);
  EXPECT_FALSE(ParsePath(in, Rev()).ok);
  ParsedPath both = ParsePath(in, Rev({Leniency::kCommentInPath, Leniency::kExtraSpace}));
  ASSERT_TRUE(both.ok) << both.error;
  EXPECT_TRUE(both.is_null);
  EXPECT_EQ(both.deviations,
            (std::vector<Leniency>{Leniency::kCommentInPath, Leniency::kExtraSpace}));
  ParsedPath all = ParsePath(in, Rev(LeniencySet::All()));
  ASSERT_TRUE(all.ok);
  EXPECT_EQ(all.deviations, both.deviations);
  EXPECT_EQ(FormatPath(all), "<>");
  // One SP (or none) before the comment is comment-in-path alone.
  for (const char* one : {"<> (<a mment)", "<>(<a mment)"}) {
    ParsedPath p = ParsePath(one, Rev({Leniency::kCommentInPath}));
    ASSERT_TRUE(p.ok) << one << ": " << p.error;
    EXPECT_TRUE(p.is_null);
    EXPECT_EQ(p.deviations, std::vector<Leniency>{Leniency::kCommentInPath}) << one;
  }
  ParsedPath f = ParsePath("<a@sink.test>   (c)", Fwd({Leniency::kCommentInPath}));
  EXPECT_FALSE(f.ok);
}

TEST(PathTest, SeveralDeviationsAtOnce) {
  ParsedPath p = ParsePath(" a@sink.test.  ", Rev(LeniencySet::All()));
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.deviations,
            (std::vector<Leniency>{Leniency::kNoAngleBrackets, Leniency::kSpaceAfterColon,
                                   Leniency::kTrailingSpace, Leniency::kTrailingDotDomain}));
  EXPECT_EQ(p.domain, "sink.test");
}

TEST(PathTest, Smtputf8Mode) {
  PathOptions u{false, true, {}};
  ParsedPath p = ParsePath("<\xc3\xbcser@b\xc3\xbc\x63her.test>", u);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_TRUE(p.deviations.empty());
  EXPECT_TRUE(p.non_ascii);
  EXPECT_TRUE(ParsePath("<\"\xe2\x82\xac x\"@a.test>", u).ok);
  // Malformed UTF-8: lone continuation, overlong, surrogate, truncated, above U+10FFFF.
  for (const char* s : {"<\x80@a.test>", "<\xc0\xaf@a.test>", "<\xed\xa0\x80@a.test>",
                        "<\xe2\x82@a.test>", "<\xf4\x90\x80\x80@a.test>", "<a@\xff.test>"}) {
    EXPECT_FALSE(ParsePath(s, u).ok) << s;
    PathOptions l{false, true, {Leniency::k8BitWithoutSmtputf8}};
    ParsedPath q = ParsePath(s, l);
    EXPECT_TRUE(q.ok) << s;
    EXPECT_EQ(q.deviations, std::vector<Leniency>{Leniency::k8BitWithoutSmtputf8});
  }
  // Without SMTPUTF8 any octet > 127 is an error.
  EXPECT_FALSE(ParsePath("<\xc3\xbcser@local.test>", Fwd()).ok);
}

TEST(PathTest, ControlCharactersAndNulAlwaysRejected) {
  for (std::string s : {std::string("<us\x01er@local.test>"), std::string("<us\0er@l.test>", 14),
                        std::string("<user@local.test\0>", 18), std::string("<a\r@b.test>"),
                        std::string("<a@b.test>\n")}) {
    EXPECT_FALSE(ParsePath(s, Fwd()).ok);
    EXPECT_FALSE(ParsePath(s, Fwd(LeniencySet::All())).ok);
  }
}

TEST(PathTest, LimitFindings) {
  std::string lp(65, 'a');
  ParsedPath p = ParsePath("<" + lp + "@x.test>", Fwd());
  ASSERT_TRUE(p.ok);
  ASSERT_EQ(p.limit_findings.size(), 1u);
  EXPECT_EQ(p.limit_findings[0].limit, Limit::kLocalPart);
  EXPECT_EQ(p.limit_findings[0].limit_value, 64u);
  EXPECT_EQ(p.limit_findings[0].actual, 65u);
  EXPECT_EQ(p.limit_findings[0].name, "local-part");
  EXPECT_TRUE(ParsePath("<" + std::string(64, 'a') + "@x.test>", Fwd()).limit_findings.empty());

  std::string dom;
  while (dom.size() < 256) dom += "abcdefghi.";
  dom += "test";
  ParsedPath d = ParsePath("<a@" + dom + ">", Fwd());
  ASSERT_TRUE(d.ok);
  ASSERT_EQ(d.limit_findings.size(), 2u);
  EXPECT_EQ(d.limit_findings[0].limit, Limit::kDomain);
  EXPECT_EQ(d.limit_findings[0].actual, dom.size());
  EXPECT_EQ(d.limit_findings[1].limit, Limit::kPath);
  EXPECT_EQ(d.limit_findings[1].actual, dom.size() + 4);

  // Path of exactly 256 octets is fine, 257 is a finding ("including the punctuation").
  std::string d250;
  while (d250.size() < 240) d250 += "abcdefghi.";
  d250 += "test";  // 244
  std::string ok256 = "<" + std::string(256 - 3 - d250.size(), 'b') + "@" + d250 + ">";
  ASSERT_EQ(ok256.size(), 256u);
  EXPECT_TRUE(ParsePath(ok256, Fwd()).limit_findings.empty());
  std::string bad257 = "<" + std::string(257 - 3 - d250.size(), 'b') + "@" + d250 + ">";
  ParsedPath b = ParsePath(bad257, Fwd());
  ASSERT_EQ(b.limit_findings.size(), 1u);
  EXPECT_EQ(b.limit_findings[0].limit, Limit::kPath);
  EXPECT_EQ(b.limit_findings[0].actual, 257u);
  EXPECT_EQ(b.limit_findings[0].reply_code, 501);
}

TEST(PathTest, HugeInputIsAFindingNotACrash) {
  std::string big = "<" + std::string(100000, 'a') + "@" + std::string(100000, 'b') + ">";
  ParsedPath p = ParsePath(big, Fwd());
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.limit_findings.size(), 3u);
  std::string route = "<";
  for (int i = 0; i < 5000; ++i) route += "@r.test,";
  route += "@r.test:a@b.test>";
  ParsedPath r = ParsePath(route, Fwd());
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.route.size(), 5001u);
}

TEST(PathTest, QuoteLocalPart) {
  EXPECT_EQ(QuoteLocalPart("user"), "user");
  EXPECT_EQ(QuoteLocalPart("a.b"), "a.b");
  EXPECT_EQ(QuoteLocalPart("a..b"), "\"a..b\"");
  EXPECT_EQ(QuoteLocalPart(""), "\"\"");
  EXPECT_EQ(QuoteLocalPart("a b"), "\"a b\"");
  EXPECT_EQ(QuoteLocalPart("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(QuoteLocalPart("user@remote"), "\"user@remote\"");
  EXPECT_TRUE(IsValidLocalPart("\"a b\""));
  EXPECT_FALSE(IsValidLocalPart("a b"));
}

TEST(PathTest, FormatIsIdentityOnCanonicalInput) {
  for (const char* s : {"<a@b.test>", "<@a.test,@b.test:c@d.test>", "<\"x y\"@[1.2.3.4]>",
                        "<a@[IPv6:::1]>", "<a@[tag:z]>"}) {
    EXPECT_EQ(FormatPath(ParsePath(s, Fwd())), s);
  }
}

// ---- RapidCheck: parse(format(x)) == x -------------------------------------------------

rc::Gen<std::string> GenLabel() {
  return rc::gen::map(
      rc::gen::pair(rc::gen::elementOf(std::string("abcxyz019")),
                    rc::gen::container<std::string>(rc::gen::elementOf(std::string("ab-9z")))),
      [](std::pair<char, std::string> p) {
        std::string s = (std::string(1, p.first) + p.second).substr(0, 20);
        while (s.back() == '-') s.pop_back();
        return s;
      });
}

rc::Gen<std::string> GenDomain() {
  return rc::gen::map(rc::gen::container<std::vector<std::string>>(GenLabel()),
                      [](std::vector<std::string> labels) {
                        std::string d = "x";
                        for (const auto& l : labels) d += "." + l;
                        return d;
                      });
}

rc::Gen<std::string> GenLiteral() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::container<std::vector<int>>(4, rc::gen::inRange(0, 256)),
                   [](std::vector<int> v) {
                     return "[" + std::to_string(v[0]) + "." + std::to_string(v[1]) + "." +
                            std::to_string(v[2]) + "." + std::to_string(v[3]) + "]";
                   }),
      rc::gen::element(std::string("[IPv6:2001:db8::1]"), std::string("[IPv6:::]"),
                       std::string("[IPv6:1:2:3:4:5:6:7:8]"),
                       std::string("[IPv6:::ffff:10.0.0.1]"), std::string("[x-tag:v=1]")));
}

RC_GTEST_PROP(PathProperty, ParseFormatRoundTrip, ()) {
  // Local-part value from printable ASCII; written in canonical (quoted when needed) form.
  std::string value =
      *rc::gen::container<std::string>(rc::gen::inRange<char>(32, 127));
  ParsedPath x;
  x.ok = true;
  x.route = *rc::gen::resize(3, rc::gen::container<std::vector<std::string>>(GenDomain()));
  x.local_part = QuoteLocalPart(value);
  x.domain = *rc::gen::oneOf(GenDomain(), GenLiteral());
  std::string text = FormatPath(x);
  ParsedPath y = ParsePath(text, Fwd());
  RC_ASSERT(y.ok);
  RC_ASSERT(SamePath(x, y));
  RC_ASSERT(UnquoteLocalPart(y.local_part) == value);
  RC_ASSERT(y.deviations.empty());
  RC_ASSERT(FormatPath(y) == text);
  // Every leniency on: strict-valid input is read identically.
  ParsedPath z = ParsePath(text, Fwd(LeniencySet::All()));
  RC_ASSERT(z.ok);
  RC_ASSERT(SamePath(y, z));
  RC_ASSERT(z.deviations.empty());
}

RC_GTEST_PROP(PathProperty, ArbitraryBytesNeverCrashAndOkImpliesRoundTrip, ()) {
  std::string s = *rc::gen::container<std::string>(
      rc::gen::elementOf(std::string("<>@.:,\"\\ a[]IPv6:0123.-\x80\xc3\xbc()")));
  for (bool reverse : {false, true}) {
    PathOptions o{reverse, false, LeniencySet::All()};
    ParsedPath p = ParsePath(s, o);
    if (!p.ok) continue;
    ParsedPath q = ParsePath(FormatPath(p), o);
    RC_ASSERT(q.ok);
    RC_ASSERT(SamePath(p, q));
  }
}

}  // namespace
}  // namespace mta::smtp
