// config_test.cc: resolv.conf subset and IP[:PORT] server specifications.
#include "mta/dns/config.h"

#include <gtest/gtest.h>

namespace mta::dns {
namespace {

TEST(ResolverConfig, ServerSpecs) {
  std::pair<std::string, int> s;
  std::string e;
  ASSERT_TRUE(ParseServerSpec("127.0.0.53", &s, &e));
  EXPECT_EQ(s, (std::pair<std::string, int>{"127.0.0.53", 53}));
  ASSERT_TRUE(ParseServerSpec("127.0.0.1:5353", &s, &e));
  EXPECT_EQ(s.second, 5353);
  ASSERT_TRUE(ParseServerSpec("[::1]:5300", &s, &e));
  EXPECT_EQ(s, (std::pair<std::string, int>{"::1", 5300}));
  ASSERT_TRUE(ParseServerSpec("2001:db8::1", &s, &e));
  EXPECT_EQ(s.second, 53);
  EXPECT_FALSE(ParseServerSpec("ns.example.com", &s, &e));
  EXPECT_FALSE(ParseServerSpec("127.0.0.1:0", &s, &e));
  EXPECT_FALSE(ParseServerSpec("127.0.0.1:70000", &s, &e));
  EXPECT_FALSE(ParseServerSpec("[::1", &s, &e));
  EXPECT_FALSE(ParseServerSpec("", &s, &e));
}

TEST(ResolverConfig, ResolvConf) {
  ResolverConfig c;
  std::string e;
  ASSERT_TRUE(ParseResolvConf("# comment\nsearch example.com\nnameserver 127.0.0.53\n"
                              "nameserver ::1 ; trailing\noptions edns0 timeout:3 attempts:4\n",
                              &c, &e))
      << e;
  ASSERT_EQ(c.servers.size(), 2u);
  EXPECT_EQ(c.servers[0], (std::pair<std::string, int>{"127.0.0.53", 53}));
  EXPECT_EQ(c.servers[1].first, "::1");
  EXPECT_EQ(c.timeout_ms, 3000);
  EXPECT_EQ(c.attempts, 4);
  EXPECT_FALSE(ParseResolvConf("nameserver bogus\n", &c, &e));
  EXPECT_EQ(e.rfind("line 1:", 0), 0u) << e;
  EXPECT_FALSE(ParseResolvConf("options attempts:x\n", &c, &e));
  ResolverConfig keep;
  keep.servers = {{"192.0.2.1", 53}};
  ASSERT_TRUE(ParseResolvConf("options timeout:1\n", &keep, &e));
  EXPECT_EQ(keep.servers.size(), 1u);  // no nameserver line: servers unchanged
  EXPECT_FALSE(LoadResolvConf("/nonexistent/resolv.conf", &keep, &e));
}

}  // namespace
}  // namespace mta::dns
