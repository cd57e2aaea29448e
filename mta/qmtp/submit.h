// submit.h: QMQP submission to a list of servers, in the manner of qmail-qmqpc.
//
// QMQP (https://cr.yp.to/proto/qmqp.html): one request, one response for the message. The
// servers are tried in turn: "K" ends with success, "D" ends with a permanent failure (the
// message itself is refused; another server would refuse it too); "Z", a connection
// failure, a timeout or a missing / malformed response go on to the next server. When
// every server failed, the result is temporary (the last reason).
//
//   SubmitReport r = QmqpSubmit({"192.0.2.1:628", "192.0.2.2"}, {}, message);
//   r.result.outcome == Outcome::kDelivered;  r.server == "192.0.2.1:628"
#ifndef MTA_QMTP_SUBMIT_H_
#define MTA_QMTP_SUBMIT_H_

#include <string>
#include <vector>

#include "mta/qmtp/conn.h"
#include "mta/qmtp/outcome.h"

namespace mta::qmtp {

inline constexpr int kQmqpPort = 628;

struct SubmitReport {
  RecipientResult result;  // for the whole message
  std::string server;      // the server that answered last ("" if none was reached)
};

// `servers`: "IP:PORT", "[IPv6]:PORT", "IP" (port 628). Bad entries count as failures.
// `source`: local IP bound before each connection ("" = the system's choice).
SubmitReport QmqpSubmit(const std::vector<std::string>& servers, const Timeouts& t,
                        const OutgoingMessage& m, const std::string& source = "");

// One attempt at one server.
RecipientResult QmqpSubmitTo(const std::string& ip, int port, const Timeouts& t,
                             const OutgoingMessage& m, const std::string& source = "");

}  // namespace mta::qmtp

#endif  // MTA_QMTP_SUBMIT_H_
