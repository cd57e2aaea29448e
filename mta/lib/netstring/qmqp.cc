// qmqp.cc: QMQP request encoding and decoding (qmqp.html, qmail-qmqpd 1.03).
//
//   ParseQmqpBody("2:m\n,0:,1:r,", {}, &out, &e, &ne) -> out.request.recipients == {"r"}
#include "mta/lib/netstring/qmqp.h"

namespace mta::netstring {

std::string EncodeQmqpRequest(const QmqpRequest& r) {
  std::string body;
  body.reserve(r.message.size() + r.sender.size() + 32);
  AppendNetstring(&body, r.message);  // QMQP: no encoding octet
  AppendNetstring(&body, r.sender);
  for (const std::string& rcpt : r.recipients) AppendNetstring(&body, rcpt);
  return EncodeNetstring(body);
}

std::string_view QmqpFindingId(QmqpFindingKind k) {
  switch (k) {
    case QmqpFindingKind::kAddressTooLong: return "address-too-long";
    case QmqpFindingKind::kAddressNul: return "address-nul";
    case QmqpFindingKind::kNoRecipients: return "no-recipients";
  }
  return "";
}

std::string_view QmqpErrorId(QmqpError e) {
  switch (e) {
    case QmqpError::kNone: return "";
    case QmqpError::kFraming: return "framing";
    case QmqpError::kBody: return "body";
    case QmqpError::kMissingSender: return "missing-sender";
  }
  return "";
}

bool ParseQmqpBody(std::string_view body, const QmqpLimits& limits, QmqpDecodedRequest* out,
                   QmqpError* error, NetstringError* netstring_error) {
  std::vector<std::string> items;
  *netstring_error = NetstringError::kNone;
  if (!ParseNetstringList(body, kMaxNetstringLength, &items, netstring_error)) {
    *error = QmqpError::kBody;
    return false;
  }
  if (items.size() < 2) {
    *error = QmqpError::kMissingSender;
    return false;
  }
  *error = QmqpError::kNone;
  out->request.message = std::move(items[0]);
  out->request.sender = std::move(items[1]);
  out->request.recipients.assign(std::make_move_iterator(items.begin() + 2),
                                 std::make_move_iterator(items.end()));
  out->findings.clear();
  // qmail-qmqpd: an address of 1000 octets or more, or with NUL, is refused.
  auto check = [&](const std::string& a, std::size_t index) {
    if (a.size() > limits.max_address_length)
      out->findings.push_back({QmqpFindingKind::kAddressTooLong, index});
    if (a.find('\0') != std::string::npos)
      out->findings.push_back({QmqpFindingKind::kAddressNul, index});
  };
  check(out->request.sender, 0);
  for (std::size_t i = 0; i < out->request.recipients.size(); ++i)
    check(out->request.recipients[i], i + 1);
  if (out->request.recipients.empty()) out->findings.push_back({QmqpFindingKind::kNoRecipients, 0});
  return true;
}

QmqpRequestDecoder::QmqpRequestDecoder(QmqpLimits limits)
    : limits_(limits), outer_(limits.max_request_size) {}

std::size_t QmqpRequestDecoder::Feed(std::string_view bytes) {
  if (done_ || failed()) return 0;
  std::size_t n = outer_.Feed(bytes);
  if (outer_.state() == NetstringDecoder::State::kError) {
    error_ = QmqpError::kFraming;
    netstring_error_ = outer_.error();
    return n;
  }
  if (outer_.state() == NetstringDecoder::State::kGotString) {
    // The final byte of the request has been read: only now may the response be sent.
    done_ = true;
    std::string body = outer_.Take();
    QmqpDecodedRequest req;
    QmqpError e;
    if (ParseQmqpBody(body, limits_, &req, &e, &netstring_error_)) {
      ready_ = std::move(req);
    } else {
      error_ = e;
    }
  }
  return n;
}

std::optional<QmqpDecodedRequest> QmqpRequestDecoder::Take() {
  std::optional<QmqpDecodedRequest> r = std::move(ready_);
  ready_.reset();
  return r;
}

}  // namespace mta::netstring
