// standard.cc: the standard sink listeners (see standard.h).
#include "harness/sink/standard.h"

namespace mta::sink {

const std::vector<StandardSink>& StandardSinks() {
  static const std::vector<StandardSink> s = {
      {"sink_domain", "sink.test", "127.0.0.20"},
      {"sink7_domain", "sink7.test", "127.0.0.21"},
      {"sinkfail_domain", "sinkfail.test", "127.0.0.22"},
      {"sinktemp_domain", "sinktemp.test", "127.0.0.23"},
  };
  return s;
}

std::vector<CaptureSink::Listener> StandardListeners(int port) {
  std::vector<CaptureSink::Listener> out;
  Behaviour full;
  full.hostname = "mx.sink.test";
  out.push_back({"127.0.0.20", port, full});

  // RFC 6152 / RFC 3461: a peer without 8BITMIME and DSN (a relay must downgrade or bounce).
  Behaviour seven;
  seven.hostname = "mx.sink7.test";
  seven.ehlo_keywords = {"PIPELINING", "SIZE 52428800"};
  out.push_back({"127.0.0.21", port, seven});

  Behaviour fail = full;
  fail.hostname = "mx.sinkfail.test";
  fail.replies["rcpt"] = Reply{550, "5.1.1 no such user here", 0, false, false};
  out.push_back({"127.0.0.22", port, fail});

  Behaviour temp = full;
  temp.hostname = "mx.sinktemp.test";
  temp.replies["rcpt"] = Reply{451, "4.3.0 temporary failure, try again later", 0, false, false};
  out.push_back({"127.0.0.23", port, temp});
  return out;
}

std::map<std::string, SinkEndpoint> StandardRoutes(int port) {
  std::map<std::string, SinkEndpoint> out;
  for (const StandardSink& s : StandardSinks()) out[s.domain] = {s.ip, port};
  return out;
}

std::map<std::string, std::string> StandardVariables() {
  std::map<std::string, std::string> out;
  for (const StandardSink& s : StandardSinks()) out[s.variable] = s.domain;
  return out;
}

}  // namespace mta::sink
