// addr_spec_test.cc: ParseAddrSpec against RFC 5322 3.4.1 / 4.4, RFC 5321 limits and
// RFC 6532, plus the address literal checks of RFC 5321 4.1.3.
#include "mta/lib/address/addr_spec.h"

#include <gtest/gtest.h>

#include <string>

#include "mta/lib/address/address_literal.h"

namespace mta::address {
namespace {

using F = Finding;

TEST(AddrSpecTest, PlainDotAtom) {
  AddrSpecResult r = ParseAddrSpec("john.q.public@example.com");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.addr_spec.local_part, "john.q.public");
  EXPECT_EQ(r.addr_spec.local_part_raw, "john.q.public");
  EXPECT_EQ(r.addr_spec.domain, "example.com");
  EXPECT_EQ(r.addr_spec.domain_raw, "example.com");
  EXPECT_FALSE(r.addr_spec.is_domain_literal);
  EXPECT_TRUE(r.findings.empty());
}

TEST(AddrSpecTest, QuotedLocalPartIsResolved) {
  AddrSpecResult r = ParseAddrSpec(R"("john \"q\" doe\\x"@example.com)");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.addr_spec.local_part, R"(john "q" doe\x)");
  EXPECT_EQ(r.addr_spec.local_part_raw, R"("john \"q\" doe\\x")");
  EXPECT_EQ(r.findings, std::vector<Finding>{F::kQuotedLocalPart});
}

TEST(AddrSpecTest, FoldInQuotedStringDropsCrlfKeepsWsp) {
  AddrSpecResult r = ParseAddrSpec("\"a\r\n b\"@x.test");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.addr_spec.local_part, "a b");
}

TEST(AddrSpecTest, CommentsAndFwsAreFlaggedAndDropped) {
  AddrSpecResult r = ParseAddrSpec(" (a (nested) comment) pete@silly.test (his host)");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.addr_spec.local_part, "pete");
  EXPECT_EQ(r.addr_spec.domain, "silly.test");
  EXPECT_TRUE(r.Has(F::kComment));
  EXPECT_TRUE(r.Has(F::kFws));
  EXPECT_FALSE(r.Has(F::kCfwsNearAt));
}

TEST(AddrSpecTest, CfwsNearAt) {
  AddrSpecResult r = ParseAddrSpec("pete(his account)@silly.test");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.Has(F::kCfwsNearAt));
  EXPECT_TRUE(r.Has(F::kComment));
  EXPECT_EQ(r.addr_spec.local_part_raw, "pete");
}

TEST(AddrSpecTest, ObsLocalPartWithCfwsBetweenWords) {
  AddrSpecResult r = ParseAddrSpec("john . (x) q@example.com");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.addr_spec.local_part, "john.q");
  EXPECT_EQ(r.addr_spec.local_part_raw, "john . (x) q");
  EXPECT_TRUE(r.Has(F::kObsLocalPart));
}

TEST(AddrSpecTest, ObsLocalPartMixingQuotedWords) {
  AddrSpecResult r = ParseAddrSpec("\"a b\".c@example.com");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.addr_spec.local_part, "a b.c");
  EXPECT_TRUE(r.Has(F::kObsLocalPart));
  EXPECT_TRUE(r.Has(F::kQuotedLocalPart));
}

TEST(AddrSpecTest, ObsDomain) {
  AddrSpecResult r = ParseAddrSpec("a@example . com");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.addr_spec.domain, "example.com");
  EXPECT_EQ(r.addr_spec.domain_raw, "example . com");
  EXPECT_TRUE(r.Has(F::kObsDomain));
}

TEST(AddrSpecTest, DomainLiteralAddress) {
  AddrSpecResult r = ParseAddrSpec("a@[192.0.2.1]");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.addr_spec.is_domain_literal);
  EXPECT_EQ(r.addr_spec.domain, "[192.0.2.1]");
  EXPECT_EQ(r.findings, std::vector<Finding>{F::kAddressLiteral});
}

TEST(AddrSpecTest, DomainLiteralGeneralAndObsDtext) {
  AddrSpecResult r = ParseAddrSpec("a@[x\\]y z]");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.addr_spec.domain, "[x]y z]");
  EXPECT_TRUE(r.Has(F::kObsDtext));
  EXPECT_TRUE(r.Has(F::kDomainLiteralNotIp));
}

TEST(AddrSpecTest, Rejections) {
  for (const char* bad :
       {"", "a", "@x.test", "a@", "a@b@c", "a..b@c.test", ".a@c.test", "a.@c.test",
        "a@c..test", "a@c.test.", "a@.c.test", "a b@c.test", "\"a\"b@c.test", "a\"b\"@c.test",
        "a@[1.2.3.4", "a@[1[2]", "a@x[1.2.3.4]", "(a@b.test", "a@b.test(", "\"a@b.test",
        "a@b.test\r\n", "a@b.test\n", "a@b.test\r", "\r\na@b.test", "a\\b@c.test",
        "a@b.test\\", "a\x7f@b.test", "\"a\0\"@b.test", "<a@b.test>", "a@b.test>", "a@b,c"}) {
    AddrSpecResult r = ParseAddrSpec(std::string_view(bad, std::char_traits<char>::length(bad)));
    EXPECT_FALSE(r.ok) << "accepted: " << bad;
    EXPECT_FALSE(r.error.empty()) << bad;
  }
}

TEST(AddrSpecTest, NulInsideQuotedStringIsRejectedButObsQpAccepted) {
  std::string nul_qtext("\"a\0\"@b.test", 10);
  EXPECT_FALSE(ParseAddrSpec(nul_qtext).ok);
  std::string nul_qp("\"a\\\0\"@b.test", 11);
  AddrSpecResult r = ParseAddrSpec(nul_qp);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.addr_spec.local_part, std::string("a\0", 2));
  EXPECT_TRUE(r.Has(F::kObsQp));
}

TEST(AddrSpecTest, ObsFwsWithTwoFolds) {
  AddrSpecResult r = ParseAddrSpec("a@b.test\r\n \r\n ");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.Has(F::kObsFws));
  EXPECT_FALSE(ParseAddrSpec("a@b.test \r\n\r\n ").ok);
}

TEST(AddrSpecTest, ErrorOffsetPointsAtTheProblem) {
  AddrSpecResult r = ParseAddrSpec("abc@de\x01");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error_offset, 6u);
}

TEST(AddrSpecTest, CommentNestingLimit) {
  std::string ok_nest = std::string(64, '(') + std::string(64, ')') + "a@b.test";
  EXPECT_TRUE(ParseAddrSpec(ok_nest).ok);
  std::string deep = std::string(65, '(') + std::string(65, ')') + "a@b.test";
  AddrSpecResult r = ParseAddrSpec(deep);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("nested"), std::string::npos);
  ParseOptions o;
  o.max_comment_depth = 2;
  EXPECT_FALSE(ParseAddrSpec("((()))a@b.test", o).ok);
  EXPECT_TRUE(ParseAddrSpec("(())a@b.test", o).ok);
  // Very deep input is handled without recursion.
  std::string huge = std::string(200000, '(') + "a@b.test";
  EXPECT_FALSE(ParseAddrSpec(huge).ok);
}

TEST(AddrSpecTest, LengthLimits) {
  std::string l64(64, 'a'), l65(65, 'a');
  EXPECT_TRUE(ParseAddrSpec(l64 + "@x.test").findings.empty());
  EXPECT_TRUE(ParseAddrSpec(l65 + "@x.test").Has(F::kLocalPartTooLong));
  std::string label63(63, 'b'), label64(64, 'b');
  EXPECT_TRUE(ParseAddrSpec("a@" + label63 + ".test").findings.empty());
  EXPECT_TRUE(ParseAddrSpec("a@" + label64 + ".test").Has(F::kLabelTooLong));
  // 4 labels of 63 + 3 dots = 255 octets: the domain limit exactly, the path over 254.
  std::string d255 = label63 + "." + label63 + "." + label63 + "." + label63;
  ASSERT_EQ(d255.size(), 255u);
  AddrSpecResult r = ParseAddrSpec("a@" + d255);
  EXPECT_FALSE(r.Has(F::kDomainTooLong));
  EXPECT_TRUE(r.Has(F::kAddressTooLong));
  EXPECT_TRUE(ParseAddrSpec("a@" + d255 + "b").Has(F::kDomainTooLong));
  // 64 + 1 + 189 = 254: no finding.
  std::string d189 = label63 + "." + label63 + "." + std::string(61, 'c');
  ASSERT_EQ(d189.size(), 189u);
  EXPECT_TRUE(ParseAddrSpec(l64 + "@" + d189).findings.empty());
  EXPECT_TRUE(ParseAddrSpec(l64 + "@" + d189 + "c").Has(F::kAddressTooLong));
}

TEST(AddrSpecTest, HostnameFindings) {
  EXPECT_TRUE(ParseAddrSpec("a@-x.test").Has(F::kDomainNotHostname));
  EXPECT_TRUE(ParseAddrSpec("a@x-.test").Has(F::kDomainNotHostname));
  EXPECT_TRUE(ParseAddrSpec("a@x_y.test").Has(F::kDomainNotHostname));
  EXPECT_TRUE(ParseAddrSpec("a@x-y.test").findings.empty());
  EXPECT_TRUE(ParseAddrSpec("a@x.123").Has(F::kNumericTld));
  EXPECT_TRUE(ParseAddrSpec("a@localhost").Has(F::kSingleLabelDomain));
}

TEST(AddrSpecTest, Utf8NeedsTheOption) {
  std::string addr = "j\xC3\xBCrgen@b\xC3\xBC" "cher.test";
  EXPECT_FALSE(ParseAddrSpec(addr).ok);
  ParseOptions o;
  o.allow_utf8 = true;
  AddrSpecResult r = ParseAddrSpec(addr, o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.addr_spec.local_part, "j\xC3\xBCrgen");
  EXPECT_EQ(r.findings, std::vector<Finding>{F::kUtf8});
  // Malformed UTF-8 (overlong, surrogate, truncated) stays an error.
  EXPECT_FALSE(ParseAddrSpec("\xC0\xAF@x.test", o).ok);
  EXPECT_FALSE(ParseAddrSpec("\xED\xA0\x80@x.test", o).ok);
  EXPECT_FALSE(ParseAddrSpec("a\xE2\x82@x.test", o).ok);
  // RFC 6532 3.2: VCHAR is extended, so a quoted-pair may escape UTF-8.
  EXPECT_TRUE(ParseAddrSpec("\"\\\xC2\xA9\"@x.test", o).ok);
  EXPECT_FALSE(ParseAddrSpec("\"\\\xC2\xA9\"@x.test").ok);
}

TEST(AddrSpecTest, FindingIdsAreKebabCase) {
  for (int i = 0; i < kFindingCount; ++i) {
    std::string_view id = FindingId(static_cast<Finding>(i));
    ASSERT_FALSE(id.empty());
    for (char c : id) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') << id;
  }
  EXPECT_EQ(FindingId(F::kObsLocalPart), "obs-local-part");
  EXPECT_EQ(FindingId(F::kCfwsNearAt), "cfws-near-at");
}

TEST(AddressLiteralTest, Ipv4) {
  EXPECT_TRUE(IsIpv4AddressLiteral("0.0.0.0"));
  EXPECT_TRUE(IsIpv4AddressLiteral("255.255.255.255"));
  EXPECT_TRUE(IsIpv4AddressLiteral("001.2.3.4"));
  EXPECT_FALSE(IsIpv4AddressLiteral("256.1.1.1"));
  EXPECT_FALSE(IsIpv4AddressLiteral("1.2.3"));
  EXPECT_FALSE(IsIpv4AddressLiteral("1.2.3.4.5"));
  EXPECT_FALSE(IsIpv4AddressLiteral("1.2.3.4."));
  EXPECT_FALSE(IsIpv4AddressLiteral("1..3.4"));
  EXPECT_FALSE(IsIpv4AddressLiteral("1111.2.3.4"));
}

TEST(AddressLiteralTest, Ipv6) {
  EXPECT_TRUE(IsIpv6AddressLiteral("IPv6:1:2:3:4:5:6:7:8"));
  EXPECT_TRUE(IsIpv6AddressLiteral("ipv6:2001:db8::1"));
  EXPECT_TRUE(IsIpv6AddressLiteral("IPv6:::"));
  EXPECT_TRUE(IsIpv6AddressLiteral("IPv6:::1.2.3.4"));
  EXPECT_TRUE(IsIpv6AddressLiteral("IPv6:1:2:3:4:5:6:1.2.3.4"));
  EXPECT_TRUE(IsIpv6AddressLiteral("IPv6:1:2:3:4::1.2.3.4"));
  EXPECT_FALSE(IsIpv6AddressLiteral("IPv6:1:2:3:4:5::1.2.3.4"));
  EXPECT_FALSE(IsIpv6AddressLiteral("IPv6:1:2:3:4:5:6::8"));
  EXPECT_FALSE(IsIpv6AddressLiteral("IPv6:1::2::3"));
  EXPECT_FALSE(IsIpv6AddressLiteral("IPv6::1:2:3:4:5:6:7"));
  EXPECT_FALSE(IsIpv6AddressLiteral("IPv6:1::2:"));
  EXPECT_FALSE(IsIpv6AddressLiteral("IPv6:12345::"));
  EXPECT_FALSE(IsIpv6AddressLiteral("1:2:3:4:5:6:7:8"));
  EXPECT_FALSE(IsIpv6AddressLiteral("IPv6::1.2.3.4"));
  EXPECT_TRUE(IsAddressLiteral("10.0.0.1"));
  EXPECT_FALSE(IsAddressLiteral("x-tag:abc"));
}

}  // namespace
}  // namespace mta::address
