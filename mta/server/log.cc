// log.cc: one line per event on stderr.
#include "mta/server/log.h"

#include <unistd.h>

#include <cerrno>

namespace mta::server {
namespace {
std::string& Role() {
  static std::string role = "refmta";
  return role;
}
}  // namespace

void SetLogRole(std::string_view role) { Role() = std::string(role); }
const std::string& LogRole() { return Role(); }

void LogLine(std::string_view text) {
  std::string line = "refmta " + Role() + "[" + std::to_string(getpid()) + "]: ";
  constexpr size_t kMax = 2000;
  for (char c : text.substr(0, kMax)) {
    unsigned char u = static_cast<unsigned char>(c);
    line += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  if (text.size() > kMax) line += "...";
  line += '\n';
  int saved = errno;
  ssize_t r = write(2, line.data(), line.size());
  (void)r;
  errno = saved;
}

}  // namespace mta::server
