// capture_sink.cc: sockets and threads of the capture sink (see capture_sink.h). One
// accept thread per listener, one thread per connection; a pipe wakes the acceptors on
// Stop, shutdown() wakes the connections.
#include "harness/sink/capture_sink.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "harness/sink/session.h"

namespace mta::sink {
namespace {

// How long after a late reply to the final dot the sink looks for a reset (a client that
// had closed); loopback resets arrive within a millisecond.
constexpr int kGoneWaitMs = 300;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string HostPort(const std::string& ip, int port) {
  return (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

std::string PeerIp(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, buf, sizeof buf);
  else if (ss.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, buf, sizeof buf);
  return buf;
}

bool SendAll(int fd, const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

struct CaptureSink::Impl {
  struct Conn {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
    int fd = -1;
  };

  std::vector<Listener> listeners;
  std::vector<int> fds;
  int wake[2] = {-1, -1};
  std::vector<std::thread> acceptors;
  std::atomic<bool> stop{false};
  bool started = false;

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::deque<Captured> msgs;
  std::size_t max_kept = 100000;
  std::atomic<int> max_conns{256};

  mutable std::mutex cmu;
  std::list<Conn> conns;  // cmu

  void Publish(std::vector<Captured> got) {
    if (got.empty()) return;
    std::lock_guard<std::mutex> lock(mu);
    for (Captured& c : got) {
      msgs.push_back(std::move(c));
      while (msgs.size() > max_kept) msgs.pop_front();
    }
    cv.notify_all();
  }

  void Reap() {
    // Joins finished connection threads (cmu held).
    for (auto it = conns.begin(); it != conns.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = conns.erase(it);
      } else {
        ++it;
      }
    }
  }

  void Accept(std::size_t i) {
    while (!stop) {
      pollfd p[2] = {{fds[i], POLLIN, 0}, {wake[0], POLLIN, 0}};
      int r = ::poll(p, 2, 500);
      {
        std::lock_guard<std::mutex> lock(cmu);
        Reap();
      }
      if (stop) return;
      if (r <= 0 || !(p[0].revents & POLLIN)) continue;
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      int fd = ::accept4(fds[i], reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard<std::mutex> lock(cmu);
      if (static_cast<int>(conns.size()) >= max_conns.load()) {
        SendAll(fd, "421 4.3.2 too many connections, try again later\r\n");
        ::close(fd);
        continue;
      }
      conns.emplace_back();
      Conn& c = conns.back();
      c.fd = fd;
      std::string peer = PeerIp(ss);
      auto done = c.done;
      c.thread = std::thread([this, fd, i, peer, done]() {
        Serve(fd, i, peer);
        {
          std::lock_guard<std::mutex> l(cmu);
          for (Conn& x : conns)
            if (x.done == done) x.fd = -1;
          ::close(fd);
        }
        done->store(true);
      });
    }
  }

  // True when the client has closed the connection or shut down its sending side
  // (POLLRDHUP), waiting at most wait_ms for it.
  static bool PeerClosed(int fd, int wait_ms) {
    pollfd p{fd, POLLRDHUP, 0};
    int r = ::poll(&p, 1, wait_ms);
    return r > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  // True when the client's socket is gone altogether (a reset after our write: it had
  // closed, not merely shut down its sending side), waiting at most wait_ms.
  static bool PeerGone(int fd, int wait_ms) {
    pollfd p{fd, 0, 0};  // POLLERR and POLLHUP are always reported
    int r = ::poll(&p, 1, wait_ms);
    return r > 0 && (p.revents & (POLLHUP | POLLERR)) != 0;
  }

  // Runs outputs; false when the connection is to end.
  bool Run(int fd, const std::vector<Output>& outs, Session& s) {
    for (const Output& o : outs) {
      auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.delay_ms);
      // RFC 5321 4.1.1.10: a client SHOULD wait for the reply to QUIT; while that reply is
      // held back, watch for the client going away first.
      bool closed_first = false;
      while (!stop && std::chrono::steady_clock::now() < until) {
        auto step = std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(20),
                                                                  until - std::chrono::steady_clock::now());
        if (o.quit_reply && !closed_first) {
          int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(step).count());
          closed_first = PeerClosed(fd, std::max(ms, 1));
          if (closed_first) break;  // nobody waits for the rest of the delay
          continue;
        }
        std::this_thread::sleep_for(step);
      }
      if (stop) return false;
      if (o.quit_reply && !closed_first) closed_first = PeerClosed(fd, 0);
      // The 221 goes out even to a client that left (it may have shut down only its side).
      bool written = o.bytes.empty() || SendAll(fd, o.bytes);
      if (o.quit_reply) s.QuitReplyDone(written && !o.bytes.empty(), closed_first);
      // RFC 5321 4.5.3.2.6: was the client still there for the late reply to the final dot?
      // A client may have pipelined QUIT and shut down its sending side (Exim does) and
      // still be reading: only a reset after the write shows that it had gone.
      if (o.eod_reply) s.EodReplyDone(!written || PeerGone(fd, kGoneWaitMs));
      if (!written) return false;
      if (o.close) return false;
    }
    return true;
  }

  void Serve(int fd, std::size_t i, const std::string& peer) {
    const Listener& l = listeners[i];
    Session s(l.behaviour, HostPort(l.ip, l.port), peer, NowMs);
    // Each record is published before the reply that ends its transaction is written: a
    // client that has its 250 (and a harness that sees the client done) finds it.
    auto first = s.Start();
    Publish(s.TakeCaptured());
    bool ok = Run(fd, first, s);
    std::vector<char> buf(64 * 1024);
    auto last = std::chrono::steady_clock::now();
    while (ok && !s.closed() && !stop) {
      pollfd p{fd, POLLIN, 0};
      int r = ::poll(&p, 1, 100);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) break;
      if (r == 0) {
        if (std::chrono::steady_clock::now() - last >= std::chrono::milliseconds(l.behaviour.idle_timeout_ms)) {
          Run(fd, s.IdleTimeout(), s);
          break;
        }
        continue;
      }
      ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      last = std::chrono::steady_clock::now();
      auto out = s.Feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
      Publish(s.TakeCaptured());
      ok = Run(fd, out, s);
    }
    s.Eof();
    Publish(s.TakeCaptured());
    // Final for every transaction of the connection (and every copy of their records).
    s.Ended();
  }
};

CaptureSink::CaptureSink(std::vector<Listener> listeners) : impl_(std::make_unique<Impl>()) {
  impl_->listeners = std::move(listeners);
}

CaptureSink::~CaptureSink() { Stop(); }

void CaptureSink::Start() {
  Impl& m = *impl_;
  if (m.started) return;
  auto cleanup = [&]() {
    for (int fd : m.fds) ::close(fd);
    m.fds.clear();
  };
  for (Listener& l : m.listeners) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    int family = AF_INET;
    if (inet_pton(AF_INET, l.ip.c_str(), &reinterpret_cast<sockaddr_in&>(ss).sin_addr) == 1) {
      auto& a = reinterpret_cast<sockaddr_in&>(ss);
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(l.port));
      len = sizeof a;
    } else if (inet_pton(AF_INET6, l.ip.c_str(), &reinterpret_cast<sockaddr_in6&>(ss).sin6_addr) == 1) {
      auto& a = reinterpret_cast<sockaddr_in6&>(ss);
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(static_cast<uint16_t>(l.port));
      len = sizeof a;
      family = AF_INET6;
    } else {
      cleanup();
      throw std::runtime_error("listen " + HostPort(l.ip, l.port) + ": not an IP address");
    }
    int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      cleanup();
      throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 128) != 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      cleanup();
      throw std::runtime_error("bind " + HostPort(l.ip, l.port) + ": " + why);
    }
    sockaddr_storage got{};
    socklen_t glen = sizeof got;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&got), &glen);
    l.port = got.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(got).sin6_port)
                                       : ntohs(reinterpret_cast<sockaddr_in&>(got).sin_port);
    m.fds.push_back(fd);
  }
  if (::pipe2(m.wake, O_CLOEXEC) != 0) {
    cleanup();
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  m.stop = false;
  m.started = true;
  for (std::size_t i = 0; i < m.listeners.size(); ++i) m.acceptors.emplace_back([&m, i]() { m.Accept(i); });
}

void CaptureSink::Stop() {
  Impl& m = *impl_;
  if (!m.started) return;
  m.stop = true;
  char x = 1;
  (void)!::write(m.wake[1], &x, 1);
  for (std::thread& t : m.acceptors) t.join();
  m.acceptors.clear();
  for (int fd : m.fds) ::close(fd);
  m.fds.clear();
  {
    std::lock_guard<std::mutex> lock(m.cmu);
    for (Impl::Conn& c : m.conns)
      if (c.fd >= 0) ::shutdown(c.fd, SHUT_RDWR);
  }
  // The connection threads see `stop` within 100 ms; join them outside the lock.
  std::list<Impl::Conn> conns;
  {
    std::lock_guard<std::mutex> lock(m.cmu);
    conns.splice(conns.end(), m.conns);
  }
  for (Impl::Conn& c : conns) c.thread.join();
  ::close(m.wake[0]);
  ::close(m.wake[1]);
  m.wake[0] = m.wake[1] = -1;
  m.started = false;
}

std::vector<CaptureSink::Listener> CaptureSink::listeners() const { return impl_->listeners; }

std::vector<Captured> CaptureSink::Messages() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return {impl_->msgs.begin(), impl_->msgs.end()};
}

std::vector<Captured> CaptureSink::MessagesFrom(std::size_t first) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (first >= impl_->msgs.size()) return {};
  return {impl_->msgs.begin() + static_cast<std::ptrdiff_t>(first), impl_->msgs.end()};
}

std::size_t CaptureSink::size() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->msgs.size();
}

std::vector<Captured> CaptureSink::WaitFor(const std::function<bool(const Captured&)>& pred, int min_count,
                                           int timeout_ms) const {
  Impl& m = *impl_;
  std::unique_lock<std::mutex> lock(m.mu);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  std::vector<Captured> out;
  while (true) {
    out.clear();
    for (const Captured& c : m.msgs)
      if (pred(c)) out.push_back(c);
    if (static_cast<int>(out.size()) >= min_count) return out;
    if (m.cv.wait_until(lock, deadline) == std::cv_status::timeout) {
      out.clear();
      for (const Captured& c : m.msgs)
        if (pred(c)) out.push_back(c);
      return out;
    }
  }
}

int CaptureSink::active_connections() const {
  std::lock_guard<std::mutex> lock(impl_->cmu);
  int n = 0;
  for (const Impl::Conn& c : impl_->conns)
    if (!c.done->load()) ++n;
  return n;
}

void CaptureSink::set_max_kept(std::size_t n) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->max_kept = n < 1 ? 1 : n;
}

void CaptureSink::set_max_connections(int n) { impl_->max_conns = n < 1 ? 1 : n; }

}  // namespace mta::sink
