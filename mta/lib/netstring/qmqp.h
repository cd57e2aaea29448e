// qmqp.h: QMQP requests — encoder and incremental server-side decoder.
//
// QMQP (https://cr.yp.to/proto/qmqp.html): the client sends one netstring whose content is
// netstring(message) netstring(sender) netstring(recipient 1) ... netstring(recipient n);
// the message is "firstline\012secondline\012...\012lastline" with NO leading encoding
// octet (unlike QMTP). The server answers with one response (response.h) for the whole
// message, then closes. "The server is not permitted to send its response until the
// client has sent the final byte of the recipient list": QmqpRequestDecoder yields the
// request only once the outer netstring's ',' has been read.
//
//   EncodeQmqpRequest({"Subject: t\n\nhi\n", "a@example.test", {"b@example.test"}})
//       == "55:15:Subject: t\n\nhi\n,14:a@example.test,14:b@example.test,,"
#ifndef MTA_LIB_NETSTRING_QMQP_H_
#define MTA_LIB_NETSTRING_QMQP_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/netstring/netstring.h"
#include "mta/lib/netstring/response.h"

namespace mta::netstring {

struct QmqpRequest {
  std::string message;  // LF-separated lines, stored as sent
  std::string sender;   // may be empty (the null sender)
  std::vector<std::string> recipients;
  bool operator==(const QmqpRequest&) const = default;
};

std::string EncodeQmqpRequest(const QmqpRequest& r);

struct QmqpLimits {
  // Bound on the outer netstring (qmail-qmqpd: "the outer length bounds all reads"); a
  // larger request is a framing error (kTooLong) before anything is stored.
  std::size_t max_request_size = 64u << 20;
  std::size_t max_address_length = 999;  // qmail-qmqpd: 1000 octets or more -> finding
};

enum class QmqpFindingKind {
  kAddressTooLong,  // "address-too-long": sender or recipient over max_address_length
  kAddressNul,      // "address-nul": sender or recipient with NUL
  kNoRecipients,    // "no-recipients"
};
std::string_view QmqpFindingId(QmqpFindingKind k);

struct QmqpFinding {
  QmqpFindingKind kind;
  // 0 = sender, i + 1 = recipients[i]
  std::size_t address = 0;
  bool operator==(const QmqpFinding&) const = default;
};

struct QmqpDecodedRequest {
  QmqpRequest request;
  std::vector<QmqpFinding> findings;
};

enum class QmqpError {
  kNone,
  kFraming,         // "framing": bad outer netstring (netstring_error() tells which)
  kBody,            // "body": bad netstring inside the outer one
  kMissingSender,   // "missing-sender": fewer than two inner netstrings
};
std::string_view QmqpErrorId(QmqpError e);

// Parses the content of the outer netstring.
bool ParseQmqpBody(std::string_view body, const QmqpLimits& limits, QmqpDecodedRequest* out,
                   QmqpError* error, NetstringError* netstring_error);

class QmqpRequestDecoder {
 public:
  explicit QmqpRequestDecoder(QmqpLimits limits = {});
  // Consumes octets up to the end of the request; returns how many were used (octets after
  // the request are not part of QMQP and are left to the caller).
  std::size_t Feed(std::string_view bytes);
  // The request, once complete (then nullopt again); nullopt before or after an error.
  std::optional<QmqpDecodedRequest> Take();
  bool failed() const { return error_ != QmqpError::kNone; }
  QmqpError error() const { return error_; }
  NetstringError netstring_error() const { return netstring_error_; }
  bool done() const { return done_; }

 private:
  QmqpLimits limits_;
  NetstringDecoder outer_;
  std::optional<QmqpDecodedRequest> ready_;
  bool done_ = false;
  QmqpError error_ = QmqpError::kNone;
  NetstringError netstring_error_ = NetstringError::kNone;
};

}  // namespace mta::netstring

#endif  // MTA_LIB_NETSTRING_QMQP_H_
