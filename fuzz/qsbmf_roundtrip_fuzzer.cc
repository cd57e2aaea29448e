// qsbmf_roundtrip_fuzzer.cc: builds a DeliveryReport, an original message and generator
// options from the fuzz bytes, generates a QSBMF bounce and parses it back. Invariant:
// ParseQsbmf(GenerateQsbmf(x)).report == QsbmfRepresentable(x) and the original returns
// byte for byte.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mta/lib/report/qsbmf.h"

namespace {

// A small FuzzedDataProvider: values are taken from the front, the rest is the original.
class Reader {
 public:
  Reader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  uint8_t Byte() { return i_ < n_ ? d_[i_++] : 0; }
  bool Bool() { return (Byte() & 1) != 0; }
  // A string of up to 255 bytes, its length in the first byte.
  std::string String() {
    size_t len = Byte();
    if (len > n_ - i_) len = n_ - i_;
    std::string s(reinterpret_cast<const char*>(d_ + i_), len);
    i_ += len;
    return s;
  }
  std::string Rest() {
    std::string s(reinterpret_cast<const char*>(d_ + i_), n_ - i_);
    i_ = n_;
    return s;
  }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t i_ = 0;
};

const char* const kStatuses[] = {"5.1.1", "5.1.2", "5.4.4", "5.4.6", "5.6.2",
                                 "5.2.2", "4.4.1", "5.7.1", "2.0.0"};
const char* const kRemotes[] = {"192.0.2.1", "[192.0.2.1]", "mx.example.test",
                                "IPv6:2001:db8::1"};
const char* const kDiagTypes[] = {"smtp", "SMTP", "x-unix"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mta::report;
  if (size > 64 * 1024) return 0;
  Reader in(data, size);
  DeliveryReport report;
  report.reporting_mta.value = in.String();
  report.return_path = in.String();
  QsbmfOptions opts;
  uint8_t flags = in.Byte();
  opts.crlf = flags & 1;
  opts.received_line = flags & 2;
  if (flags & 4) opts.double_bounce = (flags & 8) != 0;
  int n = in.Byte() % 6;
  for (int k = 0; k < n; ++k) {
    RecipientReport r;
    uint8_t f = in.Byte();
    r.final_recipient.value = in.String();
    r.action = (f & 0x80) ? static_cast<Action>(f % 5) : Action::kFailed;
    r.status = (f & 1) ? in.String() : kStatuses[in.Byte() % 9];
    if (f & 2) r.remote_mta = Typed{"dns", (f & 4) ? in.String() : kRemotes[in.Byte() % 4]};
    if (f & 8) r.diagnostic_code = Typed{kDiagTypes[in.Byte() % 3], in.String()};
    if (f & 16) r.original_recipient = Typed{"rfc822", in.String()};
    report.recipients.push_back(std::move(r));
  }
  std::string original = in.Rest();

  GeneratorEnv env;
  env.hostname = "fuzz.example.test";
  env.now = 827034880;
  env.random = [] { return std::uint64_t{99}; };
  std::string bounce = GenerateQsbmf(report, original, env, opts);
  QsbmfParseResult p = ParseQsbmf(bounce);
  if (!p.is_qsbmf) __builtin_trap();
  if (p.crlf != opts.crlf) __builtin_trap();
  if (!(p.report == QsbmfRepresentable(report, env))) __builtin_trap();
  if (p.original != original) __builtin_trap();
  if (p.HasViolation("no-return-path") || p.HasViolation("no-break-paragraph")) __builtin_trap();
  return 0;
}
