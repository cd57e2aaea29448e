// qmqp_server.h: the QMQP server session as a pure state machine (no sockets or clocks).
//
// QMQP (https://cr.yp.to/proto/qmqp.html; reference catalogue L1 and O.3). One request per
// connection: a netstring whose content is netstring(message) netstring(sender)
// netstring(recipient)...; the message is LF-separated lines with no encoding octet. One
// response netstring ("K", "Z" or "D") for the whole message, then the server closes:
// "the server cannot accept some recipients while rejecting others".
//   - "The server is not permitted to send its response until the client has sent the
//     final byte of the recipient list": the response is written only after the outer ','.
//     A request whose declared length exceeds the bound is read to its end (and discarded)
//     and then answered "D...databytes (#5.3.4)".
//   - Malformed framing (non-digit, leading zero, missing ',', a bad inner netstring, fewer
//     than two inner netstrings): "Dprotocol error (#5.5.2)" and close — the same bytes can
//     never succeed. A peer that closes inside the request gets nothing.
//   - Then, in order: message over max_message_size -> "D...databytes (#5.3.4)"; any address
//     of 1000+ octets or with NUL -> "Dsorry, I can't accept addresses like that (#5.1.3)"
//     (qmail-qmqpd); no recipients -> "Dsorry, no recipients (#5.1.3)"; more than
//     max_recipients -> "Dsorry, too many recipients (#5.5.3)"; Policy::CheckSender, then
//     the first Policy::CheckRecipient refusal; else one Submission for every recipient
//     and the store's outcome as the response.
//   Bytes after the request are not QMQP and are ignored.
//
//   QmqpServerSession s(options, policy);
//   s.Feed("55:15:Subject: t\n\nhi\n,14:a@example.test,14:b@example.test,,");
//   s.TakeSubmission();  s.SubmitDone({ResponseStatus::kAccepted, "42"});
//   s.TakeOutput() == "16:Kok 0 qp 42,";  s.wants_close() == true
#ifndef MTA_LIB_QMTP_QMQP_SERVER_H_
#define MTA_LIB_QMTP_QMQP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mta/lib/netstring/netstring.h"
#include "mta/lib/netstring/qmqp.h"
#include "mta/lib/qmtp/policy.h"
#include "mta/lib/qmtp/server_session.h"
#include "mta/lib/qmtp/submission.h"

namespace mta::qmtp {

// TakeSubmission(), TakeOutput(), wants_close(), awaiting_submit(), netstring_error() and
// submissions(): see ServerSessionBase.
class QmqpServerSession : public ServerSessionBase {
 public:
  QmqpServerSession(ServerOptions options, Policy& policy);

  void Feed(std::string_view bytes);
  void PeerClosed();
  void SubmitDone(const SubmitResult& result);

  // The request has been answered (or the session ended without an answer).
  bool finished() const { return close_; }
  netstring::QmqpError error() const { return error_; }
  // Octets held in memory (bounded by the request bound plus the decoded copy).
  std::size_t request_bound() const { return max_request_; }

 private:
  void Respond(netstring::ResponseStatus status, std::string_view text);
  void Handle(std::string body);

  std::size_t max_request_;
  netstring::NetstringDecoder outer_;
  netstring::QmqpError error_ = netstring::QmqpError::kNone;
};

}  // namespace mta::qmtp

#endif  // MTA_LIB_QMTP_QMQP_SERVER_H_
