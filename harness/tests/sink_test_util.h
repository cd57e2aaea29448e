// sink_test_util.h: a blocking SMTP test client for the capture-sink tests: connects from
// a chosen loopback source, sends bytes, reads replies ("ddd " line ends a reply).
#ifndef MTA_HARNESS_TESTS_SINK_TEST_UTIL_H_
#define MTA_HARNESS_TESTS_SINK_TEST_UTIL_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace mta::harness_test {

class TestClient {
 public:
  TestClient() = default;
  ~TestClient() { Close(); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool Connect(const std::string& source, const std::string& ip, int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &src.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) return false;
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &dst.sin_addr);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 0;
  }

  bool Send(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }

  // One complete reply (all its lines), "" on close or timeout.
  std::string Reply(int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      // A reply ends with a line "ddd" or "ddd text".
      std::size_t start = 0;
      while (true) {
        std::size_t e = buf_.find("\r\n", start);
        if (e == std::string::npos) break;
        if (e - start >= 3 && (e - start == 3 || buf_[start + 3] == ' ')) {
          std::string r = buf_.substr(0, e + 2);
          buf_.erase(0, e + 2);
          return r;
        }
        start = e + 2;
      }
      if (!Fill(deadline)) return "";
    }
  }

  // True when the server closes (after any pending bytes) before the timeout.
  bool WaitClosed(int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Fill(deadline)) {
    }
    return eof_;
  }

  std::string pending() const { return buf_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    if (eof_ || fd_ < 0) return false;
    int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  deadline - std::chrono::steady_clock::now())
                                  .count());
    if (ms <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return false;
    char tmp[4096];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool eof_ = false;
  std::string buf_;
};

}  // namespace mta::harness_test

#endif  // MTA_HARNESS_TESTS_SINK_TEST_UTIL_H_
