// bounce_engine_fuzzer.cc: the notification engine with arbitrary envelopes, outcomes and
// original message bytes. Never crashes; every notification is addressed to a non-null
// path, is never sent for a double-bounce sender, and parses back (classifier + ParseDsn /
// ParseQsbmf) with the same recipients (and statuses for RFC 3464) and no MUST violation.
//
// Input: byte 0 = option flags, byte 1 = outcome selector bits, then NUL-separated fields:
// sender, envid, ret, then per recipient (up to 4): address, notify, orcpt, status,
// remote-mta, diagnostic; the remainder is the original message.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mta/bounce/bounce.h"
#include "mta/bounce/rfc3461.h"
#include "mta/bounce/verify.h"

namespace {

std::string_view NextField(std::string_view* in) {
  std::size_t nul = in->find('\0');
  std::string_view f = in->substr(0, nul);
  in->remove_prefix(nul == std::string_view::npos ? in->size() : nul + 1);
  return f;
}

// Prints why an invariant broke, with the notification, then stops.
[[noreturn]] void Fail(const char* why, const mta::bounce::Notification* n,
                       const mta::bounce::Verified* v) {
  std::fprintf(stderr, "bounce_engine_fuzzer: %s\n", why);
  if (v != nullptr) {
    std::fprintf(stderr, "format %s\n", v->format.c_str());
    for (const std::string& e : v->errors) std::fprintf(stderr, "error: %s\n", e.c_str());
    for (const auto& r : v->recipients) std::fprintf(stderr, "parsed: <%s> %s\n", r.first.c_str(), r.second.c_str());
  }
  if (n != nullptr) {
    for (const auto& r : n->reported) std::fprintf(stderr, "reported: <%s> %s\n", r.first.c_str(), r.second.c_str());
    std::fprintf(stderr, "%s\n", n->message.c_str());
  }
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mta;
  if (size < 2 || size > 32768) return 0;
  const std::uint8_t flags = data[0];
  const std::uint8_t sel = data[1];
  std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);

  bounce::BounceOptions o;
  o.format = (flags & 1) ? bounce::Format::kQsbmf : bounce::Format::kRfc3464;
  o.double_bounce = static_cast<bounce::DoubleBounce>((flags >> 1) % 3);
  o.auto_submitted = (flags & 8) != 0;
  o.eight_bit = (flags & 16) ? bounce::EightBitReturn::kHeadersOnly : bounce::EightBitReturn::kDeclare8bit;
  o.max_returned_bytes = (flags & 32) ? 64 : 100000;
  o.delay_warnings = (flags & 64) != 0;
  o.delay_warning_after = 0;

  queue::Envelope e;
  e.id = "fuzz.1";
  e.arrival_time = 1704000000;
  e.sender = std::string(NextField(&in));
  e.envid = std::string(NextField(&in));
  e.ret = std::string(NextField(&in));
  std::vector<bounce::Outcome> outcomes;
  for (int i = 0; i < 4 && !in.empty(); ++i) {
    queue::Recipient r;
    r.address = std::string(NextField(&in));
    r.notify = std::string(NextField(&in));
    r.orcpt = std::string(NextField(&in));
    bounce::Outcome oc;
    oc.recipient = r.address;
    oc.status = std::string(NextField(&in));
    oc.remote_mta = std::string(NextField(&in));
    oc.diagnostic = std::string(NextField(&in));
    oc.action = static_cast<report::Action>(((sel >> (2 * i)) & 3));
    oc.last_attempt = 1704000100;
    oc.will_retry_until = 1704400000;
    e.recipients.push_back(r);
    outcomes.push_back(oc);
  }
  report::GeneratorEnv env;
  env.hostname = "mx.fuzz.test";
  env.now = 1704100000;
  auto state = std::make_shared<std::uint64_t>(1);
  env.random = [state] { return (*state += 0x9e3779b97f4a7c15ULL); };

  std::vector<bounce::Notification> out = bounce::MakeNotifications(e, in, outcomes, o, env);
  const bool triple = bounce::IsDoubleBounceSender(bounce::StripSourceRoute(e.sender), o, env);
  if (triple && !out.empty()) Fail("notification for a double-bounce sender", &out[0], nullptr);
  for (const bounce::Notification& n : out) {
    if (n.recipients.empty() || n.recipients[0].empty()) Fail("notification to <>", &n, nullptr);  // RFC 5321 6.1
    bounce::Verified v = bounce::VerifyNotification(n);
    if (!v.errors.empty()) Fail("MUST violation", &n, &v);
    if (v.recipients.size() != n.reported.size()) Fail("recipient count differs", &n, &v);
    if (n.format == bounce::Format::kRfc3464) {
      if (v.format != "rfc3464" || v.recipients != n.reported) Fail("rfc3464 parse-back differs", &n, &v);
    } else {
      if (v.format != "qsbmf") Fail("not read as qsbmf", &n, &v);
    }
  }
  return 0;
}
