// session_test.cc: the SMTP session state machine - switches, pipelining, smuggling,
// STARTTLS injection, BDAT, SIZE, limits and relay tricks; every scenario is run fed whole
// and one byte at a time, and both runs must produce the same bytes and actions.
#include "mta/smtpd/session.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mta/config/config_file.h"
#include "mta/lib/reply/reply.h"

namespace mta::smtpd {
namespace {

using config::Settings;

Settings Base(config::Profile p = config::Profile::kStrict) {
  Settings s = config::ProfileSettings(p);
  s.hostname = "mx.local.test";
  s.local_domains = {"local.test"};
  s.users = {{"user", config::MailboxFormat::kMaildir}};
  s.aliases = {{"postmaster", "user"}};
  s.listen = {"127.0.0.1:25"};
  s.message_size_max = 100000;
  return s;
}

struct Result {
  std::string out;
  std::vector<SubmitMessage> messages;
  int closes = 0;
  int starttls = 0;
  std::vector<int> codes;  // final-line code of each reply
};

std::vector<int> Codes(std::string_view out) {
  std::vector<int> codes;
  while (!out.empty()) {
    reply::Reply r = reply::ParseReply(out);
    if (r.raw.empty()) break;
    codes.push_back(r.code);
    out.remove_prefix(r.raw.size());
  }
  return codes;
}

// Runs `parts` (each a separate Feed, or byte by byte when `bytewise`); answers every
// SubmitMessage with SubmitDone(ok) and every StartTls with StartTlsDone(true) after
// `tls_injected` is fed (bytes arriving before the handshake completes).
Result RunSession(const Settings& s, const std::vector<std::string>& parts, bool bytewise,
           bool tls_available = false, std::string tls_injected = "") {
  ConfigOracle oracle(s);
  SessionInfo info;
  info.client_ip = "192.0.2.7";
  info.local_ip = "127.0.0.1";
  info.rdns = "client.example";
  info.tls_available = tls_available;
  info.now = [] { return std::int64_t{1704189605}; };
  info.session_id = "S1";
  Session session(s, info, oracle);
  Result r;
  auto drain = [&]() {
    r.out += session.TakeOutput();
    for (Action& a : session.TakeActions()) {
      if (auto* m = std::get_if<SubmitMessage>(&a)) {
        r.messages.push_back(*m);
        session.SubmitDone(true, "Q" + std::to_string(r.messages.size()));
        r.out += session.TakeOutput();
        for (Action& b : session.TakeActions()) {
          if (std::holds_alternative<Close>(b)) ++r.closes;
          if (std::holds_alternative<StartTls>(b)) ++r.starttls;
          ASSERT_FALSE(std::holds_alternative<SubmitMessage>(b)) << "test helper: nested";
        }
      } else if (std::holds_alternative<StartTls>(a)) {
        ++r.starttls;
        session.Feed(tls_injected);
        session.StartTlsDone(true);
      } else {
        ++r.closes;
      }
    }
  };
  session.Greeting();
  drain();
  for (const std::string& p : parts) {
    if (bytewise) {
      for (char c : p) {
        session.Feed(std::string_view(&c, 1));
        drain();
      }
    } else {
      session.Feed(p);
      drain();
    }
  }
  // Messages answered during drain may release held input: drain again.
  drain();
  r.codes = Codes(r.out);
  return r;
}

// Both feeding modes; asserts they agree and returns the result.
Result Both(const Settings& s, const std::vector<std::string>& parts, bool tls = false,
            std::string inj = "") {
  Result a = RunSession(s, parts, false, tls, inj);
  Result b = RunSession(s, parts, true, tls, inj);
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.messages.size(), b.messages.size());
  for (size_t i = 0; i < a.messages.size() && i < b.messages.size(); ++i)
    EXPECT_EQ(a.messages[i].data, b.messages[i].data);
  EXPECT_EQ(a.closes, b.closes);
  return a;
}

const std::string kEhlo = "EHLO client.test\r\n";
const std::string kTx = "MAIL FROM:<a@sink.test>\r\nRCPT TO:<user@local.test>\r\nDATA\r\n";

std::vector<int> V(std::initializer_list<int> l) { return l; }

TEST(Session, SimpleTransaction) {
  Result r = Both(Base(), {kEhlo, kTx, "Subject: t\r\n\r\nhello\r\n.\r\n", "QUIT\r\n"});
  EXPECT_EQ(r.codes, V({220, 250, 250, 250, 354, 250, 221}));
  ASSERT_EQ(r.messages.size(), 1u);
  const SubmitMessage& m = r.messages[0];
  EXPECT_EQ(m.envelope.reverse_path, "a@sink.test");
  ASSERT_EQ(m.envelope.recipients.size(), 1u);
  EXPECT_EQ(m.envelope.recipients[0].address, "user@local.test");
  EXPECT_EQ(m.envelope.protocol, "ESMTP");
  EXPECT_EQ(m.data,
            "Received: from client.test (client.example [192.0.2.7])\r\n"
            "\tby mx.local.test with ESMTP id S1.1;\r\n"
            "\tTue, 02 Jan 2024 10:00:05 +0000\r\n"
            "Subject: t\r\n\r\nhello\r\n");
  EXPECT_NE(r.out.find("250 2.0.0 Ok: queued as Q1\r\n"), std::string::npos);
  EXPECT_EQ(r.closes, 1);
}

TEST(Session, EhloKeywordsPerSettings) {
  Result r = Both(Base(), {kEhlo}, /*tls=*/true);
  EXPECT_EQ(r.out.substr(r.out.find("250-")),
            "250-mx.local.test\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250-8BITMIME\r\n"
            "250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n250-CHUNKING\r\n250-BINARYMIME\r\n"
            "250-DSN\r\n250-STARTTLS\r\n250 HELP\r\n");
  Result q = Both(Base(config::Profile::kQmail), {kEhlo, "HELO x\r\n"}, true);
  EXPECT_EQ(q.out, "220 mx.local.test ESMTP\r\n250-mx.local.test\r\n250-PIPELINING\r\n"
                   "250 8BITMIME\r\n250 mx.local.test\r\n");
}

TEST(Session, PipelinedGroupFiveRepliesInOrder) {  // C2-T1
  Result r = Both(Base(), {kEhlo,
                           "MAIL FROM:<a@sink.test>\r\nRCPT TO:<user@local.test>\r\nRCPT "
                           "TO:<nosuchuser@sink.test>\r\nRCPT TO:<user@local.test>\r\nDATA\r\n"});
  EXPECT_EQ(r.codes, V({220, 250, 250, 250, 550, 250, 354}));
}

TEST(Session, SmugglingVariantsGiveOneMessage) {  // B2-T1..T9
  const char* variants[] = {"\n.\n", "\r.\r", "\r.\n", "\n.\r", "\n.\r\n",
                            "\r\n.\n", "\r.\r\n", "\r\n.\r", "\r\n\x00.\r\n"};
  for (auto p : {config::Profile::kStrict, config::Profile::kInterop, config::Profile::kQmail}) {
    for (int i = 0; i < 9; ++i) {
      std::string v = i == 8 ? std::string("\r\n\0.\r\n", 6) : variants[i];
      std::string smuggled = "Subject: s\r\n\r\nbody\r\n" + v +
                             "MAIL FROM:<admin@victim.test>\r\nRCPT TO:<user@local.test>\r\n"
                             "DATA\r\nSubject: smuggled\r\n\r\nX\r\n.\r\n";
      Settings s = Base(p);
      s.eod_variants = config::EodVariants::kAccept;
      s.bare_lf = p == config::Profile::kQmail ? s.bare_lf : config::BareLfPolicy::kAccept;
      s.bare_cr = config::BareCrPolicy::kAccept;
      Result r = Both(s, {kEhlo + kTx + smuggled});
      SCOPED_TRACE(std::to_string(i) + " " + std::string(config::ProfileName(p)) + r.out);
      bool bare_lf = false;
      for (size_t k = 0; k < v.size(); ++k)
        if (v[k] == '\n' && (k == 0 || v[k - 1] != '\r')) bare_lf = true;
      if (p == config::Profile::kQmail && bare_lf) {
        // qmail: 451 and close at the first bare LF; no message.
        EXPECT_TRUE(r.messages.empty());
        EXPECT_EQ(r.codes.back(), 451);
        continue;
      }
      ASSERT_EQ(r.messages.size(), 1u);
      EXPECT_NE(r.messages[0].data.find("Subject: smuggled"), std::string::npos);
      EXPECT_EQ(r.codes.back(), 250);
      EXPECT_EQ(std::count(r.codes.begin(), r.codes.end(), 354), 1);
      // Strict: refused after the end of data, never two messages.
      Result strict = Both(Base(), {kEhlo + kTx + smuggled});
      EXPECT_TRUE(strict.messages.empty() || i == 8);
      EXPECT_LE(strict.messages.size(), 1u);
    }
  }
}

TEST(Session, BareLfSwitch) {  // B1-T1
  std::string msg = "Subject: t\r\n\r\nline1\nline2\r\n.\r\n";
  Settings s = Base();
  Result rej = Both(s, {kEhlo, kTx, msg, "NOOP\r\n"});
  EXPECT_EQ(rej.codes, V({220, 250, 250, 250, 354, 550, 250}));
  EXPECT_NE(rej.out.find("550 5.6.0 "), std::string::npos);
  s.bare_lf = config::BareLfPolicy::kNormalize;
  Result norm = Both(s, {kEhlo, kTx, msg});
  ASSERT_EQ(norm.messages.size(), 1u);
  EXPECT_NE(norm.messages[0].data.find("line1\r\nline2\r\n"), std::string::npos);
  s.bare_lf = config::BareLfPolicy::kAccept;
  Result acc = Both(s, {kEhlo, kTx, msg});
  ASSERT_EQ(acc.messages.size(), 1u);
  EXPECT_NE(acc.messages[0].data.find("line1\nline2\r\n"), std::string::npos);
  s.bare_lf = config::BareLfPolicy::kClose;
  Result cl = Both(s, {kEhlo, kTx, msg, "NOOP\r\n"});
  EXPECT_EQ(cl.codes.back(), 451);
  EXPECT_EQ(cl.closes, 1);
  EXPECT_TRUE(cl.messages.empty());
  Result q = Both(Base(config::Profile::kQmail), {kEhlo, kTx, msg});
  EXPECT_NE(q.out.find("451 See https://cr.yp.to/docs/smtplf.html.\r\n"), std::string::npos);
  // B1-T2: an LF-only client never gets a 250 for its message.
  Result lf = Both(Base(), {kEhlo, kTx, "a\nb\n.\n"});
  EXPECT_TRUE(lf.messages.empty());
  EXPECT_EQ(lf.codes.back(), 354);
}

TEST(Session, BareCrAndNulSwitches) {
  std::string msg = "A\rB\r\nx\0y\r\n.\r\n";
  msg = std::string("A\rB\r\nx\0y\r\n.\r\n", 13);
  Settings s = Base();
  EXPECT_EQ(Both(s, {kEhlo, kTx, msg}).codes.back(), 550);
  s.bare_cr = config::BareCrPolicy::kNormalize;
  Result n = Both(s, {kEhlo, kTx, msg});
  ASSERT_EQ(n.messages.size(), 1u);
  EXPECT_NE(n.messages[0].data.find(std::string("A\r\nB\r\nx\0y", 9)), std::string::npos);
  s.bare_cr = config::BareCrPolicy::kAccept;
  s.nul_in_data = config::NulPolicy::kReject;
  EXPECT_EQ(Both(s, {kEhlo, kTx, msg}).codes.back(), 550);
  s.nul_in_data = config::NulPolicy::kAccept;
  Result a = Both(s, {kEhlo, kTx, msg});
  ASSERT_EQ(a.messages.size(), 1u);
  EXPECT_NE(a.messages[0].data.find("A\rB"), std::string::npos);
}

TEST(Session, StartTlsDiscardsInjectedPlaintext) {  // C12-T1..T3
  Settings s = Base();
  // Fed whole: "RSET" arrives in the same segment as STARTTLS (byte-wise it would arrive
  // after the handshake and be executed legitimately).
  Result r = RunSession(s, {kEhlo, "MAIL FROM:<a@sink.test>\r\nSTARTTLS\r\nRSET\r\n",
                            "RCPT TO:<user@local.test>\r\nEHLO c\r\nSTARTTLS\r\n"},
                        false, true, "NOOP\r\n");
  // 220, EHLO, MAIL 250, STARTTLS 220, (RSET discarded), RCPT 503 (state reset), EHLO 250,
  // STARTTLS 503 (already TLS).
  EXPECT_EQ(r.codes, V({220, 250, 250, 220, 503, 250, 503}));
  EXPECT_EQ(r.starttls, 1);
  size_t second_ehlo = r.out.rfind("250-mx.local.test");
  EXPECT_EQ(r.out.find("STARTTLS", second_ehlo), std::string::npos);
  // Without a certificate STARTTLS is neither advertised nor implemented.
  Result n = Both(s, {kEhlo, "STARTTLS\r\n"});
  EXPECT_EQ(n.out.find("250-STARTTLS"), std::string::npos);
  EXPECT_EQ(n.codes.back(), 502);
}

TEST(Session, Bdat) {  // C10
  Result r = Both(Base(), {kEhlo, "MAIL FROM:<a@sink.test> BODY=BINARYMIME\r\n"
                                  "RCPT TO:<user@local.test>\r\nBDAT 5\r\nab\r\nc",
                           "BDAT 2 LAST\r\n\r\n", "BDAT 1\r\nx", "MAIL FROM:<>\r\n"
                           "RCPT TO:<user@local.test>\r\nBDAT 3\r\nabcDATA\r\n"});
  EXPECT_EQ(r.codes, V({220, 250, 250, 250, 250, 250, 503, 250, 250, 250, 503}));
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].data.substr(r.messages[0].data.find("+0000\r\n") + 7), "ab\r\nc\r\n");
  // BDAT 0 LAST completes at once.
  Result z = Both(Base(), {kEhlo, "MAIL FROM:<>\r\nRCPT TO:<user@local.test>\r\nBDAT 0 LAST\r\n"});
  EXPECT_EQ(z.messages.size(), 1u);
  // RFC 3030 3: DATA after MAIL BODY=BINARYMIME gets 503; after RSET, DATA works again.
  Result b = Both(Base(), {kEhlo, "MAIL FROM:<a@sink.test> BODY=BINARYMIME\r\n"
                                  "RCPT TO:<user@local.test>\r\nDATA\r\n",
                           "BDAT 1 LAST\r\nx", "RSET\r\n" + std::string(kTx) +
                           "x\r\n.\r\n"});
  EXPECT_EQ(b.codes, V({220, 250, 250, 250, 503, 250, 250, 250, 250, 354, 250}));
  ASSERT_EQ(b.messages.size(), 2u);
  EXPECT_NE(b.out.find("503 5.5.1 BODY=BINARYMIME needs BDAT"), std::string::npos);
  // Not advertised: 502, the chunk is read as commands.
  Result q = Both(Base(config::Profile::kQmail), {kEhlo, "BDAT 6\r\nNOOP\r\n"});
  EXPECT_EQ(q.codes, V({220, 250, 502, 250}));
}

TEST(Session, Size) {  // C3
  Settings s = Base();
  Result r = Both(s, {kEhlo, "MAIL FROM:<a@sink.test> SIZE=99999999999\r\n"});
  EXPECT_NE(r.out.find("552 5.3.4 "), std::string::npos);
  std::string big(150000, 'x');
  for (size_t i = 500; i < big.size(); i += 500) big[i - 2] = '\r', big[i - 1] = '\n';
  Result late = RunSession(s, {kEhlo, kTx, big + "\r\n.\r\nNOOP\r\n"}, false);
  EXPECT_EQ(late.codes, V({220, 250, 250, 250, 354, 552, 250}));
  EXPECT_TRUE(late.messages.empty());
  Settings q = Base(config::Profile::kQmail);
  q.message_size_max = 100000;
  Result qr = Both(q, {kEhlo, "MAIL FROM:<a@sink.test> SIZE=99999999999\r\n"});
  EXPECT_EQ(qr.codes.back(), 250);
}

TEST(Session, CommandLineCapAndRecipientLimit) {  // K1, D3
  Settings s = Base();
  std::string huge = "NOOP " + std::string(1 << 20, 'a') + "\r\nNOOP\r\n";
  Result r = RunSession(s, {kEhlo, huge}, false);
  EXPECT_EQ(r.codes, V({220, 250, 500, 250}));
  std::string path = "RCPT TO:<" + std::string(64, 'u') + "@" + std::string(185, 'd') + ".test>\r\n";
  std::string rcpts = "MAIL FROM:<a@sink.test>\r\n";
  for (int i = 0; i < 101; ++i) rcpts += "RCPT TO:<user@local.test>\r\n";
  Result l = Both(s, {kEhlo, rcpts});
  EXPECT_EQ(l.codes.size(), 104u);
  EXPECT_EQ(l.codes[102], 250);
  EXPECT_EQ(l.codes.back(), 452);
}

TEST(Session, RelayTricks) {  // G1-G6
  Settings s = Base();
  auto rcpt = [&](const Settings& st, const std::string& addr) {
    Result r = RunSession(st, {kEhlo, "MAIL FROM:<a@sink.test>\r\nRCPT TO:" + addr + "\r\n"}, false);
    return r.codes.back();
  };
  EXPECT_EQ(rcpt(s, "<x@sink.test>"), 550);
  EXPECT_EQ(rcpt(s, "<x@SINK.TEST>"), 550);
  EXPECT_EQ(rcpt(s, "<x%sink.test@local.test>"), 550);       // G2: unknown local, no relay
  EXPECT_EQ(rcpt(s, "<sink.test!x@local.test>"), 550);       // G3
  EXPECT_EQ(rcpt(s, "<@local.test:x@sink.test>"), 550);      // G4: route ignored
  EXPECT_EQ(rcpt(s, "<@local.test,@o.test:user@local.test>"), 250);
  EXPECT_EQ(rcpt(s, "<\"x@sink.test\"@local.test>"), 550);   // G5
  EXPECT_EQ(rcpt(s, "<x@sink.test@local.test>"), 501);       // syntax error
  EXPECT_EQ(rcpt(s, "<\"user\"@local.test>"), 250);          // quoted forms are equal
  EXPECT_EQ(rcpt(s, "<user-ext@local.test>"), 250);          // extension
  EXPECT_EQ(rcpt(s, "<user@[127.0.0.1]>"), 250);             // G6
  EXPECT_EQ(rcpt(s, "<x@[192.0.2.99]>"), 550);               // foreign literal
  EXPECT_EQ(rcpt(s, "<Postmaster>"), 250);                   // A11
  EXPECT_EQ(rcpt(s, "<POSTMASTER@local.test>"), 250);
  Settings q = Base(config::Profile::kQmail);
  EXPECT_EQ(rcpt(q, "<x@sink.test>"), 553);
  EXPECT_EQ(rcpt(q, "<x%sink.test@local.test>"), 250);  // accepted as local, bounced later
  EXPECT_EQ(rcpt(q, "<x%sink.test>"), 250);             // unqualified -> local
  EXPECT_EQ(rcpt(q, "<@local.test:x@sink.test>"), 553);
  Settings t = s;
  t.trusted_networks = {*config::ParseCidr("192.0.2.0/24")};
  EXPECT_EQ(rcpt(t, "<x@sink.test>"), 250);
  Settings d = s;
  d.domain_literal_self = false;
  d.relay_denied_code = 454;
  EXPECT_EQ(rcpt(d, "<user@[127.0.0.1]>"), 550);
  EXPECT_EQ(rcpt(d, "<x@sink.test>"), 454);
  d.relay_domains = {"sink.test"};
  EXPECT_EQ(rcpt(d, "<x@sink.test>"), 250);
}

TEST(Session, Switches) {
  Settings s = Base();
  auto last = [&](const Settings& st, const std::vector<std::string>& parts) {
    return Both(st, parts).codes.back();
  };
  // A1: LF-terminated commands.
  EXPECT_EQ(Both(s, {"EHLO h.test\n", "\r\n"}).codes, V({220, 501}));
  Settings lf = s;
  lf.path_leniencies.Add(smtp::Leniency::kLfLineEnd);
  EXPECT_EQ(last(lf, {"EHLO h.test\nNOOP\n"}), 250);
  // A2 helo_required.
  EXPECT_EQ(last(s, {"MAIL FROM:<a@sink.test>\r\n"}), 503);
  Settings h = s;
  h.helo_required = false;
  EXPECT_EQ(last(h, {"MAIL FROM:<a@sink.test>\r\n"}), 250);
  // A3 helo_syntax.
  EXPECT_EQ(last(s, {"HELO\r\n"}), 501);
  EXPECT_EQ(last(s, {"EHLO bad_name!.test\r\n"}), 501);
  h.helo_syntax = config::HeloSyntax::kAny;
  EXPECT_EQ(last(h, {"HELO\r\n"}), 250);
  // A4 unknown_command_code.
  EXPECT_EQ(last(s, {"FOOBAR\r\n"}), 500);
  h.unknown_command_code = 502;
  EXPECT_EQ(last(h, {"FOOBAR\r\n"}), 502);
  // A6 path leniency.
  EXPECT_EQ(last(s, {kEhlo, "MAIL FROM: <a@sink.test>\r\n"}), 501);
  EXPECT_EQ(last(Base(config::Profile::kQmail), {kEhlo, "MAIL FROM: <a@sink.test>\r\n"}), 250);
  EXPECT_EQ(last(Base(config::Profile::kQmail), {kEhlo, "MAIL FROM:a@sink.test\r\n"}), 250);
  // A7 unknown_esmtp_param.
  EXPECT_EQ(last(s, {kEhlo, "MAIL FROM:<a@sink.test> FOO=BAR\r\n"}), 555);
  EXPECT_EQ(last(s, {kEhlo, "MAIL FROM:<a@sink.test> SIZE=1 SIZE=2\r\n"}), 501);
  h.unknown_esmtp_param = config::UnknownParam::kIgnore;
  EXPECT_EQ(last(h, {kEhlo, "MAIL FROM:<a@sink.test> FOO=BAR\r\n"}), 250);
  // A8 nested_mail.
  std::string nest = "MAIL FROM:<a@sink.test>\r\nMAIL FROM:<b@sink.test>\r\n";
  EXPECT_EQ(last(s, {kEhlo, nest}), 503);
  h.nested_mail = config::NestedMail::kReset;
  EXPECT_EQ(last(h, {kEhlo, nest}), 250);
  // A10 vrfy / expn.
  EXPECT_EQ(last(s, {"VRFY user\r\n"}), 252);
  EXPECT_EQ(last(s, {"EXPN postmaster\r\n"}), 252);
  h.vrfy = config::VerifyPolicy::kDisabled;
  EXPECT_EQ(last(h, {"VRFY user\r\n"}), 502);
  h.vrfy = config::VerifyPolicy::kDisclose;
  EXPECT_EQ(last(h, {"VRFY user\r\n"}), 250);
  EXPECT_EQ(last(h, {"VRFY nosuchuser\r\n"}), 550);
  EXPECT_EQ(last(Base(config::Profile::kQmail), {"EXPN postmaster\r\n"}), 502);
  // A11 postmaster_unqualified.
  h.postmaster_unqualified = false;
  EXPECT_EQ(last(h, {kEhlo, "MAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\n"}), 550);
  // D1 unknown_recipient.
  std::string unk = "MAIL FROM:<victim@sink.test>\r\nRCPT TO:<nosuchuser@local.test>\r\n";
  EXPECT_EQ(last(s, {kEhlo, unk}), 550);
  h.unknown_recipient = config::UnknownRecipient::kAccept;
  EXPECT_EQ(last(h, {kEhlo, unk}), 250);
  // C2 early_talker.
  Settings e = s;
  e.early_talker = config::EarlyTalker::kReject;
  {
    ConfigOracle o(e);
    SessionInfo info;
    Session early(e, info, o);
    early.Feed("EHLO h.test\r\n");
    early.Greeting();
    EXPECT_EQ(early.TakeOutput().substr(0, 10), "554 5.5.0 ");
    EXPECT_TRUE(early.wants_close());
    Session served(s, info, o);
    served.Feed("EHLO h.test\r\n");
    served.Greeting();
    EXPECT_EQ(Codes(served.TakeOutput()), V({220, 250}));
  }
  // A5 close_on_errors.
  Settings c = s;
  c.close_on_errors = 3;
  Result cr = Both(c, {"FOO\r\nFOO\r\nFOO\r\nNOOP\r\n"});
  EXPECT_EQ(cr.codes, V({220, 500, 500, 500, 421}));
  EXPECT_EQ(cr.closes, 1);
  // C9 qmail reply texts.
  Result q = Both(Base(config::Profile::kQmail), {"RCPT TO:<a@b.test>\r\nFOO\r\n"});
  EXPECT_NE(q.out.find("503 MAIL first (#5.5.1)\r\n"), std::string::npos);
  EXPECT_NE(q.out.find("502 unimplemented (#5.5.1)\r\n"), std::string::npos);
}

TEST(Session, HopLimitAndReceivedStyles) {  // F1, H1
  std::string hops;
  for (int i = 0; i < 100; ++i) hops += "Received: from x by y; Tue, 02 Jan 2024 10:00:05 +0000\r\n";
  std::string msg = hops + "\r\nbody\r\n.\r\n";
  EXPECT_EQ(Both(Base(), {kEhlo, kTx, msg}).codes.back(), 250);  // 100 is not more than 100
  EXPECT_EQ(Both(Base(), {kEhlo, kTx, "Received: x\r\n" + msg}).codes.back(), 554);
  Result q = Both(Base(config::Profile::kQmail), {kEhlo, kTx, msg});
  EXPECT_NE(q.out.find("554 too many hops, this message is looping (#5.4.6)"), std::string::npos);
  Result ok = Both(Base(config::Profile::kQmail), {"HELO helo.test\r\n", kTx, "x\r\n.\r\n"});
  ASSERT_EQ(ok.messages.size(), 1u);
  EXPECT_EQ(ok.messages[0].data,
            "Received: from client.example (HELO helo.test) (192.0.2.7)\r\n"
            "  by mx.local.test with SMTP; 2 Jan 2024 10:00:05 -0000\r\nx\r\n");
  EXPECT_NE(ok.out.find("250 ok Q1\r\n"), std::string::npos);
}

TEST(Session, DsnParametersStored) {  // C7
  Result r = Both(Base(), {kEhlo, "MAIL FROM:<s@sink.test> RET=HDRS ENVID=abc+2B1 SMTPUTF8\r\n"
                                  "RCPT TO:<user@local.test> NOTIFY=NEVER ORCPT=rfc822;user@local.test\r\n"
                                  "DATA\r\n", "x\r\n.\r\n"});
  ASSERT_EQ(r.messages.size(), 1u);
  const Envelope& e = r.messages[0].envelope;
  EXPECT_EQ(e.envid, "abc+1");
  EXPECT_EQ(e.ret, smtp::Ret::kHdrs);
  EXPECT_TRUE(e.smtputf8);
  EXPECT_EQ(e.protocol, "UTF8SMTP");
  ASSERT_TRUE(e.recipients[0].notify);
  EXPECT_TRUE(e.recipients[0].notify->never);
  EXPECT_EQ(e.recipients[0].orcpt->address, "user@local.test");
  Result bad = Both(Base(), {kEhlo, "MAIL FROM:<s@sink.test>\r\n"
                                    "RCPT TO:<user@local.test> NOTIFY=NEVER,SUCCESS\r\n"});
  EXPECT_EQ(bad.codes.back(), 501);
}

TEST(Session, SubmitFailureAndHeldInput) {
  Settings s = Base();
  ConfigOracle o(s);
  SessionInfo info;
  info.client_ip = "192.0.2.7";
  Session ss(s, info, o);
  ss.Greeting();
  ss.Feed(kEhlo + kTx + "x\r\n.\r\nNOOP\r\n");
  std::string out = ss.TakeOutput();
  EXPECT_EQ(Codes(out), V({220, 250, 250, 250, 354}));  // no reply to the data yet
  auto acts = ss.TakeActions();
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_TRUE(ss.awaiting_submit());
  ss.Feed("NOOP\r\n");
  EXPECT_EQ(ss.TakeOutput(), "");
  ss.SubmitDone(false, "disk full");
  EXPECT_EQ(Codes(ss.TakeOutput()), V({451, 250, 250}));
  ss.Timeout();
  EXPECT_EQ(ss.TakeOutput().substr(0, 10), "421 4.4.2 ");
  EXPECT_TRUE(ss.wants_close());
  ss.Feed("NOOP\r\n");
  EXPECT_EQ(ss.TakeOutput(), "");
}

}  // namespace
}  // namespace mta::smtpd
