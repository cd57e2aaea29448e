// envelope_test.cc: envelope text format round trips and strictness.
#include "mta/queue/envelope.h"

#include "gtest/gtest.h"
#include <rapidcheck/gtest.h>

namespace mta::queue {
namespace {

Envelope Sample() {
  Envelope e;
  e.id = "1700000000.000001.0000042.000000";
  e.arrival_time = 1700000000;
  e.sender = "a@example.org";
  e.ret = "HDRS";
  e.envid = "QQ+2B314159";
  e.client_ip = "192.0.2.1";
  e.helo = "client.example";
  e.protocol = "ESMTP";
  e.recipients.push_back({"b@example.net", RcptState::kPending, "", 0, 0, "SUCCESS,FAILURE",
                          "rfc822;b@example.net", "", "", false, false});
  e.recipients.push_back({"c@example.net", RcptState::kFailed, "550 5.1.1 no\nsuch", 3,
                          1700003600, "", "", "", "", false, false});
  return e;
}

TEST(Envelope, ExactTextForm) {
  Envelope e;
  e.sender = "";
  e.recipients.emplace_back();
  e.recipients[0].address = "x@y";
  EXPECT_EQ(SerializeEnvelope(e),
            "refmta-envelope 1\nid 0:\ntime 1:0\nsender 0:\nret 0:\nenvid 0:\nip 0:\n"
            "helo 0:\nproto 0:\nrcpt 3:x@y\nstate 7:pending\nerror 0:\nattempts 1:0\n"
            "next 1:0\nnotify 0:\norcpt 0:\nend 0:\n");
}

TEST(Envelope, RoundTripWithBinaryValues) {
  Envelope e = Sample();
  e.helo = std::string("a\0b\nc:d 9:", 10);
  auto back = ParseEnvelope(SerializeEnvelope(e));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, e);
  EXPECT_FALSE(back->Done());
  e.recipients[0].state = RcptState::kDelivered;
  EXPECT_TRUE(e.Done());
}

TEST(Envelope, EveryProperPrefixIsRejected) {
  std::string text = SerializeEnvelope(Sample());
  for (size_t n = 0; n < text.size(); ++n)
    EXPECT_FALSE(ParseEnvelope(text.substr(0, n)).has_value()) << n;
}

TEST(Envelope, RejectsMalformed) {
  std::string good = SerializeEnvelope(Sample());
  EXPECT_FALSE(ParseEnvelope(good + "x").has_value());                 // trailing data
  EXPECT_FALSE(ParseEnvelope("refmta-envelope 2\nend 0:\n").has_value());
  EXPECT_TRUE(ParseEnvelope("refmta-envelope 1\nend 0:\n").has_value());
  EXPECT_FALSE(ParseEnvelope("refmta-envelope 1\nbogus 0:\nend 0:\n").has_value());
  EXPECT_FALSE(ParseEnvelope("refmta-envelope 1\ntime 2:1x\nend 0:\n").has_value());
  EXPECT_FALSE(ParseEnvelope("refmta-envelope 1\ntime 02:01\nend 0:\n").has_value());
  EXPECT_FALSE(ParseEnvelope("refmta-envelope 1\nstate 7:pending\nend 0:\n").has_value());
  EXPECT_FALSE(ParseEnvelope("refmta-envelope 1\nrcpt 1:a\nstate 3:odd\nend 0:\n").has_value());
  EXPECT_FALSE(ParseEnvelope("refmta-envelope 1\nsender 5:ab\nend 0:\n").has_value());
  EXPECT_FALSE(ParseEnvelope("refmta-envelope 1\nsender 99999999999999999999:\n").has_value());
}

TEST(Envelope, NotificationFieldsRoundTripAndAreOptional) {
  Envelope e;
  e.sender = "s@x";
  Recipient r;
  r.address = "a@y";
  r.state = RcptState::kFailed;
  r.status = "5.1.1";
  r.remote_mta = "mx.y";
  r.relayed = true;
  r.report_due = true;
  e.recipients.push_back(r);
  std::string text = SerializeEnvelope(e);
  EXPECT_NE(text.find("status 5:5.1.1\nmta 4:mx.y\nrelayed 1:1\nreport 3:due\n"), std::string::npos);
  auto back = ParseEnvelope(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, e);
  // Unset fields are not written: envelopes without them read as before.
  e.recipients[0] = Recipient{};
  e.recipients[0].address = "a@y";
  EXPECT_EQ(SerializeEnvelope(e).find("report"), std::string::npos);
  EXPECT_FALSE(ParseEnvelope("refmta-envelope 1\nrcpt 1:a\nreport 4:done\nend 0:\n").has_value());
  EXPECT_FALSE(ParseEnvelope("refmta-envelope 1\nrcpt 1:a\nrelayed 1:0\nend 0:\n").has_value());
}

TEST(Envelope, DelayWarningStatesRoundTrip) {
  Envelope e;
  e.sender = "s@x";
  for (const char* a : {"a@y", "b@y", "c@y"}) {
    Recipient r;
    r.address = a;
    e.recipients.push_back(r);
  }
  e.recipients[0].delay_warning = DelayWarning::kDue;
  e.recipients[1].delay_warning = DelayWarning::kSent;
  std::string text = SerializeEnvelope(e);
  EXPECT_NE(text.find("rcpt 3:a@y\n"), std::string::npos);
  EXPECT_NE(text.find("delay 3:due\n"), std::string::npos);
  EXPECT_NE(text.find("delay 4:sent\n"), std::string::npos);
  auto back = ParseEnvelope(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, e);
  EXPECT_EQ(back->recipients[2].delay_warning, DelayWarning::kNone);
  EXPECT_FALSE(ParseEnvelope("refmta-envelope 1\nrcpt 1:a\ndelay 4:late\nend 0:\n").has_value());
  EXPECT_FALSE(ParseEnvelope("refmta-envelope 1\ndelay 3:due\nend 0:\n").has_value());
}

RC_GTEST_PROP(EnvelopeProp, RoundTrip,
              (const std::string& sender, const std::vector<std::string>& rcpts,
               const std::string& err, uint32_t attempts, int64_t next, int64_t t)) {
  Envelope e;
  e.sender = sender;
  e.arrival_time = t;
  for (const auto& r : rcpts)
    e.recipients.push_back({r, RcptState::kFailed, err, attempts, next, err, r, err, r, false, false,
                            DelayWarning::kSent});
  auto back = ParseEnvelope(SerializeEnvelope(e));
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == e);
}

}  // namespace
}  // namespace mta::queue
