// address_list_test.cc: ParseMailbox / ParseMailboxList / ParseAddressList against the
// RFC 5322 Appendix A examples (A.1.1-A.1.3, A.5, A.6) and edge cases.
#include "mta/lib/address/address_list.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace mta::address {
namespace {

using F = Finding;

bool HasFinding(const std::vector<Finding>& v, Finding f) {
  return std::find(v.begin(), v.end(), f) != v.end();
}

const Mailbox& MailboxAt(const AddressListResult& r, std::size_t i) {
  return std::get<Mailbox>(r.addresses.at(i));
}
const Group& GroupAt(const AddressListResult& r, std::size_t i) {
  return std::get<Group>(r.addresses.at(i));
}

// A.1.1: From: John Doe <jdoe@machine.example>
TEST(AppendixA, A11AddressingSimple) {
  MailboxResult r = ParseMailbox("John Doe <jdoe@machine.example>");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.mailbox.display_name, "John Doe");
  EXPECT_EQ(r.mailbox.addr_spec.local_part, "jdoe");
  EXPECT_EQ(r.mailbox.addr_spec.domain, "machine.example");
  EXPECT_TRUE(r.mailbox.findings.empty());
}

// A.1.2: different types of mailboxes.
TEST(AppendixA, A12DifferentMailboxTypes) {
  MailboxResult from = ParseMailbox("\"Joe Q. Public\" <john.q.public@example.com>");
  ASSERT_TRUE(from.ok) << from.error;
  EXPECT_EQ(from.mailbox.display_name, "Joe Q. Public");
  EXPECT_TRUE(from.mailbox.findings.empty());

  AddressListResult to =
      ParseAddressList("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>");
  ASSERT_TRUE(to.ok) << to.error;
  ASSERT_EQ(to.addresses.size(), 3u);
  EXPECT_EQ(MailboxAt(to, 0).display_name, "Mary Smith");
  EXPECT_EQ(MailboxAt(to, 1).display_name, "");
  EXPECT_EQ(MailboxAt(to, 1).addr_spec.local_part, "jdoe");
  EXPECT_EQ(MailboxAt(to, 2).display_name, "Who?");
  EXPECT_EQ(MailboxAt(to, 2).addr_spec.domain, "y.test");
  EXPECT_TRUE(to.findings.empty());

  AddressListResult cc =
      ParseAddressList("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>");
  ASSERT_TRUE(cc.ok) << cc.error;
  ASSERT_EQ(cc.addresses.size(), 2u);
  EXPECT_EQ(MailboxAt(cc, 0).display_name, "");
  EXPECT_EQ(MailboxAt(cc, 0).addr_spec.local_part, "boss");
  EXPECT_EQ(MailboxAt(cc, 1).display_name, "Giant; \"Big\" Box");
}

// A.1.3: group addresses.
TEST(AppendixA, A13GroupAddresses) {
  AddressListResult to =
      ParseAddressList("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;");
  ASSERT_TRUE(to.ok) << to.error;
  ASSERT_EQ(to.addresses.size(), 1u);
  const Group& g = GroupAt(to, 0);
  EXPECT_EQ(g.display_name, "A Group");
  ASSERT_EQ(g.mailboxes.size(), 3u);
  EXPECT_EQ(g.mailboxes[0].display_name, "Ed Jones");
  EXPECT_EQ(g.mailboxes[0].addr_spec.local_part, "c");
  EXPECT_EQ(g.mailboxes[1].addr_spec.domain, "where.test");
  EXPECT_EQ(g.mailboxes[2].display_name, "John");
  EXPECT_TRUE(g.findings.empty());

  AddressListResult cc = ParseAddressList("Undisclosed recipients:;");
  ASSERT_TRUE(cc.ok) << cc.error;
  EXPECT_EQ(GroupAt(cc, 0).display_name, "Undisclosed recipients");
  EXPECT_TRUE(GroupAt(cc, 0).mailboxes.empty());
}

// A.5: white space, comments, and other oddities.
TEST(AppendixA, A5CommentsAndWhiteSpace) {
  MailboxResult from =
      ParseMailbox("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>");
  ASSERT_TRUE(from.ok) << from.error;
  EXPECT_EQ(from.mailbox.display_name, "Pete");
  EXPECT_EQ(from.mailbox.addr_spec.local_part, "pete");
  EXPECT_EQ(from.mailbox.addr_spec.domain, "silly.test");
  EXPECT_TRUE(HasFinding(from.mailbox.findings, F::kComment));
  EXPECT_TRUE(HasFinding(from.mailbox.findings, F::kCfwsNearAt));

  AddressListResult to = ParseAddressList(
      "A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
      "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of "
      "the group)");
  ASSERT_TRUE(to.ok) << to.error;
  ASSERT_EQ(to.addresses.size(), 1u);
  const Group& g = GroupAt(to, 0);
  EXPECT_EQ(g.display_name, "A Group");
  ASSERT_EQ(g.mailboxes.size(), 3u);
  EXPECT_EQ(g.mailboxes[0].display_name, "Chris Jones");
  EXPECT_EQ(g.mailboxes[0].addr_spec.domain, "public.example");
  EXPECT_TRUE(HasFinding(g.mailboxes[0].findings, F::kCfwsNearAt));
  EXPECT_EQ(g.mailboxes[1].addr_spec.local_part, "joe");
  EXPECT_TRUE(g.mailboxes[1].findings.empty());  // only FWS around it
  EXPECT_EQ(g.mailboxes[2].display_name, "John");
  EXPECT_TRUE(HasFinding(g.mailboxes[2].findings, F::kComment));
  EXPECT_TRUE(HasFinding(g.findings, F::kComment));

  AddressListResult cc =
      ParseAddressList("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;");
  ASSERT_TRUE(cc.ok) << cc.error;
  EXPECT_EQ(GroupAt(cc, 0).display_name, "Hidden recipients");
  EXPECT_TRUE(GroupAt(cc, 0).mailboxes.empty());
  EXPECT_TRUE(HasFinding(GroupAt(cc, 0).findings, F::kComment));
}

// A.6.1: obsolete addressing.
TEST(AppendixA, A61ObsoleteAddressing) {
  MailboxResult from = ParseMailbox("Joe Q. Public <john.q.public@example.com>");
  ASSERT_TRUE(from.ok) << from.error;
  EXPECT_EQ(from.mailbox.display_name, "Joe Q. Public");
  EXPECT_TRUE(HasFinding(from.mailbox.findings, F::kObsPhrase));

  AddressListResult to =
      ParseAddressList("Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example");
  ASSERT_TRUE(to.ok) << to.error;
  ASSERT_EQ(to.addresses.size(), 2u);
  const Mailbox& mary = MailboxAt(to, 0);
  EXPECT_EQ(mary.display_name, "Mary Smith");
  EXPECT_EQ(mary.route, std::vector<std::string>{"node.test"});
  EXPECT_EQ(mary.addr_spec.local_part, "mary");
  EXPECT_TRUE(HasFinding(mary.findings, F::kObsRoute));
  const Mailbox& jdoe = MailboxAt(to, 1);
  EXPECT_EQ(jdoe.addr_spec.domain, "test.example");
  EXPECT_TRUE(HasFinding(jdoe.findings, F::kObsDomain));
  EXPECT_TRUE(HasFinding(to.findings, F::kObsAddrList));
  EXPECT_TRUE(HasFinding(to.findings, F::kObsRoute));
}

// A.6.3: obsolete white space and comments.
TEST(AppendixA, A63ObsoleteWhiteSpaceAndComments) {
  MailboxResult from = ParseMailbox("John Doe <jdoe@machine(comment).  example>");
  ASSERT_TRUE(from.ok) << from.error;
  EXPECT_EQ(from.mailbox.addr_spec.domain, "machine.example");
  EXPECT_TRUE(HasFinding(from.mailbox.findings, F::kObsDomain));
  EXPECT_TRUE(HasFinding(from.mailbox.findings, F::kComment));

  MailboxResult to = ParseMailbox("Mary Smith\r\n    \r\n     <mary@example.net>");
  ASSERT_TRUE(to.ok) << to.error;
  EXPECT_EQ(to.mailbox.display_name, "Mary Smith");
  EXPECT_TRUE(HasFinding(to.mailbox.findings, F::kObsFws));
}

TEST(MailboxTest, RouteWithSeveralDomainsAndEmptyElements) {
  MailboxResult r = ParseMailbox("<,@a.test,,@[192.0.2.1]:x@y.test>");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.mailbox.route, (std::vector<std::string>{"a.test", "[192.0.2.1]"}));
  EXPECT_EQ(r.mailbox.addr_spec.local_part, "x");
}

TEST(MailboxTest, DisplayNameDecoding) {
  auto name = [](const char* in) {
    MailboxResult r = ParseMailbox(in);
    EXPECT_TRUE(r.ok) << in << ": " << r.error;
    return r.mailbox.display_name;
  };
  EXPECT_EQ(name("a   (x)  b <c@d.test>"), "a b");
  EXPECT_EQ(name("\"a  b\" c <c@d.test>"), "a  b c");
  EXPECT_EQ(name("\"\" <c@d.test>"), "");
  EXPECT_EQ(name("=?utf-8?q?J=C3=BCrgen?= <c@d.test>"), "=?utf-8?q?J=C3=BCrgen?=");
  EXPECT_EQ(name("\"a\\\\b\" <c@d.test>"), "a\\b");
  EXPECT_EQ(name("a\r\n b <c@d.test>"), "a b");
}

TEST(MailboxTest, Rejections) {
  for (const char* bad :
       {"", "<>", "a <>", "<a@b.test", "a@b.test>", "a <b@c.test> d", ". a <b@c.test>",
        "a <b@c.test>, c@d.test", "g: a@b.test;", "a <@x.test b@c.test>", "a <@:b@c.test>",
        "a b", "<a>", "a <b@c.test>>", "a@b.test;"}) {
    MailboxResult r = ParseMailbox(bad);
    EXPECT_FALSE(r.ok) << "accepted: " << bad;
    EXPECT_FALSE(r.error.empty());
  }
}

TEST(AddressListTest, ObsoleteEmptyElementsAreFlagged) {
  AddressListResult r = ParseAddressList(", a@b.test,,c@d.test,");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.addresses.size(), 2u);
  EXPECT_TRUE(HasFinding(r.findings, F::kObsAddrList));
  AddressListResult clean = ParseAddressList("a@b.test, c@d.test");
  ASSERT_TRUE(clean.ok);
  EXPECT_FALSE(HasFinding(clean.findings, F::kObsAddrList));
}

TEST(AddressListTest, GroupListForms) {
  AddressListResult commas = ParseAddressList("g: , ,;");
  ASSERT_TRUE(commas.ok) << commas.error;
  EXPECT_TRUE(HasFinding(GroupAt(commas, 0).findings, F::kObsGroupList));
  AddressListResult empties = ParseAddressList("g: a@b.test,, c@d.test ,;, x@y.test");
  ASSERT_TRUE(empties.ok) << empties.error;
  EXPECT_EQ(GroupAt(empties, 0).mailboxes.size(), 2u);
  EXPECT_TRUE(HasFinding(GroupAt(empties, 0).findings, F::kObsMboxList));
  EXPECT_EQ(MailboxAt(empties, 1).addr_spec.local_part, "x");
  AddressListResult quoted_name = ParseAddressList("\"\":;");
  ASSERT_TRUE(quoted_name.ok) << quoted_name.error;
  EXPECT_EQ(GroupAt(quoted_name, 0).display_name, "");
}

TEST(AddressListTest, Rejections) {
  for (const char* bad :
       {"", " ", ",", ", ,", "a@b.test c@d.test", "g: a@b.test", "g: h: a@b.test;;",
        ": a@b.test;", "g: a@b.test; x", "a@b.test;", "a@b.test, <>", "(unclosed a@b.test",
        "g: a@b.test c@d.test;"}) {
    AddressListResult r = ParseAddressList(bad);
    EXPECT_FALSE(r.ok) << "accepted: " << bad;
    EXPECT_FALSE(r.error.empty());
    EXPECT_TRUE(r.addresses.empty());
  }
}

TEST(AddressListTest, Utf8DisplayNamesWithOption) {
  ParseOptions o;
  o.allow_utf8 = true;
  std::string in = "J\xC3\xBCrgen <j@b\xC3\xBC" "cher.test>, \"\xC3\xA9 x\" <e@x.test>";
  EXPECT_FALSE(ParseAddressList(in).ok);
  AddressListResult r = ParseAddressList(in, o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(MailboxAt(r, 0).display_name, "J\xC3\xBCrgen");
  EXPECT_EQ(MailboxAt(r, 1).display_name, "\xC3\xA9 x");
  EXPECT_TRUE(HasFinding(r.findings, F::kUtf8));
}

TEST(MailboxListTest, ParsesAndFlagsEmptyElements) {
  MailboxListResult r = ParseMailboxList("a@b.test, , C <c@d.test>");
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.mailboxes.size(), 2u);
  EXPECT_EQ(r.mailboxes[1].display_name, "C");
  EXPECT_TRUE(HasFinding(r.findings, F::kObsMboxList));
  EXPECT_FALSE(ParseMailboxList("g: a@b.test;").ok);
}

TEST(AddressListTest, LongInputsStayLinear) {
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "a (c) <b@c.test>, ";
  many += "z@z.test";
  AddressListResult r = ParseAddressList(many);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.addresses.size(), 20001u);
  std::string phrase(200000, 'a');
  for (std::size_t i = 1; i < phrase.size(); i += 2) phrase[i] = ' ';
  EXPECT_FALSE(ParseAddressList(phrase).ok);
}

}  // namespace
}  // namespace mta::address
