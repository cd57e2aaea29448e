// response.cc: K / Z / D responses (QMTP 4, QMQP).
//
//   ParseResponseContent("Dsorry (#5.1.3)")->status == ResponseStatus::kPermanent
#include "mta/lib/netstring/response.h"

namespace mta::netstring {

std::string EncodeResponse(const Response& r) {
  std::string content;
  content.reserve(1 + r.description.size());
  content += static_cast<char>(r.status);
  content += r.description;
  return EncodeNetstring(content);
}

std::optional<Response> ParseResponseContent(std::string_view content) {
  if (content.empty()) return std::nullopt;
  Response r;
  switch (content[0]) {
    case 'K': r.status = ResponseStatus::kAccepted; break;
    case 'Z': r.status = ResponseStatus::kTemporary; break;
    case 'D': r.status = ResponseStatus::kPermanent; break;
    default: return std::nullopt;
  }
  r.description.assign(content.substr(1));
  return r;
}

std::string_view ResponseErrorId(ResponseError e) {
  switch (e) {
    case ResponseError::kNone: return "";
    case ResponseError::kNetstring: return "netstring";
    case ResponseError::kBadStatus: return "bad-status";
  }
  return "";
}

ResponseDecoder::ResponseDecoder(std::size_t max_length) : decoder_(max_length) {}

void ResponseDecoder::Feed(std::string_view bytes) {
  if (pos_ == in_.size()) {
    in_.clear();
    pos_ = 0;
  } else if (pos_ > 4096) {
    in_.erase(0, pos_);
    pos_ = 0;
  }
  in_.append(bytes.data(), bytes.size());
}

std::optional<Response> ResponseDecoder::Next() {
  if (failed()) return std::nullopt;
  pos_ += decoder_.Feed(std::string_view(in_).substr(pos_));
  if (pos_ == in_.size()) {
    in_.clear();
    pos_ = 0;
  }
  switch (decoder_.state()) {
    case NetstringDecoder::State::kNeedMore:
      return std::nullopt;
    case NetstringDecoder::State::kError:
      error_ = ResponseError::kNetstring;
      return std::nullopt;
    case NetstringDecoder::State::kGotString:
      break;
  }
  std::optional<Response> r = ParseResponseContent(decoder_.Take());
  if (!r) error_ = ResponseError::kBadStatus;
  return r;
}

}  // namespace mta::netstring
