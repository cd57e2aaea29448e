// maildir.cc: Maildir delivery (protocol in maildir.h).
#include "mta/local/maildir.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "mta/io/file.h"

namespace mta::local {
namespace {

std::atomic<uint64_t> g_counter{0};

std::string Hostname() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

// Looks for the delivery of `key`: new/<key>.<host> by its exact name (one lstat, however
// large new/ grows), then cur/ for a name beginning with "<key>." (a reader moved it and
// appended ":2,<flags>"; cur/ is listed, so its size is the cost of a keyed delivery).
Result<std::string> FindKeyed(const std::string& maildir, std::string_view key,
                              std::string_view host) {
  std::string exact = maildir + "/new/" + std::string(key) + "." + SanitizeMaildirHost(host);
  if (io::PathExists(exact)) return exact;
  std::string prefix = std::string(key) + ".";
  auto names = io::ListDir(maildir + "/cur");
  if (!names.ok()) return names.status();
  for (const auto& n : *names)
    if (n.compare(0, prefix.size(), prefix) == 0) return maildir + "/cur/" + n;
  return std::string();
}

}  // namespace

Status EnsureMaildir(const std::string& maildir) {
  bool existed = io::PathExists(maildir + "/new") && io::PathExists(maildir + "/cur") &&
                 io::PathExists(maildir + "/tmp");
  if (existed) return Status::Ok();
  Status s = io::MakeDirs(maildir, 0700);
  for (const char* sub : {"/tmp", "/new", "/cur"})
    if (s.ok()) s = io::MakeDir(maildir + sub, 0700);
  // Newly created directories must be durable before a delivery into them is reported.
  if (s.ok()) s = io::FsyncDir(maildir);
  size_t slash = maildir.find_last_of('/');
  if (s.ok() && slash != std::string::npos && slash > 0) s = io::FsyncDir(maildir.substr(0, slash));
  return s;
}

bool IsValidMaildirKey(std::string_view key) {
  if (key.empty() || key.size() > 200 || key[0] == '.') return false;
  for (char c : key) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string SanitizeMaildirHost(std::string_view host) {
  std::string out;
  for (char c : host) {
    if (c == '/') out += "\\057";       // maildir spec: replace / with \057
    else if (c == ':') out += "\\072";  // and : with \072
    else out.push_back(c);
  }
  return out;
}

std::string MaildirUniqueName(int64_t sec, int64_t usec, int64_t pid, uint64_t n,
                              std::string_view host) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%lld.M%lldP%lldQ%llu.", static_cast<long long>(sec),
                static_cast<long long>(usec), static_cast<long long>(pid),
                static_cast<unsigned long long>(n));
  return buf + SanitizeMaildirHost(host);
}

std::string DeliveryHeaders(std::string_view return_path, std::string_view delivered_to) {
  std::string h = "Return-Path: <" + std::string(return_path) + ">\n";
  if (!delivered_to.empty()) h += "Delivered-To: " + std::string(delivered_to) + "\n";
  return h;
}

std::string CrlfToLf(std::string_view m) {
  std::string out;
  out.reserve(m.size());
  // Copies runs up to each CR (memchr), dropping the CR of every CRLF.
  size_t i = 0;
  while (i < m.size()) {
    const void* cr = std::memchr(m.data() + i, '\r', m.size() - i);
    size_t j = cr ? static_cast<size_t>(static_cast<const char*>(cr) - m.data()) : m.size();
    out.append(m.data() + i, j - i);
    if (j == m.size()) break;
    if (!(j + 1 < m.size() && m[j + 1] == '\n')) out.push_back('\r');  // a lone CR stays
    i = j + 1;
  }
  return out;
}

Result<MaildirResult> WriteMaildirMessage(const std::string& maildir, std::string_view content,
                                          std::string_view unique_key, std::string host) {
  if (!unique_key.empty() && !IsValidMaildirKey(unique_key))
    return Status::Invalid("bad maildir key");
  if (host.empty()) host = Hostname();
  if (!unique_key.empty()) {
    auto found = FindKeyed(maildir, unique_key, host);
    if (!found.ok()) return found.status();
    if (!found->empty()) return MaildirResult{MaildirOutcome::kAlreadyDelivered, *found};
  }
  std::string name;
  if (!unique_key.empty()) {
    name = std::string(unique_key) + "." + SanitizeMaildirHost(host);
  } else {
    struct timeval tv;
    ::gettimeofday(&tv, nullptr);
    name = MaildirUniqueName(tv.tv_sec, tv.tv_usec, ::getpid(), g_counter.fetch_add(1), host);
  }
  std::string tmp = maildir + "/tmp/" + name;
  std::string dst = maildir + "/new/" + name;
  // A keyed tmp file left by an interrupted attempt is ours to replace.
  if (!unique_key.empty()) ::unlink(tmp.c_str());
  auto fd = io::OpenFile(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (!fd.ok()) return fd.status();
  Status s = io::WriteAll(fd->get(), content);
  if (s.ok()) s = io::FsyncFile(fd->get());
  if (s.ok()) s = fd->Close();
  if (s.ok()) {
    // Maildir spec: link (which refuses to overwrite), then unlink the tmp name.
    if (::link(tmp.c_str(), dst.c_str()) != 0) {
      int e = errno;
      if (e == EEXIST && !unique_key.empty()) {
        ::unlink(tmp.c_str());
        return MaildirResult{MaildirOutcome::kAlreadyDelivered, dst};
      }
      if (e == EPERM || e == ENOSYS || e == EOPNOTSUPP) {  // no hard links here
        if (::rename(tmp.c_str(), dst.c_str()) != 0) s = Status::Errno(errno, "rename " + dst);
      } else {
        s = Status::Errno(e, "link " + dst);
      }
    }
  }
  ::unlink(tmp.c_str());
  if (!s.ok()) return s;
  s = io::FsyncDir(maildir + "/new");
  if (!s.ok()) return s;
  return MaildirResult{MaildirOutcome::kDelivered, dst};
}

std::vector<Result<MaildirResult>> WriteMaildirBatch(std::span<const MaildirItem> items,
                                                     std::string host) {
  if (host.empty()) host = Hostname();
  std::string shost = SanitizeMaildirHost(host);
  std::vector<Result<MaildirResult>> out;
  out.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) out.emplace_back(Status::Invalid("not written"));
  struct Pending {
    size_t i;
    std::string tmp, dst;
    io::UniqueFd fd;
  };
  std::vector<Pending> todo;
  std::set<std::string> seen;  // maildir + '/' + key within this batch
  // Round 1: tmp/ files written, not yet flushed.
  for (size_t i = 0; i < items.size(); ++i) {
    const MaildirItem& it = items[i];
    if (!it.key.empty()) {
      if (!IsValidMaildirKey(it.key)) {
        out[i] = Status::Invalid("bad maildir key");
        continue;
      }
      if (!seen.insert(it.maildir + "/" + it.key).second) {
        out[i] = MaildirResult{MaildirOutcome::kAlreadyDelivered,
                               it.maildir + "/new/" + it.key + "." + shost};
        continue;
      }
      auto found = FindKeyed(it.maildir, it.key, host);
      if (!found.ok()) {
        out[i] = found.status();
        continue;
      }
      if (!found->empty()) {
        out[i] = MaildirResult{MaildirOutcome::kAlreadyDelivered, *found};
        continue;
      }
    }
    std::string name;
    if (!it.key.empty()) {
      name = it.key + "." + shost;
    } else {
      struct timeval tv;
      ::gettimeofday(&tv, nullptr);
      name = MaildirUniqueName(tv.tv_sec, tv.tv_usec, ::getpid(), g_counter.fetch_add(1), host);
    }
    Pending p{i, it.maildir + "/tmp/" + name, it.maildir + "/new/" + name, {}};
    if (!it.key.empty()) ::unlink(p.tmp.c_str());  // left by an interrupted attempt
    auto fd = io::OpenFile(p.tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (!fd.ok()) {
      out[i] = fd.status();
      continue;
    }
    Status s = io::WriteAll(fd->get(), it.content);
    if (!s.ok()) {
      fd->reset();
      ::unlink(p.tmp.c_str());
      out[i] = s;
      continue;
    }
    p.fd = std::move(*fd);
    todo.push_back(std::move(p));
  }
  // Round 2: every file's bytes durable (maildir spec: before the link into new/).
  std::vector<int> fds;
  for (const Pending& p : todo) fds.push_back(p.fd.get());
  std::vector<Status> synced = io::FsyncAll(fds);
  // Round 3: link into new/ (never overwrites), drop the tmp/ names.
  std::set<std::string> dirs;
  std::vector<size_t> linked;
  for (size_t k = 0; k < todo.size(); ++k) {
    Pending& p = todo[k];
    Status s = synced[k];
    if (s.ok()) s = p.fd.Close();
    bool has_key = !items[p.i].key.empty();
    if (s.ok() && ::link(p.tmp.c_str(), p.dst.c_str()) != 0) {
      int e = errno;
      if (e == EEXIST && has_key) {
        ::unlink(p.tmp.c_str());
        out[p.i] = MaildirResult{MaildirOutcome::kAlreadyDelivered, p.dst};
        continue;
      }
      if (e == EPERM || e == ENOSYS || e == EOPNOTSUPP) {  // no hard links here
        if (::rename(p.tmp.c_str(), p.dst.c_str()) != 0) s = Status::Errno(errno, "rename " + p.dst);
      } else {
        s = Status::Errno(e, "link " + p.dst);
      }
    }
    ::unlink(p.tmp.c_str());
    if (!s.ok()) {
      out[p.i] = s;
      continue;
    }
    dirs.insert(items[p.i].maildir + "/new");
    linked.push_back(k);
  }
  // Round 4: each new/ once; only then is any of these deliveries complete.
  std::map<std::string, Status> dir_status;
  for (const std::string& d : dirs) dir_status[d] = io::FsyncDir(d);
  for (size_t k : linked) {
    const Pending& p = todo[k];
    const Status& ds = dir_status[items[p.i].maildir + "/new"];
    if (ds.ok()) out[p.i] = MaildirResult{MaildirOutcome::kDelivered, p.dst};
    else out[p.i] = ds;  // a retry finds the key and reports it already delivered
  }
  return out;
}

Result<MaildirResult> DeliverMaildir(const std::string& maildir, std::string_view message,
                                     std::string_view return_path,
                                     std::string_view delivered_to,
                                     std::string_view unique_key) {
  Status s = EnsureMaildir(maildir);
  if (!s.ok()) return s;
  std::string content = DeliveryHeaders(return_path, delivered_to);
  content += CrlfToLf(message);
  return WriteMaildirMessage(maildir, content, unique_key);
}

}  // namespace mta::local
