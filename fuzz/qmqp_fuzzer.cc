// qmqp_fuzzer.cc: the QMQP request decoder (server side) over arbitrary input, with small
// limits.
//
// Invariants: chunked feeding (chunk sizes from the input) consumes the same octets and
// yields the same request, findings and error as whole feeding; a decoded request
// re-encodes to exactly the octets it was decoded from, and decodes again unchanged.
//
//   qmqp_fuzzer corpora/fuzz/qmqp_fuzzer
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mta/lib/netstring/qmqp.h"

namespace {

using namespace mta::netstring;

struct Result {
  std::optional<QmqpDecodedRequest> request;
  QmqpError error = QmqpError::kNone;
  NetstringError netstring_error = NetstringError::kNone;
  std::size_t used = 0;
  bool Same(const Result& o) const {
    if (request.has_value() != o.request.has_value()) return false;
    if (request && (!(request->request == o.request->request) ||
                    request->findings != o.request->findings))
      return false;
    return error == o.error && netstring_error == o.netstring_error && used == o.used;
  }
};

Result Decode(std::string_view in, const QmqpLimits& limits, std::string_view chunks) {
  QmqpRequestDecoder d(limits);
  Result r;
  std::size_t k = 0;
  for (std::size_t pos = 0; pos < in.size() && !d.done() && !d.failed();) {
    std::size_t n = chunks.empty()
                        ? in.size()
                        : static_cast<unsigned char>(chunks[k++ % chunks.size()]) % 11 + 1;
    n = std::min(n, in.size() - pos);
    r.used += d.Feed(in.substr(pos, n));
    pos += n;
  }
  r.request = d.Take();
  if (d.Take()) __builtin_trap();  // one request per connection
  r.error = d.error();
  r.netstring_error = d.netstring_error();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 16) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  QmqpLimits small;
  small.max_request_size = size > 0 ? data[0] % 128 : 16;
  small.max_address_length = size > 1 ? data[1] % 16 : 4;
  for (const QmqpLimits& limits : {QmqpLimits{}, small}) {
    Result whole = Decode(in, limits, {});
    if (!whole.Same(Decode(in, limits, in))) __builtin_trap();
    if (!whole.Same(Decode(in, limits, std::string_view("\0", 1)))) __builtin_trap();
    if (whole.request) {
      if (whole.error != QmqpError::kNone) __builtin_trap();
      std::string wire = EncodeQmqpRequest(whole.request->request);
      if (wire != in.substr(0, whole.used)) __builtin_trap();
      Result again = Decode(wire, QmqpLimits{}, {});
      if (!again.request || !(again.request->request == whole.request->request))
        __builtin_trap();
    }
  }
  return 0;
}
