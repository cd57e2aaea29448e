// sink_routes.h: where managed targets send mail that is not for their local domain: the
// harness's capture-sink listeners, one per sink domain, and a default for everything
// else. Static and numeric, so no target ever looks up an MX or leaves loopback.
//
//   sink.test     -> 127.0.0.20:2526   (accepts)
//   sink7.test    -> 127.0.0.21:2526   (7-bit only)
//   sinkfail.test -> 127.0.0.22:2526   (permanent failures)
//   sinktemp.test -> 127.0.0.23:2526   (temporary failures)
//   anything else -> 127.0.0.20:2526
//
//   for (const SinkRoute& r : SinkRoutes()) args.push_back("--route=" + r.Spec());
#ifndef MTA_HARNESS_TARGETS_SINK_ROUTES_H_
#define MTA_HARNESS_TARGETS_SINK_ROUTES_H_

#include <string>
#include <vector>

#include "harness/runner/engine.h"

namespace mta::targets {

struct SinkRoute {
  std::string domain;
  runner::Endpoint next_hop;
  std::string Spec() const;  // "sink7.test=127.0.0.21:2526"
};

const std::vector<SinkRoute>& SinkRoutes();
// The next hop for every domain without a route of its own.
const runner::Endpoint& DefaultSink();
// "IP:PORT" of an endpoint.
std::string HostPort(const runner::Endpoint& ep);

}  // namespace mta::targets

#endif  // MTA_HARNESS_TARGETS_SINK_ROUTES_H_
