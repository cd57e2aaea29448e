// dsn3464_test.cc: RFC 3464 DSN generator and parser: structure (disputed-points N.1-N.4),
// violations, and the RapidCheck round trip parse(generate(x)) == x.
#include "mta/lib/dsn/dsn3464.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

#include "mta/lib/dsn/delivery_status.h"
#include "mta/lib/dsn/dsn_testing.h"
#include "mta/lib/message/header.h"
#include "mta/lib/message/mime.h"

namespace mta::dsn {
namespace {

using report::Action;
using report::DeliveryReport;
using report::RecipientReport;
using report::Ret;
using report::Typed;
using testing::FixedEnv;
using testing::kOriginal;

DeliveryReport LocalFailure() {
  DeliveryReport r;
  r.reporting_mta = {"dns", "mx.local.test"};
  r.arrival_date = "Tue, 02 Jan 2024 10:00:01 +0100";
  RecipientReport rr;
  rr.final_recipient = {"rfc822", "nosuchuser@local.test"};
  rr.action = Action::kFailed;
  rr.status = "5.1.1";
  rr.diagnostic_code = Typed{"smtp", "550 5.1.1 <nosuchuser@local.test>: User unknown"};
  r.recipients.push_back(rr);
  r.return_path = "sender@example.test";
  r.ret = Ret::kHdrs;
  return r;
}

TEST(GenerateDsn, HeaderAndPartsFollowN1AndN2) {
  std::string m = GenerateDsn(LocalFailure(), kOriginal, FixedEnv());
  message::MimeEntity e = message::ParseMime(m);
  const message::ParsedHeader& h = e.header;
  ASSERT_TRUE(h.Find("From"));
  EXPECT_EQ(h.Find("From")->Unfolded(), "Mail Delivery System <MAILER-DAEMON@mx.local.test>");
  EXPECT_EQ(h.Find("To")->Unfolded(), "<sender@example.test>");
  EXPECT_EQ(h.Find("Subject")->Unfolded(), "Undelivered Mail Returned to Sender");
  EXPECT_EQ(h.Find("Date")->Unfolded(), "Tue, 02 Jan 2024 10:00:05 +0100");
  EXPECT_EQ(message::AutoSubmitted(h), "auto-replied");
  EXPECT_EQ(h.Find("MIME-Version")->Unfolded(), "1.0");
  EXPECT_NE(h.Find("Message-ID")->Unfolded().find("@mx.local.test>"), std::string::npos);
  ASSERT_TRUE(e.content_type.Is("multipart", "report"));
  EXPECT_EQ(e.content_type.Param("report-type"), "delivery-status");
  ASSERT_EQ(e.parts.size(), 3u);
  EXPECT_TRUE(e.parts[0].content_type.Is("text", "plain"));
  EXPECT_TRUE(e.parts[1].content_type.Is("message", "delivery-status"));
  EXPECT_TRUE(e.parts[2].content_type.Is("text", "rfc822-headers"));
  EXPECT_EQ(e.parts[1].body, FormatDeliveryStatus(LocalFailure()));
  // Every line ends in CRLF.
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') {
      ASSERT_TRUE(i > 0 && m[i - 1] == '\r') << "bare LF at " << i;
    }
  }
}

TEST(GenerateDsn, IsDeterministic) {
  EXPECT_EQ(GenerateDsn(LocalFailure(), kOriginal, FixedEnv()),
            GenerateDsn(LocalFailure(), kOriginal, FixedEnv()));
}

TEST(GenerateDsn, ParsesBackWithoutViolations) {
  ParsedDsn p = ParseDsn(GenerateDsn(LocalFailure(), kOriginal, FixedEnv()));
  for (const Violation& v : p.violations) ADD_FAILURE() << v.id << ": " << v.detail;
  EXPECT_EQ(p.report, LocalFailure());
  EXPECT_EQ(p.returned, Returned::kHeaders);
  EXPECT_NE(p.returned_content.find("Message-ID: <orig.1@example.test>"), std::string::npos);
  EXPECT_EQ(p.returned_content.find("Hello there."), std::string::npos);
  EXPECT_NE(p.human_readable.find("<nosuchuser@local.test>"), std::string::npos);
}

TEST(ChooseReturned, FollowsRfc3461Section6_2) {
  DeliveryReport r = LocalFailure();
  DsnOptions o;
  r.ret = Ret::kUnspecified;
  EXPECT_EQ(ChooseReturned(r, kOriginal, o), Returned::kMessage);  // failure: full
  r.recipients[0].action = Action::kDelayed;
  EXPECT_EQ(ChooseReturned(r, kOriginal, o), Returned::kHeaders);  // delay: headers
  r.recipients[0].action = Action::kDelivered;
  EXPECT_EQ(ChooseReturned(r, kOriginal, o), Returned::kHeaders);  // success: headers
  r.ret = Ret::kFull;
  EXPECT_EQ(ChooseReturned(r, kOriginal, o), Returned::kMessage);
  o.max_returned_bytes = 20;  // above the cap: headers only
  EXPECT_EQ(ChooseReturned(r, kOriginal, o), Returned::kHeaders);
  o.max_returned_bytes = 0;
  std::string eight = std::string(kOriginal) + "caf\xc3\xa9\r\n";
  EXPECT_EQ(ChooseReturned(r, eight, o), Returned::kHeaders);  // RFC 6522 3
  o.allow_8bit = true;
  EXPECT_EQ(ChooseReturned(r, eight, o), Returned::kMessage);
  EXPECT_EQ(ChooseReturned(r, "", o), Returned::kNone);
}

TEST(GenerateDsn, EightBitBodyReturnedWithAllow8bit) {
  DeliveryReport r = LocalFailure();
  r.ret = Ret::kFull;
  std::string eight = std::string(kOriginal) + "caf\xc3\xa9\r\n";
  DsnOptions o;
  o.allow_8bit = true;
  std::string m = GenerateDsn(r, eight, FixedEnv(), o);
  ParsedDsn p = ParseDsn(m);
  EXPECT_EQ(p.returned, Returned::kMessage);
  EXPECT_NE(p.returned_content.find("caf\xc3\xa9"), std::string::npos);
  EXPECT_EQ(p.report.ret, Ret::kFull);
}

TEST(GenerateDsn, SubjectsByKind) {
  DeliveryReport r = LocalFailure();
  r.recipients[0].action = Action::kDelayed;
  r.recipients[0].status = "4.4.1";
  EXPECT_NE(GenerateDsn(r, kOriginal, FixedEnv()).find("Subject: Delayed Mail"),
            std::string::npos);
  r.recipients[0].action = Action::kRelayed;
  r.recipients[0].status = "2.0.0";
  EXPECT_NE(GenerateDsn(r, kOriginal, FixedEnv()).find("Subject: Successful Mail"),
            std::string::npos);
}

TEST(GenerateDsn, DropsWillRetryUntilUnlessDelayed) {
  DeliveryReport r = LocalFailure();
  r.recipients[0].will_retry_until = "Wed, 03 Jan 2024 10:00:05 +0100";
  EXPECT_EQ(GenerateDsn(r, kOriginal, FixedEnv()).find("Will-Retry-Until"), std::string::npos);
}

TEST(GenerateDsn, LineBreaksInValuesCannotInjectFields) {
  DeliveryReport r = LocalFailure();
  r.recipients[0].diagnostic_code->value = "550 x\r\nStatus: 2.0.0\r\n\r\nFinal-Recipient: a";
  ParsedDsn p = ParseDsn(GenerateDsn(r, kOriginal, FixedEnv()));
  ASSERT_EQ(p.report.recipients.size(), 1u);
  EXPECT_EQ(p.report.recipients[0].status, "5.1.1");
}

// ---- parser violations (N.1, N.2) ----

std::string Wrap(std::string_view header_extra, std::string_view ct, std::string_view body) {
  return std::string("From: <MAILER-DAEMON@a.test>\r\nTo: <s@b.test>\r\n"
                     "Date: Tue, 02 Jan 2024 10:00:05 +0100\r\nMIME-Version: 1.0\r\n") +
         std::string(header_extra) + "Content-Type: " + std::string(ct) + "\r\n\r\n" +
         std::string(body);
}

constexpr const char kStatus[] =
    "Reporting-MTA: dns; a.test\r\n\r\nFinal-Recipient: rfc822; u@x\r\nAction: failed\r\n"
    "Status: 5.1.1\r\n";

TEST(ParseDsn, NotMultipartReport) {
  ParsedDsn p = ParseDsn(Wrap("", "text/plain", "hello\r\n"));
  EXPECT_TRUE(HasViolation(p.violations, "not-multipart-report"));
  EXPECT_TRUE(HasViolation(p.violations, "missing-delivery-status-part"));
  EXPECT_FALSE(p.found_delivery_status);
}

TEST(ParseDsn, WrongOrderMissingTextAndBase64Status) {
  std::string body = std::string("--b\r\nContent-Type: message/delivery-status\r\n"
                                 "Content-Transfer-Encoding: base64\r\n\r\n") +
                     "UmVwb3J0aW5nLU1UQTogZG5zOyBhLnRlc3QNCg0KRmluYWwtUmVjaXBpZW50OiByZmM4MjI7IHVA"
                     "eA0KQWN0aW9uOiBmYWlsZWQNClN0YXR1czogNS4xLjENCg==\r\n--b--\r\n";
  ParsedDsn p = ParseDsn(Wrap("Auto-Submitted: auto-generated (failure)\r\n",
                              "multipart/report; boundary=b", body));
  EXPECT_TRUE(HasViolation(p.violations, "missing-report-type"));
  EXPECT_TRUE(HasViolation(p.violations, "missing-human-readable-part"));
  EXPECT_TRUE(HasViolation(p.violations, "delivery-status-not-second"));
  EXPECT_TRUE(HasViolation(p.violations, "delivery-status-not-7bit"));
  EXPECT_TRUE(HasViolation(p.violations, "auto-submitted-not-auto-replied"));
  ASSERT_EQ(p.report.recipients.size(), 1u);
  EXPECT_EQ(p.report.recipients[0].status, "5.1.1");
}

TEST(ParseDsn, NestedInMixedAndGlobal) {
  std::string inner = std::string("--b\r\nContent-Type: text/plain\r\n\r\nsorry\r\n--b\r\n"
                                  "Content-Type: message/global-delivery-status\r\n\r\n") +
                      kStatus + "--b--\r\n";
  std::string body = "--o\r\nContent-Type: multipart/report; report-type=delivery-status; "
                     "boundary=b\r\n\r\n" + inner + "--o--\r\n";
  ParsedDsn p = ParseDsn(Wrap("", "multipart/mixed; boundary=o", body));
  EXPECT_TRUE(p.found_delivery_status);
  EXPECT_TRUE(p.global);
  EXPECT_TRUE(HasViolation(p.violations, "not-multipart-report"));
  ASSERT_EQ(p.report.recipients.size(), 1u);
  EXPECT_EQ(p.report.recipients[0].final_recipient.value, "u@x");
}

TEST(ParseDsn, MissingDateFromAndHeadersAsRfc822) {
  std::string m = std::string(
                      "To: s@b.test\r\nContent-Type: multipart/report; "
                      "report-type=delivery-status; boundary=b\r\n\r\n--b\r\n\r\ntext\r\n--b\r\n"
                      "Content-Type: message/delivery-status\r\n\r\n") +
                  kStatus + "\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: x\r\n--b--";
  ParsedDsn p = ParseDsn(m);
  EXPECT_TRUE(HasViolation(p.violations, "missing-date"));
  EXPECT_TRUE(HasViolation(p.violations, "missing-from"));
  EXPECT_TRUE(HasViolation(p.violations, "returned-headers-as-rfc822"));
  EXPECT_EQ(p.report.return_path, "s@b.test");
  EXPECT_EQ(p.returned, Returned::kMessage);
  EXPECT_EQ(p.report.ret, Ret::kFull);
}

TEST(ParseDsn, SkipsMboxFromLine) {
  std::string m = "From MAILER-DAEMON Mon Aug 28 13:37:48 2006\n" +
                  GenerateDsn(LocalFailure(), kOriginal, FixedEnv());
  ParsedDsn p = ParseDsn(m);
  EXPECT_EQ(p.report, LocalFailure());
}

// ---- round trip ----

rc::Gen<std::string> GenText(int max_len) {
  return rc::gen::map(
      rc::gen::resize(max_len, rc::gen::container<std::string>(rc::gen::inRange<char>(0x20, 0x7f))),
      [](std::string s) {
        while (!s.empty() && s.front() == ' ') s.erase(s.begin());
        while (!s.empty() && s.back() == ' ') s.pop_back();
        return s;
      });
}

rc::Gen<std::string> GenAtom() {
  return rc::gen::nonEmpty(rc::gen::container<std::string>(
      rc::gen::elementOf(std::string("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+"))));
}

rc::Gen<Typed> GenTyped() {
  return rc::gen::build<Typed>(rc::gen::set(&Typed::type, GenAtom()),
                               rc::gen::set(&Typed::value, GenText(120)));
}

rc::Gen<std::string> GenStatus() {
  return rc::gen::apply(
      [](char c, int s, int d) { return std::string(1, c) + "." + std::to_string(s) + "." + std::to_string(d); },
      rc::gen::element('2', '4', '5'), rc::gen::inRange(0, 1000), rc::gen::inRange(0, 1000));
}

rc::Gen<std::vector<std::pair<std::string, std::string>>> GenExtensions() {
  return rc::gen::resize(
      3, rc::gen::container<std::vector<std::pair<std::string, std::string>>>(rc::gen::pair(
             rc::gen::map(rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::elementOf(
                              std::string("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")))),
                          [](std::string s) { return "X-" + s; }),
             GenText(60))));
}

template <typename T>
rc::Gen<std::optional<T>> Opt(rc::Gen<T> g) {
  return rc::gen::oneOf(rc::gen::just(std::optional<T>()),
                        rc::gen::map(std::move(g), [](T v) { return std::optional<T>(std::move(v)); }));
}

rc::Gen<RecipientReport> GenRecipient() {
  return rc::gen::apply(
      [](std::optional<Typed> orcpt, Typed fin, Action a, std::string status,
         std::optional<Typed> rmta, std::optional<Typed> diag, std::optional<std::string> last,
         std::optional<std::string> logid, std::optional<std::string> retry,
         std::vector<std::pair<std::string, std::string>> ext) {
        RecipientReport r;
        r.original_recipient = orcpt;
        r.final_recipient = fin;
        r.action = a;
        r.status = status;
        r.remote_mta = rmta;
        r.diagnostic_code = diag;
        r.last_attempt_date = last;
        r.final_log_id = logid;
        if (a == Action::kDelayed) r.will_retry_until = retry;
        r.extensions = ext;
        return r;
      },
      Opt(GenTyped()), GenTyped(),
      rc::gen::element(Action::kFailed, Action::kDelayed, Action::kDelivered, Action::kRelayed,
                       Action::kExpanded),
      GenStatus(), Opt(GenTyped()), Opt(GenTyped()), Opt(GenText(40)), Opt(GenText(30)),
      Opt(GenText(40)), GenExtensions());
}

rc::Gen<DeliveryReport> GenReport() {
  return rc::gen::apply(
      [](std::optional<std::string> envid, Typed mta, std::optional<Typed> gw,
         std::optional<Typed> rfm, std::optional<std::string> arrival,
         std::vector<std::pair<std::string, std::string>> ext, std::vector<RecipientReport> rcpts,
         std::string rp, Ret ret) {
        DeliveryReport r;
        r.original_envelope_id = envid;
        r.reporting_mta = mta;
        r.dsn_gateway = gw;
        r.received_from_mta = rfm;
        r.arrival_date = arrival;
        r.extensions = ext;
        r.recipients = rcpts;
        r.return_path = rp;
        r.ret = ret;
        return r;
      },
      Opt(GenText(60)), GenTyped(), Opt(GenTyped()), Opt(GenTyped()), Opt(GenText(40)),
      GenExtensions(),
      rc::gen::mapcat(rc::gen::inRange(1, 6),
                      [](int n) { return rc::gen::container<std::vector<RecipientReport>>(n, GenRecipient()); }),
      rc::gen::oneOf(rc::gen::just(std::string()),
                     rc::gen::map(GenAtom(), [](std::string s) { return s + "@example.test"; })),
      rc::gen::element(Ret::kUnspecified, Ret::kFull, Ret::kHdrs));
}

RC_GTEST_PROP(DsnRoundTrip, ParseOfGenerateIsIdentity, ()) {
  DeliveryReport x = *GenReport();
  RC_ASSERT(IsRoundTripValid(x));
  std::string original = *rc::gen::element(std::string(kOriginal), std::string(),
                                           std::string(kOriginal) + "caf\xc3\xa9\r\n");
  DsnOptions o;
  o.allow_8bit = *rc::gen::arbitrary<bool>();
  o.max_returned_bytes = *rc::gen::element<std::size_t>(0, 50, 100000);
  std::string m = GenerateDsn(x, original, FixedEnv(), o);
  ParsedDsn p = ParseDsn(m);
  DeliveryReport want = x;
  want.ret = EffectiveRet(x, original, o);
  RC_ASSERT(p.report == want);
  for (const Violation& v : p.violations) {
    RC_ASSERT(v.severity != Severity::kError);
  }
}

TEST(IsRoundTripValid, RejectsWhatCannotRoundTrip) {
  DeliveryReport r = LocalFailure();
  EXPECT_TRUE(IsRoundTripValid(r));
  r.recipients[0].status = "5.01.1";
  EXPECT_FALSE(IsRoundTripValid(r));
  r = LocalFailure();
  r.recipients[0].final_recipient.value = "a\r\nb";
  EXPECT_FALSE(IsRoundTripValid(r));
  r = LocalFailure();
  r.recipients[0].extensions.emplace_back("Status", "x");
  EXPECT_FALSE(IsRoundTripValid(r));
  r = LocalFailure();
  r.recipients[0].will_retry_until = "x";
  EXPECT_FALSE(IsRoundTripValid(r));
  r = LocalFailure();
  r.reporting_mta.type = "";
  EXPECT_FALSE(IsRoundTripValid(r));
}

}  // namespace
}  // namespace mta::dsn
