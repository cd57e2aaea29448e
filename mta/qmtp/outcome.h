// outcome.h: a message to send by QMTP / QMQP, and what became of it.
//
// "K" -> kDelivered (the server has taken responsibility, RFC 1123 5.3.3), "Z" ->
// kTemporary, "D" -> kPermanent; "any response not received" (QMTP 2, QMQP) and every
// connection failure -> kTemporary.
//
//   OutgoingMessage m{"a@example.test", {"b@example.test"}, "Subject: t\r\n\r\nhi\r\n"};
#ifndef MTA_QMTP_OUTCOME_H_
#define MTA_QMTP_OUTCOME_H_

#include <string>
#include <vector>

#include "mta/lib/netstring/response.h"

namespace mta::qmtp {

struct OutgoingMessage {
  std::string sender;                   // "" = the null sender
  std::vector<std::string> recipients;
  std::string data;                     // the queue's form: CRLF line ends
};

enum class Outcome { kDelivered, kTemporary, kPermanent };
const char* OutcomeName(Outcome o);  // "delivered", "temporary", "permanent"

struct RecipientResult {
  Outcome outcome = Outcome::kTemporary;
  std::string text;  // the server's description, or why no response was had
  bool operator==(const RecipientResult&) const = default;
};

inline Outcome OutcomeOf(netstring::ResponseStatus s) {
  switch (s) {
    case netstring::ResponseStatus::kAccepted: return Outcome::kDelivered;
    case netstring::ResponseStatus::kPermanent: return Outcome::kPermanent;
    case netstring::ResponseStatus::kTemporary: break;
  }
  return Outcome::kTemporary;
}

}  // namespace mta::qmtp

#endif  // MTA_QMTP_OUTCOME_H_
