// response.h: the K / Z / D response netstrings shared by QMTP and QMQP.
//
// QMTP (https://cr.yp.to/proto/qmtp.txt) 4 and QMQP (https://cr.yp.to/proto/qmqp.html):
// a response is a netstring whose first octet is 'K' (accepted), 'Z' (temporary failure)
// or 'D' (permanent failure), followed by a human-readable description. QMTP sends one per
// recipient, in recipient order; QMQP one per message.
//
//   EncodeResponse({ResponseStatus::kAccepted, "ok 1700000000 qp 4242"})
//       == "22:Kok 1700000000 qp 4242,"
#ifndef MTA_LIB_NETSTRING_RESPONSE_H_
#define MTA_LIB_NETSTRING_RESPONSE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "mta/lib/netstring/netstring.h"

namespace mta::netstring {

enum class ResponseStatus : char {
  kAccepted = 'K',   // "morally equivalent to the 250 response to DATA"
  kTemporary = 'Z',  // temporary failure
  kPermanent = 'D',  // permanent failure
};

struct Response {
  ResponseStatus status = ResponseStatus::kTemporary;
  std::string description;  // without the status octet
  bool operator==(const Response&) const = default;
};

// The response netstring: len ":" status description ",".
std::string EncodeResponse(const Response& r);
// A response from the content of its netstring; nullopt when empty or the first octet is
// not K, Z or D.
std::optional<Response> ParseResponseContent(std::string_view content);

enum class ResponseError {
  kNone,
  kNetstring,  // "netstring": malformed framing (netstring_error() tells which)
  kBadStatus,  // "bad-status": empty, or first octet not K / Z / D
};
std::string_view ResponseErrorId(ResponseError e);

// Client side: responses out of the server's byte stream, in any chunking.
class ResponseDecoder {
 public:
  explicit ResponseDecoder(std::size_t max_length = 4096);
  void Feed(std::string_view bytes);
  // The next complete response; nullopt when more bytes are needed or after an error.
  std::optional<Response> Next();
  bool failed() const { return error_ != ResponseError::kNone; }
  ResponseError error() const { return error_; }
  NetstringError netstring_error() const { return decoder_.error(); }
  // No octet of a further response has been received.
  bool idle() const { return pos_ == in_.size() && decoder_.at_boundary(); }

 private:
  NetstringDecoder decoder_;
  std::string in_;
  std::size_t pos_ = 0;
  ResponseError error_ = ResponseError::kNone;
};

}  // namespace mta::netstring

#endif  // MTA_LIB_NETSTRING_RESPONSE_H_
