// script_server.cc: the scripted SMTP test peer (blocking sockets, one connection).
#include "mta/client/testing/script_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace mta::client::testing {
namespace {

std::string Upper(std::string s) {
  for (char& c : s) if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  return s;
}

class Peer {
 public:
  explicit Peer(int fd) : fd_(fd) {}
  ~Peer() {
    if (ssl_ != nullptr) {
      SSL_free(ssl_);
    }
    close(fd_);
  }
  // Returns the octets read; empty at end of stream, error or timeout.
  std::string Read() {
    char buf[65536];
    int n = ssl_ != nullptr ? SSL_read(ssl_, buf, sizeof buf)
                            : static_cast<int>(recv(fd_, buf, sizeof buf, 0));
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }
  void Write(const std::string& s) {
    if (s.empty()) return;
    if (ssl_ != nullptr) SSL_write(ssl_, s.data(), static_cast<int>(s.size()));
    else send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
  }
  bool Accept(SSL_CTX* ctx) {
    ssl_ = SSL_new(ctx);
    SSL_set_fd(ssl_, fd_);
    return SSL_accept(ssl_) == 1;
  }
  bool tls() const { return ssl_ != nullptr; }

 private:
  int fd_;
  SSL* ssl_ = nullptr;
};

}  // namespace

ScriptServer::ScriptServer(Script script) : script_(std::move(script)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  listen(listen_fd_, 4);
  socklen_t len = sizeof a;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

ScriptServer::~ScriptServer() {
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

Received ScriptServer::Wait() {
  if (thread_.joinable()) thread_.join();
  return got_;
}

void ScriptServer::Serve() {
  pollfd p{listen_fd_, POLLIN, 0};
  if (poll(&p, 1, 10000) != 1) return;
  int fd = accept(listen_fd_, nullptr, nullptr);
  if (fd < 0) return;
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  Peer peer(fd);
  peer.Write(script_.greeting);
  std::string in;
  bool in_data = false;
  std::string message;
  for (;;) {
    std::size_t eol;
    while ((eol = in.find("\r\n")) != std::string::npos) {
      std::string line = in.substr(0, eol);
      in.erase(0, eol + 2);
      if (in_data) {
        message += line + "\r\n";
        if (line != ".") continue;
        in_data = false;
        got_.messages.push_back(message);
        message.clear();
        if (script_.close_after_dot) return;
        peer.Write(script_.eod_reply);
        continue;
      }
      got_.commands.push_back(line);
      const std::string verb = Upper(line.substr(0, line.find(' ')));
      if (verb == "EHLO") {
        if (!script_.ehlo_supported) {
          peer.Write("502 5.5.1 EHLO not implemented\r\n");
          continue;
        }
        std::vector<std::string> kw = peer.tls() ? script_.tls_keywords : script_.keywords;
        if (script_.tls != nullptr && !peer.tls()) kw.push_back("STARTTLS");
        std::string r = kw.empty() ? "250 sink.test\r\n" : "250-sink.test\r\n";
        for (std::size_t i = 0; i < kw.size(); ++i) {
          r += (i + 1 == kw.size() ? "250 " : "250-") + kw[i] + "\r\n";
        }
        peer.Write(r);
      } else if (verb == "HELO") {
        peer.Write(script_.helo_reply);
      } else if (verb == "STARTTLS" && script_.tls != nullptr && !peer.tls()) {
        peer.Write("220 2.0.0 ready to start TLS\r\n" + script_.starttls_inject);
        in.clear();  // RFC 3207 4.2: the server discards plaintext too
        if (!peer.Accept(script_.tls)) return;
        got_.tls = true;
      } else if (verb == "MAIL") {
        peer.Write(script_.mail_reply);
      } else if (verb == "RCPT") {
        std::size_t lt = line.find('<'), gt = line.find('>');
        std::string addr = lt != std::string::npos && gt != std::string::npos && gt > lt
                               ? line.substr(lt + 1, gt - lt - 1) : "";
        auto it = script_.rcpt_replies.find(addr);
        peer.Write(it != script_.rcpt_replies.end() ? it->second : "250 2.1.5 ok\r\n");
      } else if (verb == "DATA") {
        peer.Write(script_.data_reply);
        if (script_.data_reply.substr(0, 3) == "354") in_data = true;
      } else if (verb == "RSET" || verb == "NOOP") {
        peer.Write("250 2.0.0 ok\r\n");
      } else if (verb == "QUIT") {
        peer.Write(script_.quit_reply);
        return;
      } else {
        peer.Write("502 5.5.2 unknown command\r\n");
      }
    }
    std::string chunk = peer.Read();
    if (chunk.empty()) return;
    got_.raw += chunk;
    got_.reads.push_back(chunk);
    in += chunk;
  }
}

}  // namespace mta::client::testing
