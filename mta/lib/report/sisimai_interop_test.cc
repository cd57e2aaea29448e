// sisimai_interop_test.cc: our QSBMF bounces decoded by a real bounce consumer, Sisimai
// (Debian libsisimai-perl 4.25), through testdata/sisimai_decode.pl: every recipient is
// found with the right status, and Sisimai recognises the format as qmail's.
// Skips only when perl or Sisimai is not installed.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mta/lib/report/qsbmf.h"
#include "mta/lib/report/qsbmf_fixtures.h"

namespace mta::report {
namespace {

namespace fs = std::filesystem;
using testing::Failed;
using testing::FixedEnv;
using testing::RemoteFailed;

// The flat {"key":"string",...} objects sisimai_decode.pl prints.
std::map<std::string, std::string> ParseJsonLine(const std::string& line) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  auto read_string = [&](std::string* s) {
    if (i >= line.size() || line[i] != '"') return false;
    ++i;
    while (i < line.size() && line[i] != '"') {
      if (line[i] == '\\' && i + 1 < line.size()) {
        char e = line[++i];
        *s += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;  // \uXXXX kept raw
      } else {
        *s += line[i];
      }
      ++i;
    }
    ++i;
    return true;
  };
  while (i < line.size()) {
    while (i < line.size() && line[i] != '"') ++i;
    std::string k, v;
    if (!read_string(&k)) break;
    while (i < line.size() && line[i] != '"' && line[i] != '}') ++i;
    if (!read_string(&v)) break;
    out[k] = v;
  }
  return out;
}

std::string RunCommand(const std::string& cmd, int* status) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) {
    *status = -1;
    return out;
  }
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  *status = pclose(f);
  return out;
}

struct Case {
  std::string file;
  DeliveryReport report;
  QsbmfOptions options;
};

TEST(SisimaiInterop, DecodesOurQsbmfBounces) {
  int st = 0;
  RunCommand("perl -MSisimai -MJSON::PP -e 1 2>/dev/null", &st);
  if (st != 0) GTEST_SKIP() << "perl with Sisimai (libsisimai-perl) is not installed";

  fs::path dir = fs::temp_directory_path() / ("qsbmf-sisimai-" + std::to_string(getpid()));
  fs::create_directories(dir);

  DeliveryReport base;
  base.reporting_mta = Typed{"dns", "mx.example.test"};
  base.return_path = "sender@example.test";
  std::vector<Case> cases;
  {
    Case c{"local.eml", base, {}};
    c.report.recipients.push_back(Failed("nobody@mx.example.test", "5.1.1"));
    cases.push_back(c);
  }
  {
    Case c{"remote.eml", base, {}};
    c.report.recipients.push_back(RemoteFailed(
        "alice@remote.test", "192.0.2.25",
        "550-5.1.1 The account does not exist.\n550 5.1.1 Please check the address."));
    cases.push_back(c);
  }
  {
    Case c{"two.eml", base, {}};
    c.report.recipients.push_back(Failed("nobody@mx.example.test", "5.1.1"));
    c.report.recipients.push_back(RemoteFailed("bob@remote.test", "192.0.2.25",
                                               "550 5.7.1 <bob@remote.test>: Relay access denied"));
    cases.push_back(c);
  }
  {
    Case c{"crlf.eml", base, {}};
    c.options.crlf = true;
    c.options.received_line = true;
    c.report.recipients.push_back(Failed("carol@nx.example.test", "5.1.2"));
    cases.push_back(c);
  }

  std::string cmd = "perl " + std::string(MTA_SOURCE_ROOT) +
                    "/mta/lib/report/testdata/sisimai_decode.pl";
  // file -> recipient -> expected status
  std::map<std::string, std::map<std::string, std::string>> want;
  for (const Case& c : cases) {
    std::string bytes = GenerateQsbmf(c.report, testing::SimpleOriginal("x@y.test"), FixedEnv(),
                                      c.options);
    std::ofstream(dir / c.file, std::ios::binary) << bytes;
    cmd += " " + (dir / c.file).string();
    for (const RecipientReport& r : QsbmfRepresentable(c.report, FixedEnv()).recipients) {
      want[(dir / c.file).string()][r.final_recipient.value] = r.status;
    }
  }
  std::string out = RunCommand(cmd + " 2>&1", &st);
  fs::remove_all(dir);
  ASSERT_EQ(st, 0) << out;

  std::map<std::string, std::map<std::string, std::string>> got;
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t nl = out.find('\n', start);
    std::string line = out.substr(start, nl == std::string::npos ? nl : nl - start);
    start = nl == std::string::npos ? out.size() : nl + 1;
    if (line.empty()) continue;
    auto obj = ParseJsonLine(line);
    SCOPED_TRACE(line);
    // Sisimai 4.25 names the module that decoded the bounce: qmail's format.
    EXPECT_EQ(obj["smtpagent"], "qmail");
    got[obj["file"]][obj["recipient"]] = obj["deliverystatus"];
  }
  EXPECT_EQ(got, want) << out;
}

}  // namespace
}  // namespace mta::report
