// sisimai_test.cc: every kind of notification the engine produces (failure, delay and
// success DSNs, QSBMF bounces, both double-bounce forms) is decoded by a real bounce
// consumer, Sisimai (Debian libsisimai-perl), through mta/lib/report/testdata/sisimai_decode.pl
// --delivered: each reported recipient is found with its status, and QSBMF is recognised as qmail's.
// Skips only when perl or Sisimai is not installed.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "mta/bounce/bounce.h"
#include "mta/bounce/bounce_testing.h"
#include "mta/lib/report/sisimai_testing.h"

namespace mta::bounce {
namespace {

namespace fs = std::filesystem;

using report::testing::RunCommand;
using report::testing::SisimaiRecord;

TEST(SisimaiInterop, DecodesEveryKind) {
  if (!report::testing::SisimaiInstalled()) {
    GTEST_SKIP() << "perl with Sisimai (libsisimai-perl) is not installed";
  }

  fs::path dir = fs::temp_directory_path() / ("bounce-sisimai-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string cmd = report::testing::SisimaiDecodeCommand(/*delivered=*/true);
  std::map<std::string, std::map<std::string, std::string>> want;  // file -> rcpt -> status
  std::map<std::string, Format> format;
  ASSERT_EQ(testing::GoldenCases().size(), 8u);
  for (const testing::GoldenCase& c : testing::GoldenCases()) {
    std::string file = (dir / (c.name + ".eml")).string();
    std::ofstream(file, std::ios::binary) << c.n.message;
    cmd += " '" + file + "'";
    format[file] = c.n.format;
    for (const auto& [rcpt, status] : c.n.reported) want[file][rcpt] = status;
  }
  int st = 0;
  std::string out = RunCommand(cmd + " 2>&1", &st);
  fs::remove_all(dir);
  ASSERT_EQ(st, 0) << out;

  std::map<std::string, std::map<std::string, std::string>> got;
  for (SisimaiRecord r : report::testing::ParseSisimaiOutput(out)) {
    SCOPED_TRACE(r.line);
    const std::string& file = r.fields["file"];
    // Sisimai names the module that decoded the notification.
    EXPECT_EQ(r.fields["smtpagent"], format[file] == Format::kQsbmf ? "qmail" : "RFC3464");
    got[file][r.fields["recipient"]] = r.fields["deliverystatus"];
  }
  for (const auto& [file, rcpts] : want) {
    SCOPED_TRACE(file);
    if (file.find("double-bounce") == std::string::npos) {
      EXPECT_EQ(got[file], rcpts) << out;
      continue;
    }
    // A double bounce returns the original bounce whole; Sisimai also reads the recipients
    // of that embedded bounce. Every recipient the double bounce reports must be there.
    for (const auto& [rcpt, status] : rcpts) EXPECT_EQ(got[file][rcpt], status) << out;
  }
}

}  // namespace
}  // namespace mta::bounce
