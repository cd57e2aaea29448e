// sink_routes.cc: see sink_routes.h.
#include "harness/targets/sink_routes.h"

namespace mta::targets {

std::string HostPort(const runner::Endpoint& ep) {
  return ep.host + ":" + std::to_string(ep.port);
}

std::string SinkRoute::Spec() const { return domain + "=" + HostPort(next_hop); }

const std::vector<SinkRoute>& SinkRoutes() {
  static const std::vector<SinkRoute> routes = {
      {"sink.test", {"127.0.0.20", 2526}},
      {"sink7.test", {"127.0.0.21", 2526}},
      {"sinkfail.test", {"127.0.0.22", 2526}},
      {"sinktemp.test", {"127.0.0.23", 2526}},
  };
  return routes;
}

const runner::Endpoint& DefaultSink() {
  static const runner::Endpoint sink{"127.0.0.20", 2526};
  return sink;
}

}  // namespace mta::targets
