// server_session.cc: the part the QMTP and QMQP server sessions share (server_session.h).
//
//   Submit("QMQP", sender, rcpts, "Subject: t\n\nhi\n") -> TakeSubmission()->data ==
//     "Received: ...\r\nSubject: t\r\n\r\nhi\r\n"
#include "mta/lib/qmtp/server_session.h"

#include <utility>

#include "mta/lib/qmtp/lines.h"

namespace mta::qmtp {

ServerSessionBase::ServerSessionBase(ServerOptions options, Policy& policy)
    : o_(std::move(options)), policy_(policy) {}

std::optional<Submission> ServerSessionBase::TakeSubmission() {
  std::optional<Submission> s = std::move(submission_);
  submission_.reset();
  return s;
}

std::string ServerSessionBase::TakeOutput() {
  std::string o = std::move(out_);
  out_.clear();
  return o;
}

void ServerSessionBase::Submit(std::string_view protocol, std::string sender,
                               std::vector<std::string> recipients, std::string_view message) {
  Submission s;
  s.protocol = std::string(protocol);
  s.client_ip = o_.client_ip;
  s.received_at = o_.now ? o_.now() : 0;
  s.message_id = o_.session_id + "." + std::to_string(submissions_ + 1);
  s.sender = std::move(sender);
  s.recipients = std::move(recipients);
  // QMTP 3 / QMQP: every octet is kept (no deletion of nulls, no folding, no high-bit
  // stripping); the queue's form has CRLF line ends.
  if (o_.add_received)
    s.data = ReceivedLine(protocol, o_.client_ip, o_.hostname, s.message_id, s.received_at);
  s.data += LfToCrlf(message);
  submission_ = std::move(s);
  ++submissions_;
  awaiting_ = true;
}

netstring::Response ServerSessionBase::VerdictResponse(const SubmitResult& result) const {
  if (result.status == ResponseStatus::kAccepted)
    return {result.status, AcceptedText(o_.now ? o_.now() : 0, result.text)};
  return {result.status, result.text};
}

}  // namespace mta::qmtp
