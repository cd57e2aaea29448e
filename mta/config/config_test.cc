// config_test.cc: settings file parse/format round trip, every key's values, profile order,
// --set overrides, CIDR parsing, validation.
#include <gtest/gtest.h>

#include "mta/config/cidr.h"
#include "mta/config/config_file.h"
#include "mta/config/settings.h"

namespace mta::config {
namespace {

TEST(Cidr, ParsesAndMatches) {
  auto c = ParseCidr("10.1.2.3/8");
  ASSERT_TRUE(c);
  EXPECT_EQ(FormatCidr(*c), "10.0.0.0/8");
  EXPECT_TRUE(c->Contains("10.255.0.1"));
  EXPECT_FALSE(c->Contains("11.0.0.1"));
  EXPECT_TRUE(c->Contains("::ffff:10.0.0.1"));
  EXPECT_TRUE(c->Contains("[10.0.0.1]"));
  auto h = ParseCidr("127.0.0.1");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->prefix, 32);
  auto v6 = ParseCidr("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->Contains("2001:db8:1::5"));
  EXPECT_TRUE(v6->Contains("[IPv6:2001:db8::1]"));
  EXPECT_FALSE(v6->Contains("2001:db9::1"));
  EXPECT_FALSE(v6->Contains("10.0.0.1"));
  EXPECT_FALSE(ParseCidr("10.0.0.0/33"));
  EXPECT_FALSE(ParseCidr("10.0.0/8"));
  EXPECT_FALSE(ParseCidr("::/129"));
  EXPECT_FALSE(ParseCidr("x"));
  EXPECT_FALSE(ParseCidr("1.2.3.4/"));
  auto all = ParseCidr("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->Contains("203.0.113.9"));
}

TEST(Config, DefaultsAreStrict) {
  Settings s;
  EXPECT_EQ(s.bare_lf, BareLfPolicy::kReject);
  EXPECT_EQ(s.unknown_command_code, 500);
  EXPECT_TRUE(s.path_leniencies.empty());
  EXPECT_EQ(s.max_recipients, 100u);
  EXPECT_EQ(s.idle_timeout, 300u);
  EXPECT_GE(s.command_line_max, 512u);
}

TEST(Config, RoundTripDefaultsAndProfiles) {
  for (Profile p : {Profile::kStrict, Profile::kQmail, Profile::kHardened, Profile::kInterop}) {
    Settings s = ProfileSettings(p);
    s.hostname = "mx.local.test";
    s.local_domains = {"local.test", "other.test"};
    s.users = {{"user", MailboxFormat::kMaildir}, {"bob", MailboxFormat::kMbox}};
    s.aliases = {{"postmaster", "user"}, {"abuse", "bob@local.test"}};
    s.trusted_networks = {*ParseCidr("127.0.0.0/8"), *ParseCidr("::1")};
    std::string text = FormatConfig(s);
    ConfigResult r = ParseConfig(text);
    ASSERT_TRUE(r.ok()) << r.errors[0].line << ": " << r.errors[0].message;
    EXPECT_EQ(FormatConfig(r.settings), text);
    EXPECT_EQ(r.settings.profile, p);
    EXPECT_EQ(r.settings.users.size(), 2u);
    EXPECT_EQ(r.settings.users[1].format, MailboxFormat::kMbox);
    EXPECT_EQ(r.settings.aliases.at("abuse"), "bob@local.test");
    EXPECT_EQ(r.settings.trusted_networks.size(), 2u);
  }
}

TEST(Config, EveryKeyEveryValueAndBadValue) {
  for (const KeyDescriptor& d : SettingsTable()) {
    SCOPED_TRACE(std::string(d.name));
    if (d.type == KeyType::kEnum || d.type == KeyType::kBool) {
      for (auto v : d.values) {
        ConfigResult r = ParseConfig("# c\n" + std::string(d.name) + " = " + std::string(v) + "\n");
        ASSERT_TRUE(r.ok()) << r.errors[0].message;
        if (d.name != "profile") EXPECT_EQ(d.get(r.settings), std::string(v));
      }
      ConfigResult bad = ParseConfig("\n\n" + std::string(d.name) + " = nonsense-value\n");
      ASSERT_EQ(bad.errors.size(), 1u);
      EXPECT_EQ(bad.errors[0].line, 3);
    } else if (d.type == KeyType::kInt) {
      ConfigResult r = ParseConfig(std::string(d.name) + " = 4096\n");
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(d.get(r.settings), "4096");
      ConfigResult bad = ParseConfig("x_unused_line_is_comment = 1\n" + std::string(d.name) +
                                     " = 12x\n");
      ASSERT_EQ(bad.errors.size(), 2u);  // unknown key (line 1) and bad number (line 2)
      EXPECT_EQ(bad.errors[1].line, 2);
    } else if (d.type == KeyType::kList && !d.values.empty()) {
      std::string all;
      for (auto v : d.values) all += (all.empty() ? "" : ", ") + std::string(v);
      ConfigResult r = ParseConfig(std::string(d.name) + " = " + all + "\n");
      ASSERT_TRUE(r.ok()) << r.errors[0].message;
      EXPECT_EQ(d.get(r.settings), all);
      ConfigResult bad = ParseConfig(std::string(d.name) + " = nonsense-value\n");
      ASSERT_EQ(bad.errors.size(), 1u);
      EXPECT_EQ(bad.errors[0].line, 1);
    }
  }
}

TEST(Config, ListAndStructuredKeysRejectBadItems) {
  EXPECT_FALSE(ParseConfig("users = a:zip\n").ok());
  EXPECT_FALSE(ParseConfig("aliases = nocolon\n").ok());
  EXPECT_FALSE(ParseConfig("trusted_networks = 10.0.0.0/8, 300.1.1.1\n").ok());
  ConfigResult r = ParseConfig("trusted_networks =\nrelay_domains = a.test ,b.test\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.settings.trusted_networks.empty());
  EXPECT_EQ(r.settings.relay_domains, (std::vector<std::string>{"a.test", "b.test"}));
}

TEST(Config, SyntaxErrorsCarryLineNumbers) {
  ConfigResult r = ParseConfig("hostname = a\n\njust words\nno_such_key = 1\n");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_EQ(r.errors[1].line, 4);
  EXPECT_EQ(r.settings.hostname, "a");
}

TEST(Config, CommentsAfterWhiteSpace) {
  ConfigResult r = ParseConfig("greeting = hi#there # comment\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.settings.greeting, "hi#there");
}

TEST(Config, ProfileIsAppliedFirstWhateverItsLine) {
  ConfigResult r = ParseConfig("bare_lf = reject\nprofile = qmail\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.settings.bare_lf, BareLfPolicy::kReject);       // explicit key wins
  EXPECT_EQ(r.settings.unknown_command_code, 502);             // from the preset
  EXPECT_EQ(r.settings.profile, Profile::kQmail);
  ConfigResult later = ParseConfig("bare_lf = normalize\nbare_lf = accept\n");
  EXPECT_EQ(later.settings.bare_lf, BareLfPolicy::kAccept);    // last wins
}

TEST(Config, QmailProfileValues) {
  Settings q = ProfileSettings(Profile::kQmail);
  EXPECT_EQ(q.bare_lf, BareLfPolicy::kClose);
  EXPECT_EQ(q.unknown_recipient, UnknownRecipient::kAccept);
  EXPECT_EQ(q.relay_denied_code, 553);
  EXPECT_EQ(q.size, SizePolicy::kLate);
  EXPECT_FALSE(q.advertise.enhancedstatuscodes);
  EXPECT_TRUE(q.advertise.eightbitmime);
  EXPECT_TRUE(q.path_leniencies.Has(smtp::Leniency::kLfLineEnd));
  EXPECT_EQ(FindKey("bare_lf")->QmailValue(), "close");
  EXPECT_EQ(FindKey("bare_lf")->DefaultValue(), "reject");
  EXPECT_EQ(FindKey("advertise")->QmailValue(), "8bitmime");
}

TEST(Config, SetOverrides) {
  ConfigResult r = ParseConfig("profile = qmail\n");
  Settings s = r.settings;
  std::string err;
  EXPECT_TRUE(ApplySet(&s, "unknown_command_code=500", &err));
  EXPECT_EQ(s.unknown_command_code, 500);
  EXPECT_TRUE(ApplySet(&s, " max_recipients = 1000 ", &err));
  EXPECT_EQ(s.max_recipients, 1000u);
  EXPECT_FALSE(ApplySet(&s, "unknown_command_code=501", &err));
  EXPECT_FALSE(err.empty());
  EXPECT_FALSE(ApplySet(&s, "nokey=1", &err));
  EXPECT_FALSE(ApplySet(&s, "novalue", &err));
  EXPECT_TRUE(ApplySet(&s, "profile=strict", &err));
  EXPECT_EQ(s.bare_lf, BareLfPolicy::kReject);
  EXPECT_EQ(s.max_recipients, 1000u);  // not a switch: kept
}

TEST(Config, MarkdownListsEveryKey) {
  std::string md = ConfigReferenceMarkdown();
  for (const KeyDescriptor& d : SettingsTable()) {
    EXPECT_NE(md.find("| `" + std::string(d.name) + "` |"), std::string::npos) << d.name;
  }
  EXPECT_NE(md.find("B1 bare-lf-in-data"), std::string::npos);
}

TEST(Config, FormatDocumentsSwitches) {
  std::string f = FormatConfig(Settings{});
  EXPECT_NE(f.find("#   values: reject | normalize | accept | close\n"), std::string::npos);
  EXPECT_NE(f.find("#   default: reject; qmail: close\n"), std::string::npos);
  EXPECT_NE(f.find("bare_lf = reject\n"), std::string::npos);
}

TEST(Config, Validate) {
  Settings s;
  EXPECT_TRUE(Validate(s).empty());
  s.max_recipients = 50;
  s.command_line_max = 100;
  s.tls_cert = "/c.pem";
  s.advertise.eightbitmime = false;
  auto p = Validate(s);
  EXPECT_EQ(p.size(), 4u);
}

}  // namespace
}  // namespace mta::config

namespace mta::config {
namespace {

TEST(SendingKeys, DefaultsAndQmailValues) {
  Settings s;
  EXPECT_EQ(s.bounce_format, BounceFormat::kRfc3464);
  EXPECT_EQ(s.queue_lifetime, 432000u);
  EXPECT_EQ(s.tls_client, TlsClient::kOpportunistic);
  EXPECT_TRUE(s.remote_ipv6);
  Settings q = ProfileSettings(Profile::kQmail);
  EXPECT_EQ(q.bounce_format, BounceFormat::kQsbmf);
  EXPECT_EQ(q.double_bounce, DoubleBouncePolicy::kQmail);
  EXPECT_EQ(q.bounce_size_limit, 0u);
  EXPECT_FALSE(q.delay_warnings);
  EXPECT_FALSE(q.remote_ipv6);
  EXPECT_FALSE(q.bounce_auto_submitted);
  EXPECT_EQ(q.retry_policy, RetryPolicyKind::kQmail);
  EXPECT_EQ(q.queue_lifetime, 604800u);
  EXPECT_EQ(q.recipients_per_transaction, 1u);
  EXPECT_EQ(q.smtp_client_greeting, ClientGreeting::kHelo);
  EXPECT_EQ(q.eight_bit_relay, EightBitRelay::kRaw);
  EXPECT_EQ(q.tls_client, TlsClient::kOff);
  EXPECT_EQ(FindKey("eight_bit_relay")->QmailValue(), "raw");
  EXPECT_EQ(FindKey("double_bounce")->DefaultValue(), "postmaster");
  // Re-applying strict resets the sending switches too.
  std::string err;
  ASSERT_TRUE(ApplySet(&q, "profile=strict", &err));
  EXPECT_EQ(q.bounce_format, BounceFormat::kRfc3464);
  EXPECT_EQ(q.recipients_per_transaction, 100u);
}

TEST(SendingKeys, RetryIntervals) {
  std::vector<std::int64_t> v;
  ASSERT_TRUE(ParseDurationList("30m,1h, 2h ,3h", &v));
  EXPECT_EQ(v, (std::vector<std::int64_t>{1800, 3600, 7200, 10800}));
  ASSERT_TRUE(ParseDurationList("90, 1d, 5s", &v));
  EXPECT_EQ(v, (std::vector<std::int64_t>{90, 86400, 5}));
  EXPECT_FALSE(ParseDurationList("", &v));
  EXPECT_FALSE(ParseDurationList("0m", &v));
  EXPECT_FALSE(ParseDurationList("1x", &v));
  EXPECT_FALSE(ParseDurationList("m", &v));
  ConfigResult r = ParseConfig("retry_intervals = 10m ,20m\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.settings.retry_intervals, "10m, 20m");
  EXPECT_FALSE(ParseConfig("retry_intervals = soon\n").ok());
}

TEST(SendingKeys, SmtpRoutesForms) {
  ConfigResult r = ParseConfig(
      "smtp_routes = example.org=192.0.2.1:2525, .example.org=relay.test, "
      "=[2001:db8::1]:26, local.example.org=\n");
  ASSERT_TRUE(r.ok()) << r.errors[0].message;
  EXPECT_EQ(r.settings.smtp_routes,
            (std::vector<std::string>{"example.org=192.0.2.1:2525", ".example.org=relay.test",
                                      "=[2001:db8::1]:26", "local.example.org="}));
  // Round trip through the documented file.
  ConfigResult back = ParseConfig(FormatConfig(r.settings));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.settings.smtp_routes, r.settings.smtp_routes);
  EXPECT_TRUE(Settings{}.smtp_routes.empty());
  EXPECT_TRUE(ProfileSettings(Profile::kQmail).smtp_routes.empty());
  // The qmail profile keeps the routes (the same semantics: qmail's smtproutes).
  std::string err;
  Settings q = r.settings;
  ASSERT_TRUE(ApplySet(&q, "profile=qmail", &err));
  EXPECT_EQ(q.smtp_routes, r.settings.smtp_routes);
  for (const char* bad : {"no-equals", "=", "example.org=host:0", "example.org=a:b:c",
                          "..x=1.2.3.4", ".=1.2.3.4", "a..b=1.2.3.4", "x.=1.2.3.4",
                          "a b=1.2.3.4", "example.org=host:99999"}) {
    Settings s;
    EXPECT_FALSE(ApplySet(&s, std::string("smtp_routes=") + bad, &err)) << bad;
    EXPECT_NE(err.find("smtp_routes"), std::string::npos) << err;
  }
  EXPECT_FALSE(ParseConfig("smtp_routes = x.test=\n=\n").ok());
  EXPECT_NE(ConfigReferenceMarkdown().find("smtp_routes"), std::string::npos);
}

TEST(SendingKeys, HostPortAndDnsServer) {
  std::string h;
  std::uint16_t p;
  ASSERT_TRUE(ParseHostPort("relay.test:2525", &h, &p, 25));
  EXPECT_EQ(h, "relay.test");
  EXPECT_EQ(p, 2525);
  ASSERT_TRUE(ParseHostPort("relay.test", &h, &p, 25));
  EXPECT_EQ(p, 25);
  ASSERT_TRUE(ParseHostPort("[::1]:53", &h, &p, 25));
  EXPECT_EQ(h, "::1");
  EXPECT_EQ(p, 53);
  ASSERT_TRUE(ParseHostPort("2001:db8::1", &h, &p, 53));
  EXPECT_EQ(h, "2001:db8::1");
  EXPECT_FALSE(ParseHostPort("a:0", &h, &p, 25));
  EXPECT_FALSE(ParseHostPort("a:70000", &h, &p, 25));
  EXPECT_FALSE(ParseHostPort(":25", &h, &p, 25));
  EXPECT_TRUE(ParseConfig("dns_server = 127.0.0.1:5353\n").ok());
  EXPECT_TRUE(ParseConfig("dns_server = [::1]:53\n").ok());
  EXPECT_TRUE(ParseConfig("dns_server =\n").ok());
  EXPECT_FALSE(ParseConfig("dns_server = ns.example\n").ok());
  Settings s;
  s.smarthost = "a:b";
  EXPECT_EQ(Validate(s).size(), 1u);
}

TEST(SendingKeys, DocumentedWithDefaultAndQmailValue) {
  std::string f = FormatConfig(Settings{});
  EXPECT_NE(f.find("#   values: rfc3464 | qsbmf\n#   default: rfc3464; qmail: qsbmf\n"),
            std::string::npos);
  EXPECT_NE(f.find("#   default: 100; qmail: 20\n"), std::string::npos);  // concurrency_remote
  EXPECT_NE(f.find("\nretry_intervals = 30m, 1h, 2h, 3h\n"), std::string::npos);
  std::string md = ConfigReferenceMarkdown();
  EXPECT_NE(md.find("| `tls_client` | `off / opportunistic / required` | `opportunistic` | `off` |"),
            std::string::npos);
  Settings v;
  v.queue_lifetime = 3600;
  EXPECT_EQ(Validate(v).size(), 1u);
}

}  // namespace
}  // namespace mta::config
