// standard.h: the capture-sink listeners every run starts, and the routes managed
// targets use to reach them (documented in rfc-cases/README.md).
//
//   127.0.0.20  sink.test      full ESMTP (PIPELINING 8BITMIME SIZE DSN ENHANCEDSTATUSCODES SMTPUTF8)
//   127.0.0.21  sink7.test     7-bit, no DSN (PIPELINING, SIZE only)
//   127.0.0.22  sinkfail.test  550 5.1.1 to every RCPT
//   127.0.0.23  sinktemp.test  451 4.3.0 to every RCPT
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
// Domain -> endpoint: every managed target relays these domains there.
std::map<std::string, SinkEndpoint> StandardRoutes(int port = kStandardPort);
// Script variables naming the sink domains ({sink_domain} -> "sink.test", ...).
std::map<std::string, std::string> StandardVariables();

}  // namespace mta::sink

#endif  // MTA_HARNESS_SINK_STANDARD_H_
