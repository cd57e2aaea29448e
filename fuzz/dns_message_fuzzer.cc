// dns_message_fuzzer.cc: the DNS message parser (RFC 1035 4.1) on arbitrary bytes.
//
// Invariants: Parse never crashes; a parsed message re-serialises (RFC 1035 4.1.4
// compression), parses again to an equal message, and that second serialisation is
// byte-identical to the first (a fixed point). The UDP truncation of the parsed message
// fits in 512 octets unless the question alone is larger.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mta/lib/dns/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 65535) return 0;  // the largest DNS message (TCP length prefix)
  std::string_view wire(reinterpret_cast<const char*>(data), size);
  mta::dns::Header header;
  bool has_header = mta::dns::ParseHeader(wire, &header);
  mta::dns::ParseResult r = mta::dns::Parse(wire);
  if (has_header != (size >= mta::dns::kHeaderSize)) __builtin_trap();
  if (!r.ok()) return 0;
  if (!has_header || r.message.id != header.id) __builtin_trap();
  mta::dns::SerializeResult s = mta::dns::Serialize(r.message);
  if (!s.ok()) __builtin_trap();
  mta::dns::ParseResult again = mta::dns::Parse(s.wire);
  if (!again.ok() || !(again.message == r.message)) __builtin_trap();
  mta::dns::SerializeResult s2 = mta::dns::Serialize(again.message);
  if (!s2.ok() || s2.wire != s.wire) __builtin_trap();
  if (r.message.answers.size() + r.message.authority.size() + r.message.additional.size() <= 64) {
    mta::dns::SerializeResult t = mta::dns::SerializeTruncated(r.message);
    if (!t.ok()) __builtin_trap();
    mta::dns::Message bare = r.message;
    bare.answers.clear();
    bare.authority.clear();
    bare.additional.clear();
    if (t.wire.size() > mta::dns::kMaxUdpSize &&
        t.wire.size() != mta::dns::Serialize(bare).wire.size())
      __builtin_trap();
    if (!mta::dns::Parse(t.wire).ok()) __builtin_trap();
  }
  return 0;
}
