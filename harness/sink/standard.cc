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
  // RFC 5321 4.1.1.10: the client SHOULD wait for the 221; it comes kQuitDelayMs late here,
  // so the SessionEnd shows whether the client stayed for it (disputed point I4).
  seven.delays["quit"] = kQuitDelayMs;
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

std::vector<CaptureSink::Listener> MxListeners(int port, bool with_ipv6) {
  std::vector<CaptureSink::Listener> out;
  auto accepting = [](const std::string& host) {
    Behaviour b;
    b.hostname = host;
    return b;
  };
  out.push_back({"127.0.0.20", port, accepting("mx1.sink.test")});

  Behaviour fail = accepting("mxfail.sink.test");
  fail.replies["rcpt"] = Reply{550, "5.1.1 no such user here", 0, false, false};
  out.push_back({"127.0.0.22", port, fail});

  Behaviour temp = accepting("mxtemp.sink.test");
  temp.replies["rcpt"] = Reply{451, "4.3.0 temporary failure, try again later", 0, false, false};
  out.push_back({"127.0.0.23", port, temp});

  out.push_back({"127.0.0.24", port, accepting("mx2.sink.test")});

  // RFC 5321 3.8: a server that must shut down answers 421 and closes.
  Behaviour busy = accepting("mx421.sink.test");
  busy.greeting = Reply{421, "4.3.2 mx421.sink.test busy, try another MX", 0, true, false};
  out.push_back({"127.0.0.25", port, busy});

  // RFC 5321 3.1: a 554 greeting, then 503 to every command but QUIT.
  Behaviour nosmtp = accepting("mx554.sink.test");
  nosmtp.greeting = Reply{554, "5.3.2 mx554.sink.test no SMTP service here", 0, false, false};
  out.push_back({"127.0.0.26", port, nosmtp});

  Behaviour nohelo = accepting("mxhelo.sink.test");
  nohelo.replies["ehlo"] = Reply{550, "5.7.1 EHLO refused", 0, false, false};
  nohelo.replies["helo"] = Reply{550, "5.7.1 HELO refused", 0, false, false};
  out.push_back({"127.0.0.27", port, nohelo});

  // RFC 5321 4.5.3.2 (disputed point I2): a client SHOULD wait at least 5 minutes for the
  // greeting and 10 for the reply to the final dot; these answer just inside those minima.
  Behaviour slow220 = accepting("mxslow220.sink.test");
  slow220.delays["greeting"] = kSlowGreetingMs;
  out.push_back({"127.0.0.32", port, slow220});
  Behaviour slowdot = accepting("mxslowdot.sink.test");
  slowdot.delays["eod"] = kSlowEodReplyMs;
  out.push_back({"127.0.0.33", port, slowdot});
  // RFC 5321 3.8: a connection lost after the final dot is as if 451 had been received.
  Behaviour drop = accepting("mxdrop.sink.test");
  drop.close_after_dot = true;
  out.push_back({"127.0.0.34", port, drop});

  out.push_back({"127.0.0.29", port, accepting("trap.sink.test")});
  if (with_ipv6) out.push_back({"::1", port, accepting("mx6.sink.test")});
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
