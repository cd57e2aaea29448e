// golden_test.cc: one fixed notification of each kind the engine produces, compared byte
// for byte with corpora/golden/bounce-engine/<name>.eml, then read back (classifier, no
// MUST violation, same recipients and statuses). MTA_UPDATE_GOLDEN=1 rewrites the files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mta/bounce/bounce.h"
#include "mta/bounce/bounce_testing.h"
#include "mta/bounce/verify.h"

namespace mta::bounce {
namespace {

using testing::GoldenCase;
using testing::GoldenCases;

std::string Path(const std::string& name) {
  return std::string(MTA_SOURCE_ROOT) + "/corpora/golden/bounce-engine/" + name + ".eml";
}

TEST(BounceGolden, MatchesFiles) {
  const bool update = std::getenv("MTA_UPDATE_GOLDEN") != nullptr;
  for (const GoldenCase& c : GoldenCases()) {
    SCOPED_TRACE(c.name);
    if (update) {
      std::ofstream(Path(c.name), std::ios::binary) << c.n.message;
      continue;
    }
    std::ifstream in(Path(c.name), std::ios::binary);
    ASSERT_TRUE(in) << "missing " << Path(c.name);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str(), c.n.message);
  }
}

TEST(BounceGolden, EveryKindParsesBack) {
  for (const GoldenCase& c : GoldenCases()) {
    SCOPED_TRACE(c.name);
    Verified v = VerifyNotification(c.n);
    EXPECT_TRUE(v.errors.empty()) << ::testing::PrintToString(v.errors);
    EXPECT_EQ(v.format, c.n.format == Format::kQsbmf ? "qsbmf" : "rfc3464");
    EXPECT_EQ(v.recipients, c.n.reported);
  }
}

}  // namespace
}  // namespace mta::bounce
