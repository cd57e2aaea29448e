// client.cc: QMTP / QMQP client encoding and response parsing.
//
//   EncodeQmqpSubmission("hi\r\n", "", {"b@x"}) == "17:3:hi\n,0:,3:b@x,,"
#include "mta/lib/qmtp/client.h"

#include "mta/lib/netstring/qmqp.h"
#include "mta/lib/qmtp/lines.h"

namespace mta::qmtp {

std::string EncodeQmtpDelivery(std::string_view crlf_message, std::string_view sender,
                               const std::vector<std::string>& recipients,
                               netstring::QmtpEncoding encoding) {
  // EncodeQmtpPackage takes LF text: #1 writes each LF as CRLF, #2 as it is.
  netstring::QmtpPackage p{CrlfToLf(crlf_message), std::string(sender), recipients};
  return netstring::EncodeQmtpPackage(p, encoding);
}

std::string EncodeQmqpSubmission(std::string_view crlf_message, std::string_view sender,
                                 const std::vector<std::string>& recipients) {
  // QMQP: "firstline\012secondline\012...\012lastline", no encoding octet.
  netstring::QmqpRequest r{CrlfToLf(crlf_message), std::string(sender), recipients};
  return netstring::EncodeQmqpRequest(r);
}

QmtpResponseCollector::QmtpResponseCollector(std::size_t expected, std::size_t max_length)
    : expected_(expected), decoder_(max_length) {}

std::size_t QmtpResponseCollector::Feed(std::string_view bytes) {
  std::size_t used = 0;
  while (!failed_ && !done() && used < bytes.size()) {
    used += decoder_.Feed(bytes.substr(used));
    if (decoder_.state() == netstring::NetstringDecoder::State::kError) {
      failed_ = true;
      break;
    }
    if (decoder_.state() != netstring::NetstringDecoder::State::kGotString) break;
    std::optional<netstring::Response> r = netstring::ParseResponseContent(decoder_.Take());
    if (!r) {
      failed_ = true;
      break;
    }
    responses_.push_back(std::move(*r));
  }
  return used;
}

QmqpResponseReader::QmqpResponseReader(std::size_t max_length) : decoder_(max_length) {}

std::size_t QmqpResponseReader::Feed(std::string_view bytes) {
  if (failed_ || done()) return 0;
  std::size_t used = decoder_.Feed(bytes);
  if (decoder_.state() == netstring::NetstringDecoder::State::kError) {
    failed_ = true;
  } else if (decoder_.state() == netstring::NetstringDecoder::State::kGotString) {
    response_ = netstring::ParseResponseContent(decoder_.Take());
    if (!response_) failed_ = true;
  }
  return used;
}

}  // namespace mta::qmtp
