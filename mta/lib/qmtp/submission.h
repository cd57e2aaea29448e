// submission.h: what a QMTP / QMQP server session hands to the queue, and the answer.
//
// A session that has a message to store emits one Submission (TakeSubmission()) and waits
// for SubmitDone(SubmitResult): the same contract as smtpd::SubmitMessage / SubmitDone, so
// an event loop can send it to the queue process and answer later. `data` has the queue's
// form (smtpd::SubmitMessage::data): our Received line, then the message with CRLF line
// ends. A synchronous store can implement Sink and use RunSink().
//
// QMTP "K" is "morally equivalent to the 250 response to DATA" and is subject to RFC 1123
// 5.3.3: only a kAccepted SubmitResult (the message is on disk) produces "K".
//
//   Submission s = *session.TakeSubmission();   // s.data == "Received: ...\r\n" + message
//   session.SubmitDone({ResponseStatus::kAccepted, "1700000000.42"});
#ifndef MTA_LIB_QMTP_SUBMISSION_H_
#define MTA_LIB_QMTP_SUBMISSION_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/netstring/response.h"

namespace mta::qmtp {

struct Submission {
  std::string sender;                   // "" = the null sender
  std::vector<std::string> recipients;  // accepted recipients, in package order
  std::string data;                     // Received line + message, CRLF line ends
  std::string protocol;                 // "QMTP" or "QMQP"
  std::string client_ip;
  std::string message_id;               // session_id "." n: the Received "id"
  std::int64_t received_at = 0;         // unix seconds
  bool operator==(const Submission&) const = default;
};

struct SubmitResult {
  // kAccepted: stored (text = queue id); kTemporary / kPermanent: not stored (text = why,
  // sent to the client as the response description).
  netstring::ResponseStatus status = netstring::ResponseStatus::kTemporary;
  std::string text;
};

// A synchronous store (tests, the in-process test server).
class Sink {
 public:
  virtual ~Sink() = default;
  virtual SubmitResult Store(const Submission& s) = 0;
};

// Settings of one server session.
struct ServerOptions {
  std::string hostname = "localhost";  // the "by" host of our Received line
  std::string client_ip;               // "192.0.2.1" or "2001:db8::1"; "" if unknown
  std::string session_id = "0";        // unique per connection; Received "id" prefix
  std::function<std::int64_t()> now;   // unix seconds; null: 0
  std::size_t max_message_size = 10485760;  // octets of the message (databytes)
  std::size_t max_recipients = 100;         // QMTP: "Z" beyond; QMQP: "D"
  std::size_t max_address_length = 999;    // qmail: 1000 octets or more is refused
  std::size_t max_pending_input = 256 * 1024;  // input held while a submission is pending
  bool add_received = true;
};

// RFC 5321 4.4 trace field for a message received by `protocol` ("QMTP" / "QMQP"):
//   "Received: from [192.0.2.1] ([192.0.2.1])\r\n\tby host with QMTP id 7.1;\r\n\t<date>\r\n"
std::string ReceivedLine(std::string_view protocol, std::string_view client_ip,
                         std::string_view hostname, std::string_view id, std::int64_t when);

// Descriptions, qmail-qmtpd / qmail-qmqpd wording.
inline constexpr std::string_view kTextTooBig =
    "sorry, that message size exceeds my databytes limit (#5.3.4)";
inline constexpr std::string_view kTextBadSender = "unacceptable sender (#5.1.7)";
inline constexpr std::string_view kTextBadRecipient = "sorry, I can't handle that recipient (#5.1.3)";
inline constexpr std::string_view kTextBadAddress = "sorry, I can't accept addresses like that (#5.1.3)";
inline constexpr std::string_view kTextTooManyQmtp = "sorry, too many recipients (#4.5.3)";
inline constexpr std::string_view kTextTooManyQmqp = "sorry, too many recipients (#5.5.3)";
inline constexpr std::string_view kTextNoRecipients = "sorry, no recipients (#5.1.3)";
inline constexpr std::string_view kTextProtocol = "protocol error (#5.5.2)";

// "ok <unix time> qp <queue id>" (qmail-qmtpd: "Kok <time> qp <pid>").
std::string AcceptedText(std::int64_t when, std::string_view queue_id);

// Drives a session with a synchronous store: answers every pending submission, including
// those that input held during a submission produces. Session is QmtpServerSession or
// QmqpServerSession.
template <typename Session>
void RunSink(Session& session, Sink& sink) {
  while (std::optional<Submission> s = session.TakeSubmission()) session.SubmitDone(sink.Store(*s));
}

}  // namespace mta::qmtp

#endif  // MTA_LIB_QMTP_SUBMISSION_H_
