// deliver.cc: QMTP client over a blocking connection.
//
//   QmtpDeliver(ip, 209, timeouts, message) -> per-recipient K / Z / D
#include "mta/qmtp/deliver.h"

#include <memory>

#include "mta/lib/qmtp/client.h"

namespace mta::qmtp {

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kDelivered: return "delivered";
    case Outcome::kTemporary: return "temporary";
    case Outcome::kPermanent: return "permanent";
  }
  return "";
}

std::vector<RecipientResult> QmtpDeliver(const std::string& ip, int port, const Timeouts& t,
                                         const OutgoingMessage& m) {
  std::vector<RecipientResult> out;
  if (m.recipients.empty()) return out;
  std::string where = ip + ":" + std::to_string(port);
  auto fail_rest = [&](const std::string& why) {
    // QMTP 2: any response not received is a temporary failure.
    while (out.size() < m.recipients.size()) out.push_back({Outcome::kTemporary, why});
    return out;
  };
  std::string err;
  std::unique_ptr<Connection> c = Connection::Open(ip, port, t.connect_seconds, &err);
  if (!c) return fail_rest("connection to " + where + " failed: " + err);
  if (!c->WriteAll(EncodeQmtpDelivery(m.data, m.sender, m.recipients), t.io_seconds, &err))
    return fail_rest("write to " + where + " failed: " + err);
  QmtpResponseCollector collector(m.recipients.size());
  char buf[4096];
  while (!collector.done() && !collector.failed()) {
    long n = c->Read(buf, sizeof buf, t.io_seconds, &err);
    if (n <= 0) break;
    collector.Feed(std::string_view(buf, static_cast<std::size_t>(n)));
  }
  for (const netstring::Response& r : collector.responses())
    out.push_back({OutcomeOf(r.status), r.description});
  if (collector.failed()) return fail_rest("malformed response from " + where);
  if (!collector.done())
    return fail_rest(err.empty() ? "connection to " + where + " closed before all responses"
                                 : "read from " + where + " failed: " + err);
  return out;
}

}  // namespace mta::qmtp
