// sisimai_interop_test.cc: our QSBMF bounces decoded by a real bounce consumer, Sisimai
// (Debian libsisimai-perl 4.25), through testdata/sisimai_decode.pl: every recipient is
// found with the right status, and Sisimai recognises the format as qmail's.
// Skips only when perl or Sisimai is not installed.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mta/lib/report/qsbmf.h"
#include "mta/lib/report/qsbmf_fixtures.h"
#include "mta/lib/report/sisimai_testing.h"

namespace mta::report {
namespace {

namespace fs = std::filesystem;
using testing::Failed;
using testing::FixedEnv;
using testing::RemoteFailed;
using testing::RunCommand;
using testing::SisimaiRecord;

struct Case {
  std::string file;
  DeliveryReport report;
  QsbmfOptions options;
};

TEST(SisimaiInterop, DecodesOurQsbmfBounces) {
  if (!testing::SisimaiInstalled()) {
    GTEST_SKIP() << "perl with Sisimai (libsisimai-perl) is not installed";
  }

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

  std::string cmd = testing::SisimaiDecodeCommand(/*delivered=*/false);
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
  int st = 0;
  std::string out = RunCommand(cmd + " 2>&1", &st);
  fs::remove_all(dir);
  ASSERT_EQ(st, 0) << out;

  std::map<std::string, std::map<std::string, std::string>> got;
  for (SisimaiRecord r : testing::ParseSisimaiOutput(out)) {
    SCOPED_TRACE(r.line);
    // Sisimai 4.25 names the module that decoded the bounce: qmail's format.
    EXPECT_EQ(r.fields["smtpagent"], "qmail");
    got[r.fields["file"]][r.fields["recipient"]] = r.fields["deliverystatus"];
  }
  EXPECT_EQ(got, want) << out;
}

}  // namespace
}  // namespace mta::report
