// record.cc: length-prefixed record framing (see record.h for the format).
#include "mta/io/record.h"

namespace mta::io {
namespace {

void PutU32(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

uint32_t GetU32(const char* p) {
  auto b = [p](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(p[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

template <typename It>
std::string Encode(uint8_t type, It begin, It end) {
  size_t payload = 0;
  for (It i = begin; i != end; ++i) payload += 4 + std::string_view(*i).size();
  std::string out;
  out.reserve(kRecordHeaderSize + payload);
  PutU32(&out, static_cast<uint32_t>(1 + payload));
  out.push_back(static_cast<char>(type));
  for (It i = begin; i != end; ++i) {
    std::string_view f(*i);
    PutU32(&out, static_cast<uint32_t>(f.size()));
    out.append(f);
  }
  return out;
}

// Splits a payload into fields; false when a length runs past the end.
bool SplitFields(std::string_view payload, std::vector<std::string>* fields) {
  fields->clear();
  while (!payload.empty()) {
    if (payload.size() < 4) return false;
    uint32_t n = GetU32(payload.data());
    payload.remove_prefix(4);
    if (n > payload.size()) return false;
    fields->emplace_back(payload.substr(0, n));
    payload.remove_prefix(n);
  }
  return true;
}

}  // namespace

std::string EncodeRecord(uint8_t type, std::initializer_list<std::string_view> fields) {
  return Encode(type, fields.begin(), fields.end());
}
std::string EncodeRecord(uint8_t type, const std::vector<std::string>& fields) {
  return Encode(type, fields.begin(), fields.end());
}
std::string EncodeRecord(const Record& r) { return EncodeRecord(r.type, r.fields); }

const char* RecordErrorName(RecordError e) {
  switch (e) {
    case RecordError::kNone: return "none";
    case RecordError::kTooLarge: return "record too large";
    case RecordError::kEmpty: return "empty record";
    case RecordError::kBadField: return "bad field length";
    case RecordError::kTruncated: return "truncated record";
  }
  return "?";
}

void RecordDecoder::Feed(std::string_view bytes) {
  if (error_ != RecordError::kNone) return;
  // Compact before growing so the buffer holds at most one partial record plus input.
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

RecordDecoder::State RecordDecoder::Next(Record* out) {
  if (error_ != RecordError::kNone) return State::kError;
  size_t avail = buf_.size() - pos_;
  if (avail < 4) return State::kNeedMore;
  uint32_t len = GetU32(buf_.data() + pos_);
  if (len == 0) {
    error_ = RecordError::kEmpty;
    return State::kError;
  }
  if (len > max_) {  // refuse before buffering the body
    error_ = RecordError::kTooLarge;
    return State::kError;
  }
  if (avail - 4 < len) return State::kNeedMore;
  std::string_view rec(buf_.data() + pos_ + 4, len);
  Record r;
  r.type = static_cast<uint8_t>(rec[0]);
  if (!SplitFields(rec.substr(1), &r.fields)) {
    error_ = RecordError::kBadField;
    return State::kError;
  }
  pos_ += 4 + len;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  *out = std::move(r);
  return State::kRecord;
}

RecordError RecordDecoder::Finish() {
  if (error_ != RecordError::kNone) return error_;
  return buffered() == 0 ? RecordError::kNone : RecordError::kTruncated;
}

bool DecodeOneRecord(std::string_view wire, Record* out, size_t max) {
  RecordDecoder d(max);
  d.Feed(wire);
  return d.Next(out) == RecordDecoder::State::kRecord && d.buffered() == 0;
}

}  // namespace mta::io
