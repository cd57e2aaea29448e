// script_server.h: a scripted SMTP peer on 127.0.0.1 for client tests: greeting, EHLO
// keywords, per-command and per-recipient replies, optional STARTTLS (with a plaintext
// injection right after its 220), close after the final dot; it records the raw octets
// and each read, so tests can check what reached the wire.
//
//   Script sc;  sc.keywords = {"PIPELINING"};
//   ScriptServer srv(sc);   // listening; serves one connection on its own thread
//   ... Deliver({.ip = "127.0.0.1", .port = srv.port()}, ...);
//   Received got = srv.Wait();   got.commands[0] == "EHLO me.test"
#ifndef MTA_CLIENT_TESTING_SCRIPT_SERVER_H_
#define MTA_CLIENT_TESTING_SCRIPT_SERVER_H_

#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

typedef struct ssl_ctx_st SSL_CTX;

namespace mta::client::testing {

struct Script {
  std::string greeting = "220 sink.test ESMTP\r\n";
  bool ehlo_supported = true;           // false: 502 to EHLO
  std::string helo_reply = "250 sink.test\r\n";
  std::vector<std::string> keywords;    // EHLO keywords (before TLS)
  std::vector<std::string> tls_keywords;  // EHLO keywords after TLS
  SSL_CTX* tls = nullptr;               // when set, STARTTLS is offered before TLS
  std::string starttls_inject;          // plaintext written with the 220 to STARTTLS
  std::string mail_reply = "250 2.1.0 ok\r\n";
  std::map<std::string, std::string> rcpt_replies;  // by address; default 250 2.1.5
  std::string data_reply = "354 go ahead\r\n";
  std::string eod_reply = "250 2.0.0 queued\r\n";
  bool close_after_dot = false;         // no reply to the final dot
  std::string quit_reply = "221 2.0.0 bye\r\n";
};

struct Received {
  std::string raw;                    // every octet received (decrypted under TLS)
  std::vector<std::string> reads;     // each read's octets
  std::vector<std::string> commands;  // command lines without CRLF
  std::vector<std::string> messages;  // DATA content as on the wire, up to the "." line
  bool tls = false;                   // a TLS session was established
};

class ScriptServer {
 public:
  explicit ScriptServer(Script script);
  ~ScriptServer();
  ScriptServer(const ScriptServer&) = delete;
  ScriptServer& operator=(const ScriptServer&) = delete;

  std::uint16_t port() const { return port_; }
  // Waits until the connection is over (client closed, or 10 s without data).
  Received Wait();

 private:
  void Serve();

  Script script_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  Received got_;
  std::thread thread_;
};

}  // namespace mta::client::testing

#endif  // MTA_CLIENT_TESTING_SCRIPT_SERVER_H_
