// session.cc: the SMTP client state machine (RFC 5321, 2920, 1870, 6152, 6531, 3461, 3207).
#include "mta/lib/client/session.h"

#include <algorithm>
#include <utility>

#include "mta/lib/data/encoder.h"
#include "mta/lib/data/line_ends.h"
#include "mta/lib/mime/downgrade.h"
#include "mta/lib/reply/enhanced_status.h"
#include "mta/lib/smtp/xtext.h"

namespace mta::client {
namespace {

bool NonAscii(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// Octets that can never go into a command line: controls (CR, LF, NUL, ...) and DEL.
// RFC 5321 2.3.8 / 4.1.2: a path carrying them would split or corrupt the command.
bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// A path: no controls, no angle brackets, no SP outside a quoted local part.
bool SendablePath(std::string_view s) {
  if (HasControl(s)) return false;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted && c == '\\' && i + 1 < s.size()) { ++i; continue; }
    if (c == '"') quoted = !quoted;
    else if (!quoted && (c == '<' || c == '>' || c == ' ')) return false;
  }
  return !quoted;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  return out;
}

// RFC 3461 4.1: NOTIFY = "NEVER" / 1#( "SUCCESS" / "FAILURE" / "DELAY" ).
bool ValidNotify(std::string_view v) {
  std::string up = Upper(v);
  if (up == "NEVER") return true;
  if (up.empty()) return false;
  std::size_t i = 0;
  while (i <= up.size()) {
    std::size_t c = up.find(',', i);
    if (c == std::string::npos) c = up.size();
    std::string_view item = std::string_view(up).substr(i, c - i);
    if (item != "SUCCESS" && item != "FAILURE" && item != "DELAY") return false;
    i = c + 1;
  }
  return true;
}

// RFC 3461 4.2: ORCPT = addr-type ";" xtext; addr-type = atom.
bool ValidOrcpt(std::string_view v) {
  std::size_t semi = v.find(';');
  if (semi == std::string_view::npos || semi == 0) return false;
  for (char c : v.substr(0, semi)) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) return false;
  }
  return v.size() - semi - 1 <= 500 && smtp::IsXtext(v.substr(semi + 1));
}

bool NotifySuccess(std::string_view v) {
  return ValidNotify(v) && Upper(v).find("SUCCESS") != std::string::npos;
}

}  // namespace

std::string_view StageName(Stage s) {
  switch (s) {
    case Stage::kConnect: return "connect";
    case Stage::kGreeting: return "greeting";
    case Stage::kEhlo: return "ehlo";
    case Stage::kStarttls: return "starttls";
    case Stage::kMail: return "mail";
    case Stage::kRcpt: return "rcpt";
    case Stage::kData: return "data";
    case Stage::kEod: return "eod";
    case Stage::kQuit: return "quit";
  }
  return "";
}

std::string_view RcptStatusName(RcptStatus s) {
  switch (s) {
    case RcptStatus::kPending: return "pending";
    case RcptStatus::kDelivered: return "delivered";
    case RcptStatus::kTempFail: return "temp";
    case RcptStatus::kPermFail: return "perm";
  }
  return "";
}

Session::Session(Transaction tx, SessionOptions options)
    : tx_(std::move(tx)), opt_(std::move(options)),
      reader_(std::make_unique<reply::ReplyReader>()) {
  if (opt_.max_rcpts == 0) opt_.max_rcpts = 1;
  outcome_.rcpts.resize(tx_.recipients.size());
  attempted_.assign(tx_.recipients.size(), false);
  expect_.push_back({Expect::kGreeting});  // RFC 5321 3.1: the server speaks first
}

Session::~Session() = default;

std::string Session::TakeOutput() { return std::exchange(out_, std::string()); }

Stage Session::StageOf(Expect e) const {
  switch (e) {
    case Expect::kGreeting: return Stage::kGreeting;
    case Expect::kEhlo:
    case Expect::kHelo: return Stage::kEhlo;
    case Expect::kStarttls: return Stage::kStarttls;
    case Expect::kRset:
    case Expect::kMail: return Stage::kMail;
    case Expect::kRcpt: return Stage::kRcpt;
    case Expect::kData: return Stage::kData;
    case Expect::kDot:
    case Expect::kEod: return Stage::kEod;
    case Expect::kQuit: return Stage::kQuit;
  }
  return Stage::kConnect;
}

Stage Session::stage() const {
  if (want_ == Want::kStartTls) return Stage::kStarttls;
  if (expect_.empty()) return Stage::kQuit;
  return StageOf(expect_.front().what);
}

void Session::Feed(std::string_view bytes) {
  // RFC 3207 4.2 / CVE-2011-0411: nothing received between the 220 to STARTTLS and the
  // end of the handshake is a reply.
  if (want_ != Want::kRead) return;
  reader_->Feed(bytes);
  while (want_ == Want::kRead) {
    std::optional<reply::Reply> r = reader_->Next();
    if (!r) break;
    Handle(*r);
  }
}

void Session::Handle(const reply::Reply& r) {
  if (expect_.empty()) return;  // an unsolicited reply: nothing waits for it
  Pending p = expect_.front();
  expect_.pop_front();
  // RFC 5321 3.8: 421 - the server is closing the channel; every command still waiting
  // fails with it and no QUIT follows.
  if (r.code == 421 && p.what != Expect::kQuit) {
    if (!mail_sent_) outcome_.try_next_mx = true;
    FailUndecided(&r, RcptStatus::kTempFail, nullptr, "", StageOf(p.what));
    Finish("421 from the server: " + r.JoinedText());
    return;
  }
  switch (p.what) {
    case Expect::kGreeting: OnGreeting(r); break;
    case Expect::kEhlo: OnEhlo(r); break;
    case Expect::kHelo: OnHelo(r); break;
    case Expect::kStarttls: OnStarttls(r); break;
    case Expect::kRset:
      if (!ext_.pipelining) SendMail();  // pipelined: MAIL went with the RSET
      break;
    case Expect::kMail: OnMail(r); break;
    case Expect::kRcpt: OnRcpt(p.rcpt, r); break;
    case Expect::kData: OnData(r); break;
    case Expect::kDot: EndTransaction(false); break;
    case Expect::kEod: OnEod(r); break;
    case Expect::kQuit:
      outcome_.quit_acknowledged = r.code == 221;
      Finish("");
      break;
  }
}

void Session::Send(std::string line, Pending p) {
  out_.append(line);
  expect_.push_back(p);
}

void Session::SendHello(bool ehlo) {
  Send(std::string(ehlo ? "EHLO " : "HELO ") + opt_.helo_name + "\r\n",
       {ehlo ? Expect::kEhlo : Expect::kHelo});
}

void Session::OnGreeting(const reply::Reply& r) {
  if (r.code / 100 == 2) {
    // RFC 5321 4.1.1.1: a client SHOULD start with EHLO; qmail's profile uses HELO only.
    SendHello(!opt_.helo_only);
    return;
  }
  // RFC 5321 3.1 / 5.1: a 4xx / 5xx greeting - try the next address; send QUIT first.
  outcome_.try_next_mx = true;
  FailUndecided(&r, r.code / 100 == 5 ? RcptStatus::kPermFail : RcptStatus::kTempFail,
                nullptr, "", Stage::kGreeting);
  outcome_.error = "greeting refused: " + r.JoinedText();
  SendQuit();
}

void Session::OnEhlo(const reply::Reply& r) {
  if (r.code / 100 == 2) {
    ext_ = ParseEhlo(r);
    outcome_.extensions = ext_;
    AfterHello();
    return;
  }
  if (r.code / 100 == 5) {
    // RFC 5321 4.1.1.1 / 3.2: EHLO not supported (500 / 502 / 504 or another 5xx): fall
    // back to HELO in the same session.
    SendHello(false);
    return;
  }
  outcome_.try_next_mx = true;
  FailUndecided(&r, RcptStatus::kTempFail, nullptr, "", Stage::kEhlo);
  outcome_.error = "EHLO refused: " + r.JoinedText();
  SendQuit();
}

void Session::OnHelo(const reply::Reply& r) {
  if (r.code / 100 == 2) {
    ext_ = Extensions{};  // RFC 5321 4.1.1.1: HELO means no service extensions
    outcome_.extensions = ext_;
    AfterHello();
    return;
  }
  // RFC 5321 5.1 (disputed point I5): the name was refused: the next MX may take it.
  outcome_.try_next_mx = true;
  FailUndecided(&r, r.code / 100 == 5 ? RcptStatus::kPermFail : RcptStatus::kTempFail,
                nullptr, "", Stage::kEhlo);
  outcome_.error = "HELO refused: " + r.JoinedText();
  SendQuit();
}

void Session::AfterHello() {
  if (!tls_ && opt_.starttls != StartTlsMode::kOff && ext_.starttls) {
    // RFC 3207 4: STARTTLS is the last command of any group; sent alone here.
    Send("STARTTLS\r\n", {Expect::kStarttls});
    return;
  }
  if (!tls_ && opt_.starttls == StartTlsMode::kRequired) {
    outcome_.try_next_mx = true;
    FailUndecided(nullptr, RcptStatus::kTempFail, "4.7.0",
                  "TLS required but the peer does not offer STARTTLS", Stage::kStarttls);
    outcome_.error = "STARTTLS not offered";
    SendQuit();
    return;
  }
  StartTransaction();
}

void Session::OnStarttls(const reply::Reply& r) {
  if (r.code / 100 == 2) {
    // RFC 3207 4.2 / CVE-2011-0411: discard whatever the server sent after its 220 in
    // plaintext; only the TLS layer may speak from now on.
    reader_ = std::make_unique<reply::ReplyReader>();
    want_ = Want::kStartTls;
    return;
  }
  if (opt_.starttls == StartTlsMode::kRequired) {
    outcome_.try_next_mx = true;
    FailUndecided(&r, RcptStatus::kTempFail, "4.7.0", "", Stage::kStarttls);
    outcome_.error = "STARTTLS refused: " + r.JoinedText();
    SendQuit();
    return;
  }
  StartTransaction();  // opportunistic: carry on in plaintext
}

void Session::TlsStarted() {
  if (want_ != Want::kStartTls) return;
  want_ = Want::kRead;
  tls_ = true;
  outcome_.tls = true;
  // RFC 3207 4.2: forget what the plaintext EHLO said and ask again.
  ext_ = Extensions{};
  outcome_.extensions = ext_;
  SendHello(true);
}

void Session::TlsFailed(std::string_view why) {
  if (want_ != Want::kStartTls) return;
  outcome_.tls_failed = true;
  outcome_.try_next_mx = true;
  FailUndecided(nullptr, RcptStatus::kTempFail, "4.7.0",
                "TLS handshake failed: " + std::string(why), Stage::kStarttls);
  Finish("TLS handshake failed: " + std::string(why));
}

bool Session::PrepareMessage() {
  prepared_ = true;
  const bool utf8_sender = NonAscii(tx_.sender);
  bool utf8_any = utf8_sender;
  for (const TxRecipient& rc : tx_.recipients) utf8_any = utf8_any || NonAscii(rc.address);
  if (utf8_any && ext_.smtputf8) smtputf8_ = true;
  if (utf8_sender && !ext_.smtputf8) {
    // RFC 6531 3.4: a UTF-8 address needs SMTPUTF8 at the next hop.
    FailUndecided(nullptr, RcptStatus::kPermFail, "5.6.7",
                  "the sender address needs SMTPUTF8, which the peer does not offer",
                  Stage::kMail);
    return false;
  }
  if (!SendablePath(tx_.sender)) {
    FailUndecided(nullptr, RcptStatus::kPermFail, "5.1.7", "bad sender address syntax",
                  Stage::kMail);
    return false;
  }
  std::string_view msg = tx_.message;
  std::string converted;
  if (mime::HasEightBit(msg)) {
    if (ext_.eightbitmime) {
      body_8bitmime_ = true;  // RFC 6152 2: BODY=8BITMIME
    } else if (tx_.eight_bit == EightBitPolicy::kSendRaw) {
      // qmail's choice (disputed point C5): octets as they are.
    } else if (tx_.eight_bit == EightBitPolicy::kBounce) {
      FailUndecided(nullptr, RcptStatus::kPermFail, "5.6.3",
                    "8-bit message and the peer does not offer 8BITMIME", Stage::kMail);
      return false;
    } else {
      mime::DowngradeResult d = mime::Downgrade(msg);
      if (!d.ok()) {
        FailUndecided(nullptr, RcptStatus::kPermFail, "5.6.3",
                      "8-bit message cannot be converted to 7-bit: " + d.reason, Stage::kMail);
        return false;
      }
      converted = std::move(d.message);
      msg = converted;
      outcome_.downgraded = true;
    }
  }
  size_ = data::Canonicalize(msg).size();
  // RFC 1870 6: a message larger than the server's fixed maximum is a permanent failure.
  if (ext_.size && ext_.size_limit && size_ > *ext_.size_limit) {
    FailUndecided(nullptr, RcptStatus::kPermFail, "5.3.4",
                  "message size " + std::to_string(size_) + " exceeds the peer's limit " +
                      std::to_string(*ext_.size_limit),
                  Stage::kMail);
    return false;
  }
  wire_ = data::EncodeData(msg);
  return true;
}

std::string Session::MailCommand() const {
  std::string c = "MAIL FROM:<" + tx_.sender + ">";
  if (ext_.size) c += " SIZE=" + std::to_string(size_);                  // RFC 1870 3
  if (body_8bitmime_) c += " BODY=8BITMIME";                             // RFC 6152 2
  if (smtputf8_) c += " SMTPUTF8";                                       // RFC 6531 3.4
  if (ext_.dsn) {  // RFC 3461 5.2.1: passed on unchanged to a DSN server; 5.2.2: else not
    std::string ret = Upper(tx_.ret);
    if (ret == "FULL" || ret == "HDRS") c += " RET=" + ret;
    if (!tx_.envid.empty()) {
      c += " ENVID=" + (smtp::IsXtext(tx_.envid) ? tx_.envid : smtp::XtextEncode(tx_.envid));
    }
  }
  return c + "\r\n";
}

std::string Session::RcptCommand(const TxRecipient& r) const {
  std::string c = "RCPT TO:<" + r.address + ">";
  if (ext_.dsn) {
    if (ValidNotify(r.notify)) c += " NOTIFY=" + Upper(r.notify);
    if (ValidOrcpt(r.orcpt)) c += " ORCPT=" + r.orcpt;
  }
  return c + "\r\n";
}

void Session::StartTransaction() {
  if (!prepared_ && !PrepareMessage()) {
    SendQuit();
    return;
  }
  batch_.clear();
  accepted_.clear();
  next_rcpt_ = 0;
  mail_failed_ = false;
  for (std::size_t i = 0; i < tx_.recipients.size() && batch_.size() < opt_.max_rcpts; ++i) {
    if (attempted_[i] || Decided(i)) continue;
    attempted_[i] = true;
    const TxRecipient& rc = tx_.recipients[i];
    if (NonAscii(rc.address) && !ext_.smtputf8) {
      SetLocal(i, RcptStatus::kPermFail, "5.6.7",
               "the address needs SMTPUTF8, which the peer does not offer", Stage::kRcpt);
      continue;
    }
    if (rc.address.empty() || !SendablePath(rc.address)) {
      SetLocal(i, RcptStatus::kPermFail, "5.1.3", "bad recipient address syntax", Stage::kRcpt);
      continue;
    }
    batch_.push_back(i);
  }
  if (batch_.empty()) {
    SendQuit();
    return;
  }
  if (need_rset_) {
    need_rset_ = false;
    Send("RSET\r\n", {Expect::kRset});
    if (!ext_.pipelining) return;  // MAIL follows the RSET reply
  }
  SendMail();
  if (!ext_.pipelining) return;
  // RFC 2920 3.1: MAIL, the RCPTs and DATA (the last of the group) in one write.
  for (std::size_t i : batch_) Send(RcptCommand(tx_.recipients[i]), {Expect::kRcpt, i});
  next_rcpt_ = batch_.size();
  Send("DATA\r\n", {Expect::kData});
}

void Session::SendMail() {
  mail_sent_ = true;
  Send(MailCommand(), {Expect::kMail});
}

void Session::SendNextInSequence() {
  // Without PIPELINING one command, then its reply (RFC 5321 4.1.1, RFC 2920 3.1).
  if (next_rcpt_ < batch_.size()) {
    const std::size_t i = batch_[next_rcpt_++];
    Send(RcptCommand(tx_.recipients[i]), {Expect::kRcpt, i});
  } else if (!accepted_.empty()) {
    Send("DATA\r\n", {Expect::kData});
  } else {
    EndTransaction(false);  // every RCPT refused: no DATA
  }
}

void Session::OnMail(const reply::Reply& r) {
  if (r.code / 100 == 2) {
    if (!ext_.pipelining) SendNextInSequence();
    return;
  }
  // The sender or the message was refused: it applies to every recipient.
  mail_failed_ = true;
  FailUndecided(&r, r.code / 100 == 5 ? RcptStatus::kPermFail : RcptStatus::kTempFail, nullptr,
                "", Stage::kMail);
  if (!ext_.pipelining) SendQuit();  // pipelined: the RCPT and DATA replies still come
}

void Session::OnRcpt(std::size_t i, const reply::Reply& r) {
  if (!mail_failed_) {
    if (r.code / 100 == 2) {
      accepted_.push_back(i);
    } else {
      SetFromReply(i, r, Stage::kRcpt);
    }
  }
  if (!ext_.pipelining) SendNextInSequence();
}

void Session::OnData(const reply::Reply& r) {
  // RFC 5321 4.1.1.4 / 4.3.2: only 354 opens the content; any other reply ends DATA.
  if (r.code == 354) {
    if (accepted_.empty() || mail_failed_) {
      // RFC 2920 3.1: DATA accepted although no RCPT was: send an empty message's
      // terminator alone, the server then fails the transaction.
      Send(".\r\n", {Expect::kDot});
      return;
    }
    // RFC 5321 4.1.1.4: the content only after 354.
    Send(wire_, {Expect::kEod});
    return;
  }
  for (std::size_t i : accepted_) SetFromReply(i, r, Stage::kData);
  EndTransaction(false);
}

void Session::OnEod(const reply::Reply& r) {
  for (std::size_t i : accepted_) SetFromReply(i, r, Stage::kEod);
  EndTransaction(true);
}

void Session::EndTransaction(bool completed) {
  // RFC 5321 4.1.1.5: RSET before the next MAIL when the transaction did not end at the
  // end-of-data reply.
  need_rset_ = !completed;
  if (mail_failed_) {
    SendQuit();
    return;
  }
  StartTransaction();
}

void Session::SendQuit() {
  // RFC 5321 4.1.1.10: QUIT, then wait for 221.
  Send("QUIT\r\n", {Expect::kQuit});
}

void Session::Finish(std::string error) {
  if (!error.empty() && outcome_.error.empty()) outcome_.error = std::move(error);
  // Nothing stays undecided once the session is over.
  FailUndecided(nullptr, RcptStatus::kTempFail, "4.4.2",
                outcome_.error.empty() ? "session ended before delivery" : outcome_.error,
                stage());
  expect_.clear();
  want_ = Want::kDone;
}

void Session::Abort(std::string why) {
  if (want_ == Want::kDone) return;
  const bool quitting = !expect_.empty() && expect_.front().what == Expect::kQuit;
  if (quitting && want_ == Want::kRead) {
    // RFC 5321 4.1.1.10: the delivery result stands whatever happens to the QUIT reply.
    expect_.clear();
    want_ = Want::kDone;
    return;
  }
  // RFC 5321 5.1: a connection failing before MAIL: the next address may do better.
  if (!mail_sent_) outcome_.try_next_mx = true;
  // RFC 5321 3.8: as if a 451 had been received - temporary, for every open recipient.
  FailUndecided(nullptr, RcptStatus::kTempFail, "4.4.2", why, stage());
  Finish(why);
}

void Session::ConnectionLost(std::string_view why) {
  Abort("connection lost during " + std::string(StageName(stage())) +
        (why.empty() ? std::string() : ": " + std::string(why)));
}

void Session::ConnectFailed(std::string_view why) {
  if (want_ == Want::kDone) return;
  outcome_.try_next_mx = true;
  const std::string text = "connection failed: " + std::string(why);
  FailUndecided(nullptr, RcptStatus::kTempFail, "4.4.1", text, Stage::kConnect);
  Finish(text);
}

void Session::TimedOut() {
  Abort("timeout waiting for the " + std::string(StageName(stage())) + " reply");
}

bool Session::Decided(std::size_t i) const {
  return outcome_.rcpts[i].status != RcptStatus::kPending;
}

void Session::SetFromReply(std::size_t i, const reply::Reply& r, Stage stage) {
  RcptResult& res = outcome_.rcpts[i];
  const int klass = r.code / 100;
  res.status = klass == 2   ? RcptStatus::kDelivered
               : klass == 5 ? RcptStatus::kPermFail
                            : RcptStatus::kTempFail;
  res.code = r.code;
  res.text = r.JoinedText();
  res.enhanced = r.enhanced ? r.enhanced : reply::FindHcmssc(res.text);
  res.stage = stage;
  // RFC 3461 5.2.2(b): NOTIFY=SUCCESS through a non-DSN peer: "relayed".
  res.dsn_relayed = res.status == RcptStatus::kDelivered && !ext_.dsn &&
                    NotifySuccess(tx_.recipients[i].notify);
}

void Session::SetLocal(std::size_t i, RcptStatus st, const char* enhanced, std::string text,
                       Stage stage) {
  RcptResult& res = outcome_.rcpts[i];
  res.status = st;
  res.code = 0;
  res.enhanced = enhanced ? reply::EnhancedStatus::Parse(enhanced) : std::nullopt;
  res.text = std::move(text);
  res.stage = stage;
  res.dsn_relayed = false;
}

void Session::FailUndecided(const reply::Reply* r, RcptStatus st, const char* enhanced,
                            const std::string& text, Stage stage) {
  for (std::size_t i = 0; i < outcome_.rcpts.size(); ++i) {
    if (Decided(i)) continue;
    if (r != nullptr) {
      SetFromReply(i, *r, stage);
      RcptResult& res = outcome_.rcpts[i];
      res.status = st;
      res.dsn_relayed = false;
      if (enhanced) res.enhanced = reply::EnhancedStatus::Parse(enhanced);
      if (!text.empty()) res.text = text;
    } else {
      SetLocal(i, st, enhanced, text, stage);
    }
  }
}

}  // namespace mta::client
