// session.cc: SMTP server session - input framing, command dispatch, replies.
//
// RFC 5321 4.1.1 (commands), 4.1.4 (sequencing: 503), 4.2 (replies), 4.5.3.1.4 (command
// line length), 7.9 (relaying); RFC 2920 (pipelining: replies in order, all pending
// replies returned per Feed); RFC 2034 (enhanced codes); RFC 3207 (STARTTLS).
#include "mta/smtpd/session.h"

#include <algorithm>
#include <utility>

#include "mta/config/cidr.h"
#include "mta/lib/reply/reply.h"
#include "mta/lib/smtp/path.h"

namespace mta::smtpd {

using config::VerifyPolicy;
using smtp::Verb;

Session::Session(const config::Settings& settings, const SessionInfo& info,
                 RecipientOracle& oracle)
    : s_(settings), info_(info), oracle_(oracle), tls_(info.tls_active) {}

// ---------------------------------------------------------------------------------------
// Replies.

bool Session::Enhanced() const {
  return s_.advertise.enhancedstatuscodes && s_.reply_style == config::ReplyStyle::kRfc;
}

void Session::Reply(int code, std::string_view esc, std::string_view text,
                    std::string_view qmail_text) {
  if (closed_) return;  // nothing is written after Close
  std::string line;
  if (s_.reply_style == config::ReplyStyle::kQmail) {
    std::string t(qmail_text.empty() ? text : qmail_text);
    // qmail's HCMSSC: "(#C.S.D)" at the end of failure texts (RFCHCSC).
    if (qmail_text.empty() && code >= 400 && !esc.empty()) t += " (#" + std::string(esc) + ")";
    out_ += reply::FormatReply(code, std::nullopt, {t});
  } else {
    std::optional<reply::EnhancedStatus> es;
    // RFC 2034 3: every 2xx, 4xx and 5xx reply (not 3xx, not greeting/HELO/EHLO).
    if (Enhanced() && code / 100 != 3 && !esc.empty()) es = reply::EnhancedStatus::Parse(esc);
    out_ += reply::FormatReply(code, es, {std::string(text)});
  }
  CountError(code);
}

void Session::CountError(int code) {
  if (code < 500 || closed_) return;
  ++errors_;
  // RFC 5321 7.8: closing after an appropriate number of 5yz replies is allowed; 421 is the
  // code for a server-initiated close (3.8).
  if (s_.close_on_errors != 0 && errors_ >= s_.close_on_errors) {
    out_ += reply::FormatReply(421, Enhanced() ? reply::EnhancedStatus::Parse("4.7.0")
                                               : std::nullopt,
                               {s_.hostname + " Too many errors, closing connection"});
    CloseNow();
  }
}

void Session::CloseNow() {
  if (closed_) return;
  closed_ = true;
  state_ = State::kClosed;
  in_.clear();
  pos_ = 0;
  decoder_.reset();
  tx_ = Transaction{};
  actions_.push_back(Close{});
}

std::string Session::TakeOutput() { return std::exchange(out_, {}); }
std::vector<Action> Session::TakeActions() { return std::exchange(actions_, {}); }

std::size_t Session::buffered_octets() const {
  return in_.size() + tx_.body.size() + (decoder_ ? decoder_->body().size() : 0);
}

std::size_t Session::buffer_cap() const {
  // Input held while waiting, plus a partial command line, plus one message body (the
  // decoder and BDAT store at most message_size_max octets).
  return kPendingInputCap + std::max<std::size_t>(512, s_.command_line_max) +
         static_cast<std::size_t>(s_.message_size_max);
}

// ---------------------------------------------------------------------------------------
// Input.

void Session::Greeting() {
  if (state_ != State::kPreGreeting) return;
  state_ = State::kCommand;
  if (early_talk_ && s_.early_talker == config::EarlyTalker::kReject) {
    // RFC 5321 4.3.1: the client waits for the greeting; RFC 2920 3.1.
    Reply(554, "5.5.0", s_.hostname + " SMTP synchronization error");
    CloseNow();
    return;
  }
  out_ += reply::FormatReply(220, std::nullopt, {s_.hostname + " " + s_.greeting});
  Process();
}

void Session::Feed(std::string_view bytes) {
  if (closed_ || bytes.empty()) return;
  switch (state_) {
    case State::kWaitTls:
      // CVE-2011-0411 / RFC 3207 4.2: plaintext that arrives before the handshake must
      // never be executed under TLS.
      return;
    case State::kPreGreeting:
      early_talk_ = true;
      [[fallthrough]];
    case State::kWaitSubmit:
      // RFC 2920 3.2(9): held, never flushed; bounded.
      if (in_.size() - pos_ + bytes.size() > kPendingInputCap) {
        Reply(421, "4.7.0", s_.hostname + " Too much pipelined input, closing connection");
        CloseNow();
        return;
      }
      in_.append(bytes);
      return;
    default:
      in_.append(bytes);
      Process();
  }
}

void Session::PeerClosed() {
  // An unfinished message is discarded; nothing can be answered.
  if (!closed_) {
    closed_ = true;
    state_ = State::kClosed;
    in_.clear();
    pos_ = 0;
    decoder_.reset();
    actions_.push_back(Close{});
  }
}

void Session::Compact() {
  if (pos_ == 0) return;
  in_.erase(0, pos_);
  pos_ = 0;
}

void Session::Process() {
  while (!closed_) {
    bool progressed = false;
    switch (state_) {
      case State::kCommand:
        progressed = ProcessCommandInput();
        break;
      case State::kData:
        FeedData();
        progressed = state_ != State::kData;
        break;
      case State::kBdat:
        FeedBdat();
        progressed = state_ != State::kBdat;
        break;
      default:
        break;
    }
    if (!progressed) break;
  }
  if (closed_) return;
  Compact();
  if (state_ == State::kWaitSubmit && in_.size() > kPendingInputCap) {
    Reply(421, "4.7.0", s_.hostname + " Too much pipelined input, closing connection");
    CloseNow();
  }
}

bool Session::ProcessCommandInput() {
  std::string_view in = Pending();
  const std::size_t cap = std::max<std::size_t>(512, s_.command_line_max);
  const bool lf_ok = s_.path_leniencies.Has(smtp::Leniency::kLfLineEnd);
  if (discarding_) {
    // Inside an over-long line: drop octets up to its end without buffering them.
    std::size_t end = std::string_view::npos;
    if (lf_ok || discard_cr_) {
      if (!in.empty() && in[0] == '\n') end = 0;
    }
    if (end == std::string_view::npos) {
      std::size_t f = lf_ok ? in.find('\n') : in.find("\r\n");
      if (f != std::string_view::npos) end = lf_ok ? f : f + 1;
    }
    if (end == std::string_view::npos) {
      if (!in.empty()) discard_cr_ = in.back() == '\r';
      Consume(in.size());
      return false;
    }
    Consume(end + 1);
    discarding_ = false;
    discard_cr_ = false;
    // RFC 5321 4.5.3.1.10: "500 Line too long"; the session goes on.
    Reply(500, "5.5.2", "Line too long", "line too long (#5.5.2)");
    return true;
  }
  std::size_t end;
  if (lf_ok) {
    end = in.find('\n');
  } else {
    // RFC 5321 2.3.8: CRLF is the only line terminator.
    end = in.find("\r\n");
    if (end != std::string_view::npos) ++end;
  }
  if (end == std::string_view::npos || end + 1 > cap) {
    if (end == std::string_view::npos && in.size() < cap) return false;  // need more
    if (end != std::string_view::npos) {
      Consume(end + 1);
      Reply(500, "5.5.2", "Line too long", "line too long (#5.5.2)");
      return true;
    }
    discarding_ = true;
    discard_cr_ = in.back() == '\r';
    Consume(in.size());
    return false;
  }
  std::string line(in.substr(0, end + 1));
  Consume(end + 1);
  HandleLine(line);
  return true;
}

smtp::CommandOptions Session::Options(bool rcpt) const {
  smtp::CommandOptions o;
  o.smtputf8 = rcpt ? tx_.env.smtputf8 : (s_.advertise.smtputf8 && ehlo_);
  o.leniencies = s_.path_leniencies;
  return o;
}

namespace {

std::string_view EscFor(int code) {
  switch (code) {
    case 500: return "5.5.2";
    case 553: return "5.6.7";  // RFC 6531 3.5: non-ASCII address without SMTPUTF8
    default: return "5.5.4";
  }
}

bool IsVerb(std::string_view line, std::string_view verb) {
  if (line.size() < verb.size()) return false;
  for (std::size_t i = 0; i < verb.size(); ++i) {
    char c = line[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    if (c != verb[i]) return false;
  }
  return line.size() == verb.size() || line[verb.size()] == ' ' ||
         line[verb.size()] == '\r' || line[verb.size()] == '\n';
}

}  // namespace

void Session::HandleLine(std::string_view line) {
  smtp::ParsedCommand c = ParseCommand(line, Options(IsVerb(line, "RCPT")));
  switch (c.verb) {
    case Verb::kEhlo: return HandleHelo(c, true);
    case Verb::kHelo: return HandleHelo(c, false);
    case Verb::kMail: return HandleMail(c);
    case Verb::kRcpt: return HandleRcpt(c);
    case Verb::kData: return HandleData(c);
    case Verb::kBdat: return HandleBdat(c);
    case Verb::kVrfy: return HandleVerify(c, false);
    case Verb::kExpn: return HandleVerify(c, true);
    case Verb::kStarttls: return HandleStarttls(c);
    case Verb::kRset:
      if (!c.ok) return Reply(501, "5.5.4", "Syntax: RSET", "syntax error (#5.5.4)");
      ResetTransaction();
      return Reply(250, "2.0.0", "Ok", "ok");
    case Verb::kNoop:
      return Reply(250, "2.0.0", "Ok", "ok");
    case Verb::kHelp:
      return Reply(214, "2.0.0", "See RFC 5321; refmta",
                   "qmail home page: http://pobox.com/~djb/qmail.html");
    case Verb::kQuit:
      Reply(221, "2.0.0", s_.hostname + " closing connection", s_.hostname);
      return CloseNow();
    case Verb::kAuth:
      return Reply(502, "5.5.1", "Command not implemented", "unimplemented (#5.5.1)");
    case Verb::kUnknown:
      break;
  }
  // RFC 5321 4.2.4: 500 for an unrecognised command (502: recognised, not implemented).
  if (s_.unknown_command_code == 502) {
    Reply(502, "5.5.1", "Command not implemented", "unimplemented (#5.5.1)");
  } else {
    Reply(500, "5.5.2", "Command not recognized", "unrecognized command (#5.5.2)");
  }
}

void Session::ResetTransaction() { tx_ = Transaction{}; }

void Session::HandleHelo(const smtp::ParsedCommand& c, bool ehlo) {
  // RFC 5321 4.1.4: 501 for an unacceptable argument, state unchanged.
  if (!c.ok && s_.helo_syntax == config::HeloSyntax::kStrict) {
    return Reply(501, "5.5.4", ehlo ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
  }
  ResetTransaction();  // RFC 5321 4.1.4: EHLO/HELO imply RSET
  helo_seen_ = true;
  ehlo_ = ehlo;
  helo_ = c.argument.substr(0, 255);
  // RFC 5321 3.2: no extended reply to HELO; RFC 2034: no enhanced code on either.
  if (!ehlo) {
    out_ += reply::FormatReply(250, std::nullopt, {s_.hostname});
    return;
  }
  const config::Advertise& a = s_.advertise;
  std::vector<std::string> lines = {s_.hostname};
  // RFC 5321 4.2.4 / C1: advertise exactly what is implemented.
  if (s_.pipelining) lines.push_back("PIPELINING");
  if (s_.size == config::SizePolicy::kAdvertise)
    lines.push_back("SIZE " + std::to_string(s_.message_size_max));
  if (a.eightbitmime) lines.push_back("8BITMIME");
  if (Enhanced()) lines.push_back("ENHANCEDSTATUSCODES");
  if (a.smtputf8 && a.eightbitmime) lines.push_back("SMTPUTF8");  // RFC 6531 3.6
  if (a.chunking) lines.push_back("CHUNKING");
  if (a.chunking && a.binarymime) lines.push_back("BINARYMIME");
  if (a.dsn) lines.push_back("DSN");
  // RFC 3207 4.2: not after the handshake.
  if (a.starttls && info_.tls_available && !tls_) lines.push_back("STARTTLS");
  if (a.help) lines.push_back("HELP");
  out_ += reply::FormatReply(250, std::nullopt, lines);
}

bool Session::ParamsSupported(const smtp::ParsedCommand& c) const {
  const smtp::KnownParams& k = c.known_params;
  const config::Advertise& a = s_.advertise;
  if (!k.unknown.empty()) return false;
  if (!ehlo_ && !c.params.empty()) return false;  // HELO negotiated no extension
  if (k.size && s_.size != config::SizePolicy::kAdvertise) return false;
  if (k.body && !a.eightbitmime) return false;
  if (k.body == smtp::Body::kBinaryMime && !(a.chunking && a.binarymime)) return false;
  if (k.smtputf8 && !(a.smtputf8 && a.eightbitmime)) return false;
  if ((k.ret || k.envid || k.notify || k.orcpt) && !a.dsn) return false;
  if (k.auth) return false;  // AUTH is not implemented
  return true;
}

void Session::HandleMail(const smtp::ParsedCommand& c) {
  if (s_.helo_required && !helo_seen_) {
    return Reply(503, "5.5.1", "Send HELO/EHLO first", "send HELO first (#5.5.1)");
  }
  if (tx_.open) {
    // RFC 5321 4.1.4: 503 and the transaction unchanged (A8); qmail restarts it.
    if (s_.nested_mail == config::NestedMail::kReject) {
      return Reply(503, "5.5.1", "Nested MAIL command");
    }
    ResetTransaction();
  }
  const bool ignore = s_.unknown_esmtp_param == config::UnknownParam::kIgnore;
  if (!c.ok || !c.path) {
    int code = c.reply_code ? c.reply_code : 501;
    return Reply(code, EscFor(code), "Syntax: MAIL FROM:<address>", "syntax error (#5.5.4)");
  }
  if (!ParamsSupported(c) && !ignore) {
    // RFC 5321 4.1.1.11: 555 for parameters not recognised or not implemented.
    return Reply(555, "5.5.4", "Unsupported parameter", "syntax error (#5.5.4)");
  }
  if (c.reply_code != 0 && c.reply_code != 555) {
    return Reply(c.reply_code, EscFor(c.reply_code), "Invalid parameter",
                 "syntax error (#5.5.4)");
  }
  const smtp::KnownParams& k = c.known_params;
  const config::Advertise& a = s_.advertise;
  const bool sized = s_.size == config::SizePolicy::kAdvertise && ehlo_;
  // RFC 1870 6.1: 552 when the declared size exceeds the fixed maximum.
  if (sized && k.size && *k.size > s_.message_size_max) {
    return Reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
  }
  Envelope& e = tx_.env;
  e = Envelope{};
  e.reverse_path = c.path->is_null ? "" : c.path->Mailbox();
  if (ehlo_) {
    if (sized) e.declared_size = k.size;
    if (a.eightbitmime) e.body = k.body;
    if (a.smtputf8 && a.eightbitmime) e.smtputf8 = k.smtputf8;
    if (a.dsn) {
      e.ret = k.ret;
      e.envid = k.envid;
    }
  }
  tx_.open = true;
  Reply(250, "2.1.0", "Sender OK", "ok");
}

namespace {

bool DomainMatches(std::string_view domain, const std::vector<std::string>& list) {
  std::string d = AsciiLower(domain);
  for (const std::string& entry : list) {
    std::string e = AsciiLower(entry);
    if (e == d) return true;
    // ".example.test" matches every subdomain.
    if (!e.empty() && e[0] == '.' && d.size() > e.size() &&
        d.compare(d.size() - e.size(), e.size(), e) == 0)
      return true;
  }
  return false;
}

}  // namespace

void Session::HandleRcpt(const smtp::ParsedCommand& c) {
  if (!tx_.open) {
    // RFC 5321 3.3: RCPT without MAIL -> 503.
    return Reply(503, "5.5.1", "Need MAIL command", "MAIL first (#5.5.1)");
  }
  tx_.rcpt_tried = true;
  const bool ignore = s_.unknown_esmtp_param == config::UnknownParam::kIgnore;
  if (!c.ok || !c.path) {
    // RFC 5321 4.1.2: "u@other@local" and other malformed paths are syntax errors.
    int code = c.reply_code ? c.reply_code : 501;
    return Reply(code, EscFor(code), "Syntax: RCPT TO:<address>", "syntax error (#5.5.4)");
  }
  if (!ParamsSupported(c) && !ignore) {
    return Reply(555, "5.5.4", "Unsupported parameter", "syntax error (#5.5.4)");
  }
  if (c.reply_code != 0 && c.reply_code != 555) {
    return Reply(c.reply_code, EscFor(c.reply_code), "Invalid parameter",
                 "syntax error (#5.5.4)");
  }
  // RFC 5321 4.5.3.1.10: an implementation limit on recipients is answered 452.
  if (tx_.env.recipients.size() >= s_.max_recipients) {
    return Reply(452, "4.5.3", "Too many recipients", "too many recipients (#4.5.3)");
  }
  const smtp::ParsedPath& p = *c.path;
  // RFC 5321 3.3 / Appendix C: a source route is ignored; the decision is made on the
  // final mailbox only (G4).
  // RFC 5321 4.1.2: all quoted forms are equivalent ("user"@d == user@d).
  std::string local = smtp::UnquoteLocalPart(p.local_part);
  std::string domain = p.domain;
  if (p.is_postmaster) {
    // RFC 5321 4.5.1: RCPT TO:<Postmaster> MUST be supported (A11).
    if (!s_.postmaster_unqualified) {
      return Reply(550, "5.1.3", "Address must contain a domain");
    }
    local = "postmaster";
    domain = s_.hostname;
  } else if (domain.empty()) {
    // unqualified-mailbox leniency: qualified with our name (qmail envnoathost).
    domain = s_.hostname;
  } else if (domain.front() == '[') {
    // G6: user@[our address] is local (RFC 1123 5.2.17) unless switched off.
    auto lit = config::ParseIpAddress(domain);
    bool self = false;
    if (lit) {
      if (auto me = config::ParseIpAddress(info_.local_ip); me && *me == *lit) self = true;
      for (const std::string& l : s_.listen) {
        auto colon = l.rfind(':');
        auto ip = config::ParseIpAddress(l.substr(0, colon == std::string::npos ? l.size() : colon));
        if (ip && *ip == *lit && !(config::ParseCidr("0.0.0.0/32")->Contains(*ip)) &&
            !(config::ParseCidr("::/128")->Contains(*ip)))
          self = true;
      }
    }
    if (self) {
      if (!s_.domain_literal_self) {
        return Reply(550, "5.7.1", "Domain literal recipients not accepted",
                     "sorry, domain literals are not accepted (#5.7.1)");
      }
      domain = s_.hostname;
    }
  }
  Recipient r;
  r.notify = c.known_params.notify;
  r.orcpt = c.known_params.orcpt;
  if (!s_.advertise.dsn || !ehlo_) {
    r.notify.reset();
    r.orcpt.reset();
  }
  r.address = smtp::QuoteLocalPart(local) + "@" + domain;
  if (oracle_.IsLocalDomain(domain)) {
    // Local domain: '%', '!' and '@' inside the local part (G2, G3, G5) are never routing;
    // such an address is just a local part the oracle does not know.
    LookupResult lr = oracle_.Lookup(local + "@" + domain);
    if (lr.status != RecipientStatus::kLocal &&
        s_.unknown_recipient == config::UnknownRecipient::kReject) {
      // RFC 5321 3.3: 550 for a recipient known not to be deliverable (D1).
      return Reply(550, "5.1.1", "User unknown",
                   "sorry, no mailbox here by that name (#5.1.1)");
    }
    r.local = true;
  } else {
    bool trusted = false;
    for (const config::Cidr& n : s_.trusted_networks) trusted |= n.Contains(info_.client_ip);
    if (!trusted && !DomainMatches(domain, s_.relay_domains)) {
      // RFC 5321 7.9 / 3.6.2: 550 SHOULD be used when declining to relay (G1).
      int code = s_.relay_denied_code;
      return Reply(code, code == 454 ? "4.7.1" : "5.7.1", "Relay access denied",
                   "sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)");
    }
  }
  tx_.env.recipients.push_back(std::move(r));
  Reply(250, "2.1.5", "Recipient OK", "ok");
}

void Session::HandleData(const smtp::ParsedCommand& c) {
  if (!c.ok) return Reply(501, "5.5.4", "Syntax: DATA", "syntax error (#5.5.4)");
  if (!tx_.open) return Reply(503, "5.5.1", "Need MAIL command", "MAIL first (#5.5.1)");
  // RFC 3030 2: DATA after BDAT in the same transaction -> 503.
  if (tx_.bdat_used) return Reply(503, "5.5.1", "DATA after BDAT");
  // RFC 3030 3: "If a DATA command is issued after a MAIL command containing the body-value
  // of "BINARYMIME", a 503 "Bad sequence of commands" response MUST be sent." The client
  // must then RSET; the transaction is left as it is.
  if (tx_.env.body == smtp::Body::kBinaryMime) {
    return Reply(503, "5.5.1", "BODY=BINARYMIME needs BDAT, not DATA");
  }
  if (tx_.env.recipients.empty()) {
    // RFC 2920 3.2(3): no positive DATA reply without a valid recipient.
    if (tx_.rcpt_tried) return Reply(554, "5.5.1", "No valid recipients", "RCPT first (#5.5.1)");
    return Reply(503, "5.5.1", "Need RCPT command", "RCPT first (#5.5.1)");
  }
  data::DecoderOptions o;
  o.max_body_size = s_.message_size_max;
  o.max_line_octets = s_.text_line_max;
  decoder_ = std::make_unique<data::DataDecoder>(o);
  Reply(354, "", "End data with <CR><LF>.<CR><LF>", "go ahead");
  state_ = State::kData;
}

void Session::HandleBdat(const smtp::ParsedCommand& c) {
  if (!s_.advertise.chunking) {
    // Not implemented: the chunk that follows is read as commands (RFC 3030 warns).
    return Reply(502, "5.5.1", "Command not implemented", "unimplemented (#5.5.1)");
  }
  if (!c.ok) return Reply(501, "5.5.4", "Syntax: BDAT size [LAST]");
  bdat_remaining_ = c.bdat_size;
  bdat_last_ = c.bdat_last;
  bdat_fail_code_ = 0;
  // RFC 3030 2: on failure the data is still read and discarded before the reply.
  if (!tx_.open) {
    bdat_fail_code_ = 503;
    bdat_fail_esc_ = "5.5.1";
    bdat_fail_text_ = "Need MAIL command";
  } else if (tx_.env.recipients.empty()) {
    bdat_fail_code_ = 554;
    bdat_fail_esc_ = "5.5.1";
    bdat_fail_text_ = "No valid recipients";
  } else {
    tx_.bdat_used = true;
  }
  state_ = State::kBdat;
}

void Session::HandleVerify(const smtp::ParsedCommand& c, bool expn) {
  VerifyPolicy pol = expn ? s_.expn : s_.vrfy;
  if (pol == VerifyPolicy::kDisabled) {
    return Reply(502, "5.5.1", expn ? "EXPN command disabled" : "VRFY command disabled",
                 "unimplemented (#5.5.1)");
  }
  std::string_view arg = c.argument;
  if (arg.empty()) return Reply(501, "5.5.4", "Argument required", "syntax error (#5.5.4)");
  if (pol == VerifyPolicy::kCannot) {
    // RFC 5321 7.3: a disabled VRFY/EXPN MUST answer 252.
    return Reply(252, "2.1.5", "Cannot VRFY user, but will accept message and attempt delivery",
                 "send some mail, i'll try my best");
  }
  std::string a(arg);
  if (a.size() >= 2 && a.front() == '<' && a.back() == '>') a = a.substr(1, a.size() - 2);
  if (a.find('@') == std::string::npos) a += "@" + s_.hostname;
  LookupResult r = oracle_.Lookup(a);
  switch (r.status) {
    case RecipientStatus::kLocal:
      return Reply(250, "2.1.5", "<" + r.mailbox + ">");
    case RecipientStatus::kUnknownLocal:
      return Reply(550, "5.1.1", "User unknown");
    case RecipientStatus::kNotLocal:
      return Reply(252, "2.1.5", "Cannot VRFY non-local address");
  }
}

void Session::HandleStarttls(const smtp::ParsedCommand& c) {
  if (!s_.advertise.starttls || !info_.tls_available) {
    return Reply(502, "5.5.1", "Command not implemented", "unimplemented (#5.5.1)");
  }
  if (tls_) return Reply(503, "5.5.1", "TLS already active");  // RFC 3207 4.2 (C12-T2)
  if (!c.ok) return Reply(501, "5.5.4", "Syntax: STARTTLS");
  Reply(220, "2.0.0", "Ready to start TLS");
  // CVE-2011-0411: input pipelined after STARTTLS arrived in plaintext; discard it.
  in_.clear();
  pos_ = 0;
  actions_.push_back(StartTls{});
  state_ = State::kWaitTls;
}

void Session::StartTlsDone(bool ok) {
  if (state_ != State::kWaitTls || closed_) return;
  if (!ok) return CloseNow();
  // RFC 3207 4.2: reset to the initial state; forget EHLO and the transaction.
  tls_ = true;
  helo_seen_ = false;
  ehlo_ = false;
  helo_.clear();
  ResetTransaction();
  in_.clear();
  pos_ = 0;
  state_ = State::kCommand;
}

void Session::SubmitDone(bool ok, std::string_view id, bool permanent) {
  if (state_ != State::kWaitSubmit || closed_) return;
  if (ok) {
    ++accepted_;
    Reply(250, "2.0.0", "Ok: queued as " + std::string(id), "ok " + std::string(id));
  } else if (permanent) {
    Reply(554, "5.3.0", "Transaction failed", "transaction failed (#5.3.0)");
  } else {
    Reply(451, "4.3.0", "Temporary failure, try again later", "qq temporary problem (#4.3.0)");
  }
  ResetTransaction();
  state_ = State::kCommand;
  Process();
}

void Session::Timeout() {
  if (closed_) return;
  // RFC 5321 4.5.3.2.7 / 3.8: 421 before closing on a timeout; qmail sends 451.
  if (s_.timeout_code == config::TimeoutCode::k451) {
    Reply(451, "4.4.2", "Timeout, closing connection", "timeout (#4.4.2)");
  } else {
    Reply(421, "4.4.2", s_.hostname + " Timeout, closing connection", "timeout (#4.4.2)");
  }
  CloseNow();
}

}  // namespace mta::smtpd
