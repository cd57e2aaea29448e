// test_server.h: an in-process QMTP / QMQP server for tests (loopback, one thread, one
// connection at a time) built from the pure server sessions of mta/lib/qmtp.
//
//   TestServer s({.protocol = TestProtocol::kQmqp});
//   QmqpSubmit({"127.0.0.1:" + std::to_string(s.port())}, {}, m);
//   s.stored().size() == 1
#ifndef MTA_QMTP_TESTING_TEST_SERVER_H_
#define MTA_QMTP_TESTING_TEST_SERVER_H_

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mta/lib/qmtp/policy.h"
#include "mta/lib/qmtp/submission.h"

namespace mta::qmtp::testing {

enum class TestProtocol { kQmtp, kQmqp };

struct TestServerOptions {
  TestProtocol protocol = TestProtocol::kQmtp;
  // The store's verdict; null: accepted with queue id "1", "2", ...
  std::function<SubmitResult(const Submission&)> store;
  Policy* policy = nullptr;  // null: AcceptAllPolicy
  ServerOptions session;
  bool close_at_once = false;  // accept, then close without reading (no response)
  std::string raw_reply;  // non-empty: sent instead of the session's first output, then close
};

class TestServer {
 public:
  explicit TestServer(TestServerOptions o);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Every submission handed to the store (whatever its verdict).
  std::vector<Submission> stored() const;
  int connections() const { return connections_; }

 private:
  void Loop();
  void Serve(int fd);

  TestServerOptions o_;
  AcceptAllPolicy accept_all_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::vector<Submission> stored_;
  std::thread thread_;
};

// A loopback port with no listener (connections to it are refused).
int UnusedPort();

}  // namespace mta::qmtp::testing

#endif  // MTA_QMTP_TESTING_TEST_SERVER_H_
