// ehlo_test.cc: EHLO keyword parsing (RFC 5321 4.1.1.1, RFC 1870 4).
#include "mta/lib/client/ehlo.h"

#include <gtest/gtest.h>

namespace mta::client {
namespace {

TEST(EhloTest, Keywords) {
  Extensions e = ParseEhlo(reply::ParseReply(
      "250-mx.test greets you\r\n250-size 1000\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
      "250-DSN\r\n250-STARTTLS\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n"));
  EXPECT_TRUE(e.size && e.pipelining && e.eightbitmime && e.dsn && e.starttls && e.smtputf8 &&
              e.chunking);
  ASSERT_TRUE(e.size_limit.has_value());
  EXPECT_EQ(*e.size_limit, 1000u);
  EXPECT_EQ(e.keywords.front(), "SIZE");
}

TEST(EhloTest, GreetingLineIsNotAKeyword) {
  Extensions e = ParseEhlo(reply::ParseReply("250 PIPELINING\r\n"));
  EXPECT_FALSE(e.pipelining);
}

TEST(EhloTest, SizeWithoutLimit) {
  Extensions e = ParseEhlo(reply::ParseReply("250-x\r\n250-SIZE\r\n250 SIZE 0\r\n"));
  EXPECT_TRUE(e.size);
  EXPECT_FALSE(e.size_limit.has_value());
}

}  // namespace
}  // namespace mta::client
