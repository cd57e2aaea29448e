// address_literal.h: RFC 5321 4.1.3 address literals ("[192.0.2.1]", "[IPv6:2001:db8::1]",
// "[tag:content]").
//
// IPv4-address-literal = Snum 3("." Snum), Snum 0-255 in 1*3DIGIT;
// IPv6-address-literal = "IPv6:" IPv6-addr with IPv6-full (8 groups), IPv6-comp (at most 6
// groups besides "::"), IPv6v4-full (6 groups + IPv4), IPv6v4-comp (at most 4 groups besides
// "::" + IPv4); General-address-literal = Standardized-tag ":" 1*dcontent. The "IPv6" tag
// (case-insensitive) always selects the IPv6 grammar, never the general one.
//
//   ParseAddressLiteral("[IPv6:::1]")->kind == AddressLiteralKind::kIpv6
//   ParseAddressLiteral("[1.2.3.256]") == std::nullopt
#ifndef MTA_LIB_SMTP_ADDRESS_LITERAL_H_
#define MTA_LIB_SMTP_ADDRESS_LITERAL_H_

#include <optional>
#include <string>
#include <string_view>

namespace mta::smtp {

enum class AddressLiteralKind { kIpv4, kIpv6, kGeneral };

struct AddressLiteral {
  AddressLiteralKind kind;
  std::string tag;    // "" for IPv4, the tag as written ("IPv6", "x-tag") otherwise
  std::string value;  // text after the tag's ":" (IPv4: the dotted quad)
};

// `text` includes the brackets. nullopt when it is not an RFC 5321 address-literal.
std::optional<AddressLiteral> ParseAddressLiteral(std::string_view text);

// RFC 5321 4.1.3 IPv4-address-literal (no brackets): "192.0.2.1".
bool IsIpv4AddressLiteral(std::string_view s);
// RFC 5321 4.1.3 IPv6-addr (no brackets, no tag): "2001:db8::1", "::ffff:192.0.2.1".
bool IsIpv6Addr(std::string_view s);
// RFC 5321 4.1.2 Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig (non-empty).
bool IsLdhStr(std::string_view s);

}  // namespace mta::smtp

#endif  // MTA_LIB_SMTP_ADDRESS_LITERAL_H_
