// rfc3461.h: the RFC 3461 DSN request parameters as the bounce engine reads them from a
// queued envelope (NOTIFY, ORCPT, ENVID, RET), plus the RFC 5321 6.1 reverse-path rule.
//
// RFC 3461 4.1: NOTIFY = "NEVER" / 1#("SUCCESS" / "FAILURE" / "DELAY"), case-insensitive.
// RFC 3461 4.2: ORCPT = addr-type ";" xtext. RFC 3461 4.4: ENVID = xtext.
// RFC 3461 4: xtext = *( xchar / hexchar ), hexchar = "+" 2HEXCHAR.
//
//   ParseNotify("SUCCESS,DELAY").success == true
//   DecodeXtext("QQ+2B1") == "QQ+1"
//   ParseOrcpt("rfc822;u+40x@y") -> {"rfc822", "u@x@y"}
//   StripSourceRoute("@a.test,@b.test:s@c.test") == "s@c.test"
#ifndef MTA_BOUNCE_RFC3461_H_
#define MTA_BOUNCE_RFC3461_H_

#include <optional>
#include <string>
#include <string_view>

#include "mta/lib/report/model.h"

namespace mta::bounce {

// What a recipient's NOTIFY asks for.
struct NotifyRequest {
  bool present = false;  // a NOTIFY parameter was given
  bool never = false;
  bool success = false;
  bool failure = false;
  bool delay = false;
  bool operator==(const NotifyRequest&) const = default;
};

// Parses a NOTIFY value as stored in the envelope ("" = absent). Unknown keywords are
// ignored; "NEVER" combined with other keywords (invalid per RFC 3461 4.1) reads as NEVER.
NotifyRequest ParseNotify(std::string_view value);

// RFC 3461 4: decodes xtext ("+HH" -> the octet). A malformed "+" sequence is kept as is.
std::string DecodeXtext(std::string_view xtext);

// RFC 3461 4.2: "addr-type;xtext" -> {addr-type, decoded address}. nullopt when empty or
// without ';'.
std::optional<report::Typed> ParseOrcpt(std::string_view value);

// RFC 3461 4.3: "FULL" / "HDRS" (case-insensitive), else kUnspecified.
report::Ret ParseRet(std::string_view value);

// RFC 5321 6.1: "If the address is an explicit source route, it MUST be stripped down to
// its final hop." Also drops surrounding angle brackets.
std::string StripSourceRoute(std::string_view reverse_path);

}  // namespace mta::bounce

#endif  // MTA_BOUNCE_RFC3461_H_
