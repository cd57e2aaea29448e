// fixture_test.cc: StubResolver and ResolveMailRoute against the in-process DnsFixture
// serving harness/dns/zones/fixture.json (UDP, TCP after TC, SERVFAIL, REFUSED, NXDOMAIN,
// timeout, and the J1-J7 routing cases).
#include <gtest/gtest.h>

#include <sstream>

#include "harness/dns/fixture.h"
#include "mta/dns/route.h"
#include "mta/dns/stub_resolver.h"
#include "mta/lib/dns/wire.h"

namespace mta::dnsfixture {
namespace {

using dns::QueryStatus;
using dns::RrType;

class FixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Zone zone;
    std::string error;
    ASSERT_TRUE(Zone::Load(MTA_SOURCE_ROOT "/harness/dns/zones/fixture.json", &zone, &error))
        << error;
    fixture_ = std::make_unique<DnsFixture>(std::move(zone));
    fixture_->set_log_stream(&log_);
    ASSERT_TRUE(fixture_->Start("127.0.0.1", 0, &error)) << error;
    config_.servers = {{fixture_->ip(), fixture_->port()}};
    config_.timeout_ms = 300;
    config_.attempts = 1;
  }
  void TearDown() override {
    if (fixture_) fixture_->Stop();
  }
  int CountLog(const std::string& transport, const std::string& name) {
    int n = 0;
    for (const auto& e : fixture_->log())
      if (e.transport == transport && e.name == name) ++n;
    return n;
  }
  std::ostringstream log_;
  std::unique_ptr<DnsFixture> fixture_;
  dns::ResolverConfig config_;
};

std::vector<std::string> Names(const dns::RouteResult& r) {
  std::vector<std::string> out;
  for (const auto& h : r.hosts) out.push_back(h.name);
  return out;
}

TEST_F(FixtureTest, AnswersAOverUdp) {
  dns::StubResolver r(config_);
  dns::QueryResult q = r.Query("MX1.sink.test", RrType::kA);
  ASSERT_EQ(q.status, QueryStatus::kOk) << q.detail;
  ASSERT_EQ(q.answers.size(), 1u);
  EXPECT_EQ(std::get<dns::AddressRdata>(q.answers[0].data).address, "127.0.0.20");
  EXPECT_FALSE(q.used_tcp);
  EXPECT_EQ(CountLog("udp", "mx1.sink.test"), 1);
  EXPECT_NE(log_.str().find("\"transport\":\"udp\""), std::string::npos) << log_.str();
}

TEST_F(FixtureTest, TruncatedUdpAnswerIsRetriedOverTcp) {
  dns::StubResolver r(config_);
  dns::QueryResult q = r.Query("big.test", RrType::kMx);
  ASSERT_EQ(q.status, QueryStatus::kOk) << q.detail;
  EXPECT_EQ(q.answers.size(), 30u);
  EXPECT_TRUE(q.used_tcp);
  EXPECT_EQ(CountLog("udp", "big.test"), 1);
  EXPECT_EQ(CountLog("tcp", "big.test"), 1);
  bool saw_tc = false;
  for (const auto& e : fixture_->log()) saw_tc = saw_tc || (e.transport == "udp" && e.truncated);
  EXPECT_TRUE(saw_tc);
  q = r.Query("bigtxt.test", RrType::kTxt);
  ASSERT_EQ(q.status, QueryStatus::kOk) << q.detail;
  EXPECT_EQ(q.answers.size(), 20u);
  EXPECT_TRUE(q.used_tcp);
}

TEST_F(FixtureTest, EdnsPayloadSizeAvoidsTruncation) {
  Zone zone;
  std::string error;
  ASSERT_TRUE(Zone::Load(MTA_SOURCE_ROOT "/harness/dns/zones/fixture.json", &zone, &error));
  dns::Message q = dns::MakeQuery(5, "big.test", RrType::kMx);
  dns::ResourceRecord opt;
  opt.name = ".";
  opt.type = RrType::kOpt;
  opt.rclass = 2048;
  opt.data = dns::RawRdata{};
  q.additional.push_back(opt);
  auto reply = zone.Answer(q);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->answers.size(), 30u);
  EXPECT_GT(dns::Serialize(*reply).wire.size(), dns::kMaxUdpSize);
}

TEST_F(FixtureTest, NxDomainNoDataServfailRefusedTimeout) {
  dns::StubResolver r(config_);
  EXPECT_EQ(r.Query("nxdomain.test", RrType::kMx).status, QueryStatus::kNxDomain);
  EXPECT_EQ(r.Query("aonly.test", RrType::kMx).status, QueryStatus::kNoData);
  EXPECT_EQ(r.Query("sink.test", RrType::kMx).status, QueryStatus::kNoData);
  EXPECT_EQ(r.Query("test", RrType::kA).status, QueryStatus::kNoData);  // empty non-terminal
  dns::QueryResult q = r.Query("servfail.test", RrType::kMx);
  EXPECT_EQ(q.status, QueryStatus::kTempFail);
  EXPECT_EQ(q.reason, dns::TempFailReason::kServFail);
  EXPECT_EQ(r.Query("servfail.test", RrType::kA).status, QueryStatus::kOk);  // MX only
  q = r.Query("refused.test", RrType::kA);
  EXPECT_EQ(q.status, QueryStatus::kTempFail);
  EXPECT_EQ(q.reason, dns::TempFailReason::kRefused);
  q = r.Query("timeout.test", RrType::kMx);
  EXPECT_EQ(q.status, QueryStatus::kTempFail);
  EXPECT_EQ(q.reason, dns::TempFailReason::kTimeout);
}

TEST_F(FixtureTest, TimeoutAttemptsAndServerFailover) {
  // A dead first server (nothing listens on the fixture port + 0 of another address) and
  // the fixture second: the answer comes from the second.
  config_.servers.insert(config_.servers.begin(), {"127.0.0.1", 9});
  dns::StubResolver r(config_);
  dns::QueryResult q = r.Query("aonly.test", RrType::kA);
  EXPECT_EQ(q.status, QueryStatus::kOk) << q.detail;
  config_.attempts = 2;
  config_.servers = {{fixture_->ip(), fixture_->port()}};
  dns::StubResolver r2(config_);
  q = r2.Query("timeout.test", RrType::kA);
  EXPECT_EQ(q.status, QueryStatus::kTempFail);
  EXPECT_EQ(CountLog("udp", "timeout.test"), 2);  // one per attempt
}

TEST_F(FixtureTest, CnameChainIsFollowed) {
  dns::StubResolver r(config_);
  dns::QueryResult q = r.Query("mxalias.mx-cname.test", RrType::kA);
  ASSERT_EQ(q.status, QueryStatus::kOk) << q.detail;
  EXPECT_TRUE(q.via_cname);
  EXPECT_EQ(q.canonical_name, "trap.sink.test");
  q = r.Query("cname-domain.test", RrType::kMx);
  ASSERT_EQ(q.status, QueryStatus::kOk) << q.detail;
  EXPECT_EQ(q.canonical_name, "real.test");
}

TEST_F(FixtureTest, ResolverChecksIdOfAnswers) {
  // Fixed ids still work (the fixture echoes them); the id source is honoured.
  int calls = 0;
  dns::StubResolver r(config_, [&calls]() { ++calls; return std::uint16_t{42}; });
  EXPECT_EQ(r.Query("aonly.test", RrType::kA).status, QueryStatus::kOk);
  EXPECT_EQ(calls, 1);
}

TEST_F(FixtureTest, RoutingCasesOfTheReference) {
  dns::StubResolver r(config_);
  dns::RouteOptions o;
  o.random = []() { return std::uint64_t{0}; };
  o.self_addresses = {"127.0.0.10"};

  dns::RouteResult x = dns::ResolveMailRoute(r, "mx-ok.test", o);
  ASSERT_EQ(x.status, dns::RouteStatus::kOk) << x.detail;
  EXPECT_EQ(Names(x), (std::vector<std::string>{"dead.mx-ok.test", "mx2.sink.test"}));

  EXPECT_EQ(dns::ResolveMailRoute(r, "aonly.test", o).hosts.at(0).addresses,
            (std::vector<std::string>{"127.0.0.20"}));
  EXPECT_EQ(dns::ResolveMailRoute(r, "nxdomain.test", o).status, dns::RouteStatus::kNoSuchDomain);
  EXPECT_EQ(dns::ResolveMailRoute(r, "servfail.test", o).status, dns::RouteStatus::kTempFail);
  EXPECT_EQ(CountLog("udp", "servfail.test"), 1) << "no A fallback after SERVFAIL on MX";
  EXPECT_EQ(dns::ResolveMailRoute(r, "timeout.test", o).status, dns::RouteStatus::kTempFail);
  EXPECT_EQ(dns::ResolveMailRoute(r, "mxnx.test", o).status, dns::RouteStatus::kNoUsableHost);
  EXPECT_EQ(dns::ResolveMailRoute(r, "nullmx.test", o).status, dns::RouteStatus::kNullMx);

  x = dns::ResolveMailRoute(r, "cname-domain.test", o);
  ASSERT_EQ(x.status, dns::RouteStatus::kOk);
  EXPECT_EQ(x.domain, "cname-domain.test");
  EXPECT_EQ(Names(x), (std::vector<std::string>{"mx1.sink.test"}));

  x = dns::ResolveMailRoute(r, "mx-ip.test", o);
  EXPECT_EQ(x.status, dns::RouteStatus::kNoUsableHost);
  ASSERT_FALSE(x.findings.empty());
  EXPECT_EQ(x.findings[0], "mx-ip-literal:127.0.0.29");

  x = dns::ResolveMailRoute(r, "mx-cname.test", o);
  ASSERT_EQ(x.status, dns::RouteStatus::kOk);
  EXPECT_EQ(x.hosts[0].addresses, (std::vector<std::string>{"127.0.0.29"}));

  x = dns::ResolveMailRoute(r, "big.test", o);
  ASSERT_EQ(x.status, dns::RouteStatus::kOk) << x.detail;
  EXPECT_EQ(x.hosts.size(), 30u);
  EXPECT_EQ(x.hosts[0].name, "mail-exchanger-1.big.test");

  EXPECT_EQ(dns::ResolveMailRoute(r, "aaaa-only.test", o).status,
            dns::RouteStatus::kNoUsableHost);
  dns::RouteOptions v6 = o;
  v6.use_ipv6 = true;
  x = dns::ResolveMailRoute(r, "aaaa-only.test", v6);
  ASSERT_EQ(x.status, dns::RouteStatus::kOk);
  EXPECT_EQ(x.hosts[0].addresses, (std::vector<std::string>{"::1"}));

  EXPECT_EQ(dns::ResolveMailRoute(r, "mx-self.test", o).status,
            dns::RouteStatus::kMxPointsToSelf);
  EXPECT_EQ(dns::ResolveMailRoute(r, "mx-self-worse.test", o).status,
            dns::RouteStatus::kMxPointsToSelf);
  x = dns::ResolveMailRoute(r, "mx-self-better.test", o);
  ASSERT_EQ(x.status, dns::RouteStatus::kOk);
  EXPECT_EQ(Names(x), (std::vector<std::string>{"mx1.sink.test"}));
}

TEST(Zone, RejectsBadZones) {
  Zone z;
  std::string e;
  EXPECT_FALSE(Zone::FromJson("[]", &z, &e));
  EXPECT_FALSE(Zone::FromJson(R"({"records":[{"name":"a.test","type":"A"}]})", &z, &e));
  EXPECT_NE(e.find("address"), std::string::npos) << e;
  EXPECT_FALSE(Zone::FromJson(R"({"records":[{"name":"a.test","type":"A","address":"x"}]})", &z, &e));
  EXPECT_FALSE(Zone::FromJson(R"({"records":[{"name":"a..test","type":"A","address":"1.2.3.4"}]})", &z, &e));
  EXPECT_FALSE(Zone::FromJson(R"({"records":[{"name":"a.test","type":"HINFO"}]})", &z, &e));
  EXPECT_FALSE(Zone::FromJson(R"({"servfail":[7]})", &z, &e));
  EXPECT_FALSE(Zone::Load("/nonexistent.json", &z, &e));
}

TEST(Zone, AnswersFormErrAndNotImp) {
  Zone z;
  dns::Message q = dns::MakeQuery(1, "a.test", RrType::kA);
  q.questions.push_back(q.questions[0]);
  EXPECT_EQ(z.Answer(q)->rcode, static_cast<int>(dns::Rcode::kFormErr));
  q = dns::MakeQuery(1, "a.test", RrType::kA);
  q.opcode = 2;
  EXPECT_EQ(z.Answer(q)->rcode, static_cast<int>(dns::Rcode::kNotImp));
  q.opcode = 0;
  q.qr = true;
  EXPECT_FALSE(z.Answer(q).has_value());
}

}  // namespace
}  // namespace mta::dnsfixture
