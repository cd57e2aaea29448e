// queue_envelope.h: a QMTP / QMQP Submission as the queue's envelope (queue/envelope.h).
//
// The server front sends it to the queue process like an SMTP SubmitMessage:
// SerializeEnvelope(ToQueueEnvelope(s)) and s.data.
//
//   queue::Envelope e = ToQueueEnvelope(sub);   // e.protocol == "QMTP"
#ifndef MTA_QMTP_QUEUE_ENVELOPE_H_
#define MTA_QMTP_QUEUE_ENVELOPE_H_

#include "mta/lib/qmtp/submission.h"
#include "mta/queue/envelope.h"

namespace mta::qmtp {

queue::Envelope ToQueueEnvelope(const Submission& s);

}  // namespace mta::qmtp

#endif  // MTA_QMTP_QUEUE_ENVELOPE_H_
