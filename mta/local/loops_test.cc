// loops_test.cc: hop-count and Delivered-To loop detection.
#include "mta/local/loops.h"

#include "gtest/gtest.h"

namespace mta::local {
namespace {

std::string Received(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "Received: from h" + std::to_string(i) + " by x\r\n";
  return s;
}

TEST(Loops, OkUnderLimit) {
  std::string m = Received(3) + "Delivered-To: other@example.org\r\nSubject: x\r\n\r\nb\r\n";
  LoopCheck c = CheckLoops(m, "joe@example.org");
  EXPECT_EQ(c.status, LoopStatus::kOk);
  EXPECT_EQ(c.hops, 4u);
}

TEST(Loops, HopLimitIsInclusive) {
  EXPECT_EQ(CheckLoops(Received(100) + "\r\n", "u@d").status, LoopStatus::kOk);
  LoopCheck c = CheckLoops(Received(101) + "\r\n", "u@d");
  EXPECT_EQ(c.status, LoopStatus::kHopCountExceeded);
  EXPECT_EQ(c.hops, 101u);
  EXPECT_EQ(CheckLoops(Received(99) + "Delivered-To: a@b\r\nDelivered-To: c@d\r\n\r\n", "u@d")
                .status,
            LoopStatus::kHopCountExceeded);  // Delivered-To counts as a hop
  EXPECT_EQ(CheckLoops(Received(5) + "\r\n", "u@d", 4).status, LoopStatus::kHopCountExceeded);
}

TEST(Loops, OwnDeliveredToIsALoop) {
  std::string m = "Delivered-To: JOE@Example.ORG\nReceived: x\n\nbody\n";
  EXPECT_EQ(CheckLoops(m, "joe@example.org").status, LoopStatus::kDeliveredToLoop);
  // A Delivered-To in the body does not count.
  EXPECT_EQ(CheckLoops("Subject: x\n\nDelivered-To: joe@example.org\n", "joe@example.org")
                .status,
            LoopStatus::kOk);
  // Prefix is not equality.
  EXPECT_EQ(CheckLoops("Delivered-To: joe@example.org.evil\n\n", "joe@example.org").status,
            LoopStatus::kOk);
}

}  // namespace
}  // namespace mta::local
