// server_session.h: what the QMTP and QMQP server sessions share: the submission handed to
// the store and its answer, the response octets to write, and the close flag.
//
// QMTP (https://cr.yp.to/proto/qmtp.txt) and QMQP (https://cr.yp.to/proto/qmqp.html) both
// store a message by handing one Submission to the queue and waiting for SubmitDone(); both
// store it in the queue's CRLF form behind our Received line (RFC 5321 4.4).
//
//   class QmqpServerSession : public ServerSessionBase { ... };
//   session.TakeSubmission();  session.TakeOutput();  session.wants_close();
#ifndef MTA_LIB_QMTP_SERVER_SESSION_H_
#define MTA_LIB_QMTP_SERVER_SESSION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/netstring/netstring.h"
#include "mta/lib/netstring/response.h"
#include "mta/lib/qmtp/policy.h"
#include "mta/lib/qmtp/submission.h"

namespace mta::qmtp {

class ServerSessionBase {
 public:
  // The message to store, at most one at a time; answer with SubmitDone().
  std::optional<Submission> TakeSubmission();
  // Response octets to write to the client (and forgets them).
  std::string TakeOutput();
  // Close after writing TakeOutput().
  bool wants_close() const { return close_; }
  bool awaiting_submit() const { return awaiting_; }
  // The netstring error behind a framing error (kNone otherwise).
  netstring::NetstringError netstring_error() const { return netstring_error_; }
  std::uint64_t submissions() const { return submissions_; }  // messages handed out

 protected:
  ServerSessionBase(ServerOptions options, Policy& policy);
  ~ServerSessionBase() = default;

  // Makes the Submission of `message` (LF line ends; `protocol` "QMTP" or "QMQP" names it in
  // the Received line) and waits for SubmitDone().
  void Submit(std::string_view protocol, std::string sender, std::vector<std::string> recipients,
              std::string_view message);
  // The response for the store's verdict: "K" carries AcceptedText (RFC 1123 5.3.3: only a
  // message on disk is accepted), "Z" / "D" the store's text.
  netstring::Response VerdictResponse(const SubmitResult& result) const;

  ServerOptions o_;
  Policy& policy_;
  bool close_ = false;
  bool awaiting_ = false;
  std::optional<Submission> submission_;
  std::string out_;
  netstring::NetstringError netstring_error_ = netstring::NetstringError::kNone;
  std::uint64_t submissions_ = 0;
};

}  // namespace mta::qmtp

#endif  // MTA_LIB_QMTP_SERVER_SESSION_H_
