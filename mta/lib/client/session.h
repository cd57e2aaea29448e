// session.h: a pure SMTP client session: reply octets in (any chunking), command and
// message octets out. No I/O: a driver (mta/client) moves the bytes, runs timers and TLS.
//
// RFC 5321 3.1-3.3, 4.1.1 (greeting -> EHLO, HELO fallback on 5xx per 4.1.1.1 / 3.2,
// MAIL, RCPT, DATA, QUIT with 221 awaited per 4.1.1.10), 4.5.2 (dot-stuffing, via the DATA
// encoder, which also turns every bare CR / LF into CRLF: RFC 5321 2.3.8), 4.5.4.1 (one
// copy for several recipients), 5.1 (next MX). RFC 2920 (PIPELINING: MAIL, every RCPT and
// DATA in one write, replies matched in order). RFC 1870 (SIZE=n; 5.3.4 when over the
// peer's limit). RFC 6152 (BODY=8BITMIME; else downgrade, bounce 5.6.3 or send raw).
// RFC 6531 (SMTPUTF8; 5.6.7 for UTF-8 addresses when not offered). RFC 3461 (RET, ENVID,
// NOTIFY, ORCPT only when DSN is offered, 5.2.2). RFC 3207 (STARTTLS; 4.2: the buffered
// plaintext after the 220 is discarded and EHLO is sent again, old keywords forgotten).
//
//   Session s(tx, {.helo_name = "me.test"});
//   s.Feed("220 mx.test\r\n");           s.TakeOutput() == "EHLO me.test\r\n"
//   s.Feed("250 mx.test\r\n");           s.TakeOutput() == "MAIL FROM:<a@b.test>\r\n"
//   ...  until s.want() == Want::kDone;  s.outcome().rcpts[0].status
#ifndef MTA_LIB_CLIENT_SESSION_H_
#define MTA_LIB_CLIENT_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/client/ehlo.h"
#include "mta/lib/client/result.h"
#include "mta/lib/reply/reply.h"
#include "mta/lib/reply/reply_reader.h"

namespace mta::client {

// What to do with an 8-bit message when the peer does not offer 8BITMIME (RFC 6152 3).
enum class EightBitPolicy {
  kDowngrade,  // convert to 7-bit MIME (quoted-printable); when impossible, fail 5.6.3
  kBounce,     // fail every recipient 5.6.3
  kSendRaw,    // send the octets as they are (qmail's choice)
};

enum class StartTlsMode {
  kOff,            // never send STARTTLS
  kOpportunistic,  // STARTTLS when offered; plaintext when not offered or refused
  kRequired,       // no STARTTLS offered / refused: temporary failure (4.7.0), next MX
};

struct TxRecipient {
  std::string address;  // forward-path without angle brackets
  std::string notify;   // RFC 3461 NOTIFY value ("" = absent), e.g. "SUCCESS,FAILURE"
  std::string orcpt;    // RFC 3461 ORCPT value ("" = absent), e.g. "rfc822;a+40b.test"
};

struct Transaction {
  std::string sender;  // reverse-path without angle brackets; "" for <>
  std::vector<TxRecipient> recipients;
  std::string ret;     // RFC 3461 RET "FULL" / "HDRS" / ""
  std::string envid;   // RFC 3461 ENVID (xtext) or ""
  // Stored form: CRLF lines; bare CR / LF may occur and never reach the wire bare.
  std::string message;
  EightBitPolicy eight_bit = EightBitPolicy::kDowngrade;
};

struct SessionOptions {
  std::string helo_name = "localhost";
  StartTlsMode starttls = StartTlsMode::kOff;
  bool helo_only = false;       // qmail's profile: HELO, never EHLO (no extensions)
  std::size_t max_rcpts = 100;  // recipients per transaction (RFC 5321 4.5.3.1.8: >= 100)
};

enum class Want {
  kRead,      // write TakeOutput() (if any), then read and Feed() (or report loss/timeout)
  kStartTls,  // write TakeOutput() (nothing), do the TLS handshake, then TlsStarted/Failed
  kDone,      // write TakeOutput() (if any) and close
};

class Session {
 public:
  Session(Transaction tx, SessionOptions options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Octets to write now, moved out (empty when none).
  std::string TakeOutput();
  Want want() const { return want_; }
  // The stage whose reply is awaited (the driver picks its timeout by it; kEod also
  // while the message content is being written: RFC 5321 4.5.3.2.5 data block).
  Stage stage() const;

  // Reply octets from the peer, in any chunking. Ignored unless want() == kRead.
  void Feed(std::string_view bytes);
  // TLS handshake result after want() == kStartTls.
  void TlsStarted();
  void TlsFailed(std::string_view why);
  // The connection could not be made (RFC 5321 5.1: the next address is tried).
  void ConnectFailed(std::string_view why);
  // The peer closed the connection or an I/O error occurred (RFC 5321 3.8: as a 451).
  void ConnectionLost(std::string_view why);
  // No reply within the stage's timeout (RFC 5321 4.5.3.2).
  void TimedOut();

  const SessionOutcome& outcome() const { return outcome_; }

 private:
  enum class Expect { kGreeting, kEhlo, kHelo, kStarttls, kRset, kMail, kRcpt, kData, kDot,
                      kEod, kQuit };
  struct Pending {
    Expect what;
    std::size_t rcpt = 0;  // kRcpt: index into the transaction's recipients
  };

  void Handle(const reply::Reply& r);
  void OnGreeting(const reply::Reply& r);
  void OnEhlo(const reply::Reply& r);
  void OnHelo(const reply::Reply& r);
  void AfterHello();
  void OnStarttls(const reply::Reply& r);
  void OnMail(const reply::Reply& r);
  void OnRcpt(std::size_t i, const reply::Reply& r);
  void OnData(const reply::Reply& r);
  void OnEod(const reply::Reply& r);

  void SendHello(bool ehlo);
  void Send(std::string line, Pending p);
  bool PrepareMessage();  // false when every recipient failed
  void StartTransaction();
  void SendMail();
  void SendNextInSequence();  // non-pipelined: the next RCPT, or DATA
  void EndTransaction(bool completed);
  void SendQuit();
  void Finish(std::string error);
  void Abort(std::string why);  // connection lost / timeout

  std::string MailCommand() const;
  std::string RcptCommand(const TxRecipient& r) const;

  void SetFromReply(std::size_t i, const reply::Reply& r, Stage stage);
  void SetLocal(std::size_t i, RcptStatus st, const char* enhanced, std::string text,
                Stage stage);
  // Every recipient not yet decided (in the current transaction and after it).
  void FailUndecided(const reply::Reply* r, RcptStatus st, const char* enhanced,
                     const std::string& text, Stage stage);
  bool Decided(std::size_t i) const;
  Stage StageOf(Expect e) const;

  Transaction tx_;
  SessionOptions opt_;
  SessionOutcome outcome_;
  std::unique_ptr<reply::ReplyReader> reader_;
  std::string out_;
  Want want_ = Want::kRead;
  std::deque<Pending> expect_;
  Extensions ext_;
  bool tls_ = false;
  bool mail_sent_ = false;  // a MAIL command has been written (no next-MX after this)

  // Message as sent (after a possible downgrade), computed once after the EHLO reply.
  bool prepared_ = false;
  std::string wire_;        // DATA encoding (dot-stuffed, terminator included)
  std::uint64_t size_ = 0;  // RFC 1870: octets of the canonical message
  bool body_8bitmime_ = false;
  bool smtputf8_ = false;

  // The current transaction.
  std::vector<std::size_t> batch_;
  std::size_t next_rcpt_ = 0;  // non-pipelined: next batch_ entry to send
  std::vector<std::size_t> accepted_;
  bool mail_failed_ = false;
  bool need_rset_ = false;
  std::vector<bool> attempted_;  // put into a transaction (or decided before)
};

}  // namespace mta::client

#endif  // MTA_LIB_CLIENT_SESSION_H_
