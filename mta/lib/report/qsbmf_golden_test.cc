// qsbmf_golden_test.cc: our own generated QSBMF bounces, compared byte for byte with the
// golden files in corpora/golden/qsbmf/<name>.eml (disputed-points M.3 layout).
//
// To regenerate the golden files after an intended change, run the test with
//   MTA_UPDATE_GOLDEN=1 ctest -R qsbmf_golden
// and review every changed file by eye against M.3 before committing.
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "mta/lib/report/qsbmf.h"
#include "mta/lib/report/qsbmf_fixtures.h"

namespace mta::report {
namespace {

std::string GoldenPath(const std::string& name) {
  return std::string(MTA_SOURCE_ROOT) + "/corpora/golden/qsbmf/" + name + ".eml";
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

bool UpdateGolden() {
  const char* v = std::getenv("MTA_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

TEST(QsbmfGolden, MatchesGoldenFiles) {
  auto fixtures = testing::QsbmfFixtures();
  ASSERT_GE(fixtures.size(), 6u);
  for (const auto& f : fixtures) {
    SCOPED_TRACE(f.name);
    std::string got = GenerateQsbmf(f.report, f.original, testing::FixedEnv(), f.options);
    const std::string path = GoldenPath(f.name);
    if (UpdateGolden()) {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      ASSERT_TRUE(out) << "cannot write " << path;
      out << got;
      continue;
    }
    std::string want;
    ASSERT_TRUE(ReadFile(path, &want)) << "missing golden file " << path
                                       << " (run with MTA_UPDATE_GOLDEN=1)";
    EXPECT_EQ(got, want);
  }
}

// Each golden file parses back to the representable part of its report.
TEST(QsbmfGolden, GoldenFilesParseBack) {
  for (const auto& f : testing::QsbmfFixtures()) {
    SCOPED_TRACE(f.name);
    std::string bytes;
    ASSERT_TRUE(ReadFile(GoldenPath(f.name), &bytes));
    QsbmfParseResult p = ParseQsbmf(bytes);
    EXPECT_TRUE(p.is_qsbmf);
    EXPECT_EQ(p.report, QsbmfRepresentable(f.report, testing::FixedEnv()));
    EXPECT_EQ(p.original, f.original);
    EXPECT_EQ(p.crlf, f.options.crlf);
    EXPECT_FALSE(p.HasViolation("no-break-paragraph"));
    EXPECT_FALSE(p.HasViolation("no-return-path"));
  }
}

}  // namespace
}  // namespace mta::report
