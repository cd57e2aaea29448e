// dns_e2e_test.cc: `mtaspec dns` as a process, queried by StubResolver; stopped by SIGTERM.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "mta/dns/route.h"
#include "mta/dns/stub_resolver.h"

namespace {

TEST(MtaspecDns, ServesTheZoneUntilSigterm) {
  std::string log_path = ::testing::TempDir() + "dns_e2e_queries.jsonl";
  std::remove(log_path.c_str());
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(MTASPEC_BIN, MTASPEC_BIN, "dns", "--listen", "127.0.0.1:0", "--zone",
            MTA_SOURCE_ROOT "/harness/dns/zones/fixture.json", "--log", log_path.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  ::close(out[0]);
  // "mtaspec dns: listening on 127.0.0.1:PORT (udp+tcp), N records"
  std::size_t at = line.find("127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << line;
  int port = std::atoi(line.c_str() + at + 10);
  ASSERT_GT(port, 0) << line;

  mta::dns::StubResolver resolver({{{"127.0.0.1", port}}, 1000, 1});
  mta::dns::QueryResult q = resolver.Query("big.test", mta::dns::RrType::kMx);
  EXPECT_EQ(q.status, mta::dns::QueryStatus::kOk) << q.detail;
  EXPECT_EQ(q.answers.size(), 30u);
  EXPECT_TRUE(q.used_tcp);
  mta::dns::RouteOptions o;
  o.random = []() { return std::uint64_t{0}; };
  EXPECT_EQ(mta::dns::ResolveMailRoute(resolver, "nullmx.test", o).status,
            mta::dns::RouteStatus::kNullMx);
  EXPECT_EQ(mta::dns::ResolveMailRoute(resolver, "mx-ok.test", o).status,
            mta::dns::RouteStatus::kOk);

  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);

  std::ifstream log(log_path);
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_NE(text.str().find(R"("name":"big.test","outcome":"NOERROR","tc":true)"),
            std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find(R"("transport":"tcp")"), std::string::npos);
  EXPECT_NE(text.str().find(R"("name":"nullmx.test")"), std::string::npos);
}

TEST(MtaspecDns, RejectsABadZone) {
  std::string cmd = std::string(MTASPEC_BIN) + " dns --listen 127.0.0.1:0 --zone /nonexistent.json 2>/dev/null";
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

}  // namespace
