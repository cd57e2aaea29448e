// client.h: the client sides of QMTP and QMQP — request encoding and response parsing.
//
// QMTP (https://cr.yp.to/proto/qmtp.txt): a package per message, answered by one response
// per recipient in recipient order; "any response not received" is a temporary failure.
// QMQP (https://cr.yp.to/proto/qmqp.html): one request, one response for the message.
// Messages come in the queue's CRLF form. QMTP sends them as encoding #1 (leading CR, CRLF
// lines: the queue form as it is) or #2; QMQP as LF-separated lines (CrlfToLf).
//
//   std::string pkg = EncodeQmtpDelivery("Subject: t\r\n\r\nhi\r\n", "a@example.test",
//                                        {"b@example.test"});
//   // "19:\rSubject: t\r\n\r\nhi\r\n,14:a@example.test,18:14:b@example.test,,"
//   QmtpResponseCollector c(1);  c.Feed("16:Kok 0 qp 42,");  c.done() == true
#ifndef MTA_LIB_QMTP_CLIENT_H_
#define MTA_LIB_QMTP_CLIENT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/netstring/qmtp.h"
#include "mta/lib/netstring/response.h"

namespace mta::qmtp {

// A QMTP package for a CRLF-form message. With kDos every CRLF is sent as it is (a bare LF
// becomes CRLF); with kUnix every CRLF is sent as LF.
std::string EncodeQmtpDelivery(std::string_view crlf_message, std::string_view sender,
                               const std::vector<std::string>& recipients,
                               netstring::QmtpEncoding encoding = netstring::QmtpEncoding::kDos);

// A QMQP request for a CRLF-form message (CRLF sent as LF: QMQP lines are LF-separated).
std::string EncodeQmqpSubmission(std::string_view crlf_message, std::string_view sender,
                                 const std::vector<std::string>& recipients);

// Collects the responses to one QMTP package of `expected` recipients (expected > 0).
class QmtpResponseCollector {
 public:
  explicit QmtpResponseCollector(std::size_t expected, std::size_t max_length = 4096);
  // Consumes octets; octets beyond the last expected response are left unread (they
  // belong to a later package): returns the number used.
  std::size_t Feed(std::string_view bytes);
  bool done() const { return responses_.size() == expected_; }
  bool failed() const { return failed_; }  // malformed response: the connection is unusable
  const std::vector<netstring::Response>& responses() const { return responses_; }

 private:
  std::size_t expected_;
  netstring::NetstringDecoder decoder_;
  std::vector<netstring::Response> responses_;
  bool failed_ = false;
};

// Reads the single QMQP response.
class QmqpResponseReader {
 public:
  explicit QmqpResponseReader(std::size_t max_length = 4096);
  std::size_t Feed(std::string_view bytes);
  bool done() const { return response_.has_value(); }
  bool failed() const { return failed_; }
  const std::optional<netstring::Response>& response() const { return response_; }

 private:
  netstring::NetstringDecoder decoder_;
  std::optional<netstring::Response> response_;
  bool failed_ = false;
};

}  // namespace mta::qmtp

#endif  // MTA_LIB_QMTP_CLIENT_H_
