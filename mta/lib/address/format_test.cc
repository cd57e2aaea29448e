// format_test.cc: canonical formatting (unit tests) and the RapidCheck round trip
// parse(format(x)) == x for addr-specs, mailboxes and address lists with groups.
#include "mta/lib/address/format.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "mta/lib/address/addr_spec.h"
#include "mta/lib/address/address_list.h"

namespace mta::address {
namespace {

AddrSpec Spec(std::string local, std::string domain, bool literal = false) {
  AddrSpec a;
  a.local_part = std::move(local);
  a.domain = std::move(domain);
  a.is_domain_literal = literal;
  return a;
}

TEST(FormatTest, LocalPartQuotedOnlyWhenNeeded) {
  EXPECT_EQ(FormatLocalPart("john.q"), "john.q");
  EXPECT_EQ(FormatLocalPart("!#$%&'*+-/=?^_`{|}~"), "!#$%&'*+-/=?^_`{|}~");
  EXPECT_EQ(FormatLocalPart("john doe"), "\"john doe\"");
  EXPECT_EQ(FormatLocalPart(""), "\"\"");
  EXPECT_EQ(FormatLocalPart("a..b"), "\"a..b\"");
  EXPECT_EQ(FormatLocalPart(".a"), "\".a\"");
  EXPECT_EQ(FormatLocalPart("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(FormatLocalPart(std::string("a\0b", 3)), std::string("\"a\\\0b\"", 6));
}

TEST(FormatTest, Domains) {
  EXPECT_EQ(FormatDomain("example.com", false), "example.com");
  EXPECT_EQ(FormatDomain("[192.0.2.1]", true), "[192.0.2.1]");
  EXPECT_EQ(FormatDomain("192.0.2.1", true), "[192.0.2.1]");
  EXPECT_EQ(FormatDomain("[a]b\\c]", true), "[a\\]b\\\\c]");
  EXPECT_EQ(FormatAddrSpec(Spec("a b", "[x y]", true)), "\"a b\"@[x y]");
}

TEST(FormatTest, DisplayNames) {
  EXPECT_EQ(FormatDisplayName("Mary Smith"), "Mary Smith");
  EXPECT_EQ(FormatDisplayName("Joe Q. Public"), "\"Joe Q. Public\"");
  EXPECT_EQ(FormatDisplayName("Giant; \"Big\" Box"), "\"Giant; \\\"Big\\\" Box\"");
  EXPECT_EQ(FormatDisplayName("a  b"), "\"a  b\"");
  EXPECT_EQ(FormatDisplayName(" a"), "\" a\"");
  EXPECT_EQ(FormatDisplayName(""), "\"\"");
  EXPECT_EQ(FormatDisplayName("=?utf-8?q?x?="), "=?utf-8?q?x?=");
}

TEST(FormatTest, MailboxesGroupsLists) {
  Mailbox m;
  m.addr_spec = Spec("john", "x.test");
  EXPECT_EQ(FormatMailbox(m), "john@x.test");
  m.display_name = "Joe Q. Public";
  EXPECT_EQ(FormatMailbox(m), "\"Joe Q. Public\" <john@x.test>");
  m.route = {"a.test", "[192.0.2.1]"};
  EXPECT_EQ(FormatMailbox(m), "\"Joe Q. Public\" <@a.test,@[192.0.2.1]:john@x.test>");
  m.display_name.clear();
  EXPECT_EQ(FormatMailbox(m), "<@a.test,@[192.0.2.1]:john@x.test>");

  Group g;
  g.display_name = "Undisclosed recipients";
  EXPECT_EQ(FormatGroup(g), "Undisclosed recipients:;");
  Mailbox a, b;
  a.addr_spec = Spec("a", "b.test");
  b.addr_spec = Spec("c", "d.test");
  b.display_name = "C";
  g.display_name = "A Group";
  g.mailboxes = {a, b};
  EXPECT_EQ(FormatGroup(g), "A Group: a@b.test, C <c@d.test>;");
  std::vector<Address> list = {a, g};
  EXPECT_EQ(FormatAddressList(list), "a@b.test, A Group: a@b.test, C <c@d.test>;");
  EXPECT_EQ(FormatMailboxList({a, b}), "a@b.test, C <c@d.test>");
}

TEST(FormatTest, CanonicalisesObsoleteInput) {
  AddressListResult r = ParseAddressList(
      "Joe Q. Public <john.q.public@example.com>, Mary Smith <@node.test:mary@example.net>, "
      ", jdoe@test  . example, \"a\".b@c.test, (x)\"simple\"@d.test");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(FormatAddressList(r.addresses),
            "\"Joe Q. Public\" <john.q.public@example.com>, "
            "Mary Smith <@node.test:mary@example.net>, jdoe@test.example, a.b@c.test, "
            "simple@d.test");
}

// --- RapidCheck generators ---------------------------------------------------------------

const std::string kAtext =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~";
const std::string kLdh = "abcdefghijklmnopqrstuvwxyz0123456789";

std::string Atom(const std::string& alphabet) {
  return *rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::elementOf(alphabet)));
}

std::string DotAtom(const std::string& alphabet) {
  int n = *rc::gen::inRange(1, 5);
  std::string s = Atom(alphabet);
  for (int i = 1; i < n; ++i) s += "." + Atom(alphabet);
  return s;
}

// Printable ASCII, space and tab: everything a quoted-string carries without obs syntax.
std::string Text() {
  return *rc::gen::container<std::string>(
      rc::gen::oneOf(rc::gen::inRange<char>(32, 127), rc::gen::just('\t')));
}

// Text with some UTF-8 (RFC 6532).
std::string Utf8Text() {
  std::vector<std::string> pieces = *rc::gen::container<std::vector<std::string>>(
      rc::gen::oneOf(rc::gen::map(rc::gen::inRange<char>(32, 127), [](char c) { return std::string(1, c); }),
                     rc::gen::element<std::string>("\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                                   "\xD0\x96")));
  std::string s;
  for (const auto& p : pieces) s += p;
  return s;
}

AddrSpec GenAddrSpec() {
  AddrSpec a;
  a.local_part = *rc::gen::inRange(0, 2) ? DotAtom(kAtext) : Text();
  switch (*rc::gen::inRange(0, 3)) {
    case 0:
      a.domain = DotAtom(kLdh);
      break;
    case 1: {
      a.is_domain_literal = true;
      a.domain = "[" + std::to_string(*rc::gen::inRange(0, 256)) + "." +
                 std::to_string(*rc::gen::inRange(0, 256)) + ".0.1]";
      break;
    }
    default:
      a.is_domain_literal = true;
      a.domain = "[" + Text() + "]";  // "[", "]", "\" inside are escaped by the formatter
  }
  return a;
}

std::string GenDomain() {
  return *rc::gen::inRange(0, 3) ? DotAtom(kLdh) : "[" + Text() + "]";
}

Mailbox GenMailbox() {
  Mailbox m;
  m.addr_spec = GenAddrSpec();
  switch (*rc::gen::inRange(0, 3)) {
    case 0: break;                                             // no display name
    case 1: m.display_name = Atom(kAtext) + " " + Atom(kAtext); break;  // needs no quotes
    default: m.display_name = Text();                          // may need quoting
  }
  if (*rc::gen::inRange(0, 5) == 0) {
    int n = *rc::gen::inRange(1, 3);
    for (int i = 0; i < n; ++i) m.route.push_back(GenDomain());
  }
  return m;
}

Address GenAddress() {
  if (*rc::gen::inRange(0, 3) != 0) return GenMailbox();
  Group g;
  g.display_name = Text();
  int n = *rc::gen::inRange(0, 4);
  for (int i = 0; i < n; ++i) g.mailboxes.push_back(GenMailbox());
  return g;
}

RC_GTEST_PROP(FormatRoundTrip, AddrSpec, ()) {
  AddrSpec a = GenAddrSpec();
  std::string text = FormatAddrSpec(a);
  AddrSpecResult r = ParseAddrSpec(text);
  RC_ASSERT(r.ok);
  RC_ASSERT(r.addr_spec == a);
  // Canonical: a dot-atom local part is never quoted, anything else is.
  RC_ASSERT(r.Has(Finding::kQuotedLocalPart) == !IsDotAtomText(a.local_part));
  RC_ASSERT(!r.Has(Finding::kObsLocalPart));
  RC_ASSERT(!r.Has(Finding::kComment));
  RC_ASSERT(!r.Has(Finding::kFws));
}

RC_GTEST_PROP(FormatRoundTrip, Mailbox, ()) {
  Mailbox m = GenMailbox();
  std::string text = FormatMailbox(m);
  MailboxResult r = ParseMailbox(text);
  RC_ASSERT(r.ok);
  RC_ASSERT(r.mailbox == m);
}

RC_GTEST_PROP(FormatRoundTrip, AddressListWithGroups, ()) {
  std::vector<Address> list;
  int n = *rc::gen::inRange(1, 5);
  for (int i = 0; i < n; ++i) list.push_back(GenAddress());
  std::string text = FormatAddressList(list);
  AddressListResult r = ParseAddressList(text);
  RC_ASSERT(r.ok);
  RC_ASSERT(r.addresses == list);
  RC_ASSERT(FormatAddressList(r.addresses) == text);  // formatting is a fixed point
}

RC_GTEST_PROP(FormatRoundTrip, Utf8MailboxWithOption, ()) {
  Mailbox m;
  m.display_name = Utf8Text();
  m.addr_spec.local_part = Utf8Text();
  m.addr_spec.domain = "b\xC3\xBC" "cher." + DotAtom(kLdh);
  ParseOptions o;
  o.allow_utf8 = true;
  MailboxResult r = ParseMailbox(FormatMailbox(m), o);
  RC_ASSERT(r.ok);
  RC_ASSERT(r.mailbox == m);
}

}  // namespace
}  // namespace mta::address
