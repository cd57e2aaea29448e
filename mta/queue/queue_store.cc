// queue_store.cc: durable commit, update, removal and crash recovery (state table in
// queue_store.h).
#include "mta/queue/queue_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <set>

namespace mta::queue {
namespace {

constexpr const char* kSubdirs[] = {"tmp", "mess", "env", "bad"};

Status WriteNewFile(const std::string& path, std::string_view bytes) {
  auto fd = io::OpenFile(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (!fd.ok()) return fd.status();
  Status s = io::WriteAll(fd->get(), bytes);
  if (s.ok()) s = io::FsyncFile(fd->get());
  if (s.ok()) s = fd->Close();
  if (!s.ok()) return Status::Errno(s.code(), "write " + path);
  return s;
}

Status Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) == 0) return Status::Ok();
  return Status::Errno(errno, "rename " + from + " -> " + to);
}

}  // namespace

int64_t RealMicros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string FormatQueueId(int64_t micros, int64_t pid, uint32_t counter) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%010lld.%06lld.%07lld.%06u",
                static_cast<long long>(micros / 1000000),
                static_cast<long long>(micros % 1000000), static_cast<long long>(pid),
                counter % 1000000);
  return buf;
}

bool IsValidQueueId(std::string_view id) {
  if (id.empty() || id.size() > 64 || id[0] == '.') return false;
  for (char c : id) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

QueueStore::QueueStore(std::string root, MicrosClock clock)
    : qdir_(std::move(root) + "/queue"), clock_(std::move(clock)) {}

Status QueueStore::Init() {
  Status s = io::MakeDirs(qdir_, 0700);
  for (const char* d : kSubdirs)
    if (s.ok()) s = io::MakeDir(Dir(d), 0700);
  if (s.ok()) s = io::FsyncDir(qdir_);  // the layout itself must survive a crash
  return s;
}

Result<io::UniqueFd> QueueStore::AcquireWriterLock() {
  auto fd = io::OpenFile(Dir("lock"), O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
  if (!fd.ok()) return fd.status();
  while (::flock(fd->get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EINTR) return Status::Errno(errno, "flock " + Dir("lock"));
  }
  return std::move(*fd);
}

std::string QueueStore::NewId() {
  return FormatQueueId(clock_(), ::getpid(), counter_.fetch_add(1));
}

Result<std::string> QueueStore::Commit(const Envelope& env, std::string_view message) {
  PendingMessage p{&env, message};
  return std::move(CommitBatch(std::span<const PendingMessage>(&p, 1))[0]);
}

std::vector<Result<std::string>> QueueStore::CommitBatch(
    std::span<const PendingMessage> batch) {
  std::vector<Result<std::string>> out;
  std::vector<std::string> ids(batch.size());
  std::vector<bool> ok(batch.size(), false);
  out.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) out.emplace_back(Status::Invalid("not committed"));

  // S1 -> S2: both files written and fsynced under tmp/.
  for (size_t i = 0; i < batch.size(); ++i) {
    std::string id;
    Status s;
    for (int tries = 0; tries < 100; ++tries) {
      id = NewId();
      if (io::PathExists(Dir("mess/") + id) || io::PathExists(Dir("env/") + id)) {
        s = Status::Errno(EEXIST, "no unique queue id");
        continue;
      }
      s = WriteNewFile(Dir("tmp/") + id + ".mess", batch[i].message);
      if (s.code() != EEXIST) break;
    }
    if (s.ok()) {
      Envelope e = *batch[i].envelope;
      e.id = id;
      if (e.arrival_time == 0) e.arrival_time = clock_() / 1000000;
      s = WriteNewFile(Dir("tmp/") + id + ".env", SerializeEnvelope(e));
      if (!s.ok()) ::unlink((Dir("tmp/") + id + ".mess").c_str());
    }
    if (!s.ok()) {
      out[i] = s;
      continue;
    }
    ids[i] = id;
    ok[i] = true;
  }

  auto fail = [&](size_t i, const Status& s) {
    ::unlink((Dir("tmp/") + ids[i] + ".mess").c_str());
    ::unlink((Dir("tmp/") + ids[i] + ".env").c_str());
    ::unlink((Dir("mess/") + ids[i]).c_str());
    ok[i] = false;
    out[i] = s;
  };

  // S2 -> S3: messages into mess/, then one fsync of mess/.
  bool any = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!ok[i]) continue;
    Status s = Rename(Dir("tmp/") + ids[i] + ".mess", Dir("mess/") + ids[i]);
    if (!s.ok()) fail(i, s);
    else any = true;
  }
  if (!any) return out;
  Status ms = io::FsyncDir(Dir("mess"));
  if (!ms.ok()) {
    for (size_t i = 0; i < batch.size(); ++i)
      if (ok[i]) fail(i, ms);
    return out;
  }

  // S3 -> S4: envelopes into env/ (the commit point), then one fsync of env/.
  any = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!ok[i]) continue;
    Status s = Rename(Dir("tmp/") + ids[i] + ".env", Dir("env/") + ids[i]);
    if (!s.ok()) fail(i, s);
    else any = true;
  }
  if (!any) return out;
  Status es = io::FsyncDir(Dir("env"));
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!ok[i]) continue;
    if (!es.ok()) {
      // Not known to be durable: withdraw it so the client's 4xx is the truth.
      ::unlink((Dir("env/") + ids[i]).c_str());
      fail(i, es);
      continue;
    }
    out[i] = ids[i];
  }
  return out;
}

Result<std::vector<std::string>> QueueStore::List() const {
  auto names = io::ListDir(Dir("env"));
  if (!names.ok()) return names.status();
  std::vector<std::string> ids;
  for (auto& n : *names)
    if (IsValidQueueId(n)) ids.push_back(std::move(n));
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<Envelope> QueueStore::Load(std::string_view id) const {
  if (!IsValidQueueId(id)) return Status::Invalid("bad queue id");
  std::string text;
  Status s = io::ReadFileToString(Dir("env/") + std::string(id), &text);
  if (!s.ok()) return s;
  auto e = ParseEnvelope(text);
  if (!e) return Status::Invalid("malformed envelope " + std::string(id));
  return std::move(*e);
}

std::string QueueStore::MessagePath(std::string_view id) const {
  return Dir("mess/") + std::string(id);
}

Result<std::string> QueueStore::LoadMessage(std::string_view id) const {
  if (!IsValidQueueId(id)) return Status::Invalid("bad queue id");
  std::string bytes;
  Status s = io::ReadFileToString(MessagePath(id), &bytes);
  if (!s.ok()) return s;
  return bytes;
}

Status QueueStore::UpdateEnvelope(std::string_view id_view, const Envelope& env) {
  if (!IsValidQueueId(id_view)) return Status::Invalid("bad queue id");
  std::string id(id_view);
  if (!io::PathExists(Dir("env/") + id)) return Status::Errno(ENOENT, "update " + id);
  Envelope e = env;
  e.id = id;
  std::string tmp = Dir("tmp/") + id + ".upd";
  ::unlink(tmp.c_str());  // a leftover from an interrupted update
  Status s = WriteNewFile(tmp, SerializeEnvelope(e));
  if (s.ok()) s = Rename(tmp, Dir("env/") + id);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return io::FsyncDir(Dir("env"));
}

Status QueueStore::Remove(std::string_view id_view) {
  if (!IsValidQueueId(id_view)) return Status::Invalid("bad queue id");
  std::string id(id_view);
  // S4 -> S3: the envelope goes first and durably, so a crash leaves at worst a message
  // without envelope, which Recover() deletes.
  Status s = io::RemoveIfExists(Dir("env/") + id);
  if (s.ok()) s = io::FsyncDir(Dir("env"));
  if (s.ok()) s = io::RemoveIfExists(Dir("mess/") + id);
  return s;
}

Result<RecoveryReport> QueueStore::Recover() {
  RecoveryReport rep;
  auto tmp = io::ListDir(Dir("tmp"));
  if (!tmp.ok()) return tmp.status();
  std::sort(tmp->begin(), tmp->end());
  for (const auto& n : *tmp) {
    Status s = io::RemoveIfExists(Dir("tmp/") + n);
    if (!s.ok()) return s;
    rep.removed_tmp.push_back(n);
  }
  auto mess = io::ListDir(Dir("mess"));
  if (!mess.ok()) return mess.status();
  auto env = io::ListDir(Dir("env"));
  if (!env.ok()) return env.status();
  std::set<std::string> envs(env->begin(), env->end());
  std::set<std::string> messes(mess->begin(), mess->end());

  bool mess_changed = false, env_changed = false;
  for (const auto& m : messes) {
    if (envs.count(m)) continue;
    // S3 -> S1.
    Status s = io::RemoveIfExists(Dir("mess/") + m);
    if (!s.ok()) return s;
    rep.removed_messages.push_back(m);
    mess_changed = true;
  }
  for (const auto& e : envs) {
    bool bad = !IsValidQueueId(e) || !messes.count(e);
    if (!bad) {
      std::string text;
      Status s = io::ReadFileToString(Dir("env/") + e, &text);
      if (!s.ok()) return s;
      bad = !ParseEnvelope(text).has_value();
    }
    if (!bad) {
      ++rep.committed;
      continue;
    }
    // S5 or damaged: keep the bytes for a human, out of the scheduler's way.
    std::string tag = std::to_string(RealMicros());
    Status s = Rename(Dir("env/") + e, Dir("bad/") + e + "." + tag + ".env");
    if (!s.ok()) return s;
    if (messes.count(e)) {
      s = Rename(Dir("mess/") + e, Dir("bad/") + e + "." + tag + ".mess");
      if (!s.ok()) return s;
      mess_changed = true;
    }
    rep.quarantined.push_back(e);
    env_changed = true;
  }
  Status s = io::FsyncDir(Dir("tmp"));
  if (s.ok() && mess_changed) s = io::FsyncDir(Dir("mess"));
  if (s.ok() && env_changed) s = io::FsyncDir(Dir("env"));
  if (s.ok() && env_changed) s = io::FsyncDir(Dir("bad"));
  if (!s.ok()) return s;
  return rep;
}

}  // namespace mta::queue
