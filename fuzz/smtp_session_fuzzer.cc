// smtp_session_fuzzer: drives the whole SMTP server session (mta/smtpd/session.h) with
// arbitrary bytes split into chunks, under several settings variants (strict, qmail,
// hardened, with/without TLS available, with/without CHUNKING), with SubmitDone and
// StartTlsDone results chosen by the input. Invariants (abort on violation):
//   - at most one SubmitMessage is outstanding, and only one per completed DATA/BDAT LAST;
//   - every output line ends in CRLF and starts with a 3-digit code 2xx-5xx;
//   - no output and no action after Close;
//   - buffered octets stay under the session's cap;
//   - no "queued" 250 without a preceding SubmitDone(ok) (messages_accepted never exceeds
//     the SubmitDone(ok) calls, and a Feed never produces the acceptance text).
//
// Input layout: byte 0 selects the variant; then records [op][len][bytes...].
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mta/config/settings.h"
#include "mta/smtpd/session.h"

namespace {

using mta::config::Profile;
using mta::config::Settings;
using namespace mta::smtpd;

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckOutput(std::string_view out) {
  while (!out.empty()) {
    std::size_t nl = out.find("\r\n");
    Check(nl != std::string_view::npos);  // every line CRLF-terminated
    std::string_view line = out.substr(0, nl);
    Check(line.size() >= 3);
    Check(line[0] >= '2' && line[0] <= '5');
    Check(line[1] >= '0' && line[1] <= '9' && line[2] >= '0' && line[2] <= '9');
    Check(line.size() == 3 || line[3] == ' ' || line[3] == '-');
    Check(line.find('\r') == std::string_view::npos && line.find('\n') == std::string_view::npos);
    out.remove_prefix(nl + 2);
  }
}

Settings Variant(std::uint8_t v) {
  Profile profiles[] = {Profile::kStrict, Profile::kQmail, Profile::kHardened, Profile::kInterop};
  Settings s = mta::config::ProfileSettings(profiles[v & 3]);
  s.hostname = "mx.local.test";
  s.local_domains = {"local.test"};
  s.users = {{"user", mta::config::MailboxFormat::kMaildir}};
  s.message_size_max = 4096;
  s.command_line_max = 512;
  s.max_recipients = 100;
  if (v & 8) s.advertise.chunking = !s.advertise.chunking;
  if (v & 16) s.close_on_errors = 0;
  if (v & 32) s.bare_lf = mta::config::BareLfPolicy::kNormalize;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 65536) return 0;
  std::uint8_t v = data[0];
  Settings s = Variant(v);
  ConfigOracle oracle(s);
  SessionInfo info;
  info.client_ip = "192.0.2.7";
  info.local_ip = "127.0.0.1";
  info.tls_available = (v & 4) != 0;
  info.session_id = "F";
  info.now = [] { return std::int64_t{1704189605}; };
  Session session(s, info, oracle);

  bool closed = false;
  bool outstanding = false;  // a SubmitMessage awaiting SubmitDone
  std::uint64_t done_ok = 0;
  auto drain = [&](bool allow_accept_text) {
    std::string out = session.TakeOutput();
    if (closed) Check(out.empty());
    CheckOutput(out);
    if (!allow_accept_text) Check(out.find("queued as") == std::string::npos &&
                                  out.find("250 ok F") == std::string::npos);
    for (Action& a : session.TakeActions()) {
      Check(!closed);
      if (std::holds_alternative<SubmitMessage>(a)) {
        Check(!outstanding);  // never two messages for one end of data
        Check(session.awaiting_submit());
        outstanding = true;
      } else if (std::holds_alternative<Close>(a)) {
        closed = true;
      } else {
        Check(session.awaiting_tls());
      }
    }
    Check(session.messages_accepted() <= done_ok);
    Check(session.buffered_octets() <= session.buffer_cap());
  };

  bool early = (v & 64) != 0;
  if (!early) {
    session.Greeting();
    drain(false);
  }
  std::size_t i = 1;
  while (i + 2 <= size) {
    std::uint8_t op = data[i], len = data[i + 1];
    i += 2;
    std::size_t n = std::min<std::size_t>(len, size - i);
    std::string_view chunk(reinterpret_cast<const char*>(data) + i, n);
    switch (op % 8) {
      case 0: case 1: case 2: case 3: case 4:
        session.Feed(chunk);
        i += n;
        drain(false);
        break;
      case 5:
        if (outstanding) {
          bool ok = (op & 16) == 0;
          outstanding = false;
          if (ok) ++done_ok;
          session.SubmitDone(ok, "F" + std::to_string(done_ok), (op & 32) != 0);
          drain(true);
        }
        break;
      case 6:
        session.StartTlsDone((op & 16) == 0);
        drain(false);
        break;
      case 7:
        if (early) {
          session.Greeting();
          early = false;
        } else if ((op & 0xf0) == 0xf0) {
          session.Timeout();
        }
        drain(false);
        break;
    }
  }
  session.PeerClosed();
  session.TakeOutput();
  session.TakeActions();
  return 0;
}
