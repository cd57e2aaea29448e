// qmtp_fuzzer.cc: the QMTP package decoder (server side) and the response decoder (client
// side) over arbitrary input, with small limits.
//
// Invariants: chunked feeding (chunk sizes from the input) yields the same packages,
// findings and error as whole feeding; re-encoding a decoded package in its encoding
// decodes to the same package; the response decoder agrees with itself across chunkings
// and its responses re-encode and decode unchanged.
//
//   qmtp_fuzzer corpora/fuzz/qmtp_fuzzer
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/netstring/qmtp.h"
#include "mta/lib/netstring/response.h"

namespace {

using namespace mta::netstring;

struct Result {
  std::vector<QmtpDecodedPackage> packages;
  QmtpError error = QmtpError::kNone;
  NetstringError netstring_error = NetstringError::kNone;
  bool idle = true;
};

bool Same(const Result& a, const Result& b) {
  if (a.packages.size() != b.packages.size() || a.error != b.error ||
      a.netstring_error != b.netstring_error || a.idle != b.idle)
    return false;
  for (std::size_t i = 0; i < a.packages.size(); ++i) {
    const auto& x = a.packages[i];
    const auto& y = b.packages[i];
    if (!(x.package == y.package) || x.encoding != y.encoding || x.findings != y.findings)
      return false;
  }
  return true;
}

std::size_t ChunkSize(std::string_view chunks, std::size_t* k, std::size_t whole) {
  if (chunks.empty()) return whole;
  return static_cast<unsigned char>(chunks[(*k)++ % chunks.size()]) % 11 + 1;
}

Result DecodePackages(std::string_view in, const QmtpLimits& limits, std::string_view chunks) {
  QmtpPackageDecoder d(limits);
  Result r;
  std::size_t k = 0;
  for (std::size_t pos = 0; pos < in.size();) {
    std::size_t n = std::min(ChunkSize(chunks, &k, in.size()), in.size() - pos);
    d.Feed(in.substr(pos, n));
    pos += n;
    while (auto p = d.Next()) r.packages.push_back(std::move(*p));
  }
  r.error = d.error();
  r.netstring_error = d.netstring_error();
  r.idle = d.idle();
  return r;
}

std::vector<Response> DecodeResponses(std::string_view in, std::string_view chunks,
                                      ResponseError* error) {
  ResponseDecoder d(64);
  std::vector<Response> out;
  std::size_t k = 0;
  for (std::size_t pos = 0; pos < in.size();) {
    std::size_t n = std::min(ChunkSize(chunks, &k, in.size()), in.size() - pos);
    d.Feed(in.substr(pos, n));
    pos += n;
    while (auto r = d.Next()) out.push_back(std::move(*r));
  }
  *error = d.error();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 16) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  QmtpLimits small;
  small.max_message_size = size > 0 ? data[0] % 32 : 4;
  small.max_address_length = size > 1 ? data[1] % 16 : 4;
  small.max_envelope_size = size > 2 ? data[2] % 128 : 64;

  for (const QmtpLimits& limits : {QmtpLimits{}, small}) {
    Result whole = DecodePackages(in, limits, {});
    if (!Same(DecodePackages(in, limits, in), whole)) __builtin_trap();
    if (!Same(DecodePackages(in, limits, std::string_view("\0", 1)), whole)) __builtin_trap();
    for (const QmtpDecodedPackage& p : whole.packages) {
      bool too_big = false;
      for (const QmtpFinding& f : p.findings) too_big |= f.kind == QmtpFindingKind::kMessageTooBig;
      if (too_big) continue;  // only a prefix of the message was kept
      Result again = DecodePackages(EncodeQmtpPackage(p.package, p.encoding), QmtpLimits{}, {});
      if (again.packages.size() != 1 || !(again.packages[0].package == p.package) ||
          again.packages[0].encoding != p.encoding || !again.idle)
        __builtin_trap();
    }
  }

  ResponseError e1, e2;
  std::vector<Response> responses = DecodeResponses(in, {}, &e1);
  if (DecodeResponses(in, in, &e2) != responses || e1 != e2) __builtin_trap();
  std::string wire;
  for (const Response& r : responses) wire += EncodeResponse(r);
  if (in.substr(0, wire.size()) != wire) __builtin_trap();
  return 0;
}
