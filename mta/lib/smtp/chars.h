// chars.h: octet classes of the RFC 5321 grammar and UTF-8 well-formedness (RFC 3629),
// shared by the path, domain and parameter scanners.
//
// RFC 5321 4.1.2 (atext via RFC 5322 3.2.3, qtextSMTP, Let-dig), RFC 6531 3.3
// (UTF8-non-ascii in atext, qtextSMTP, sub-domain, esmtp-value), RFC 3629 4 (UTF8-octets).
//
//   IsAtext('!') == true;  Utf8SequenceLength("\xc3\xbc", 0) == 2
#ifndef MTA_LIB_SMTP_CHARS_H_
#define MTA_LIB_SMTP_CHARS_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace mta::smtp {

inline bool IsAlpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
inline bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool IsLetDig(unsigned char c) { return IsAlpha(c) || IsDigit(c); }
inline bool IsHexDig(unsigned char c) {
  return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}
// RFC 5322 3.2.3 atext, ASCII part.
bool IsAtext(unsigned char c);
// RFC 5321 4.1.2 qtextSMTP = %d32-33 / %d35-91 / %d93-126.
inline bool IsQtextSmtp(unsigned char c) {
  return c >= 32 && c <= 126 && c != '"' && c != '\\';
}
// RFC 5321 4.1.3 dcontent = %d33-90 / %d94-126.
inline bool IsDcontent(unsigned char c) {
  return (c >= 33 && c <= 90) || (c >= 94 && c <= 126);
}

// Length (2..4) of the well-formed UTF-8 sequence for a non-ASCII character starting at
// s[pos] (RFC 3629 4: no overlong forms, no surrogates, at most U+10FFFF); 0 if malformed.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t pos);
bool IsValidUtf8(std::string_view s);

// How octets above 127 are treated by a scanner.
struct NonAsciiPolicy {
  bool smtputf8 = false;     // RFC 6531: well-formed UTF8-non-ascii allowed
  bool lenient_8bit = false;  // Leniency::k8BitWithoutSmtputf8: any octet > 127 allowed
};

// Consumes the non-ASCII character starting at s[pos] (s[pos] > 127). Returns the number of
// octets consumed, or 0 when the policy rejects it (with *error set). Sets *used_8bit when
// the octets were accepted only through the 8-bit leniency.
std::size_t ConsumeNonAscii(std::string_view s, std::size_t pos, NonAsciiPolicy policy,
                            bool* used_8bit, std::string* error);

// Upper-cases ASCII letters only.
std::string AsciiUpper(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace mta::smtp

#endif  // MTA_LIB_SMTP_CHARS_H_
