// netstring.cc: netstring encoding and decoding (RFCNETSTR).
//
//   ParseNetstring("12:hello world!,").value == "hello world!"
#include "mta/lib/netstring/netstring.h"

#include <algorithm>

namespace mta::netstring {

std::string_view NetstringErrorId(NetstringError e) {
  switch (e) {
    case NetstringError::kNone: return "";
    case NetstringError::kNonDigit: return "non-digit";
    case NetstringError::kLeadingZero: return "leading-zero";
    case NetstringError::kTooLong: return "too-long";
    case NetstringError::kMissingComma: return "missing-comma";
    case NetstringError::kTruncated: return "truncated";
  }
  return "";
}

void AppendNetstring(std::string* out, std::string_view s) {
  *out += std::to_string(s.size());
  *out += ':';
  out->append(s.data(), s.size());
  *out += ',';
}

std::string EncodeNetstring(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 12);
  AppendNetstring(&out, s);
  return out;
}

NetstringDecoder::NetstringDecoder(std::size_t max_length, std::size_t keep_length)
    : max_length_(std::min(max_length, kMaxNetstringLength)), keep_length_(keep_length) {}

void NetstringDecoder::Reset() {
  state_ = State::kNeedMore;
  error_ = NetstringError::kNone;
  phase_ = Phase::kFirstDigit;
  len_ = 0;
  read_ = 0;
  zero_ = false;
  value_.clear();
}

std::string NetstringDecoder::Take() {
  std::string v = std::move(value_);
  Reset();
  return v;
}

std::size_t NetstringDecoder::Feed(std::string_view in) {
  std::size_t i = 0;
  while (i < in.size() && state_ == State::kNeedMore) {
    const char c = in[i];
    switch (phase_) {
      case Phase::kFirstDigit:
      case Phase::kDigits:
        if (c >= '0' && c <= '9') {
          // RFCNETSTR: "Extra zeros at the front of [len] are prohibited".
          if (zero_) {
            state_ = State::kError;
            error_ = NetstringError::kLeadingZero;
            return i;
          }
          if (phase_ == Phase::kFirstDigit && c == '0') zero_ = true;
          // The bound is checked before the digit is taken: len never exceeds max_length_,
          // so it can neither overflow nor be allocated unchecked.
          std::size_t d = static_cast<std::size_t>(c - '0');
          if (d > max_length_ || len_ > (max_length_ - d) / 10) {
            state_ = State::kError;
            error_ = NetstringError::kTooLong;
            return i;
          }
          len_ = len_ * 10 + d;
          phase_ = Phase::kDigits;
          ++i;
        } else if (c == ':' && phase_ == Phase::kDigits) {
          phase_ = len_ == 0 ? Phase::kComma : Phase::kData;
          value_.reserve(std::min({len_, keep_length_, std::size_t{1} << 16}));
          ++i;
        } else {
          // RFCNETSTR: [len] is a nonempty sequence of ASCII digits followed by ':'.
          state_ = State::kError;
          error_ = NetstringError::kNonDigit;
          return i;
        }
        break;
      case Phase::kData: {
        std::size_t n = std::min(len_ - read_, in.size() - i);
        if (value_.size() < keep_length_) {
          std::size_t k = std::min(n, keep_length_ - value_.size());
          value_.append(in.data() + i, k);
        }
        read_ += n;
        i += n;
        if (read_ == len_) phase_ = Phase::kComma;
        break;
      }
      case Phase::kComma:
        if (c != ',') {
          state_ = State::kError;
          error_ = NetstringError::kMissingComma;
          return i;
        }
        state_ = State::kGotString;
        ++i;
        break;
    }
  }
  return i;
}

NetstringParse ParseNetstring(std::string_view in, std::size_t max_length) {
  NetstringParse p;
  NetstringDecoder d(max_length, 0);  // keeps nothing: the value is a view into `in`
  std::size_t n = d.Feed(in);
  switch (d.state()) {
    case NetstringDecoder::State::kNeedMore:
      p.status = NetstringParse::Status::kNeedMore;
      break;
    case NetstringDecoder::State::kError:
      p.status = NetstringParse::Status::kError;
      p.error = d.error();
      break;
    case NetstringDecoder::State::kGotString:
      p.status = NetstringParse::Status::kOk;
      p.consumed = n;
      p.value = in.substr(n - 1 - d.length(), d.length());
      break;
  }
  return p;
}

bool ParseNetstringList(std::string_view in, std::size_t max_length,
                        std::vector<std::string>* out, NetstringError* error) {
  out->clear();
  *error = NetstringError::kNone;
  while (!in.empty()) {
    NetstringParse p = ParseNetstring(in, max_length);
    if (p.status == NetstringParse::Status::kError) {
      *error = p.error;
      return false;
    }
    if (p.status == NetstringParse::Status::kNeedMore) {
      // The enclosing string ended inside this netstring.
      *error = NetstringError::kTruncated;
      return false;
    }
    out->emplace_back(p.value);
    in.remove_prefix(p.consumed);
  }
  return true;
}

}  // namespace mta::netstring
