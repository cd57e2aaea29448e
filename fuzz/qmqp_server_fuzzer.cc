// qmqp_server_fuzzer.cc: the QMQP server session (mta/lib/qmtp/qmqp_server.h) on arbitrary
// bytes. Input: one control octet (low 4 bits: chunk size - 1; next bits: the store's
// verdict K / Z / D), then the client's byte stream.
// Invariants: at most one submission per connection, with 1..max_recipients recipients and
// bounded data; the output is empty or exactly one well-formed K / Z / D netstring, and a
// response always closes the session; a submission is always answered.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/qmtp_server_fuzz_input.h"
#include "mta/lib/netstring/netstring.h"
#include "mta/lib/netstring/response.h"
#include "mta/lib/qmtp/qmqp_server.h"

using namespace mta;
using qmtp::fuzzing::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  qmtp::fuzzing::ServerFuzzInput f;
  if (!qmtp::fuzzing::ParseServerFuzzInput(data, size, &f)) return 0;
  const qmtp::ServerOptions o = qmtp::fuzzing::FuzzOptions();
  qmtp::RelayPolicy policy(qmtp::fuzzing::FuzzRules());
  qmtp::QmqpServerSession s(o, policy);

  std::string out;
  std::size_t submissions = 0;
  for (std::size_t pos = 0; pos < f.stream.size(); pos += f.chunk) {
    s.Feed(f.stream.substr(pos, f.chunk));
    while (auto sub = s.TakeSubmission()) {
      Check(!sub->recipients.empty() && sub->recipients.size() <= o.max_recipients);
      Check(sub->data.size() <= 2 * o.max_message_size + 512);
      ++submissions;
      s.SubmitDone({f.verdict, "q"});
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
    if (submissions == 1) Check(r->status == f.verdict);
    if (r->status == netstring::ResponseStatus::kAccepted) Check(submissions == 1);
  }
  return 0;
}
