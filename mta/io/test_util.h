// test_util.h: a temporary directory for tests (created under /tmp, removed at scope end).
//
//   TempDir t;  std::string p = t.path() + "/file";
#ifndef MTA_IO_TEST_UTIL_H_
#define MTA_IO_TEST_UTIL_H_

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace mta::io {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/refmta-test-XXXXXX";
    char* p = ::mkdtemp(tmpl);
    path_ = p ? p : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace mta::io

#endif  // MTA_IO_TEST_UTIL_H_
