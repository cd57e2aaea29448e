// server_testing.h: test-only helpers for the QMTP / QMQP server session tests: a recording
// store, fixed session options, and a driver that feeds the client's bytes in chunks.
//
//   AcceptAllPolicy p;
//   auto r = testing::Drive<QmqpServerSession>(request, 1, p, testing::FixedOptions("q7"));
//   r.out == "22:Kok 1700000000 qp 4242,";  r.stored.size() == 1
#ifndef MTA_LIB_QMTP_SERVER_TESTING_H_
#define MTA_LIB_QMTP_SERVER_TESTING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mta/lib/qmtp/policy.h"
#include "mta/lib/qmtp/submission.h"

namespace mta::qmtp::testing {

// A store that records every submission and answers `result`.
class RecordingSink : public Sink {
 public:
  SubmitResult Store(const Submission& s) override {
    stored.push_back(s);
    return result;
  }
  std::vector<Submission> stored;
  SubmitResult result{ResponseStatus::kAccepted, "4242"};
};

// Options of a session from client_ip, with the id prefix session_id, at a fixed time
// (1700000000, Tue, 14 Nov 2023 22:13:20 +0000), as host mx.example.test.
inline ServerOptions FixedOptions(std::string client_ip, std::string session_id) {
  ServerOptions o;
  o.hostname = "mx.example.test";
  o.client_ip = std::move(client_ip);
  o.session_id = std::move(session_id);
  o.now = [] { return std::int64_t{1700000000}; };
  return o;
}

// What a session wrote, whether it wants to close, what it stored, and its framing error.
template <typename Session>
struct Outcome {
  std::string out;
  bool closed = false;
  std::vector<Submission> stored;
  decltype(std::declval<const Session&>().error()) error{};
};

// Feeds `in` to a new Session in chunks of `chunk` octets, answering every submission with
// `result`; with peer_close, the client then closes its side.
template <typename Session>
Outcome<Session> Drive(std::string_view in, std::size_t chunk, Policy& policy, ServerOptions o,
                       SubmitResult result, bool peer_close) {
  Session s(std::move(o), policy);
  RecordingSink sink;
  sink.result = std::move(result);
  Outcome<Session> r;
  for (std::size_t pos = 0; pos < in.size(); pos += chunk) {
    s.Feed(in.substr(pos, chunk));
    RunSink(s, sink);
    r.out += s.TakeOutput();
  }
  if (peer_close) s.PeerClosed();
  RunSink(s, sink);
  r.out += s.TakeOutput();
  r.closed = s.wants_close();
  r.stored = sink.stored;
  r.error = s.error();
  return r;
}

}  // namespace mta::qmtp::testing

#endif  // MTA_LIB_QMTP_SERVER_TESTING_H_
