// session.cc: the sink's SMTP state machine (see session.h).
#include "harness/sink/session.h"

#include <algorithm>
#include <cctype>

#include "mta/lib/data/anomaly.h"

namespace mta::sink {
namespace {

constexpr std::size_t kTranscriptMax = 64 * 1024;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && Upper(s.substr(0, prefix.size())) == Upper(prefix);
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && Upper(a) == Upper(b);
}

// Client octets echoed in a reply: RFC 5321 4.2 textstring is HT and %d32-126, so a CR,
// NUL or other control octet from the client becomes '?' (8-bit octets pass, SMTPUTF8).
std::string ReplyText(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7f) c = '?';
  }
  return out;
}

// "<path> params" or "path params" (lenient: spaces after the colon are skipped).
bool SplitPath(std::string_view arg, std::string* path, std::string* params) {
  std::size_t i = 0;
  while (i < arg.size() && arg[i] == ' ') ++i;
  arg.remove_prefix(i);
  std::size_t end;
  if (!arg.empty() && arg[0] == '<') {
    end = arg.find('>');
    if (end == std::string_view::npos) return false;
    *path = std::string(arg.substr(1, end - 1));
    ++end;
  } else {
    end = std::min(arg.find(' '), arg.size());
    if (end == 0) return false;
    *path = std::string(arg.substr(0, end));
  }
  std::string_view rest = arg.substr(end);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  *params = std::string(rest);
  return true;
}

}  // namespace

Session::Session(const Behaviour& b, std::string listen, std::string peer_ip,
                 std::function<int64_t()> now_ms)
    : b_(b), listen_(std::move(listen)), peer_(std::move(peer_ip)), now_(std::move(now_ms)) {
  for (const RcptRule& r : b_.rcpt_rules) {
    try {
      rcpt_res_.emplace_back(r.regex.empty() ? std::string("$^") : r.regex,
                             std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error&) {
      rcpt_res_.emplace_back("$^", std::regex::ECMAScript);
    }
  }
}

Session::~Session() = default;

std::string Session::Enh(const char* code) const {
  // RFC 2034: enhanced codes only when ENHANCEDSTATUSCODES is advertised.
  if (b_.esmtp && b_.Advertises("ENHANCEDSTATUSCODES")) return std::string(code) + " ";
  return "";
}

void Session::Note(const std::string& who, std::string_view text) {
  if (transcript_full_) return;
  std::string line = who + ": " + Escape(text.substr(0, 2048)) + (text.size() > 2048 ? "..." : "") + "\n";
  if (transcript_.size() + line.size() > kTranscriptMax) {
    transcript_ += "(transcript truncated)\n";
    transcript_full_ = true;
    return;
  }
  transcript_ += line;
}

namespace {

Reply Pick(const Behaviour& b, const std::string& cmd, int code, const std::string& text,
           const Reply* override_reply) {
  const Reply* o = override_reply;
  if (!o && !cmd.empty()) {
    auto it = b.replies.find(cmd);
    if (it != b.replies.end()) o = &it->second;
  }
  Reply r;
  if (o) {
    r = *o;
    if (r.code == 0) {
      r.code = code;
      if (r.text.empty()) r.text = text;
    }
  } else {
    r.code = code;
    r.text = text;
  }
  if (!cmd.empty()) {
    auto d = b.delays.find(cmd);
    if (d != b.delays.end()) r.delay_ms += d->second;
  }
  return r;
}

}  // namespace

void Session::Send(std::vector<Output>& out, const std::string& cmd, int code, const std::string& text,
                   const Reply* override_reply) {
  Reply r = Pick(b_, cmd, code, text, override_reply);
  Output o;
  o.delay_ms = r.delay_ms;
  o.close = r.close;
  if (r.silent) {
    Note("S", "(no reply)");
  } else {
    o.bytes = RenderReply(r.code, r.text);
    std::size_t start = 0;
    while (start < o.bytes.size()) {
      std::size_t e = o.bytes.find("\r\n", start);
      Note("S", std::string_view(o.bytes).substr(start, e - start));
      start = e + 2;
    }
  }
  out.push_back(std::move(o));
  if (r.close) Eof();
}

std::vector<Output> Session::Start() {
  std::vector<Output> out;
  connected_ms_ = now_();
  Reply g = b_.greeting;
  if (g.code == 0) {
    g.code = 220;
    if (g.text.empty()) g.text = b_.hostname + " ESMTP mtaspec capture sink";
  }
  // RFC 5321 3.8: after a 421 greeting the server closes; 3.1: after 554 it waits for QUIT.
  if (g.code == 421) g.close = true;
  if (g.code == 554) refuse_ = true;
  auto d = b_.delays.find("greeting");
  if (d != b_.delays.end()) g.delay_ms += d->second;
  Send(out, "", g.code, g.text, &g);
  return out;
}

std::vector<Output> Session::IdleTimeout() {
  std::vector<Output> out;
  if (closed_) return out;
  Reply r{421, Enh("4.4.2") + b_.hostname + " idle timeout, closing", 0, true, false};
  Send(out, "", r.code, r.text, &r);
  return out;
}

void Session::Begin(const std::string& path, const std::string& params) {
  tx_ = Captured{};
  tx_.listen = listen_;
  tx_.peer_ip = peer_;
  tx_.helo_verb = helo_verb_;
  tx_.helo = helo_;
  tx_.mail_from = path;
  tx_.mail_params = params;
  tx_.connected_unix_ms = connected_ms_;
  tx_.session = end_;
  in_tx_ = true;
}

void Session::Finish(bool complete) {
  if (!in_tx_) return;
  tx_.data_complete = complete;
  tx_.received_unix_ms = now_();
  tx_.transcript = transcript_;
  done_.push_back(std::move(tx_));
  tx_ = Captured{};
  in_tx_ = false;
  dec_.reset();
}

void Session::Eof() {
  if (mode_ == Mode::kData && dec_) {
    dec_->Finish();
    tx_.data = dec_->TakeBody();
  }
  Finish(false);
  mode_ = Mode::kClosed;
  closed_ = true;
}

void Session::QuitReplyDone(bool written, bool client_closed_first) {
  end_->Update([&](SessionEnd& e) {
    e.quit_reply_sent = written;
    e.closed_before_quit_reply = client_closed_first;
  });
}

void Session::EodReplyDone(bool client_closed_first) {
  const int64_t now = now_();
  end_->Update([&](SessionEnd& e) {
    e.eod_reply_done = true;
    e.closed_before_eod_reply = client_closed_first;
    e.eod_reply_unix_ms = now;
  });
}

void Session::Ended() {
  if (!closed_) Eof();
  const int64_t now = now_();
  end_->Update([&](SessionEnd& e) {
    if (e.closed) return;
    e.closed = true;
    e.closed_unix_ms = now;
  });
}

std::vector<Captured> Session::TakeCaptured() {
  std::vector<Captured> out = std::move(done_);
  done_.clear();
  return out;
}

void Session::EndData(std::vector<Output>& out) {
  tx_.data = dec_->TakeBody();
  for (std::size_t k = 0; k < data::kAnomalyKindCount; ++k)
    if (dec_->counts()[k] > 0) tx_.anomalies.emplace_back(data::AnomalyName(static_cast<data::AnomalyKind>(k)));
  bool too_big = dec_->size_exceeded() || tx_.truncated;
  dec_.reset();
  mode_ = Mode::kCommand;
  Note("C", "(" + std::to_string(tx_.raw_data.size()) + " octets of data, end of data)");
  if (b_.close_after_dot) {
    Note("S", "(closed after the dot, no reply)");
    Finish(true);
    Output o;
    auto d = b_.delays.find("eod");
    if (d != b_.delays.end()) o.delay_ms = d->second;
    o.close = true;
    out.push_back(o);
    Eof();
    return;
  }
  Reply r = Pick(b_, "eod", too_big ? 552 : 250,
                 too_big ? Enh("5.3.4") + "message too big" : Enh("2.0.0") + "ok: message accepted",
                 nullptr);
  tx_.eod_code = r.silent ? 0 : r.code;
  Finish(true);
  const std::size_t before = out.size();
  Send(out, "", r.code, r.text, &r);
  if (out.size() > before && out.back().delay_ms > 0) out.back().eod_reply = true;
}

void Session::EndBdatChunk(std::vector<Output>& out) {
  mode_ = Mode::kCommand;
  Note("C", "(BDAT chunk received)");
  if (bdat_discard_) {
    Send(out, "", std::stoi(bdat_refusal_.substr(0, 3)), bdat_refusal_.substr(4));
    return;
  }
  if (!bdat_last_) {
    Send(out, "bdat", 250, Enh("2.0.0") + std::to_string(tx_.raw_data.size()) + " octets received");
    return;
  }
  // RFC 3030 2: BDAT LAST ends the message; its reply is the end-of-data reply.
  if (b_.close_after_dot) {
    Note("S", "(closed after the last chunk, no reply)");
    Finish(true);
    out.push_back({"", 0, true});
    Eof();
    return;
  }
  Reply r = Pick(b_, "eod", tx_.truncated ? 552 : 250,
                 tx_.truncated ? Enh("5.3.4") + "message too big" : Enh("2.0.0") + "ok: message accepted",
                 nullptr);
  tx_.eod_code = r.silent ? 0 : r.code;
  Finish(true);
  Send(out, "", r.code, r.text, &r);
}

std::vector<Output> Session::Feed(std::string_view chunk) {
  std::vector<Output> out;
  std::size_t pos = 0;
  while (pos < chunk.size() && !closed_) {
    if (mode_ == Mode::kData) {
      std::size_t n = dec_->Feed(chunk.substr(pos));
      std::size_t room = b_.max_message > tx_.raw_data.size() ? b_.max_message - tx_.raw_data.size() : 0;
      tx_.raw_data.append(chunk.substr(pos, std::min(n, room)));
      if (n > room) tx_.truncated = true;
      pos += n;
      if (dec_->complete()) EndData(out);
      else if (n == 0) break;  // cannot happen while not complete; guards against a stall
      continue;
    }
    if (mode_ == Mode::kBdat) {
      std::size_t take = static_cast<std::size_t>(std::min<uint64_t>(bdat_left_, chunk.size() - pos));
      if (!bdat_discard_) {
        std::size_t room = b_.max_message > tx_.raw_data.size() ? b_.max_message - tx_.raw_data.size() : 0;
        std::string_view piece = chunk.substr(pos, std::min(take, room));
        tx_.raw_data.append(piece);
        tx_.data.append(piece);
        if (take > room) tx_.truncated = true;
      }
      pos += take;
      bdat_left_ -= take;
      if (bdat_left_ == 0) EndBdatChunk(out);
      continue;
    }
    std::size_t lf = chunk.find('\n', pos);
    if (lf == std::string_view::npos) {
      if (!overflow_) {
        buf_.append(chunk.substr(pos));
        if (buf_.size() > b_.max_line) {
          overflow_ = true;
          buf_.clear();
        }
      }
      break;
    }
    std::string_view piece = chunk.substr(pos, lf - pos);
    pos = lf + 1;
    if (overflow_ || buf_.size() + piece.size() > b_.max_line) {
      overflow_ = false;
      buf_.clear();
      Note("C", "(command line over " + std::to_string(b_.max_line) + " octets, dropped)");
      Send(out, "", 500, Enh("5.5.2") + "line too long");
      continue;
    }
    std::string line = buf_ + std::string(piece);
    buf_.clear();
    // CRLF ends a command; a bare LF is taken as well (the sink is lenient as a receiver).
    if (!line.empty() && line.back() == '\r') line.pop_back();
    Command(line, out);
  }
  return out;
}

void Session::Command(const std::string& line, std::vector<Output>& out) {
  Note("C", line);
  std::size_t sp = line.find(' ');
  const std::string verb = Upper(line.substr(0, sp));
  const std::string arg = sp == std::string::npos ? "" : line.substr(sp + 1);
  if (refuse_) {
    // RFC 5321 3.1: after a 554 greeting, 503 to every command but QUIT.
    if (verb == "QUIT") {
      end_->Update([](SessionEnd& e) { e.quit = true; });
      Reply q = Pick(b_, "quit", 221, Enh("2.0.0") + "bye", nullptr);
      q.close = true;
      Send(out, "", q.code, q.text, &q);
      out.back().quit_reply = true;
    } else {
      Send(out, "", 503, Enh("5.5.1") + "no SMTP service here, QUIT only");
    }
    return;
  }
  if (verb == "EHLO" || verb == "HELO") {
    const bool ehlo = verb == "EHLO";
    if (ehlo && !b_.esmtp) {
      Send(out, "ehlo", 500, "command unrecognized");
      return;
    }
    if (arg.empty()) {
      Send(out, "", 501, Enh("5.5.4") + "syntax: " + verb + " domain");
      return;
    }
    Finish(false);  // RFC 5321 4.1.4: EHLO/HELO reset the transaction
    std::string text = b_.hostname;
    if (ehlo) {
      text += " greets " + ReplyText(std::string_view(arg).substr(0, 255));
      for (const std::string& k : b_.ehlo_keywords) text += "\n" + k;
    }
    Reply r = Pick(b_, ehlo ? "ehlo" : "helo", 250, text, nullptr);
    if (r.code / 100 == 2 && !r.silent) {
      helo_verb_ = verb;
      helo_ = arg;
    }
    Send(out, "", r.code, r.text, &r);
    return;
  }
  if (verb == "MAIL") {
    if (in_tx_) return Send(out, "", 503, Enh("5.5.1") + "nested MAIL command");
    std::string path, params;
    if (!IStartsWith(arg, "FROM:") || !SplitPath(std::string_view(arg).substr(5), &path, &params))
      return Send(out, "", 501, Enh("5.5.4") + "syntax: MAIL FROM:<address>");
    Begin(path, params);
    Reply r = Pick(b_, "mail", 250, Enh("2.1.0") + "sender ok", nullptr);
    tx_.mail_code = r.silent ? 0 : r.code;
    if (r.code / 100 != 2) Finish(false);
    Send(out, "", r.code, r.text, &r);
    return;
  }
  if (verb == "RCPT") {
    if (!in_tx_) return Send(out, "", 503, Enh("5.5.1") + "need MAIL before RCPT");
    std::string path, params;
    if (!IStartsWith(arg, "TO:") || !SplitPath(std::string_view(arg).substr(3), &path, &params))
      return Send(out, "", 501, Enh("5.5.4") + "syntax: RCPT TO:<address>");
    Reply r;
    if (static_cast<int>(tx_.rcpts.size()) >= b_.max_recipients) {
      r = Reply{452, Enh("4.5.3") + "too many recipients", 0, false, false};
    } else {
      const Reply* rule = nullptr;
      for (std::size_t i = 0; i < b_.rcpt_rules.size() && !rule; ++i) {
        const RcptRule& rr = b_.rcpt_rules[i];
        if (!rr.address.empty() ? IEquals(rr.address, path)
                                : std::regex_search(path.substr(0, 1024), rcpt_res_[i]))
          rule = &rr.reply;
      }
      r = Pick(b_, "rcpt", 250, Enh("2.1.5") + "recipient ok", rule);
    }
    tx_.rcpts.push_back({path, params, r.silent ? 0 : r.code});
    Send(out, "", r.code, r.text, &r);
    return;
  }
  if (verb == "DATA") {
    if (!in_tx_) return Send(out, "", 503, Enh("5.5.1") + "need MAIL before DATA");
    // RFC 3030 2: DATA after BDAT in the same transaction gets 503.
    if (tx_.bdat) return Send(out, "", 503, Enh("5.5.1") + "DATA after BDAT");
    if (tx_.AcceptedRcpts().empty()) return Send(out, "", 554, Enh("5.5.1") + "no valid recipients");
    Reply r = Pick(b_, "data", 354, "go ahead, end with <CRLF>.<CRLF>", nullptr);
    Send(out, "", r.code, r.text, &r);
    if (!closed_ && r.code == 354) {
      mode_ = Mode::kData;
      data::DecoderOptions o;
      o.max_body_size = b_.max_message;
      dec_ = std::make_unique<data::DataDecoder>(o);
    }
    return;
  }
  if (verb == "BDAT" && b_.esmtp && b_.Advertises("CHUNKING")) {
    // RFC 3030 2: "BDAT" SP chunk-size [SP "LAST"].
    std::string size = arg.substr(0, arg.find(' '));
    std::string rest = arg.size() > size.size() ? arg.substr(size.size() + 1) : "";
    bool ok = !size.empty() && size.size() <= 12 &&
              std::all_of(size.begin(), size.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
              (rest.empty() || IEquals(rest, "LAST"));
    if (!ok) {
      // The chunk's length is unknown: the stream cannot be resynchronised.
      Reply r{501, Enh("5.5.4") + "syntax: BDAT size [LAST]", 0, true, false};
      return Send(out, "", r.code, r.text, &r);
    }
    bdat_left_ = std::stoull(size);
    bdat_last_ = !rest.empty();
    bdat_discard_ = false;
    if (!in_tx_) {
      bdat_discard_ = true;
      bdat_refusal_ = "503 " + Enh("5.5.1") + "need MAIL before BDAT";
    } else if (tx_.AcceptedRcpts().empty()) {
      bdat_discard_ = true;
      bdat_refusal_ = "554 " + Enh("5.5.1") + "no valid recipients";
    } else {
      tx_.bdat = true;
    }
    mode_ = Mode::kBdat;
    if (bdat_left_ == 0) EndBdatChunk(out);
    return;
  }
  if (verb == "RSET") {
    Finish(false);
    return Send(out, "rset", 250, Enh("2.0.0") + "ok");
  }
  if (verb == "NOOP") return Send(out, "noop", 250, Enh("2.0.0") + "ok");
  if (verb == "VRFY") return Send(out, "vrfy", 252, Enh("2.5.0") + "cannot verify, will attempt delivery");
  if (verb == "HELP") return Send(out, "", 214, Enh("2.0.0") + "mtaspec capture sink");
  if (verb == "QUIT") {
    // RFC 5321 4.1.1.10: the receiver MUST send a 221 reply and then close; whether the
    // client waits for it is noted in the SessionEnd.
    end_->Update([](SessionEnd& e) { e.quit = true; });
    Finish(false);
    Reply q = Pick(b_, "quit", 221, Enh("2.0.0") + b_.hostname + " closing", nullptr);
    q.close = true;
    Send(out, "", q.code, q.text, &q);
    out.back().quit_reply = true;
    return;
  }
  if (line.empty()) return Send(out, "", 500, Enh("5.5.2") + "syntax error");
  Send(out, "", 500, Enh("5.5.1") + "command unrecognized");
}

}  // namespace mta::sink
