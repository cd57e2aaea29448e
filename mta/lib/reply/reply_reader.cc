// reply_reader.cc: line splitting and reply assembly shared by ReplyReader and ParseReply.
//
// RFC 5321 4.2 (reply grammar), 4.2.1 (multi-line), 4.5.3.1.5 (512-octet reply lines),
// RFC 2034 4 (enhanced codes on every line).
//
//   ReplyReader r; r.Feed("220 hi\r\n"); r.Next()->code == 220
#include "mta/lib/reply/reply_reader.h"

#include <algorithm>

namespace mta::reply {
namespace {

constexpr std::size_t kMaxReplyLine = 512;  // RFC 5321 4.5.3.1.5, including CRLF

void AddFlag(Reply* r, ReplyFlag f) {
  if (std::find(r->flags.begin(), r->flags.end(), f) == r->flags.end()) r->flags.push_back(f);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

void ScanOctets(std::string_view line, Reply* r) {
  for (unsigned char c : line) {
    if (c == 0) {
      AddFlag(r, ReplyFlag::kNul);
    } else if (c == '\r') {
      AddFlag(r, ReplyFlag::kBareCr);
    } else if (c >= 0x80) {
      AddFlag(r, ReplyFlag::kNonAscii);
    } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
      // RFC 5321 4.2: textstring = 1*(%d09 / %d32-126).
      AddFlag(r, ReplyFlag::kControlChar);
    }
  }
}

}  // namespace

ReplyReader::ReplyReader(ReplyReaderOptions options) : options_(options) {}

void ReplyReader::Feed(std::string_view bytes) {
  if (pos_ == in_.size()) {
    in_.clear();
    pos_ = 0;
  } else if (pos_ > 4096 && pos_ * 2 > in_.size()) {
    in_.erase(0, pos_);
    pos_ = 0;
  }
  in_.append(bytes.data(), bytes.size());
}

std::size_t ReplyReader::buffered() const {
  return (in_.size() - pos_) + partial_.size() + cur_.raw.size();
}

bool ReplyReader::TakeLine(std::string_view line, bool crlf, bool terminated,
                           std::size_t full_length) {
  Reply& r = cur_;
  in_reply_ = true;
  ++cur_lines_;
  const bool first = cur_lines_ == 1;
  const bool keep = cur_lines_ <= options_.max_lines;
  if (!keep) AddFlag(&r, ReplyFlag::kTooManyLines);
  ScanOctets(line, &r);
  if (!terminated) {
    AddFlag(&r, ReplyFlag::kNoFinalCrlf);
  } else if (!crlf) {
    // RFC 5321 2.3.8: lines are terminated by CRLF; a bare LF is not a line end.
    AddFlag(&r, ReplyFlag::kBareLf);
  }
  // RFC 5321 4.5.3.1.5: the maximum total length of a reply line including the reply
  // code and the <CRLF> is 512 octets.
  if (full_length + 2 > kMaxReplyLine) AddFlag(&r, ReplyFlag::kLineTooLong);
  if (full_length > line.size()) AddFlag(&r, ReplyFlag::kLineTruncated);

  bool final_line = true;
  std::string_view text;
  if (line.size() < 3 || !IsDigit(line[0]) || !IsDigit(line[1]) || !IsDigit(line[2])) {
    // No Reply-code: the line cannot announce a continuation, so it ends the reply.
    AddFlag(&r, ReplyFlag::kBadCode);
    if (first) first_bad_ = true;
    text = line;
  } else {
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    // RFC 5321 4.2: Reply-code = %x32-35 %x30-35 %x30-39.
    if (line[0] < '2' || line[0] > '5' || line[1] > '5') AddFlag(&r, ReplyFlag::kCodeOutOfRange);
    if (first) {
      r.code = code;
    } else if (code != r.code || first_bad_) {
      // RFC 5321 4.2.1: every line of a multi-line reply carries the same code.
      AddFlag(&r, ReplyFlag::kCodeMismatch);
    }
    if (line.size() == 3) {
      text = {};  // Reply-code CRLF: a final line with no text
    } else if (line[3] == '-') {
      final_line = false;  // RFC 5321 4.2.1: "-" marks a continuation line
      text = line.substr(4);
    } else if (line[3] == ' ') {
      text = line.substr(4);
      // RFC 5321 4.2: SP is followed by textstring = 1*(...), never by nothing.
      if (text.empty()) AddFlag(&r, ReplyFlag::kEmptyText);
    } else {
      AddFlag(&r, ReplyFlag::kMissingSeparator);
      text = line.substr(3);
    }
  }
  if (keep) {
    r.lines.emplace_back(text);
    r.raw.append(line.data(), line.size());
    if (terminated) r.raw += crlf ? "\r\n" : "\n";
  }
  return final_line;
}

Reply ReplyReader::Complete() {
  Reply r = std::move(cur_);
  cur_ = Reply();
  cur_lines_ = 0;
  in_reply_ = false;
  bool first_bad = first_bad_;
  first_bad_ = false;
  if (first_bad || r.lines.empty()) return r;
  // RFC 2034 4: the enhanced code opens the text of the first line ...
  std::optional<EnhancedPrefix> p = ParseEnhancedPrefix(r.lines[0]);
  if (!p) return r;
  r.enhanced = p->status;
  bool every = true;
  // ... and of every line of a multi-line reply.
  for (std::string& text : r.lines) {
    std::optional<EnhancedPrefix> q = ParseEnhancedPrefix(text);
    if (!q || !(q->status == p->status)) {
      every = false;
      continue;
    }
    if (q->length == text.size() && text.back() == ' ') AddFlag(&r, ReplyFlag::kEmptyText);
    text.erase(0, q->length);
  }
  r.enhanced_on_every_line = every;
  if (!every) AddFlag(&r, ReplyFlag::kEnhancedInconsistent);
  // RFC 3463 2 / RFC 2034 4: the class digit agrees with the reply code's first digit.
  if (r.enhanced->klass != r.code / 100) AddFlag(&r, ReplyFlag::kEnhancedClassMismatch);
  return r;
}

std::optional<Reply> ReplyReader::Next() {
  while (pos_ < in_.size()) {
    std::size_t lf = in_.find('\n', pos_);
    std::size_t end = lf == std::string::npos ? in_.size() : lf;
    std::string_view chunk(in_.data() + pos_, end - pos_);
    if (!chunk.empty()) {
      std::size_t room = options_.max_line_length + 1 > partial_.size()
                             ? options_.max_line_length + 1 - partial_.size()
                             : 0;  // one octet beyond the cap may be the CR of CRLF
      partial_.append(chunk.data(), std::min(room, chunk.size()));
      partial_len_ += chunk.size();
      partial_cr_ = chunk.back() == '\r';
    }
    if (lf == std::string::npos) {
      pos_ = in_.size();
      break;
    }
    pos_ = lf + 1;
    bool crlf = partial_cr_;
    std::size_t full = partial_len_;
    if (crlf) {
      --full;
      if (partial_.size() == partial_len_) partial_.pop_back();  // the CR was kept
    }
    if (partial_.size() > options_.max_line_length) partial_.resize(options_.max_line_length);
    std::string line = std::move(partial_);
    partial_.clear();
    partial_len_ = 0;
    partial_cr_ = false;
    if (TakeLine(line, crlf, true, full)) return Complete();
  }
  return std::nullopt;
}

std::optional<Reply> ReplyReader::Finish() {
  if (std::optional<Reply> r = Next()) return r;
  if (partial_len_ > 0) {
    std::size_t full = partial_len_;
    if (partial_.size() > options_.max_line_length) partial_.resize(options_.max_line_length);
    std::string line = std::move(partial_);
    partial_.clear();
    partial_len_ = 0;
    partial_cr_ = false;
    bool final_line = TakeLine(line, false, false, full);
    if (!final_line) AddFlag(&cur_, ReplyFlag::kIncomplete);
    return Complete();
  }
  if (!in_reply_) return std::nullopt;
  AddFlag(&cur_, ReplyFlag::kIncomplete);
  return Complete();
}

}  // namespace mta::reply
