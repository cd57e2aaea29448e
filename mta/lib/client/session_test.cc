// session_test.cc: the pure SMTP client session against scripted replies.
#include "mta/lib/client/session.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace mta::client {
namespace {

Transaction Tx(std::vector<std::string> rcpts, std::string message = "Subject: t\r\n\r\nhi\r\n") {
  Transaction tx;
  tx.sender = "s@a.test";
  for (auto& r : rcpts) tx.recipients.push_back({r, "", ""});
  tx.message = std::move(message);
  return tx;
}

SessionOptions Opt() {
  SessionOptions o;
  o.helo_name = "me.test";
  return o;
}

// Feeds one reply and returns what the session wrote next.
std::string Step(Session& s, std::string_view reply) {
  s.Feed(reply);
  return s.TakeOutput();
}

bool NoBareLineEnds(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n')) return false;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
  }
  return true;
}

TEST(SessionTest, PlainSequenceWithoutPipelining) {
  Session s(Tx({"a@b.test"}), Opt());
  EXPECT_EQ(Step(s, "220 mx.test ESMTP\r\n"), "EHLO me.test\r\n");
  EXPECT_EQ(Step(s, "250 mx.test\r\n"), "MAIL FROM:<s@a.test>\r\n");
  EXPECT_EQ(s.stage(), Stage::kMail);
  EXPECT_EQ(Step(s, "250 ok\r\n"), "RCPT TO:<a@b.test>\r\n");
  EXPECT_EQ(Step(s, "250 ok\r\n"), "DATA\r\n");
  EXPECT_EQ(Step(s, "354 go\r\n"), "Subject: t\r\n\r\nhi\r\n.\r\n");
  EXPECT_EQ(s.stage(), Stage::kEod);
  EXPECT_EQ(Step(s, "250 2.0.0 queued\r\n"), "QUIT\r\n");
  EXPECT_EQ(s.want(), Want::kRead);
  Step(s, "221 bye\r\n");
  EXPECT_EQ(s.want(), Want::kDone);
  const RcptResult& r = s.outcome().rcpts[0];
  EXPECT_EQ(r.status, RcptStatus::kDelivered);
  EXPECT_EQ(r.code, 250);
  EXPECT_EQ(r.enhanced->ToString(), "2.0.0");
  EXPECT_EQ(r.stage, Stage::kEod);
  EXPECT_TRUE(s.outcome().quit_acknowledged);
  EXPECT_FALSE(s.outcome().try_next_mx);
}

TEST(SessionTest, EhloRefusedFallsBackToHelo) {  // RFC 5321 4.1.1.1, C6-T2
  Session s(Tx({"a@b.test"}), Opt());
  EXPECT_EQ(Step(s, "220 x\r\n"), "EHLO me.test\r\n");
  EXPECT_EQ(Step(s, "502 command not implemented\r\n"), "HELO me.test\r\n");
  EXPECT_EQ(Step(s, "250 x\r\n"), "MAIL FROM:<s@a.test>\r\n");
}

TEST(SessionTest, HeloOnlyProfile) {
  SessionOptions o = Opt();
  o.helo_only = true;
  Session s(Tx({"a@b.test"}), o);
  EXPECT_EQ(Step(s, "220 x\r\n"), "HELO me.test\r\n");
}

TEST(SessionTest, HeloRefusedTriesNextMx) {
  Session s(Tx({"a@b.test"}), Opt());
  Step(s, "220 x\r\n");
  Step(s, "500 no\r\n");
  EXPECT_EQ(Step(s, "550 go away\r\n"), "QUIT\r\n");
  EXPECT_TRUE(s.outcome().try_next_mx);
  EXPECT_EQ(s.outcome().rcpts[0].stage, Stage::kEhlo);
}

TEST(SessionTest, GreetingFailureTriesNextMx) {  // RFC 5321 5.1, I5
  Session s(Tx({"a@b.test", "c@b.test"}), Opt());
  EXPECT_EQ(Step(s, "450 busy\r\n"), "QUIT\r\n");
  EXPECT_TRUE(s.outcome().try_next_mx);
  for (const RcptResult& r : s.outcome().rcpts) {
    EXPECT_EQ(r.status, RcptStatus::kTempFail);
    EXPECT_EQ(r.stage, Stage::kGreeting);
    EXPECT_EQ(r.code, 450);
  }
  s.TimedOut();  // no 221: the result stands
  EXPECT_EQ(s.want(), Want::kDone);
  EXPECT_EQ(s.outcome().rcpts[0].code, 450);
}

TEST(SessionTest, PipelinedGroupInOneWrite) {  // RFC 2920 3.1
  Session s(Tx({"a@b.test", "c@b.test", "d@b.test"}), Opt());
  Step(s, "220 x\r\n");
  EXPECT_EQ(Step(s, "250-x\r\n250 PIPELINING\r\n"),
            "MAIL FROM:<s@a.test>\r\nRCPT TO:<a@b.test>\r\nRCPT TO:<c@b.test>\r\n"
            "RCPT TO:<d@b.test>\r\nDATA\r\n");
  // All replies in one segment, matched in order.
  EXPECT_EQ(Step(s, "250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n451 later\r\n354 go\r\n"),
            "Subject: t\r\n\r\nhi\r\n.\r\n");
  EXPECT_EQ(Step(s, "250 ok\r\n"), "QUIT\r\n");
  const auto& r = s.outcome().rcpts;
  EXPECT_EQ(r[0].status, RcptStatus::kDelivered);
  EXPECT_EQ(r[1].status, RcptStatus::kPermFail);
  EXPECT_EQ(r[1].enhanced->ToString(), "5.1.1");
  EXPECT_EQ(r[1].stage, Stage::kRcpt);
  EXPECT_EQ(r[2].status, RcptStatus::kTempFail);
}

TEST(SessionTest, PipelinedNoRecipientAcceptedButDataAccepted) {
  Session s(Tx({"a@b.test"}), Opt());
  Step(s, "220 x\r\n");
  Step(s, "250-x\r\n250 PIPELINING\r\n");
  EXPECT_EQ(Step(s, "250 ok\r\n550 no\r\n354 go\r\n"), ".\r\n");  // RFC 2920 3.1
  EXPECT_EQ(Step(s, "554 no valid recipients\r\n"), "QUIT\r\n");
  EXPECT_EQ(s.outcome().rcpts[0].status, RcptStatus::kPermFail);
}

TEST(SessionTest, NonPipelinedAllRcptRefusedSkipsData) {
  Session s(Tx({"a@b.test"}), Opt());
  Step(s, "220 x\r\n");
  Step(s, "250 x\r\n");
  Step(s, "250 ok\r\n");
  EXPECT_EQ(Step(s, "550 no\r\n"), "QUIT\r\n");
}

TEST(SessionTest, OnlyA354OpensTheContent) {  // RFC 5321 4.1.1.4
  Session s(Tx({"a@b.test"}), Opt());
  Step(s, "220 x\r\n");
  Step(s, "250 x\r\n");
  Step(s, "250 ok\r\n");
  Step(s, "250 ok\r\n");
  EXPECT_EQ(Step(s, "352 go\r\n"), "QUIT\r\n");
  EXPECT_EQ(s.outcome().rcpts[0].status, RcptStatus::kTempFail);
  EXPECT_EQ(s.outcome().rcpts[0].stage, Stage::kData);
}

TEST(SessionTest, SizeParameterAndRefusal) {  // RFC 1870
  Session ok(Tx({"a@b.test"}), Opt());
  Step(ok, "220 x\r\n");
  EXPECT_EQ(Step(ok, "250-x\r\n250 SIZE 1000\r\n"), "MAIL FROM:<s@a.test> SIZE=18\r\n");
  Session big(Tx({"a@b.test"}, "Subject: t\r\n\r\n" + std::string(2000, 'x') + "\r\n"), Opt());
  Step(big, "220 x\r\n");
  EXPECT_EQ(Step(big, "250-x\r\n250 SIZE 1000\r\n"), "QUIT\r\n");
  EXPECT_EQ(big.outcome().rcpts[0].status, RcptStatus::kPermFail);
  EXPECT_EQ(big.outcome().rcpts[0].enhanced->ToString(), "5.3.4");
  EXPECT_FALSE(big.outcome().try_next_mx);
}

TEST(SessionTest, DsnParametersOnlyWhenOffered) {  // RFC 3461 5.2.1 / 5.2.2
  Transaction tx = Tx({"a@b.test"});
  tx.ret = "HDRS";
  tx.envid = "abc+2B1";
  tx.recipients[0].notify = "SUCCESS,FAILURE";
  tx.recipients[0].orcpt = "rfc822;a@b.test";
  {
    Session s(tx, Opt());
    Step(s, "220 x\r\n");
    EXPECT_EQ(Step(s, "250-x\r\n250 DSN\r\n"), "MAIL FROM:<s@a.test> RET=HDRS ENVID=abc+2B1\r\n");
    EXPECT_EQ(Step(s, "250 ok\r\n"), "RCPT TO:<a@b.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@b.test\r\n");
    Step(s, "250 ok\r\n");
    Step(s, "354 go\r\n");
    Step(s, "250 ok\r\n");
    EXPECT_FALSE(s.outcome().rcpts[0].dsn_relayed);
  }
  {
    Session s(tx, Opt());
    Step(s, "220 x\r\n");
    EXPECT_EQ(Step(s, "250 x\r\n"), "MAIL FROM:<s@a.test>\r\n");
    EXPECT_EQ(Step(s, "250 ok\r\n"), "RCPT TO:<a@b.test>\r\n");
    Step(s, "250 ok\r\n");
    Step(s, "354 go\r\n");
    Step(s, "250 ok\r\n");
    EXPECT_EQ(s.outcome().rcpts[0].status, RcptStatus::kDelivered);
    EXPECT_TRUE(s.outcome().rcpts[0].dsn_relayed);  // C8: Action: relayed
  }
}

std::string EightBitMessage() {
  return "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xC3\xA9\r\n";
}

TEST(SessionTest, EightBitMimeWhenOffered) {
  Session s(Tx({"a@b.test"}, EightBitMessage()), Opt());
  Step(s, "220 x\r\n");
  EXPECT_EQ(Step(s, "250-x\r\n250 8BITMIME\r\n"), "MAIL FROM:<s@a.test> BODY=8BITMIME\r\n");
}

TEST(SessionTest, EightBitDowngradedForSevenBitPeer) {  // RFC 6152 3, C5
  Session s(Tx({"a@b.test"}, EightBitMessage()), Opt());
  Step(s, "220 x\r\n");
  EXPECT_EQ(Step(s, "250 x\r\n"), "MAIL FROM:<s@a.test>\r\n");
  Step(s, "250 ok\r\n");
  Step(s, "250 ok\r\n");
  std::string data = Step(s, "354 go\r\n");
  EXPECT_NE(data.find("Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n.\r\n"),
            std::string::npos) << data;
  EXPECT_TRUE(s.outcome().downgraded);
}

TEST(SessionTest, EightBitBounceAndRawPolicies) {
  Transaction tx = Tx({"a@b.test"}, EightBitMessage());
  tx.eight_bit = EightBitPolicy::kBounce;
  Session b(tx, Opt());
  Step(b, "220 x\r\n");
  EXPECT_EQ(Step(b, "250 x\r\n"), "QUIT\r\n");
  EXPECT_EQ(b.outcome().rcpts[0].status, RcptStatus::kPermFail);
  EXPECT_EQ(b.outcome().rcpts[0].enhanced->ToString(), "5.6.3");
  tx.eight_bit = EightBitPolicy::kSendRaw;
  Session r(tx, Opt());
  Step(r, "220 x\r\n");
  Step(r, "250 x\r\n");
  Step(r, "250 ok\r\n");
  Step(r, "250 ok\r\n");
  EXPECT_NE(Step(r, "354 go\r\n").find("caf\xC3\xA9\r\n.\r\n"), std::string::npos);
}

TEST(SessionTest, EightBitHeaderCannotDowngrade) {
  Session s(Tx({"a@b.test"}, "Subject: caf\xC3\xA9\r\n\r\nx\r\n"), Opt());
  Step(s, "220 x\r\n");
  EXPECT_EQ(Step(s, "250 x\r\n"), "QUIT\r\n");
  EXPECT_EQ(s.outcome().rcpts[0].enhanced->ToString(), "5.6.3");
}

TEST(SessionTest, Utf8RecipientNeedsSmtputf8) {  // RFC 6531 3.4
  Session s(Tx({"j\xC3\xB6@b.test", "a@b.test"}), Opt());
  Step(s, "220 x\r\n");
  Step(s, "250 x\r\n");
  EXPECT_EQ(Step(s, "250 ok\r\n"), "RCPT TO:<a@b.test>\r\n");
  EXPECT_EQ(s.outcome().rcpts[0].status, RcptStatus::kPermFail);
  EXPECT_EQ(s.outcome().rcpts[0].enhanced->ToString(), "5.6.7");
  Session u(Tx({"j\xC3\xB6@b.test"}), Opt());
  Step(u, "220 x\r\n");
  EXPECT_EQ(Step(u, "250-x\r\n250 SMTPUTF8\r\n"), "MAIL FROM:<s@a.test> SMTPUTF8\r\n");
}

TEST(SessionTest, RecipientLimitSplitsTransactions) {  // RFC 5321 4.5.4.1
  SessionOptions o = Opt();
  o.max_rcpts = 2;
  Session s(Tx({"a@b.test", "c@b.test", "d@b.test"}), o);
  Step(s, "220 x\r\n");
  EXPECT_EQ(Step(s, "250-x\r\n250 PIPELINING\r\n"),
            "MAIL FROM:<s@a.test>\r\nRCPT TO:<a@b.test>\r\nRCPT TO:<c@b.test>\r\nDATA\r\n");
  Step(s, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
  EXPECT_EQ(Step(s, "250 ok\r\n"), "MAIL FROM:<s@a.test>\r\nRCPT TO:<d@b.test>\r\nDATA\r\n");
  Step(s, "250 ok\r\n250 ok\r\n354 go\r\n");
  EXPECT_EQ(Step(s, "250 ok\r\n"), "QUIT\r\n");
  for (const auto& r : s.outcome().rcpts) EXPECT_EQ(r.status, RcptStatus::kDelivered);
}

TEST(SessionTest, RsetAfterFailedTransaction) {
  SessionOptions o = Opt();
  o.max_rcpts = 1;
  Session s(Tx({"a@b.test", "c@b.test"}), o);
  Step(s, "220 x\r\n");
  Step(s, "250 x\r\n");
  Step(s, "250 ok\r\n");
  EXPECT_EQ(Step(s, "550 no\r\n"), "RSET\r\n");
  EXPECT_EQ(Step(s, "250 ok\r\n"), "MAIL FROM:<s@a.test>\r\n");
}

TEST(SessionTest, ConnectionLostAfterDotIsTemporary) {  // RFC 5321 3.8, I2-T3
  Session s(Tx({"a@b.test"}), Opt());
  Step(s, "220 x\r\n");
  Step(s, "250 x\r\n");
  Step(s, "250 ok\r\n");
  Step(s, "250 ok\r\n");
  Step(s, "354 go\r\n");
  s.ConnectionLost("eof");
  EXPECT_EQ(s.want(), Want::kDone);
  EXPECT_EQ(s.outcome().rcpts[0].status, RcptStatus::kTempFail);
  EXPECT_EQ(s.outcome().rcpts[0].stage, Stage::kEod);
  EXPECT_EQ(s.outcome().rcpts[0].code, 0);
  EXPECT_FALSE(s.outcome().try_next_mx);
}

TEST(SessionTest, ServerClosing421) {
  Session s(Tx({"a@b.test"}), Opt());
  Step(s, "220 x\r\n");
  Step(s, "250 x\r\n");
  EXPECT_EQ(Step(s, "421 4.3.2 shutting down\r\n"), "");
  EXPECT_EQ(s.want(), Want::kDone);
  EXPECT_EQ(s.outcome().rcpts[0].status, RcptStatus::kTempFail);
  EXPECT_EQ(s.outcome().rcpts[0].code, 421);
}

TEST(SessionTest, StartTlsDiscardsInjectedPlaintext) {  // RFC 3207 4.2, CVE-2011-0411
  SessionOptions o = Opt();
  o.starttls = StartTlsMode::kOpportunistic;
  Session s(Tx({"a@b.test"}), o);
  Step(s, "220 x\r\n");
  EXPECT_EQ(Step(s, "250-x\r\n250-PIPELINING\r\n250 STARTTLS\r\n"), "STARTTLS\r\n");
  EXPECT_EQ(Step(s, "220 go ahead\r\n250-injected\r\n250 PIPELINING\r\n"), "");
  EXPECT_EQ(s.want(), Want::kStartTls);
  s.Feed("250 more injected\r\n");
  s.TlsStarted();
  EXPECT_EQ(s.TakeOutput(), "EHLO me.test\r\n");
  // The plaintext keywords are forgotten: no PIPELINING now.
  EXPECT_EQ(Step(s, "250 x\r\n"), "MAIL FROM:<s@a.test>\r\n");
  EXPECT_TRUE(s.outcome().tls);
}

TEST(SessionTest, StartTlsRequiredButNotOffered) {
  SessionOptions o = Opt();
  o.starttls = StartTlsMode::kRequired;
  Session s(Tx({"a@b.test"}), o);
  Step(s, "220 x\r\n");
  EXPECT_EQ(Step(s, "250 x\r\n"), "QUIT\r\n");
  EXPECT_TRUE(s.outcome().try_next_mx);
  EXPECT_EQ(s.outcome().rcpts[0].enhanced->ToString(), "4.7.0");
}

TEST(SessionTest, BareLineEndsAndDotsOnTheWire) {  // RFC 5321 2.3.8, 4.5.2, B3-T2
  Session s(Tx({"a@b.test"}, "Subject: t\r\n\r\nhello\r.\rMAIL FROM:<x@y>\r\n.\n..x\n"), Opt());
  Step(s, "220 x\r\n");
  Step(s, "250 x\r\n");
  Step(s, "250 ok\r\n");
  Step(s, "250 ok\r\n");
  std::string data = Step(s, "354 go\r\n");
  EXPECT_TRUE(NoBareLineEnds(data));
  EXPECT_EQ(data, "Subject: t\r\n\r\nhello\r\n..\r\nMAIL FROM:<x@y>\r\n..\r\n...x\r\n.\r\n");
}

TEST(SessionTest, AddressWithLineEndNeverSent) {
  Session s(Tx({"a@b.test\r\nRSET", "ok@b.test"}), Opt());
  Step(s, "220 x\r\n");
  Step(s, "250 x\r\n");
  EXPECT_EQ(Step(s, "250 ok\r\n"), "RCPT TO:<ok@b.test>\r\n");
  EXPECT_EQ(s.outcome().rcpts[0].status, RcptStatus::kPermFail);
}

// The reply stream split anywhere gives the same writes and results.
RC_GTEST_PROP(SessionProperty, ChunkingDoesNotMatter, ()) {
  const std::string replies =
      "220 x\r\n250-x\r\n250-PIPELINING\r\n250 SIZE\r\n250 ok\r\n250 ok\r\n550 no\r\n"
      "354 go\r\n250 2.0.0 ok\r\n221 bye\r\n";
  auto run = [&](const std::vector<std::size_t>& cuts) {
    Session s(Tx({"a@b.test", "c@b.test"}), Opt());
    std::string out;
    std::size_t pos = 0;
    for (std::size_t c : cuts) {
      std::size_t end = std::min(replies.size(), pos + c);
      s.Feed(std::string_view(replies).substr(pos, end - pos));
      out += s.TakeOutput();
      pos = end;
    }
    s.Feed(std::string_view(replies).substr(pos));
    out += s.TakeOutput();
    return std::make_pair(out, s.outcome().rcpts[1].status);
  };
  auto cuts = *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, 12));
  auto whole = run({});
  auto split = run(cuts);
  RC_ASSERT(whole.first == split.first);
  RC_ASSERT(whole.second == split.second);
  RC_ASSERT(whole.second == RcptStatus::kPermFail);
}

// RFC 5321 2.3.8 / 4.5.2: whatever the stored message holds (bare CR, bare LF, lines of
// dots, a lone "." line), the DATA bytes have CRLF line ends only, every line starting with
// "." doubled, one terminating "<CRLF>.<CRLF>"; undoing the stuffing gives the message
// with each line end (CRLF, CR or LF) as CRLF.
RC_GTEST_PROP(SessionProperty, NoBareLineEndsWhateverTheMessage, ()) {
  static const std::vector<std::string> pieces = {"\r", "\n", "\r\n", ".", "..", "x", "MAIL FROM:<a@b>",
                                                  " ", "\r\n.\r\n", "\n.\n", "\r.\r"};
  auto parts = *rc::gen::container<std::vector<std::size_t>>(
      rc::gen::inRange<std::size_t>(0, pieces.size()));
  std::string body;
  for (std::size_t i : parts) body += pieces[i];
  Session s(Tx({"a@b.test"}, "Subject: p\r\n\r\n" + body), Opt());
  Step(s, "220 x\r\n");
  Step(s, "250 x\r\n");
  Step(s, "250 ok\r\n");
  Step(s, "250 ok\r\n");
  std::string data = Step(s, "354 go\r\n");
  RC_ASSERT(NoBareLineEnds(data));
  RC_ASSERT(data.size() >= 3);
  RC_ASSERT(data.substr(data.size() - 3) == ".\r\n");
  std::string head = data.substr(0, data.size() - 3);
  RC_ASSERT(head.empty() || head.substr(head.size() - 2) == "\r\n");
  // Unstuff line by line; no line of the content is a lone ".".
  std::string unstuffed;
  std::size_t pos = 0;
  while (pos < head.size()) {
    std::size_t eol = head.find("\r\n", pos);
    std::string line = head.substr(pos, eol - pos);
    RC_ASSERT(line != ".");
    if (!line.empty() && line[0] == '.') {
      RC_ASSERT(line.size() >= 2 && line[1] == '.');
      line.erase(0, 1);
    }
    unstuffed += line + "\n";
    pos = eol + 2;
  }
  std::string want;
  const std::string full = "Subject: p\r\n\r\n" + body;
  for (std::size_t i = 0; i < full.size(); ++i) {
    if (full[i] == '\r' && i + 1 < full.size() && full[i + 1] == '\n') ++i;
    want += (full[i] == '\r' || full[i] == '\n') ? '\n' : full[i];
  }
  if (!want.empty() && want.back() != '\n') want += '\n';
  RC_ASSERT(unstuffed == want);
}

}  // namespace
}  // namespace mta::client
