// sending_keys.cc: the sending-side keys of the settings table: notifications (RFC 3464 /
// QSBMF, RFC 3461, RFC 3834), retries (RFC 5321 4.5.4.1), the SMTP client (RFC 5321 4.1.1.1,
// RFC 6152, RFC 3207), routes (qmtp_routes; smtp_routes: qmail's smtproutes, RFC 5321 5.1)
// and the remote-delivery process.
//
//   bounce_format = qsbmf      retry_intervals = 30m, 1h, 2h, 3h      tls_client = required
//   smtp_routes = example.org=192.0.2.1:2525, .example.org=relay.example.net, =192.0.2.9
#include <arpa/inet.h>

#include <string>

#include "mta/config/key_builders.h"

namespace mta::config {

bool ParseDurationList(std::string_view text, std::vector<std::int64_t>* out) {
  std::vector<std::int64_t> v;
  for (const std::string& item : keys::SplitList(text)) {
    std::string_view d = item;
    std::int64_t mult = 1;
    switch (d.back()) {
      case 's': mult = 1; d.remove_suffix(1); break;
      case 'm': mult = 60; d.remove_suffix(1); break;
      case 'h': mult = 3600; d.remove_suffix(1); break;
      case 'd': mult = 86400; d.remove_suffix(1); break;
      default: break;
    }
    std::uint64_t n;
    if (!keys::ParseUint(d, &n) || n == 0 || n > 365ull * 86400) return false;
    v.push_back(static_cast<std::int64_t>(n) * mult);
  }
  if (v.empty()) return false;
  *out = std::move(v);
  return true;
}

bool ParseHostPort(std::string_view text, std::string* host, std::uint16_t* port,
                   std::uint16_t default_port) {
  std::string_view h = text;
  std::string_view p;
  if (!h.empty() && h.front() == '[') {
    auto close = h.find(']');
    if (close == std::string_view::npos) return false;
    p = h.substr(close + 1);
    h = h.substr(1, close - 1);
    if (!p.empty()) {
      if (p.front() != ':') return false;
      p.remove_prefix(1);
    }
  } else if (h.find(':') != h.rfind(':')) {
    // A bare IPv6 address: no port.
  } else if (auto colon = h.find(':'); colon != std::string_view::npos) {
    p = h.substr(colon + 1);
    h = h.substr(0, colon);
  }
  if (h.empty() || h.find_first_of(" \t,") != std::string_view::npos) return false;
  std::uint16_t pn = default_port;
  if (!p.empty()) {
    std::uint64_t n;
    if (!keys::ParseUint(p, &n) || n == 0 || n > 65535) return false;
    pn = static_cast<std::uint16_t>(n);
  }
  *host = std::string(h);
  *port = pn;
  return true;
}

bool ValidSmtpRoute(std::string_view item, std::string* why) {
  auto eq = item.find('=');
  if (eq == std::string_view::npos) {
    *why = "domain=host[:port], .domain=host[:port] or =host[:port]";
    return false;
  }
  std::string_view domain = item.substr(0, eq), relay = item.substr(eq + 1);
  std::string_view bare = domain;
  if (!bare.empty() && bare.front() == '.') bare.remove_prefix(1);
  if (!domain.empty() &&
      (bare.empty() || bare.find_first_of(" \t=:[]@") != std::string_view::npos ||
       bare.front() == '.' || bare.back() == '.' || bare.find("..") != std::string_view::npos)) {
    *why = "bad domain '" + std::string(domain) + "'";
    return false;
  }
  if (relay.empty()) {
    if (domain.empty()) {
      *why = "a default route needs a host";
      return false;
    }
    return true;  // qmail: an empty relay means MX lookup as usual
  }
  std::string host;
  std::uint16_t port;
  unsigned char v6[16];
  if (!ParseHostPort(relay, &host, &port, 25) ||
      (host.find(':') != std::string::npos && inet_pton(AF_INET6, host.c_str(), v6) != 1)) {
    *why = "bad host[:port] '" + std::string(relay) + "'";
    return false;
  }
  return true;
}

namespace keys {

namespace {

bool IsIpLiteral(const std::string& h) {
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

}  // namespace

void AddSendingKeys(std::vector<KeyDescriptor>* t) {
  const std::string_view kQ = "Queue and retries";
  t->push_back(EnumKey<RetryPolicyKind>(
      "retry_policy", kQ, &Settings::retry_policy,
      {{"table", RetryPolicyKind::kTable}, {"qmail", RetryPolicyKind::kQmail}},
      "RFC 5321 4.5.4.1", "I1 retry-schedule",
      "table: waits from retry_intervals; qmail: qmail-send's squares (400 s, 1600 s, ...)"));
  {
    KeyDescriptor d{"retry_intervals", kQ, KeyType::kString, {}, "RFC 5321 4.5.4.1",
                    "I1 retry-schedule",
                    "table policy: wait after the 1st, 2nd, ... failure (s/m/h/d); the last repeats",
                    {}, {}};
    d.set = [](Settings* s, std::string_view v, std::string* err) {
      std::vector<std::int64_t> out;
      if (!ParseDurationList(v, &out)) {
        *err = "bad retry_intervals '" + std::string(v) + "' (e.g. 30m, 1h, 2h, 3h)";
        return false;
      }
      s->retry_intervals = JoinList(SplitList(v));
      return true;
    };
    d.get = [](const Settings& s) { return s.retry_intervals; };
    t->push_back(std::move(d));
  }
  t->push_back(IntKey("queue_lifetime", kQ, &Settings::queue_lifetime, "RFC 5321 4.5.4.1",
                      "I1 retry-schedule",
                      "seconds after arrival before a temporary failure becomes final (4.4.7)"));
  t->push_back(IntKey("concurrency_remote", kQ, &Settings::concurrency_remote, "", "",
                      "remote SMTP transactions in flight at once (qmail concurrencyremote)"));
  t->push_back(IntKey("concurrency_per_destination", kQ, &Settings::concurrency_per_destination,
                      "RFC 5321 4.5.4.1", "",
                      "remote transactions in flight to one destination domain"));
  t->push_back(IntKey("recipients_per_transaction", kQ, &Settings::recipients_per_transaction,
                      "RFC 5321 4.5.4.1, 4.5.3.1.8", "I6 single-copy-multi-rcpt",
                      "recipients of one message sent to one domain in one transaction"));

  const std::string_view kB = "Notifications (bounces)";
  t->push_back(EnumKey<BounceFormat>(
      "bounce_format", kB, &Settings::bounce_format,
      {{"rfc3464", BounceFormat::kRfc3464}, {"qsbmf", BounceFormat::kQsbmf}},
      "RFC 3464, RFC 6522", "E1 bounce-format",
      "failure notices: multipart/report DSN, or qmail's QSBMF (delay/success stay RFC 3464)"));
  t->push_back(EnumKey<DoubleBouncePolicy>(
      "double_bounce", kB, &Settings::double_bounce,
      {{"postmaster", DoubleBouncePolicy::kPostmaster},
       {"discard", DoubleBouncePolicy::kDiscard},
       {"qmail", DoubleBouncePolicy::kQmail}},
      "RFC 5321 4.5.5, 6.1", "E3 double-bounce-policy",
      "failure of a message from <>: to the postmaster, dropped, or to the postmaster from #@[]"));
  t->push_back(IntKey("bounce_size_limit", kB, &Settings::bounce_size_limit, "RFC 3461 6.2",
                      "E6 returned-content",
                      "larger originals are returned as headers only; 0 = no cap"));
  t->push_back(BoolKey("delay_warnings", kB, &Settings::delay_warnings, "RFC 3461 5.2.5",
                       "E7 delay-warnings",
                       "one 'delayed' DSN per recipient when NOTIFY is absent (NOTIFY=DELAY always "
                       "honoured; NOTIFY without DELAY never)"));
  t->push_back(IntKey("delay_warning_time", kB, &Settings::delay_warning_time,
                      "RFC 3461 5.2.5", "E7 delay-warnings",
                      "seconds after arrival before a still-pending recipient's delay warning"));
  t->push_back(BoolKey("bounce_auto_submitted", kB, &Settings::bounce_auto_submitted,
                       "RFC 3834 5", "E5 auto-submitted",
                       "notifications carry 'Auto-Submitted: auto-replied'"));

  const std::string_view kC = "SMTP client (remote delivery)";
  t->push_back(EnumKey<ClientGreeting>(
      "smtp_client_greeting", kC, &Settings::smtp_client_greeting,
      {{"ehlo", ClientGreeting::kEhlo}, {"helo", ClientGreeting::kHelo}},
      "RFC 5321 4.1.1.1, 3.2", "C6 client-ehlo",
      "ehlo: EHLO, HELO after a 5xx; helo: HELO only, no extensions used"));
  t->push_back(EnumKey<EightBitRelay>(
      "eight_bit_relay", kC, &Settings::eight_bit_relay,
      {{"downgrade", EightBitRelay::kDowngrade}, {"bounce", EightBitRelay::kBounce},
       {"raw", EightBitRelay::kRaw}},
      "RFC 6152 3", "C5 8bitmime-relay-downgrade",
      "8-bit message to a peer without 8BITMIME: to quoted-printable, fail 5.6.3, or send as is"));
  t->push_back(BoolKey("remote_ipv6", kC, &Settings::remote_ipv6, "RFC 5321 5.1",
                       "J7 ipv6-aaaa",
                       "look up AAAA as well as A for each mail exchanger and try those addresses "
                       "after the IPv4 ones"));
  t->push_back(EnumKey<TlsClient>(
      "tls_client", kC, &Settings::tls_client,
      {{"off", TlsClient::kOff}, {"opportunistic", TlsClient::kOpportunistic},
       {"required", TlsClient::kRequired}},
      "RFC 3207", "C12 starttls",
      "STARTTLS: never, when offered, or required (else 4.7.0 and the next MX)"));
  {
    KeyDescriptor d{"dns_server", kC, KeyType::kString, {}, "RFC 1035", "",
                    "IP[:PORT] of the resolver used for MX lookups; empty = resolv.conf", {}, {}};
    d.set = [](Settings* s, std::string_view v, std::string* err) {
      std::string host;
      std::uint16_t port;
      if (!v.empty() && (!ParseHostPort(v, &host, &port, 53) || !IsIpLiteral(host))) {
        *err = "bad dns_server '" + std::string(v) + "' (IP[:PORT] or [IPv6]:PORT)";
        return false;
      }
      s->dns_server = std::string(v);
      return true;
    };
    d.get = [](const Settings& s) { return s.dns_server; };
    t->push_back(std::move(d));
  }
  {
    KeyDescriptor d{"qmtp_routes", kC, KeyType::kList, {}, "", "",
                    "domain=host[:port] pairs delivered by QMTP (port 209) instead of SMTP",
                    {}, {}};
    d.set = [](Settings* s, std::string_view v, std::string* err) {
      std::vector<std::string> items = SplitList(v);
      for (const std::string& item : items) {
        auto eq = item.find('=');
        std::string host;
        std::uint16_t port;
        if (eq == std::string::npos || eq == 0 ||
            !ParseHostPort(std::string_view(item).substr(eq + 1), &host, &port, 209)) {
          *err = "bad qmtp_routes entry '" + item + "' (domain=host[:port])";
          return false;
        }
      }
      s->qmtp_routes = std::move(items);
      return true;
    };
    d.get = [](const Settings& s) { return JoinList(s.qmtp_routes); };
    t->push_back(std::move(d));
  }
  {
    KeyDescriptor d{"smtp_routes", kC, KeyType::kList, {}, "RFC 5321 5.1", "",
                    "qmail smtproutes: domain=host[:port], .domain=host (subdomains), "
                    "=host (default, over smarthost); empty host = MX lookup",
                    {}, {}};
    d.set = [](Settings* s, std::string_view v, std::string* err) {
      std::vector<std::string> items = SplitList(v);
      for (const std::string& item : items) {
        std::string why;
        if (!ValidSmtpRoute(item, &why)) {
          *err = "bad smtp_routes entry '" + item + "' (" + why + ")";
          return false;
        }
      }
      s->smtp_routes = std::move(items);
      return true;
    };
    d.get = [](const Settings& s) { return JoinList(s.smtp_routes); };
    t->push_back(std::move(d));
  }
  t->push_back(StringKey("remote_user", kC, &Settings::remote_user,
                         "uid of the remote-delivery process (no queue, no mailbox access)"));
}

}  // namespace keys
}  // namespace mta::config
