// message.h: the DNS message model (RFC 1035 4.1) with decoded forms of common RDATA.
//
// RFC 1035 4.1.1 header, 4.1.2 question, 4.1.3 resource record; RDATA formats of RFC 1035
// 3.3 (CNAME, MX, NS, PTR, SOA, TXT), 3.4.1 (A) and RFC 3596 2.2 (AAAA). Any other type (and
// A/AAAA outside class IN) keeps its RDATA as raw octets (RFC 3597).
//
// Domain names are text in RFC 1035 5.1 presentation form without the trailing dot: labels
// joined by '.', with '.', '\\' and octets outside 0x21-0x7E escaped as "\." "\\" "\DDD";
// the root is ".". Example:
//   Message q = MakeQuery(0x1234, "example.com", RrType::kMx);
//   q.questions[0].name == "example.com"
#ifndef MTA_LIB_DNS_MESSAGE_H_
#define MTA_LIB_DNS_MESSAGE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mta::dns {

// RR TYPE values (RFC 1035 3.2.2, RFC 3596, RFC 6891). Any 16-bit value is allowed.
enum class RrType : std::uint16_t {
  kA = 1, kNs = 2, kCname = 5, kSoa = 6, kPtr = 12, kMx = 15, kTxt = 16, kAaaa = 28,
  kOpt = 41, kAny = 255,
};
inline constexpr std::uint16_t kClassIn = 1;

// RCODE values (RFC 1035 4.1.1).
enum class Rcode : std::uint8_t {
  kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3, kNotImp = 4, kRefused = 5,
};

// "MX", "A", ... or "TYPE123" (RFC 3597 5); and back (case-insensitive; false if unknown).
std::string RrTypeName(RrType type);
bool RrTypeFromName(std::string_view name, RrType* type);
// "NOERROR", "SERVFAIL", "NXDOMAIN", ... or "RCODE12".
std::string RcodeName(std::uint8_t rcode);

struct RawRdata {  // undecoded RDATA octets
  std::string bytes;
  bool operator==(const RawRdata&) const = default;
};
struct AddressRdata {  // A: "192.0.2.1"; AAAA: RFC 5952 text, "2001:db8::1"
  std::string address;
  bool operator==(const AddressRdata&) const = default;
};
struct MxRdata {  // RFC 1035 3.3.9; exchange "." is a null MX (RFC 7505)
  std::uint16_t preference = 0;
  std::string exchange;
  bool operator==(const MxRdata&) const = default;
};
struct NameRdata {  // CNAME, NS, PTR target
  std::string name;
  bool operator==(const NameRdata&) const = default;
};
struct SoaRdata {  // RFC 1035 3.3.13
  std::string mname, rname;
  std::uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
  bool operator==(const SoaRdata&) const = default;
};
struct TxtRdata {  // RFC 1035 3.3.14: one or more <character-string>s of up to 255 octets
  std::vector<std::string> strings;
  bool operator==(const TxtRdata&) const = default;
};
using Rdata = std::variant<RawRdata, AddressRdata, MxRdata, NameRdata, SoaRdata, TxtRdata>;

struct Question {
  std::string name;
  RrType type = RrType::kA;
  std::uint16_t qclass = kClassIn;
  bool operator==(const Question&) const = default;
};

struct ResourceRecord {
  std::string name;
  RrType type = RrType::kA;
  std::uint16_t rclass = kClassIn;
  std::uint32_t ttl = 0;
  Rdata data;  // the alternative Parse produces for `type`: see RdataKindFor
  bool operator==(const ResourceRecord&) const = default;
};

struct Message {
  std::uint16_t id = 0;
  bool qr = false;
  std::uint8_t opcode = 0;  // 4 bits
  bool aa = false, tc = false, rd = false, ra = false;
  std::uint8_t z = 0;       // 3 bits: Z, AD, CD (RFC 4035 3.2), carried unchanged
  std::uint8_t rcode = 0;   // 4 bits
  std::vector<Question> questions;
  std::vector<ResourceRecord> answers, authority, additional;
  bool operator==(const Message&) const = default;
};

// Builders. The id is an input (callers draw it from their random source).
Message MakeQuery(std::uint16_t id, std::string_view name, RrType type, bool rd = true);
// A response to `query`: same id, opcode, rd and questions; qr=1; the given rcode.
Message MakeResponse(const Message& query, Rcode rcode, bool aa = true);

// Record builders for tests and the fixture.
ResourceRecord MakeA(std::string_view name, std::string_view address, std::uint32_t ttl = 300);
ResourceRecord MakeAaaa(std::string_view name, std::string_view address, std::uint32_t ttl = 300);
ResourceRecord MakeMx(std::string_view name, std::uint16_t preference, std::string_view exchange,
                      std::uint32_t ttl = 300);
ResourceRecord MakeCname(std::string_view name, std::string_view target, std::uint32_t ttl = 300);
ResourceRecord MakeTxt(std::string_view name, std::vector<std::string> strings,
                       std::uint32_t ttl = 300);

}  // namespace mta::dns

#endif  // MTA_LIB_DNS_MESSAGE_H_
