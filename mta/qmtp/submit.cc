// submit.cc: QMQP client (qmail-qmqpc behaviour over a server list).
//
//   QmqpSubmit({"127.0.0.1:628"}, {}, m).result.outcome
#include "mta/qmtp/submit.h"

#include <memory>

#include "mta/lib/qmtp/client.h"

namespace mta::qmtp {

RecipientResult QmqpSubmitTo(const std::string& ip, int port, const Timeouts& t,
                             const OutgoingMessage& m, const std::string& source) {
  std::string where = ip + ":" + std::to_string(port);
  std::string err;
  std::unique_ptr<Connection> c = Connection::Open(ip, port, t.connect_seconds, &err, source);
  if (!c) return {Outcome::kTemporary, "connection to " + where + " failed: " + err};
  if (!c->WriteAll(EncodeQmqpSubmission(m.data, m.sender, m.recipients), t.io_seconds, &err))
    return {Outcome::kTemporary, "write to " + where + " failed: " + err};
  QmqpResponseReader reader;
  char buf[4096];
  while (!reader.done() && !reader.failed()) {
    long n = c->Read(buf, sizeof buf, t.io_seconds, &err);
    if (n <= 0) break;
    reader.Feed(std::string_view(buf, static_cast<std::size_t>(n)));
  }
  if (reader.done()) return {OutcomeOf(reader.response()->status), reader.response()->description};
  // QMQP: a response not received is a temporary failure.
  if (reader.failed()) return {Outcome::kTemporary, "malformed response from " + where};
  return {Outcome::kTemporary, err.empty() ? "no response from " + where
                                           : "read from " + where + " failed: " + err};
}

SubmitReport QmqpSubmit(const std::vector<std::string>& servers, const Timeouts& t,
                        const OutgoingMessage& m, const std::string& source) {
  SubmitReport report;
  report.result = {Outcome::kTemporary, "no QMQP server"};
  for (const std::string& s : servers) {
    std::optional<HostPort> hp = ParseHostPort(s, kQmqpPort);
    if (!hp) {
      report.result = {Outcome::kTemporary, "bad server address: " + s};
      continue;
    }
    report.server = s;
    report.result = QmqpSubmitTo(hp->ip, hp->port, t, m, source);
    // qmail-qmqpc: K and D are final; Z and failures try the next server.
    if (report.result.outcome != Outcome::kTemporary) break;
  }
  return report;
}

}  // namespace mta::qmtp
