// sending_test.cc: the sending side against a scripted SMTP peer: options per setting
// value (smtp_client_greeting, eight_bit_relay, tls_client, recipients_per_transaction),
// next-address handling (RFC 5321 5.1), the 'T'/'U' records, the refmta-remote process over
// a socketpair, and notifications per bounce setting (bounce_format, double_bounce,
// bounce_size_limit, bounce_auto_submitted; RFC 3461 5.2.2 relayed).
#include <gtest/gtest.h>
#include <algorithm>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mta/client/testing/script_server.h"
#include "mta/config/config_file.h"
#include "mta/io/record.h"
#include "mta/server/remote.h"
#include "mta/server/sending.h"

namespace mta::server {
namespace {

using client::testing::Received;
using client::testing::Script;
using client::testing::ScriptServer;

config::Settings Strict() {
  config::Settings s;
  s.hostname = "mx.local.test";
  s.local_domains = {"local.test"};
  return s;
}
config::Settings Qmail() {
  config::Settings s = Strict();
  config::ApplyProfile(config::Profile::kQmail, &s);
  return s;
}

RemoteJob Job(std::vector<std::string> rcpts, std::string notify = "") {
  RemoteJob j;
  j.req = 7;
  j.sender = "s@local.test";
  for (auto& r : rcpts) j.rcpts.push_back({r, notify, ""});
  return j;
}

const char kMsg[] = "From: s@local.test\r\nSubject: t\r\n\r\nhello\r\n";
const char k8Bit[] =
    "From: s@local.test\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xc3\xa9\r\n";

std::vector<Hop> To(const ScriptServer& srv) { return {{"peer.test", "127.0.0.1", srv.port()}}; }

TEST(SendingRecords, RoundTripAndRejectMalformed) {
  RemoteJob j = Job({"a@x.test", "b@x.test"}, "SUCCESS,FAILURE");
  j.ret = "HDRS";
  j.envid = "e1";
  RemoteJob back;
  ASSERT_TRUE(DecodeRemoteJob(EncodeRemoteJob(j), &back));
  EXPECT_EQ(back, j);
  std::vector<RemoteRcptResult> r = {{"ok", 250, "2.0.0", "peer.test", "queued", true},
                                     {"perm", 550, "5.1.1", "peer.test", "no\r\nsuch", false}};
  std::uint64_t req;
  std::vector<RemoteRcptResult> rb;
  ASSERT_TRUE(DecodeRemoteResult(EncodeRemoteResult(9, r), &req, &rb));
  EXPECT_EQ(req, 9u);
  EXPECT_EQ(rb, r);
  EXPECT_FALSE(DecodeRemoteJob(io::EncodeRecord(kRecRemoteJob, {"1", "", "", "", "2", "a", "", ""}), &back));
  EXPECT_FALSE(DecodeRemoteResult(io::EncodeRecord(kRecRemoteResult, {"1", "1", "maybe", "250", "", "", "", "0"}), &req, &rb));
  EXPECT_FALSE(DecodeRemoteResult("garbage", &req, &rb));
  EXPECT_EQ(ToSchedulerResult(3, r[1]).diagnostic, "550 no\r\nsuch");
  EXPECT_EQ(ToSchedulerResult(3, r[1]).result, sched::AttemptResult::kPermFailure);
}

TEST(SendingOptions, StrictAndQmailValues) {
  config::Settings s = Strict();
  EXPECT_FALSE(ClientOptionsFor(s).helo_only);
  EXPECT_EQ(ClientOptionsFor(s).starttls, client::StartTlsMode::kOpportunistic);
  EXPECT_EQ(ClientOptionsFor(s).max_rcpts, 100u);
  EXPECT_EQ(EightBitPolicyFor(s), client::EightBitPolicy::kDowngrade);
  sched::SchedulerOptions so = SchedulerOptionsFor(s);
  EXPECT_EQ(so.remote.kind, sched::RetryPolicy::Kind::kTable);
  EXPECT_EQ(so.remote.intervals, (std::vector<std::int64_t>{1800, 3600, 7200, 10800}));
  EXPECT_EQ(so.remote.max_lifetime, 432000);
  EXPECT_EQ(so.max_remote, 100u);
  EXPECT_EQ(so.max_per_destination, 20u);
  bounce::BounceOptions bo = BounceOptionsFor(s);
  EXPECT_EQ(bo.format, bounce::Format::kRfc3464);
  EXPECT_EQ(bo.double_bounce, bounce::DoubleBounce::kPostmaster);
  EXPECT_EQ(bo.max_returned_bytes, 100000u);
  EXPECT_TRUE(bo.delay_warnings);
  EXPECT_EQ(bo.delay_warning_after, 14400);
  EXPECT_TRUE(bo.auto_submitted);
  config::Settings q = Qmail();
  EXPECT_TRUE(ClientOptionsFor(q).helo_only);
  EXPECT_EQ(ClientOptionsFor(q).starttls, client::StartTlsMode::kOff);
  EXPECT_EQ(ClientOptionsFor(q).max_rcpts, 1u);
  EXPECT_EQ(EightBitPolicyFor(q), client::EightBitPolicy::kSendRaw);
  so = SchedulerOptionsFor(q);
  EXPECT_EQ(so.remote.kind, sched::RetryPolicy::Kind::kQmailSquare);
  EXPECT_EQ(so.remote.max_lifetime, 604800);
  EXPECT_EQ(so.max_remote, 20u);
  EXPECT_EQ(so.max_recipients_per_transaction, 1u);
  bo = BounceOptionsFor(q);
  EXPECT_EQ(bo.format, bounce::Format::kQsbmf);
  EXPECT_EQ(bo.double_bounce, bounce::DoubleBounce::kQmailSender);
  EXPECT_EQ(bo.max_returned_bytes, 0u);
  EXPECT_FALSE(bo.delay_warnings);
  EXPECT_FALSE(bo.auto_submitted);
  s.tls_client = config::TlsClient::kOff;
  EXPECT_EQ(ClientOptionsFor(s).starttls, client::StartTlsMode::kOff);
  s.tls_client = config::TlsClient::kRequired;
  EXPECT_EQ(ClientOptionsFor(s).starttls, client::StartTlsMode::kRequired);
  s.eight_bit_relay = config::EightBitRelay::kBounce;
  EXPECT_EQ(EightBitPolicyFor(s), client::EightBitPolicy::kBounce);
  s.double_bounce = config::DoubleBouncePolicy::kDiscard;
  EXPECT_EQ(BounceOptionsFor(s).double_bounce, bounce::DoubleBounce::kDiscard);
  s.retry_intervals = "1m, 2m";
  EXPECT_EQ(SchedulerOptionsFor(s).remote.intervals, (std::vector<std::int64_t>{60, 120}));
}

TEST(RemoteDelivery, DeliveredWithEhloAndOneTransaction) {
  Script sc;
  sc.keywords = {"PIPELINING", "8BITMIME", "DSN"};
  ScriptServer srv(sc);
  auto r = DeliverRemote(Job({"a@x.test", "b@x.test"}), kMsg, To(srv), Strict());
  Received got = srv.Wait();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, "ok");
  EXPECT_EQ(r[1].status, "ok");
  EXPECT_EQ(r[0].remote_mta, "peer.test");
  EXPECT_EQ(got.commands[0], "EHLO mx.local.test");
  EXPECT_EQ(got.messages.size(), 1u);  // one copy for both (RFC 5321 4.5.4.1)
}

TEST(RemoteDelivery, QmailProfileHeloAndOneRecipientPerTransaction) {
  Script sc;
  ScriptServer srv(sc);
  auto r = DeliverRemote(Job({"a@x.test", "b@x.test"}), kMsg, To(srv), Qmail());
  Received got = srv.Wait();
  EXPECT_EQ(got.commands[0], "HELO mx.local.test");
  EXPECT_EQ(got.messages.size(), 2u);  // recipients_per_transaction = 1
  EXPECT_EQ(r[0].status, "ok");
  EXPECT_EQ(r[1].status, "ok");
}

TEST(RemoteDelivery, PermAndTempPerRecipient) {
  Script sc;
  sc.rcpt_replies["bad@x.test"] = "550 5.1.1 no such user\r\n";
  sc.rcpt_replies["later@x.test"] = "451 4.3.0 try later\r\n";
  ScriptServer srv(sc);
  auto r = DeliverRemote(Job({"ok@x.test", "bad@x.test", "later@x.test"}), kMsg, To(srv), Strict());
  srv.Wait();
  EXPECT_EQ(r[0].status, "ok");
  EXPECT_EQ(r[1].status, "perm");
  EXPECT_EQ(r[1].code, 550);
  EXPECT_EQ(r[1].enhanced, "5.1.1");
  EXPECT_EQ(r[2].status, "temp");
  EXPECT_EQ(r[2].code, 451);
}

TEST(RemoteDelivery, NextAddressAfterRefusedGreeting) {
  Script bad;
  bad.greeting = "554 5.7.1 go away\r\n";
  ScriptServer first(bad);
  ScriptServer second(Script{});
  std::vector<Hop> hops = {{"mx1.test", "127.0.0.1", first.port()},
                           {"mx2.test", "127.0.0.1", second.port()}};
  auto r = DeliverRemote(Job({"a@x.test"}), kMsg, hops, Strict());
  first.Wait();
  Received got = second.Wait();
  EXPECT_EQ(r[0].status, "ok");
  EXPECT_EQ(r[0].remote_mta, "mx2.test");
  EXPECT_EQ(got.messages.size(), 1u);
}

TEST(RemoteDelivery, EightBitRelayDowngradeRawBounce) {
  {
    ScriptServer srv(Script{});  // no 8BITMIME
    auto r = DeliverRemote(Job({"a@x.test"}), k8Bit, To(srv), Strict());
    Received got = srv.Wait();
    EXPECT_EQ(r[0].status, "ok");
    ASSERT_EQ(got.messages.size(), 1u);
    EXPECT_EQ(got.messages[0].find('\xc3'), std::string::npos);
    EXPECT_NE(got.messages[0].find("quoted-printable"), std::string::npos);
  }
  {
    ScriptServer srv(Script{});
    auto r = DeliverRemote(Job({"a@x.test"}), k8Bit, To(srv), Qmail());
    Received got = srv.Wait();
    EXPECT_EQ(r[0].status, "ok");
    ASSERT_EQ(got.messages.size(), 1u);
    EXPECT_NE(got.messages[0].find("caf\xc3\xa9"), std::string::npos);  // raw
  }
  {
    config::Settings s = Strict();
    s.eight_bit_relay = config::EightBitRelay::kBounce;
    ScriptServer srv(Script{});
    auto r = DeliverRemote(Job({"a@x.test"}), k8Bit, To(srv), s);
    Received got = srv.Wait();
    EXPECT_EQ(r[0].status, "perm");
    EXPECT_EQ(r[0].enhanced, "5.6.3");
    EXPECT_TRUE(got.messages.empty());
  }
}

TEST(RemoteDelivery, BareLfNeverOnTheWireAndNotifySuccessRelayed) {
  ScriptServer srv(Script{});  // no DSN keyword
  auto r = DeliverRemote(Job({"a@x.test"}, "SUCCESS"), "Subject: t\r\n\r\nline\nbare\r\n",
                         To(srv), Strict());
  Received got = srv.Wait();
  EXPECT_EQ(r[0].status, "ok");
  EXPECT_TRUE(r[0].dsn_relayed);
  ASSERT_EQ(got.messages.size(), 1u);
  EXPECT_NE(got.messages[0].find("line\r\nbare"), std::string::npos);
}

TEST(RemoteDelivery, TlsClientRequiredWithoutStarttlsIsTemporary) {
  config::Settings s = Strict();
  s.tls_client = config::TlsClient::kRequired;
  ScriptServer srv(Script{});
  auto r = DeliverRemote(Job({"a@x.test"}), kMsg, To(srv), s);
  Received got = srv.Wait();
  EXPECT_EQ(r[0].status, "temp");
  EXPECT_TRUE(got.messages.empty());
  s.tls_client = config::TlsClient::kOff;
  Script sc;
  sc.keywords = {"STARTTLS"};
  ScriptServer srv2(sc);
  r = DeliverRemote(Job({"a@x.test"}), kMsg, To(srv2), s);
  got = srv2.Wait();
  EXPECT_EQ(r[0].status, "ok");
  for (const std::string& c : got.commands) EXPECT_NE(c, "STARTTLS");
}

TEST(RemoteDelivery, QmtpRoutesPerDomain) {
  config::Settings s = Strict();
  std::string err;
  ASSERT_TRUE(config::ApplySet(&s, "qmtp_routes=Q.test=127.0.0.5, r.test=[::1]:2209", &err)) << err;
  std::string host;
  std::uint16_t port = 0;
  ASSERT_TRUE(QmtpRouteFor("q.TEST", s, &host, &port));
  EXPECT_EQ(host, "127.0.0.5");
  EXPECT_EQ(port, 209);  // QMTP's port when none is given
  ASSERT_TRUE(QmtpRouteFor("r.test", s, &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 2209);
  EXPECT_FALSE(QmtpRouteFor("sub.q.test", s, &host, &port));
  EXPECT_FALSE(config::ApplySet(&s, "qmtp_routes=nodomain", &err));
  EXPECT_FALSE(config::ApplySet(&s, "qmtp_routes=x.test=h:0", &err));
  // Nothing listening: every recipient is a temporary failure (QMTP 2: no response).
  RemoteJob j = Job({"a@q.test", "b@q.test"});
  auto r = DeliverQmtp(j, kMsg, {{"127.0.0.1", "127.0.0.1", 1}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, "temp");
  EXPECT_EQ(r[1].status, "temp");
}

TEST(RemoteDelivery, RouteBySmarthost) {
  config::Settings s = Strict();
  s.smarthost = "127.0.0.1:2525";
  std::string err;
  bool temp;
  auto hops = RouteDomain("x.test", s, &err, &temp);
  ASSERT_EQ(hops.size(), 1u);
  EXPECT_EQ(hops[0].port, 2525);
  s.smarthost = "bad:port:x";
  EXPECT_TRUE(RouteDomain("x.test", s, &err, &temp).empty());
  // Without a smarthost: MX lookup through dns_server (nothing listens: temporary).
  s.smarthost = "";
  s.dns_server = "127.0.0.1:1";
  EXPECT_TRUE(RouteDomain("x.test", s, &err, &temp).empty());
  EXPECT_TRUE(temp);
}

TEST(SmtpRoutes, QmailSmtproutesLookupOrder) {
  const std::vector<std::string> routes = {
      "exact.test=192.0.2.1:2525", ".sub.test=192.0.2.2", "sub.test=", "=relay.test:26",
      "Mixed.Test=[2001:db8::1]:27"};
  auto r = SmtpRouteFor("exact.test", routes, "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "192.0.2.1");
  EXPECT_EQ(r->port, 2525);
  EXPECT_EQ(r->entry, "exact.test=192.0.2.1:2525");
  // ".sub.test" matches every subdomain, at any depth, but not sub.test itself.
  for (const char* d : {"a.sub.test", "b.a.sub.test", "A.SUB.TEST"}) {
    r = SmtpRouteFor(d, routes, "");
    ASSERT_TRUE(r) << d;
    EXPECT_EQ(r->host, "192.0.2.2") << d;
    EXPECT_EQ(r->port, 25) << d;
  }
  r = SmtpRouteFor("sub.test", routes, "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "");  // empty relay: MX lookup as usual
  EXPECT_TRUE(r->valid);
  // Everything else: the default route, which takes precedence over smarthost.
  r = SmtpRouteFor("other.test", routes, "192.0.2.9:2600");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "relay.test");
  EXPECT_EQ(r->port, 26);
  r = SmtpRouteFor("x.mixed.test", routes, "");
  EXPECT_EQ(r->host, "relay.test");  // "Mixed.Test" is exact only
  r = SmtpRouteFor("mixed.test.", routes, "");
  EXPECT_EQ(r->host, "2001:db8::1");
  EXPECT_EQ(r->port, 27);
  // The longest suffix wins.
  r = SmtpRouteFor("a.b.deep.test", {".deep.test=192.0.2.3", ".b.deep.test=192.0.2.4"}, "");
  EXPECT_EQ(r->host, "192.0.2.4");
  // No default entry: smarthost is the default route; without either: MX (nullopt).
  r = SmtpRouteFor("other.test", {"exact.test=192.0.2.1"}, "192.0.2.9:2600");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "192.0.2.9");
  EXPECT_EQ(r->entry, "smarthost");
  EXPECT_FALSE(SmtpRouteFor("other.test", {"exact.test=192.0.2.1"}, ""));
  EXPECT_FALSE(SmtpRouteFor("xexact.test", {"exact.test=192.0.2.1"}, ""));
  r = SmtpRouteFor("x.test", {}, "bad:port:x");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->valid);
}

TEST(SmtpRoutes, RouteDomainUsesRoutesBeforeMx) {
  config::Settings s = Strict();
  s.dns_server = "127.0.0.1:1";  // nothing answers
  s.smtp_routes = {"ip.test=127.0.0.7:2526", ".ip.test=[::1]:2527", "name.test=relay.test",
                   "mx.test="};
  std::string err;
  bool temp = false;
  auto hops = RouteDomain("ip.test", s, &err, &temp);
  ASSERT_EQ(hops.size(), 1u);
  EXPECT_EQ(hops[0].ip, "127.0.0.7");
  EXPECT_EQ(hops[0].port, 2526);
  hops = RouteDomain("a.ip.test", s, &err, &temp);
  ASSERT_EQ(hops.size(), 1u);
  EXPECT_EQ(hops[0].ip, "::1");
  EXPECT_EQ(hops[0].port, 2527);
  // A route host name is looked up through dns_server (no answer here: temporary).
  err.clear();
  EXPECT_TRUE(RouteDomain("name.test", s, &err, &temp).empty());
  EXPECT_TRUE(temp);
  EXPECT_NE(err.find("cannot resolve route host relay.test"), std::string::npos) << err;
  // "domain=": MX lookup, as for a domain without a route.
  err.clear();
  EXPECT_TRUE(RouteDomain("mx.test", s, &err, &temp).empty());
  EXPECT_NE(err.find("no route to mx.test"), std::string::npos) << err;
  s.smarthost = "127.0.0.8:2528";
  hops = RouteDomain("else.test", s, &err, &temp);
  ASSERT_EQ(hops.size(), 1u);
  EXPECT_EQ(hops[0].ip, "127.0.0.8");
  s.smtp_routes.push_back("=127.0.0.9");
  hops = RouteDomain("else.test", s, &err, &temp);
  ASSERT_EQ(hops.size(), 1u);
  EXPECT_EQ(hops[0].ip, "127.0.0.9");
  EXPECT_EQ(hops[0].port, 25);
}

TEST(RemoteProcess, JobOverSocketpairWithMessageFd) {
  ScriptServer srv(Script{});
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
  ServerContext ctx;
  ctx.settings = Strict();
  ctx.settings.smarthost = "127.0.0.1:" + std::to_string(srv.port());
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(sv[0]);
    _exit(RunRemote(ctx, sv[1]));
  }
  close(sv[1]);
  int mfd = memfd_create("msg", 0);
  ASSERT_EQ(write(mfd, kMsg, sizeof kMsg - 1), static_cast<ssize_t>(sizeof kMsg - 1));
  lseek(mfd, 0, SEEK_SET);
  ASSERT_TRUE(SendPacket(sv[0], EncodeRemoteJob(Job({"a@x.test"})), mfd).ok());
  close(mfd);
  std::string bytes;
  io::UniqueFd none;
  auto got = RecvPacket(sv[0], kMaxPacket, &bytes, &none);
  ASSERT_TRUE(got.ok() && *got);
  std::uint64_t req;
  std::vector<RemoteRcptResult> r;
  ASSERT_TRUE(DecodeRemoteResult(bytes, &req, &r));
  EXPECT_EQ(req, 7u);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, "ok") << r[0].diagnostic;
  EXPECT_EQ(srv.Wait().messages.size(), 1u);
  close(sv[0]);  // queue gone: the process stops
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

std::uint64_t Counter() {
  static std::uint64_t n = 0;
  return ++n;
}

sched::RecipientEvent Failed(const std::string& addr, std::size_t i) {
  sched::RecipientEvent e;
  e.recipient = i;
  e.address = addr;
  e.state = queue::RcptState::kFailed;
  e.status = "5.1.1";
  e.diagnostic = "550 5.1.1 no such user";
  e.remote_mta = "peer.test";
  e.last_attempt = 1700000000;
  return e;
}

queue::Envelope Env(std::string sender, std::string notify = "") {
  queue::Envelope e;
  e.id = "q1";
  e.arrival_time = 1700000000;
  e.sender = std::move(sender);
  queue::Recipient r;
  r.address = "bad@x.test";
  r.notify = notify;
  e.recipients.push_back(r);
  return e;
}

TEST(Notifications, FailureFormatPerSetting) {
  auto n = NotificationsFor(Env("s@local.test"), kMsg, {Failed("bad@x.test", 0)}, {}, Strict(),
                            1700000100, Counter);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].envelope.sender, "");
  ASSERT_EQ(n[0].envelope.recipients.size(), 1u);
  EXPECT_EQ(n[0].envelope.recipients[0].address, "s@local.test");
  EXPECT_NE(n[0].message.find("multipart/report"), std::string::npos);
  EXPECT_NE(n[0].message.find("Auto-Submitted: auto-replied"), std::string::npos);
  EXPECT_NE(n[0].message.find("Action: failed"), std::string::npos);
  auto q = NotificationsFor(Env("s@local.test"), kMsg, {Failed("bad@x.test", 0)}, {}, Qmail(),
                            1700000100, Counter);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].message.find("multipart/report"), std::string::npos);
  EXPECT_NE(q[0].message.find("Hi. This is the qmail-send program at mx.local.test.\r\n"), std::string::npos);  // QSBMF
  EXPECT_EQ(q[0].message.find("Auto-Submitted"), std::string::npos);
}

TEST(Notifications, DoubleBouncePolicies) {
  config::Settings s = Strict();
  auto pm = NotificationsFor(Env(""), kMsg, {Failed("bad@x.test", 0)}, {}, s, 1700000100, Counter);
  ASSERT_EQ(pm.size(), 1u);
  EXPECT_EQ(pm[0].envelope.recipients[0].address, "postmaster@mx.local.test");
  EXPECT_NE(pm[0].envelope.sender, "");
  s.double_bounce = config::DoubleBouncePolicy::kDiscard;
  EXPECT_TRUE(NotificationsFor(Env(""), kMsg, {Failed("bad@x.test", 0)}, {}, s, 1700000100, Counter).empty());
  s.double_bounce = config::DoubleBouncePolicy::kQmail;
  auto q = NotificationsFor(Env(""), kMsg, {Failed("bad@x.test", 0)}, {}, s, 1700000100, Counter);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].envelope.sender, "#@[]");
  // A failed double bounce is never reported again.
  EXPECT_TRUE(NotificationsFor(Env("#@[]"), kMsg, {Failed("bad@x.test", 0)}, {}, s, 1700000100, Counter).empty());
}

TEST(Notifications, SuccessRelayedAndSizeLimit) {
  sched::RecipientEvent d = Failed("bad@x.test", 0);
  d.state = queue::RcptState::kDelivered;
  d.status = "2.0.0";
  auto n = NotificationsFor(Env("s@local.test", "SUCCESS"), kMsg, {d}, {true}, Strict(),
                            1700000100, Counter);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_NE(n[0].message.find("Action: relayed"), std::string::npos);
  EXPECT_TRUE(NotificationsFor(Env("s@local.test"), kMsg, {d}, {true}, Strict(), 1700000100, Counter).empty());
  std::string big = std::string(kMsg) + std::string(5000, 'x') + "\r\n";
  config::Settings s = Strict();
  s.bounce_size_limit = 1000;
  auto cut = NotificationsFor(Env("s@local.test"), big, {Failed("bad@x.test", 0)}, {}, s, 1700000100, Counter);
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].message.find(std::string(5000, 'x')), std::string::npos);
  s.bounce_size_limit = 0;
  auto all = NotificationsFor(Env("s@local.test"), big, {Failed("bad@x.test", 0)}, {}, s, 1700000100, Counter);
  EXPECT_NE(all[0].message.find(std::string(5000, 'x')), std::string::npos);
}

TEST(DelayWarnings, WantedPerNotifySettingAndAge) {
  config::Settings s = Strict();
  s.delay_warning_time = 3600;
  queue::Envelope e = Env("s@local.test");
  queue::Recipient& r = e.recipients[0];
  r.attempts = 1;
  const std::int64_t late = e.arrival_time + 3600, early = e.arrival_time + 3599;
  EXPECT_TRUE(DelayWarningWanted(e, r, s, late));   // NOTIFY absent, delay_warnings on
  EXPECT_FALSE(DelayWarningWanted(e, r, s, early));  // not old enough
  s.delay_warnings = false;
  EXPECT_FALSE(DelayWarningWanted(e, r, s, late));
  for (const char* n : {"DELAY", "failure,delay", "SUCCESS, DELAY"}) {
    r.notify = n;
    EXPECT_TRUE(DelayWarningWanted(e, r, s, late)) << n;  // explicit request honoured
  }
  s.delay_warnings = true;
  // RFC 3461 5.2.5: NOTIFY without DELAY (or NEVER): MUST NOT.
  for (const char* n : {"NEVER", "FAILURE", "SUCCESS,FAILURE", "DELAYED"}) {
    r.notify = n;
    EXPECT_FALSE(DelayWarningWanted(e, r, s, late)) << n;
  }
  r.notify = "";
  r.delay_warning = queue::DelayWarning::kSent;  // never twice
  EXPECT_FALSE(DelayWarningWanted(e, r, s, late));
  r.delay_warning = queue::DelayWarning::kDue;
  EXPECT_FALSE(DelayWarningWanted(e, r, s, late));
  r.delay_warning = queue::DelayWarning::kNone;
  r.attempts = 0;  // not tried yet: not delayed
  EXPECT_FALSE(DelayWarningWanted(e, r, s, late));
  r.attempts = 2;
  r.state = queue::RcptState::kFailed;
  EXPECT_FALSE(DelayWarningWanted(e, r, s, late));
  r.state = queue::RcptState::kPending;
  for (const char* sender : {"", "#@[]"}) {
    queue::Envelope n = e;
    n.sender = sender;
    EXPECT_FALSE(DelayWarningWanted(n, n.recipients[0], s, late)) << sender;
  }
}

TEST(DelayWarnings, PendingEventMakesOneDelayedDsn) {
  config::Settings s = Strict();
  s.delay_warning_time = 3600;
  sched::RecipientEvent p = Failed("bad@x.test", 0);
  p.state = queue::RcptState::kPending;
  p.status = "4.3.0";
  p.diagnostic = "451 4.3.0 try again later";
  p.give_up_at = 1700000000 + 432000;
  auto n = NotificationsFor(Env("s@local.test"), kMsg, {p}, {}, s, 1700003600, Counter);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, bounce::Kind::kDelay);
  EXPECT_EQ(n[0].envelope.sender, "");
  EXPECT_EQ(n[0].envelope.recipients[0].address, "s@local.test");
  EXPECT_NE(n[0].message.find("Action: delayed"), std::string::npos) << n[0].message;
  EXPECT_NE(n[0].message.find("Status: 4.3.0"), std::string::npos);
  EXPECT_NE(n[0].message.find("Will-Retry-Until: "), std::string::npos);
  // Too early, NOTIFY without DELAY, or a QSBMF profile's delay_warnings=off: none.
  EXPECT_TRUE(NotificationsFor(Env("s@local.test"), kMsg, {p}, {}, s, 1700003599, Counter).empty());
  EXPECT_TRUE(NotificationsFor(Env("s@local.test", "FAILURE"), kMsg, {p}, {}, s, 1700003600, Counter).empty());
  config::Settings q = Qmail();
  q.delay_warning_time = 3600;
  EXPECT_TRUE(NotificationsFor(Env("s@local.test"), kMsg, {p}, {}, q, 1700003600, Counter).empty());
  auto asked = NotificationsFor(Env("s@local.test", "DELAY"), kMsg, {p}, {}, q, 1700003600, Counter);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_NE(asked[0].message.find("Action: delayed"), std::string::npos);  // RFC 3464 even so
  // A status that is not 4.x.x is reported as 4.0.0.
  p.status = "";
  auto z = NotificationsFor(Env("s@local.test"), kMsg, {p}, {}, s, 1700003600, Counter);
  ASSERT_EQ(z.size(), 1u);
  EXPECT_NE(z[0].message.find("Status: 4.0.0"), std::string::npos);
}

}  // namespace
}  // namespace mta::server

#include "mta/server/listing.h"

namespace mta::server {
namespace {

TEST(QueueListing, NextAttemptAndLastError) {
  queue::Envelope e = Env("s@local.test");
  e.recipients[0].attempts = 2;
  e.recipients[0].next_attempt = 1700003600;
  e.recipients[0].last_error = "451 4.3.0 try\r\nlater";
  EXPECT_EQ(FormatQueueLine(e),
            "q1 <s@local.test> <bad@x.test> (pending, 2 attempt(s), next attempt "
            "2023-11-14 23:13:20Z: 451 4.3.0 try  later)");
}

TEST(SelfMx, AddressesListenedOn) {
  // RFC 5321 5.1: an MX that is this MTA: an address it listens on, on any port (as
  // Postfix's inet_interfaces); a wildcard stands for every interface address of its
  // family (qmail's ipme).
  std::vector<std::string> ifs = {"127.0.0.1", "192.0.2.7", "::1", "2001:db8::7"};
  EXPECT_EQ(SelfAddresses({"127.0.3.12:25", "127.0.0.10:2525"}, ifs),
            (std::vector<std::string>{"127.0.3.12", "127.0.0.10"}));
  EXPECT_EQ(SelfAddresses({"0.0.0.0:25"}, ifs), (std::vector<std::string>{"127.0.0.1", "192.0.2.7"}));
  EXPECT_EQ(SelfAddresses({"[::]:25"}, ifs), (std::vector<std::string>{"::1", "2001:db8::7"}));
  EXPECT_EQ(SelfAddresses({"[2001:db8::9]:25", "0.0.0.0:2525", "[::]:587"}, ifs),
            (std::vector<std::string>{"2001:db8::9", "127.0.0.1", "192.0.2.7", "::1", "2001:db8::7"}));
  EXPECT_EQ(SelfAddresses({"0.0.0.0:25", "127.0.0.1:25"}, ifs),
            (std::vector<std::string>{"127.0.0.1", "192.0.2.7"}));  // no duplicates
  EXPECT_TRUE(SelfAddresses({"not an address", "localhost:25"}, ifs).empty());
  // This host has a loopback interface.
  std::vector<std::string> mine = InterfaceAddresses();
  EXPECT_NE(std::find(mine.begin(), mine.end(), "127.0.0.1"), mine.end());
}

TEST(SelfMx, RouteOptionsFollowTheSettings) {
  // RFC 5321 5.1: A then AAAA per exchange unless remote_ipv6 is off (the qmail profile:
  // qmail-remote 1.03 has no IPv6); self by hostname and listen addresses.
  config::Settings s;
  s.hostname = "mx.example.test";
  s.listen = {"127.0.3.12:2525"};
  dns::RouteOptions o = RouteOptionsFor(s);
  EXPECT_TRUE(o.use_ipv6);
  EXPECT_EQ(o.self_names, (std::vector<std::string>{"mx.example.test"}));
  EXPECT_NE(std::find(o.self_addresses.begin(), o.self_addresses.end(), "127.0.3.12"),
            o.self_addresses.end());
  s.remote_ipv6 = false;
  EXPECT_FALSE(RouteOptionsFor(s).use_ipv6);
  EXPECT_FALSE(RouteOptionsFor(config::ProfileSettings(config::Profile::kQmail)).use_ipv6);
}

TEST(SelfMx, RouteFailureStatusPerCause) {
  EXPECT_EQ(std::string(RouteFailureStatus("no route to a.test: tempfail (timeout)", true)), "4.4.3");
  EXPECT_EQ(std::string(RouteFailureStatus("no route to a.test: null-mx", false)), "5.1.10");
  EXPECT_EQ(std::string(RouteFailureStatus("no route to a.test: mx-points-to-self (x)", false)),
            "5.4.6");
  EXPECT_EQ(std::string(RouteFailureStatus("no route to a.test: no-usable-host", false)), "5.4.4");
  EXPECT_EQ(std::string(RouteFailureStatus("no route to a.test: nxdomain", false)), "5.1.2");
}

}  // namespace
}  // namespace mta::server
