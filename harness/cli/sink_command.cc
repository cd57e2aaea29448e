// sink_command.cc: `mtaspec sink` (see sink_command.h).
#include "harness/cli/sink_command.h"

#include <signal.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "harness/sink/capture_sink.h"

namespace mta::cli {
namespace {

constexpr int kOk = 0, kUsage = 2;

volatile std::sig_atomic_t g_signalled = 0;
void OnSignal(int) { g_signalled = 1; }

// "IP:PORT[=FILE]", "[v6]:PORT[=FILE]". Throws std::invalid_argument.
sink::CaptureSink::Listener ParseListen(const std::string& spec) {
  std::string hp = spec, file;
  if (auto eq = spec.find('='); eq != std::string::npos) {
    hp = spec.substr(0, eq);
    file = spec.substr(eq + 1);
    if (file.empty()) throw std::invalid_argument("--listen " + spec + ": empty behaviour file");
  }
  std::string ip, port;
  if (!hp.empty() && hp[0] == '[') {
    auto close = hp.find(']');
    if (close == std::string::npos || close + 1 >= hp.size() || hp[close + 1] != ':')
      throw std::invalid_argument("--listen " + spec + ": expected IP:PORT");
    ip = hp.substr(1, close - 1);
    port = hp.substr(close + 2);
  } else {
    auto colon = hp.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("--listen " + spec + ": expected IP:PORT");
    ip = hp.substr(0, colon);
    port = hp.substr(colon + 1);
  }
  if (ip.empty() || port.empty() || port.size() > 5)
    throw std::invalid_argument("--listen " + spec + ": expected IP:PORT");
  for (char c : port)
    if (!std::isdigit(static_cast<unsigned char>(c))) throw std::invalid_argument("--listen " + spec + ": bad port");
  int p = std::stoi(port);
  if (p > 65535) throw std::invalid_argument("--listen " + spec + ": bad port");
  sink::CaptureSink::Listener l{ip, p, sink::Behaviour{}};
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::invalid_argument("cannot read " + file);
    try {
      l.behaviour = sink::FromJson(nlohmann::json::parse(in));
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument(file + ": " + e.what());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(file + ": " + e.what());
    }
  }
  return l;
}

std::string Name(std::size_t n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04zu", n);
  return buf;
}

bool Write(const std::string& dir, std::size_t n, const sink::Captured& c, std::ostream& out) {
  const std::string base = dir + "/" + Name(n);
  {
    std::ofstream j(base + ".json", std::ios::binary);
    j << sink::CapturedToJson(c).dump(2) << "\n";
    if (!j) return false;
  }
  {
    std::ofstream e(base + ".eml", std::ios::binary);
    e << c.data;
    if (!e) return false;
  }
  out << "mtaspec sink: " << Name(n) << " " << c.listen << " from " << c.peer_ip << " MAIL FROM:<"
      << sink::Escape(c.mail_from) << "> " << c.rcpts.size() << " rcpt(s), " << c.raw_data.size()
      << " octets" << (c.data_complete ? "" : " (incomplete)") << "\n"
      << std::flush;
  return true;
}

}  // namespace

int RunSink(const SinkArgs& a, std::ostream& out, std::ostream& err) {
  std::vector<sink::CaptureSink::Listener> listeners;
  try {
    if (a.listen.empty()) throw std::invalid_argument("sink needs --listen IP:PORT");
    for (const std::string& s : a.listen) listeners.push_back(ParseListen(s));
  } catch (const std::invalid_argument& e) {
    err << "mtaspec: " << e.what() << "\n";
    return kUsage;
  }
  if (a.count < 0 || a.timeout < 0) {
    err << "mtaspec: --count and --timeout must not be negative\n";
    return kUsage;
  }
  std::error_code ec;
  std::filesystem::create_directories(a.out, ec);
  if (ec || !std::filesystem::is_directory(a.out)) {
    err << "mtaspec: cannot create " << a.out << "\n";
    return kUsage;
  }
  sink::CaptureSink capture(listeners);
  try {
    capture.Start();
  } catch (const std::exception& e) {
    err << "mtaspec: " << e.what() << "\n";
    return kUsage;
  }
  // Handlers go in before "listening" is printed: a caller may signal right after it.
  g_signalled = 0;
  struct sigaction sa {}, old_int{}, old_term{};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);

  for (const auto& l : capture.listeners())
    out << "mtaspec sink: listening on " << (l.ip.find(':') != std::string::npos ? "[" + l.ip + "]" : l.ip)
        << ":" << l.port << "\n";
  out << std::flush;

  const auto start = std::chrono::steady_clock::now();
  std::size_t written = 0;
  int complete = 0;
  bool write_failed = false;
  auto drain = [&]() {
    std::vector<sink::Captured> all = capture.Messages();
    for (; written < all.size() && !write_failed; ++written) {
      if (!Write(a.out, written + 1, all[written], out)) write_failed = true;
      if (all[written].data_complete) ++complete;
    }
  };
  while (!g_signalled && !write_failed) {
    capture.WaitFor([](const sink::Captured&) { return true; }, static_cast<int>(written) + 1, 100);
    drain();
    if (a.count > 0 && complete >= a.count) {
      // Let the client finish its session (QUIT) before the connections are cut.
      auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (capture.active_connections() > 0 && !g_signalled && std::chrono::steady_clock::now() < grace)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      break;
    }
    if (a.timeout > 0 &&
        std::chrono::steady_clock::now() - start >= std::chrono::duration<double>(a.timeout))
      break;
  }
  capture.Stop();
  drain();
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  if (write_failed) {
    err << "mtaspec: cannot write to " << a.out << "\n";
    return kUsage;
  }
  out << "mtaspec sink: " << written << " transaction(s), " << complete << " complete message(s) in "
      << a.out << "\n";
  return kOk;
}

}  // namespace mta::cli
