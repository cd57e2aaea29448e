// settings.h: everything refmta's servers need to know, with one field per disputed
// behaviour (a "switch"), and the presets ("profiles") that set them together.
//
// Every switch defaults to the strict reading of RFC 5321 and its extensions; the `qmail`
// profile reproduces qmail 1.03's stance on each point (disputed-points.md, sections A-K).
// The config file syntax, the key table and the documentation are in config_file.h.
//
//   Settings s;                         // strict defaults
//   ApplyProfile(Profile::kQmail, &s);  // s.bare_lf == BareLfPolicy::kClose, ...
#ifndef MTA_CONFIG_SETTINGS_H_
#define MTA_CONFIG_SETTINGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/config/cidr.h"
#include "mta/lib/smtp/leniency.h"

namespace mta::config {

enum class Profile { kStrict, kQmail, kHardened, kInterop };

enum class MailboxFormat { kMaildir, kMbox };
struct User {
  std::string name;  // local part, matched case-insensitively
  MailboxFormat format = MailboxFormat::kMaildir;
};

// --- Switches (disputed points). The first enumerator is the strict default. ---
// D1: reject an unknown local recipient at RCPT (550 5.1.1) or accept and bounce later.
enum class UnknownRecipient { kReject, kAccept };
// B1: bare LF in DATA. kReject: refuse the message after the end of data (550 5.6.0);
// kNormalize: store as CRLF; kAccept: store as is; kClose: qmail, 451 and close at once.
// In every mode only <CRLF>.<CRLF> ends the data (RFC 5321 4.1.1.4).
enum class BareLfPolicy { kReject, kNormalize, kAccept, kClose };
// B3: bare CR in DATA (same meanings; no close mode).
enum class BareCrPolicy { kReject, kNormalize, kAccept };
// B2: would-be end-of-data sequences (<LF>.<LF>, <CR>.<CR>, ...) found inside the data.
enum class EodVariants { kReject, kAccept };
// B5: NUL octets in DATA.
enum class NulPolicy { kAccept, kReject };
// A3: HELO/EHLO argument syntax.
enum class HeloSyntax { kStrict, kAny };
// A8: MAIL inside an open transaction.
enum class NestedMail { kReject, kReset };
// A7: unrecognised MAIL/RCPT parameters (and parameters of extensions not advertised).
enum class UnknownParam { kReject, kIgnore };
// A10: VRFY / EXPN. kCannot: 252 without disclosure (RFC 5321 7.3); kDisabled: 502;
// kDisclose: 250 / 550 from the recipient lookup.
enum class VerifyPolicy { kCannot, kDisabled, kDisclose };
// C2: bytes received before the greeting.
enum class EarlyTalker { kIgnore, kReject };
// C3: SIZE. kAdvertise: "SIZE n" in EHLO, 552 at MAIL (RFC 1870); kLate: no keyword,
// SIZE= is an unknown parameter, 552 only after the data (qmail databytes).
enum class SizePolicy { kAdvertise, kLate };
// C9 / qmail: reply texts (RFC 2034 enhanced codes when advertised) or qmail's texts with
// an "(#C.S.D)" HCMSSC suffix.
enum class ReplyStyle { kRfc, kQmail };
// H1: the Received line this server prepends.
enum class ReceivedStyle { kRfc5321, kQmail };
// F1: what counts as a hop. kReceived: fields named Received; kQmail: every field whose
// name starts with "received" or "delivered" (qmail-smtpd blast()).
enum class HopCount { kReceived, kQmailPrefix };
// I3: reply code sent on an idle timeout.
enum class TimeoutCode { k421, k451 };

// --- Sending side (queue, notifications, SMTP client). First enumerator = strict default. ---
// E1: failure notifications as RFC 3464 multipart/report, or qmail-send's QSBMF.
enum class BounceFormat { kRfc3464, kQsbmf };
// E3/E4: a failed message whose sender is <>: report to the postmaster (from the
// double-bounce sender), discard it, or report to the postmaster from "#@[]" (qmail-send).
enum class DoubleBouncePolicy { kPostmaster, kDiscard, kQmail };
// I1: retry schedule: the interval table (retry_intervals) or qmail-send's squares.
enum class RetryPolicyKind { kTable, kQmail };
// C6: the SMTP client opens with EHLO (HELO after a 5xx), or HELO only (qmail-remote).
enum class ClientGreeting { kEhlo, kHelo };
// C5: 8-bit message, peer without 8BITMIME: convert to 7-bit, bounce 5.6.3, or send as is.
enum class EightBitRelay { kDowngrade, kBounce, kRaw };
// C12: STARTTLS as a client.
enum class TlsClient { kOpportunistic, kOff, kRequired };

// EHLO keywords governed by the `advertise` list (PIPELINING and SIZE have their own keys).
struct Advertise {
  bool eightbitmime = true;          // RFC 6152
  bool enhancedstatuscodes = true;   // RFC 2034
  bool smtputf8 = true;              // RFC 6531
  bool chunking = true;              // RFC 3030
  bool binarymime = true;            // RFC 3030 (needs chunking)
  bool dsn = true;                   // RFC 3461
  bool starttls = true;              // RFC 3207 (only when a certificate is configured)
  bool help = true;                  // RFC 5321 4.1.1.8 (HELP is not a required command)
  friend bool operator==(const Advertise&, const Advertise&) = default;
};

struct Settings {
  Profile profile = Profile::kStrict;

  // Identity.
  std::string hostname = "localhost";  // qmail's "me"; used in banner, Received, replies
  std::string greeting = "ESMTP";      // banner text after the host name
  std::vector<std::string> local_domains;
  std::vector<User> users;
  std::map<std::string, std::string> aliases;  // local part -> target address
  std::string alias_file;                      // optional, read by the server front
  std::string extension_separator = "-";       // user-ext@domain -> user; "" disables

  // Relay policy.
  std::vector<Cidr> trusted_networks;
  std::vector<std::string> relay_domains;
  std::string smarthost;  // "host:port", "" = deliver by MX; the default route (see below)
  // Per-domain SMTP routes, qmail's control/smtproutes: "domain=host[:port]" (that domain
  // only), ".domain=host[:port]" (its subdomains), "=host[:port]" (every other domain, like
  // smarthost; it takes precedence over smarthost). An empty host ("domain=") means MX
  // lookup as usual. Looked up as qmail-remote does: the domain itself, then each
  // ".suffix" from the longest, then the default; before any MX lookup. host: an IP or a
  // name whose A records are looked up through dns_server. Port 25 by default.
  std::vector<std::string> smtp_routes;
  // QMTP routes for the remote channel: "domain=host:port" (port 209 by default); a
  // listed domain is delivered by QMTP instead of SMTP.
  std::vector<std::string> qmtp_routes;

  std::vector<std::string> listen = {"0.0.0.0:25", "[::]:25"};
  std::vector<std::string> qmtp_listen;  // QMTP listeners (ip:port, usually 209); none = off
  std::vector<std::string> qmqp_listen;  // QMQP listeners (ip:port, usually 628); none = off
  std::vector<Cidr> qmqp_clients;        // who may submit by QMQP (it relays anywhere)
  std::string queue_dir = "/var/spool/refmta";

  // Limits.
  std::uint64_t command_line_max = 2048;  // octets incl. CRLF; >= 512 (RFC 5321 4.5.3.1.4)
  std::uint64_t text_line_max = 998;      // reported above this (RFC 5321 4.5.3.1.6)
  std::uint64_t message_size_max = 10485760;  // SIZE value; >= 65536 (RFC 5321 4.5.3.1.7)
  std::uint64_t max_recipients = 100;     // >= 100 (RFC 5321 4.5.3.1.8); 452 beyond
  std::uint64_t connections_max = 100;
  std::uint64_t connections_per_client = 10;
  std::uint64_t idle_timeout = 300;       // seconds; >= 300 (RFC 5321 4.5.3.2.7)
  std::uint64_t close_on_errors = 20;     // 421 and close after this many 5xx; 0 = never

  // TLS: off unless both paths are set.
  std::string tls_cert;
  std::string tls_key;

  // Process users.
  std::string smtpd_user = "refmta-smtpd";
  std::string queue_user = "refmta-queue";
  std::string mail_user = "refmta-mail";
  std::string remote_user = "refmta-remote";  // SMTP client process: no queue, no mailboxes

  // Sending side.
  std::string dns_server;  // "IP[:PORT]" for MX lookups; "" = the system's resolv.conf
  BounceFormat bounce_format = BounceFormat::kRfc3464;
  DoubleBouncePolicy double_bounce = DoubleBouncePolicy::kPostmaster;
  std::uint64_t bounce_size_limit = 100000;  // octets of the original returned; 0 = all
  bool delay_warnings = true;                // RFC 3461 5.2.5: optional "delayed" DSNs
  std::uint64_t delay_warning_time = 14400;  // seconds after arrival
  bool bounce_auto_submitted = true;         // RFC 3834 5
  RetryPolicyKind retry_policy = RetryPolicyKind::kTable;
  std::string retry_intervals = "30m, 1h, 2h, 3h";  // RFC 5321 4.5.4.1: >= 30 min
  std::uint64_t queue_lifetime = 432000;     // give-up time, seconds (RFC 5321 4.5.4.1: 4-5 d)
  std::uint64_t concurrency_remote = 100;    // remote transactions in flight
  std::uint64_t concurrency_per_destination = 20;  // ... to one domain
  std::uint64_t recipients_per_transaction = 100;  // RFC 5321 4.5.4.1 one copy; qmail 1
  ClientGreeting smtp_client_greeting = ClientGreeting::kEhlo;
  EightBitRelay eight_bit_relay = EightBitRelay::kDowngrade;
  TlsClient tls_client = TlsClient::kOpportunistic;
  bool remote_ipv6 = true;  // RFC 5321 5.1: AAAA after A for each MX (and the implicit MX)

  // Switches.
  UnknownRecipient unknown_recipient = UnknownRecipient::kReject;
  BareLfPolicy bare_lf = BareLfPolicy::kReject;
  BareCrPolicy bare_cr = BareCrPolicy::kReject;
  EodVariants eod_variants = EodVariants::kReject;
  NulPolicy nul_in_data = NulPolicy::kAccept;
  int unknown_command_code = 500;  // 500 | 502
  smtp::LeniencySet path_leniencies;  // command-line leniencies (lf-line-end included)
  bool helo_required = true;
  HeloSyntax helo_syntax = HeloSyntax::kStrict;
  NestedMail nested_mail = NestedMail::kReject;
  UnknownParam unknown_esmtp_param = UnknownParam::kReject;
  std::uint64_t hop_limit = 100;  // reject when more hops than this are counted
  HopCount hop_count = HopCount::kReceived;
  bool delivered_to_check = true;
  bool return_path_remove = true;  // RFC 5321 4.4: final delivery drops existing Return-Path
  VerifyPolicy vrfy = VerifyPolicy::kCannot;
  VerifyPolicy expn = VerifyPolicy::kCannot;
  bool postmaster_unqualified = true;  // accept RCPT TO:<Postmaster>
  bool domain_literal_self = true;     // user@[our-IP] is local
  int relay_denied_code = 550;         // 550 | 553 | 454
  EarlyTalker early_talker = EarlyTalker::kIgnore;
  bool pipelining = true;
  SizePolicy size = SizePolicy::kAdvertise;
  Advertise advertise;
  ReplyStyle reply_style = ReplyStyle::kRfc;
  ReceivedStyle received_style = ReceivedStyle::kRfc5321;
  TimeoutCode timeout_code = TimeoutCode::k421;

  bool tls_configured() const { return !tls_cert.empty() && !tls_key.empty(); }
};

// Profile names: "strict", "qmail", "hardened", "interop".
std::string_view ProfileName(Profile p);
std::optional<Profile> ParseProfile(std::string_view name);

// Sets every switch to the profile's value (identity, users, limits other than switches
// and paths are kept) and records the profile in s->profile.
//   strict:   the defaults above (strict RFC 5321 reading).
//   qmail:    qmail 1.03's stance on every point.
//   hardened: strict plus: early talkers refused, NUL refused, 10 errors close, no VRFY
//             disclosure; unknown recipients refused (no backscatter).
//   interop:  strict grammar relaxed the way Postfix's defaults are (bare LF normalised,
//             bare CR normalised, lenient paths), never changing end-of-data detection.
void ApplyProfile(Profile p, Settings* s);
Settings ProfileSettings(Profile p);  // ApplyProfile on a default Settings

// "30m, 1h, 2h, 3h" (s/m/h/d suffixes; plain numbers are seconds) -> seconds; false on a
// syntax error, an empty list or a zero interval.
bool ParseDurationList(std::string_view text, std::vector<std::int64_t>* out);
// One smtp_routes entry: "domain=host[:port]", ".domain=host[:port]", "=host[:port]" or
// "domain=" (MX lookup); false with *why otherwise.
bool ValidSmtpRoute(std::string_view item, std::string* why);
// "host", "host:port", "[v6]:port" or a bare IPv6 address; false on a bad port or form.
bool ParseHostPort(std::string_view text, std::string* host, std::uint16_t* port,
                   std::uint16_t default_port);

}  // namespace mta::config

#endif  // MTA_CONFIG_SETTINGS_H_
