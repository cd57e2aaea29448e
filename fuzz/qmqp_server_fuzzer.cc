// qmqp_server_fuzzer.cc: the QMQP server session (mta/lib/qmtp/qmqp_server.h) on arbitrary
// bytes. Input: one control octet (low 4 bits: chunk size - 1; next bits: the store's
// verdict K / Z / D), then the client's byte stream.
// Invariants: at most one submission per connection, with 1..max_recipients recipients and
// bounded data; the output is empty or exactly one well-formed K / Z / D netstring, and a
// response always closes the session; a submission is always answered.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mta/lib/netstring/netstring.h"
#include "mta/lib/netstring/response.h"
#include "mta/lib/qmtp/qmqp_server.h"

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
  o.now = [] { return std::int64_t{1700000000}; };
  qmtp::RelayRules rules;
  rules.is_local_domain = [](std::string_view d) { return d == "a"; };
  qmtp::RelayPolicy policy(rules);
  qmtp::QmqpServerSession s(o, policy);

  std::string out;
  std::size_t submissions = 0;
  for (std::size_t pos = 0; pos < in.size(); pos += chunk) {
    s.Feed(in.substr(pos, chunk));
    while (auto sub = s.TakeSubmission()) {
      Check(!sub->recipients.empty() && sub->recipients.size() <= o.max_recipients);
      Check(sub->data.size() <= 2 * o.max_message_size + 512);
      ++submissions;
      s.SubmitDone({verdict, "q"});
      Check(!s.awaiting_submit());
    }
    std::string o1 = s.TakeOutput();
    if (!o1.empty()) Check(s.wants_close());
    out += o1;
  }
  s.PeerClosed();
  Check(!s.TakeSubmission());
  out += s.TakeOutput();
  Check(s.wants_close());
  Check(submissions <= 1);
  if (submissions == 1) Check(!out.empty());
  if (!out.empty()) {
    netstring::NetstringParse p = netstring::ParseNetstring(out, 4096);
    Check(p.status == netstring::NetstringParse::Status::kOk && p.consumed == out.size());
    auto r = netstring::ParseResponseContent(p.value);
    Check(r.has_value());
    if (submissions == 1) Check(r->status == verdict);
    if (r->status == netstring::ResponseStatus::kAccepted) Check(submissions == 1);
  }
  return 0;
}
