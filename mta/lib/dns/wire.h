// wire.h: DNS message parsing and serialisation (RFC 1035 4.1, 4.1.4 compression).
//
// Parse never reads outside the input: every length is checked, compression pointers must
// point strictly backwards to an earlier label (which also rules out loops) and are followed
// at most 127 times, and the RFC 1035 2.3.4 label (63) and name (255) limits are enforced.
// Serialize compresses names (owner names and the names inside CNAME, MX, NS, PTR and SOA
// RDATA, RFC 3597 4) with exact-octet suffix matching, so Parse(Serialize(m)) == m.
//   ParseResult r = Parse(wire);  if (r.ok()) use(r.message);  else log(r.error);
//   SerializeResult s = Serialize(MakeQuery(7, "example.com", RrType::kMx));
#ifndef MTA_LIB_DNS_WIRE_H_
#define MTA_LIB_DNS_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mta/lib/dns/message.h"

namespace mta::dns {

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxUdpSize = 512;  // RFC 1035 2.3.4 / 4.2.1

struct ParseResult {
  Message message;
  std::string error;  // empty on success; else e.g. "truncated-header", "pointer-loop"
  bool ok() const { return error.empty(); }
};
// Parses a whole message. Octets after the last record are ignored.
ParseResult Parse(std::string_view wire);

struct Header {
  std::uint16_t id = 0;
  bool qr = false, tc = false;
  std::uint8_t opcode = 0, rcode = 0;
  std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
};
// Reads only the 12-octet header (e.g. of a truncated UDP answer); false if shorter.
bool ParseHeader(std::string_view wire, Header* header);

struct SerializeResult {
  std::string wire;
  std::string error;  // empty on success; e.g. "bad-name", "rdata-mismatch", "txt-too-long"
  bool ok() const { return error.empty(); }
};
SerializeResult Serialize(const Message& message);

// For UDP (RFC 1035 4.2.1, RFC 2181 9): when the message is longer than `limit`, drops
// records from the end (additional, then authority, then answers) until it fits and sets
// TC when an answer or authority record had to go. Returns the error of Serialize, if any.
SerializeResult SerializeTruncated(Message message, std::size_t limit = kMaxUdpSize);

}  // namespace mta::dns

#endif  // MTA_LIB_DNS_WIRE_H_
