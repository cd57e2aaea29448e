// cidr.cc: IPv4 / IPv6 prefixes for the relay policy (RFC 4632, RFC 4291 2.3).
#include "mta/config/cidr.h"

#include <arpa/inet.h>

#include <cstring>

namespace mta::config {
namespace {

std::string_view StripLiteral(std::string_view t) {
  if (t.size() >= 2 && t.front() == '[' && t.back() == ']') {
    t = t.substr(1, t.size() - 2);
    if (t.size() >= 5 && (t.substr(0, 5) == "IPv6:" || t.substr(0, 5) == "ipv6:" ||
                          t.substr(0, 5) == "IPV6:")) {
      t = t.substr(5);
    }
  }
  return t;
}

}  // namespace

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  text = StripLiteral(text);
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string s(text);
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    in_addr v4;
    if (inet_pton(AF_INET, s.c_str(), &v4) != 1) return std::nullopt;
    std::memcpy(a.bytes.data(), &v4, 4);
    return a;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) != 1) return std::nullopt;
  std::memcpy(a.bytes.data(), &v6, 16);
  a.v6 = true;
  return a;
}

std::string FormatIpAddress(const IpAddress& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.bytes.data(), buf, sizeof buf);
  return buf;
}

bool Cidr::Contains(const IpAddress& in) const {
  IpAddress a = in;
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address.
  static const std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (a.v6 && !network.v6 && std::memcmp(a.bytes.data(), kMapped, 12) == 0) {
    IpAddress v4;
    std::memcpy(v4.bytes.data(), a.bytes.data() + 12, 4);
    a = v4;
  }
  if (a.v6 != network.v6) return false;
  int bits = prefix;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((a.bytes[i] & mask) != network.bytes[i]) return false;
  }
  return true;
}

bool Cidr::Contains(std::string_view address_text) const {
  auto a = ParseIpAddress(address_text);
  return a && Contains(*a);
}

std::optional<Cidr> ParseCidr(std::string_view text) {
  Cidr c;
  std::string_view addr = text;
  std::optional<int> len;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    std::string_view n = text.substr(slash + 1);
    if (n.empty() || n.size() > 3) return std::nullopt;
    int v = 0;
    for (char ch : n) {
      if (ch < '0' || ch > '9') return std::nullopt;
      v = v * 10 + (ch - '0');
    }
    len = v;
  }
  if (!addr.empty() && addr.front() == '[') return std::nullopt;
  auto a = ParseIpAddress(addr);
  if (!a) return std::nullopt;
  int max = a->v6 ? 128 : 32;
  c.prefix = len.value_or(max);
  if (c.prefix > max) return std::nullopt;
  c.network = *a;
  int bits = c.prefix;
  for (int i = 0; i < 16; ++i, bits -= 8) {
    if (bits >= 8) continue;
    c.network.bytes[i] &= bits <= 0 ? 0 : static_cast<std::uint8_t>(0xff << (8 - bits));
  }
  return c;
}

std::string FormatCidr(const Cidr& c) {
  return FormatIpAddress(c.network) + "/" + std::to_string(c.prefix);
}

}  // namespace mta::config
