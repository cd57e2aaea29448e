// verify.h: reads a generated notification back with the Foundation parsers (the bounce
// classifier, ParseDsn, ParseQsbmf) and lists what a receiver would object to. Used by the
// tests and the fuzzer; usable as a self-check before a notification is queued.
//
//   Verified v = VerifyNotification(n);
//   v.format == "rfc3464"; v.recipients[0] == {"u@x.test", "5.1.1"}; v.errors.empty()
#ifndef MTA_BOUNCE_VERIFY_H_
#define MTA_BOUNCE_VERIFY_H_

#include <string>
#include <utility>
#include <vector>

#include "mta/bounce/bounce.h"

namespace mta::bounce {

struct Verified {
  std::string format;  // dsn::FormatName of the classifier's verdict
  // {Final-Recipient / QSBMF address, status} as the classifier reads them, in order.
  std::vector<std::pair<std::string, std::string>> recipients;
  // MUST-level findings: dsn violations of severity error (RFC 3464 / RFC 6522 / RFC 3461
  // / RFC 5322 Date+From), QSBMF grammar violations (except the tolerated
  // "crlf-line-ends"), and the envelope rules of RFC 5321 6.1 (a notification to <>).
  std::vector<std::string> errors;
  bool auto_submitted = false;  // an "Auto-Submitted: auto-replied" header field is present
};

Verified VerifyNotification(const Notification& n);

}  // namespace mta::bounce

#endif  // MTA_BOUNCE_VERIFY_H_
