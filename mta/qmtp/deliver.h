// deliver.h: QMTP delivery of one message to one host (blocking, with timeouts).
//
// QMTP (https://cr.yp.to/proto/qmtp.txt): one package (encoding #1: the queue's CRLF text
// as it is), then one response per recipient, in order. A recipient whose response never
// arrives (connection refused or lost, timeout, malformed response) is a temporary failure:
// "any response not received" is one (QMTP 2).
//
//   auto r = QmtpDeliver("192.0.2.25", 209, {}, {"a@x.test", {"b@y.test"}, "hi\r\n"});
//   r[0].outcome == Outcome::kDelivered   // the server answered "K..."
#ifndef MTA_QMTP_DELIVER_H_
#define MTA_QMTP_DELIVER_H_

#include <string>
#include <vector>

#include "mta/qmtp/conn.h"
#include "mta/qmtp/outcome.h"

namespace mta::qmtp {

inline constexpr int kQmtpPort = 209;

// One result per recipient of `m`, in order (empty when `m` has no recipients).
std::vector<RecipientResult> QmtpDeliver(const std::string& ip, int port, const Timeouts& t,
                                         const OutgoingMessage& m);

}  // namespace mta::qmtp

#endif  // MTA_QMTP_DELIVER_H_
