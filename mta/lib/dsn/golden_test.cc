// golden_test.cc: fixed RFC 3464 DSNs generated with a fixed GeneratorEnv, compared byte
// for byte with corpora/golden/rfc3464/<name>.eml. MTA_UPDATE_GOLDEN=1 rewrites them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "mta/lib/dsn/dsn3464.h"
#include "mta/lib/dsn/dsn_testing.h"

namespace mta::dsn {
namespace {

using report::Action;
using report::DeliveryReport;
using report::RecipientReport;
using report::Ret;
using report::Typed;

DeliveryReport Base() {
  DeliveryReport r;
  r.reporting_mta = {"dns", "mx.local.test"};
  r.arrival_date = "Tue, 02 Jan 2024 10:00:01 +0100";
  r.return_path = "sender@example.test";
  return r;
}

RecipientReport Rcpt(std::string addr, Action a, std::string status) {
  RecipientReport rr;
  rr.final_recipient = {"rfc822", std::move(addr)};
  rr.action = a;
  rr.status = std::move(status);
  return rr;
}

struct Golden {
  const char* name;
  DeliveryReport report;
};

std::vector<Golden> Cases() {
  std::vector<Golden> out;
  {  // Local failure, headers returned (the N.5 example).
    DeliveryReport r = Base();
    r.ret = Ret::kHdrs;
    RecipientReport rr = Rcpt("nosuchuser@local.test", Action::kFailed, "5.1.1");
    rr.diagnostic_code = Typed{"smtp", "550 5.1.1 <nosuchuser@local.test>: User unknown"};
    r.recipients.push_back(rr);
    out.push_back({"failure-local-5.1.1-hdrs", r});
  }
  {  // Remote failure with Remote-MTA and an SMTP diagnostic, RET=FULL.
    DeliveryReport r = Base();
    r.ret = Ret::kFull;
    r.received_from_mta = Typed{"dns", "client.example.test (client.example.test [192.0.2.7])"};
    RecipientReport rr = Rcpt("full@remote.test", Action::kFailed, "5.2.2");
    rr.remote_mta = Typed{"dns", "mx.remote.test"};
    rr.diagnostic_code = Typed{"smtp", "552 5.2.2 <full@remote.test>: Mailbox full, quota exceeded "
                                       "for this recipient; please try again later"};
    rr.last_attempt_date = "Tue, 02 Jan 2024 10:00:04 +0100";
    r.recipients.push_back(rr);
    out.push_back({"failure-remote-5.2.2-full", r});
  }
  {  // Delayed, with Will-Retry-Until.
    DeliveryReport r = Base();
    RecipientReport rr = Rcpt("slow@remote.test", Action::kDelayed, "4.4.1");
    rr.remote_mta = Typed{"dns", "mx.remote.test"};
    rr.diagnostic_code = Typed{"smtp", "421 4.4.1 mx.remote.test: connection timed out"};
    rr.last_attempt_date = "Tue, 02 Jan 2024 10:00:04 +0100";
    rr.will_retry_until = "Tue, 07 Jan 2024 10:00:01 +0100";
    r.recipients.push_back(rr);
    out.push_back({"delayed-4.4.1", r});
  }
  {  // Success with ORCPT and ENVID.
    DeliveryReport r = Base();
    r.original_envelope_id = "QQ314159";
    RecipientReport rr = Rcpt("happy@local.test", Action::kDelivered, "2.0.0");
    rr.original_recipient = Typed{"rfc822", "Happy@Local.Test"};
    r.recipients.push_back(rr);
    out.push_back({"success-orcpt-envid", r});
  }
  {  // Several recipients, every action, extension fields.
    DeliveryReport r = Base();
    r.extensions.emplace_back("X-Queue-ID", "4f2a1b");
    RecipientReport a = Rcpt("gone@local.test", Action::kFailed, "5.1.1");
    RecipientReport b = Rcpt("later@remote.test", Action::kDelayed, "4.2.2");
    b.remote_mta = Typed{"dns", "mx.remote.test"};
    b.diagnostic_code = Typed{"smtp", "452 4.2.2 mailbox full"};
    RecipientReport c = Rcpt("ok@remote.test", Action::kRelayed, "2.0.0");
    c.remote_mta = Typed{"dns", "legacy.remote.test"};
    c.extensions.emplace_back("X-Relay-Note", "no DSN support downstream");
    RecipientReport d = Rcpt("list@local.test", Action::kExpanded, "2.0.0");
    r.recipients = {a, b, c, d};
    out.push_back({"several-recipients", r});
  }
  return out;
}

std::string ReadFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(DsnGolden, MatchesCorpus) {
  const bool update = std::getenv("MTA_UPDATE_GOLDEN") != nullptr &&
                      std::string(std::getenv("MTA_UPDATE_GOLDEN")) == "1";
  for (const Golden& g : Cases()) {
    std::string got = GenerateDsn(g.report, testing::kOriginal, testing::FixedEnv());
    std::string path = std::string(MTA_SOURCE_ROOT) + "/corpora/golden/rfc3464/" + g.name + ".eml";
    if (update) {
      std::ofstream(path, std::ios::binary) << got;
      continue;
    }
    bool ok = false;
    std::string want = ReadFile(path, &ok);
    ASSERT_TRUE(ok) << "missing " << path << " (run with MTA_UPDATE_GOLDEN=1)";
    EXPECT_EQ(got, want) << g.name;
    // The golden file parses back to its report without errors.
    ParsedDsn p = ParseDsn(want);
    DeliveryReport expect = g.report;
    expect.ret = EffectiveRet(g.report, testing::kOriginal, {});
    EXPECT_EQ(p.report, expect) << g.name;
    for (const Violation& v : p.violations) ADD_FAILURE() << g.name << ": " << v.id;
  }
}

}  // namespace
}  // namespace mta::dsn
