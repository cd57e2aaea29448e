// client_test.cc: client encoding and response parsing; round trips through the server
// sessions (the server accepts what the client encodes: same sender, recipients, octets).
#include "mta/lib/qmtp/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "mta/lib/qmtp/lines.h"
#include "mta/lib/qmtp/policy.h"
#include "mta/lib/qmtp/qmqp_server.h"
#include "mta/lib/qmtp/qmtp_server.h"
#include "mta/lib/qmtp/server_testing.h"

namespace mta::qmtp {
namespace {

using netstring::QmtpEncoding;
using ::testing::ElementsAre;

TEST(Lines, Conversions) {
  EXPECT_EQ(LfToCrlf("a\nb\r\n"), "a\r\nb\r\r\n");
  EXPECT_EQ(CrlfToLf("a\r\nb\r\r\n"), "a\nb\r\n");
  EXPECT_EQ(CrlfToLf("a\rb\nc\r"), "a\rb\nc\r");
  EXPECT_EQ(LfToCrlf(""), "");
}

TEST(QmtpClient, EncodesReferenceExample) {
  EXPECT_EQ(EncodeQmtpDelivery("Subject: t\r\n\r\nhi\r\n", "a@example.test", {"b@example.test"}),
            "19:\rSubject: t\r\n\r\nhi\r\n,14:a@example.test,18:14:b@example.test,,");
  EXPECT_EQ(EncodeQmtpDelivery("Subject: t\r\n\r\nhi\r\n", "a@example.test",
                               {"b@example.test", "c@example.test"}, QmtpEncoding::kUnix),
            "16:\nSubject: t\n\nhi\n,14:a@example.test,36:14:b@example.test,14:c@example.test,,");
}

TEST(QmqpClient, EncodesReferenceExample) {
  EXPECT_EQ(EncodeQmqpSubmission("Subject: t\r\n\r\nhi\r\n", "a@example.test",
                                 {"b@example.test", "c@example.test"}),
            "73:15:Subject: t\n\nhi\n,14:a@example.test,14:b@example.test,14:c@example.test,,");
}

TEST(QmtpClient, CollectsResponsesAndLeavesTheRest) {
  QmtpResponseCollector c(2);
  std::string in = "22:Kok 1700000000 qp 4242,3:Dno,4:Zbad,";
  EXPECT_EQ(c.Feed(in), in.size() - 7);
  EXPECT_TRUE(c.done());
  EXPECT_FALSE(c.failed());
  ASSERT_EQ(c.responses().size(), 2u);
  EXPECT_EQ(c.responses()[0].status, ResponseStatus::kAccepted);
  EXPECT_EQ(c.responses()[0].description, "ok 1700000000 qp 4242");
  EXPECT_EQ(c.responses()[1].status, ResponseStatus::kPermanent);
}

TEST(QmtpClient, OneOctetAtATime) {
  QmtpResponseCollector c(3);
  std::string in = "3:Kok,4:Zbad,3:Dno,";
  for (char ch : in) c.Feed(std::string_view(&ch, 1));
  ASSERT_TRUE(c.done());
  EXPECT_EQ(c.responses()[1].status, ResponseStatus::kTemporary);
  EXPECT_EQ(c.responses()[1].description, "bad");
}

TEST(QmtpClient, MalformedResponsesFail) {
  for (std::string bad : {"3:Xok,", "0:,", "03:Kok,", "3:Kok;", "a:", "99999:"}) {
    QmtpResponseCollector c(1, 100);
    c.Feed(bad);
    EXPECT_TRUE(c.failed()) << bad;
    EXPECT_FALSE(c.done()) << bad;
  }
  QmqpResponseReader r;
  r.Feed("1:Q,");
  EXPECT_TRUE(r.failed());
}

TEST(QmqpClient, ReadsTheResponse) {
  QmqpResponseReader r;
  EXPECT_EQ(r.Feed("6:Zlater,junk"), 9u);
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r.response()->status, ResponseStatus::kTemporary);
  EXPECT_EQ(r.response()->description, "later");
}

// Generators: a message in the queue's CRLF form (lines free of LF; a line may hold CR, NUL,
// 8-bit octets; the last line may be partial), addresses free of NUL under 1000 octets.
rc::Gen<std::string> GenMessage() {
  return rc::gen::map(
      rc::gen::pair(rc::gen::container<std::vector<std::string>>(
                        rc::gen::container<std::string>(rc::gen::suchThat(
                            rc::gen::arbitrary<char>(), [](char c) { return c != '\n'; }))),
                    rc::gen::container<std::string>(rc::gen::suchThat(
                        rc::gen::arbitrary<char>(), [](char c) { return c != '\n'; }))),
      [](const std::pair<std::vector<std::string>, std::string>& p) {
        std::string m;
        for (const std::string& l : p.first) m += l + "\r\n";
        // A partial last line must not end in CR: CR + the next LF would be a line end.
        std::string last = p.second;
        while (!last.empty() && last.back() == '\r') last.pop_back();
        return m + last;
      });
}

rc::Gen<std::string> GenAddress() {
  return rc::gen::map(rc::gen::container<std::string>(rc::gen::suchThat(
                          rc::gen::arbitrary<char>(), [](char c) { return c != '\0'; })),
                      [](std::string s) {
                        if (s.size() > 999) s.resize(999);
                        return s;
                      });
}

ServerOptions PlainOptions() {
  ServerOptions o;
  o.add_received = false;
  o.max_message_size = 1 << 20;
  return o;
}

RC_GTEST_PROP(QmtpRoundTrip, ServerStoresWhatTheClientEncodes, ()) {
  std::string msg = *GenMessage();
  std::string sender = *GenAddress();
  auto rcpts = *rc::gen::resize(20, rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(GenAddress())));
  bool dos = *rc::gen::arbitrary<bool>();
  std::size_t chunk = *rc::gen::inRange<std::size_t>(1, 64);
  std::string wire = EncodeQmtpDelivery(msg, sender, rcpts, dos ? QmtpEncoding::kDos : QmtpEncoding::kUnix);
  AcceptAllPolicy policy;
  auto [out, closed, stored, error] = testing::Drive<QmtpServerSession>(
      wire, chunk, policy, PlainOptions(), {ResponseStatus::kAccepted, "1"}, false);
  RC_ASSERT(stored.size() == 1u);
  RC_ASSERT(stored[0].data == msg);
  RC_ASSERT(stored[0].sender == sender);
  RC_ASSERT(stored[0].recipients == rcpts);
  QmtpResponseCollector c(rcpts.size());
  RC_ASSERT(c.Feed(out) == out.size());
  RC_ASSERT(c.done());
  for (const auto& r : c.responses()) RC_ASSERT(r.status == ResponseStatus::kAccepted);
}

RC_GTEST_PROP(QmqpRoundTrip, ServerStoresWhatTheClientEncodes, ()) {
  std::string msg = *GenMessage();
  std::string sender = *GenAddress();
  auto rcpts = *rc::gen::resize(20, rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(GenAddress())));
  std::size_t chunk = *rc::gen::inRange<std::size_t>(1, 64);
  std::string wire = EncodeQmqpSubmission(msg, sender, rcpts);
  AcceptAllPolicy policy;
  auto [out, closed, stored, error] = testing::Drive<QmqpServerSession>(
      wire, chunk, policy, PlainOptions(), {ResponseStatus::kTemporary, "busy"}, false);
  RC_ASSERT(stored.size() == 1u);
  RC_ASSERT(stored[0].data == msg);
  RC_ASSERT(stored[0].sender == sender);
  RC_ASSERT(stored[0].recipients == rcpts);
  QmqpResponseReader r;
  r.Feed(out);
  RC_ASSERT(r.done());
  RC_ASSERT(r.response()->status == ResponseStatus::kTemporary);
  RC_ASSERT(r.response()->description == "busy");
  RC_ASSERT(closed);
}

RC_GTEST_PROP(QmtpResponses, CollectorReadsWhatWasEncoded, ()) {
  auto texts = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(
      rc::gen::container<std::string>(rc::gen::inRange<char>(32, 127))));
  std::string wire;
  std::vector<netstring::Response> sent;
  const ResponseStatus kinds[] = {ResponseStatus::kAccepted, ResponseStatus::kTemporary,
                                  ResponseStatus::kPermanent};
  for (std::size_t i = 0; i < texts.size(); ++i) {
    sent.push_back({kinds[i % 3], texts[i]});
    wire += netstring::EncodeResponse(sent.back());
  }
  std::size_t chunk = *rc::gen::inRange<std::size_t>(1, 16);
  QmtpResponseCollector c(sent.size());
  for (std::size_t pos = 0; pos < wire.size(); pos += chunk)
    c.Feed(std::string_view(wire).substr(pos, chunk));
  RC_ASSERT(c.done());
  RC_ASSERT(c.responses() == sent);
}

}  // namespace
}  // namespace mta::qmtp
