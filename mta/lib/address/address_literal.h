// address_literal.h: RFC 5321 4.1.3 address literals (the content of "[...]").
//
// IPv4-address-literal = Snum 3("." Snum); IPv6-address-literal = "IPv6:" IPv6-addr with
// IPv6-full / IPv6-comp (at most 6 groups besides "::") / IPv6v4-full / IPv6v4-comp (at
// most 4 groups besides "::" and the IPv4 part). General-address-literal tags other than
// "IPv6" are not registered (RFC 5321 4.1.3 Standardized-tag), so they are not accepted.
//
//   IsAddressLiteral("192.0.2.1") == true; IsAddressLiteral("IPv6:2001:db8::1") == true
//   IsAddressLiteral("IPv6:1:2:3:4:5:6::8") == false  (7 groups beside "::")
#ifndef MTA_LIB_ADDRESS_ADDRESS_LITERAL_H_
#define MTA_LIB_ADDRESS_ADDRESS_LITERAL_H_

#include <string_view>

namespace mta::address {

// `s` is the text between the brackets.
bool IsIpv4AddressLiteral(std::string_view s);
bool IsIpv6AddressLiteral(std::string_view s);  // "IPv6:..." (tag case-insensitive)
bool IsAddressLiteral(std::string_view s);      // either of the above

}  // namespace mta::address

#endif  // MTA_LIB_ADDRESS_ADDRESS_LITERAL_H_
