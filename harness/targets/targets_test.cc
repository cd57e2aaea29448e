// targets_test.cc: managed targets: spec parsing, sink routes, peerctl command lines,
// Maildir reading, process tools, stale-run cleanup, the interrupt guard, and a real
// refmta started, fed one message over SMTP, read back from its Maildir and stopped, and
// offering STARTTLS (RFC 3207) with the run's certificate.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "harness/runner/connection.h"
#include "harness/targets/interrupt.h"
#include "harness/targets/maildir.h"
#include "harness/targets/managed_target.h"
#include "harness/targets/peer_target.h"
#include "harness/targets/process.h"
#include "harness/targets/refmta_target.h"
#include "harness/targets/sink_routes.h"
#include "harness/targets/target_factory.h"

namespace mta::targets {
namespace {

namespace fs = std::filesystem;

std::string TempBase() {
  return MakeRunDir("/tmp", "mtaspec-targets-test");
}

void WriteFile(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

TEST(SinkRoutes, FixedTable) {
  ASSERT_EQ(SinkRoutes().size(), 4u);
  EXPECT_EQ(SinkRoutes()[0].Spec(), "sink.test=127.0.0.20:2526");
  EXPECT_EQ(SinkRoutes()[1].Spec(), "sink7.test=127.0.0.21:2526");
  EXPECT_EQ(SinkRoutes()[2].Spec(), "sinkfail.test=127.0.0.22:2526");
  EXPECT_EQ(SinkRoutes()[3].Spec(), "sinktemp.test=127.0.0.23:2526");
  EXPECT_EQ(HostPort(DefaultSink()), "127.0.0.20:2526");
  for (const SinkRoute& r : SinkRoutes()) EXPECT_EQ(r.next_hop.host.rfind("127.", 0), 0u);
}

TEST(Factory, ManagedNamesAndAddresses) {
  ManagedOptions o;
  auto r = MakeTarget("refmta", o);
  EXPECT_EQ(r->name(), "refmta");
  EXPECT_EQ(HostPort(r->address()), "127.0.0.10:2525");
  EXPECT_TRUE(r->HasFacility("mailbox"));
  EXPECT_EQ(r->HasFacility("sink"), kRefmtaSendsMail);
  EXPECT_EQ(r->HasFacility("dns"), kRefmtaResolvesDns);
  EXPECT_EQ(r->variables().at("target_tag"), "t10");
  auto q = MakeTarget("refmta-qmail", o);
  EXPECT_EQ(HostPort(q->address()), "127.0.0.14:2525");
  EXPECT_EQ(dynamic_cast<RefmtaTarget*>(q.get())->profile(), "qmail");
  const char* peers[][2] = {{"postfix", "127.0.0.11:2525"}, {"exim", "127.0.0.12:2525"},
                            {"opensmtpd", "127.0.0.13:2525"}};
  for (auto& [name, addr] : peers) {
    auto p = MakeTarget(name, o);
    EXPECT_NE(dynamic_cast<PeerTarget*>(p.get()), nullptr) << name;
    EXPECT_EQ(HostPort(p->address()), addr);
    EXPECT_TRUE(p->HasFacility("sink"));
    EXPECT_TRUE(p->HasFacility("mailbox"));
    EXPECT_TRUE(p->HasFacility("dns"));
    EXPECT_FALSE(p->HasFacility("teleport"));
    EXPECT_EQ(p->variables().at("target_ip"), p->address().host);
  }
}

TEST(Factory, BlackBoxesAndErrors) {
  ManagedOptions o;
  auto t = MakeTarget("refmta=127.0.0.10:2600", o);
  EXPECT_EQ(dynamic_cast<ManagedTarget*>(t.get()), nullptr);  // a named address is a black box
  EXPECT_EQ(t->name(), "refmta");
  EXPECT_FALSE(t->HasFacility("mailbox"));
  EXPECT_EQ(MakeTarget("127.0.0.9:25", o)->name(), "127.0.0.9:25");
  EXPECT_THROW(MakeTarget("sendmail", o), std::invalid_argument);
  EXPECT_THROW(MakeTarget("x=127.0.0.9:0", o), std::invalid_argument);
}

TEST(Factory, PrivilegeCheck) {
  EXPECT_EQ(CheckPrivileges({"refmta", "127.0.0.9:25"}), "");
  if (geteuid() == 0) {
    EXPECT_EQ(CheckPrivileges({"postfix"}), "");
  } else {
    EXPECT_NE(CheckPrivileges({"refmta", "exim"}).find("exim needs root"), std::string::npos);
  }
}

TEST(PeerTarget, StartCommandRoutesEverySinkDomain) {
  ManagedOptions o;
  o.source_root = "/src";
  PeerTarget t("exim", {"127.0.0.12", 2525}, o);
  std::vector<std::string> argv = t.StartCommand("/run/x/exim");
  std::vector<std::string> head = {"/usr/bin/python3", "/src/harness/targets/peers/peerctl",
                                   "start", "exim", "--run-dir", "/run/x/exim", "--listen",
                                   "127.0.0.12:2525"};
  ASSERT_GE(argv.size(), head.size());
  EXPECT_TRUE(std::equal(head.begin(), head.end(), argv.begin()));
  std::string joined;
  for (const std::string& a : argv) joined += a + " ";
  EXPECT_NE(joined.find("--sink 127.0.0.20:2526"), std::string::npos);
  EXPECT_NE(joined.find("--user user --user postmaster"), std::string::npos);
  for (const SinkRoute& r : SinkRoutes())
    EXPECT_NE(joined.find("--route " + r.Spec()), std::string::npos) << r.domain;
  EXPECT_NE(joined.find("--dns-suffix test"), std::string::npos);
  EXPECT_EQ(joined.find("--tls-"), std::string::npos);  // no files, no flags
  std::vector<std::string> tls = t.StartCommand("/run/x/exim", {"/run/x/tls/c.pem", "/run/x/tls/k.pem"});
  joined.clear();
  for (const std::string& a : tls) joined += a + " ";
  EXPECT_NE(joined.find("--tls-cert /run/x/tls/c.pem --tls-key /run/x/tls/k.pem"),
            std::string::npos);
}

TEST(Maildir, NewAndCurInDeliveryOrderTmpSkipped) {
  std::string base = TempBase();
  std::string md = base + "/user";
  EXPECT_FALSE(ReadMaildir(md).has_value());
  WriteFile(md + "/new/200.b.host", "second");
  WriteFile(md + "/cur/100.a.host:2,S", "first");
  WriteFile(md + "/tmp/300.c.host", "in progress");
  WriteFile(md + "/new/.hidden", "x");
  auto t0 = fs::file_time_type::clock::now() - std::chrono::seconds(10);
  fs::last_write_time(md + "/cur/100.a.host:2,S", t0);
  fs::last_write_time(md + "/new/200.b.host", t0 + std::chrono::seconds(1));
  auto got = ReadMaildir(md);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, (std::vector<std::string>{"first", "second"}));
  fs::create_directories(base + "/empty/new");
  EXPECT_EQ(ReadMaildir(base + "/empty"), std::vector<std::string>{});
  RemoveTree(base);
  EXPECT_FALSE(fs::exists(base));
}

TEST(Maildir, OnlyPlainNames) {
  EXPECT_TRUE(SafeMailboxName("user"));
  EXPECT_TRUE(SafeMailboxName("post.master-1_x"));
  EXPECT_FALSE(SafeMailboxName(""));
  EXPECT_FALSE(SafeMailboxName(".."));
  EXPECT_FALSE(SafeMailboxName("../etc"));
  EXPECT_FALSE(SafeMailboxName("a/b"));
}

TEST(Process, RunCommandCapturesOutputAndStatus) {
  CommandResult r = RunCommand({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, 10000);
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.output.find("out"), std::string::npos);
  EXPECT_NE(r.output.find("err"), std::string::npos);
  CommandResult e = RunCommand({"/bin/sh", "-c", "echo $MTASPEC_X"}, 10000, {"MTASPEC_X=42"});
  EXPECT_EQ(e.output, "42\n");
  CommandResult missing = RunCommand({"/nonexistent/prog"}, 10000);
  EXPECT_EQ(missing.status, 127);
  auto t0 = std::chrono::steady_clock::now();
  CommandResult slow = RunCommand({"/bin/sleep", "10"}, 300);
  EXPECT_TRUE(slow.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(Process, ChildSpawnTerminateAndBadBinary) {
  std::string base = TempBase();
  EXPECT_THROW(Child::Spawn({"/nonexistent/prog"}, base + "/log"), std::runtime_error);
  Child c = Child::Spawn({"/bin/sleep", "30"}, base + "/log");
  pid_t pid = c.pid();
  EXPECT_TRUE(c.Alive());
  EXPECT_TRUE(ProcessAlive(pid));
  EXPECT_GT(ProcessStartTime(pid), 0u);
  c.Terminate(2000);
  EXPECT_FALSE(c.Alive());
  EXPECT_FALSE(ProcessAlive(pid));
  RemoveTree(base);
}

TEST(Process, ChildIgnoringTermIsKilled) {
  std::string base = TempBase();
  Child c = Child::Spawn({"/bin/sh", "-c", "trap '' TERM; sleep 30"}, base + "/log");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto t0 = std::chrono::steady_clock::now();
  c.Terminate(300);
  EXPECT_FALSE(c.Alive());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  RemoveTree(base);
}

TEST(Process, PortFree) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  EXPECT_FALSE(PortFree({"127.0.0.2", port}));
  close(fd);
  EXPECT_TRUE(PortFree({"127.0.0.2", port}));
}

TEST(StaleRuns, DeadOwnersAreCleanedLiveOnesKept) {
  std::string base = TempBase();
  ManagedOptions o;
  // A run left by a dead mtaspec: the owner stamp names this pid with a start time that is
  // not its own (a reused pid), and a "refmta" that is still running.
  std::string stale = MakeRunDir(base, "refmta");
  WriteFile(stale + "/owner", std::to_string(getpid()) + " 1\n");
  WriteFile(stale + "/kind", "refmta\n");
  Child server = Child::Spawn({"/bin/sleep", "30"}, stale + "/serve.log");
  pid_t server_pid = server.pid();
  WritePidStamp(stale + "/refmta.pid", server_pid);
  // A live run (owned by this process) and one being created (no owner yet).
  std::string live = MakeRunDir(base, "refmta");
  WritePidStamp(live + "/owner", getpid());
  std::string young = MakeRunDir(base, "exim");
  // One whose owner stamp is being written (empty, or not yet a whole stamp): another
  // mtaspec starting at the same time, to be left alone.
  std::string starting = MakeRunDir(base, "postfix");
  WriteFile(starting + "/owner", "");
  std::string half = MakeRunDir(base, "postfix");
  WriteFile(half + "/owner", "123");
  // ... unless it has stayed like that for minutes (left half-made).
  std::string abandoned = MakeRunDir(base, "postfix");
  WriteFile(abandoned + "/owner", "");
  fs::last_write_time(abandoned, fs::file_time_type::clock::now() - std::chrono::minutes(3));

  // The stale "server" is not our direct concern once killed: reap it through Child.
  EXPECT_EQ(CleanStaleRuns(base, o), 2);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(abandoned));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(young));
  EXPECT_TRUE(fs::exists(starting));
  EXPECT_TRUE(fs::exists(half));
  EXPECT_FALSE(server.Alive());
  EXPECT_FALSE(ProcessAlive(server_pid));
  EXPECT_EQ(CleanStaleRuns(base + "/missing", o), 0);
  RemoveTree(base);
}

TEST(StaleRuns, OwnerStampIsWholeOrAbsent) {
  std::string base = TempBase();
  WritePidStamp(base + "/owner", getpid());
  EXPECT_EQ(ReadFileText(base + "/owner"),
            std::to_string(getpid()) + " " + std::to_string(ProcessStartTime(getpid())) + "\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(base), fs::directory_iterator()), 1);  // no temp left
  RemoveTree(base);
}

TEST(Logs, FoundByNameOrDirectoryAndCopiedWithTheirTail) {
  std::string run = TempBase();
  WriteFile(run + "/serve.log", "served\n");
  WriteFile(run + "/postfix/log/daemon.out", "daemon\n");
  WriteFile(run + "/postfix/log/plain", "in log/\n");
  WriteFile(run + "/exim/log/exim_mainlog", std::string(100, 'a') + "END\n");
  WriteFile(run + "/spool/active/ABC123", "a queue file\n");
  WriteFile(run + "/owner", "1 2\n");
  fs::create_directories(run + "/mail/log.d");
  std::vector<std::string> found = FindLogFiles(run);
  EXPECT_EQ(found, (std::vector<std::string>{run + "/exim/log/exim_mainlog",
                                             run + "/postfix/log/daemon.out",
                                             run + "/postfix/log/plain", run + "/serve.log"}));
  EXPECT_EQ(FindLogFiles(run + "/missing"), std::vector<std::string>{});

  std::string dest = TempBase();
  found.push_back("/etc/hostname");  // not under the run directory: never copied
  EXPECT_EQ(CopyLogs(run, found, dest + "/t", 10), 4);
  EXPECT_EQ(ReadFileText(dest + "/t/serve.log"), "served\n");
  EXPECT_EQ(ReadFileText(dest + "/t/postfix/log/daemon.out"), "daemon\n");
  EXPECT_EQ(ReadFileText(dest + "/t/exim/log/exim_mainlog"), "aaaaaaEND\n");  // the last 10 bytes
  EXPECT_FALSE(fs::exists(dest + "/t/hostname"));
  EXPECT_FALSE(fs::exists(dest + "/t/etc"));
  RemoveTree(run);
  RemoveTree(dest);
}

TEST(Interrupt, CleanupRunsOnSignal) {
  int seen = 0;
  {
    InterruptGuard g;
    g.set_terminate(false);
    g.OnInterrupt([&](int sig) { seen = sig; });
    kill(getpid(), SIGTERM);
    for (int i = 0; i < 100 && g.received() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(g.received(), SIGTERM);
  }
  EXPECT_EQ(seen, SIGTERM);
  // The mask is restored: SIGTERM is no longer blocked in this thread.
  sigset_t now;
  pthread_sigmask(SIG_SETMASK, nullptr, &now);
  EXPECT_FALSE(sigismember(&now, SIGTERM));
}

TEST(InterruptDeathTest, ProcessEndsByTheSignalAfterCleanup) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        InterruptGuard g;
        g.OnInterrupt([](int) { (void)!write(2, "cleaned\n", 8); });
        kill(getpid(), SIGINT);
        std::this_thread::sleep_for(std::chrono::seconds(5));
        _exit(0);
      },
      ::testing::KilledBySignal(SIGINT), "cleaned");
}

#ifdef REFMTA_TEST_BINARY
// A free port on 127.0.0.10, so this test never meets a conformance run on 2525.
int FreePort(const char* ip) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, ip, &a.sin_addr);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

std::string Converse(runner::Connection& c, const std::string& line,
                     std::vector<std::string>* lines = nullptr) {
  auto deadline = runner::Clock::now() + std::chrono::seconds(10);
  if (!line.empty()) c.Send(line + "\r\n", deadline);
  reply::Reply r;
  if (c.ReadReply(deadline, &r) != runner::ReadStatus::kReply) return "none";
  if (lines) *lines = r.lines;
  return std::to_string(r.code);
}

// The EHLO keywords of a reply's lines (the first line is the greeting).
std::vector<std::string> Keywords(const std::vector<std::string>& lines) {
  std::vector<std::string> k;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string w = lines[i].substr(0, lines[i].find(' '));
    for (char& ch : w) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    k.push_back(w);
  }
  return k;
}

bool Lists(const std::vector<std::string>& keywords, const std::string& k) {
  return std::find(keywords.begin(), keywords.end(), k) != keywords.end();
}

TEST(RefmtaTarget, StartsDeliversToMaildirAndStopsClean) {
  if (!fs::exists(REFMTA_TEST_BINARY)) GTEST_SKIP() << "no refmta binary";
  std::string base = TempBase();
  ManagedOptions o;
  o.refmta = REFMTA_TEST_BINARY;
  o.run_base = base;
  o.logs_dir = base + "/kept";
  runner::Endpoint ep{"127.0.0.10", FreePort("127.0.0.10")};
  RefmtaTarget t("refmta", "strict", ep, o);
  EXPECT_EQ(t.run_dir(), "");
  EXPECT_FALSE(t.ReadMailbox("user").has_value());
  EXPECT_FALSE(t.Settled("tstl00001"));  // not started: unknown
  t.Start();
  std::string dir = t.run_dir();
  ASSERT_FALSE(dir.empty());
  EXPECT_FALSE(t.version().empty());
  EXPECT_TRUE(fs::exists(dir + "/owner"));
  runner::Probe p = runner::ProbeTarget(ep, "127.0.0.2", 5000);
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.banner.substr(0, 3), "220");

  runner::Connection c;
  ASSERT_EQ(c.Open("127.0.0.2", ep.host, ep.port, runner::Clock::now() + std::chrono::seconds(5)), "");
  EXPECT_EQ(Converse(c, ""), "220");
  EXPECT_EQ(Converse(c, "HELO harness.test"), "250");
  EXPECT_EQ(Converse(c, "MAIL FROM:<a@harness.test>"), "250");
  EXPECT_EQ(Converse(c, "RCPT TO:<user@local.test>"), "250");
  EXPECT_EQ(Converse(c, "DATA"), "354");
  EXPECT_EQ(Converse(c, "Subject: managed tstl00001\r\n\r\nbody line\r\n."), "250");
  Converse(c, "QUIT");
  std::optional<std::vector<std::string>> box;
  for (int i = 0; i < 100; ++i) {
    box = t.ReadMailbox("user");
    if (box && !box->empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(box.has_value());
  ASSERT_EQ(box->size(), 1u);
  EXPECT_NE(box->front().find("body line"), std::string::npos);
  EXPECT_EQ(t.ReadMailbox("postmaster"), std::vector<std::string>{});
  EXPECT_FALSE(t.ReadMailbox("../x").has_value());
  // Delivered: the queue watch of this run finds nothing left for the token (two quiet
  // scans, 100 ms apart).
  bool settled = false;
  for (int i = 0; i < 100 && !settled; ++i) {
    settled = t.Settled("tstl00001");
    if (!settled) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(settled);

  // The run's certificate: RUN/tls, key 0600 and ours (refmta serve reads it before it
  // drops privileges).
  TlsFiles tls = t.tls();
  EXPECT_EQ(tls.cert, dir + "/tls/cert.pem");
  EXPECT_EQ(tls.key, dir + "/tls/key.pem");
  struct stat st {};
  ASSERT_EQ(stat(tls.key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_uid, geteuid());

  t.Stop();
  EXPECT_FALSE(fs::exists(dir));
  // Its log kept (ManagedOptions::logs_dir): what refmta serve wrote while it ran.
  EXPECT_TRUE(fs::exists(base + "/kept/refmta/serve.log"));
  EXPECT_EQ(t.run_dir(), "");
  EXPECT_EQ(t.tls().cert, "");
  EXPECT_FALSE(t.Settled("tstl00001"));
  EXPECT_NE(runner::ProbeTarget(ep, "127.0.0.2", 1000).error, "");
  t.Stop();  // twice is harmless
  RemoveTree(base);
}

TEST(RefmtaTarget, OffersStartTlsWithTheRunsCertificate) {
  if (!fs::exists(REFMTA_TEST_BINARY)) GTEST_SKIP() << "no refmta binary";
  std::string base = TempBase();
  ManagedOptions o;
  o.refmta = REFMTA_TEST_BINARY;
  o.run_base = base;
  runner::Endpoint ep{"127.0.0.10", FreePort("127.0.0.10")};
  RefmtaTarget t("refmta", "strict", ep, o);
  t.Start();
  runner::Connection c;
  auto deadline = [] { return runner::Clock::now() + std::chrono::seconds(10); };
  ASSERT_EQ(c.Open("127.0.0.2", ep.host, ep.port, deadline()), "");
  std::vector<std::string> lines;
  EXPECT_EQ(Converse(c, ""), "220");
  ASSERT_EQ(Converse(c, "EHLO harness.test", &lines), "250");
  EXPECT_TRUE(Lists(Keywords(lines), "STARTTLS"));
  ASSERT_EQ(Converse(c, "STARTTLS"), "220");
  ASSERT_EQ(c.StartTls("local.test", deadline()), "");
  EXPECT_NE(c.TlsDescription(), "");
  ASSERT_EQ(Converse(c, "EHLO harness.test", &lines), "250");
  EXPECT_FALSE(Lists(Keywords(lines), "STARTTLS"));  // RFC 3207 4.2: not offered again
  EXPECT_EQ(Converse(c, "MAIL FROM:<a@harness.test>"), "250");
  EXPECT_EQ(Converse(c, "RCPT TO:<user@local.test>"), "250");
  EXPECT_EQ(Converse(c, "DATA"), "354");
  EXPECT_EQ(Converse(c, "Subject: over tls\r\n\r\nsecret line\r\n."), "250");
  Converse(c, "QUIT");
  std::optional<std::vector<std::string>> box;
  for (int i = 0; i < 100; ++i) {
    box = t.ReadMailbox("user");
    if (box && !box->empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(box && box->size() == 1u);
  EXPECT_NE(box->front().find("secret line"), std::string::npos);
  EXPECT_NE(box->front().find("ESMTPS"), std::string::npos);  // RFC 3848
  t.Stop();
  RemoveTree(base);
}

TEST(RefmtaTarget, StartFailsCleanlyWhenThePortIsTaken) {
  if (!fs::exists(REFMTA_TEST_BINARY)) GTEST_SKIP() << "no refmta binary";
  std::string base = TempBase();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.10", &a.sin_addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  listen(fd, 1);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ManagedOptions o;
  o.refmta = REFMTA_TEST_BINARY;
  o.run_base = base;
  RefmtaTarget t("refmta", "strict", {"127.0.0.10", ntohs(a.sin_port)}, o);
  EXPECT_THROW(t.Start(), std::runtime_error);
  EXPECT_EQ(t.run_dir(), "");
  EXPECT_TRUE(fs::is_empty(base));  // its run directory is gone again
  close(fd);
  RemoveTree(base);
}

TEST(RefmtaTarget, MissingBinaryIsAnError) {
  std::string base = TempBase();
  ManagedOptions o;
  o.refmta = "/nonexistent/refmta";
  o.run_base = base;
  RefmtaTarget t("refmta", "strict", {"127.0.0.10", FreePort("127.0.0.10")}, o);
  EXPECT_THROW(t.Start(), std::runtime_error);
  EXPECT_TRUE(fs::is_empty(base));
  RemoveTree(base);
}
#endif

}  // namespace
}  // namespace mta::targets
