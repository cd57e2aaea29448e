// qmtp.h: QMTP packages — encoder, incremental server-side decoder, findings for limits.
//
// QMTP (https://cr.yp.to/proto/qmtp.txt, RFCQMTP in qmail 1.01): a package is
// netstring(encoded message) netstring(sender) netstring(netstring(rcpt 1) ...). The
// message content opens with its encoding: encoding #1 ("DOS") <0d> L1 <0d 0a> L2 ...,
// encoding #2 ("UNIX") <0a> L1 <0a> L2 .... After each package the server sends one
// response per recipient (response.h), in recipient order.
//
// "The server is not permitted to send any portion of its responses to a package until
// the client has sent the final byte of the package": QmtpPackageDecoder yields a package
// only once its final ',' has been read, so a server that answers what Next() returns
// cannot answer early. A client that closes mid-package leaves idle() false: the server
// throws that package away.
//
//   EncodeQmtpPackage({"Subject: t\n\nhi\n", "a@example.test", {"b@example.test"}},
//                     QmtpEncoding::kUnix)
//       == "16:\nSubject: t\n\nhi\n,14:a@example.test,18:14:b@example.test,,"
#ifndef MTA_LIB_NETSTRING_QMTP_H_
#define MTA_LIB_NETSTRING_QMTP_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/netstring/netstring.h"
#include "mta/lib/netstring/response.h"

namespace mta::netstring {

enum class QmtpEncoding {
  kDos = 1,   // encoding #1: leading CR, lines ended by CRLF
  kUnix = 2,  // encoding #2: leading LF, lines ended by LF
};

struct QmtpPackage {
  std::string message;  // canonical text: lines separated by LF (qmail's queue form)
  std::string sender;   // envelope sender; may be empty (the null sender)
  std::vector<std::string> recipients;
  bool operator==(const QmtpPackage&) const = default;
};

// The package bytes. Encoding #1 writes every LF of the message as CRLF (a CR already in
// the text stays, so decoding gives the text back); encoding #2 writes it as it is.
std::string EncodeQmtpPackage(const QmtpPackage& p, QmtpEncoding encoding);

// The canonical message from the content of the message netstring: encoding #1 turns
// every CRLF into LF and keeps a lone CR (as qmail-qmtpd does); nullopt when the content is
// empty or opens with neither CR nor LF.
std::optional<std::string> DecodeQmtpMessage(std::string_view content, QmtpEncoding* encoding);

// Limits that the server answers with responses rather than by closing. qmail-qmtpd:
// an address of 1000 octets or more, or one with NUL, gets "D" (sender: every response).
struct QmtpLimits {
  std::size_t max_message_size = 64u << 20;  // encoded octets kept; beyond: kMessageTooBig
                                             // (the rest is read and discarded)
  std::size_t max_address_length = 999;      // longer sender / recipient: a finding
  std::size_t max_envelope_size = 1u << 20;  // sender and recipient-list netstrings: a
                                             // larger one is a framing error (kEnvelope)
};

enum class QmtpFindingKind {
  kMessageTooBig,     // "message-too-big": message netstring longer than max_message_size
  kSenderTooLong,     // "sender-too-long"
  kSenderNul,         // "sender-nul"
  kRecipientTooLong,  // "recipient-too-long"
  kRecipientNul,      // "recipient-nul"
  kNoRecipients,      // "no-recipients": an empty recipient list (no response is due)
};
std::string_view QmtpFindingId(QmtpFindingKind k);

struct QmtpFinding {
  QmtpFindingKind kind;
  std::size_t recipient = 0;  // index into recipients for the recipient kinds
  bool operator==(const QmtpFinding&) const = default;
};

struct QmtpDecodedPackage {
  QmtpPackage package;  // with kMessageTooBig, message holds only the kept prefix
  QmtpEncoding encoding = QmtpEncoding::kUnix;
  std::vector<QmtpFinding> findings;
};

// Fatal errors: the server closes the connection without responding to the package.
enum class QmtpError {
  kNone,
  kMessageFraming,     // "message-framing": bad message netstring
  kSenderFraming,      // "sender-framing": bad sender netstring
  kRecipientsFraming,  // "recipients-framing": bad recipient-list netstring
  kRecipientFraming,   // "recipient-framing": bad netstring inside the recipient list
  kEmptyMessage,       // "empty-message": message netstring "0:," (no encoding octet)
  kBadEncoding,        // "bad-encoding": first message octet neither CR nor LF
};
std::string_view QmtpErrorId(QmtpError e);

// Server side: packages out of the client's byte stream, in any chunking.
class QmtpPackageDecoder {
 public:
  explicit QmtpPackageDecoder(QmtpLimits limits = {});
  void Feed(std::string_view bytes);
  // The next complete package (its final byte has been read); nullopt when more bytes are
  // needed or after an error.
  std::optional<QmtpDecodedPackage> Next();
  bool failed() const { return error_ != QmtpError::kNone; }
  QmtpError error() const { return error_; }
  NetstringError netstring_error() const { return netstring_error_; }
  // Between packages with nothing pending: a close now loses no package.
  bool idle() const;

 private:
  std::optional<QmtpDecodedPackage> Finish();
  void Fail(QmtpError e, NetstringError ne);

  QmtpLimits limits_;
  NetstringDecoder message_;
  NetstringDecoder sender_;
  NetstringDecoder recipients_;
  int item_ = 0;  // 0 message, 1 sender, 2 recipient list
  std::string message_content_;
  std::size_t message_length_ = 0;
  std::string sender_value_;
  std::string in_;
  std::size_t pos_ = 0;
  QmtpError error_ = QmtpError::kNone;
  NetstringError netstring_error_ = NetstringError::kNone;
};

// Client side: QMTP responses are response.h's Response, one per recipient, in order.
using QmtpResponseDecoder = ResponseDecoder;

}  // namespace mta::netstring

#endif  // MTA_LIB_NETSTRING_QMTP_H_
