// qmtp_server_fuzz_input.h: the input layout and session settings shared by the QMTP and
// QMQP server fuzzers (qmtp_server_fuzzer.cc, qmqp_server_fuzzer.cc).
// Input: one control octet (low 4 bits: chunk size - 1; next bits: the store's verdict
// K / Z / D), then the client's byte stream, at most 64 KiB.
//
//   ServerFuzzInput f;
//   if (!ParseServerFuzzInput(data, size, &f)) return 0;
//   QmqpServerSession s(FuzzOptions(), policy);  s.Feed(f.stream.substr(0, f.chunk));
#ifndef FUZZ_QMTP_SERVER_FUZZ_INPUT_H_
#define FUZZ_QMTP_SERVER_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mta/lib/netstring/response.h"
#include "mta/lib/qmtp/policy.h"
#include "mta/lib/qmtp/submission.h"

namespace mta::qmtp::fuzzing {

inline void Check(bool ok) {
  if (!ok) __builtin_trap();
}

struct ServerFuzzInput {
  std::size_t chunk = 1;                     // octets per Feed()
  netstring::ResponseStatus verdict = netstring::ResponseStatus::kAccepted;  // the store's
  std::string_view stream;                   // the client's bytes
};

// False for an input to skip (empty, or over the size cap that keeps each run bounded).
inline bool ParseServerFuzzInput(const std::uint8_t* data, std::size_t size,
                                 ServerFuzzInput* f) {
  if (size < 1 || size > 65536) return false;
  const netstring::ResponseStatus verdicts[] = {netstring::ResponseStatus::kAccepted,
                                                netstring::ResponseStatus::kTemporary,
                                                netstring::ResponseStatus::kPermanent};
  f->chunk = (data[0] & 15u) + 1;
  f->verdict = verdicts[(data[0] >> 4) % 3];
  f->stream = std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1);
  return true;
}

// Small limits, so that every limit is reachable by the fuzzer; a fixed clock.
inline ServerOptions FuzzOptions() {
  ServerOptions o;
  o.max_message_size = 1024;
  o.max_recipients = 5;
  o.max_address_length = 64;
  o.now = [] { return std::int64_t{1700000000}; };
  return o;
}

// Relay rules: "a" is the local domain.
inline RelayRules FuzzRules() {
  RelayRules rules;
  rules.is_local_domain = [](std::string_view d) { return d == "a"; };
  return rules;
}

}  // namespace mta::qmtp::fuzzing

#endif  // FUZZ_QMTP_SERVER_FUZZ_INPUT_H_
