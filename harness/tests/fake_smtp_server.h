// fake_smtp_server.h: a scripted SMTP server for the engine tests. It listens on
// 127.0.0.1, greets, and answers each command line from a handler; DATA content is
// collected up to CRLF.CRLF and answered by the handler with the line "<EOD>". With a TLS
// context, an Action with `starttls` starts a TLS server handshake after its reply.
#ifndef MTA_HARNESS_TESTS_FAKE_SMTP_SERVER_H_
#define MTA_HARNESS_TESTS_FAKE_SMTP_SERVER_H_

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

typedef struct ssl_ctx_st SSL_CTX;

namespace mta::harness_test {

struct Action {
  std::string send;      // bytes to write (may be empty)
  bool close = false;    // close after writing
  bool data = false;     // enter DATA mode after writing
  int delay_ms = 0;      // before writing
  bool silent = false;   // never answer (tests timeouts)
  bool starttls = false; // TLS handshake after writing (needs FakeTls::ctx)
};

struct FakeTls {
  SSL_CTX* ctx = nullptr;  // borrowed; outlives the server
  // CVE-2011-0411: lines that arrived with STARTTLS are answered inside TLS (vulnerable)
  // instead of being dropped (RFC 3207 4.2).
  bool keep_plaintext = false;
};

class FakeSmtpServer {
 public:
  using Handler = std::function<Action(const std::string& line)>;
  explicit FakeSmtpServer(Handler h, std::string greeting = "220 fake.test ESMTP\r\n",
                          FakeTls tls = {});
  ~FakeSmtpServer();
  int port() const { return port_; }
  // Everything received per recv() call, across connections, in order.
  std::vector<std::string> chunks() const;
  std::string received() const;  // all chunks joined
  std::vector<std::string> peers() const;  // source address of each connection
  std::string data() const;      // the last DATA content

  // Default answers: EHLO multi-line with PIPELINING, MAIL/RCPT 250, DATA 354, QUIT
  // 221 + close, unknown 502 5.5.1.
  static Action Default(const std::string& line);

 private:
  void Serve(int fd);
  int listen_fd_ = -1;
  int port_ = 0;
  Handler handler_;
  std::string greeting_;
  FakeTls tls_;
  std::atomic<bool> stop_{false};
  std::thread accept_thread_;
  std::vector<std::thread> conn_threads_;
  mutable std::mutex mu_;
  std::vector<std::string> chunks_;
  std::vector<std::string> peers_;
  std::string data_;
};

}  // namespace mta::harness_test

#endif  // MTA_HARNESS_TESTS_FAKE_SMTP_SERVER_H_
