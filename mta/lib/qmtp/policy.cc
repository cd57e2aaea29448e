// policy.cc: the relay rules of the SMTP session (RFC 5321 7.9) for QMTP / QMQP recipients.
//
//   DomainListMatches("a.example.test", {".example.test"}) == true
#include "mta/lib/qmtp/policy.h"

namespace mta::qmtp {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

std::optional<Response> Policy::CheckSender(std::string_view) { return std::nullopt; }

bool DomainListMatches(std::string_view domain, const std::vector<std::string>& list) {
  std::string d = Lower(domain);
  for (const std::string& entry : list) {
    std::string e = Lower(entry);
    if (!e.empty() && e == d) return true;
    if (e.size() > 1 && e[0] == '.' && d.size() > e.size() &&
        d.compare(d.size() - e.size(), e.size(), e) == 0)
      return true;
  }
  return false;
}

std::optional<Response> RelayPolicy::CheckRecipient(std::string_view,
                                                    std::string_view recipient) {
  std::size_t at = recipient.rfind('@');
  std::string_view domain = at == std::string_view::npos ? std::string_view() : recipient.substr(at + 1);
  if (rules_.is_local_domain && rules_.is_local_domain(domain)) {
    if (rules_.is_known_local && !rules_.is_known_local(recipient))
      return Response{ResponseStatus::kPermanent, "sorry, no mailbox here by that name (#5.1.1)"};
    return std::nullopt;
  }
  // RFC 5321 7.9: relay only for trusted clients or configured relay domains (G1).
  if (rules_.client_trusted || DomainListMatches(domain, rules_.relay_domains))
    return std::nullopt;
  if (rules_.relay_denied_temporary)
    return Response{ResponseStatus::kTemporary,
                    "sorry, that domain isn't in my list of allowed rcpthosts (#4.7.1)"};
  return Response{ResponseStatus::kPermanent,
                  "sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"};
}

}  // namespace mta::qmtp
