// sink_session_fuzzer.cc: the capture sink's SMTP state machine (harness/sink/session.h)
// fed arbitrary client octets in arbitrary chunk splits under one of a few fixed
// behaviours. RFC 5321 4.2 (reply lines), 4.1.1.4 / 4.5.2 (end of data, dot-stuffing),
// 3.1 (554 greeting), RFC 3030 (BDAT).
//
// Input layout: byte 0 picks the behaviour (b0 % 20: preset = % 5 {default, HELO-only,
// per-recipient 550, close-after-dot, 554 greeting}; +5 adds CHUNKING; +10 small limits),
// byte 1 seeds the chunk splits (low 2 bits: chunk sizes 1, 1..8, 1..64, 1..4096; bit 7:
// end with an idle timeout instead of a hang-up); the rest is the client's byte stream.
// E.g. "<\x01EHLO a\r\nQUIT\r\n": default behaviour, chunks of 1..8 octets.
//
// Invariants (trap on violation): every output is a well-formed SMTP reply (lines of three
// digits, '-' on all lines but the last, one code per reply, CRLF-terminated, no control
// octets in the text) or an empty close; nothing is written after a close; complete
// captures never outnumber the DATA/BDAT commands sent (nor, for DATA, the 354 replies);
// raw and decoded data stay within max_message; a complete DATA capture ends with
// <CRLF>.<CRLF> and decodes to its data; each behaviour's own rules hold; the same bytes
// fed in one piece or split give the same replies and captures.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "harness/sink/behaviour.h"
#include "harness/sink/captured.h"
#include "harness/sink/session.h"
#include "mta/lib/data/decoder.h"

namespace {

using mta::sink::Behaviour;
using mta::sink::Captured;
using mta::sink::Output;
using mta::sink::Reply;
using mta::sink::Session;

// Every capture carries the transcript so far (up to 64 KiB), so the sink's memory grows
// with (captures x transcript); 16 KiB of input keeps one run within a few tens of MB.
constexpr std::size_t kMaxInput = 16 * 1024;
constexpr std::size_t kTranscriptMax = 64 * 1024 + 64;

enum Preset { kDefault = 0, kHeloOnly = 1, kRcpt550 = 2, kCloseAfterDot = 3, kGreeting554 = 4 };

Behaviour MakeBehaviour(int preset, bool chunking, bool small) {
  Behaviour b;
  switch (preset) {
    case kHeloOnly:
      b.esmtp = false;
      break;
    case kRcpt550:
      b.rcpt_rules.push_back({"nobody@sink.test", "", Reply{550, "5.1.1 no such user", 0, false, false}});
      b.rcpt_rules.push_back({"", "^fail-", Reply{550, "5.1.1 refused\nby rule", 3, false, false}});
      break;
    case kCloseAfterDot:
      b.close_after_dot = true;
      break;
    case kGreeting554:
      b.greeting = Reply{554, "mx.sink.test no service", 0, false, false};
      break;
    default:
      break;
  }
  if (chunking) b.ehlo_keywords.push_back("CHUNKING");
  if (small) {
    b.max_line = 64;
    b.max_message = 512;
    b.max_recipients = 3;
  }
  return b;
}

const Behaviour& BehaviourFor(uint8_t b0) {
  static const std::vector<Behaviour> all = [] {
    std::vector<Behaviour> v;
    for (int i = 0; i < 20; ++i) v.push_back(MakeBehaviour(i % 5, (i / 5) & 1, (i / 10) & 1));
    return v;
  }();
  return all[b0 % 20];
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 5321 4.2: Reply-line = *( Reply-code "-" [ textstring ] CRLF )
//                            Reply-code [ SP textstring ] CRLF
// textstring here: no CR, LF or other control octet but HTAB (8-bit octets pass).
bool WellFormedReply(std::string_view b) {
  if (b.empty()) return false;
  std::string_view code;
  std::size_t pos = 0;
  while (pos < b.size()) {
    std::size_t e = b.find("\r\n", pos);
    if (e == std::string_view::npos) return false;
    std::string_view line = b.substr(pos, e - pos);
    pos = e + 2;
    const bool last = pos == b.size();
    if (line.size() < 3 || !IsDigit(line[0]) || !IsDigit(line[1]) || !IsDigit(line[2])) return false;
    if (line[0] < '2' || line[0] > '5') return false;
    if (code.empty()) code = line.substr(0, 3);
    else if (line.substr(0, 3) != code) return false;
    if (line.size() == 3) {
      if (!last) return false;
      continue;
    }
    if (line[3] != (last ? ' ' : '-')) return false;
    for (unsigned char c : line.substr(4))
      if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

bool SameCapture(const Captured& a, const Captured& b) {
  if (a.rcpts.size() != b.rcpts.size()) return false;
  for (std::size_t i = 0; i < a.rcpts.size(); ++i)
    if (a.rcpts[i].path != b.rcpts[i].path || a.rcpts[i].params != b.rcpts[i].params ||
        a.rcpts[i].code != b.rcpts[i].code)
      return false;
  return a.listen == b.listen && a.peer_ip == b.peer_ip && a.helo_verb == b.helo_verb && a.helo == b.helo &&
         a.mail_from == b.mail_from && a.mail_params == b.mail_params && a.mail_code == b.mail_code &&
         a.raw_data == b.raw_data && a.data == b.data && a.data_complete == b.data_complete &&
         a.truncated == b.truncated && a.bdat == b.bdat && a.starttls == b.starttls &&
         a.eod_code == b.eod_code && a.anomalies == b.anomalies &&
         a.connected_unix_ms == b.connected_unix_ms && a.received_unix_ms == b.received_unix_ms &&
         a.transcript == b.transcript;
}

bool IEqualsAscii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// Checks one capture against the behaviour's rules.
void CheckCapture(const Captured& c, const Behaviour& b, int preset) {
  if (c.raw_data.size() > b.max_message || c.data.size() > b.max_message) __builtin_trap();
  if (c.transcript.size() > kTranscriptMax) __builtin_trap();
  if (c.starttls) __builtin_trap();
  if (c.mail_code != 250) __builtin_trap();  // a refused MAIL is never the built-in here
  if (preset == kGreeting554) __builtin_trap();  // 554 greeting: no transaction starts
  if (preset == kHeloOnly && c.helo_verb == "EHLO") __builtin_trap();
  for (std::size_t i = 0; i < c.rcpts.size(); ++i) {
    const Captured::Rcpt& r = c.rcpts[i];
    if (i >= static_cast<std::size_t>(b.max_recipients)) {
      if (r.code != 452) __builtin_trap();
      continue;
    }
    bool refused = preset == kRcpt550 && (IEqualsAscii(r.path, "nobody@sink.test") ||
                                          IEqualsAscii(std::string_view(r.path).substr(0, 5), "fail-"));
    if (r.code != (refused ? 550 : 250)) __builtin_trap();
  }
  if (!c.data_complete) {
    if (c.eod_code != 0) __builtin_trap();
    return;
  }
  if (c.AcceptedRcpts().empty()) __builtin_trap();
  if (preset == kCloseAfterDot) {
    if (c.eod_code != 0) __builtin_trap();
  } else if (c.eod_code != (c.truncated ? 552 : 250)) {
    __builtin_trap();
  }
  if (c.truncated) return;
  if (c.bdat) {
    if (c.data != c.raw_data) __builtin_trap();
    return;
  }
  // RFC 5321 4.1.1.4: the data ends with <CRLF>.<CRLF> (the 354's CRLF counts for an
  // empty message); decoding the raw octets again gives the recorded message.
  const std::string& raw = c.raw_data;
  if (!(raw == ".\r\n" || (raw.size() >= 5 && raw.compare(raw.size() - 5, 5, "\r\n.\r\n") == 0)))
    __builtin_trap();
  mta::data::DecodeResult d = mta::data::DecodeData(raw);
  if (!d.complete || d.consumed != raw.size() || d.body != c.data) __builtin_trap();
}

struct Result {
  std::vector<Output> out;
  std::vector<Captured> caps;
  bool closed = false;
};

int64_t Clock() { return 1700000000000; }

// xorshift32: chunk sizes from the input's split seed.
uint32_t Next(uint32_t& s) {
  s ^= s << 13;
  s ^= s >> 17;
  s ^= s << 5;
  return s;
}

// Runs the session over `in`, in one piece when split_seed < 0, else in chunks. Checks
// the invariants as it goes.
Result Run(const Behaviour& b, int preset, std::string_view in, int split_seed, bool idle_end) {
  Result r;
  Session s(b, "127.0.0.20:2526", "127.0.0.11", Clock);
  std::size_t complete_data = 0, complete_bdat = 0, replies354 = 0;
  // Offsets just past each "DATA" / "BDAT" (any case): a complete capture needs one.
  std::vector<std::size_t> data_ends;
  for (std::size_t i = 0; i + 4 <= in.size(); ++i)
    if (IEqualsAscii(in.substr(i, 4), "DATA") || IEqualsAscii(in.substr(i, 4), "BDAT")) data_ends.push_back(i + 4);

  auto take = [&](std::vector<Output> outs, std::size_t fed) {
    for (Output& o : outs) {
      if (!r.out.empty() && r.out.back().close) __builtin_trap();  // nothing after a close
      if (o.bytes.empty()) {
        // Only a close without a reply (close_after_dot) sends nothing.
        if (!o.close || preset != kCloseAfterDot) __builtin_trap();
      } else if (!WellFormedReply(o.bytes)) {
        __builtin_trap();
      }
      if (o.bytes.compare(0, 4, "354 ") == 0) ++replies354;
      if (preset == kGreeting554 && !r.out.empty() && o.bytes.compare(0, 4, "503 ") != 0 &&
          o.bytes.compare(0, 4, "221 ") != 0 && o.bytes.compare(0, 4, "421 ") != 0 &&
          o.bytes.compare(0, 4, "500 ") != 0)
        __builtin_trap();  // RFC 5321 3.1: 503, 221 to QUIT (and 500 to an overlong line)
      if (o.close && !s.closed()) __builtin_trap();
      r.out.push_back(std::move(o));
    }
    for (Captured& c : s.TakeCaptured()) {
      CheckCapture(c, b, preset);
      if (c.data_complete) ++(c.bdat ? complete_bdat : complete_data);
      r.caps.push_back(std::move(c));
    }
    const std::size_t seen = static_cast<std::size_t>(
        std::upper_bound(data_ends.begin(), data_ends.end(), fed) - data_ends.begin());
    if (complete_data + complete_bdat > seen) __builtin_trap();
    if (complete_data > replies354) __builtin_trap();
    if (preset == kCloseAfterDot && complete_data + complete_bdat > 1) __builtin_trap();
  };

  take(s.Start(), 0);
  if (r.out.empty()) __builtin_trap();  // a greeting is always sent
  if (split_seed < 0) {
    take(s.Feed(in), in.size());
  } else {
    uint32_t state = 0x9e3779b9u ^ (static_cast<uint32_t>(split_seed) * 0x01000193u) ^
                     static_cast<uint32_t>(in.size());
    if (state == 0) state = 1;
    static const std::size_t kMaxChunk[4] = {1, 8, 64, 4096};
    const std::size_t max_chunk = kMaxChunk[split_seed & 3];
    std::size_t pos = 0;
    while (pos < in.size()) {
      std::size_t n = std::min<std::size_t>(Next(state) % max_chunk + 1, in.size() - pos);
      const bool was_closed = s.closed();
      std::vector<Output> outs = s.Feed(in.substr(pos, n));
      if (was_closed && !outs.empty()) __builtin_trap();  // nothing once closed
      pos += n;
      take(std::move(outs), pos);
    }
  }
  if (idle_end) {
    const bool was_closed = s.closed();
    std::vector<Output> outs = s.IdleTimeout();
    if (!was_closed && (outs.size() != 1 || outs[0].bytes.compare(0, 4, "421 ") != 0 || !outs[0].close))
      __builtin_trap();
    if (was_closed && !outs.empty()) __builtin_trap();
    take(std::move(outs), in.size());
  } else {
    s.Eof();
    take({}, in.size());
  }
  if (!s.closed()) __builtin_trap();
  r.closed = s.closed();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > kMaxInput + 2) return 0;
  const uint8_t b0 = data[0], b1 = data[1];
  const Behaviour& b = BehaviourFor(b0);
  const int preset = (b0 % 20) % 5;
  const bool idle_end = (b1 & 0x80) != 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);

  Result whole = Run(b, preset, in, -1, idle_end);
  Result split = Run(b, preset, in, b1 & 0x7f, idle_end);
  // The session is a pure function of the byte stream: splits change nothing.
  if (whole.closed != split.closed || whole.out.size() != split.out.size() ||
      whole.caps.size() != split.caps.size())
    __builtin_trap();
  for (std::size_t i = 0; i < whole.out.size(); ++i)
    if (whole.out[i].bytes != split.out[i].bytes || whole.out[i].delay_ms != split.out[i].delay_ms ||
        whole.out[i].close != split.out[i].close)
      __builtin_trap();
  for (std::size_t i = 0; i < whole.caps.size(); ++i)
    if (!SameCapture(whole.caps[i], split.caps[i])) __builtin_trap();
  return 0;
}
