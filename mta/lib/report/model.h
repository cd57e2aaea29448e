// model.h: one data model for delivery reports, shared by the QSBMF and RFC 3464
// generators and parsers, the classifier and (later) refmta's bounce engine.
//
// Field names follow RFC 3464 2.2 (per-message) and 2.3 (per-recipient). Dates are kept as
// RFC 5322 date-time strings exactly as given or parsed, so parse(generate(x)) == x holds
// byte for byte. Addresses and host names are plain ("user@example.com",
// "mx.example.com"); the address-type / mta-name-type / diagnostic-type of RFC 3464 are
// kept beside them.
//
// The generators take their clock, host name and random source through GeneratorEnv, so
// output is deterministic for golden files.
#ifndef MTA_LIB_REPORT_MODEL_H_
#define MTA_LIB_REPORT_MODEL_H_

#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mta::report {

// RFC 3464 2.3.3.
enum class Action { kFailed, kDelayed, kDelivered, kRelayed, kExpanded };
std::string_view ActionName(Action a);                      // "failed", ...
std::optional<Action> ParseAction(std::string_view text);   // case-insensitive

// RET of RFC 3461 4.3: what the report returns of the original message.
enum class Ret { kUnspecified, kFull, kHdrs };

// "type; value" of RFC 3464 (address-type / mta-name-type / diagnostic-type).
struct Typed {
  std::string type;   // e.g. "rfc822", "dns", "smtp" (as written; compare case-insensitively)
  std::string value;  // the text after the ';', leading/trailing WSP trimmed, unfolded
  bool operator==(const Typed&) const = default;
};

struct RecipientReport {
  std::optional<Typed> original_recipient;  // ORCPT (RFC 3461 4.2)
  Typed final_recipient{"rfc822", ""};
  Action action = Action::kFailed;
  std::string status = "5.0.0";             // RFC 3463 class.subject.detail
  std::optional<Typed> remote_mta;          // {"dns", "mx.example.com"}
  std::optional<Typed> diagnostic_code;     // {"smtp", "550 5.1.1 <u@x>: User unknown"}
  std::optional<std::string> last_attempt_date;
  std::optional<std::string> final_log_id;
  std::optional<std::string> will_retry_until;  // only with Action::kDelayed
  std::vector<std::pair<std::string, std::string>> extensions;  // X- fields, in order
  bool operator==(const RecipientReport&) const = default;
};

struct DeliveryReport {
  std::optional<std::string> original_envelope_id;  // ENVID, xtext-decoded
  Typed reporting_mta{"dns", ""};
  std::optional<Typed> dsn_gateway;
  std::optional<Typed> received_from_mta;
  std::optional<std::string> arrival_date;
  std::vector<std::pair<std::string, std::string>> extensions;  // per-message X- fields
  std::vector<RecipientReport> recipients;

  // Envelope of the original message (not part of message/delivery-status).
  std::string return_path;  // original envelope sender; "" for <>
  Ret ret = Ret::kUnspecified;
  bool operator==(const DeliveryReport&) const = default;
};

// Everything a generator needs from the outside world.
struct GeneratorEnv {
  std::string hostname = "localhost";  // our FQDN: Reporting-MTA, From, Message-ID
  std::time_t now = 0;                 // the clock (seconds since the epoch, UTC)
  int utc_offset_minutes = 0;          // zone to print dates in (+0100 -> 60)
  std::function<std::uint64_t()> random;  // boundaries and Message-IDs; required
  std::string mailer_daemon = "MAILER-DAEMON";  // local part of From
};

// Formats `t` as an RFC 5322 date-time, "Tue, 02 Jan 2024 10:00:05 +0100".
std::string FormatRfc5322Date(std::time_t t, int utc_offset_minutes);

}  // namespace mta::report

#endif  // MTA_LIB_REPORT_MODEL_H_
