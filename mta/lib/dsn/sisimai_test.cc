// sisimai_test.cc: interop with a real bounce consumer. RFC 3464 bounces we generate are
// decoded by Sisimai (through mta/lib/report/testdata/sisimai_decode.pl), which must find
// the right recipient and delivery status. Skipped when Perl or Sisimai is missing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "mta/lib/dsn/dsn3464.h"
#include "mta/lib/dsn/dsn_testing.h"
#include "mta/lib/report/sisimai_testing.h"

namespace mta::dsn {
namespace {

using report::Action;
using report::DeliveryReport;
using report::RecipientReport;
using report::Typed;

struct Decoded {
  int exit_code = -1;
  std::string out;
};

Decoded RunSisimai(const std::string& message) {
  std::string dir = ::testing::TempDir();
  std::string path = dir + "/dsn_sisimai_" + std::to_string(::getpid()) + ".eml";
  std::ofstream(path, std::ios::binary) << message;
  std::string cmd =
      report::testing::SisimaiDecodeCommand(/*delivered=*/false) + " '" + path + "' 2>/dev/null";
  Decoded d;
  int st = 0;
  d.out = report::testing::RunCommand(cmd, &st);
  d.exit_code = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::filesystem::remove(path);
  return d;
}

DeliveryReport Failure(const std::string& addr, const std::string& status,
                       std::optional<Typed> remote, const std::string& diag) {
  DeliveryReport r;
  r.reporting_mta = {"dns", "mx.local.test"};
  r.return_path = "sender@example.test";
  RecipientReport rr;
  rr.final_recipient = {"rfc822", addr};
  rr.action = Action::kFailed;
  rr.status = status;
  rr.remote_mta = remote;
  rr.diagnostic_code = Typed{"smtp", diag};
  r.recipients.push_back(rr);
  return r;
}

void ExpectDecoded(const DeliveryReport& r, const std::string& addr, const std::string& status) {
  Decoded d = RunSisimai(GenerateDsn(r, testing::kOriginal, testing::FixedEnv()));
  if (d.exit_code == 3) GTEST_SKIP() << "Sisimai is not installed";
  if (d.exit_code == 127 || d.exit_code == -1) GTEST_SKIP() << "perl is not available";
  ASSERT_EQ(d.exit_code, 0) << d.out;
  std::string line = d.out.substr(0, d.out.find('\n'));
  ASSERT_FALSE(line.empty()) << "Sisimai decoded nothing";
  std::map<std::string, std::string> fields = report::testing::ParseJsonLine(line);
  EXPECT_EQ(fields["recipient"], addr) << line;
  EXPECT_EQ(fields["deliverystatus"], status) << line;
  EXPECT_EQ(d.out.find('\n'), d.out.size() - 1) << "one recipient expected: " << d.out;
}

TEST(SisimaiInterop, LocalFailureUserUnknown) {
  ExpectDecoded(Failure("nosuchuser@local.test", "5.1.1", std::nullopt,
                        "550 5.1.1 <nosuchuser@local.test>: User unknown"),
                "nosuchuser@local.test", "5.1.1");
}

TEST(SisimaiInterop, RemoteFailureMailboxFull) {
  ExpectDecoded(Failure("full@remote.test", "5.2.2", Typed{"dns", "mx.remote.test"},
                        "552 5.2.2 <full@remote.test>: Mailbox full"),
                "full@remote.test", "5.2.2");
}

}  // namespace
}  // namespace mta::dsn
