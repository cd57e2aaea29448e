// managed_target.cc: see managed_target.h.
#include "harness/targets/managed_target.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "harness/targets/process.h"

#ifndef MTASPEC_SOURCE_ROOT_DEFAULT
#define MTASPEC_SOURCE_ROOT_DEFAULT ""
#endif

namespace mta::targets {
namespace {

namespace fs = std::filesystem;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// "<pid> <start time>" -> pid when that very process is still alive, else 0.
pid_t LivePidFromStamp(const std::string& file) {
  std::istringstream in(ReadFileText(file));
  long pid = 0;
  unsigned long long start = 0;
  if (!(in >> pid >> start) || pid <= 0) return 0;
  if (!ProcessAlive(static_cast<pid_t>(pid))) return 0;
  if (ProcessStartTime(static_cast<pid_t>(pid)) != start) return 0;  // pid reused
  return static_cast<pid_t>(pid);
}

// A stamp file holding "<pid> <start time>" (whether or not that process lives).
bool ValidStamp(const std::string& file) {
  std::istringstream in(ReadFileText(file));
  long pid = 0;
  unsigned long long start = 0;
  return static_cast<bool>(in >> pid >> start) && pid > 0;
}

void KillStamped(const std::string& pid_file) {
  pid_t pid = LivePidFromStamp(pid_file);
  if (pid <= 0) return;
  kill(-pid, SIGTERM);
  kill(pid, SIGTERM);
  for (int i = 0; i < 200 && ProcessAlive(pid); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (ProcessAlive(pid)) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
  }
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string FindRefmta(const ManagedOptions& opts) {
  if (!opts.refmta.empty()) return opts.refmta;
  if (std::string e = Env("REFMTA"); !e.empty()) return e;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path beside = self.parent_path() / "refmta";
    if (fs::exists(beside, ec)) return beside.string();
  }
  return "refmta";
}

std::string FindSourceRoot(const ManagedOptions& opts) {
  if (!opts.source_root.empty()) return opts.source_root;
  if (std::string e = Env("MTASPEC_SOURCE_ROOT"); !e.empty()) return e;
  return MTASPEC_SOURCE_ROOT_DEFAULT;
}

std::vector<std::string> FindLogFiles(const std::string& run_dir) {
  std::vector<std::string> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(run_dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::directory_entry& e = *it;
    std::error_code ec2;
    if (!e.is_regular_file(ec2) || e.is_symlink(ec2)) continue;
    const fs::path& p = e.path();
    const std::string name = p.filename().string();
    auto ends = [&name](const char* suffix) {
      const std::string s = suffix;
      return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    if (ends(".log") || ends(".out") || ends("log") || p.parent_path().filename() == "log")
      found.push_back(p.string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

int CopyLogs(const std::string& run_dir, const std::vector<std::string>& files,
             const std::string& dest, std::size_t max_bytes) {
  int copied = 0;
  for (const std::string& f : files) {
    std::error_code ec;
    fs::path rel = fs::relative(f, run_dir, ec);
    if (ec || rel.empty() || *rel.begin() == "..") continue;
    std::ifstream in(f, std::ios::binary);
    if (!in) continue;
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    const std::streamoff from =
        size > static_cast<std::streamoff>(max_bytes) ? size - static_cast<std::streamoff>(max_bytes) : 0;
    in.seekg(from);
    fs::path to = fs::path(dest) / rel;
    fs::create_directories(to.parent_path(), ec);
    if (ec) continue;
    std::ofstream out(to, std::ios::binary | std::ios::trunc);
    out << in.rdbuf();
    if (out) ++copied;
  }
  return copied;
}

std::vector<std::string> PeerctlCommand(const ManagedOptions& opts) {
  return {"/usr/bin/python3", FindSourceRoot(opts) + "/harness/targets/peers/peerctl"};
}

void WritePidStamp(const std::string& file, int pid) {
  // Written aside and renamed into place: another mtaspec's CleanStaleRuns must never read a
  // half-written stamp (an empty owner file read as "owner gone" once removed a live run's
  // directory when many runs started at once).
  const std::string tmp = file + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << pid << " " << ProcessStartTime(pid) << "\n";
  }
  if (std::rename(tmp.c_str(), file.c_str()) != 0) std::remove(tmp.c_str());
}

ManagedTarget::ManagedTarget(std::string name, std::string kind, runner::Endpoint ep,
                             ManagedOptions opts)
    : name_(std::move(name)), kind_(std::move(kind)), ep_(std::move(ep)), opts_(std::move(opts)) {}

ManagedTarget::~ManagedTarget() = default;  // derived classes call Stop() in theirs

std::string ManagedTarget::version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return version_;
}

std::string ManagedTarget::run_dir() const {
  std::lock_guard<std::mutex> lock(mu_);
  return run_dir_;
}

TlsFiles ManagedTarget::tls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tls_;
}

bool ManagedTarget::Settled(const std::string& token) {
  const std::string dir = run_dir();
  if (dir.empty()) return false;
  std::lock_guard<std::mutex> lock(watch_mu_);
  if (watch_dir_ != dir) {  // a new run: its own queue
    watch_ = MakeWatch(dir);
    watch_dir_ = dir;
  }
  return watch_ && watch_->Settled(token);
}

bool ManagedTarget::Wanted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !stopping_;
}

void ManagedTarget::Start() {
  CleanStaleRuns(opts_.run_base, opts_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!run_dir_.empty()) return;  // already started
    stopping_ = false;
    run_dir_ = MakeRunDir(opts_.run_base, name_);
    WritePidStamp(run_dir_ + "/owner", static_cast<int>(getpid()));
    std::ofstream(run_dir_ + "/kind") << kind_ << "\n";
  }
  std::string dir = run_dir();
  try {
    // A fresh certificate per run: RFC 3207 STARTTLS on every managed target.
    TlsFiles files;
    try {
      files = WriteSelfSignedCert(dir + "/tls", {tls_hostname()});
    } catch (const std::exception& e) {
      throw std::runtime_error(name_ + ": " + e.what());
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      tls_ = files;
    }
    std::string v = Launch(dir);
    if (!Wanted()) throw std::runtime_error(name_ + ": stopped while starting");
    std::lock_guard<std::mutex> lock(mu_);
    version_ = Trim(v);
  } catch (...) {
    Stop();
    throw;
  }
}

void ManagedTarget::Stop() {
  std::lock_guard<std::mutex> serial(stop_mu_);
  std::string dir;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    dir = run_dir_;
  }
  if (dir.empty()) return;
  Halt(dir);
  if (!opts_.logs_dir.empty()) CopyLogs(dir, FindLogFiles(dir), opts_.logs_dir + "/" + name_);
  RemoveTree(dir);
  std::lock_guard<std::mutex> lock(mu_);
  run_dir_.clear();
  tls_ = TlsFiles{};
}

static int CleanOne(const fs::path& dir, const ManagedOptions& opts) {
  std::string kind = Trim(ReadFileText((dir / "kind").string()));
  if (kind == "refmta") {
    KillStamped((dir / "refmta.pid").string());
  } else if (!kind.empty() && fs::exists(dir / kind)) {
    std::vector<std::string> argv = PeerctlCommand(opts);
    argv.insert(argv.end(), {"stop", "--run-dir", (dir / kind).string()});
    RunCommand(argv, 60000);
  }
  RemoveTree(dir.string());
  return 1;
}

int CleanStaleRuns(const std::string& base, const ManagedOptions& opts) {
  int cleaned = 0;
  std::error_code ec;
  fs::directory_iterator it(base, ec);
  if (ec) return 0;
  std::vector<fs::path> stale;
  for (const fs::directory_entry& e : it) {
    if (!e.is_directory(ec) || e.is_symlink(ec)) continue;
    fs::path owner = e.path() / "owner";
    if (!ValidStamp(owner.string())) {
      // Being created right now by another run, or left half-made: only old ones go.
      auto age = fs::file_time_type::clock::now() - fs::last_write_time(e.path(), ec);
      if (ec || age < std::chrono::minutes(2)) continue;
    } else if (LivePidFromStamp(owner.string()) > 0) {
      continue;
    }
    stale.push_back(e.path());
  }
  for (const fs::path& d : stale) {
    try {
      cleaned += CleanOne(d, opts);
    } catch (...) {
    }
  }
  return cleaned;
}

}  // namespace mta::targets
