// route_test.cc: RFC 5321 5.1 / RFC 7505 routing rules against FakeResolver.
#include "mta/dns/route.h"

#include <gtest/gtest.h>

#include <set>

#include "mta/dns/fake_resolver.h"

namespace mta::dns {
namespace {

std::vector<std::string> Names(const RouteResult& r) {
  std::vector<std::string> out;
  for (const auto& h : r.hosts) out.push_back(h.name);
  return out;
}

bool HasFinding(const RouteResult& r, std::string_view prefix) {
  for (const auto& f : r.findings)
    if (f.rfind(prefix, 0) == 0) return true;
  return false;
}

RouteOptions Fixed(std::uint64_t v = 0) {
  RouteOptions o;
  o.random = [v]() { return v; };
  return o;
}

TEST(Route, SortsByPreferenceAndResolvesEachExchange) {
  FakeResolver dns;
  dns.AddMx("d.test", 20, "mx2.d.test");
  dns.AddMx("d.test", 10, "mx1.d.test");
  dns.AddA("mx1.d.test", "192.0.2.1");
  dns.AddA("mx1.d.test", "192.0.2.2");
  dns.AddA("mx2.d.test", "192.0.2.3");
  dns.AddAaaa("mx2.d.test", "2001:db8::3");
  RouteResult r = ResolveMailRoute(dns, "d.test", Fixed());
  ASSERT_EQ(r.status, RouteStatus::kOk) << r.detail;
  EXPECT_EQ(Names(r), (std::vector<std::string>{"mx1.d.test", "mx2.d.test"}));
  EXPECT_EQ(r.hosts[0].addresses, (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
  EXPECT_EQ(r.hosts[1].addresses, (std::vector<std::string>{"192.0.2.3"}));
  EXPECT_EQ(r.hosts[0].preference, 10);
  EXPECT_EQ(dns.CountQueries("mx2.d.test", RrType::kAaaa), 0);  // IPv6 off
  RouteOptions v6 = Fixed();
  v6.use_ipv6 = true;
  r = ResolveMailRoute(dns, "d.test", v6);
  EXPECT_EQ(r.hosts[1].addresses, (std::vector<std::string>{"192.0.2.3", "2001:db8::3"}));
}

TEST(Route, EqualPreferencesFollowTheRandomSource) {
  FakeResolver dns;
  for (const char* n : {"a", "b", "c"}) {
    dns.AddMx("eq.test", 10, std::string(n) + ".eq.test");
    dns.AddA(std::string(n) + ".eq.test", "192.0.2.9");
  }
  dns.AddMx("eq.test", 5, "first.eq.test");
  dns.AddA("first.eq.test", "192.0.2.8");
  std::set<std::string> seconds;
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    std::uint64_t state = seed;
    RouteOptions o;
    o.random = [&state]() { return state++; };
    RouteResult r = ResolveMailRoute(dns, "eq.test", o);
    ASSERT_EQ(r.hosts.size(), 4u);
    EXPECT_EQ(r.hosts[0].name, "first.eq.test");  // shuffling stays within a preference
    seconds.insert(r.hosts[1].name);
  }
  EXPECT_EQ(seconds.size(), 3u) << "every equal-preference MX comes first for some draw";
  // Deterministic for a fixed source.
  EXPECT_EQ(Names(ResolveMailRoute(dns, "eq.test", Fixed(7))),
            Names(ResolveMailRoute(dns, "eq.test", Fixed(7))));
}

TEST(Route, NoMxMeansImplicitMx) {
  FakeResolver dns;
  dns.AddA("aonly.test", "192.0.2.5");
  RouteResult r = ResolveMailRoute(dns, "aonly.test", Fixed());
  ASSERT_EQ(r.status, RouteStatus::kOk) << r.detail;
  ASSERT_EQ(r.hosts.size(), 1u);
  EXPECT_TRUE(r.hosts[0].implicit);
  EXPECT_EQ(r.hosts[0].preference, 0);
  EXPECT_EQ(r.hosts[0].addresses, (std::vector<std::string>{"192.0.2.5"}));
}

TEST(Route, ImplicitMxWithoutAddressIsPermanent) {
  FakeResolver dns;
  dns.Add(MakeTxt("txtonly.test", {"x"}));
  RouteResult r = ResolveMailRoute(dns, "txtonly.test", Fixed());
  EXPECT_EQ(r.status, RouteStatus::kNoUsableHost);
  EXPECT_TRUE(IsPermanentFailure(r.status));
}

TEST(Route, NxDomainIsPermanentNoSuchDomain) {
  FakeResolver dns;
  RouteResult r = ResolveMailRoute(dns, "nowhere.test", Fixed());
  EXPECT_EQ(r.status, RouteStatus::kNoSuchDomain);
  EXPECT_TRUE(IsPermanentFailure(r.status));
  EXPECT_EQ(dns.CountQueries("nowhere.test", RrType::kA), 0);
}

TEST(Route, TempFailOnMxDefersWithoutAddressFallback) {
  FakeResolver dns;
  dns.AddA("servfail.test", "192.0.2.66");  // a trap: must never be used
  for (auto reason : {TempFailReason::kServFail, TempFailReason::kTimeout,
                      TempFailReason::kRefused, TempFailReason::kMalformed}) {
    dns.SetStatus("servfail.test", RrType::kMx, QueryStatus::kTempFail, reason);
    RouteResult r = ResolveMailRoute(dns, "servfail.test", Fixed());
    EXPECT_EQ(r.status, RouteStatus::kTempFail);
    EXPECT_FALSE(IsPermanentFailure(r.status));
    EXPECT_TRUE(r.hosts.empty());
    EXPECT_NE(r.detail.find(TempFailReasonName(reason)), std::string::npos) << r.detail;
  }
  EXPECT_EQ(dns.CountQueries("servfail.test", RrType::kA), 0);
}

TEST(Route, NullMx) {
  FakeResolver dns;
  dns.AddMx("nullmx.test", 0, ".");
  dns.AddA("nullmx.test", "192.0.2.66");
  RouteResult r = ResolveMailRoute(dns, "nullmx.test", Fixed());
  EXPECT_EQ(r.status, RouteStatus::kNullMx);
  EXPECT_TRUE(IsPermanentFailure(r.status));
  EXPECT_EQ(dns.CountQueries("nullmx.test", RrType::kA), 0);
  EXPECT_EQ(dns.CountQueries(".", RrType::kA), 0);
}

TEST(Route, DotAmongOtherMxIsDroppedNotNullMx) {
  FakeResolver dns;
  dns.AddMx("mixed.test", 0, ".");
  dns.AddMx("mixed.test", 10, "mx.mixed.test");
  dns.AddA("mx.mixed.test", "192.0.2.7");
  RouteResult r = ResolveMailRoute(dns, "mixed.test", Fixed());
  ASSERT_EQ(r.status, RouteStatus::kOk);
  EXPECT_EQ(Names(r), (std::vector<std::string>{"mx.mixed.test"}));
  EXPECT_TRUE(HasFinding(r, "null-mx-mixed"));
}

TEST(Route, MxTargetsWithoutAddressNeverFallBackToDomainA) {
  FakeResolver dns;
  dns.AddMx("mxnx.test", 10, "gone.mxnx.test");  // NXDOMAIN target
  dns.AddA("mxnx.test", "192.0.2.66");
  RouteResult r = ResolveMailRoute(dns, "mxnx.test", Fixed());
  EXPECT_EQ(r.status, RouteStatus::kNoUsableHost);
  EXPECT_TRUE(HasFinding(r, "mx-no-address:gone.mxnx.test"));
  EXPECT_EQ(dns.CountQueries("mxnx.test", RrType::kA), 0);
}

TEST(Route, SecondMxUsedWhenFirstHasNoAddress) {
  FakeResolver dns;
  dns.AddMx("mx-ok.test", 10, "dead.mx-ok.test");
  dns.AddMx("mx-ok.test", 20, "live.mx-ok.test");
  dns.AddA("live.mx-ok.test", "192.0.2.20");
  RouteResult r = ResolveMailRoute(dns, "mx-ok.test", Fixed());
  ASSERT_EQ(r.status, RouteStatus::kOk);
  EXPECT_EQ(Names(r), (std::vector<std::string>{"live.mx-ok.test"}));
}

TEST(Route, TempFailOfOnlyExchangeDefers) {
  FakeResolver dns;
  dns.AddMx("t.test", 10, "mx.t.test");
  dns.SetStatus("mx.t.test", RrType::kA, QueryStatus::kTempFail);
  RouteResult r = ResolveMailRoute(dns, "t.test", Fixed());
  EXPECT_EQ(r.status, RouteStatus::kTempFail);
  // With a second, working exchange the route proceeds.
  dns.AddMx("t.test", 20, "mx2.t.test");
  dns.AddA("mx2.t.test", "192.0.2.2");
  r = ResolveMailRoute(dns, "t.test", Fixed());
  ASSERT_EQ(r.status, RouteStatus::kOk);
  EXPECT_EQ(Names(r), (std::vector<std::string>{"mx2.t.test"}));
  EXPECT_TRUE(HasFinding(r, "mx-temp-fail:mx.t.test"));
}

TEST(Route, IpLiteralExchangeIsSkipped) {
  FakeResolver dns;
  dns.AddMx("mx-ip.test", 10, "127.0.0.20");
  RouteResult r = ResolveMailRoute(dns, "mx-ip.test", Fixed());
  EXPECT_EQ(r.status, RouteStatus::kNoUsableHost);
  EXPECT_TRUE(HasFinding(r, "mx-ip-literal:127.0.0.20"));
  EXPECT_EQ(dns.CountQueries("127.0.0.20", RrType::kA), 0);
  dns.AddMx("mx-ip.test", 20, "mx.mx-ip.test");
  dns.AddA("mx.mx-ip.test", "192.0.2.4");
  r = ResolveMailRoute(dns, "mx-ip.test", Fixed());
  ASSERT_EQ(r.status, RouteStatus::kOk);
  EXPECT_EQ(Names(r), (std::vector<std::string>{"mx.mx-ip.test"}));
}

TEST(Route, CnameExchangeIsFollowedForAddressOnly) {
  FakeResolver dns;
  dns.AddMx("mx-cname.test", 10, "alias.mx-cname.test");
  dns.AddCname("alias.mx-cname.test", "real.mx-cname.test");
  dns.AddA("real.mx-cname.test", "192.0.2.30");
  RouteResult r = ResolveMailRoute(dns, "mx-cname.test", Fixed());
  ASSERT_EQ(r.status, RouteStatus::kOk);
  EXPECT_EQ(r.hosts[0].name, "alias.mx-cname.test");  // the exchange keeps its name
  EXPECT_EQ(r.hosts[0].addresses, (std::vector<std::string>{"192.0.2.30"}));
  EXPECT_TRUE(HasFinding(r, "mx-cname:alias.mx-cname.test->real.mx-cname.test"));
}

TEST(Route, CnameDomainIsNotRewritten) {
  FakeResolver dns;
  dns.AddCname("cname-domain.test", "real.test");
  dns.AddMx("real.test", 10, "mx.real.test");
  dns.AddA("mx.real.test", "192.0.2.40");
  RouteResult r = ResolveMailRoute(dns, "cname-domain.test", Fixed());
  ASSERT_EQ(r.status, RouteStatus::kOk);
  EXPECT_EQ(r.domain, "cname-domain.test");
  EXPECT_EQ(Names(r), (std::vector<std::string>{"mx.real.test"}));
  EXPECT_TRUE(HasFinding(r, "domain-is-cname:real.test"));
}

TEST(Route, SelfAsOnlyMxIsPermanentLoop) {
  FakeResolver dns;
  dns.AddMx("mx-self.test", 10, "me.test");
  dns.AddA("me.test", "127.0.0.10");
  RouteOptions o = Fixed();
  o.self_names = {"ME.test."};
  RouteResult r = ResolveMailRoute(dns, "mx-self.test", o);
  EXPECT_EQ(r.status, RouteStatus::kMxPointsToSelf);
  EXPECT_TRUE(IsPermanentFailure(r.status));
  EXPECT_TRUE(r.hosts.empty());
}

TEST(Route, SelfDropsItsLevelAndWorse) {
  FakeResolver dns;
  dns.AddMx("s.test", 10, "me.s.test");
  dns.AddMx("s.test", 10, "peer.s.test");
  dns.AddMx("s.test", 20, "sink.s.test");
  dns.AddMx("s.test", 5, "better.s.test");
  dns.AddA("me.s.test", "127.0.0.11");  // recognised by a secondary address (J3-T4)
  dns.AddA("peer.s.test", "192.0.2.1");
  dns.AddA("sink.s.test", "192.0.2.2");
  dns.AddA("better.s.test", "192.0.2.3");
  RouteOptions o = Fixed();
  o.self_addresses = {"127.0.0.10", "127.0.0.11"};
  RouteResult r = ResolveMailRoute(dns, "s.test", o);
  ASSERT_EQ(r.status, RouteStatus::kOk);
  EXPECT_EQ(Names(r), (std::vector<std::string>{"better.s.test"}));
  EXPECT_TRUE(HasFinding(r, "mx-self:me.s.test"));
}

TEST(Route, SelfAtBestLevelWithWorseMxIsStillALoop) {
  FakeResolver dns;  // J3-T2: MX 10 <MUT>, MX 20 sink -> bounce
  dns.AddMx("s2.test", 10, "me.test");
  dns.AddMx("s2.test", 20, "sink.test");
  dns.AddA("me.test", "127.0.0.10");
  dns.AddA("sink.test", "127.0.0.30");
  RouteOptions o = Fixed();
  o.self_addresses = {"127.0.0.10"};
  EXPECT_EQ(ResolveMailRoute(dns, "s2.test", o).status, RouteStatus::kMxPointsToSelf);
  // J3-T3: MX 10 sink, MX 20 <MUT> -> the sink only.
  FakeResolver dns2;
  dns2.AddMx("s3.test", 10, "sink.test");
  dns2.AddMx("s3.test", 20, "me.test");
  dns2.AddA("me.test", "127.0.0.10");
  dns2.AddA("sink.test", "127.0.0.30");
  RouteResult r = ResolveMailRoute(dns2, "s3.test", o);
  ASSERT_EQ(r.status, RouteStatus::kOk);
  EXPECT_EQ(Names(r), (std::vector<std::string>{"sink.test"}));
}

TEST(Route, ImplicitMxPointingToSelf) {
  FakeResolver dns;
  dns.AddA("host.test", "127.0.0.10");
  RouteOptions o = Fixed();
  o.self_addresses = {"127.0.0.10"};
  EXPECT_EQ(ResolveMailRoute(dns, "host.test", o).status, RouteStatus::kMxPointsToSelf);
}

TEST(Route, AaaaOnlyExchangeNeedsIpv6) {
  FakeResolver dns;
  dns.AddMx("aaaa-only.test", 10, "mx6.aaaa-only.test");
  dns.AddAaaa("mx6.aaaa-only.test", "::1");
  EXPECT_EQ(ResolveMailRoute(dns, "aaaa-only.test", Fixed()).status,
            RouteStatus::kNoUsableHost);
  RouteOptions o = Fixed();
  o.use_ipv6 = true;
  RouteResult r = ResolveMailRoute(dns, "aaaa-only.test", o);
  ASSERT_EQ(r.status, RouteStatus::kOk);
  EXPECT_EQ(r.hosts[0].addresses, (std::vector<std::string>{"::1"}));
}

TEST(Route, DomainLiteralNeedsNoDns) {
  FakeResolver dns;
  RouteResult r = ResolveMailRoute(dns, "[192.0.2.9]", Fixed());
  ASSERT_EQ(r.status, RouteStatus::kOk);
  EXPECT_EQ(r.hosts[0].addresses, (std::vector<std::string>{"192.0.2.9"}));
  r = ResolveMailRoute(dns, "[IPv6:2001:db8::1]", Fixed());
  ASSERT_EQ(r.status, RouteStatus::kOk);
  EXPECT_EQ(r.hosts[0].addresses, (std::vector<std::string>{"2001:db8::1"}));
  EXPECT_EQ(ResolveMailRoute(dns, "[nonsense]", Fixed()).status, RouteStatus::kNoUsableHost);
  EXPECT_TRUE(dns.log().empty());
}

TEST(Route, ManyMxAreCapped) {
  FakeResolver dns;
  for (int i = 0; i < 100; ++i) {
    dns.AddMx("many.test", static_cast<std::uint16_t>(i), "mx" + std::to_string(i) + ".many.test");
    dns.AddA("mx" + std::to_string(i) + ".many.test", "192.0.2.1");
  }
  RouteOptions o = Fixed();
  o.max_hosts = 30;
  RouteResult r = ResolveMailRoute(dns, "many.test", o);
  ASSERT_EQ(r.status, RouteStatus::kOk);
  EXPECT_EQ(r.hosts.size(), 30u);
  EXPECT_EQ(r.hosts[0].name, "mx0.many.test");
}

}  // namespace
}  // namespace mta::dns
