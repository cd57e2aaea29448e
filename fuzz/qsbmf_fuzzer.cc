// qsbmf_fuzzer.cc: ParseQsbmf on arbitrary bytes. Invariants: it never crashes; the report
// lists one recipient per failure paragraph; and a message that parsed as QSBMF, generated
// again from its report and original, parses back to the representable part of that report
// with the same original.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mta/lib/report/qsbmf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mta::report;
  if (size > 64 * 1024) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  QsbmfParseResult p = ParseQsbmf(in);
  if (p.report.recipients.size() != p.failures.size()) __builtin_trap();
  if (!p.is_qsbmf) {
    if (!p.failures.empty() || !p.original.empty()) __builtin_trap();
    return 0;
  }
  GeneratorEnv env;
  env.hostname = "fuzz.example.test";
  env.now = 827034880;
  env.random = [] { return std::uint64_t{1}; };
  for (bool crlf : {false, true}) {
    QsbmfOptions opts;
    opts.crlf = crlf;
    QsbmfParseResult again = ParseQsbmf(GenerateQsbmf(p.report, p.original, env, opts));
    if (!again.is_qsbmf) __builtin_trap();
    if (!(again.report == QsbmfRepresentable(p.report, env))) __builtin_trap();
    if (again.original != p.original) __builtin_trap();
  }
  return 0;
}
