// standard.h: the capture-sink listeners every run starts, and the routes managed
// targets use to reach them (documented in rfc-cases/README.md).
//
//   127.0.0.20  sink.test      full ESMTP (PIPELINING 8BITMIME SIZE DSN ENHANCEDSTATUSCODES SMTPUTF8)
//   127.0.0.21  sink7.test     7-bit, no DSN (PIPELINING, SIZE only); 221 to QUIT 3 s late
//   127.0.0.22  sinkfail.test  550 5.1.1 to every RCPT
//   127.0.0.23  sinktemp.test  451 4.3.0 to every RCPT
//
// The MX listeners (port 25), started with the DNS fixture for cases that need "dns"; the
// addresses are the ones harness/dns/zones/fixture.json gives the mail exchangers:
//
//   127.0.0.20  mx1.sink.test     accepts (as 127.0.0.20:2526)
//   127.0.0.22  mxfail.sink.test  550 5.1.1 to every RCPT
//   127.0.0.23  mxtemp.sink.test  451 4.3.0 to every RCPT
//   127.0.0.24  mx2.sink.test     accepts (a second MX)
//   127.0.0.25  mx421.sink.test   greets "421 4.3.2" and closes (RFC 5321 3.8)
//   127.0.0.26  mx554.sink.test   greets "554 5.3.2" and answers 503 until QUIT (3.1)
//   127.0.0.27  mxhelo.sink.test  greets 220, answers 550 to EHLO and to HELO
//   127.0.0.32  mxslow220.sink.test  greets 220 after 290 s (I2: the client SHOULD wait 5 min)
//   127.0.0.33  mxslowdot.sink.test  answers the final dot after 570 s (I2: 10 min)
//   127.0.0.34  mxdrop.sink.test     closes after the final dot without a reply (RFC 5321 3.8)
//   127.0.0.29  trap.sink.test    accepts, but any transaction there is a violation
//   ::1         mx6.sink.test     accepts (AAAA only)
//   127.0.0.28  (nothing listens: connection refused)
//
//   CaptureSink sink(StandardListeners());           // port 2526
//   StandardRoutes().at("sinkfail.test").ip == "127.0.0.22"
#ifndef MTA_HARNESS_SINK_STANDARD_H_
#define MTA_HARNESS_SINK_STANDARD_H_

#include <map>
#include <string>
#include <vector>

#include "harness/sink/capture_sink.h"

namespace mta::sink {

inline constexpr int kStandardPort = 2526;
// How late sink7.test answers QUIT (RFC 5321 4.1.1.10: does the client wait for the 221?).
inline constexpr int kQuitDelayMs = 3000;
// How late mxslow220.sink.test greets and mxslowdot.sink.test answers the final dot: just
// inside RFC 5321 4.5.3.2's minimum client timeouts (5 and 10 minutes).
inline constexpr int kSlowGreetingMs = 290'000;
inline constexpr int kSlowEodReplyMs = 570'000;

struct SinkEndpoint {
  std::string ip;
  int port = kStandardPort;
};

// One standard sink: its script variable, domain and listener.
struct StandardSink {
  std::string variable;  // "sink_domain", "sink7_domain", "sinkfail_domain", "sinktemp_domain"
  std::string domain;    // "sink.test", ...
  std::string ip;        // "127.0.0.20", ...
};
const std::vector<StandardSink>& StandardSinks();

std::vector<CaptureSink::Listener> StandardListeners(int port = kStandardPort);
// The MX listeners above (port 25 needs root). with_ipv6: include ::1.
std::vector<CaptureSink::Listener> MxListeners(int port = 25, bool with_ipv6 = true);

// Domain -> endpoint: every managed target relays these domains there.
std::map<std::string, SinkEndpoint> StandardRoutes(int port = kStandardPort);
// Script variables naming the sink domains ({sink_domain} -> "sink.test", ...).
std::map<std::string, std::string> StandardVariables();

}  // namespace mta::sink

#endif  // MTA_HARNESS_SINK_STANDARD_H_
