// report_json.h: the REPORT.json input of `mtaspec bounce make`, read into the delivery
// report model (mta/lib/report/model.h), and the model written back as JSON.
//
// Field names are RFC 3464's, lower-cased:
//   {"reporting-mta": "mx.example.com", "arrival-date": "Tue, 02 Jan 2024 10:00:01 +0100",
//    "original-envelope-id": "QQ314159", "return-path": "sender@example.com", "ret": "hdrs",
//    "recipients": [{"final-recipient": "user@example.com", "original-recipient": "...",
//      "action": "failed", "status": "5.1.1", "remote-mta": "mx.example.net",
//      "diagnostic-code": "550 5.1.1 user unknown", "last-attempt-date": "...",
//      "will-retry-until": "..."}]}
// Addresses and hosts are plain; a value may also carry its RFC 3464 type ("rfc822; u@x",
// "dns; host", "smtp; 550 ..."). Absent fields are left out of the report.
#ifndef MTA_HARNESS_CLI_REPORT_JSON_H_
#define MTA_HARNESS_CLI_REPORT_JSON_H_

#include <string>

#include <nlohmann/json.hpp>

#include "mta/lib/report/model.h"

namespace mta::cli {

// Reads REPORT.json. Throws std::invalid_argument with a one-line message naming the
// offending field on any error (unknown field, wrong type, invalid action or status,
// line breaks in a value, no recipients).
report::DeliveryReport ReportFromJson(const nlohmann::json& j);

// The inverse: plain values for the default types, "type; value" otherwise.
nlohmann::json ReportToJson(const report::DeliveryReport& r);

}  // namespace mta::cli

#endif  // MTA_HARNESS_CLI_REPORT_JSON_H_
