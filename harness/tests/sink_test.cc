// sink_test.cc: the capture sink - its SMTP state machine (Session) on bytes, the
// behaviour JSON, and CaptureSink on real loopback sockets: raw capture of bare LF,
// per-recipient replies, close after the dot, greetings, delays, concurrent clients and
// garbage input; how sessions end (QUIT, the 221 and clients that leave first).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "harness/sink/capture_sink.h"
#include "harness/sink/session.h"
#include "harness/sink/standard.h"
#include "harness/tests/sink_test_util.h"

namespace mta::sink {
namespace {

using harness_test::TestClient;
using nlohmann::json;

int64_t FixedClock() { return 1700000000000; }

std::string Bytes(const std::vector<Output>& outs) {
  std::string s;
  for (const Output& o : outs) s += o.bytes;
  return s;
}

bool Closes(const std::vector<Output>& outs) {
  for (const Output& o : outs)
    if (o.close) return true;
  return false;
}

TEST(SinkSession, FullTransactionRecordsEnvelopeRawAndDecodedData) {
  Behaviour b;
  Session s(b, "127.0.0.20:2526", "127.0.0.11", FixedClock);
  EXPECT_EQ(Bytes(s.Start()), "220 mx.sink.test ESMTP mtaspec capture sink\r\n");
  std::string ehlo = Bytes(s.Feed("EHLO client.test\r\n"));
  EXPECT_EQ(ehlo,
            "250-mx.sink.test greets client.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 52428800\r\n"
            "250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n");
  EXPECT_EQ(Bytes(s.Feed("MAIL FROM:<a@b.test> BODY=8BITMIME SIZE=10\r\n")), "250 2.1.0 sender ok\r\n");
  EXPECT_EQ(Bytes(s.Feed("RCPT TO:<r@sink.test> NOTIFY=NEVER\r\n")), "250 2.1.5 recipient ok\r\n");
  EXPECT_EQ(Bytes(s.Feed("DATA\r\n")), "354 go ahead, end with <CRLF>.<CRLF>\r\n");
  // RFC 5321 4.1.1.4: <LF>.<LF> is data; a bare LF stays in raw and decoded data.
  EXPECT_EQ(Bytes(s.Feed("Subject: x\r\n\r\nbare\nlf\n.\nstill data\r\n..stuffed\r\n")), "");
  EXPECT_TRUE(s.TakeCaptured().empty());
  EXPECT_EQ(Bytes(s.Feed(".\r\nQUIT\r\n")), "250 2.0.0 ok: message accepted\r\n221 2.0.0 mx.sink.test closing\r\n");
  EXPECT_TRUE(s.closed());
  std::vector<Captured> got = s.TakeCaptured();
  ASSERT_EQ(got.size(), 1u);
  const Captured& c = got[0];
  EXPECT_EQ(c.listen, "127.0.0.20:2526");
  EXPECT_EQ(c.peer_ip, "127.0.0.11");
  EXPECT_EQ(c.helo_verb, "EHLO");
  EXPECT_EQ(c.helo, "client.test");
  EXPECT_EQ(c.mail_from, "a@b.test");
  EXPECT_EQ(c.mail_params, "BODY=8BITMIME SIZE=10");
  ASSERT_EQ(c.rcpts.size(), 1u);
  EXPECT_EQ(c.rcpts[0].path, "r@sink.test");
  EXPECT_EQ(c.rcpts[0].params, "NOTIFY=NEVER");
  EXPECT_EQ(c.rcpts[0].code, 250);
  EXPECT_EQ(c.raw_data, "Subject: x\r\n\r\nbare\nlf\n.\nstill data\r\n..stuffed\r\n.\r\n");
  EXPECT_EQ(c.data, "Subject: x\r\n\r\nbare\nlf\n.\nstill data\r\n.stuffed\r\n");
  EXPECT_TRUE(c.data_complete);
  EXPECT_EQ(c.eod_code, 250);
  EXPECT_NE(std::find(c.anomalies.begin(), c.anomalies.end(), "bare-lf"), c.anomalies.end());
  EXPECT_NE(std::find(c.anomalies.begin(), c.anomalies.end(), "lf-dot-lf"), c.anomalies.end());
  EXPECT_EQ(c.received_unix_ms, FixedClock());
  EXPECT_NE(c.transcript.find("C: MAIL FROM:<a@b.test> BODY=8BITMIME SIZE=10\n"), std::string::npos);
  EXPECT_NE(c.transcript.find("S: 354 go ahead"), std::string::npos);
}

TEST(SinkSession, PipelinedCommandsAreAnsweredInOrder) {
  Behaviour b;
  Session s(b, "l", "p", FixedClock);
  s.Start();
  std::string r = Bytes(s.Feed("HELO x\r\nMAIL FROM:<>\r\nRCPT TO:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nhi\r\n.\r\n"));
  EXPECT_EQ(r,
            "250 mx.sink.test\r\n250 2.1.0 sender ok\r\n250 2.1.5 recipient ok\r\n250 2.1.5 recipient ok\r\n"
            "354 go ahead, end with <CRLF>.<CRLF>\r\n250 2.0.0 ok: message accepted\r\n");
  auto got = s.TakeCaptured();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].mail_from, "");
  EXPECT_EQ(got[0].helo_verb, "HELO");
  EXPECT_EQ(got[0].data, "hi\r\n");
}

TEST(SinkSession, SequenceErrorsAndUnknownCommands) {
  Behaviour b;
  Session s(b, "l", "p", FixedClock);
  s.Start();
  EXPECT_EQ(Bytes(s.Feed("RCPT TO:<a@b>\r\n")), "503 5.5.1 need MAIL before RCPT\r\n");
  EXPECT_EQ(Bytes(s.Feed("DATA\r\n")), "503 5.5.1 need MAIL before DATA\r\n");
  EXPECT_EQ(Bytes(s.Feed("MAIL TO:<x>\r\n")), "501 5.5.4 syntax: MAIL FROM:<address>\r\n");
  EXPECT_EQ(Bytes(s.Feed("FOO\r\n")), "500 5.5.1 command unrecognized\r\n");
  EXPECT_EQ(Bytes(s.Feed("STARTTLS\r\n")), "500 5.5.1 command unrecognized\r\n");
  EXPECT_EQ(Bytes(s.Feed("MAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\nDATA\r\n")),
            "250 2.1.0 sender ok\r\n503 5.5.1 nested MAIL command\r\n554 5.5.1 no valid recipients\r\n");
  EXPECT_EQ(Bytes(s.Feed("RSET\r\n")), "250 2.0.0 ok\r\n");
  auto got = s.TakeCaptured();
  ASSERT_EQ(got.size(), 1u);  // the transaction RSET ended, incomplete
  EXPECT_FALSE(got[0].data_complete);
}

TEST(SinkSession, GreetingsFollowRfc5321) {
  Behaviour b554 = FromJson(json::parse(R"({"greeting": "554 5.3.2 no service"})"));
  Session s(b554, "l", "p", FixedClock);
  EXPECT_EQ(Bytes(s.Start()), "554 5.3.2 no service\r\n");
  EXPECT_EQ(Bytes(s.Feed("EHLO x\r\n")), "503 5.5.1 no SMTP service here, QUIT only\r\n");
  auto q = s.Feed("QUIT\r\n");
  EXPECT_EQ(Bytes(q), "221 2.0.0 bye\r\n");
  EXPECT_TRUE(Closes(q));

  Behaviour b421 = FromJson(json::parse(R"({"greeting": {"code": 421, "text": "4.3.2 busy", "delay_ms": 5}})"));
  Session t(b421, "l", "p", FixedClock);
  auto g = t.Start();
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].bytes, "421 4.3.2 busy\r\n");
  EXPECT_EQ(g[0].delay_ms, 5);
  EXPECT_TRUE(g[0].close);
  EXPECT_TRUE(t.closed());
  EXPECT_TRUE(t.Feed("EHLO x\r\n").empty());
}

TEST(SinkSession, HeloOnlyPeerRefusesEhlo) {
  Behaviour b = FromJson(json::parse(R"({"esmtp": false, "hostname": "old.test"})"));
  Session s(b, "l", "p", FixedClock);
  s.Start();
  EXPECT_EQ(Bytes(s.Feed("EHLO x\r\n")), "500 command unrecognized\r\n");
  EXPECT_EQ(Bytes(s.Feed("HELO x\r\n")), "250 old.test\r\n");
  // No ENHANCEDSTATUSCODES without ESMTP (RFC 2034).
  EXPECT_EQ(Bytes(s.Feed("MAIL FROM:<a@b>\r\n")), "250 sender ok\r\n");
}

TEST(SinkSession, PerRecipientRepliesByAddressAndRegex) {
  Behaviour b = FromJson(json::parse(R"({
    "rcpt_replies": [{"address": "Bad@Sink.Test", "reply": "550 5.1.1 no such user"},
                     {"regex": "^temp-", "reply": {"code": 451, "text": "4.3.0 later\nreally"}}],
    "replies": {"rcpt": "251 2.1.5 forwarding", "mail": {"code": 250, "delay_ms": 30}}})"));
  Session s(b, "l", "p", FixedClock);
  s.Start();
  auto m = s.Feed("MAIL FROM:<a@b>\r\n");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].delay_ms, 30);
  EXPECT_EQ(Bytes(s.Feed("RCPT TO:<bad@sink.test>\r\nRCPT TO:<temp-1@x>\r\nRCPT TO:<ok@x>\r\n")),
            "550 5.1.1 no such user\r\n451-4.3.0 later\r\n451 really\r\n251 2.1.5 forwarding\r\n");
  s.Feed("QUIT\r\n");
  auto got = s.TakeCaptured();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].rcpts.size(), 3u);
  EXPECT_EQ(got[0].rcpts[0].code, 550);
  EXPECT_EQ(got[0].rcpts[1].code, 451);
  EXPECT_EQ(got[0].rcpts[2].code, 251);
  EXPECT_EQ(got[0].AcceptedRcpts(), std::vector<std::string>{"ok@x"});
}

TEST(SinkSession, CloseAfterTheDotWithoutAReply) {
  Behaviour b = FromJson(json::parse(R"({"close_after_dot": true})"));
  Session s(b, "l", "p", FixedClock);
  s.Start();
  Bytes(s.Feed("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"));
  auto out = s.Feed("hello\r\n.\r\nQUIT\r\n");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bytes, "");
  EXPECT_TRUE(out[0].close);
  auto got = s.TakeCaptured();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].data_complete);
  EXPECT_EQ(got[0].eod_code, 0);
  EXPECT_EQ(got[0].data, "hello\r\n");
}

TEST(SinkSession, LongLinesAndEofMidData) {
  Behaviour b;
  Session s(b, "l", "p", FixedClock);
  s.Start();
  EXPECT_EQ(Bytes(s.Feed(std::string(5000, 'A'))), "");
  EXPECT_EQ(Bytes(s.Feed(std::string(5000, 'A') + "\r\nNOOP\r\n")), "500 5.5.2 line too long\r\n250 2.0.0 ok\r\n");
  Bytes(s.Feed("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\npartial\r\n"));
  s.Eof();
  auto got = s.TakeCaptured();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].data_complete);
  EXPECT_EQ(got[0].raw_data, "partial\r\n");
  EXPECT_EQ(got[0].data, "partial\r\n");
}

TEST(SinkSession, BdatWhenChunkingIsAdvertised) {
  Behaviour b = FromJson(json::parse(R"({"chunking": true})"));
  Session s(b, "l", "p", FixedClock);
  s.Start();
  EXPECT_NE(Bytes(s.Feed("EHLO x\r\n")).find("250 CHUNKING\r\n"), std::string::npos);
  EXPECT_EQ(Bytes(s.Feed("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 5\r\nab\r\n.BDAT 3 LAST\r\nxyz")),
            "250 2.1.0 sender ok\r\n250 2.1.5 recipient ok\r\n250 2.0.0 5 octets received\r\n"
            "250 2.0.0 ok: message accepted\r\n");
  auto got = s.TakeCaptured();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].bdat);
  EXPECT_EQ(got[0].data, "ab\r\n.xyz");
  EXPECT_TRUE(got[0].data_complete);
}

TEST(SinkBehaviour, JsonErrorsNameTheField) {
  EXPECT_THROW(FromJson(json::parse(R"({"bogus": 1})")), std::invalid_argument);
  EXPECT_THROW(FromJson(json::parse(R"({"greeting": "250 hi"})")), std::invalid_argument);
  EXPECT_THROW(FromJson(json::parse(R"({"replies": {"fly": "250 x"}})")), std::invalid_argument);
  EXPECT_THROW(FromJson(json::parse(R"({"rcpt_replies": [{"regex": "(", "reply": "550 x"}]})")),
               std::invalid_argument);
  EXPECT_THROW(FromJson(json::parse(R"({"replies": {"rcpt": "55x no"}})")), std::invalid_argument);
  try {
    FromJson(json::parse(R"({"delays": {"rcpt": -1}})"));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("delays.rcpt"), std::string::npos);
  }
  Behaviour b = FromJson(json::parse(R"({"ehlo_keywords": ["SIZE 10"], "replies": {"eod": {"silent": true, "close": true}}})"));
  EXPECT_TRUE(b.Advertises("size"));
  EXPECT_FALSE(b.Advertises("DSN"));
  EXPECT_TRUE(b.replies.at("eod").silent);
  EXPECT_EQ(FromJson(ToJson(b)).ehlo_keywords, b.ehlo_keywords);
}

TEST(SinkStandard, ListenersAndRoutes) {
  auto l = StandardListeners(0);
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[1].ip, "127.0.0.21");
  EXPECT_FALSE(l[1].behaviour.Advertises("DSN"));
  EXPECT_FALSE(l[1].behaviour.Advertises("8BITMIME"));
  EXPECT_TRUE(l[1].behaviour.Advertises("PIPELINING"));
  EXPECT_EQ(l[2].behaviour.replies.at("rcpt").code, 550);
  EXPECT_EQ(l[3].behaviour.replies.at("rcpt").code, 451);
  EXPECT_EQ(StandardRoutes().at("sinkfail.test").ip, "127.0.0.22");
  EXPECT_EQ(StandardRoutes().at("sink.test").port, 2526);
  EXPECT_EQ(StandardVariables().at("sinktemp_domain"), "sinktemp.test");
}

// Arbitrary client bytes, in arbitrary pieces: never a crash, replies stay well formed.
RC_GTEST_PROP(SinkSessionProperty, AnyBytesGiveWellFormedReplies, ()) {
  Behaviour b;
  b.max_line = 600;
  b.max_message = 2048;
  if (*rc::gen::arbitrary<bool>()) b.ehlo_keywords.push_back("CHUNKING");
  Session s(b, "l", "p", FixedClock);
  s.Start();
  const auto pieces = *rc::gen::container<std::vector<std::string>>(rc::gen::oneOf(
      rc::gen::arbitrary<std::string>(),
      rc::gen::element<std::string>("EHLO x\r\n", "MAIL FROM:<a@b>\r\n", "RCPT TO:<c@d>\r\n", "DATA\r\n",
                                    ".\r\n", "\r\n.\r\n", "BDAT 3\r\n", "BDAT 2 LAST\r\n", "RSET\r\n",
                                    "\n.\n", "QUIT\r\n")));
  std::size_t mails = 0;
  for (const std::string& p : pieces) {
    for (std::size_t i = 0; i + 4 < p.size(); ++i)
      if (p.compare(i, 5, "MAIL ") == 0) ++mails;
    std::string out = Bytes(s.Feed(p));
    // Every line: three digits, then "-", " " or the line end.
    std::size_t start = 0;
    while (start < out.size()) {
      std::size_t e = out.find("\r\n", start);
      RC_ASSERT(e != std::string::npos);
      RC_ASSERT(e - start >= 3);
      for (int k = 0; k < 3; ++k) RC_ASSERT(std::isdigit(static_cast<unsigned char>(out[start + k])) != 0);
      start = e + 2;
    }
  }
  s.Eof();
  for (const Captured& c : s.TakeCaptured()) {
    RC_ASSERT(c.raw_data.size() <= b.max_message);
    RC_ASSERT(c.data.size() <= b.max_message);
  }
  RC_ASSERT(s.closed());
  (void)mails;
}

// --- real sockets -------------------------------------------------------------------------

struct Running {
  explicit Running(std::vector<CaptureSink::Listener> l) : sink(std::move(l)) { sink.Start(); }
  int port(std::size_t i = 0) const { return sink.listeners()[i].port; }
  CaptureSink sink;
};

std::string Transaction(TestClient& c, const std::string& from, const std::string& to,
                        const std::string& data) {
  std::string log;
  log += c.Reply();
  c.Send("EHLO client.test\r\n");
  log += c.Reply();
  c.Send("MAIL FROM:<" + from + ">\r\n");
  log += c.Reply();
  c.Send("RCPT TO:<" + to + ">\r\n");
  log += c.Reply();
  c.Send("DATA\r\n");
  log += c.Reply();
  c.Send(data);
  log += c.Reply();
  return log;
}

TEST(CaptureSink, CapturesRawBareLfFromTheRightPeer) {
  Running r({{"127.0.0.20", 0, Behaviour{}}});
  TestClient c;
  ASSERT_TRUE(c.Connect("127.0.0.2", "127.0.0.20", r.port()));
  std::string log = Transaction(c, "s@x.test", "r@sink.test", "Subject: t\r\n\r\nline\nsmuggled\n.\nMAIL\r\n.\r\n");
  EXPECT_NE(log.find("250 2.0.0 ok: message accepted"), std::string::npos) << log;
  auto got = r.sink.WaitFor([](const Captured& m) { return m.data_complete; }, 1, 5000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].peer_ip, "127.0.0.2");
  EXPECT_EQ(got[0].listen, "127.0.0.20:" + std::to_string(r.port()));
  EXPECT_EQ(got[0].raw_data, "Subject: t\r\n\r\nline\nsmuggled\n.\nMAIL\r\n.\r\n");
  EXPECT_EQ(got[0].data, "Subject: t\r\n\r\nline\nsmuggled\n.\nMAIL\r\n");
  EXPECT_GT(got[0].received_unix_ms, 1600000000000);
}

TEST(CaptureSink, PerListenerBehaviourAndRecipientReplies) {
  auto std_l = StandardListeners(0);
  Running r({std_l[0], std_l[2]});
  TestClient ok, fail;
  ASSERT_TRUE(ok.Connect("127.0.0.2", "127.0.0.20", r.port(0)));
  ASSERT_TRUE(fail.Connect("127.0.0.2", "127.0.0.22", r.port(1)));
  EXPECT_NE(fail.Reply().find("mx.sinkfail.test"), std::string::npos);
  fail.Send("EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x@sinkfail.test>\r\nDATA\r\nQUIT\r\n");
  EXPECT_EQ(fail.Reply().substr(0, 4), "250-");
  EXPECT_EQ(fail.Reply(), "250 2.1.0 sender ok\r\n");
  EXPECT_EQ(fail.Reply(), "550 5.1.1 no such user here\r\n");
  EXPECT_EQ(fail.Reply(), "554 5.5.1 no valid recipients\r\n");
  EXPECT_EQ(fail.Reply(), "221 2.0.0 mx.sinkfail.test closing\r\n");
  EXPECT_TRUE(fail.WaitClosed());
  Transaction(ok, "a@b", "y@sink.test", "x\r\n.\r\n");
  auto all = r.sink.WaitFor([](const Captured&) { return true; }, 2, 5000);
  ASSERT_EQ(all.size(), 2u);
  int failed = 0;
  for (const Captured& m : all)
    if (m.listen.rfind("127.0.0.22:", 0) == 0) {
      ++failed;
      EXPECT_FALSE(m.data_complete);
      ASSERT_EQ(m.rcpts.size(), 1u);
      EXPECT_EQ(m.rcpts[0].code, 550);
    }
  EXPECT_EQ(failed, 1);
}

TEST(CaptureSink, CloseAfterDotAndDelays) {
  Behaviour b = FromJson(json::parse(R"({"close_after_dot": true, "delays": {"rcpt": 300}})"));
  Running r({{"127.0.0.21", 0, b}});
  TestClient c;
  ASSERT_TRUE(c.Connect("127.0.0.2", "127.0.0.21", r.port()));
  c.Reply();
  c.Send("HELO c\r\nMAIL FROM:<a@b>\r\n");
  c.Reply();
  c.Reply();
  auto t0 = std::chrono::steady_clock::now();
  c.Send("RCPT TO:<c@d>\r\n");
  EXPECT_EQ(c.Reply(), "250 2.1.5 recipient ok\r\n");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(280));
  c.Send("DATA\r\n");
  c.Reply();
  c.Send("body\r\n.\r\n");
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_EQ(c.pending(), "");  // no reply after the dot
  auto got = r.sink.WaitFor([](const Captured& m) { return m.data_complete; }, 1, 5000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].eod_code, 0);
}

TEST(CaptureSink, ManyClientsAtOnce) {
  Running r({{"127.0.0.20", 0, Behaviour{}}, {"127.0.0.23", 0, Behaviour{}}});
  constexpr int kClients = 12;
  std::atomic<int> ok{0};
  std::vector<std::thread> th;
  for (int i = 0; i < kClients; ++i)
    th.emplace_back([&, i]() {
      TestClient c;
      if (!c.Connect("127.0.0.2", i % 2 ? "127.0.0.23" : "127.0.0.20", r.port(i % 2))) return;
      std::string log = Transaction(c, "s" + std::to_string(i) + "@x", "r@y",
                                    "Subject: " + std::to_string(i) + "\r\n\r\n" + std::string(20000, 'x') + "\r\n.\r\n");
      if (log.find("250 2.0.0 ok") != std::string::npos) ++ok;
    });
  for (auto& t : th) t.join();
  EXPECT_EQ(ok.load(), kClients);
  auto got = r.sink.WaitFor([](const Captured& m) { return m.data_complete; }, kClients, 5000);
  EXPECT_EQ(got.size(), static_cast<std::size_t>(kClients));
  std::set<std::string> senders;
  for (const Captured& m : got) senders.insert(m.mail_from);
  EXPECT_EQ(senders.size(), static_cast<std::size_t>(kClients));
}

TEST(CaptureSink, SurvivesGarbageAndStopsCleanly) {
  Behaviour b;
  b.max_line = 1024;
  Running r({{"127.0.0.20", 0, b}});
  {
    TestClient g;
    ASSERT_TRUE(g.Connect("127.0.0.2", "127.0.0.20", r.port()));
    std::string junk;
    for (int i = 0; i < 200000; ++i) junk += static_cast<char>((i * 7919) & 0xff);
    g.Send(junk);
    g.Send(std::string(100000, 'Z'));
  }
  {
    TestClient half;  // left open mid-DATA: recorded as incomplete on Stop
    ASSERT_TRUE(half.Connect("127.0.0.2", "127.0.0.20", r.port()));
    half.Reply();
    half.Send("HELO h\r\nMAIL FROM:<h@x>\r\nRCPT TO:<r@y>\r\nDATA\r\n");
    for (int i = 0; i < 4; ++i) half.Reply();
    half.Send("unfinished\r\n");
    TestClient c;
    ASSERT_TRUE(c.Connect("127.0.0.2", "127.0.0.20", r.port()));
    std::string log = Transaction(c, "a@b", "c@d", "fine\r\n.\r\n");
    EXPECT_NE(log.find("250 2.0.0 ok"), std::string::npos) << log;
    r.sink.Stop();
  }
  auto all = r.sink.Messages();
  bool incomplete = false;
  for (const Captured& m : all)
    if (m.mail_from == "h@x") {
      incomplete = !m.data_complete;
      EXPECT_EQ(m.raw_data, "unfinished\r\n");
    }
  EXPECT_TRUE(incomplete);
}

TEST(CaptureSink, BindFailureIsReported) {
  Running a({{"127.0.0.20", 0, Behaviour{}}});
  CaptureSink b({{"127.0.0.20", a.port(), Behaviour{}}});
  try {
    b.Start();
    FAIL() << "second bind succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bind 127.0.0.20:"), std::string::npos) << e.what();
  }
}

// --- the end of the session: QUIT and the 221 (RFC 5321 4.1.1.10) ------------------------

TEST(SinkSession, QuitIsNotedInTheSharedSessionEnd) {
  Behaviour b;
  Session s(b, "127.0.0.20:2526", "127.0.0.11", FixedClock);
  s.Start();
  s.Feed("EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<r@sink.test> NOTIFY=SUCCESS ORCPT=rfc822;r@sink.test\r\nDATA\r\n");
  s.Feed("x\r\n.\r\n");
  std::vector<Captured> got = s.TakeCaptured();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].session);
  EXPECT_EQ(got[0].rcpts[0].params, "NOTIFY=SUCCESS ORCPT=rfc822;r@sink.test");
  EXPECT_FALSE(got[0].End().quit);
  EXPECT_FALSE(got[0].End().closed);
  EXPECT_EQ(CapturedToJson(got[0])["quit"], "none");
  std::vector<Output> out = s.Feed("QUIT\r\n");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].quit_reply);
  EXPECT_TRUE(out[0].close);
  EXPECT_EQ(out[0].bytes, "221 2.0.0 mx.sink.test closing\r\n");
  // The record taken before QUIT sees it: one SessionEnd per connection.
  EXPECT_TRUE(got[0].End().quit);
  EXPECT_FALSE(got[0].End().closed);
  s.QuitReplyDone(true, false);
  s.Ended();
  const SessionEnd e = got[0].End();
  EXPECT_TRUE(e.closed);
  EXPECT_TRUE(e.quit_reply_sent);
  EXPECT_FALSE(e.closed_before_quit_reply);
  EXPECT_EQ(e.closed_unix_ms, FixedClock());
  json j = CapturedToJson(got[0]);
  EXPECT_EQ(j["quit"], "sent");
  EXPECT_EQ(j["quit_reply_sent"], true);
  EXPECT_EQ(j["closed_before_quit_reply"], false);
  EXPECT_EQ(j["session_closed"], true);
  EXPECT_EQ(j["session_closed_unix_ms"], FixedClock());
}

TEST(SinkSession, QuitReplyCarriesTheListenerDelayAndEofWithoutQuitIsNoted) {
  Behaviour b;
  b.delays["quit"] = 1234;
  Session s(b, "l", "p", FixedClock);
  s.Start();
  s.Feed("HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<r@x>\r\n");
  std::vector<Output> out = s.Feed("QUIT\r\n");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].delay_ms, 1234);
  EXPECT_TRUE(out[0].quit_reply);

  Session t(b, "l", "p", FixedClock);
  t.Start();
  t.Feed("HELO c\r\nMAIL FROM:<a@b>\r\n");
  t.Ended();  // the client went away without QUIT
  std::vector<Captured> got = t.TakeCaptured();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].End().quit);
  EXPECT_TRUE(got[0].End().closed);
  EXPECT_EQ(CapturedToJson(got[0])["quit"], "none");
}

TEST(SinkSession, QuitAfterA554GreetingIsNotedToo) {
  Behaviour b;
  b.greeting = Reply{554, "5.3.2 no service", 0, false, false};
  Session s(b, "l", "p", FixedClock);
  s.Start();
  std::vector<Output> out = s.Feed("QUIT\r\n");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].quit_reply);
  EXPECT_TRUE(s.session_end()->Get().quit);
}

// A listener that answers QUIT 1.5 s late, on addresses the run's sinks do not use.
constexpr int kSlowQuitMs = 1500;

SessionEnd WaitSessionEnd(const CaptureSink& sink, const std::string& from) {
  auto got = sink.WaitFor([&](const Captured& m) { return m.mail_from == from; }, 1, 5000);
  if (got.empty()) return {};
  for (int i = 0; i < 500 && !got[0].End().closed; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return got[0].End();
}

// A plain TCP connection (for shutdown(2) and byte-exact writes); -1 on failure.
int RawConnect(const char* ip, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip, &dst.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(CaptureSink, ClientThatWaitsForThe221) {
  Behaviour b;
  b.delays["quit"] = kSlowQuitMs;
  Running r({{"127.0.0.30", 0, b}});
  TestClient c;
  ASSERT_TRUE(c.Connect("127.0.0.31", "127.0.0.30", r.port()));
  Transaction(c, "waits@x.test", "r@sink.test", "x\r\n.\r\n");
  auto start = std::chrono::steady_clock::now();
  c.Send("QUIT\r\n");
  EXPECT_EQ(c.Reply(), "221 2.0.0 mx.sink.test closing\r\n");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(kSlowQuitMs - 100));
  EXPECT_TRUE(c.WaitClosed());
  SessionEnd e = WaitSessionEnd(r.sink, "waits@x.test");
  EXPECT_TRUE(e.closed);
  EXPECT_TRUE(e.quit);
  EXPECT_TRUE(e.quit_reply_sent);
  EXPECT_FALSE(e.closed_before_quit_reply);
}

TEST(CaptureSink, ClientThatClosesBeforeThe221) {
  Behaviour b;
  b.delays["quit"] = kSlowQuitMs;
  Running r({{"127.0.0.30", 0, b}});
  auto start = std::chrono::steady_clock::now();
  {
    TestClient c;
    ASSERT_TRUE(c.Connect("127.0.0.31", "127.0.0.30", r.port()));
    Transaction(c, "early@x.test", "r@sink.test", "x\r\n.\r\n");
    c.Send("QUIT\r\n");  // and close at once, as qmail-remote does
  }
  SessionEnd e = WaitSessionEnd(r.sink, "early@x.test");
  EXPECT_TRUE(e.closed);
  EXPECT_TRUE(e.quit);
  EXPECT_TRUE(e.closed_before_quit_reply);
  // The sink stops waiting once the client is gone.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(kSlowQuitMs));
}

TEST(CaptureSink, ClientThatShutsDownItsSideAfterQuitClosedEarly) {
  Behaviour b;
  b.delays["quit"] = kSlowQuitMs;
  Running r({{"127.0.0.30", 0, b}});
  int fd = RawConnect("127.0.0.30", r.port());
  ASSERT_GE(fd, 0);
  const std::string cmds = "HELO c\r\nMAIL FROM:<half@x.test>\r\nRCPT TO:<r@sink.test>\r\nQUIT\r\n";
  ASSERT_EQ(::send(fd, cmds.data(), cmds.size(), MSG_NOSIGNAL), static_cast<ssize_t>(cmds.size()));
  ::shutdown(fd, SHUT_WR);  // Exim's way: QUIT, then shutdown(SHUT_WR)
  SessionEnd e = WaitSessionEnd(r.sink, "half@x.test");
  EXPECT_TRUE(e.quit);
  EXPECT_TRUE(e.closed_before_quit_reply);
  // The 221 still went out: a half-closed client can read it.
  std::string got;
  char buf[512];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  EXPECT_NE(got.find("221 2.0.0"), std::string::npos) << got;
  EXPECT_TRUE(e.quit_reply_sent);
}

TEST(CaptureSink, ClientThatClosesWithoutQuit) {
  Behaviour b;
  b.delays["quit"] = kSlowQuitMs;
  Running r({{"127.0.0.30", 0, b}});
  {
    TestClient c;
    ASSERT_TRUE(c.Connect("127.0.0.31", "127.0.0.30", r.port()));
    Transaction(c, "noquit@x.test", "r@sink.test", "x\r\n.\r\n");
  }
  SessionEnd e = WaitSessionEnd(r.sink, "noquit@x.test");
  EXPECT_TRUE(e.closed);
  EXPECT_FALSE(e.quit);
  EXPECT_FALSE(e.quit_reply_sent);
  EXPECT_FALSE(e.closed_before_quit_reply);
  EXPECT_GT(e.closed_unix_ms, 1600000000000);
}

TEST(CaptureSink, ClientThatWaitsForALateEndOfDataReply) {
  Behaviour b;
  b.delays["eod"] = kSlowQuitMs;
  Running r({{"127.0.0.30", 0, b}});
  TestClient c;
  ASSERT_TRUE(c.Connect("127.0.0.31", "127.0.0.30", r.port()));
  auto start = std::chrono::steady_clock::now();
  std::string log = Transaction(c, "eodwait@x.test", "r@sink.test", "x\r\n.\r\n");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(kSlowQuitMs - 100));
  EXPECT_NE(log.find("250 2.0.0 ok: message accepted"), std::string::npos) << log;
  c.Send("QUIT\r\n");
  c.Reply();
  SessionEnd e = WaitSessionEnd(r.sink, "eodwait@x.test");
  EXPECT_TRUE(e.eod_reply_done);
  EXPECT_FALSE(e.closed_before_eod_reply);
  EXPECT_GT(e.eod_reply_unix_ms, 1600000000000);
}

TEST(CaptureSink, ClientThatLeavesBeforeALateEndOfDataReply) {
  Behaviour b;
  b.delays["eod"] = kSlowQuitMs;
  Running r({{"127.0.0.30", 0, b}});
  auto start = std::chrono::steady_clock::now();
  {
    TestClient c;
    ASSERT_TRUE(c.Connect("127.0.0.31", "127.0.0.30", r.port()));
    c.Reply();
    for (const char* cmd : {"EHLO client.test\r\n", "MAIL FROM:<eodgone@x.test>\r\n", "RCPT TO:<r@sink.test>\r\n",
                            "DATA\r\n"}) {
      c.Send(cmd);
      c.Reply();
    }
    c.Send("x\r\n.\r\n");  // and gone at once: a client timeout shorter than the delay
  }
  SessionEnd e = WaitSessionEnd(r.sink, "eodgone@x.test");
  EXPECT_TRUE(e.eod_reply_done);
  EXPECT_TRUE(e.closed_before_eod_reply);
  EXPECT_FALSE(e.quit);
  // The reply still waits its delay: a client that only shut down its side may be reading.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(kSlowQuitMs - 100));
}

TEST(CaptureSink, ClientThatPipelinesQuitAndShutsDownStillWaitsForTheEodReply) {
  // Exim's way: the final dot and QUIT in one write, shutdown(SHUT_WR), then it reads the
  // replies: it was there for the late reply to the dot.
  Behaviour b;
  b.delays["eod"] = kSlowQuitMs;
  Running r({{"127.0.0.30", 0, b}});
  int fd = RawConnect("127.0.0.30", r.port());
  ASSERT_GE(fd, 0);
  const std::string cmds = "HELO c\r\nMAIL FROM:<eodhalf@x.test>\r\nRCPT TO:<r@sink.test>\r\nDATA\r\n";
  ASSERT_EQ(::send(fd, cmds.data(), cmds.size(), MSG_NOSIGNAL), static_cast<ssize_t>(cmds.size()));
  std::string got;
  char buf[512];
  while (got.find("354") == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<std::size_t>(n));
  }
  const std::string tail = "x\r\n.\r\nQUIT\r\n";
  ASSERT_EQ(::send(fd, tail.data(), tail.size(), MSG_NOSIGNAL), static_cast<ssize_t>(tail.size()));
  ::shutdown(fd, SHUT_WR);
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  EXPECT_NE(got.find("250 2.0.0 ok: message accepted"), std::string::npos) << got;
  SessionEnd e = WaitSessionEnd(r.sink, "eodhalf@x.test");
  EXPECT_TRUE(e.eod_reply_done);
  EXPECT_FALSE(e.closed_before_eod_reply);
}

TEST(SinkStandard, MxListenersForClientTimeouts) {
  // RFC 5321 4.5.3.2: just inside the minimum client timeouts (disputed point I2).
  std::map<std::string, Behaviour> by_ip;
  for (const CaptureSink::Listener& l : MxListeners(0, false)) by_ip[l.ip] = l.behaviour;
  ASSERT_TRUE(by_ip.count("127.0.0.32") && by_ip.count("127.0.0.33") && by_ip.count("127.0.0.34"));
  EXPECT_EQ(by_ip["127.0.0.32"].delays.at("greeting"), kSlowGreetingMs);
  EXPECT_LT(kSlowGreetingMs, 300'000);
  EXPECT_EQ(by_ip["127.0.0.33"].delays.at("eod"), kSlowEodReplyMs);
  EXPECT_LT(kSlowEodReplyMs, 600'000);
  EXPECT_TRUE(by_ip["127.0.0.34"].close_after_dot);
  EXPECT_FALSE(by_ip["127.0.0.20"].close_after_dot);
}

TEST(SinkStandard, Sink7AnswersQuitLate) {
  auto l = StandardListeners(0);
  ASSERT_GE(l.size(), 2u);
  EXPECT_EQ(l[1].behaviour.delays.at("quit"), kQuitDelayMs);
  EXPECT_EQ(l[0].behaviour.delays.count("quit"), 0u);
}

}  // namespace
}  // namespace mta::sink
