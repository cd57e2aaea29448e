// qmtp_server_fuzzer.cc: the QMTP server session (mta/lib/qmtp/qmtp_server.h) on arbitrary
// bytes. Input: one control octet (low 4 bits: chunk size - 1; next bits: the store's
// verdict K / Z / D), then the client's byte stream.
// Invariants: at most one submission per package and one outstanding at a time; every
// submission has 1..max_recipients recipients and bounded data; the responses written are
// well-formed K / Z / D netstrings, and their number equals the recipients of the packages
// that the reference decoder (netstring::QmtpPackageDecoder) finds; held input stays under
// its bound.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/qmtp_server_fuzz_input.h"
#include "mta/lib/netstring/netstring.h"
#include "mta/lib/netstring/qmtp.h"
#include "mta/lib/netstring/response.h"
#include "mta/lib/qmtp/qmtp_server.h"

using namespace mta;
using qmtp::fuzzing::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  qmtp::fuzzing::ServerFuzzInput f;
  if (!qmtp::fuzzing::ParseServerFuzzInput(data, size, &f)) return 0;
  qmtp::ServerOptions o = qmtp::fuzzing::FuzzOptions();
  o.max_pending_input = 1 << 17;  // above the input cap: the session never overflows here
  qmtp::RelayRules rules = qmtp::fuzzing::FuzzRules();
  rules.relay_domains = {".r"};
  qmtp::RelayPolicy policy(rules);
  qmtp::QmtpServerSession s(o, policy);

  std::string out;
  std::size_t submissions = 0;
  auto drain = [&] {
    while (auto sub = s.TakeSubmission()) {
      Check(!s.TakeSubmission());  // one at a time
      Check(!sub->recipients.empty() && sub->recipients.size() <= o.max_recipients);
      Check(sub->data.size() <= 2 * (o.max_message_size + 1) + 512);
      ++submissions;
      s.SubmitDone({f.verdict, "q"});
    }
    Check(s.buffered_octets() <= o.max_pending_input);
    out += s.TakeOutput();
  };
  for (std::size_t pos = 0; pos < f.stream.size(); pos += f.chunk) {
    s.Feed(f.stream.substr(pos, f.chunk));
    drain();
  }
  s.PeerClosed();
  drain();
  Check(s.wants_close());
  Check(submissions <= s.packages());

  // Reference: the packages the plain decoder finds, and their recipients.
  netstring::QmtpLimits l;
  l.max_message_size = o.max_message_size + 1;
  l.max_address_length = o.max_address_length;
  netstring::QmtpPackageDecoder ref(l);
  ref.Feed(f.stream);
  std::size_t packages = 0, expected = 0;
  while (auto p = ref.Next()) {
    ++packages;
    expected += p->package.recipients.size();
  }
  Check(packages == s.packages());

  std::size_t responses = 0;
  for (std::string_view rest = out; !rest.empty();) {
    netstring::NetstringParse p = netstring::ParseNetstring(rest, 4096);
    Check(p.status == netstring::NetstringParse::Status::kOk);
    Check(netstring::ParseResponseContent(p.value).has_value());
    rest.remove_prefix(p.consumed);
    ++responses;
  }
  Check(responses == expected);
  return 0;
}
