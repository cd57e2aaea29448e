// delivery_status.h: the message/delivery-status body of RFC 3464 (2.1-2.4): formatting
// the per-message and per-recipient field groups, and parsing them back leniently with
// a list of violations.
//
// RFC 3464 2.1: the body is a per-message group then one or more per-recipient groups,
// each a block of RFC 822 header fields, groups separated by an empty line. RFC 3464
// 2.1.1: field names are case-insensitive, folding applies. RFC 6533 3: the same grammar
// serves message/global-delivery-status (UTF-8 allowed).
//
//   Reporting-MTA: dns; mx.example.com
//
//   Final-Recipient: rfc822; u@example.org
//   Action: failed
//   Status: 5.1.1
//
//   DeliveryStatusBody b = ParseDeliveryStatus(text);
//   b.report.recipients[0].status == "5.1.1"
#ifndef MTA_LIB_DSN_DELIVERY_STATUS_H_
#define MTA_LIB_DSN_DELIVERY_STATUS_H_

#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/dsn/violation.h"
#include "mta/lib/report/model.h"

namespace mta::dsn {

// RFC 3464 2.3.4 / RFC 3463 2: class "." subject "." detail, class 2, 4 or 5, subject and
// detail 1-3 digits without leading zeros. Returns an empty string when valid, else why.
std::string StatusSyntaxError(std::string_view status);
inline bool IsValidStatus(std::string_view status) { return StatusSyntaxError(status).empty(); }

// Formats the body of a message/delivery-status part: fields in the order of RFC 3464
// 2.2 and 2.3 (the order a generator must follow), each folded by FormatField, the groups
// separated by an empty line, CRLF line ends, ending with the last field's CRLF.
// CR, LF and NUL inside values are replaced by spaces. The envelope members of the report
// (return_path, ret) are not part of this body.
std::string FormatDeliveryStatus(const report::DeliveryReport& report);

struct DeliveryStatusBody {
  report::DeliveryReport report;  // return_path and ret left at their defaults
  std::vector<Violation> violations;
};

// Parses a message/delivery-status body (already transfer-decoded). Never fails.
// Accepts any field order (reported as info "wrong-field-order"), LF or CRLF line ends,
// a missing final line end, several empty lines (or lines of only WSP) between groups, a
// missing empty line between the per-message group and the first recipient (or between
// recipients: a second Final-Recipient starts a new group), comments after Status and
// Action. Unknown fields are kept in `extensions` (per-message or per-recipient).
// Each recipient group yields one RecipientReport, whatever its Action. When Action is
// missing or invalid it is inferred from the status class (2 delivered, 4 delayed, else
// failed); a missing Status leaves `status` empty. Missing "type;" in typed fields leaves
// `type` empty.
DeliveryStatusBody ParseDeliveryStatus(std::string_view body);

}  // namespace mta::dsn

#endif  // MTA_LIB_DSN_DELIVERY_STATUS_H_
