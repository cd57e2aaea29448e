// queue_store.cc: durable commit, update, removal and crash recovery (state table in
// queue_store.h).
#include "mta/queue/queue_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <set>

namespace mta::queue {
namespace {

constexpr const char* kSubdirs[] = {"tmp", "mess", "env", "bad", "free"};

Status WriteNewFile(const std::string& path, std::string_view bytes) {
  auto fd = io::OpenFile(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (!fd.ok()) return fd.status();
  Status s = io::WriteAll(fd->get(), bytes);
  if (s.ok()) s = io::FsyncFile(fd->get());
  if (s.ok()) s = fd->Close();
  if (!s.ok()) return Status::Errno(s.code(), "write " + path);
  return s;
}

// Creates `path` (O_EXCL) with `bytes`, leaving the descriptor open in *out for a later
// flush; on a write error the file is removed.
Status WriteOpenFile(const std::string& path, std::string_view bytes, io::UniqueFd* out) {
  auto fd = io::OpenFile(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (!fd.ok()) return fd.status();
  Status s = io::WriteAll(fd->get(), bytes);
  if (!s.ok()) {
    fd->reset();
    ::unlink(path.c_str());
    return Status::Errno(s.code(), "write " + path);
  }
  *out = std::move(*fd);
  return Status::Ok();
}

// Overwrites the recycled file `path` with `bytes` (from offset 0, then cut to their
// length), leaving the descriptor open in *out for a later flush. Only regular files with
// a single link are reused: a second name would see the new bytes.
Status OverwriteFile(const std::string& path, std::string_view bytes, io::UniqueFd* out) {
  auto fd = io::OpenFile(path, O_WRONLY | O_NOFOLLOW);
  if (!fd.ok()) return fd.status();
  struct stat st{};
  if (::fstat(fd->get(), &st) != 0) return Status::Errno(errno, "fstat " + path);
  if (!S_ISREG(st.st_mode) || st.st_nlink != 1) return Status::Invalid("not reusable: " + path);
  Status s = io::WriteAll(fd->get(), bytes);
  // Cut after writing: a file that keeps its length keeps its blocks (nothing freed).
  if (s.ok() && ::ftruncate(fd->get(), static_cast<off_t>(bytes.size())) != 0)
    s = Status::Errno(errno, "ftruncate " + path);
  if (!s.ok()) return Status::Errno(s.code(), "write " + path);
  *out = std::move(*fd);
  return Status::Ok();
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

std::vector<Result<std::string>> QueueStore::CommitBatch(std::span<const PendingMessage> batch,
                                                         std::span<const std::string> remove,
                                                         Status* remove_status) {
  std::vector<Result<std::string>> out;
  out.reserve(batch.size());
  if (batch.empty()) {
    Status rs = RemoveBatch(remove);
    if (remove_status != nullptr) *remove_status = rs;
    return out;
  }
  // Two descriptors per message stay open until flushed: bound them per chunk.
  for (size_t off = 0; off < batch.size(); off += kMaxChunk) {
    auto part = batch.subspan(off, std::min(kMaxChunk, batch.size() - off));
    auto res = CommitChunk(part, off == 0 ? remove : std::span<const std::string>(),
                           off == 0 ? remove_status : nullptr);
    for (auto& r : res) out.push_back(std::move(r));
  }
  return out;
}

std::vector<Result<std::string>> QueueStore::CommitChunk(std::span<const PendingMessage> batch,
                                                         std::span<const std::string> remove,
                                                         Status* remove_status) {
  struct Item {
    std::string id;
    std::string mess_src, env_src;  // tmp/id.* or recycled free/ files being written
    io::UniqueFd mess, env;
    bool ok = false;
  };
  std::vector<Item> items(batch.size());
  std::vector<Result<std::string>> out;
  out.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) out.emplace_back(Status::Invalid("not committed"));
  auto tmp_mess = [&](size_t i) { return Dir("tmp/") + items[i].id + ".mess"; };
  auto tmp_env = [&](size_t i) { return Dir("tmp/") + items[i].id + ".env"; };
  // S1 -> S2 for one file: a recycled free/ file when the pool has one, else a new tmp/.
  auto write_src = [&](const std::string& tmp, std::string_view bytes, io::UniqueFd* fd,
                       std::string* src) {
    for (std::string p = TakePooled(); !p.empty(); p = TakePooled()) {
      if (OverwriteFile(p, bytes, fd).ok()) {
        *src = p;
        return Status::Ok();
      }
      ::unlink(p.c_str());
    }
    *src = tmp;
    return WriteOpenFile(tmp, bytes, fd);
  };
  auto fail = [&](size_t i, const Status& s) {
    items[i].mess.reset();
    items[i].env.reset();
    if (!items[i].mess_src.empty()) ::unlink(items[i].mess_src.c_str());
    if (!items[i].env_src.empty()) ::unlink(items[i].env_src.c_str());
    ::unlink((Dir("mess/") + items[i].id).c_str());
    items[i].ok = false;
    out[i] = s;
  };

  // S1 -> S2: both files written under tmp/, not yet flushed.
  for (size_t i = 0; i < batch.size(); ++i) {
    Item& it = items[i];
    Status s;
    for (int tries = 0; tries < 100; ++tries) {
      it.id = NewId();
      if (io::PathExists(Dir("mess/") + it.id) || io::PathExists(Dir("env/") + it.id)) {
        s = Status::Errno(EEXIST, "no unique queue id");
        continue;
      }
      s = write_src(tmp_mess(i), batch[i].message, &it.mess, &it.mess_src);
      if (s.code() != EEXIST) break;
    }
    if (s.ok()) {
      Envelope e = *batch[i].envelope;
      e.id = it.id;
      if (e.arrival_time == 0) e.arrival_time = clock_() / 1000000;
      s = write_src(tmp_env(i), SerializeEnvelope(e), &it.env, &it.env_src);
      if (!s.ok()) {
        it.mess.reset();
        ::unlink(it.mess_src.c_str());
      }
    }
    if (!s.ok()) {
      out[i] = s;
      continue;
    }
    it.ok = true;
  }

  // S2 -> S3: messages into mess/ (not yet durable: without env/id a crash leaves nothing
  // that Recover keeps).
  bool any = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!items[i].ok) continue;
    Status s = Rename(items[i].mess_src, Dir("mess/") + items[i].id);
    if (!s.ok()) fail(i, s);
    else any = true;
  }

  // Flush round 1: message bytes, envelope bytes and mess/ entries, all at once.
  if (any) {
    auto mdir = io::OpenFile(Dir("mess"), O_RDONLY | O_DIRECTORY);
    std::vector<int> fds;
    for (const Item& it : items) {
      if (!it.ok) continue;
      fds.push_back(it.mess.get());
      fds.push_back(it.env.get());
    }
    if (mdir.ok()) fds.push_back(mdir->get());
    std::vector<Status> st = io::FsyncAll(fds);
    Status dir_st = mdir.ok() ? st.back() : mdir.status();
    if (!dir_st.ok()) dir_st = Status::Errno(dir_st.code(), "fsync " + Dir("mess"));
    size_t k = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!items[i].ok) continue;
      Status s = st[k].ok() ? st[k + 1] : st[k];
      k += 2;
      if (s.ok()) s = items[i].mess.Close();
      if (s.ok()) s = items[i].env.Close();
      if (!s.ok()) s = Status::Errno(s.code(), "write " + Dir("tmp/") + items[i].id);
      if (s.ok()) s = dir_st;
      if (!s.ok()) fail(i, s);
    }
  }

  // Removals: envelopes go now and become durable with the fsync of env/ below.
  bool env_changed = false;
  Status rs = UnlinkEnvelopes(remove, &env_changed);

  // S3 -> S4: envelopes into env/ (the commit point), then flush round 2: fsync env/.
  any = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!items[i].ok) continue;
    Status s = Rename(items[i].env_src, Dir("env/") + items[i].id);
    if (!s.ok()) fail(i, s);
    else any = true;
  }
  Status es = (any || env_changed) ? io::FsyncDir(Dir("env")) : Status::Ok();
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!items[i].ok) continue;
    if (!es.ok()) {
      // Not known to be durable: withdraw it so the client's 4xx is the truth.
      ::unlink((Dir("env/") + items[i].id).c_str());
      fail(i, es);
      continue;
    }
    out[i] = items[i].id;
  }
  if (rs.ok()) rs = es;
  if (es.ok()) {
    Status ms = UnlinkMessages(remove);
    if (rs.ok()) rs = ms;
  }
  if (remove_status != nullptr) *remove_status = rs;
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

Status QueueStore::UpdateEnvelope(std::string_view id_view, const Envelope& env, bool durable) {
  if (!IsValidQueueId(id_view)) return Status::Invalid("bad queue id");
  std::string id(id_view);
  if (!io::PathExists(Dir("env/") + id)) return Status::Errno(ENOENT, "update " + id);
  Envelope e = env;
  e.id = id;
  std::string bytes = SerializeEnvelope(e);
  std::string env_path = Dir("env/") + id;
  // A recycled file takes the new bytes; the old envelope's inode goes to the pool: a
  // second name for it is made first (link), so the rename over env/id frees nothing.
  for (std::string p = TakePooled(); !p.empty(); p = TakePooled()) {
    io::UniqueFd fd;
    Status s = OverwriteFile(p, bytes, &fd);
    if (s.ok()) s = io::FsyncFile(fd.get());
    if (s.ok()) s = fd.Close();
    if (!s.ok()) {
      ::unlink(p.c_str());
      continue;
    }
    std::string keep = PoolName();
    bool linked = ::link(env_path.c_str(), keep.c_str()) == 0;
    s = Rename(p, env_path);
    if (!s.ok()) {
      ::unlink(p.c_str());
      if (linked) ::unlink(keep.c_str());
      return s;
    }
    if (linked) AddPooled(keep);
    // Without `durable`, no fsync of env/: after a crash env/id is the old or the new
    // envelope, both complete.
    return durable ? io::FsyncDir(Dir("env")) : Status::Ok();
  }
  std::string tmp = Dir("tmp/") + id + ".upd";
  ::unlink(tmp.c_str());  // a leftover from an interrupted update
  Status s = WriteNewFile(tmp, bytes);
  if (s.ok()) s = Rename(tmp, env_path);
  if (!s.ok()) ::unlink(tmp.c_str());
  if (s.ok() && durable) s = io::FsyncDir(Dir("env"));
  return s;
}

Status QueueStore::Remove(std::string_view id_view) {
  if (!IsValidQueueId(id_view)) return Status::Invalid("bad queue id");
  std::string id(id_view);
  return RemoveBatch(std::span<const std::string>(&id, 1));
}

Status QueueStore::RemoveBatch(std::span<const std::string> ids) {
  if (ids.empty()) return Status::Ok();
  // S4 -> S3: the envelopes go first and durably, so a crash leaves at worst a message
  // without envelope, which Recover() deletes.
  bool changed = false;
  Status s = UnlinkEnvelopes(ids, &changed);
  Status fs = changed ? io::FsyncDir(Dir("env")) : Status::Ok();
  if (!fs.ok()) return fs;  // messages stay: the envelopes may come back after a crash
  Status ms = UnlinkMessages(ids);
  return s.ok() ? ms : s;
}

Status QueueStore::UnlinkEnvelopes(std::span<const std::string> ids, bool* changed) {
  Status first;
  std::vector<std::string> paths;
  for (const std::string& id : ids) {
    if (IsValidQueueId(id)) paths.push_back(Dir("env/") + id);
    else if (first.ok()) first = Status::Invalid("bad queue id");
  }
  for (const Status& s : RecycleAll(paths)) {
    if (s.ok()) *changed = true;
    else if (first.ok()) first = s;
  }
  return first;
}

Status QueueStore::UnlinkMessages(std::span<const std::string> ids) {
  std::vector<std::string> paths;
  for (const std::string& id : ids) {
    if (!IsValidQueueId(id)) continue;
    // A message whose envelope could not be removed stays (S4), never becomes S5.
    if (io::PathExists(Dir("env/") + id)) continue;
    paths.push_back(Dir("mess/") + id);
  }
  for (const Status& s : RecycleAll(paths))
    if (!s.ok()) return s;
  return Status::Ok();
}

std::string QueueStore::PoolName() {
  std::lock_guard<std::mutex> l(pool_mu_);
  return Dir("free/") + std::to_string(::getpid()) + "." + std::to_string(pool_seq_++);
}

void QueueStore::AddPooled(std::string path) {
  std::lock_guard<std::mutex> l(pool_mu_);
  pool_.push_back(std::move(path));
}

size_t QueueStore::pooled() const {
  std::lock_guard<std::mutex> l(pool_mu_);
  return pool_.size();
}

std::string QueueStore::TakePooled() {
  std::lock_guard<std::mutex> l(pool_mu_);
  if (pool_.empty()) return std::string();
  std::string p = std::move(pool_.back());
  pool_.pop_back();
  return p;
}

std::vector<Status> QueueStore::RecycleAll(const std::vector<std::string>& paths) {
  std::vector<Status> out(paths.size());
  std::vector<std::string> unlink_paths;
  std::vector<size_t> unlink_idx;
  for (size_t i = 0; i < paths.size(); ++i) {
    bool room;
    {
      std::lock_guard<std::mutex> l(pool_mu_);
      room = pool_.size() + unlink_paths.size() < kMaxPool;
    }
    if (room) {
      std::string to = PoolName();
      if (::rename(paths[i].c_str(), to.c_str()) == 0) {
        AddPooled(std::move(to));
        continue;
      }
      if (errno == ENOENT) continue;  // already gone: fine
    }
    unlink_paths.push_back(paths[i]);
    unlink_idx.push_back(i);
  }
  std::vector<Status> st = io::RemoveAll(unlink_paths);
  for (size_t k = 0; k < st.size(); ++k) out[unlink_idx[k]] = st[k];
  return out;
}

void QueueStore::AdoptPool() {
  auto names = io::ListDir(Dir("free"));
  std::lock_guard<std::mutex> l(pool_mu_);
  pool_.clear();
  if (!names.ok()) return;
  for (const std::string& n : *names) {
    std::string p = Dir("free/") + n;
    struct stat st{};
    // Only plain files with no other name are reused; anything else is dropped.
    if (pool_.size() < kMaxPool && ::lstat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_nlink == 1)
      pool_.push_back(std::move(p));
    else
      ::unlink(p.c_str());
  }
}

Result<RecoveryReport> QueueStore::Recover() {
  RecoveryReport rep;
  (void)io::MakeDir(Dir("free"), 0700);  // queues made before free/ existed
  AdoptPool();
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
