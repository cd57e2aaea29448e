// policy.h: what a QMTP / QMQP server session asks about senders and recipients.
//
// QMTP (https://cr.yp.to/proto/qmtp.txt) answers each recipient on its own ("K", "Z" or
// "D"); QMQP (https://cr.yp.to/proto/qmqp.html) answers the whole message once. Either
// way the session asks a Policy: nullopt accepts, a Response refuses with that text.
// RelayPolicy applies the same relay rules as the SMTP session (RFC 5321 7.9): a recipient
// in a local domain is accepted; any other only from a trusted client or for a relay
// domain; otherwise qmail-qmtpd's
//   "Dsorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)".
//
//   RelayPolicy p({.is_local_domain = [](std::string_view d) { return d == "local.test"; }});
//   p.CheckRecipient("", "u@local.test") == std::nullopt
//   p.CheckRecipient("", "u@remote.test")->status == ResponseStatus::kPermanent
#ifndef MTA_LIB_QMTP_POLICY_H_
#define MTA_LIB_QMTP_POLICY_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/netstring/response.h"

namespace mta::qmtp {

using netstring::Response;
using netstring::ResponseStatus;

class Policy {
 public:
  virtual ~Policy() = default;
  // The envelope sender ("" = the null sender). nullopt: acceptable; else every recipient
  // of the package (QMTP) or the message (QMQP) gets this response.
  virtual std::optional<Response> CheckSender(std::string_view sender);
  // One recipient, exactly as sent. nullopt: accepted (the message is stored for it).
  virtual std::optional<Response> CheckRecipient(std::string_view sender,
                                                 std::string_view recipient) = 0;
};

// Accepts every sender and recipient: qmail-qmqpd "will relay messages to any destination"
// (use it only for preauthorized clients, e.g. the integrator's qmqp_clients).
class AcceptAllPolicy : public Policy {
 public:
  std::optional<Response> CheckRecipient(std::string_view, std::string_view) override {
    return std::nullopt;
  }
};

struct RelayRules {
  // True when `domain` (the part after the last '@', as sent) is one of ours. Null: none.
  std::function<bool(std::string_view domain)> is_local_domain;
  // For a local domain: false when the address is known not to exist (unknown_recipient =
  // reject). Null: every local address is accepted.
  std::function<bool(std::string_view address)> is_known_local;
  // Domains we relay for; ".example.test" matches every subdomain (case-insensitive).
  std::vector<std::string> relay_domains;
  // The client is in trusted_networks: it may relay anywhere.
  bool client_trusted = false;
  // Refuse relaying with "Z" (as SMTP 454) instead of "D" (550 / 553).
  bool relay_denied_temporary = false;
};

class RelayPolicy : public Policy {
 public:
  explicit RelayPolicy(RelayRules rules) : rules_(std::move(rules)) {}
  std::optional<Response> CheckRecipient(std::string_view sender,
                                         std::string_view recipient) override;

 private:
  RelayRules rules_;
};

// "example.test" matches the entry "example.test"; ".example.test" matches its subdomains.
bool DomainListMatches(std::string_view domain, const std::vector<std::string>& list);

}  // namespace mta::qmtp

#endif  // MTA_LIB_QMTP_POLICY_H_
