// enhanced_status_test.cc: RFC 3463 code syntax, RFC 2034 prefixes, HCMSSC, registry texts.
#include "mta/lib/reply/enhanced_status.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "mta/lib/reply/status_text.h"

namespace mta::reply {
namespace {

TEST(EnhancedStatus, ParsesValidCodes) {
  EXPECT_EQ(EnhancedStatus::Parse("2.0.0"), (EnhancedStatus{2, 0, 0}));
  EXPECT_EQ(EnhancedStatus::Parse("5.7.1"), (EnhancedStatus{5, 7, 1}));
  EXPECT_EQ(EnhancedStatus::Parse("4.999.100"), (EnhancedStatus{4, 999, 100}));
  EXPECT_EQ(EnhancedStatus::Parse("5.1.10"), (EnhancedStatus{5, 1, 10}));
}

TEST(EnhancedStatus, RejectsInvalidCodes) {
  for (const char* bad : {"", "5", "5.1", "5.1.", "3.0.0", "1.0.0", "6.1.1", "5.01.1", "5.1.01",
                          "5.1000.1", "5.1.1000", "5.1.1.1", "5..1", "x.1.1", " 5.1.1",
                          "5.1.1 ", "05.1.1", "5.a.1"}) {
    EXPECT_FALSE(EnhancedStatus::Parse(bad)) << bad;
  }
}

TEST(EnhancedStatus, ToString) {
  EXPECT_EQ((EnhancedStatus{5, 7, 27}).ToString(), "5.7.27");
  EXPECT_EQ((EnhancedStatus{2, 0, 0}).ToString(), "2.0.0");
}

TEST(EnhancedPrefix, FollowedBySpaceOrEnd) {
  auto p = ParseEnhancedPrefix("2.1.5 Destination address valid");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, (EnhancedStatus{2, 1, 5}));
  EXPECT_EQ(p->length, 6u);
  p = ParseEnhancedPrefix("2.0.0");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->length, 5u);
  EXPECT_FALSE(ParseEnhancedPrefix("2.0.0x"));
  EXPECT_FALSE(ParseEnhancedPrefix("2.0.0-ok"));
  EXPECT_FALSE(ParseEnhancedPrefix("2.0.00 ok"));
  EXPECT_FALSE(ParseEnhancedPrefix("Ok 2.0.0"));
}

TEST(Hcmssc, FindsQmailStyleCode) {
  EXPECT_EQ(FindHcmssc("sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"),
            (EnhancedStatus{5, 7, 1}));
  EXPECT_EQ(FindHcmssc("a (#4.3.0) then (#5.1.1)"), (EnhancedStatus{5, 1, 1}));
  EXPECT_EQ(FindHcmssc("a (#4.3.0) then (#bogus)"), (EnhancedStatus{4, 3, 0}));
  EXPECT_FALSE(FindHcmssc("no code here"));
  EXPECT_FALSE(FindHcmssc("(#5.1.1"));
  EXPECT_FALSE(FindHcmssc("(#3.1.1)"));
}

TEST(StatusText, RegistryDetailTexts) {
  EXPECT_EQ(EnhancedStatusText({5, 1, 1}), "Bad destination mailbox address");
  EXPECT_EQ(EnhancedStatusText({5, 1, 10}), "Recipient address has null MX");
  EXPECT_EQ(EnhancedStatusText({5, 7, 1}), "Delivery not authorized, message refused");
  EXPECT_EQ(EnhancedStatusText({4, 0, 0}), "Other undefined Status");
  EXPECT_EQ(EnhancedStatusText({5, 3, 4}), "Message too big for system");
  EXPECT_EQ(EnhancedStatusText({5, 5, 1}), "Invalid command");
  EXPECT_EQ(EnhancedStatusText({5, 7, 27}), "Sender address has null MX");
  EXPECT_EQ(EnhancedStatusText({5, 6, 7}),
            "Non-ASCII addresses not permitted for that sender/recipient");
  EXPECT_EQ(EnhancedStatusText({4, 4, 7}), "Delivery time expired");
  EXPECT_EQ(EnhancedStatusText({5, 7, 23}), "SPF validation failed");
}

TEST(StatusText, FallsBackToSubjectThenClass) {
  EXPECT_EQ(EnhancedStatusText({4, 1, 99}), "Addressing Status");
  EXPECT_EQ(EnhancedStatusText({5, 7, 999}), "Security or Policy Status");
  EXPECT_EQ(EnhancedStatusText({2, 9, 9}), "Success");
  EXPECT_EQ(EnhancedStatusText({4, 99, 0}), "Persistent Transient Failure");
  EXPECT_EQ(EnhancedStatusText({5, 42, 1}), "Permanent Failure");
  EXPECT_EQ(EnhancedSubjectText(0), "Other or Undefined Status");
  EXPECT_EQ(EnhancedSubjectText(2), "Mailbox Status");
  EXPECT_EQ(EnhancedSubjectText(3), "Mail System Status");
  EXPECT_EQ(EnhancedSubjectText(4), "Network and Routing Status");
  EXPECT_EQ(EnhancedSubjectText(5), "Mail Delivery Protocol Status");
  EXPECT_EQ(EnhancedSubjectText(6), "Message Content or Media Status");
  EXPECT_EQ(EnhancedClassText(3), "");
}

TEST(StatusText, EveryRegisteredSubjectHasItsOtherCode) {
  // RFC 3463 3: X.S.0 is "Other or undefined ..." for each subject; X.0.0 for subject 0.
  for (int s = 0; s <= 7; ++s) EXPECT_FALSE(EnhancedDetailText(s, 0).empty()) << s;
}

RC_GTEST_PROP(EnhancedStatus, ParseFormatRoundTrip, ()) {
  const int klass = *rc::gen::element(2, 4, 5);
  const int subject = *rc::gen::inRange(0, 1000);
  const int detail = *rc::gen::inRange(0, 1000);
  EnhancedStatus s{klass, subject, detail};
  RC_ASSERT(EnhancedStatus::Parse(s.ToString()) == s);
}

}  // namespace
}  // namespace mta::reply
