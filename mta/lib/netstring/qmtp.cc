// qmtp.cc: QMTP package encoding and incremental decoding (RFCQMTP, qmail-qmtpd 1.03).
//
//   DecodeQmtpMessage("\rhi\r\n", &enc) == "hi\n" (enc == QmtpEncoding::kDos)
#include "mta/lib/netstring/qmtp.h"

namespace mta::netstring {

std::string EncodeQmtpPackage(const QmtpPackage& p, QmtpEncoding encoding) {
  std::string content;
  if (encoding == QmtpEncoding::kDos) {
    // RFCQMTP encoding #1: <0d> L1 <0d 0a> L2 <0d 0a> ... Ln.
    content.reserve(p.message.size() + p.message.size() / 32 + 1);
    content += '\r';
    for (char c : p.message) {
      if (c == '\n') content += '\r';
      content += c;
    }
  } else {
    // RFCQMTP encoding #2: <0a> L1 <0a> L2 <0a> ... Ln.
    content.reserve(p.message.size() + 1);
    content += '\n';
    content += p.message;
  }
  std::string rcpts;
  for (const std::string& r : p.recipients) AppendNetstring(&rcpts, r);
  std::string out;
  out.reserve(content.size() + p.sender.size() + rcpts.size() + 40);
  AppendNetstring(&out, content);
  AppendNetstring(&out, p.sender);
  AppendNetstring(&out, rcpts);
  return out;
}

std::optional<std::string> DecodeQmtpMessage(std::string_view content, QmtpEncoding* encoding) {
  if (content.empty()) return std::nullopt;
  std::string_view text = content.substr(1);
  if (content[0] == '\n') {
    *encoding = QmtpEncoding::kUnix;
    return std::string(text);
  }
  // qmail-qmtpd: anything but LF or CR as the first octet ends the session.
  if (content[0] != '\r') return std::nullopt;
  *encoding = QmtpEncoding::kDos;
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    // qmail-qmtpd: in encoding #1 every CRLF becomes LF; a lone CR is kept.
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

std::string_view QmtpFindingId(QmtpFindingKind k) {
  switch (k) {
    case QmtpFindingKind::kMessageTooBig: return "message-too-big";
    case QmtpFindingKind::kSenderTooLong: return "sender-too-long";
    case QmtpFindingKind::kSenderNul: return "sender-nul";
    case QmtpFindingKind::kRecipientTooLong: return "recipient-too-long";
    case QmtpFindingKind::kRecipientNul: return "recipient-nul";
    case QmtpFindingKind::kNoRecipients: return "no-recipients";
  }
  return "";
}

std::string_view QmtpErrorId(QmtpError e) {
  switch (e) {
    case QmtpError::kNone: return "";
    case QmtpError::kMessageFraming: return "message-framing";
    case QmtpError::kSenderFraming: return "sender-framing";
    case QmtpError::kRecipientsFraming: return "recipients-framing";
    case QmtpError::kRecipientFraming: return "recipient-framing";
    case QmtpError::kEmptyMessage: return "empty-message";
    case QmtpError::kBadEncoding: return "bad-encoding";
  }
  return "";
}

QmtpPackageDecoder::QmtpPackageDecoder(QmtpLimits limits)
    : limits_(limits),
      message_(kMaxNetstringLength, limits.max_message_size > 0 ? limits.max_message_size : 1),
      sender_(limits.max_envelope_size),
      recipients_(limits.max_envelope_size) {}

void QmtpPackageDecoder::Feed(std::string_view bytes) {
  if (pos_ == in_.size()) {
    in_.clear();
    pos_ = 0;
  } else if (pos_ > 4096) {
    in_.erase(0, pos_);
    pos_ = 0;
  }
  in_.append(bytes.data(), bytes.size());
}

bool QmtpPackageDecoder::idle() const {
  return !failed() && item_ == 0 && message_.at_boundary() && pos_ == in_.size();
}

void QmtpPackageDecoder::Fail(QmtpError e, NetstringError ne) {
  error_ = e;
  netstring_error_ = ne;
  in_.clear();
  pos_ = 0;
}

std::optional<QmtpDecodedPackage> QmtpPackageDecoder::Next() {
  while (!failed() && pos_ < in_.size()) {
    std::string_view rest = std::string_view(in_).substr(pos_);
    NetstringDecoder& d = item_ == 0 ? message_ : item_ == 1 ? sender_ : recipients_;
    pos_ += d.Feed(rest);
    if (d.state() == NetstringDecoder::State::kError) {
      Fail(item_ == 0   ? QmtpError::kMessageFraming
           : item_ == 1 ? QmtpError::kSenderFraming
                        : QmtpError::kRecipientsFraming,
           d.error());
      return std::nullopt;
    }
    if (d.state() != NetstringDecoder::State::kGotString) continue;
    if (item_ == 0) {
      message_length_ = message_.length();
      message_content_ = message_.Take();
      item_ = 1;
    } else if (item_ == 1) {
      sender_value_ = sender_.Take();
      item_ = 2;
    } else {
      // The final ',' of the package has been read: only now may a response be due.
      return Finish();
    }
  }
  return std::nullopt;
}

std::optional<QmtpDecodedPackage> QmtpPackageDecoder::Finish() {
  std::string list = recipients_.Take();
  std::string content = std::move(message_content_);
  message_content_.clear();
  std::size_t length = message_length_;
  item_ = 0;
  QmtpDecodedPackage out;
  if (length == 0) {
    // qmail-qmtpd closes on an empty message netstring: there is no encoding octet.
    Fail(QmtpError::kEmptyMessage, NetstringError::kNone);
    return std::nullopt;
  }
  std::optional<std::string> message = DecodeQmtpMessage(content, &out.encoding);
  if (!message) {
    Fail(QmtpError::kBadEncoding, NetstringError::kNone);
    return std::nullopt;
  }
  NetstringError ne;
  if (!ParseNetstringList(list, limits_.max_envelope_size, &out.package.recipients, &ne)) {
    Fail(QmtpError::kRecipientFraming, ne);
    return std::nullopt;
  }
  out.package.message = std::move(*message);
  out.package.sender = std::move(sender_value_);
  sender_value_.clear();
  if (length > limits_.max_message_size)
    out.findings.push_back({QmtpFindingKind::kMessageTooBig, 0});
  // qmail-qmtpd: a sender of 1000 octets or more, or with NUL, is unacceptable.
  const std::string& s = out.package.sender;
  if (s.size() > limits_.max_address_length)
    out.findings.push_back({QmtpFindingKind::kSenderTooLong, 0});
  if (s.find('\0') != std::string::npos) out.findings.push_back({QmtpFindingKind::kSenderNul, 0});
  const auto& rcpts = out.package.recipients;
  if (rcpts.empty()) out.findings.push_back({QmtpFindingKind::kNoRecipients, 0});
  for (std::size_t i = 0; i < rcpts.size(); ++i) {
    if (rcpts[i].size() > limits_.max_address_length)
      out.findings.push_back({QmtpFindingKind::kRecipientTooLong, i});
    if (rcpts[i].find('\0') != std::string::npos)
      out.findings.push_back({QmtpFindingKind::kRecipientNul, i});
  }
  return out;
}

}  // namespace mta::netstring
