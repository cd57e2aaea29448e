// io_util.h: small file helpers of the mtaspec command.
#ifndef MTA_HARNESS_CLI_IO_UTIL_H_
#define MTA_HARNESS_CLI_IO_UTIL_H_

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace mta::cli {

// Whole file as bytes; throws std::invalid_argument("cannot read FILE") when it can't.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read " + path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::invalid_argument("cannot read " + path);
  return s;
}

// One JSON line. Mail is 8-bit: invalid UTF-8 becomes U+FFFD so the output is always
// valid JSON (nlohmann::json would throw).
template <typename Json>
std::string JsonLine(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace mta::cli

#endif  // MTA_HARNESS_CLI_IO_UTIL_H_
