// client_session_fuzzer.cc: the pure SMTP client session (mta/lib/client) fed arbitrary
// reply octets in arbitrary chunks. Invariants: no crash; message content only after a
// 354 (never before a "354" line was received, at most once per such line); the output
// never holds a bare CR or LF; the session always ends once the connection is reported
// lost, and then no recipient is left pending.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "mta/lib/client/session.h"

namespace {

std::size_t Count(std::string_view hay, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t p = hay.find(needle); p != std::string_view::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

// Lines starting with "354" in the reply stream (any line end): an upper bound on the
// 354 replies the session can have seen.
std::size_t Count354(std::string_view in) {
  std::size_t n = 0;
  bool line_start = true;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (line_start && in.substr(i, 3) == "354") ++n;
    line_start = in[i] == '\n' || in[i] == '\r';
  }
  return n;
}

bool NoBareLineEnds(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n')) return false;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > 16384) return 0;
  const uint8_t flags = data[0];
  const uint8_t chunk = static_cast<uint8_t>(data[1] % 64 + 1);
  std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);

  using namespace mta::client;
  Transaction tx;
  tx.sender = (flags & 0x40) ? "j\xC3\xB6@a.test" : "s@a.test";
  tx.recipients = {{"a@b.test", "SUCCESS,FAILURE", "rfc822;a@b.test"},
                   {"c@b.test", "", ""},
                   {"d\xC3\xA9@b.test", "NEVER", ""}};
  tx.ret = "HDRS";
  tx.envid = "e+2B1";
  const std::string marker = "ZQXMARKERZQX";
  tx.message = (flags & 0x01)
                   ? "Subject: t\r\nContent-Type: text/plain\r\n\r\n" + marker + " caf\xC3\xA9\r.\n.\r\n"
                   : "Subject: t\r\n\r\n" + marker + "\r\n.hi\n";
  tx.eight_bit = static_cast<EightBitPolicy>((flags >> 1) % 3);
  SessionOptions opt;
  opt.helo_name = "me.test";
  opt.starttls = static_cast<StartTlsMode>((flags >> 3) % 3);
  opt.helo_only = (flags & 0x20) != 0;
  opt.max_rcpts = (flags & 0x80) ? 1 : 100;

  Session s(tx, opt);
  std::string out;
  std::size_t pos = 0;
  while (pos < in.size() && s.want() != Want::kDone) {
    if (s.want() == Want::kStartTls) {
      if (in[pos] & 1) s.TlsStarted();
      else s.TlsFailed("fuzz");
      continue;
    }
    const std::size_t n = std::min<std::size_t>(chunk, in.size() - pos);
    s.Feed(in.substr(pos, n));
    pos += n;
    out += s.TakeOutput();
    // Content only after a 354 to DATA.
    if (Count(out, marker) > Count354(in.substr(0, pos))) __builtin_trap();
    if (Count(out, marker) > Count(out, "DATA\r\n")) __builtin_trap();
  }
  if (s.want() == Want::kStartTls) s.TlsFailed("fuzz");
  s.ConnectionLost("end of input");
  out += s.TakeOutput();
  if (s.want() != Want::kDone) __builtin_trap();
  if (!NoBareLineEnds(out)) __builtin_trap();
  for (const RcptResult& r : s.outcome().rcpts) {
    if (r.status == RcptStatus::kPending) __builtin_trap();
    if (r.status == RcptStatus::kDelivered && r.code / 100 != 2) __builtin_trap();
  }
  return 0;
}
