// sisimai_test.cc: every kind of notification the engine produces (failure, delay and
// success DSNs, QSBMF bounces, both double-bounce forms) is decoded by a real bounce
// consumer, Sisimai (Debian libsisimai-perl), through testdata/sisimai_decode_all.pl: each
// reported recipient is found with its status, and QSBMF is recognised as qmail's.
// Skips only when perl or Sisimai is not installed.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "mta/bounce/bounce.h"
#include "mta/bounce/bounce_testing.h"

namespace mta::bounce {
namespace {

namespace fs = std::filesystem;

// The value of "key":"..." in one flat JSON line (our values hold no escapes).
std::string JsonValue(const std::string& line, const std::string& key) {
  std::string k = "\"" + key + "\":\"";
  std::size_t at = line.find(k);
  if (at == std::string::npos) return "";
  at += k.size();
  return line.substr(at, line.find('"', at) - at);
}

std::string RunCommand(const std::string& cmd, int* status) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) {
    *status = -1;
    return out;
  }
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  *status = ::pclose(f);
  return out;
}

TEST(SisimaiInterop, DecodesEveryKind) {
  int st = 0;
  RunCommand("perl -MSisimai -MJSON::PP -e 1 2>/dev/null", &st);
  if (st != 0) GTEST_SKIP() << "perl with Sisimai (libsisimai-perl) is not installed";

  fs::path dir = fs::temp_directory_path() / ("bounce-sisimai-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string cmd =
      "perl '" + std::string(MTA_SOURCE_ROOT) + "/mta/bounce/testdata/sisimai_decode_all.pl'";
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
  std::string out = RunCommand(cmd + " 2>&1", &st);
  fs::remove_all(dir);
  ASSERT_EQ(st, 0) << out;

  std::map<std::string, std::map<std::string, std::string>> got;
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t nl = out.find('\n', start);
    std::string line = out.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? out.size() : nl + 1;
    if (line.empty()) continue;
    SCOPED_TRACE(line);
    std::string file = JsonValue(line, "file");
    // Sisimai names the module that decoded the notification.
    EXPECT_EQ(JsonValue(line, "smtpagent"), format[file] == Format::kQsbmf ? "qmail" : "RFC3464");
    got[file][JsonValue(line, "recipient")] = JsonValue(line, "deliverystatus");
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
