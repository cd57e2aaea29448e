// inject.cc: `refmta qmqp-inject` (exit 0 / 100 / 111 as qmail-qmqpc).
//
//   RunQmqpInject({{"127.0.0.1:628"}, "", {"a@b"}}, std::cin, std::cerr)
#include "mta/qmtp/inject.h"

#include <iterator>

#include "mta/qmtp/submit.h"

namespace mta::qmtp {

int RunQmqpInject(const QmqpInjectOptions& o, std::istream& message, std::ostream& err) {
  if (o.servers.empty()) {
    err << "qmqp-inject: no server given (--server IP:PORT)\n";
    return kExitPermanent;
  }
  if (o.recipients.empty()) {
    err << "qmqp-inject: no recipient given\n";
    return kExitPermanent;
  }
  OutgoingMessage m;
  m.sender = o.from;
  m.recipients = o.recipients;
  m.data.assign(std::istreambuf_iterator<char>(message), std::istreambuf_iterator<char>());
  if (message.bad()) {
    err << "qmqp-inject: cannot read the message\n";
    return kExitTemporary;
  }
  // LF or CRLF input: the QMQP encoder sends CRLF and LF line ends alike as LF.
  SubmitReport r = QmqpSubmit(o.servers, o.timeouts, m, o.source);
  switch (r.result.outcome) {
    case Outcome::kDelivered:
      return kExitOk;
    case Outcome::kPermanent:
      err << "qmqp-inject: permanent failure from " << r.server << ": " << r.result.text << "\n";
      return kExitPermanent;
    case Outcome::kTemporary:
      break;
  }
  err << "qmqp-inject: temporary failure"
      << (r.server.empty() ? std::string() : " (last server " + r.server + ")") << ": "
      << r.result.text << "\n";
  return kExitTemporary;
}

}  // namespace mta::qmtp
