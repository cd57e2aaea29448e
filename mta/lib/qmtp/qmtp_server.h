// qmtp_server.h: the QMTP server session as a pure state machine (no sockets or clocks).
//
// QMTP (https://cr.yp.to/proto/qmtp.txt; reference catalogue L1 and O.2). The client sends
// packages: netstring(encoded message) netstring(sender) netstring(netstring(rcpt)...); the
// message's first octet gives its encoding (#1 CR / CRLF, #2 LF). After the final ',' of a
// package the session writes one response netstring per recipient, in recipient order,
// "even if two addresses are the same": "K" accepted, "Z" temporary, "D" permanent.
//   - "The server is not permitted to send any portion of its responses to a package until
//     the client has sent the final byte of the package": nothing is written before it.
//   - Packages may be pipelined ("the client does NOT need to wait"): input that arrives
//     while a submission is pending is held (max_pending_input) and processed after it.
//   - Both encodings are accepted and stored identically (CRLF form, lines.h).
//   - Per package, in this order: message over max_message_size -> every recipient
//     "D...databytes (#5.3.4)"; sender of 1000+ octets or with NUL -> every recipient
//     "Dunacceptable sender (#5.1.7)"; Policy::CheckSender refusal -> every recipient; then
//     per recipient: beyond max_recipients "Z...too many recipients (#4.5.3)"; 1000+ octets
//     or NUL "D...can't handle that recipient (#5.1.3)"; Policy::CheckRecipient refusal.
//     The message is submitted once, for the accepted recipients only, and they all get
//     the submission's outcome. A package with no recipients is answered by nothing and
//     stores nothing.
//   - A malformed netstring (non-digit, leading zero, missing ',', a length over the bound),
//     an empty message netstring or an unknown encoding octet: no response can be counted
//     against the recipients, so the session writes nothing for that package and closes
//     (qmail-qmtpd exits 100); packages answered before stay answered.
//   - A peer that closes inside a package: the package is thrown away (no submission).
//
//   QmtpServerSession s(options, policy);
//   s.Feed("16:\nSubject: t\n\nhi\n,14:a@example.test,18:14:b@example.test,,");
//   Submission m = *s.TakeSubmission();        // m.recipients == {"b@example.test"}
//   s.SubmitDone({ResponseStatus::kAccepted, "42"});
//   s.TakeOutput() == "16:Kok 0 qp 42,"          // (with now() == 0)
#ifndef MTA_LIB_QMTP_QMTP_SERVER_H_
#define MTA_LIB_QMTP_QMTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/netstring/qmtp.h"
#include "mta/lib/netstring/response.h"
#include "mta/lib/qmtp/policy.h"
#include "mta/lib/qmtp/server_session.h"
#include "mta/lib/qmtp/submission.h"

namespace mta::qmtp {

// TakeSubmission(), TakeOutput(), wants_close() (framing error, peer closed, overflow),
// awaiting_submit(), netstring_error() and submissions(): see ServerSessionBase.
class QmtpServerSession : public ServerSessionBase {
 public:
  QmtpServerSession(ServerOptions options, Policy& policy);

  // Processes the octets (any chunking, one octet included).
  void Feed(std::string_view bytes);
  // The client's input ended: an unfinished package is thrown away; the session closes
  // (after the responses to a pending submission, if any).
  void PeerClosed();
  // The store's verdict for the last submission: writes the package's responses, then goes
  // on with held input.
  void SubmitDone(const SubmitResult& result);

  // Set when the session closed on a framing error.
  netstring::QmtpError error() const { return error_; }
  // Octets held in this session's own input buffer (bounded by max_pending_input).
  std::size_t buffered_octets() const { return pending_.size(); }
  std::uint64_t packages() const { return packages_; }      // complete packages read

 private:
  void Process();
  void HandlePackage(netstring::QmtpDecodedPackage p);
  void WriteResponses();

  netstring::QmtpPackageDecoder decoder_;
  std::string pending_;  // input received while awaiting a submission
  bool overflow_ = false;
  bool peer_closed_ = false;
  // One slot per recipient of the current package; nullopt: answered by the submission.
  std::vector<std::optional<netstring::Response>> responses_;
  netstring::QmtpError error_ = netstring::QmtpError::kNone;
  std::uint64_t packages_ = 0;
};

}  // namespace mta::qmtp

#endif  // MTA_LIB_QMTP_QMTP_SERVER_H_
