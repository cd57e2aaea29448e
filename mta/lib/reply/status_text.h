// status_text.h: registry texts of enhanced status codes.
//
// The IANA "SMTP Enhanced Status Codes" registry: class sub-codes, subject sub-codes and
// enumerated status codes (RFC 3463 3, later additions from RFC 3886, 4468, 4954, 5248,
// 6531, 6710, 7293, 7372, 7505).
//
//   EnhancedStatusText({5, 1, 1}) == "Bad destination mailbox address"
//   EnhancedStatusText({4, 1, 99}) == "Addressing Status"   // unknown detail: subject text
#ifndef MTA_LIB_REPLY_STATUS_TEXT_H_
#define MTA_LIB_REPLY_STATUS_TEXT_H_

#include <string_view>

#include "mta/lib/reply/enhanced_status.h"

namespace mta::reply {

// "Success", "Persistent Transient Failure", "Permanent Failure"; "" for other classes.
std::string_view EnhancedClassText(int klass);
// Subject sub-code summary, e.g. 1 -> "Addressing Status"; "" when unregistered.
std::string_view EnhancedSubjectText(int subject);
// Enumerated X.S.D text, e.g. (7, 1) -> "Delivery not authorized, message refused";
// "" when unregistered.
std::string_view EnhancedDetailText(int subject, int detail);

// The most specific registry text for `s`: the enumerated detail text, else the subject
// text, else the class text, else "".
std::string_view EnhancedStatusText(const EnhancedStatus& s);

}  // namespace mta::reply

#endif  // MTA_LIB_REPLY_STATUS_TEXT_H_
