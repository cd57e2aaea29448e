// data_roundtrip_fuzzer.cc: encode arbitrary bytes as SMTP DATA, decode them in chunks.
//
// Byte 0 gives the decoder's chunk size, byte 1 the encoder's; the rest is the body.
// Invariants: the encoding never holds a bare CR or LF and its first <CRLF>.<CRLF> is its
// end (RFC 5321 2.3.8, 4.1.1.4, 4.5.2); the streaming encoder matches EncodeData; decoding
// gives Canonicalize(body), and the body itself when it is canonical and ends in CRLF.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mta/lib/data/decoder.h"
#include "mta/lib/data/encoder.h"
#include "mta/lib/data/line_ends.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > (1 << 16)) return 0;
  const size_t dec_chunk = data[0] % 32 + 1;
  const size_t enc_chunk = data[1] % 32 + 1;
  std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);

  std::string wire = mta::data::EncodeData(body);
  std::string streamed;
  mta::data::DataEncoder enc;
  for (size_t pos = 0; pos < body.size(); pos += enc_chunk) {
    enc.Add(body.substr(pos, enc_chunk), &streamed);
  }
  enc.Finish(&streamed);
  Check(streamed == wire);

  Check(mta::data::IsCanonical(wire));
  std::string s = "\r\n" + wire;
  Check(s.find("\r\n.\r\n") == s.size() - 5);

  std::string stream = wire + "QUIT\r\n";
  mta::data::DataDecoder dec;
  uint64_t consumed = 0;
  for (size_t pos = 0; pos < stream.size() && !dec.complete(); pos += dec_chunk) {
    consumed += dec.Feed(std::string_view(stream).substr(pos, dec_chunk));
  }
  Check(dec.complete());
  Check(consumed == wire.size());
  Check(dec.count(mta::data::AnomalyKind::kBareCr) == 0);
  Check(dec.count(mta::data::AnomalyKind::kBareLf) == 0);
  std::string canonical = mta::data::Canonicalize(body);
  Check(dec.body() == canonical);
  bool ends_crlf = body.size() >= 2 && body.substr(body.size() - 2) == "\r\n";
  if (mta::data::IsCanonical(body) && (body.empty() || ends_crlf)) Check(dec.body() == body);
  return 0;
}
