// capture_sink.h: the harness's scriptable SMTP capture sink. Listens on loopback
// endpoints, each with its own Behaviour, serves every connection on its own thread
// (Session does the SMTP), and keeps every transaction for the observation conditions
// of rfc-cases (sink, bounce) and for `mtaspec sink`.
//
//   CaptureSink sink({{"127.0.0.20", 0, Behaviour{}}});
//   sink.Start();                       // throws std::runtime_error on bind failure
//   int port = sink.listeners()[0].port;
//   auto got = sink.WaitFor([](const Captured& c) { return c.data_complete; }, 1, 5000);
//   sink.Stop();
#ifndef MTA_HARNESS_SINK_CAPTURE_SINK_H_
#define MTA_HARNESS_SINK_CAPTURE_SINK_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/sink/behaviour.h"
#include "harness/sink/captured.h"

namespace mta::sink {

class CaptureSink {
 public:
  struct Listener {
    std::string ip;       // IPv4 or IPv6 literal
    int port = 0;         // 0: any free port (see listeners() after Start)
    Behaviour behaviour;
  };

  explicit CaptureSink(std::vector<Listener> listeners);
  ~CaptureSink();  // Stop()
  CaptureSink(const CaptureSink&) = delete;
  CaptureSink& operator=(const CaptureSink&) = delete;

  // Binds every listener and starts serving. Throws std::runtime_error with the reason
  // ("bind 127.0.0.20:2526: Address already in use"); nothing stays bound then.
  void Start();
  // Closes the listeners and every connection (an unfinished transaction is recorded),
  // waits for the threads. Idempotent.
  void Stop();

  // The listeners with the ports actually bound.
  std::vector<Listener> listeners() const;

  // Every transaction recorded so far, in the order they ended.
  std::vector<Captured> Messages() const;
  // Those from position `first` of Messages() on (none when first >= size()).
  std::vector<Captured> MessagesFrom(std::size_t first) const;
  std::size_t size() const;
  // Connections being served now.
  int active_connections() const;
  // Waits until at least min_count recorded transactions satisfy pred, or timeout_ms;
  // returns those that do (possibly fewer than min_count).
  std::vector<Captured> WaitFor(const std::function<bool(const Captured&)>& pred, int min_count,
                                int timeout_ms) const;

  // At most this many transactions are kept (the oldest are dropped); default 100000.
  void set_max_kept(std::size_t n);
  // Most connections served at once; more get "421 4.3.2" and are closed. Default 256.
  void set_max_connections(int n);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mta::sink

#endif  // MTA_HARNESS_SINK_CAPTURE_SINK_H_
