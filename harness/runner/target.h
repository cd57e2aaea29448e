// target.h: what the runner tests. A Target can be started and stopped, has an SMTP
// address, script variables (local domain, users, sink domain) and optional facilities
// ("sink": its outbound mail reaches a harness sink; "mailbox": its deliveries can be
// read). HostPortTarget is any SMTP server as a black box: no facilities, so cases that
// need one are UNSUPPORTED. Managed targets (refmta, postfix, exim, opensmtpd through
// harness/targets/peers) implement the same interface.
//
//   auto t = ParseTargetSpec("postfix=127.0.0.11:2525");  // or "127.0.0.11:2525"
//   t->Start();  Probe p = ProbeTarget(t->address(), "127.0.0.2", 5000);
#ifndef MTA_HARNESS_RUNNER_TARGET_H_
#define MTA_HARNESS_RUNNER_TARGET_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/runner/engine.h"

namespace mta::runner {

class Target {
 public:
  virtual ~Target() = default;
  virtual std::string name() const = 0;
  // Brings the target up (managed targets); throws std::runtime_error on failure.
  virtual void Start() {}
  virtual void Stop() {}
  virtual Endpoint address() const = 0;
  virtual std::string version() const { return ""; }
  // Script variables: DefaultVariables() overridden by the target's own.
  virtual std::map<std::string, std::string> variables() const;
  virtual bool HasFacility(const std::string& facility) const;
  // Messages delivered to `user` (raw octets), when HasFacility("mailbox").
  virtual std::optional<std::vector<std::string>> ReadMailbox(const std::string& user);
  // True when the target will do nothing more, within the longest observation window,
  // for messages holding `token` (see EngineOptions::settled). False: unknown.
  virtual bool Settled(const std::string& /*token*/) { return false; }
};

class HostPortTarget : public Target {
 public:
  HostPortTarget(std::string name, Endpoint ep) : name_(std::move(name)), ep_(std::move(ep)) {}
  std::string name() const override { return name_; }
  Endpoint address() const override { return ep_; }
  std::map<std::string, std::string> variables() const override;
  void SetVariable(const std::string& k, const std::string& v) { overrides_[k] = v; }

 private:
  std::string name_;
  Endpoint ep_;
  std::map<std::string, std::string> overrides_;
};

// "HOST:PORT", "NAME=HOST:PORT", "[v6]:PORT". Throws std::invalid_argument.
std::unique_ptr<HostPortTarget> ParseTargetSpec(const std::string& spec);

struct Probe {
  std::string error;                  // empty when the target answered
  std::string banner;                 // greeting text (first line)
  std::vector<std::string> ehlo;      // EHLO keywords with parameters ("SIZE 10240000")
  bool Advertises(const std::string& keyword) const;  // case-insensitive, first word
};

// Connects from source, reads the greeting, sends EHLO and QUIT.
Probe ProbeTarget(const Endpoint& ep, const std::string& source_ip, int timeout_ms,
                  const std::string& helo = "harness.test");

}  // namespace mta::runner

#endif  // MTA_HARNESS_RUNNER_TARGET_H_
