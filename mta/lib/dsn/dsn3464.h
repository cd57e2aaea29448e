// dsn3464.h: RFC 3464 delivery status notifications as whole messages: a deterministic
// generator and a lenient parser that lists specification violations.
//
// RFC 3464 2 and RFC 6522 3: multipart/report; report-type=delivery-status with (1) a
// human-readable part, (2) message/delivery-status, (3) optionally the returned message
// as message/rfc822 or its header as text/rfc822-headers (RFC 3461 6.2 chooses which).
// RFC 3834 5: Auto-Submitted: auto-replied. RFC 6533: message/global-delivery-status is
// parsed as well.
//
//   std::string dsn = GenerateDsn(report, original, env, {});
//   ParsedDsn p = ParseDsn(dsn);
//   p.report == report (with ret set to what was returned; see EffectiveRet)
//
// Round trip. ParseDsn(GenerateDsn(x, m, env, o)).report == x, with x.ret replaced by
// EffectiveRet(x, m, o), holds for every x whose values are "valid":
//   - every string value (types, values, dates, ids, extension values, status) is
//     printable ASCII (0x20-0x7E) without leading or trailing space, at most 900 octets;
//   - Typed::type is a non-empty atom of ALPHA / DIGIT / "-" / "_" / "." / "+";
//   - status satisfies IsValidStatus and contains nothing else;
//   - will_retry_until is set only when action is kDelayed (the generator drops it
//     otherwise, RFC 3464 2.3.9);
//   - extension names are "X-" followed by ALPHA / DIGIT / "-", distinct from the RFC
//     3464 field names;
//   - return_path is empty or printable ASCII without space, '<', '>', '(' or ')'.
// IsRoundTripValid checks exactly this.
#ifndef MTA_LIB_DSN_DSN3464_H_
#define MTA_LIB_DSN_DSN3464_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/dsn/violation.h"
#include "mta/lib/report/model.h"

namespace mta::dsn {

struct DsnOptions {
  // Largest returned message (whole message) in octets; above it only the header is
  // returned as text/rfc822-headers (RFC 3461 6.2). 0: no cap. The header is always kept.
  std::size_t max_returned_bytes = 0;
  // The path to the recipient of the DSN carries 8-bit data (8BITMIME). When false, an
  // original message with 8-bit octets is returned as its header only (RFC 6522 3); if the
  // header itself has 8-bit octets nothing is returned.
  bool allow_8bit = false;
};

// What of the original message a report returns.
enum class Returned { kNone, kMessage /* message/rfc822 */, kHeaders /* text/rfc822-headers */ };

// The generator's choice, from RET (RFC 3461 6.2) and the options: RET=HDRS -> headers;
// RET=FULL -> message; unspecified -> message when any recipient failed, else headers.
// Above the size cap, or 8-bit content over a 7-bit path, -> headers. An empty original
// message -> nothing.
Returned ChooseReturned(const report::DeliveryReport& report, std::string_view original_message,
                        const DsnOptions& options);
// The RET value a parser reconstructs from what was returned: kMessage -> kFull,
// kHeaders -> kHdrs, kNone -> kUnspecified.
report::Ret EffectiveRet(const report::DeliveryReport& report, std::string_view original_message,
                         const DsnOptions& options);

// Generates a complete DSN message (header and body, CRLF line ends), deterministic in
// (report, original_message, env, options). Header: From "Mail Delivery System
// <MAILER-DAEMON@host>", To <return_path>, Subject by kind (any failed -> failure, else any
// delayed -> delay, else success), Date from env.now, Message-ID and boundary from
// env.random, Auto-Submitted: auto-replied, MIME-Version, Content-Type multipart/report.
std::string GenerateDsn(const report::DeliveryReport& report, std::string_view original_message,
                        const report::GeneratorEnv& env, const DsnOptions& options = {});

struct ParsedDsn {
  report::DeliveryReport report;  // return_path from To:, ret from the returned part
  std::string human_readable;     // transfer-decoded text of the first (text) part
  Returned returned = Returned::kNone;
  std::string returned_content;   // transfer-decoded bytes of the returned part
  bool global = false;            // message/global-delivery-status (RFC 6533)
  bool found_delivery_status = false;
  std::vector<Violation> violations;
};

// Parses a message as an RFC 3464 DSN. Never fails; every deviation from RFC 3464,
// RFC 6522, RFC 3461 6 and RFC 3834 found is listed in `violations`. The delivery-status
// part is looked for at its place (second part of the top-level multipart/report) and,
// failing that, anywhere in the MIME tree. A leading mbox "From " line is skipped.
ParsedDsn ParseDsn(std::string_view message);

// True when `report` meets the round-trip validity rules listed at the top of this file.
bool IsRoundTripValid(const report::DeliveryReport& report);

// Skips a leading mbox "From " separator line, if any.
std::string_view StripMboxFromLine(std::string_view message);

}  // namespace mta::dsn

#endif  // MTA_LIB_DSN_DSN3464_H_
