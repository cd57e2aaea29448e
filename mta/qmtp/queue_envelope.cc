// queue_envelope.cc: Submission -> queue::Envelope.
//
//   ToQueueEnvelope({.sender = "a@b", .recipients = {"c@d"}}).recipients[0].address == "c@d"
#include "mta/qmtp/queue_envelope.h"

namespace mta::qmtp {

queue::Envelope ToQueueEnvelope(const Submission& s) {
  queue::Envelope e;
  e.sender = s.sender;
  for (const std::string& r : s.recipients) {
    queue::Recipient qr;
    qr.address = r;
    e.recipients.push_back(std::move(qr));
  }
  e.client_ip = s.client_ip;
  e.protocol = s.protocol;
  e.arrival_time = s.received_at;
  return e;
}

}  // namespace mta::qmtp
