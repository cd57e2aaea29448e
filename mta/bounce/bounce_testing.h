// bounce_testing.h: fixed inputs shared by the bounce engine tests (test-only): a
// deterministic GeneratorEnv, a queued envelope and original messages.
#ifndef MTA_BOUNCE_BOUNCE_TESTING_H_
#define MTA_BOUNCE_BOUNCE_TESTING_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "mta/bounce/bounce.h"
#include "mta/lib/report/model.h"
#include "mta/queue/envelope.h"

namespace mta::bounce::testing {

// mx.local.test, Tue, 02 Jan 2024 10:00:05 +0100 (one day after arrival).
inline report::GeneratorEnv FixedEnv() {
  report::GeneratorEnv env;
  env.hostname = "mx.local.test";
  env.now = 1704186005;
  env.utc_offset_minutes = 60;
  auto state = std::make_shared<std::uint64_t>(0xb0c3ULL);
  env.random = [state] { return (*state += 0x9e3779b97f4a7c15ULL); };
  return env;
}

inline constexpr std::int64_t kArrival = 1704186005 - 86400;

inline constexpr char kOriginal[] =
        "Received: from client.example.test ([192.0.2.7]) by mx.local.test with ESMTP\r\n"
    "From: Sender <sender@example.test>\r\n"
    "To: <a@remote.test>, <b@remote.test>\r\n"
    "Subject: hello\r\n"
    "Date: Mon, 01 Jan 2024 10:00:01 +0100\r\n"
    "Message-ID: <orig.1@example.test>\r\n"
    "\r\n"
    "Hello there.\r\n"
    "From the sender.\r\n";

inline constexpr char kOriginal8bit[] =
    "From: Sender <sender@example.test>\r\n"
    "To: <a@remote.test>\r\n"
    "Subject: caf\xc3\xa9\r\n"  // 8-bit header
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Gr\xc3\xbc\xc3\x9f" "e.\r\n";

// One message from sender@example.test to a@ and b@remote.test, plus local c@local.test.
inline queue::Envelope Envelope(std::string sender = "sender@example.test") {
  queue::Envelope e;
  e.id = "1704099605.42";
  e.arrival_time = kArrival;
  e.sender = std::move(sender);
  { queue::Recipient r; r.address = "a@remote.test"; e.recipients.push_back(r); }
  { queue::Recipient r; r.address = "b@remote.test"; e.recipients.push_back(r); }
  { queue::Recipient r; r.address = "c@local.test"; e.recipients.push_back(r); }
  e.client_ip = "192.0.2.7";
  e.helo = "client.example.test";
  e.protocol = "ESMTP";
  return e;
}

inline Outcome Failed(std::string rcpt, std::string status, std::string remote,
                      std::string diag) {
  Outcome o;
  o.recipient = std::move(rcpt);
  o.action = report::Action::kFailed;
  o.status = std::move(status);
  o.remote_mta = std::move(remote);
  o.diagnostic = std::move(diag);
  o.last_attempt = 1704186000;
  return o;
}

inline Outcome Delayed(std::string rcpt) {
  Outcome o;
  o.recipient = std::move(rcpt);
  o.action = report::Action::kDelayed;
  o.status = "4.4.1";
  o.remote_mta = "mx.remote.test";
  o.diagnostic = "451 4.4.1 try again later";
  o.last_attempt = 1704186000;
  o.will_retry_until = kArrival + 5 * 86400;
  return o;
}

inline Outcome Delivered(std::string rcpt, report::Action a = report::Action::kDelivered) {
  Outcome o;
  o.recipient = std::move(rcpt);
  o.action = a;
  o.status = "2.0.0";
  o.remote_mta = "mx.remote.test";
  o.diagnostic = "250 2.0.0 Ok: queued as 4F2";
  o.last_attempt = 1704186000;
  return o;
}

// The qmail profile's options.
inline BounceOptions QmailOptions() {
  BounceOptions o;
  o.format = Format::kQsbmf;
  o.double_bounce = DoubleBounce::kQmailSender;
  o.max_returned_bytes = 0;
  o.delay_warnings = false;
  o.auto_submitted = false;
  return o;
}

struct GoldenCase {
  std::string name;
  Notification n;
};

inline Notification One(const queue::Envelope& e, const std::vector<Outcome>& o, const BounceOptions& opt,
                 std::string_view original = kOriginal) {
  std::vector<Notification> n = MakeNotifications(e, original, o, opt, FixedEnv());
  EXPECT_EQ(n.size(), 1u);
  return n.empty() ? Notification{} : n[0];
}

// One notification of each kind (corpora/golden/bounce-engine/<name>.eml).
inline std::vector<GoldenCase> GoldenCases() {
  std::vector<GoldenCase> g;
  const Outcome remote550 = Failed("a@remote.test", "5.1.1", "mx.remote.test",
                                   "550 5.1.1 <a@remote.test>: Recipient address rejected");
  const Outcome local = Failed("c@local.test", "5.1.1", "", "550 5.1.1 no mailbox here by that name");
  {
    queue::Envelope e = Envelope();
    e.envid = "QQ+2B1";
    e.recipients[0].orcpt = "rfc822;a+2Balias@remote.test";
    g.push_back({"failure-rfc3464", One(e, {remote550, local}, {})});
  }
  {
    queue::Envelope e = Envelope();
    e.ret = "HDRS";
    g.push_back({"failure-rfc3464-hdrs", One(e, {remote550}, {})});
  }
  g.push_back({"failure-rfc3464-8bit", One(Envelope(), {remote550}, {}, kOriginal8bit)});
  g.push_back({"failure-qsbmf", One(Envelope(), {remote550, local}, QmailOptions())});
  {
    BounceOptions o;
    o.delay_warning_after = 3600;
    g.push_back({"delay-rfc3464", One(Envelope(), {Delayed("a@remote.test")}, o)});
  }
  {
    queue::Envelope e = Envelope();
    e.recipients[0].notify = "SUCCESS,FAILURE";
    e.recipients[1].notify = "SUCCESS";
    g.push_back({"success-rfc3464",
                 One(e, {Delivered("a@remote.test"), Delivered("b@remote.test", report::Action::kRelayed)}, {})});
  }
  // A bounce that failed: the original is itself a notification.
  const std::string bounce = One(Envelope(), {remote550}, {}).message;
  const Outcome bounce550 = Failed("sender@example.test", "5.1.1", "mx.example.test",
                                   "550 5.1.1 <sender@example.test>: User unknown");
  queue::Envelope e = Envelope("");
  e.recipients.clear();
  e.recipients.push_back(queue::Recipient{});
  e.recipients[0].address = "sender@example.test";
  g.push_back({"double-bounce-postmaster", One(e, {bounce550}, {}, bounce)});
  const std::string qbounce = One(Envelope(), {remote550}, QmailOptions()).message;
  g.push_back({"double-bounce-qmail", One(e, {bounce550}, QmailOptions(), qbounce)});
  return g;
}

}  // namespace mta::bounce::testing

#endif  // MTA_BOUNCE_BOUNCE_TESTING_H_
