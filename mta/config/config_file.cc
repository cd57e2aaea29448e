// config_file.cc: key table, parser, formatter, Markdown reference and validation.
#include "mta/config/config_file.h"

#include "mta/config/key_builders.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace mta::config {
namespace keys {

using smtp::Leniency;
using smtp::LeniencySet;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string> SplitList(std::string_view v) {
  std::vector<std::string> out;
  v = Trim(v);
  if (v.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t comma = v.find(',', start);
    std::string_view item = Trim(v.substr(start, comma == std::string_view::npos
                                                      ? std::string_view::npos
                                                      : comma - start));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    out += v[i];
  }
  return out;
}

bool ParseUint(std::string_view v, std::uint64_t* out) {
  if (v.empty() || v.size() > 19) return false;
  std::uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *out = n;
  return true;
}

bool ParseBool(std::string_view v, bool* out) {
  if (v == "on" || v == "yes" || v == "true") { *out = true; return true; }
  if (v == "off" || v == "no" || v == "false") { *out = false; return true; }
  return false;
}

KeyDescriptor IntChoiceKey(std::string_view name, std::string_view group, int Settings::*m,
                           std::vector<std::string_view> choices, std::string_view rfc,
                           std::string_view slug, std::string_view doc) {
  std::vector<std::pair<std::string_view, int>> map;
  for (auto c : choices) map.emplace_back(c, std::stoi(std::string(c)));
  return EnumKey<int>(name, group, m, map, rfc, slug, doc);
}

KeyDescriptor StringKey(std::string_view name, std::string_view group,
                        std::string Settings::*m, std::string_view doc) {
  KeyDescriptor d{name, group, KeyType::kString, {}, "", "", doc, {}, {}};
  d.set = [m](Settings* s, std::string_view v, std::string* err) {
    if (v.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos) {
      *err = "control character in value";
      return false;
    }
    s->*m = std::string(v);
    return true;
  };
  d.get = [m](const Settings& s) { return s.*m; };
  return d;
}

KeyDescriptor IntKey(std::string_view name, std::string_view group,
                     std::uint64_t Settings::*m, std::string_view rfc, std::string_view slug,
                     std::string_view doc) {
  KeyDescriptor d{name, group, KeyType::kInt, {}, rfc, slug, doc, {}, {}};
  d.set = [m, name](Settings* s, std::string_view v, std::string* err) {
    std::uint64_t n;
    if (!ParseUint(v, &n)) {
      *err = "bad number '" + std::string(v) + "' for " + std::string(name);
      return false;
    }
    s->*m = n;
    return true;
  };
  d.get = [m](const Settings& s) { return std::to_string(s.*m); };
  return d;
}

KeyDescriptor BoolKey(std::string_view name, std::string_view group, bool Settings::*m,
                      std::string_view rfc, std::string_view slug, std::string_view doc) {
  KeyDescriptor d{name, group, KeyType::kBool, {"on", "off"}, rfc, slug, doc, {}, {}};
  d.set = [m, name](Settings* s, std::string_view v, std::string* err) {
    bool b;
    if (!ParseBool(v, &b)) {
      *err = "bad value '" + std::string(v) + "' for " + std::string(name) + " (on|off)";
      return false;
    }
    s->*m = b;
    return true;
  };
  d.get = [m](const Settings& s) { return std::string(s.*m ? "on" : "off"); };
  return d;
}

KeyDescriptor ListKey(std::string_view name, std::string_view group,
                      std::vector<std::string> Settings::*m, std::string_view doc) {
  KeyDescriptor d{name, group, KeyType::kList, {}, "", "", doc, {}, {}};
  d.set = [m](Settings* s, std::string_view v, std::string*) {
    s->*m = SplitList(v);
    return true;
  };
  d.get = [m](const Settings& s) { return JoinList(s.*m); };
  return d;
}

namespace {

// A list of networks (CIDR, IPv4 or IPv6).
KeyDescriptor CidrListKey(std::string_view name, std::string_view group,
                          std::vector<Cidr> Settings::*m, std::string_view rfc,
                          std::string_view doc) {
  KeyDescriptor d{name, group, KeyType::kList, {}, rfc, "", doc, {}, {}};
  d.set = [m](Settings* s, std::string_view v, std::string* err) {
    std::vector<Cidr> nets;
    for (const std::string& item : SplitList(v)) {
      auto c = ParseCidr(item);
      if (!c) { *err = "bad network '" + item + "'"; return false; }
      nets.push_back(*c);
    }
    s->*m = std::move(nets);
    return true;
  };
  d.get = [m](const Settings& s) {
    std::vector<std::string> v;
    for (const Cidr& c : s.*m) v.push_back(FormatCidr(c));
    return JoinList(v);
  };
  return d;
}

}  // namespace

// The advertise list: name -> member of Advertise.
const std::vector<std::pair<std::string_view, bool Advertise::*>>& AdvertiseMembers() {
  static const std::vector<std::pair<std::string_view, bool Advertise::*>> k = {
      {"8bitmime", &Advertise::eightbitmime},
      {"enhancedstatuscodes", &Advertise::enhancedstatuscodes},
      {"smtputf8", &Advertise::smtputf8},
      {"chunking", &Advertise::chunking},
      {"binarymime", &Advertise::binarymime},
      {"dsn", &Advertise::dsn},
      {"starttls", &Advertise::starttls},
      {"help", &Advertise::help},
  };
  return k;
}

std::vector<KeyDescriptor> BuildTable() {
  std::vector<KeyDescriptor> t;
  // --- profile ---
  {
    KeyDescriptor d{"profile", "Profile", KeyType::kEnum,
                    {"strict", "qmail", "hardened", "interop"}, "", "",
                    "preset applied before every other key (strict = RFC 5321 reading)",
                    {}, {}};
    d.set = [](Settings* s, std::string_view v, std::string* err) {
      auto p = ParseProfile(v);
      if (!p) {
        *err = "bad value '" + std::string(v) + "' for profile (strict|qmail|hardened|interop)";
        return false;
      }
      ApplyProfile(*p, s);
      return true;
    };
    d.get = [](const Settings& s) { return std::string(ProfileName(s.profile)); };
    t.push_back(std::move(d));
  }
  // --- identity ---
  const std::string_view kId = "Identity and local mail";
  t.push_back(StringKey("hostname", kId, &Settings::hostname,
                        "this host's name (qmail's 'me'): banner, Received, HELO reply"));
  t.push_back(StringKey("greeting", kId, &Settings::greeting,
                        "banner text after the host name in the 220 greeting"));
  t.push_back(ListKey("local_domains", kId, &Settings::local_domains,
                      "domains delivered locally (the host name is always local)"));
  {
    KeyDescriptor d{"users", kId, KeyType::kList, {}, "", "",
                    "virtual users: name[:maildir|:mbox], maildir by default", {}, {}};
    d.set = [](Settings* s, std::string_view v, std::string* err) {
      std::vector<User> users;
      for (const std::string& item : SplitList(v)) {
        User u;
        std::string_view name = item;
        if (auto colon = name.find(':'); colon != std::string_view::npos) {
          std::string_view f = name.substr(colon + 1);
          name = Trim(name.substr(0, colon));
          if (f == "maildir") u.format = MailboxFormat::kMaildir;
          else if (f == "mbox") u.format = MailboxFormat::kMbox;
          else { *err = "bad mailbox format '" + std::string(f) + "' (maildir|mbox)"; return false; }
        }
        if (name.empty() || name.find_first_of(" \t@") != std::string_view::npos) {
          *err = "bad user name '" + std::string(name) + "'";
          return false;
        }
        u.name = std::string(name);
        users.push_back(std::move(u));
      }
      s->users = std::move(users);
      return true;
    };
    d.get = [](const Settings& s) {
      std::vector<std::string> v;
      for (const User& u : s.users)
        v.push_back(u.name + (u.format == MailboxFormat::kMbox ? ":mbox" : ""));
      return JoinList(v);
    };
    t.push_back(std::move(d));
  }
  {
    KeyDescriptor d{"aliases", kId, KeyType::kList, {}, "RFC 5321 4.5.1", "",
                    "inline aliases: local:target (postmaster should have one)", {}, {}};
    d.set = [](Settings* s, std::string_view v, std::string* err) {
      std::map<std::string, std::string> m;
      for (const std::string& item : SplitList(v)) {
        auto colon = item.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == item.size()) {
          *err = "bad alias '" + item + "' (local:target)";
          return false;
        }
        std::string key(Trim(std::string_view(item).substr(0, colon)));
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        m[key] = std::string(Trim(std::string_view(item).substr(colon + 1)));
      }
      s->aliases = std::move(m);
      return true;
    };
    d.get = [](const Settings& s) {
      std::vector<std::string> v;
      for (const auto& [k, val] : s.aliases) v.push_back(k + ":" + val);
      return JoinList(v);
    };
    t.push_back(std::move(d));
  }
  t.push_back(StringKey("alias_file", kId, &Settings::alias_file,
                        "file of further aliases (local: target per line), optional"));
  t.push_back(StringKey("extension_separator", kId, &Settings::extension_separator,
                        "user<sep>ext@domain delivers to user (qmail style '-'; empty: off)"));
  // --- relay ---
  const std::string_view kRelay = "Relay policy and network";
  t.push_back(CidrListKey("trusted_networks", kRelay, &Settings::trusted_networks, "RFC 5321 7.9",
                          "client networks allowed to relay (CIDR, IPv4 or IPv6)"));
  t.push_back(ListKey("relay_domains", kRelay, &Settings::relay_domains,
                      "foreign domains accepted from any client (backup MX)"));
  t.push_back(StringKey("smarthost", kRelay, &Settings::smarthost,
                        "host:port for remote mail without an smtp_routes entry (the default "
                        "route); empty = deliver by MX"));
  t.push_back(ListKey("listen", kRelay, &Settings::listen, "addresses to listen on (ip:port)"));
  t.push_back(ListKey("qmtp_listen", kRelay, &Settings::qmtp_listen,
                      "QMTP listeners (ip:port, usually 209); empty = no QMTP"));
  t.push_back(ListKey("qmqp_listen", kRelay, &Settings::qmqp_listen,
                      "QMQP listeners (ip:port, usually 628); empty = no QMQP"));
  t.push_back(CidrListKey(
      "qmqp_clients", kRelay, &Settings::qmqp_clients, "",
      "networks allowed to submit by QMQP (which relays anywhere); empty = none"));
  t.push_back(StringKey("queue_dir", kRelay, &Settings::queue_dir, "queue directory"));
  t.push_back(StringKey("tls_cert", kRelay, &Settings::tls_cert,
                        "PEM certificate chain; STARTTLS is off unless cert and key are set"));
  t.push_back(StringKey("tls_key", kRelay, &Settings::tls_key, "PEM private key"));
  t.push_back(StringKey("smtpd_user", kRelay, &Settings::smtpd_user, "uid of the SMTP server"));
  t.push_back(StringKey("queue_user", kRelay, &Settings::queue_user, "uid of the queue"));
  t.push_back(StringKey("mail_user", kRelay, &Settings::mail_user,
                        "uid owning the virtual mailboxes"));
  // --- limits ---
  const std::string_view kLim = "Limits";
  t.push_back(IntKey("command_line_max", kLim, &Settings::command_line_max,
                     "RFC 5321 4.5.3.1.4", "K1 command-and-path-length",
                     "command line cap in octets incl. CRLF (>= 512); longer: 500, session goes on"));
  t.push_back(IntKey("text_line_max", kLim, &Settings::text_line_max, "RFC 5321 4.5.3.1.6",
                     "K2 text-line-length", "text lines longer than this are reported"));
  t.push_back(IntKey("message_size_max", kLim, &Settings::message_size_max, "RFC 1870",
                     "C3 size-declaration", "message size limit in octets (SIZE value)"));
  t.push_back(IntKey("max_recipients", kLim, &Settings::max_recipients, "RFC 5321 4.5.3.1.8",
                     "D3 recipients-buffer", "recipients per message (>= 100); 452 beyond"));
  t.push_back(IntKey("connections_max", kLim, &Settings::connections_max, "", "",
                     "simultaneous SMTP connections"));
  t.push_back(IntKey("connections_per_client", kLim, &Settings::connections_per_client, "",
                     "", "simultaneous connections from one client address"));
  t.push_back(IntKey("idle_timeout", kLim, &Settings::idle_timeout, "RFC 5321 4.5.3.2.7",
                     "I3 server-idle-timeout", "seconds without input before closing (>= 300)"));
  t.push_back(IntKey("close_on_errors", kLim, &Settings::close_on_errors, "RFC 5321 7.8",
                     "A5 server-close-discipline", "421 and close after this many 5xx; 0 = never"));
  // --- switches ---
  const std::string_view kSw = "Disputed behaviour switches";
  t.push_back(EnumKey<UnknownRecipient>(
      "unknown_recipient", kSw, &Settings::unknown_recipient,
      {{"reject", UnknownRecipient::kReject}, {"accept", UnknownRecipient::kAccept}},
      "RFC 5321 3.3, 6.1", "D1 unknown-local-recipient",
      "reject: 550 5.1.1 at RCPT; accept: accept and bounce later (backscatter)"));
  t.push_back(EnumKey<BareLfPolicy>(
      "bare_lf", kSw, &Settings::bare_lf,
      {{"reject", BareLfPolicy::kReject}, {"normalize", BareLfPolicy::kNormalize},
       {"accept", BareLfPolicy::kAccept}, {"close", BareLfPolicy::kClose}},
      "RFC 5321 4.1.1.4, 2.3.8", "B1 bare-lf-in-data",
      "reject: 550 5.6.0 after end of data; normalize: store CRLF; accept: keep; close: 451 and close"));
  t.push_back(EnumKey<BareCrPolicy>(
      "bare_cr", kSw, &Settings::bare_cr,
      {{"reject", BareCrPolicy::kReject}, {"normalize", BareCrPolicy::kNormalize},
       {"accept", BareCrPolicy::kAccept}},
      "RFC 5321 2.3.8, RFC 5322 2.3", "B3 bare-cr-and-outbound-smuggling",
      "reject: 550 5.6.0 after end of data; normalize: store CRLF; accept: keep"));
  t.push_back(EnumKey<EodVariants>(
      "eod_variants", kSw, &Settings::eod_variants,
      {{"reject", EodVariants::kReject}, {"accept", EodVariants::kAccept}},
      "RFC 5321 4.1.1.4", "B2 eod-smuggling-inbound",
      "would-be end-of-data (<LF>.<LF>...) inside data: reject the message (550 5.6.0) or keep as data"));
  t.push_back(EnumKey<NulPolicy>(
      "nul_in_data", kSw, &Settings::nul_in_data,
      {{"accept", NulPolicy::kAccept}, {"reject", NulPolicy::kReject}}, "RFC 5321 4.1.1.4",
      "B5 nul-and-control-octets", "NUL octets in data: keep, or reject the message (550 5.6.0)"));
  t.push_back(IntChoiceKey("unknown_command_code", kSw, &Settings::unknown_command_code,
                           {"500", "502"}, "RFC 5321 4.2.4", "A4 unknown-command-code",
                           "reply code for an unrecognised command"));
  {
    KeyDescriptor d{"path_leniencies", kSw, KeyType::kList, {}, "RFC 5321 2.3.8, 3.3, 4.1.2",
                    "A1 cmd-lf-terminator, A6 path-syntax-leniency, A9 non-ascii-envelope",
                    "command-line leniencies accepted (empty = strict grammar)", {}, {}};
    for (auto n : smtp::LeniencyNames()) d.values.push_back(n);
    d.set = [](Settings* s, std::string_view v, std::string* err) {
      LeniencySet set;
      for (const std::string& item : SplitList(v)) {
        if (item == "all") { set = LeniencySet::All(); continue; }
        auto l = smtp::ParseLeniency(item);
        if (!l) { *err = "unknown leniency '" + item + "'"; return false; }
        set.Add(*l);
      }
      s->path_leniencies = set;
      return true;
    };
    d.get = [](const Settings& s) {
      std::vector<std::string> v;
      for (Leniency l : s.path_leniencies.ToVector()) v.emplace_back(smtp::LeniencyName(l));
      return JoinList(v);
    };
    t.push_back(std::move(d));
  }
  t.push_back(BoolKey("helo_required", kSw, &Settings::helo_required, "RFC 5321 4.1.1.1",
                      "A2 helo-before-mail", "on: 503 to MAIL before HELO/EHLO"));
  t.push_back(EnumKey<HeloSyntax>(
      "helo_syntax", kSw, &Settings::helo_syntax,
      {{"strict", HeloSyntax::kStrict}, {"any", HeloSyntax::kAny}}, "RFC 5321 4.1.1.1, 4.1.4",
      "A3 helo-argument", "strict: 501 for a missing or invalid argument; any: accept anything"));
  t.push_back(EnumKey<NestedMail>(
      "nested_mail", kSw, &Settings::nested_mail,
      {{"reject", NestedMail::kReject}, {"reset", NestedMail::kReset}}, "RFC 5321 4.1.4",
      "A8 transaction-sequencing", "MAIL in an open transaction: 503, or restart it"));
  t.push_back(EnumKey<UnknownParam>(
      "unknown_esmtp_param", kSw, &Settings::unknown_esmtp_param,
      {{"reject", UnknownParam::kReject}, {"ignore", UnknownParam::kIgnore}},
      "RFC 5321 4.1.1.11", "A7 esmtp-param-handling",
      "unrecognised or unadvertised MAIL/RCPT parameter: 555, or ignore it"));
  t.push_back(IntKey("hop_limit", kSw, &Settings::hop_limit, "RFC 5321 6.3", "F1 hop-count",
                     "554 5.4.6 when more hops are counted (RFC: at least 100)"));
  t.push_back(EnumKey<HopCount>(
      "hop_count", kSw, &Settings::hop_count,
      {{"received", HopCount::kReceived}, {"qmail-prefix", HopCount::kQmailPrefix}},
      "RFC 5321 6.3", "F1 hop-count",
      "received: Received fields; qmail-prefix: names starting received/delivered"));
  t.push_back(BoolKey("delivered_to_check", kSw, &Settings::delivered_to_check, "RFC 9228",
                      "F2 delivered-to", "local delivery refuses a message with its own Delivered-To"));
  t.push_back(BoolKey("return_path_remove", kSw, &Settings::return_path_remove, "RFC 5321 4.4",
                      "H2 return-path",
                      "final delivery removes Return-Path fields already in the header"));
  std::vector<std::pair<std::string_view, VerifyPolicy>> vmap = {
      {"cannot", VerifyPolicy::kCannot}, {"disabled", VerifyPolicy::kDisabled},
      {"disclose", VerifyPolicy::kDisclose}};
  t.push_back(EnumKey<VerifyPolicy>("vrfy", kSw, &Settings::vrfy, vmap, "RFC 5321 4.5.1, 7.3",
                                    "A10 vrfy-expn",
                                    "cannot: 252 no disclosure; disabled: 502; disclose: 250/550"));
  t.push_back(EnumKey<VerifyPolicy>("expn", kSw, &Settings::expn, vmap, "RFC 5321 7.3",
                                    "A10 vrfy-expn",
                                    "cannot: 252 no disclosure; disabled: 502; disclose: 250/550"));
  t.push_back(BoolKey("postmaster_unqualified", kSw, &Settings::postmaster_unqualified,
                      "RFC 5321 4.5.1", "A11 postmaster-unqualified",
                      "accept RCPT TO:<Postmaster> without a domain"));
  t.push_back(BoolKey("domain_literal_self", kSw, &Settings::domain_literal_self,
                      "RFC 1123 5.2.17", "G6 domain-literal-self",
                      "user@[our address] is local (off: refused)"));
  t.push_back(IntChoiceKey("relay_denied_code", kSw, &Settings::relay_denied_code,
                           {"550", "553", "454"}, "RFC 5321 7.9, 3.6.2", "G1 relay-denied",
                           "reply code when refusing to relay"));
  t.push_back(EnumKey<EarlyTalker>(
      "early_talker", kSw, &Settings::early_talker,
      {{"ignore", EarlyTalker::kIgnore}, {"reject", EarlyTalker::kReject}},
      "RFC 5321 4.3.1, RFC 2920 3.1", "C2 pipelining-server",
      "input before the greeting: serve it, or 554 and close"));
  t.push_back(BoolKey("pipelining", kSw, &Settings::pipelining, "RFC 2920",
                      "C2 pipelining-server", "advertise PIPELINING"));
  t.push_back(EnumKey<SizePolicy>(
      "size", kSw, &Settings::size,
      {{"advertise", SizePolicy::kAdvertise}, {"late", SizePolicy::kLate}}, "RFC 1870",
      "C3 size-declaration",
      "advertise: SIZE keyword and 552 5.3.4 at MAIL; late: no keyword, 552 after data"));
  {
    KeyDescriptor d{"advertise", kSw, KeyType::kList, {}, "RFC 5321 4.1.1.1, 4.2.4",
                    "C1 ehlo-keyword-honesty",
                    "EHLO extensions offered (starttls needs tls_cert/tls_key)", {}, {}};
    for (auto& [n, m] : AdvertiseMembers()) d.values.push_back(n);
    d.set = [](Settings* s, std::string_view v, std::string* err) {
      Advertise a;
      for (auto& [n, m] : AdvertiseMembers()) a.*m = false;
      for (std::string item : SplitList(v)) {
        for (char& c : item) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        bool found = false;
        for (auto& [n, m] : AdvertiseMembers()) {
          if (n == item) { a.*m = true; found = true; }
        }
        if (!found) { *err = "unknown extension '" + item + "'"; return false; }
      }
      s->advertise = a;
      return true;
    };
    d.get = [](const Settings& s) {
      std::vector<std::string> v;
      for (auto& [n, m] : AdvertiseMembers())
        if (s.advertise.*m) v.emplace_back(n);
      return JoinList(v);
    };
    t.push_back(std::move(d));
  }
  t.push_back(EnumKey<ReplyStyle>(
      "reply_style", kSw, &Settings::reply_style,
      {{"rfc", ReplyStyle::kRfc}, {"qmail", ReplyStyle::kQmail}}, "RFC 2034, RFC 3463",
      "C9 enhanced-status-codes",
      "rfc: enhanced codes when advertised; qmail: qmail texts with (#C.S.D)"));
  t.push_back(EnumKey<ReceivedStyle>(
      "received_style", kSw, &Settings::received_style,
      {{"rfc5321", ReceivedStyle::kRfc5321}, {"qmail", ReceivedStyle::kQmail}},
      "RFC 5321 4.4", "H1 received-trace", "form of the Received line prepended"));
  t.push_back(EnumKey<TimeoutCode>(
      "timeout_code", kSw, &Settings::timeout_code,
      {{"421", TimeoutCode::k421}, {"451", TimeoutCode::k451}}, "RFC 5321 3.8, 4.5.3.2.7",
      "I3 server-idle-timeout", "reply on idle timeout before closing"));
  AddSendingKeys(&t);
  return t;
}

}  // namespace keys

using namespace keys;

std::string KeyDescriptor::DefaultValue() const { return get(Settings{}); }
std::string KeyDescriptor::QmailValue() const { return get(ProfileSettings(Profile::kQmail)); }

const std::vector<KeyDescriptor>& SettingsTable() {
  static const std::vector<KeyDescriptor> t = BuildTable();
  return t;
}

const KeyDescriptor* FindKey(std::string_view name) {
  for (const KeyDescriptor& d : SettingsTable()) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

namespace {

struct Line {
  int number;
  std::string_view key, value;
};

// Splits one line into key and value; false for blank/comment lines; sets *err when the
// line is malformed.
bool SplitLine(std::string_view raw, std::string_view* key, std::string_view* value,
               std::string* err) {
  std::string_view s = raw;
  // '#' starts a comment at the line start or after white space.
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
      s = s.substr(0, i);
      break;
    }
  }
  s = Trim(s);
  if (s.empty()) return false;
  auto eq = s.find('=');
  if (eq == std::string_view::npos) {
    *err = "expected 'key = value'";
    return true;
  }
  *key = Trim(s.substr(0, eq));
  *value = Trim(s.substr(eq + 1));
  if (key->empty()) *err = "missing key";
  return true;
}

}  // namespace

ConfigResult ParseConfig(std::string_view text) {
  ConfigResult r;
  std::vector<Line> lines;
  int n = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos
                                                                         : nl - pos);
    ++n;
    std::string_view key, value;
    std::string err;
    if (SplitLine(raw, &key, &value, &err)) {
      if (!err.empty()) r.errors.push_back({n, err});
      else if (!FindKey(key)) r.errors.push_back({n, "unknown key '" + std::string(key) + "'"});
      else lines.push_back({n, key, value});
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  // The profile preset first, then the other keys in order.
  for (const Line& l : lines) {
    if (l.key != "profile") continue;
    std::string err;
    if (!FindKey("profile")->set(&r.settings, l.value, &err)) r.errors.push_back({l.number, err});
  }
  for (const Line& l : lines) {
    if (l.key == "profile") continue;
    std::string err;
    if (!FindKey(l.key)->set(&r.settings, l.value, &err)) r.errors.push_back({l.number, err});
  }
  return r;
}

bool ApplySet(Settings* s, std::string_view kv, std::string* error) {
  auto eq = kv.find('=');
  if (eq == std::string_view::npos) {
    *error = "expected KEY=VALUE";
    return false;
  }
  std::string_view key = Trim(kv.substr(0, eq));
  const KeyDescriptor* d = FindKey(key);
  if (!d) {
    *error = "unknown key '" + std::string(key) + "'";
    return false;
  }
  return d->set(s, Trim(kv.substr(eq + 1)), error);
}

namespace {

std::string Values(const KeyDescriptor& d) {
  std::string v;
  for (auto x : d.values) v += (v.empty() ? "" : " | ") + std::string(x);
  return v;
}

}  // namespace

std::string FormatConfig(const Settings& s) {
  std::string out =
      "# refmta configuration.\n"
      "# Syntax: key = value; '#' starts a comment; lists are comma-separated.\n"
      "# Order: the profile preset is applied first, then every other key in file order,\n"
      "# then 'refmta serve --set key=value' overrides.\n";
  std::string_view group;
  for (const KeyDescriptor& d : SettingsTable()) {
    if (d.group != group) {
      group = d.group;
      out += "\n# === " + std::string(group) + " ===\n";
    }
    out += "\n# " + std::string(d.doc) + "\n";
    if (!d.values.empty()) out += "#   values: " + Values(d) + "\n";
    if (!d.slug.empty() || d.name == "profile" || d.DefaultValue() != d.QmailValue()) {
      out += "#   default: " + d.DefaultValue() + "; qmail: " + d.QmailValue() + "\n";
    }
    if (!d.rfc.empty()) out += "#   see " + std::string(d.rfc) + "\n";
    if (!d.slug.empty()) out += "#   disputed point " + std::string(d.slug) + "\n";
    out += std::string(d.name) + " = " + d.get(s) + "\n";
  }
  return out;
}

std::string ConfigReferenceMarkdown() {
  std::string out =
      "# refmta configuration reference\n\n"
      "File syntax: `key = value`, `#` comments, comma-separated lists, `on`/`off` booleans.\n"
      "The `profile` preset is applied first, then the other keys in file order, then\n"
      "`serve --set KEY=VALUE`.\n";
  std::string_view group;
  for (const KeyDescriptor& d : SettingsTable()) {
    if (d.group != group) {
      group = d.group;
      out += "\n## " + std::string(group) +
             "\n\n| key | values | default | qmail | reference | description |\n"
             "|---|---|---|---|---|---|\n";
    }
    auto cell = [](std::string s) {
      for (char& c : s)
        if (c == '|') c = '/';
      return s.empty() ? std::string("") : "`" + s + "`";
    };
    std::string ref = std::string(d.rfc);
    if (!d.slug.empty()) ref += (ref.empty() ? "" : "; ") + std::string(d.slug);
    out += "| `" + std::string(d.name) + "` | " + cell(Values(d)) + " | " +
           cell(d.DefaultValue()) + " | " + cell(d.QmailValue()) + " | " + ref + " | " +
           std::string(d.doc) + " |\n";
  }
  return out;
}

std::vector<std::string> Validate(const Settings& s) {
  std::vector<std::string> p;
  if (s.hostname.empty()) p.push_back("hostname is empty");
  if (s.command_line_max < 512)
    p.push_back("command_line_max below 512 (RFC 5321 4.5.3.1.4 MUST)");
  if (s.text_line_max < 998) p.push_back("text_line_max below 998 (RFC 5321 4.5.3.1.6)");
  if (s.message_size_max < 65536)
    p.push_back("message_size_max below 64K (RFC 5321 4.5.3.1.7 MUST)");
  if (s.max_recipients < 100)
    p.push_back("max_recipients below 100 (RFC 5321 4.5.3.1.8 MUST)");
  if (s.idle_timeout < 300) p.push_back("idle_timeout below 300 s (RFC 5321 4.5.3.2.7 SHOULD)");
  if (s.hop_limit < 99) p.push_back("hop_limit below 100 (RFC 5321 6.3 SHOULD)");
  if (s.tls_cert.empty() != s.tls_key.empty())
    p.push_back("tls_cert and tls_key must be set together");
  if (s.advertise.smtputf8 && !s.advertise.eightbitmime)
    p.push_back("smtputf8 advertised without 8bitmime (RFC 6531 3.6)");
  if (s.advertise.binarymime && !s.advertise.chunking)
    p.push_back("binarymime advertised without chunking (RFC 3030 3)");
  if (s.connections_per_client > s.connections_max)
    p.push_back("connections_per_client exceeds connections_max");
  if (s.connections_max == 0) p.push_back("connections_max is 0");
  if (s.recipients_per_transaction == 0) p.push_back("recipients_per_transaction is 0");
  if (s.concurrency_remote == 0 || s.concurrency_per_destination == 0)
    p.push_back("concurrency_remote and concurrency_per_destination must be at least 1");
  if (s.queue_lifetime < 4 * 86400)
    p.push_back("queue_lifetime below 4 days (RFC 5321 4.5.4.1 SHOULD)");
  if (!s.smarthost.empty()) {
    std::string h;
    std::uint16_t port;
    if (!ParseHostPort(s.smarthost, &h, &port, 25)) p.push_back("smarthost is not host[:port]");
  }
  if (s.extension_separator.size() > 1) p.push_back("extension_separator longer than 1 octet");
  for (const User& u : s.users) {
    if (u.name.empty()) p.push_back("user with an empty name");
  }
  return p;
}

}  // namespace mta::config
