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
#include <string_view>

#include "mta/lib/netstring/netstring.h"
#include "mta/lib/netstring/qmtp.h"
#include "mta/lib/netstring/response.h"
#include "mta/lib/qmtp/qmtp_server.h"

namespace {

using namespace mta;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 65536) return 0;
  const std::size_t chunk = (data[0] & 15u) + 1;
  const netstring::ResponseStatus verdicts[] = {netstring::ResponseStatus::kAccepted,
                                                netstring::ResponseStatus::kTemporary,
                                                netstring::ResponseStatus::kPermanent};
  const netstring::ResponseStatus verdict = verdicts[(data[0] >> 4) % 3];
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  qmtp::ServerOptions o;
  o.max_message_size = 1024;
  o.max_recipients = 5;
  o.max_address_length = 64;
  o.max_pending_input = 1 << 17;  // above the input cap: the session never overflows here
  o.now = [] { return std::int64_t{1700000000}; };
  qmtp::RelayRules rules;
  rules.is_local_domain = [](std::string_view d) { return d == "a"; };
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
      s.SubmitDone({verdict, "q"});
    }
    Check(s.buffered_octets() <= o.max_pending_input);
    out += s.TakeOutput();
  };
  for (std::size_t pos = 0; pos < in.size(); pos += chunk) {
    s.Feed(in.substr(pos, chunk));
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
  ref.Feed(in);
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
