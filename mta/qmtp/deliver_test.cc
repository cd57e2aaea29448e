// deliver_test.cc: QmtpDeliver against the in-process server: K / Z / D per recipient,
// relay refusals, refused connections, lost connections and malformed responses.
#include "mta/qmtp/deliver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "mta/lib/qmtp/policy.h"
#include "mta/qmtp/testing/test_server.h"

namespace mta::qmtp {
namespace {

using testing::TestProtocol;
using testing::TestServer;
using testing::TestServerOptions;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const OutgoingMessage kMessage{"a@example.test", {"b@example.test", "c@remote.test"},
                               "Subject: t\r\n\r\nhi\r\n"};

Timeouts Short() { return Timeouts{5, 5}; }

// kMessage delivered to an in-process server run with `o`.
std::vector<RecipientResult> DeliverTo(const TestServerOptions& o) {
  TestServer s(o);
  return QmtpDeliver("127.0.0.1", s.port(), Short(), kMessage);
}

// The outcome of each recipient, in order.
std::vector<Outcome> Outcomes(const std::vector<RecipientResult>& results) {
  std::vector<Outcome> v;
  for (const RecipientResult& r : results) v.push_back(r.outcome);
  return v;
}

TEST(QmtpDeliver, AllAccepted) {
  TestServerOptions o;
  o.session.add_received = false;
  TestServer s(o);
  auto r = QmtpDeliver("127.0.0.1", s.port(), Short(), kMessage);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].outcome, Outcome::kDelivered);
  EXPECT_EQ(r[1].outcome, Outcome::kDelivered);
  EXPECT_THAT(r[0].text, StartsWith("ok "));
  auto stored = s.stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].data, kMessage.data);  // byte-exact through encoding #1
  EXPECT_EQ(stored[0].sender, kMessage.sender);
  EXPECT_EQ(stored[0].recipients, kMessage.recipients);
}

TEST(QmtpDeliver, PerRecipientPermanentRefusal) {
  RelayRules rules;
  rules.is_local_domain = [](std::string_view d) { return d == "example.test"; };
  RelayPolicy policy(rules);
  TestServerOptions o;
  o.policy = &policy;
  auto r = DeliverTo(o);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].outcome, Outcome::kDelivered);
  EXPECT_EQ(r[1].outcome, Outcome::kPermanent);
  EXPECT_THAT(r[1].text, HasSubstr("rcpthosts"));
}

TEST(QmtpDeliver, TemporaryStoreFailure) {
  TestServerOptions o;
  o.store = [](const Submission&) { return SubmitResult{ResponseStatus::kTemporary, "busy"}; };
  auto r = DeliverTo(o);
  EXPECT_THAT(r, ElementsAre(RecipientResult{Outcome::kTemporary, "busy"},
                             RecipientResult{Outcome::kTemporary, "busy"}));
}

TEST(QmtpDeliver, ConnectionRefusedIsTemporary) {
  auto r = QmtpDeliver("127.0.0.1", testing::UnusedPort(), Short(), kMessage);
  ASSERT_EQ(r.size(), 2u);
  for (const auto& x : r) {
    EXPECT_EQ(x.outcome, Outcome::kTemporary);
    EXPECT_THAT(x.text, HasSubstr("failed"));
  }
}

TEST(QmtpDeliver, ClosedWithoutResponseIsTemporary) {
  TestServerOptions o;
  o.close_at_once = true;
  EXPECT_THAT(Outcomes(DeliverTo(o)), ElementsAre(Outcome::kTemporary, Outcome::kTemporary));
}

TEST(QmtpDeliver, MissingSecondResponseIsTemporary) {
  TestServerOptions o;
  o.raw_reply = "3:Kok,";  // one response for two recipients, then close
  EXPECT_THAT(Outcomes(DeliverTo(o)), ElementsAre(Outcome::kDelivered, Outcome::kTemporary));
}

TEST(QmtpDeliver, MalformedResponseIsTemporary) {
  TestServerOptions o;
  o.raw_reply = "3:Xok,3:Kok,";
  auto r = DeliverTo(o);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].outcome, Outcome::kTemporary);
  EXPECT_THAT(r[0].text, HasSubstr("malformed"));
}

TEST(QmtpDeliver, NoRecipientsNoConnection) {
  TestServer s({});
  EXPECT_TRUE(QmtpDeliver("127.0.0.1", s.port(), Short(), {"a@b", {}, "x\r\n"}).empty());
  EXPECT_EQ(s.connections(), 0);
}

TEST(QmtpDeliver, BadAddressIsTemporary) {
  auto r = QmtpDeliver("not-an-ip", 209, Short(), kMessage);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].outcome, Outcome::kTemporary);
}

TEST(HostPort, Parses) {
  EXPECT_EQ(ParseHostPort("192.0.2.1:2628", 628)->port, 2628);
  EXPECT_EQ(ParseHostPort("192.0.2.1", 628)->port, 628);
  EXPECT_EQ(ParseHostPort("[2001:db8::1]:99", 628)->ip, "2001:db8::1");
  EXPECT_EQ(ParseHostPort("[2001:db8::1]:99", 628)->port, 99);
  EXPECT_EQ(ParseHostPort("2001:db8::1", 628)->port, 628);
  EXPECT_FALSE(ParseHostPort("1.2.3.4:", 628));
  EXPECT_FALSE(ParseHostPort("1.2.3.4:70000", 628));
  EXPECT_FALSE(ParseHostPort("1.2.3.4:x", 628));
  EXPECT_FALSE(ParseHostPort("[::1", 628));
  EXPECT_FALSE(ParseHostPort("", 628));
}

}  // namespace
}  // namespace mta::qmtp
