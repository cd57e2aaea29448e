// qsbmf_test.cc: the QSBMF generator against qmail-send 1.03's layout (disputed-points M.3)
// and the parser against the QSBMF spec, its HCMSSC companion and the M.4 conventions.
#include "mta/lib/report/qsbmf.h"

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mta::report {
namespace {

GeneratorEnv Env() {
  GeneratorEnv env;
  env.hostname = "example.test";
  env.now = 827034880;  // 17 Mar 1996 03:54:40 UT
  env.random = [] { return std::uint64_t{42}; };
  return env;
}

DeliveryReport M3Report() {
  DeliveryReport r;
  r.return_path = "sender@example.test";
  RecipientReport a;
  a.final_recipient = {"rfc822", "user@example.test"};
  a.status = "5.1.1";
  RecipientReport b;
  b.final_recipient = {"rfc822", "other@remote.test"};
  b.remote_mta = Typed{"dns", "192.0.2.1"};
  b.diagnostic_code =
      Typed{"smtp", "550 5.1.1 <other@remote.test>: Recipient address rejected"};
  r.recipients = {a, b};
  return r;
}

constexpr char kM3Bounce[] =
    "Date: 17 Mar 1996 03:54:40 -0000\n"
    "From: MAILER-DAEMON@example.test\n"
    "To: sender@example.test\n"
    "Subject: failure notice\n"
    "\n"
    "Hi. This is the qmail-send program at example.test.\n"
    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
    "This is a permanent error; I've given up. Sorry it didn't work out.\n"
    "\n"
    "<user@example.test>:\n"
    "Sorry, no mailbox here by that name. (#5.1.1)\n"
    "\n"
    "<other@remote.test>:\n"
    "192.0.2.1 does not like recipient.\n"
    "Remote host said: 550 5.1.1 <other@remote.test>: Recipient address rejected\n"
    "Giving up on 192.0.2.1.\n"
    "\n"
    "--- Below this line is a copy of the message.\n"
    "\n"
    "Return-Path: <sender@example.test>\n"
    "Subject: x\n"
    "\n"
    "body\n";

TEST(QsbmfGenerate, ReproducesQmailSendLayout) {
  EXPECT_EQ(GenerateQsbmf(M3Report(), "Subject: x\n\nbody\n", Env()), kM3Bounce);
}

TEST(QsbmfGenerate, ReportingMtaNamesTheBounceHost) {
  DeliveryReport r = M3Report();
  r.reporting_mta.value = "mx.other.test";
  std::string out = GenerateQsbmf(r, "", Env());
  EXPECT_NE(out.find("From: MAILER-DAEMON@mx.other.test\n"), std::string::npos);
  EXPECT_NE(out.find("\n\nHi. This is the qmail-send program at mx.other.test.\n"),
            std::string::npos);
}

TEST(QsbmfGenerate, DoubleBounce) {
  DeliveryReport r = M3Report();
  r.return_path = "";
  r.recipients.resize(1);
  std::string out = GenerateQsbmf(r, "Subject: bounce\n\n", Env());
  EXPECT_EQ(out,
            "Date: 17 Mar 1996 03:54:40 -0000\n"
            "From: MAILER-DAEMON@example.test\n"
            "To: postmaster@example.test\n"
            "Subject: failure notice\n"
            "\n"
            "Hi. This is the qmail-send program at example.test.\n"
            "I tried to deliver a bounce message to this address, but the bounce bounced!\n"
            "\n"
            "<user@example.test>:\n"
            "Sorry, no mailbox here by that name. (#5.1.1)\n"
            "\n"
            "--- Below this line is the original bounce.\n"
            "\n"
            "Return-Path: <>\n"
            "Subject: bounce\n\n");
  QsbmfOptions o;
  o.double_bounce_to = "doublebounce@admin.test";
  EXPECT_NE(GenerateQsbmf(r, "", Env(), o).find("\nTo: doublebounce@admin.test\n"),
            std::string::npos);
  QsbmfParseResult p = ParseQsbmf(out);
  EXPECT_TRUE(p.double_bounce);
  EXPECT_EQ(p.return_path, "");
}

TEST(QsbmfGenerate, ReceivedLineAndCrlf) {
  QsbmfOptions o;
  o.received_line = true;
  o.received_pid = 7513;
  o.crlf = true;
  std::string out = GenerateQsbmf(M3Report(), "a\n", Env(), o);
  EXPECT_EQ(out.substr(0, 83),
            "Received: (qmail 7513 invoked for bounce); 17 Mar 1996 03:54:40 -0000\r\n"
            "Date: 17 Mar");
  EXPECT_EQ(out.find("\n", 0) , out.find("\r\n") + 1);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\n') {
      ASSERT_EQ(out[i - 1], '\r') << "bare LF at " << i;
    }
  }
  EXPECT_TRUE(out.ends_with("Return-Path: <sender@example.test>\r\na\r\n"));
}

TEST(QsbmfGenerate, AddressLfBecomesUnderscore) {
  DeliveryReport r = M3Report();
  r.recipients[0].final_recipient.value = "a\nb@example.test";
  std::string out = GenerateQsbmf(r, "", Env());
  EXPECT_NE(out.find("\n<a_b@example.test>:\n"), std::string::npos);
}

TEST(QsbmfGenerate, EmptyLineInsideDescriptionBecomesSlash) {
  RecipientReport rr;
  rr.final_recipient = {"rfc822", "u@r.test"};
  rr.remote_mta = Typed{"dns", "192.0.2.9"};
  rr.diagnostic_code = Typed{"smtp", "554 go away\n\nreally\n\n\nnow"};
  EXPECT_EQ(QsbmfDescription(rr),
            (std::vector<std::string>{"192.0.2.9 does not like recipient.",
                                      "Remote host said: 554 go away", "/really", "//now",
                                      "Giving up on 192.0.2.9."}));
}

TEST(QsbmfGenerate, FixedTextsByStatus) {
  RecipientReport r;
  r.final_recipient = {"rfc822", "u@nx.example.test"};
  r.status = "5.1.2";
  EXPECT_EQ(QsbmfDescription(r), std::vector<std::string>{
      "Sorry, I couldn't find any host named nx.example.test. (#5.1.2)"});
  r.status = "5.4.6";
  EXPECT_EQ(QsbmfDescription(r), std::vector<std::string>{
      "This message is looping: it already has my Delivered-To line. (#5.4.6)"});
  r.status = "5.4.4";
  EXPECT_EQ(QsbmfDescription(r), std::vector<std::string>{
      "Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)"});
  r.status = "5.7.1";
  r.diagnostic_code = Typed{"x-local", "Delivery refused\nby filter"};
  EXPECT_EQ(QsbmfDescription(r),
            std::vector<std::string>{"Delivery refused by filter (#5.7.1)"});
  r.diagnostic_code.reset();
  r.status = "bogus";
  EXPECT_EQ(QsbmfDescription(r), std::vector<std::string>{
      "Sorry, I wasn't able to deliver this message. (#5.0.0)"});
}

// M.4: the local form cannot carry a Remote-MTA or Diagnostic-Code, so a diagnostic whose
// line as written (" (#C.S.D)" appended) starts like qmail-remote's text is replaced by the
// generic text; otherwise the parser would read "Connected to (#5.0.0)" as Remote-MTA
// "(#5.0.0)" (fuzz: crash-local-diagnostic-reads-as-connected-to).
TEST(QsbmfGenerate, LocalFormNeverReadsAsRemoteText) {
  for (const char* diag : {"Connected to", "Connected to ", "Connected to x", "Remote host said:",
                           "Remote host said: 550 5.1.1 no", "Connected\nto"}) {
    SCOPED_TRACE(diag);
    DeliveryReport r;
    r.return_path = "s@t";
    RecipientReport a;
    a.final_recipient = {"rfc822", "a@b.to:Cs"};
    a.status = "5.0.0";
    a.diagnostic_code = Typed{"smtp", diag};
    r.recipients.push_back(a);
    QsbmfParseResult p = ParseQsbmf(GenerateQsbmf(r, "", Env()));
    ASSERT_EQ(p.failures.size(), 1u);
    EXPECT_EQ(p.failures[0].description,
              std::vector<std::string>{"Sorry, I wasn't able to deliver this message. (#5.0.0)"});
    EXPECT_FALSE(p.failures[0].remote_mta.has_value());
    EXPECT_FALSE(p.failures[0].diagnostic.has_value());
    EXPECT_EQ(p.report, QsbmfRepresentable(r, Env()));
  }
  // A diagnostic that merely mentions the phrases is still repeated.
  DeliveryReport r;
  RecipientReport a;
  a.final_recipient = {"rfc822", "a@b"};
  a.status = "5.2.2";
  a.diagnostic_code = Typed{"smtp", "Connectedto x"};
  r.recipients.push_back(a);
  QsbmfParseResult p = ParseQsbmf(GenerateQsbmf(r, "", Env()));
  ASSERT_EQ(p.failures.size(), 1u);
  EXPECT_EQ(p.failures[0].description, std::vector<std::string>{"Connectedto x (#5.2.2)"});
  EXPECT_EQ(p.report, QsbmfRepresentable(r, Env()));
}

TEST(QsbmfGenerate, OnlyFailedRecipientsAreListed) {
  DeliveryReport r = M3Report();
  r.recipients[1].action = Action::kDelayed;
  std::string out = GenerateQsbmf(r, "", Env());
  EXPECT_EQ(out.find("other@remote.test"), std::string::npos);
}

TEST(QsbmfGenerate, VerpSenderIsRewritten) {
  DeliveryReport r = M3Report();
  r.return_path = "owner-@host.test-@[]";
  std::string out = GenerateQsbmf(r, "", Env());
  EXPECT_NE(out.find("\nTo: owner-@host.test\n"), std::string::npos);
  EXPECT_NE(out.find("\nReturn-Path: <owner-@host.test>\n"), std::string::npos);
}

TEST(QmailQuote, Quote2AndBack) {
  EXPECT_EQ(QmailQuote2("sender@example.test"), "sender@example.test");
  EXPECT_EQ(QmailQuote2(""), "");
  EXPECT_EQ(QmailQuote2("a b@example.test"), "\"a b\"@example.test");
  EXPECT_EQ(QmailQuote2("@example.test"), "\"\"@example.test");
  EXPECT_EQ(QmailQuote2(".a@x"), "\".a\"@x");
  EXPECT_EQ(QmailQuote2("a..b@x"), "\"a..b\"@x");
  EXPECT_EQ(QmailQuote2("a\"b\\c@x"), "\"a\\\"b\\\\c\"@x");
  EXPECT_EQ(QmailQuote2("postmaster"), "postmaster");
  EXPECT_EQ(QmailQuote2("a@b@c"), "\"a@b\"@c");
  EXPECT_EQ(QmailQuote2("m\xfcller@x"), "\"m\xfcller\"@x");
  for (const char* s : {"sender@example.test", "", "a b@example.test", "@x", "a\"b\\c@x",
                        "a@b@c", "\"", "x\r\n@y\"z"}) {
    EXPECT_EQ(QmailUnquote2(QmailQuote2(s)), s) << s;
  }
  EXPECT_EQ(QmailUnquote2("\"unterminated@x"), "\"unterminated@x");
}

TEST(QsbmfParse, ParsesM3Example) {
  QsbmfParseResult p = ParseQsbmf(kM3Bounce);
  ASSERT_TRUE(p.is_qsbmf);
  EXPECT_FALSE(p.crlf);
  EXPECT_FALSE(p.double_bounce);
  EXPECT_EQ(p.reporting_host, "example.test");
  EXPECT_EQ(p.intro.size(), 3u);
  ASSERT_EQ(p.failures.size(), 2u);
  EXPECT_EQ(p.failures[0].address, "user@example.test");
  EXPECT_EQ(p.failures[0].hcmssc, std::vector<std::string>{"5.1.1"});
  EXPECT_EQ(p.failures[0].status, "5.1.1");
  EXPECT_FALSE(p.failures[0].remote_mta.has_value());
  EXPECT_EQ(p.failures[1].address, "other@remote.test");
  EXPECT_EQ(p.failures[1].status, "5.1.1");
  EXPECT_EQ(p.failures[1].remote_mta, "[192.0.2.1]");
  EXPECT_EQ(p.failures[1].diagnostic, "550 5.1.1 <other@remote.test>: Recipient address rejected");
  EXPECT_EQ(p.break_line, "--- Below this line is a copy of the message.");
  EXPECT_EQ(p.return_path, "sender@example.test");
  EXPECT_EQ(p.original, "Subject: x\n\nbody\n");
  EXPECT_TRUE(p.violations.empty()) << p.violations[0].id;
  ASSERT_EQ(p.report.recipients.size(), 2u);
  EXPECT_EQ(p.report.reporting_mta, (Typed{"dns", "example.test"}));
  EXPECT_EQ(p.report.recipients[1].remote_mta, (Typed{"dns", "[192.0.2.1]"}));
  EXPECT_EQ(p.report.recipients[1].diagnostic_code->type, "smtp");
  EXPECT_EQ(p.report, QsbmfRepresentable(M3Report(), Env()));
}

TEST(QsbmfParse, ToleratesCrlfAndReportsIt) {
  std::string crlf;
  for (char c : std::string(kM3Bounce)) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  QsbmfParseResult p = ParseQsbmf(crlf);
  ASSERT_TRUE(p.is_qsbmf);
  EXPECT_TRUE(p.crlf);
  EXPECT_TRUE(p.HasViolation("crlf-line-ends"));
  EXPECT_EQ(p.report, ParseQsbmf(kM3Bounce).report);
  EXPECT_EQ(p.original, "Subject: x\n\nbody\n");
}

TEST(QsbmfParse, OriginalMayContainParagraphsLikeOurs) {
  std::string msg = std::string(kM3Bounce) + "\n<fake@x>:\nnot a recipient\n\n- dash\n";
  QsbmfParseResult p = ParseQsbmf(msg);
  EXPECT_EQ(p.failures.size(), 2u);
  EXPECT_TRUE(p.original.ends_with("<fake@x>:\nnot a recipient\n\n- dash\n"));
}

TEST(QsbmfParse, NotQsbmf) {
  EXPECT_FALSE(ParseQsbmf("").is_qsbmf);
  EXPECT_FALSE(ParseQsbmf("Subject: x\n\nHello. This is the").is_qsbmf);
  QsbmfParseResult p = ParseQsbmf("Subject: x\n\nhi. this is the qmail-send program\n");
  EXPECT_FALSE(p.is_qsbmf);
  EXPECT_TRUE(p.HasViolation("not-qsbmf"));
  EXPECT_FALSE(ParseQsbmf("no header end").is_qsbmf);
}

TEST(QsbmfParse, BodyAloneIsAccepted) {
  QsbmfParseResult p = ParseQsbmf(
      "Hi. This is the qmail-send program at h.test.\n\n<a@b>:\nx (#5.2.2)\n\n---\n\n"
      "Return-Path: <>\n");
  ASSERT_TRUE(p.is_qsbmf);
  EXPECT_EQ(p.reporting_host, "h.test");
  ASSERT_EQ(p.failures.size(), 1u);
  EXPECT_EQ(p.failures[0].status, "5.2.2");
  EXPECT_EQ(p.return_path, "");
  EXPECT_TRUE(p.violations.empty());
}

TEST(QsbmfParse, Violations) {
  const std::string intro = "Subject: failure notice\n\nHi. This is the qmail-send program at h.\n\n";
  {
    QsbmfParseResult p = ParseQsbmf(intro + "<a@b>:\nx\n\n");
    EXPECT_TRUE(p.is_qsbmf);
    EXPECT_TRUE(p.HasViolation("no-break-paragraph"));
    EXPECT_EQ(p.failures.size(), 1u);
  }
  {
    QsbmfParseResult p = ParseQsbmf(intro + "<a@b>:\nx\n\n---\n\nFrom: a\n\nbody\n");
    EXPECT_TRUE(p.HasViolation("no-return-path"));
    EXPECT_EQ(p.original, "From: a\n\nbody\n");
    EXPECT_FALSE(p.return_path.has_value());
  }
  {
    QsbmfParseResult p = ParseQsbmf(intro + "<a@b>\nx\n\n---\n\nReturn-Path: <s@t>\n");
    EXPECT_TRUE(p.HasViolation("failure-line-not-terminated"));
  }
  {
    QsbmfParseResult p = ParseQsbmf(intro + "<>:\nx\n\n---\n\nReturn-Path: <s@t>\n");
    EXPECT_TRUE(p.HasViolation("empty-address"));
    ASSERT_EQ(p.failures.size(), 1u);
    EXPECT_EQ(p.failures[0].address, "");
    EXPECT_EQ(p.failures[0].status, "5.0.0");
  }
  {
    QsbmfParseResult p = ParseQsbmf(
        "MIME-Version: 1.0\nContent-Type: text/plain\n\nHi. This is the x.\n\n---\n\n"
        "Return-Path: <>\n");
    EXPECT_TRUE(p.HasViolation("mime-headers-present"));
    EXPECT_TRUE(p.HasViolation("no-recipient-paragraphs"));
  }
  {
    QsbmfParseResult p = ParseQsbmf(intro + "Future extension\n\n<a@b>:\n\n---\n\n"
                                            "Return-Path: s@t\n");
    EXPECT_TRUE(p.HasViolation("reserved-paragraph"));
    ASSERT_EQ(p.reserved.size(), 1u);
    EXPECT_EQ(p.reserved[0], std::vector<std::string>{"Future extension"});
    ASSERT_EQ(p.failures.size(), 1u);
    EXPECT_TRUE(p.failures[0].description.empty());  // M.2 (b): may be empty
    EXPECT_TRUE(p.HasViolation("return-path-malformed"));
  }
  {
    QsbmfParseResult p = ParseQsbmf(intro + "\n\n<a@b>:\nx\n\n---\n\nReturn-Path: <>\n");
    EXPECT_TRUE(p.HasViolation("extra-blank-line"));
    EXPECT_EQ(p.failures.size(), 1u);
  }
}

TEST(QsbmfParse, AddressMayContainAngleAndColon) {
  QsbmfParseResult p = ParseQsbmf(
      "Hi. This is the x.\n\n<a>:b@c>:\nx\n\n---\n\nReturn-Path: <\"a b\"@c>\n");
  ASSERT_EQ(p.failures.size(), 1u);
  EXPECT_EQ(p.failures[0].address, "a>:b@c");
  EXPECT_EQ(p.return_path, "a b@c");
}

TEST(QsbmfParse, RemoteForms) {
  QsbmfParseResult p = ParseQsbmf(
      "Hi. This is the qmail-send program at h.\n\n"
      "<a@b>:\nConnected to 192.0.2.9 but sender was rejected.\n"
      "Remote host said: 553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)\n\n"
      "<c@d>:\n192.0.2.10 failed after I sent the message.\n"
      "Remote host said: 554-5.7.1 first\n554 5.7.1 second\n\n"
      "<e@f>:\nSorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n"
      "I'm not going to try again; this message has been in the queue too long.\n\n"
      "---\n\nReturn-Path: <s@t>\n");
  ASSERT_EQ(p.failures.size(), 3u);
  EXPECT_EQ(p.failures[0].remote_mta, "[192.0.2.9]");
  EXPECT_EQ(p.failures[0].status, "5.7.1");  // HCMSSC in the remote text
  EXPECT_EQ(p.failures[1].remote_mta, "[192.0.2.10]");
  EXPECT_EQ(p.failures[1].diagnostic, "554-5.7.1 first 554 5.7.1 second");
  EXPECT_EQ(p.failures[1].status, "5.7.1");
  EXPECT_FALSE(p.failures[2].remote_mta.has_value());
  EXPECT_EQ(p.failures[2].status, "4.4.1");
}

TEST(Hcmssc, Codes) {
  EXPECT_EQ(LastHcmssc("a (#5.1.1) b (#4.2.2)"), "4.2.2");
  EXPECT_EQ(LastHcmssc("(#5.1.1"), std::nullopt);
  EXPECT_EQ(LastHcmssc("(#3.1.1)"), std::nullopt);
  EXPECT_EQ(LastHcmssc("(#5.1234.1)"), std::nullopt);
  EXPECT_EQ(LastHcmssc("(#5.123.123)"), "5.123.123");
  EXPECT_EQ(LastHcmssc("(# 5.1.1)"), std::nullopt);
  EXPECT_EQ(ReplyEnhancedCode("550 5.1.1 user unknown"), "5.1.1");
  EXPECT_EQ(ReplyEnhancedCode("550-5.7.1 no"), "5.7.1");
  EXPECT_EQ(ReplyEnhancedCode("550 5.1.1"), "5.1.1");
  EXPECT_EQ(ReplyEnhancedCode("550 user unknown"), std::nullopt);
  EXPECT_EQ(ReplyEnhancedCode("550 5.1.10x"), std::nullopt);
  EXPECT_EQ(ReplyEnhancedCode("5.1.1 x"), std::nullopt);
}

TEST(QsbmfParse, SharedCorpusQmailBounce) {
  const std::string path =
      std::string(MTA_SOURCE_ROOT) + "/../shared/corpora/bounceparser/qmail.unknown.msg";
  std::ifstream in(path, std::ios::binary);
  if (!in) GTEST_SKIP() << "shared corpus not present: " << path;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  QsbmfParseResult p = ParseQsbmf(bytes);
  ASSERT_TRUE(p.is_qsbmf);
  EXPECT_EQ(p.reporting_host, "mail1.coqui.net");
  ASSERT_EQ(p.failures.size(), 1u);
  EXPECT_EQ(p.failures[0].address, "recipient@example.net");
  EXPECT_EQ(p.failures[0].status, "5.1.1");
  EXPECT_EQ(p.return_path, "sender@somehost.example.com");
  EXPECT_FALSE(p.HasViolation("no-return-path"));
  EXPECT_FALSE(p.HasViolation("mime-headers-present"));  // MIME fields are in the original
}

}  // namespace
}  // namespace mta::report
