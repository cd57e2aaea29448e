// dsn_roundtrip_fuzzer.cc: a DeliveryReport built from the fuzz bytes (valid by
// construction, see dsn3464.h) -> GenerateDsn -> ParseDsn must give it back, with RET as
// EffectiveRet reconstructs it, and without error-level violations.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mta/lib/dsn/delivery_status.h"
#include "mta/lib/dsn/dsn3464.h"

namespace {

using mta::report::Action;
using mta::report::DeliveryReport;
using mta::report::RecipientReport;
using mta::report::Typed;

class Reader {
 public:
  Reader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  uint8_t Byte() { return i_ < n_ ? d_[i_++] : 0; }
  bool Bool() { return Byte() & 1; }
  // Printable ASCII of a length taken from the input, trimmed of spaces.
  std::string Text(size_t max) {
    size_t len = Byte() % (max + 1);
    std::string s;
    for (size_t k = 0; k < len && i_ < n_; ++k) s += static_cast<char>(0x20 + Byte() % 95);
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  }
  std::string Atom() {
    static constexpr std::string_view kChars =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+";
    size_t len = 1 + Byte() % 8;
    std::string s;
    for (size_t k = 0; k < len; ++k) s += kChars[Byte() % kChars.size()];
    return s;
  }
  Typed MakeTyped() {
    Typed t;
    t.type = Atom();
    t.value = Text(100);
    return t;
  }
  std::string Status() {
    static constexpr char kClass[] = {'2', '4', '5'};
    std::string s(1, kClass[Byte() % 3]);
    s += "." + std::to_string(Byte() * 4 % 1000) + "." + std::to_string(Byte() * 4 % 1000);
    return s;
  }
  void Extensions(std::vector<std::pair<std::string, std::string>>& out) {
    size_t n = Byte() % 3;
    for (size_t k = 0; k < n; ++k) {
      std::string name = "X-";
      for (char c : Atom()) name += (c == '_' || c == '.' || c == '+') ? '-' : c;
      out.emplace_back(name, Text(40));
    }
  }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t i_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  Reader r(data, size);
  DeliveryReport x;
  if (r.Bool()) x.original_envelope_id = r.Text(40);
  x.reporting_mta = r.MakeTyped();
  if (r.Bool()) x.dsn_gateway = r.MakeTyped();
  if (r.Bool()) x.received_from_mta = r.MakeTyped();
  if (r.Bool()) x.arrival_date = r.Text(40);
  r.Extensions(x.extensions);
  size_t n = 1 + r.Byte() % 5;
  for (size_t k = 0; k < n; ++k) {
    RecipientReport rr;
    if (r.Bool()) rr.original_recipient = r.MakeTyped();
    rr.final_recipient = r.MakeTyped();
    rr.action = static_cast<Action>(r.Byte() % 5);
    rr.status = r.Status();
    if (r.Bool()) rr.remote_mta = r.MakeTyped();
    if (r.Bool()) rr.diagnostic_code = r.MakeTyped();
    if (r.Bool()) rr.last_attempt_date = r.Text(40);
    if (r.Bool()) rr.final_log_id = r.Text(20);
    if (rr.action == Action::kDelayed && r.Bool()) rr.will_retry_until = r.Text(40);
    r.Extensions(rr.extensions);
    x.recipients.push_back(rr);
  }
  if (r.Bool()) x.return_path = r.Atom() + "@example.test";
  x.ret = static_cast<mta::report::Ret>(r.Byte() % 3);
  if (!mta::dsn::IsRoundTripValid(x)) __builtin_trap();  // valid by construction

  mta::report::GeneratorEnv env;
  env.hostname = "mx.fuzz.test";
  env.now = 1704186005;
  uint64_t seed = r.Byte();
  env.random = [&seed] { return seed = seed * 6364136223846793005ULL + 1442695040888963407ULL; };
  mta::dsn::DsnOptions o;
  o.allow_8bit = r.Bool();
  o.max_returned_bytes = r.Bool() ? 64 : 0;
  std::string original = r.Bool() ? std::string("Subject: t\r\nFrom: a@b\r\n\r\nbody\xe9\r\n")
                                  : std::string();

  std::string m = mta::dsn::GenerateDsn(x, original, env, o);
  mta::dsn::ParsedDsn p = mta::dsn::ParseDsn(m);
  DeliveryReport want = x;
  want.ret = mta::dsn::EffectiveRet(x, original, o);
  if (!(p.report == want)) __builtin_trap();
  for (const mta::dsn::Violation& v : p.violations) {
    if (v.severity == mta::dsn::Severity::kError) __builtin_trap();
  }
  return 0;
}
