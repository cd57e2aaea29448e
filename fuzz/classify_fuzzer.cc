// classify_fuzzer.cc: ClassifyBounce on arbitrary bytes. Invariants: the format is one of
// the five; rfc3464 and qsbmf always come with a report; the JSON rendering is produced.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mta/lib/dsn/classify.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  mta::dsn::BounceAnalysis a = mta::dsn::ClassifyBounce(in);
  std::string_view name = mta::dsn::FormatName(a.format);
  if (name != "qsbmf" && name != "rfc3464" && name != "other-report" && name != "vendor-text" &&
      name != "not-a-bounce")
    __builtin_trap();
  if ((a.format == mta::dsn::BounceFormat::kRfc3464 ||
       a.format == mta::dsn::BounceFormat::kQsbmf) && !a.report)
    __builtin_trap();
  std::string json = mta::dsn::AnalysisJson("f", a);
  if (json.empty() || json.front() != '{' || json.back() != '}') __builtin_trap();
  for (char c : json) {
    if (static_cast<unsigned char>(c) < 0x20) __builtin_trap();  // control bytes escaped
  }
  return 0;
}
