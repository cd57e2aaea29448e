// qmtp_server.cc: QMTP server session (https://cr.yp.to/proto/qmtp.txt, qmail-qmtpd 1.03).
//
//   Feed(package) -> TakeSubmission() -> SubmitDone(result) -> TakeOutput() == responses
#include "mta/lib/qmtp/qmtp_server.h"

#include <utility>

namespace mta::qmtp {

using netstring::QmtpFindingKind;

namespace {

netstring::QmtpLimits Limits(const ServerOptions& o) {
  netstring::QmtpLimits l;
  // The encoded message carries one more octet: the encoding octet.
  l.max_message_size = o.max_message_size + 1;
  l.max_address_length = o.max_address_length;
  return l;
}

}  // namespace

QmtpServerSession::QmtpServerSession(ServerOptions options, Policy& policy)
    : ServerSessionBase(std::move(options), policy), decoder_(Limits(o_)) {}

void QmtpServerSession::Feed(std::string_view bytes) {
  if (close_ || peer_closed_ || bytes.empty()) return;
  if (awaiting_) {
    // QMTP 2: "The server must NOT throw away incoming data when it sends a response":
    // held until the submission is answered, within a bound.
    if (overflow_ || pending_.size() + bytes.size() > o_.max_pending_input) {
      overflow_ = true;
      pending_.clear();
      return;
    }
    pending_.append(bytes.data(), bytes.size());
    return;
  }
  decoder_.Feed(bytes);
  Process();
}

void QmtpServerSession::PeerClosed() {
  if (close_) return;
  peer_closed_ = true;
  // QMTP 2: a client that closes before the final byte of a package: "the server must
  // throw away the package". Input held during a submission is thrown away as well.
  pending_.clear();
  if (!awaiting_) close_ = true;
}

void QmtpServerSession::Process() {
  while (!awaiting_ && !close_) {
    std::optional<netstring::QmtpDecodedPackage> p = decoder_.Next();
    if (!p) {
      if (decoder_.failed()) {
        // No response can be matched to recipients of a malformed package: close.
        error_ = decoder_.error();
        netstring_error_ = decoder_.netstring_error();
        close_ = true;
      }
      return;
    }
    HandlePackage(std::move(*p));
  }
}

void QmtpServerSession::HandlePackage(netstring::QmtpDecodedPackage p) {
  ++packages_;
  const std::vector<std::string>& rcpts = p.package.recipients;
  // QMTP 4: one response per recipient; none is due for an empty list, and nothing is stored.
  if (rcpts.empty()) return;
  responses_.assign(rcpts.size(), std::nullopt);

  std::optional<netstring::Response> all;
  std::vector<bool> bad_rcpt(rcpts.size(), false);
  for (const netstring::QmtpFinding& f : p.findings) {
    switch (f.kind) {
      case QmtpFindingKind::kMessageTooBig:
        all = netstring::Response{ResponseStatus::kPermanent, std::string(kTextTooBig)};
        break;
      case QmtpFindingKind::kSenderTooLong:
      case QmtpFindingKind::kSenderNul:
        // qmail-qmtpd: sender of 1000+ octets or with NUL -> "Dunacceptable sender".
        if (!all) all = netstring::Response{ResponseStatus::kPermanent, std::string(kTextBadSender)};
        break;
      case QmtpFindingKind::kRecipientTooLong:
      case QmtpFindingKind::kRecipientNul:
        if (f.recipient < bad_rcpt.size()) bad_rcpt[f.recipient] = true;
        break;
      case QmtpFindingKind::kNoRecipients:
        break;
    }
  }
  if (!all) all = policy_.CheckSender(p.package.sender);
  if (all) {
    for (auto& r : responses_) r = *all;
    WriteResponses();
    return;
  }

  std::vector<std::string> accepted;
  for (std::size_t i = 0; i < rcpts.size(); ++i) {
    if (i >= o_.max_recipients) {
      // Like SMTP's 452 (RFC 5321 4.5.3.1.10): a temporary failure, the client retries.
      responses_[i] = netstring::Response{ResponseStatus::kTemporary, std::string(kTextTooManyQmtp)};
    } else if (bad_rcpt[i]) {
      responses_[i] = netstring::Response{ResponseStatus::kPermanent, std::string(kTextBadRecipient)};
    } else if (auto refusal = policy_.CheckRecipient(p.package.sender, rcpts[i])) {
      responses_[i] = std::move(*refusal);
    } else {
      accepted.push_back(rcpts[i]);
    }
  }
  if (accepted.empty()) {
    WriteResponses();
    return;
  }

  // Encodings #1 and #2 are stored identically, in the queue's CRLF form (QMTP 3: no
  // deletion of nulls, no folding, no high-bit stripping: every octet is kept).
  Submit("QMTP", std::move(p.package.sender), std::move(accepted), p.package.message);
}

void QmtpServerSession::SubmitDone(const SubmitResult& result) {
  if (!awaiting_) return;
  submission_.reset();
  netstring::Response r = VerdictResponse(result);
  for (auto& slot : responses_)
    if (!slot) slot = r;
  WriteResponses();
  awaiting_ = false;
  if (overflow_ || peer_closed_) {
    close_ = true;
    return;
  }
  std::string held = std::move(pending_);
  pending_.clear();
  if (!held.empty()) decoder_.Feed(held);
  Process();
}

void QmtpServerSession::WriteResponses() {
  for (const auto& r : responses_) out_ += netstring::EncodeResponse(*r);
  responses_.clear();
}

}  // namespace mta::qmtp
