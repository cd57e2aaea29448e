// enhanced_status.h: RFC 3463 enhanced mail system status codes (class.subject.detail).
//
// RFC 3463 2 (syntax: class "." subject "." detail; class 2, 4 or 5; subject and detail
// 1*3digit, no leading zeros), RFC 2034 4 (the code opens the text of a reply line and is
// followed by a single SP), qmail's HCMSSC form "(#5.7.1)" at the end of a text as a
// secondary source.
//
//   auto s = EnhancedStatus::Parse("5.1.1");      // {5, 1, 1}
//   s->ToString() == "5.1.1";
//   ParseEnhancedPrefix("2.0.0 Ok")->length == 6;  // code plus its SP
#ifndef MTA_LIB_REPLY_ENHANCED_STATUS_H_
#define MTA_LIB_REPLY_ENHANCED_STATUS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mta::reply {

struct EnhancedStatus {
  int klass = 0;    // 2 (Success), 4 (Persistent Transient Failure), 5 (Permanent Failure)
  int subject = 0;  // 0..999
  int detail = 0;   // 0..999

  // Parses exactly "C.S.D" (the whole view). Rejects class other than 2/4/5, empty or
  // more than three digit sub-codes, and leading zeros ("5.01.1"); RFC 3463 2: "Each
  // numeric sub-code within the status-code MUST be expressed without leading zero digits".
  static std::optional<EnhancedStatus> Parse(std::string_view s);
  // "C.S.D".
  std::string ToString() const;

  bool operator==(const EnhancedStatus&) const = default;
};

// A status code at the start of a reply text (RFC 2034 4).
struct EnhancedPrefix {
  EnhancedStatus status;
  std::size_t length = 0;  // octets of the code plus the single SP after it, if any
};

// Parses an enhanced status code opening `text`. The code must be followed by SP or by
// the end of the text ("250 2.0.0" with no text); "2.0.0x" is not a code.
std::optional<EnhancedPrefix> ParseEnhancedPrefix(std::string_view text);

// qmail's HCMSSC (RFCHCSC): the last "(#C.S.D)" in `text`, e.g. "sorry, no mailbox here
// by that name. (#5.1.1)". Returns nullopt when there is none.
std::optional<EnhancedStatus> FindHcmssc(std::string_view text);

}  // namespace mta::reply

#endif  // MTA_LIB_REPLY_ENHANCED_STATUS_H_
