// fake_smtp_server.cc: see fake_smtp_server.h.
#include "harness/tests/fake_smtp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include <openssl/ssl.h>

namespace mta::harness_test {

FakeSmtpServer::FakeSmtpServer(Handler h, std::string greeting, FakeTls tls)
    : handler_(std::move(h)), greeting_(std::move(greeting)), tls_(tls) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(listen_fd_, 16);
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  accept_thread_ = std::thread([this] {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      sockaddr_in peer{};
      socklen_t plen = sizeof peer;
      int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_CLOEXEC);
      if (fd < 0) continue;
      char ip[64];
      inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
      {
        std::lock_guard<std::mutex> lock(mu_);
        peers_.push_back(ip);
      }
      conn_threads_.emplace_back([this, fd] { Serve(fd); });
    }
  });
}

FakeSmtpServer::~FakeSmtpServer() {
  stop_ = true;
  accept_thread_.join();
  for (std::thread& t : conn_threads_) t.join();
  ::close(listen_fd_);
}

std::vector<std::string> FakeSmtpServer::chunks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return chunks_;
}

std::string FakeSmtpServer::received() const {
  std::string s;
  for (const std::string& c : chunks()) s += c;
  return s;
}

std::vector<std::string> FakeSmtpServer::peers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return peers_;
}

std::string FakeSmtpServer::data() const {
  std::lock_guard<std::mutex> lock(mu_);
  return data_;
}

Action FakeSmtpServer::Default(const std::string& line) {
  std::string verb = line.substr(0, 4);
  for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (verb == "EHLO") return {"250-fake.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n"};
  if (verb == "HELO") return {"250 fake.test\r\n"};
  if (verb == "MAIL" || verb == "RCPT" || verb == "RSET" || verb == "NOOP") return {"250 2.0.0 ok\r\n"};
  if (verb == "DATA") return {"354 go ahead\r\n", false, true};
  if (line == "<EOD>") return {"250 2.0.0 accepted\r\n"};
  if (verb == "QUIT") return {"221 2.0.0 bye\r\n", true};
  return {"502 5.5.1 unimplemented\r\n"};
}

void FakeSmtpServer::Serve(int fd) {
  SSL* ssl = nullptr;
  auto write_all = [&](const std::string& bytes) {
    if (ssl != nullptr) SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size()));
    else ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  };
  write_all(greeting_);
  std::string buf;
  bool in_data = false;
  std::string content;
  bool open = true;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (open && !stop_ && std::chrono::steady_clock::now() < deadline) {
    if (ssl == nullptr || SSL_pending(ssl) == 0) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
    }
    char tmp[65536];
    ssize_t n = ssl != nullptr ? SSL_read(ssl, tmp, sizeof tmp) : ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) break;
    {
      std::lock_guard<std::mutex> lock(mu_);
      chunks_.emplace_back(tmp, static_cast<std::size_t>(n));
    }
    buf.append(tmp, static_cast<std::size_t>(n));
    while (open) {
      Action a;
      if (in_data) {
        std::string probe = "\r\n" + buf;
        std::size_t eod = probe.find("\r\n.\r\n");
        if (eod == std::string::npos) break;
        content = probe.substr(2, eod > 2 ? eod - 2 + 2 : 0);
        buf.erase(0, eod + 3);
        in_data = false;
        {
          std::lock_guard<std::mutex> lock(mu_);
          data_ = content;
        }
        a = handler_("<EOD>");
      } else {
        std::size_t nl = buf.find("\r\n");
        if (nl == std::string::npos) break;
        std::string line = buf.substr(0, nl);
        buf.erase(0, nl + 2);
        a = handler_(line);
      }
      if (a.silent) continue;
      if (a.delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(a.delay_ms));
      if (!a.send.empty()) write_all(a.send);
      if (a.data) in_data = true;
      if (a.close) open = false;
      if (a.starttls && tls_.ctx != nullptr && ssl == nullptr && open) {
        if (!tls_.keep_plaintext) buf.clear();
        ssl = SSL_new(tls_.ctx);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) != 1) open = false;
      }
    }
  }
  if (ssl != nullptr) SSL_free(ssl);
  ::close(fd);
}

}  // namespace mta::harness_test
