// bounce_test.cc: the notification engine: envelope rules (RFC 5321 6.1), the RFC 3461
// NOTIFY matrix, ENVID/ORCPT/RET, returned content and 8-bit originals (E6), the
// double-bounce policies (E3/E4), Auto-Submitted (E5), QSBMF output, and a property: every
// notification parses back with the same recipients and statuses and no MUST violation.
#include "mta/bounce/bounce.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "mta/bounce/bounce_testing.h"
#include "mta/bounce/rfc3461.h"
#include "mta/bounce/verify.h"
#include "mta/lib/dsn/dsn3464.h"
#include "mta/lib/report/qsbmf.h"

namespace mta::bounce {
namespace {

using report::Action;
using testing::Delayed;
using testing::Delivered;
using testing::Failed;
using testing::FixedEnv;
using testing::kOriginal;

std::vector<Notification> Make(const queue::Envelope& e, const std::vector<Outcome>& o,
                               const BounceOptions& opt = {}, std::string_view orig = kOriginal) {
  return MakeNotifications(e, orig, o, opt, FixedEnv());
}

bool HasHeader(const std::string& m, const std::string& line) {
  std::string head = m.substr(0, m.find("\r\n\r\n") + 2);
  return head.rfind(line + "\r\n", 0) == 0 || head.find("\r\n" + line + "\r\n") != std::string::npos;
}

void ExpectParsesBack(const Notification& n) {
  Verified v = VerifyNotification(n);
  EXPECT_TRUE(v.errors.empty()) << ::testing::PrintToString(v.errors) << "\n" << n.message;
  if (n.format == Format::kRfc3464) {
    EXPECT_EQ(v.format, "rfc3464");
    EXPECT_EQ(v.recipients, n.reported);
  } else {
    EXPECT_EQ(v.format, "qsbmf");
    ASSERT_EQ(v.recipients.size(), n.reported.size());
    for (std::size_t i = 0; i < v.recipients.size(); ++i) {
      EXPECT_EQ(v.recipients[i].first, n.reported[i].first);
    }
  }
}

TEST(Rfc3461Params, Notify) {
  EXPECT_FALSE(ParseNotify("").present);
  NotifyRequest n = ParseNotify("success,Delay");
  EXPECT_TRUE(n.present && n.success && n.delay && !n.failure && !n.never);
  n = ParseNotify("NEVER");
  EXPECT_TRUE(n.never && !n.success && !n.failure && !n.delay);
  n = ParseNotify("NEVER,SUCCESS");  // invalid combination reads as NEVER
  EXPECT_TRUE(n.never && !n.success);
}

TEST(Rfc3461Params, XtextOrcptRet) {
  EXPECT_EQ(DecodeXtext("QQ+2B1"), "QQ+1");
  EXPECT_EQ(DecodeXtext("a+3Db+"), "a=b+");
  EXPECT_EQ(DecodeXtext("+zz"), "+zz");
  auto t = ParseOrcpt("rfc822;u+2Bx@y.test");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->type, "rfc822");
  EXPECT_EQ(t->value, "u+x@y.test");
  EXPECT_FALSE(ParseOrcpt("noseparator"));
  EXPECT_EQ(ParseRet("hdrs"), report::Ret::kHdrs);
  EXPECT_EQ(ParseRet("FULL"), report::Ret::kFull);
  EXPECT_EQ(ParseRet(""), report::Ret::kUnspecified);
  EXPECT_EQ(StripSourceRoute("<@a.test,@b.test:s@c.test>"), "s@c.test");
  EXPECT_EQ(StripSourceRoute("s@c.test"), "s@c.test");
}

TEST(Engine, FailureIsSentFromNullToReversePath) {
  auto n = Make(testing::Envelope(),
                {Failed("a@remote.test", "5.1.1", "mx.remote.test", "550 5.1.1 <a@remote.test>: no")});
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, Kind::kFailure);
  EXPECT_EQ(n[0].sender, "");  // RFC 5321 6.1 MUST
  EXPECT_EQ(n[0].recipients, std::vector<std::string>{"sender@example.test"});
  EXPECT_TRUE(HasHeader(n[0].message, "To: <sender@example.test>"));
  EXPECT_TRUE(HasHeader(n[0].message, "Auto-Submitted: auto-replied"));
  EXPECT_NE(n[0].message.find("Remote-MTA: dns; mx.remote.test"), std::string::npos);
  EXPECT_NE(n[0].message.find("Diagnostic-Code: smtp; 550 5.1.1"), std::string::npos);
  EXPECT_NE(n[0].message.find("Arrival-Date: Mon, 01 Jan 2024 10:00:05 +0100"), std::string::npos);
  EXPECT_EQ(n[0].reported, (std::vector<std::pair<std::string, std::string>>{{"a@remote.test", "5.1.1"}}));
  ExpectParsesBack(n[0]);
}

TEST(Engine, SourceRouteStrippedToFinalHop) {
  auto n = Make(testing::Envelope("@relay.test:s@sink.test"),
                {Failed("a@remote.test", "5.1.1", "", "no such user")});
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].recipients, std::vector<std::string>{"s@sink.test"});
}

TEST(Engine, InvalidStatusBecomesClassDefault) {
  auto n = Make(testing::Envelope(), {Failed("a@remote.test", "5.01.1", "", "x")});
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].reported[0].second, "5.0.0");  // RFC 3461 6.3(g)
}

// RFC 3461 5.2 / 6.2 matrix: (NOTIFY, action) -> notification kind or none.
struct MatrixCase {
  const char* notify;
  Action action;
  bool delay_warnings;
  std::optional<Kind> want;
};

class NotifyMatrix : public ::testing::TestWithParam<MatrixCase> {};

TEST_P(NotifyMatrix, Kind) {
  const MatrixCase& c = GetParam();
  queue::Envelope e = testing::Envelope();
  e.recipients[0].notify = c.notify;
  Outcome o = c.action == Action::kFailed    ? Failed("a@remote.test", "5.1.1", "", "no")
              : c.action == Action::kDelayed ? Delayed("a@remote.test")
                                             : Delivered("a@remote.test", c.action);
  BounceOptions opt;
  opt.delay_warnings = c.delay_warnings;
  auto n = Make(e, {o}, opt);
  if (!c.want) {
    EXPECT_TRUE(n.empty()) << n.size();
    return;
  }
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, *c.want);
  ExpectParsesBack(n[0]);
  std::string action_line = "Action: " + std::string(report::ActionName(c.action));
  EXPECT_NE(n[0].message.find(action_line), std::string::npos);
}

const Kind kF = Kind::kFailure, kD = Kind::kDelay, kS = Kind::kSuccess;
INSTANTIATE_TEST_SUITE_P(
    Rfc3461, NotifyMatrix,
    ::testing::Values(
        MatrixCase{"", Action::kFailed, true, kF}, MatrixCase{"", Action::kDelayed, true, kD},
        MatrixCase{"", Action::kDelayed, false, std::nullopt},
        MatrixCase{"", Action::kDelivered, true, std::nullopt},
        MatrixCase{"", Action::kRelayed, true, std::nullopt},
        MatrixCase{"NEVER", Action::kFailed, true, std::nullopt},
        MatrixCase{"NEVER", Action::kDelayed, true, std::nullopt},
        MatrixCase{"NEVER", Action::kDelivered, true, std::nullopt},
        MatrixCase{"FAILURE", Action::kFailed, true, kF},
        MatrixCase{"FAILURE", Action::kDelayed, true, std::nullopt},  // 5.2.5 MUST NOT
        MatrixCase{"FAILURE", Action::kDelivered, true, std::nullopt},
        MatrixCase{"SUCCESS", Action::kFailed, true, std::nullopt},
        MatrixCase{"SUCCESS", Action::kDelivered, true, kS},
        MatrixCase{"SUCCESS", Action::kRelayed, true, kS},
        MatrixCase{"SUCCESS", Action::kDelayed, true, std::nullopt},
        MatrixCase{"DELAY", Action::kDelayed, false, kD},  // explicit request honoured
        MatrixCase{"DELAY", Action::kFailed, true, std::nullopt},
        MatrixCase{"SUCCESS,FAILURE,DELAY", Action::kFailed, true, kF},
        MatrixCase{"SUCCESS,FAILURE,DELAY", Action::kDelayed, true, kD},
        MatrixCase{"SUCCESS,FAILURE,DELAY", Action::kDelivered, true, kS},
        MatrixCase{"success,failure", Action::kRelayed, true, kS}));

TEST(Engine, DelayWarningWaitsForThreshold) {
  BounceOptions opt;
  opt.delay_warning_after = 2 * 86400;  // the message is one day old
  EXPECT_TRUE(Make(testing::Envelope(), {Delayed("a@remote.test")}, opt).empty());
  opt.delay_warning_after = 86400;
  auto n = Make(testing::Envelope(), {Delayed("a@remote.test")}, opt);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_NE(n[0].message.find("Will-Retry-Until: Sat, 06 Jan 2024 10:00:05 +0100"),
            std::string::npos);
  EXPECT_TRUE(HasHeader(n[0].message, "Subject: Delayed Mail (still being retried)"));
}

TEST(Engine, MixedOutcomesGiveOneNotificationPerKind) {
  queue::Envelope e = testing::Envelope();
  e.recipients[2].notify = "SUCCESS";
  auto n = Make(e, {Failed("a@remote.test", "5.1.1", "", "no"), Delayed("b@remote.test"),
                    Delivered("c@local.test")});
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(n[0].kind, Kind::kFailure);
  EXPECT_EQ(n[1].kind, Kind::kDelay);
  EXPECT_EQ(n[2].kind, Kind::kSuccess);
  for (const auto& x : n) ExpectParsesBack(x);
}

TEST(Engine, EnvidAndOrcpt) {
  queue::Envelope e = testing::Envelope();
  e.envid = "QQ+2B1";
  e.recipients[0].orcpt = "rfc822;A+2Bx@remote.test";
  auto n = Make(e, {Failed("a@remote.test", "5.1.1", "", "no"),
                    Failed("b@remote.test", "5.1.1", "", "no")});
  ASSERT_EQ(n.size(), 1u);
  const std::string& m = n[0].message;
  EXPECT_NE(m.find("Original-Envelope-Id: QQ+1\r\n"), std::string::npos);  // 6.3(a) decoded
  EXPECT_NE(m.find("Original-Recipient: rfc822; A+x@remote.test\r\n"), std::string::npos);
  // 6.3(d): only for the recipient that had ORCPT.
  EXPECT_EQ(m.find("Original-Recipient:"), m.rfind("Original-Recipient:"));
  dsn::ParsedDsn p = dsn::ParseDsn(m);
  ASSERT_EQ(p.report.recipients.size(), 2u);
  EXPECT_TRUE(p.report.recipients[0].original_recipient.has_value());
  EXPECT_FALSE(p.report.recipients[1].original_recipient.has_value());

  auto plain = Make(testing::Envelope(), {Failed("a@remote.test", "5.1.1", "", "no")});
  EXPECT_EQ(plain[0].message.find("Original-Envelope-Id"), std::string::npos);  // MUST NOT
  EXPECT_EQ(plain[0].message.find("Original-Recipient"), std::string::npos);
}

TEST(Engine, RetAndSizeCapChooseReturnedContent) {
  queue::Envelope e = testing::Envelope();
  Outcome f = Failed("a@remote.test", "5.1.1", "", "no");
  e.ret = "HDRS";
  dsn::ParsedDsn p = dsn::ParseDsn(Make(e, {f})[0].message);
  EXPECT_EQ(p.returned, dsn::Returned::kHeaders);
  EXPECT_EQ(p.returned_content.find("Hello there."), std::string::npos);
  e.ret = "FULL";
  p = dsn::ParseDsn(Make(e, {f})[0].message);
  EXPECT_EQ(p.returned, dsn::Returned::kMessage);
  EXPECT_NE(p.returned_content.find("Hello there."), std::string::npos);
  BounceOptions small;
  small.max_returned_bytes = 100;  // RFC 3461 6.2: above the cap only the header
  p = dsn::ParseDsn(Make(e, {f}, small)[0].message);
  EXPECT_EQ(p.returned, dsn::Returned::kHeaders);
  EXPECT_NE(p.returned_content.find("Message-ID: <orig.1@example.test>"), std::string::npos);
}

TEST(Engine, EightBitOriginal) {
  Outcome f = Failed("a@remote.test", "5.1.1", "", "no");
  auto n = Make(testing::Envelope(), {f}, {}, testing::kOriginal8bit);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_TRUE(n[0].needs_8bitmime);
  EXPECT_TRUE(HasHeader(n[0].message, "Content-Transfer-Encoding: 8bit"));
  EXPECT_NE(n[0].message.find("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit"),
            std::string::npos);
  ExpectParsesBack(n[0]);
  BounceOptions seven;
  seven.eight_bit = EightBitReturn::kHeadersOnly;
  n = Make(testing::Envelope(), {f}, seven, testing::kOriginal8bit);
  ASSERT_EQ(n.size(), 1u);
  // RFC 6522 3: the 8-bit header cannot be returned over a 7-bit path: nothing returned.
  EXPECT_FALSE(n[0].needs_8bitmime);
  ExpectParsesBack(n[0]);
}

TEST(Engine, AutoSubmittedSwitch) {
  Outcome f = Failed("a@remote.test", "5.1.1", "", "no");
  BounceOptions off;
  off.auto_submitted = false;
  auto n = Make(testing::Envelope(), {f}, off);
  EXPECT_FALSE(VerifyNotification(n[0]).auto_submitted);
  EXPECT_TRUE(VerifyNotification(Make(testing::Envelope(), {f})[0]).auto_submitted);
  BounceOptions q = testing::QmailOptions();
  EXPECT_FALSE(VerifyNotification(Make(testing::Envelope(), {f}, q)[0]).auto_submitted);
  q.auto_submitted = true;
  auto qa = Make(testing::Envelope(), {f}, q);
  EXPECT_TRUE(VerifyNotification(qa[0]).auto_submitted);
  ExpectParsesBack(qa[0]);
}

TEST(Engine, QsbmfFailure) {
  auto n = Make(testing::Envelope(),
                {Failed("a@remote.test", "5.1.1", "[192.0.2.25]",
                        "550-5.1.1 The account does not exist.\r\n550 5.1.1 Check it."),
                 Failed("c@local.test", "5.1.1", "", "no mailbox")},
                testing::QmailOptions());
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].format, Format::kQsbmf);
  EXPECT_EQ(n[0].sender, "");
  const std::string& m = n[0].message;
  EXPECT_NE(m.find("Subject: failure notice\r\n"), std::string::npos);
  EXPECT_NE(m.find("Hi. This is the qmail-send program at mx.local.test.\r\n"), std::string::npos);
  EXPECT_NE(m.find("Remote host said: 550-5.1.1 The account does not exist.\r\n550 5.1.1 Check it."),
            std::string::npos);
  EXPECT_NE(m.find("Sorry, no mailbox here by that name. (#5.1.1)"), std::string::npos);
  EXPECT_EQ(m.substr(0, m.find("\r\n\r\n")).find("Message-ID:"), std::string::npos);  // qmail: none
  EXPECT_NE(m.find("Return-Path: <sender@example.test>\r\n"), std::string::npos);
  Verified v = VerifyNotification(n[0]);
  EXPECT_EQ(v.format, "qsbmf");
  EXPECT_TRUE(v.errors.empty()) << ::testing::PrintToString(v.errors);
  EXPECT_EQ(v.recipients, (std::vector<std::pair<std::string, std::string>>{
                              {"a@remote.test", "5.1.1"}, {"c@local.test", "5.1.1"}}));
}

TEST(Engine, QsbmfProfileStillSendsRfc3464ForSuccess) {
  queue::Envelope e = testing::Envelope();
  e.recipients[0].notify = "SUCCESS";
  auto n = Make(e, {Delivered("a@remote.test")}, testing::QmailOptions());
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].format, Format::kRfc3464);
  ExpectParsesBack(n[0]);
}

TEST(Engine, QsbmfReturnedContentCap) {
  BounceOptions q = testing::QmailOptions();
  q.max_returned_bytes = 260;  // inside the header+first body line
  auto n = Make(testing::Envelope(), {Failed("a@remote.test", "5.1.1", "", "x")}, q);
  report::QsbmfParseResult p = report::ParseQsbmf(n[0].message);
  EXPECT_NE(p.original.find("Message-ID: <orig.1@example.test>"), std::string::npos);
  EXPECT_EQ(p.original.find("From the sender."), std::string::npos);
  queue::Envelope e = testing::Envelope();
  e.ret = "HDRS";
  n = Make(e, {Failed("a@remote.test", "5.1.1", "", "x")}, testing::QmailOptions());
  p = report::ParseQsbmf(n[0].message);
  EXPECT_EQ(p.original.find("Hello there."), std::string::npos);
}

// --- Double bounces (disputed-points E3, E4). ---

TEST(DoubleBounce, PostmasterPolicy) {
  auto n = Make(testing::Envelope(""), {Failed("a@remote.test", "5.1.1", "", "no")});
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, Kind::kDoubleBounce);
  EXPECT_EQ(n[0].sender, "double-bounce@mx.local.test");
  EXPECT_EQ(n[0].recipients, std::vector<std::string>{"postmaster@mx.local.test"});
  EXPECT_TRUE(HasHeader(n[0].message, "To: <postmaster@mx.local.test>"));
  EXPECT_TRUE(HasHeader(n[0].message, "Subject: Postmaster Copy: Undelivered Mail"));
  ExpectParsesBack(n[0]);
  BounceOptions custom;
  custom.postmaster = "pm@sink.test";
  custom.double_bounce_sender = "2bounce@mx.local.test";
  n = Make(testing::Envelope(""), {Failed("a@remote.test", "5.1.1", "", "no")}, custom);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].sender, "2bounce@mx.local.test");
  EXPECT_EQ(n[0].recipients, std::vector<std::string>{"pm@sink.test"});
}

TEST(DoubleBounce, DiscardPolicy) {
  BounceOptions o;
  o.double_bounce = DoubleBounce::kDiscard;
  EXPECT_TRUE(Make(testing::Envelope(""), {Failed("a@remote.test", "5.1.1", "", "no")}, o).empty());
}

TEST(DoubleBounce, QmailSender) {
  auto n = Make(testing::Envelope(""), {Failed("a@remote.test", "5.1.1", "", "no")},
                testing::QmailOptions());
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].sender, "#@[]");
  EXPECT_EQ(n[0].recipients, std::vector<std::string>{"postmaster@mx.local.test"});
  EXPECT_NE(n[0].message.find("but the bounce bounced!"), std::string::npos);
  EXPECT_NE(n[0].message.find("--- Below this line is the original bounce."), std::string::npos);
  report::QsbmfParseResult p = report::ParseQsbmf(n[0].message);
  EXPECT_TRUE(p.double_bounce);
  ExpectParsesBack(n[0]);
  // The same policy with RFC 3464 output.
  BounceOptions o;
  o.double_bounce = DoubleBounce::kQmailSender;
  n = Make(testing::Envelope(""), {Failed("a@remote.test", "5.1.1", "", "no")}, o);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].sender, "#@[]");
  ExpectParsesBack(n[0]);
}

TEST(DoubleBounce, FailedDoubleBounceIsDiscarded) {
  for (const char* s : {"#@[]", "double-bounce@mx.local.test"}) {
    for (BounceOptions o : {BounceOptions{}, testing::QmailOptions()}) {
      EXPECT_TRUE(Make(testing::Envelope(s), {Failed("postmaster@mx.local.test", "5.1.1", "", "x")}, o)
                      .empty())
          << s;
    }
  }
}

TEST(DoubleBounce, NothingButFailuresForNullSender) {
  queue::Envelope e = testing::Envelope("");
  e.recipients[0].notify = "SUCCESS,DELAY";
  EXPECT_TRUE(Make(e, {Delivered("a@remote.test"), Delayed("a@remote.test")}).empty());
}

// --- Property: whatever the outcomes, notifications parse back cleanly. ---

RC_GTEST_PROP(EngineProperty, EveryNotificationParsesBack, ()) {
  const std::vector<std::string> senders = {"sender@example.test", "", "#@[]", "a.b@c.test"};
  const std::vector<std::string> notifies = {"", "NEVER", "SUCCESS", "FAILURE", "DELAY",
                                             "SUCCESS,FAILURE,DELAY", "FAILURE,DELAY"};
  queue::Envelope e = testing::Envelope(*rc::gen::elementOf(senders));
  e.envid = *rc::gen::elementOf(std::vector<std::string>{"", "QQ+2B1", "abc"});
  e.ret = *rc::gen::elementOf(std::vector<std::string>{"", "FULL", "HDRS"});
  std::vector<Outcome> outs;
  for (queue::Recipient& r : e.recipients) {
    r.notify = *rc::gen::elementOf(notifies);
    if (*rc::gen::arbitrary<bool>()) r.orcpt = "rfc822;" + r.address;
    int a = *rc::gen::inRange(0, 4);
    if (a == 0) outs.push_back(Failed(r.address, *rc::gen::elementOf(std::vector<std::string>{"5.1.1", "5.7.1", "4.4.7", "bogus"}),
                                      *rc::gen::elementOf(std::vector<std::string>{"", "mx.x.test", "[192.0.2.1]"}),
                                      *rc::gen::arbitrary<std::string>()));
    if (a == 1) outs.push_back(Delayed(r.address));
    if (a == 2) outs.push_back(Delivered(r.address));
    if (a == 3) outs.push_back(Delivered(r.address, Action::kRelayed));
  }
  BounceOptions o = *rc::gen::arbitrary<bool>() ? BounceOptions{} : testing::QmailOptions();
  o.delay_warning_after = 0;
  std::string orig = *rc::gen::arbitrary<bool>() ? std::string(kOriginal)
                                                 : std::string(testing::kOriginal8bit);
  for (const Notification& n : MakeNotifications(e, orig, outs, o, FixedEnv())) {
    RC_ASSERT(!n.recipients.empty() && !n.recipients[0].empty());
    Verified v = VerifyNotification(n);
    RC_ASSERT(v.errors.empty());
    RC_ASSERT(v.recipients.size() == n.reported.size());
    if (n.format == Format::kRfc3464) RC_ASSERT(v.recipients == n.reported);
  }
}

}  // namespace
}  // namespace mta::bounce
