// mbox2maildir.cc: idempotent mbox -> Maildir conversion (see mbox2maildir.h).
#include "mta/local/mbox2maildir.h"

#include <fcntl.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdio>

#include "mta/io/file.h"
#include "mta/local/maildir.h"
#include "mta/local/mbox_format.h"

namespace mta::local {

std::string Fnv1a64Hex(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string Mbox2MaildirKey(std::string_view mbox_path, size_t index, std::string_view content) {
  char idx[32];
  std::snprintf(idx, sizeof idx, "%06zu", index);
  return "mbox-" + Fnv1a64Hex(mbox_path) + "-" + idx + "-" + Fnv1a64Hex(content);
}

io::Result<Mbox2MaildirReport> Mbox2Maildir(const std::string& mbox_path,
                                            const std::string& maildir) {
  char* real = ::realpath(mbox_path.c_str(), nullptr);
  if (real == nullptr) return io::Status::Errno(errno, "realpath " + mbox_path);
  std::string abs = real;
  ::free(real);

  std::string bytes;
  {
    auto fd = io::OpenFile(abs, O_RDONLY | O_NOFOLLOW);
    if (!fd.ok()) return fd.status();
    struct flock fl{};
    fl.l_type = F_RDLCK;
    fl.l_whence = SEEK_SET;
    // A shared lock keeps a concurrent delivery from appending while we read.
    while (::fcntl(fd->get(), F_SETLKW, &fl) != 0) {
      if (errno != EINTR) return io::Status::Errno(errno, "fcntl read lock " + abs);
    }
    for (;;) {
      auto n = io::ReadFull(fd->get(), 1 << 20, &bytes);
      if (!n.ok()) return n.status();
      if (*n == 0) break;
    }
  }
  io::Status s = EnsureMaildir(maildir);
  if (!s.ok()) return s;
  MboxSplit split = SplitMbox(bytes);
  Mbox2MaildirReport rep;
  rep.total = split.messages.size();
  rep.preamble = split.preamble;
  for (size_t i = 0; i < split.messages.size(); ++i) {
    const std::string& content = split.messages[i].content;
    auto r = WriteMaildirMessage(maildir, content, Mbox2MaildirKey(abs, i, content));
    if (!r.ok()) return r.status();
    if (r->outcome == MaildirOutcome::kDelivered) ++rep.delivered;
    else ++rep.already_present;
  }
  return rep;
}

}  // namespace mta::local
