// submit_test.cc: QmqpSubmit and RunQmqpInject against the in-process server: the server
// list order (qmail-qmqpc), K / Z / D, and qmqp-inject's exit statuses 0 / 100 / 111.
#include "mta/qmtp/submit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "mta/lib/qmtp/policy.h"
#include "mta/qmtp/inject.h"
#include "mta/qmtp/testing/test_server.h"

namespace mta::qmtp {
namespace {

using testing::TestProtocol;
using testing::TestServer;
using testing::TestServerOptions;
using ::testing::HasSubstr;

const OutgoingMessage kMessage{"a@example.test", {"b@example.test", "c@example.test"},
                               "Subject: t\r\n\r\nhi\r\n"};

Timeouts Short() { return Timeouts{5, 5}; }

TestServerOptions Qmqp() {
  TestServerOptions o;
  o.protocol = TestProtocol::kQmqp;
  o.session.add_received = false;
  return o;
}

TestServerOptions QmqpAnswering(ResponseStatus st, std::string text) {
  TestServerOptions o = Qmqp();
  o.store = [st, text](const Submission&) { return SubmitResult{st, text}; };
  return o;
}

std::string Dead() { return "127.0.0.1:" + std::to_string(testing::UnusedPort()); }

TEST(QmqpSubmit, Accepted) {
  TestServer s(Qmqp());
  SubmitReport r = QmqpSubmit({s.address()}, Short(), kMessage);
  EXPECT_EQ(r.result.outcome, Outcome::kDelivered);
  EXPECT_EQ(r.server, s.address());
  auto stored = s.stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].data, kMessage.data);
  EXPECT_EQ(stored[0].recipients, kMessage.recipients);
}

TEST(QmqpSubmit, TriesTheNextServerAfterFailureOrZ) {
  TestServer z(QmqpAnswering(ResponseStatus::kTemporary, "busy"));
  TestServer k(Qmqp());
  SubmitReport r = QmqpSubmit({Dead(), z.address(), k.address()}, Short(), kMessage);
  EXPECT_EQ(r.result.outcome, Outcome::kDelivered);
  EXPECT_EQ(r.server, k.address());
  EXPECT_EQ(z.connections(), 1);
}

TEST(QmqpSubmit, PermanentStopsTheList) {
  TestServer d(QmqpAnswering(ResponseStatus::kPermanent, "no thanks"));
  TestServer k(Qmqp());
  SubmitReport r = QmqpSubmit({d.address(), k.address()}, Short(), kMessage);
  EXPECT_EQ(r.result.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.result.text, "no thanks");
  EXPECT_EQ(k.connections(), 0);
}

TEST(QmqpSubmit, AllFailedIsTemporary) {
  TestServerOptions closer = Qmqp();
  closer.close_at_once = true;
  TestServer c(closer);
  SubmitReport r = QmqpSubmit({Dead(), c.address(), "bogus:address:x"}, Short(), kMessage);
  EXPECT_EQ(r.result.outcome, Outcome::kTemporary);
  EXPECT_EQ(QmqpSubmit({}, Short(), kMessage).result.outcome, Outcome::kTemporary);
}

TEST(QmqpSubmit, RelayRefusalIsPermanent) {
  RelayRules rules;
  rules.is_local_domain = [](std::string_view d) { return d == "other.test"; };
  RelayPolicy policy(rules);
  TestServerOptions o = Qmqp();
  o.policy = &policy;
  TestServer s(o);
  SubmitReport r = QmqpSubmit({s.address()}, Short(), kMessage);
  EXPECT_EQ(r.result.outcome, Outcome::kPermanent);
  EXPECT_THAT(r.result.text, HasSubstr("rcpthosts"));
}

int Inject(const std::vector<std::string>& servers, std::vector<std::string> rcpts,
           const std::string& message, std::string* err_text = nullptr) {
  QmqpInjectOptions o;
  o.servers = servers;
  o.from = "joe@example.test";
  o.recipients = std::move(rcpts);
  o.timeouts = Short();
  std::istringstream in(message);
  std::ostringstream err;
  int status = RunQmqpInject(o, in, err);
  if (err_text) *err_text = err.str();
  return status;
}

TEST(QmqpInject, ExitZeroOnK) {
  TestServer s(Qmqp());
  EXPECT_EQ(Inject({s.address()}, {"ann@example.test"}, "Subject: hi\n\nhello\n"), 0);
  auto stored = s.stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].sender, "joe@example.test");
  EXPECT_EQ(stored[0].data, "Subject: hi\r\n\r\nhello\r\n");  // LF input, CRLF queue form
}

TEST(QmqpInject, CrlfInputStoredTheSame) {
  TestServer s(Qmqp());
  EXPECT_EQ(Inject({s.address()}, {"ann@example.test"}, "Subject: hi\r\n\r\nhello\r\n"), 0);
  ASSERT_EQ(s.stored().size(), 1u);
  EXPECT_EQ(s.stored()[0].data, "Subject: hi\r\n\r\nhello\r\n");
}

TEST(QmqpInject, Exit100OnD) {
  TestServer s(QmqpAnswering(ResponseStatus::kPermanent, "refused (#5.7.1)"));
  std::string err;
  EXPECT_EQ(Inject({s.address()}, {"ann@example.test"}, "x\n", &err), 100);
  EXPECT_THAT(err, HasSubstr("refused (#5.7.1)"));
}

TEST(QmqpInject, Exit111OnZOrConnectionFailure) {
  TestServer s(QmqpAnswering(ResponseStatus::kTemporary, "busy"));
  EXPECT_EQ(Inject({s.address()}, {"ann@example.test"}, "x\n"), 111);
  std::string err;
  EXPECT_EQ(Inject({Dead()}, {"ann@example.test"}, "x\n", &err), 111);
  EXPECT_THAT(err, HasSubstr("temporary"));
}

TEST(QmqpInject, SourceAddressBoundOrTemporaryFailure) {
  TestServer s(Qmqp());
  QmqpInjectOptions o;
  o.servers = {s.address()};
  o.recipients = {"ann@example.test"};
  o.timeouts = Short();
  o.source = "127.0.0.1";
  std::istringstream in("x\n");
  std::ostringstream err;
  EXPECT_EQ(RunQmqpInject(o, in, err), 0) << err.str();
  EXPECT_EQ(s.stored().size(), 1u);
  // An address of another family, or one this host does not have: nothing is sent, 111.
  for (const char* bad : {"::1", "192.0.2.77", "not-an-ip"}) {
    o.source = bad;
    std::istringstream in2("x\n");
    std::ostringstream err2;
    EXPECT_EQ(RunQmqpInject(o, in2, err2), 111) << bad;
    EXPECT_THAT(err2.str(), HasSubstr(bad));
  }
  EXPECT_EQ(s.stored().size(), 1u);
}

TEST(QmqpInject, Exit100WithoutRecipientsOrServers) {
  TestServer s(Qmqp());
  EXPECT_EQ(Inject({s.address()}, {}, "x\n"), 100);
  EXPECT_EQ(Inject({}, {"a@b"}, "x\n"), 100);
  EXPECT_EQ(s.connections(), 0);
}

}  // namespace
}  // namespace mta::qmtp
