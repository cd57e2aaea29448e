// standalone_main.cc: the main() a fuzz target links when no fuzzing engine is used (GCC
// builds, ctest). It replays every file named on the command line, descending into
// directories, through LLVMFuzzerTestOneInput, the way OSS-Fuzz's standalone runner does.
//
//   path_fuzzer corpora/fuzz/path_fuzzer crash-1234
//
// Exit status: 0 when every input ran, 2 when an argument cannot be read (a missing corpus
// is an error, not an empty pass). A crash or sanitizer report aborts as it would under
// libFuzzer.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

bool RunFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Copy into an exactly-sized heap buffer so ASan sees reads past the end.
  std::vector<uint8_t> buf(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(buf.data(), buf.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  size_t ran = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!arg.empty() && arg[0] == '-') continue;  // libFuzzer flags are ignored here
    std::error_code ec;
    std::filesystem::path p(arg);
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::recursive_directory_iterator(p, ec))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        if (!RunFile(f)) {
          std::fprintf(stderr, "cannot read %s\n", f.c_str());
          return 2;
        }
        ++ran;
      }
    } else if (RunFile(p)) {
      ++ran;
    } else {
      std::fprintf(stderr, "cannot read %s\n", arg.c_str());
      return 2;
    }
  }
  std::printf("replayed %zu inputs\n", ran);
  return 0;
}
