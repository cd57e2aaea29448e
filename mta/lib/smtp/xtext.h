// xtext.h: RFC 3461 4 xtext encoding, used by ENVID, ORCPT (RFC 3461) and AUTH= (RFC 4954).
//
//   xtext = *( xchar / hexchar ); xchar = any ASCII CHAR between "!" (33) and "~" (126)
//   inclusive, except for "+" and "="; hexchar = "+" 2(%x30-39 / %x41-46) (upper-case hex).
//
//   XtextDecode("a+2Bb") == "a+b";  XtextEncode("a+b=c") == "a+2Bb+3Dc"
#ifndef MTA_LIB_SMTP_XTEXT_H_
#define MTA_LIB_SMTP_XTEXT_H_

#include <optional>
#include <string>
#include <string_view>

namespace mta::smtp {

// True when `s` is valid xtext (possibly empty).
bool IsXtext(std::string_view s);
// Decodes xtext; nullopt when `s` is not valid xtext (e.g. "+2b", "+4", "a=b").
std::optional<std::string> XtextDecode(std::string_view s);
// Encodes any octets: xchar kept, everything else as "+XX".
std::string XtextEncode(std::string_view s);

}  // namespace mta::smtp

#endif  // MTA_LIB_SMTP_XTEXT_H_
