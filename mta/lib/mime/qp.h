// qp.h: quoted-printable Content-Transfer-Encoding (RFC 2045 6.7), encoder and strict
// decoder, used by the 8BITMIME downgrade.
//
// Encoder rules (RFC 2045 6.7): octets 33..60 and 62..126 literal (rule 2); "=" and every
// other octet as "=XX" with upper-case hex (rule 1); SP and HT literal except at the end of
// an encoded line (rule 3: "=20" / "=09"); each CRLF of the input is a hard line break (rule
// 4); a CR or LF that is not part of a CRLF is encoded ("=0D", "=0A") so the round trip is
// octet-exact; encoded lines are at most 76 octets, soft line breaks "=" CRLF (rule 5).
//
//   EncodeQuotedPrintable("caf\xC3\xA9 \r\n") == "caf=C3=A9=20\r\n"
//   DecodeQuotedPrintable("a=\r\nb=3D") == "a" "b="
#ifndef MTA_LIB_MIME_QP_H_
#define MTA_LIB_MIME_QP_H_

#include <optional>
#include <string>
#include <string_view>

namespace mta::mime {

// Maximum encoded line length, soft-break "=" included (RFC 2045 6.7 rule 5).
inline constexpr std::size_t kQpMaxLine = 76;

// Encodes `octets`; the output is 7-bit, has only CRLF line ends and no line over 76
// octets. Decoding it gives back `octets` exactly.
std::string EncodeQuotedPrintable(std::string_view octets);

// Decodes quoted-printable: "=XX" (hex, either case), soft breaks "=" CRLF, CRLF kept as
// CRLF, trailing SP/HT before a line end removed (RFC 2045 6.7 rule 3: added by transport).
// nullopt on a malformed "=" sequence or a bare CR/LF.
std::optional<std::string> DecodeQuotedPrintable(std::string_view encoded);

}  // namespace mta::mime

#endif  // MTA_LIB_MIME_QP_H_
