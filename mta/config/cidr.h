// cidr.h: IPv4 / IPv6 network prefixes ("192.0.2.0/24", "2001:db8::/32", "127.0.0.1").
//
// Used for the relay policy's trusted client networks. RFC 4632 (CIDR notation), RFC 4291
// 2.3 (IPv6 prefixes). A bare address is a /32 or /128 prefix. An IPv4-mapped IPv6 client
// address ("::ffff:192.0.2.1") matches IPv4 prefixes.
//
//   std::optional<Cidr> c = ParseCidr("10.0.0.0/8");
//   c->Contains("10.1.2.3") == true;  FormatCidr(*c) == "10.0.0.0/8"
#ifndef MTA_CONFIG_CIDR_H_
#define MTA_CONFIG_CIDR_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mta::config {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// Dotted quad or RFC 4291 text form; also accepts the brackets of an address literal
// ("[192.0.2.1]", "[IPv6:::1]"). nullopt for anything else.
std::optional<IpAddress> ParseIpAddress(std::string_view text);
std::string FormatIpAddress(const IpAddress& a);

struct Cidr {
  IpAddress network;  // host bits cleared
  int prefix = 0;     // 0..32 or 0..128
  bool Contains(const IpAddress& a) const;
  bool Contains(std::string_view address_text) const;  // false when unparseable
  friend bool operator==(const Cidr&, const Cidr&) = default;
};

// "addr" or "addr/len". Host bits set beyond the prefix are cleared.
std::optional<Cidr> ParseCidr(std::string_view text);
std::string FormatCidr(const Cidr& c);

}  // namespace mta::config

#endif  // MTA_CONFIG_CIDR_H_
