// target.cc: see target.h.
#include "harness/runner/target.h"

#include <cctype>
#include <stdexcept>

#include "harness/runner/connection.h"
#include "harness/script/step.h"
#include "harness/sink/behaviour.h"

namespace mta::runner {

std::map<std::string, std::string> Target::variables() const {
  auto v = script::DefaultVariables();
  v["target_ip"] = address().host;
  // "t" + the last octet of an IPv4 address (the DNS fixture's per-target names).
  const std::string& h = address().host;
  std::size_t dot = h.rfind('.');
  v["target_tag"] = "t" + (dot == std::string::npos ? std::string("0") : h.substr(dot + 1));
  return v;
}

bool Target::HasFacility(const std::string&) const { return false; }

std::optional<std::vector<std::string>> Target::ReadMailbox(const std::string&) {
  return std::nullopt;
}

std::map<std::string, std::string> HostPortTarget::variables() const {
  auto v = Target::variables();
  for (const auto& [k, val] : overrides_) v[k] = val;
  return v;
}

std::unique_ptr<HostPortTarget> ParseTargetSpec(const std::string& spec) {
  std::string name, hp = spec;
  if (auto eq = spec.find('='); eq != std::string::npos) {
    name = spec.substr(0, eq);
    hp = spec.substr(eq + 1);
  }
  std::string host, port;
  if (!hp.empty() && hp[0] == '[') {
    auto close = hp.find(']');
    if (close == std::string::npos || close + 1 >= hp.size() || hp[close + 1] != ':')
      throw std::invalid_argument("bad target '" + spec + "' (HOST:PORT)");
    host = hp.substr(1, close - 1);
    port = hp.substr(close + 2);
  } else {
    auto colon = hp.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("bad target '" + spec + "' (HOST:PORT)");
    host = hp.substr(0, colon);
    port = hp.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.size() > 5)
    throw std::invalid_argument("bad target '" + spec + "' (HOST:PORT)");
  for (char c : port)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      throw std::invalid_argument("bad port in target '" + spec + "'");
  int p = std::stoi(port);
  if (p < 1 || p > 65535) throw std::invalid_argument("bad port in target '" + spec + "'");
  if (name.empty()) name = hp;
  return std::make_unique<HostPortTarget>(name, Endpoint{host, p});
}

bool Probe::Advertises(const std::string& keyword) const {
  // The capture sink's rule for its own EHLO keywords: first word, case-insensitive.
  sink::Behaviour keywords;
  keywords.ehlo_keywords = ehlo;
  return keywords.Advertises(keyword);
}

Probe ProbeTarget(const Endpoint& ep, const std::string& source_ip, int timeout_ms,
                  const std::string& helo) {
  Probe p;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  Connection c;
  p.error = c.Open(source_ip, ep.host, ep.port, deadline);
  if (!p.error.empty()) return p;
  reply::Reply r;
  if (c.ReadReply(deadline, &r) != ReadStatus::kReply) {
    p.error = "no greeting";
    return p;
  }
  p.banner = std::to_string(r.code) + (r.lines.empty() ? "" : " " + r.lines[0]);
  if (r.code / 100 != 2) {
    p.error = "greeting " + p.banner;
    return p;
  }
  if (!c.Send("EHLO " + helo + "\r\n", deadline).empty() ||
      c.ReadReply(deadline, &r) != ReadStatus::kReply) {
    p.error = "no reply to EHLO";
    return p;
  }
  // RFC 5321 4.1.1.1: the first line is the domain, the others are keywords.
  if (r.code == 250)
    for (std::size_t i = 1; i < r.lines.size(); ++i) p.ehlo.push_back(r.lines[i]);
  c.Send("QUIT\r\n", deadline);
  c.ReadReply(deadline, &r);
  return p;
}

}  // namespace mta::runner
