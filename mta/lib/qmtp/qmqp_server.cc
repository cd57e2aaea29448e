// qmqp_server.cc: QMQP server session (https://cr.yp.to/proto/qmqp.html, qmail-qmqpd 1.03).
//
//   Feed(request) -> TakeSubmission() -> SubmitDone(result) -> TakeOutput() == response
#include "mta/lib/qmtp/qmqp_server.h"

#include <utility>

namespace mta::qmtp {

using netstring::QmqpFindingKind;

namespace {

// The outer netstring holds the message, the envelope and framing: message bound plus
// room for max_recipients addresses of max_address_length octets and their headers.
std::size_t RequestBound(const ServerOptions& o) {
  std::size_t env = (o.max_recipients + 1) * (o.max_address_length + 16) + 64;
  std::size_t b = o.max_message_size + 16 + env;
  return b > netstring::kMaxNetstringLength ? netstring::kMaxNetstringLength : b;
}

}  // namespace

QmqpServerSession::QmqpServerSession(ServerOptions options, Policy& policy)
    : ServerSessionBase(std::move(options), policy),
      max_request_(RequestBound(o_)),
      // Any length up to nine digits is read; octets beyond max_request_ are counted and
      // discarded, so an oversized request is answered after its final byte.
      outer_(netstring::kMaxNetstringLength, max_request_) {}

void QmqpServerSession::Feed(std::string_view bytes) {
  if (close_ || awaiting_) return;
  outer_.Feed(bytes);
  if (outer_.state() == netstring::NetstringDecoder::State::kError) {
    error_ = netstring::QmqpError::kFraming;
    netstring_error_ = outer_.error();
    return Respond(ResponseStatus::kPermanent, kTextProtocol);
  }
  if (outer_.state() != netstring::NetstringDecoder::State::kGotString) return;
  // QMQP: the final byte of the request has been read; only now may the response be sent.
  if (outer_.truncated()) {
    outer_.Reset();
    return Respond(ResponseStatus::kPermanent, kTextTooBig);
  }
  Handle(outer_.Take());
}

void QmqpServerSession::Handle(std::string body) {
  netstring::QmqpLimits limits;
  limits.max_request_size = max_request_;
  limits.max_address_length = o_.max_address_length;
  netstring::QmqpDecodedRequest req;
  netstring::QmqpError e;
  if (!netstring::ParseQmqpBody(body, limits, &req, &e, &netstring_error_)) {
    error_ = e;
    return Respond(ResponseStatus::kPermanent, kTextProtocol);
  }
  body.clear();
  body.shrink_to_fit();
  netstring::QmqpRequest& r = req.request;
  if (r.message.size() > o_.max_message_size)
    return Respond(ResponseStatus::kPermanent, kTextTooBig);
  for (const netstring::QmqpFinding& f : req.findings) {
    // qmail-qmqpd: an address of 1000+ octets or with NUL refuses the whole message.
    if (f.kind == QmqpFindingKind::kAddressTooLong || f.kind == QmqpFindingKind::kAddressNul)
      return Respond(ResponseStatus::kPermanent, kTextBadAddress);
  }
  if (r.recipients.empty()) return Respond(ResponseStatus::kPermanent, kTextNoRecipients);
  if (r.recipients.size() > o_.max_recipients)
    return Respond(ResponseStatus::kPermanent, kTextTooManyQmqp);
  if (auto refusal = policy_.CheckSender(r.sender))
    return Respond(refusal->status, refusal->description);
  for (const std::string& rcpt : r.recipients) {
    // QMQP: one response for the message; one refused recipient refuses it.
    if (auto refusal = policy_.CheckRecipient(r.sender, rcpt))
      return Respond(refusal->status, refusal->description);
  }
  Submit("QMQP", std::move(r.sender), std::move(r.recipients), r.message);
}

void QmqpServerSession::PeerClosed() {
  // The client closed before the final byte (or after the answer): nothing is stored.
  if (!awaiting_) close_ = true;
}

void QmqpServerSession::SubmitDone(const SubmitResult& result) {
  if (!awaiting_) return;
  awaiting_ = false;
  submission_.reset();
  netstring::Response r = VerdictResponse(result);
  Respond(r.status, r.description);
}

void QmqpServerSession::Respond(netstring::ResponseStatus status, std::string_view text) {
  out_ += netstring::EncodeResponse({status, std::string(text)});
  close_ = true;  // QMQP: one response, then the server closes.
}

}  // namespace mta::qmtp
