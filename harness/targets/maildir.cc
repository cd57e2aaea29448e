// maildir.cc: see maildir.h.
#include "harness/targets/maildir.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <tuple>

#include "harness/targets/process.h"

namespace mta::targets {

bool SafeMailboxName(const std::string& user) {
  if (user.empty() || user[0] == '.' || user.size() > 64) return false;
  for (char c : user)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      return false;
  return true;
}

std::optional<std::vector<std::string>> ReadMaildir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::tuple<fs::file_time_type, std::string, fs::path>> files;
  bool any = false;
  for (const char* sub : {"new", "cur"}) {
    std::error_code ec;
    fs::directory_iterator it(fs::path(dir) / sub, ec);
    if (ec) continue;
    any = true;
    for (const fs::directory_entry& e : it) {
      std::string name = e.path().filename().string();
      if (name.empty() || name[0] == '.' || !e.is_regular_file(ec)) continue;
      files.emplace_back(e.last_write_time(ec), name, e.path());
    }
  }
  if (!any) return std::nullopt;
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(ReadFileText(std::get<2>(f).string()));
  return out;
}

}  // namespace mta::targets
