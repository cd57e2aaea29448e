// session.h: the SMTP server session as a pure state machine (no sockets, files or clocks).
//
// RFC 5321 (commands, replies, 4.1.1.4 end of data, 4.4 Received, 4.5.3 limits, 7.9
// relaying), RFC 2920 (PIPELINING), RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 2034
// (ENHANCEDSTATUSCODES), RFC 6531 (SMTPUTF8), RFC 3030 (CHUNKING/BDAT, BINARYMIME), RFC 3461
// (DSN parameters), RFC 3207 (STARTTLS; CVE-2011-0411 plaintext injection), and the
// disputed-behaviour switches of config::Settings.
//
// The network front feeds received bytes with Feed(), then writes TakeOutput() and carries
// out TakeActions(). All complete input is processed in one Feed and all replies to it are
// returned together, which is RFC 2920 3.2(7) ("send all pending responses whenever the
// local TCP input buffer is emptied").
//
//   Session s(settings, info, oracle);
//   s.Greeting();                       // "220 host ESMTP\r\n"
//   s.Feed("EHLO c.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<user@local.test>\r\nDATA\r\n");
//   s.Feed("Subject: x\r\n\r\nhi\r\n.\r\n");
//   for (Action& a : s.TakeActions()) if (auto* m = std::get_if<SubmitMessage>(&a)) ...
//   s.SubmitDone(true, "qid");          // only now: "250 2.0.0 Ok: queued as qid"
//
// Bounded memory: the command buffer holds at most command_line_max octets (a longer line
// is discarded up to its end and answered 500); input received while a SubmitMessage or a
// STARTTLS handshake is outstanding is held up to kPendingInputCap octets (beyond: 421 and
// close); a message body is stored up to message_size_max octets (beyond: the rest is
// scanned for the end and discarded, then 552); recipients are capped at max_recipients
// (452 beyond).
#ifndef MTA_SMTPD_SESSION_H_
#define MTA_SMTPD_SESSION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mta/config/settings.h"
#include "mta/lib/data/anomaly.h"
#include "mta/lib/data/decoder.h"
#include "mta/lib/smtp/command.h"
#include "mta/smtpd/oracle.h"

namespace mta::smtpd {

struct SessionInfo {
  std::string client_ip;    // "192.0.2.1" or "2001:db8::1" (no brackets)
  int client_port = 0;
  std::string local_ip;     // the address the client connected to
  std::string rdns;         // verified reverse-DNS name, "" if unknown
  bool tls_available = false;  // a certificate is loaded (STARTTLS may be offered)
  bool tls_active = false;     // implicit TLS (port 465): the session starts encrypted
  std::function<std::int64_t()> now;  // seconds since the epoch; null: 0
  std::string session_id;   // unique; used in the Received "id" clause
};

struct Recipient {
  std::string address;  // as accepted: local@domain, route stripped; "postmaster" form kept
  bool local = false;   // a local domain (including an accepted unknown local user)
  std::optional<smtp::Notify> notify;  // RFC 3461
  std::optional<smtp::Orcpt> orcpt;
};

struct Envelope {
  std::string reverse_path;  // mailbox without brackets; "" for <>
  std::vector<Recipient> recipients;
  std::optional<smtp::Ret> ret;
  std::optional<std::string> envid;
  std::optional<smtp::Body> body;
  std::optional<std::uint64_t> declared_size;
  bool smtputf8 = false;
  std::string client_ip;
  std::string client_rdns;
  std::string helo;
  bool tls = false;
  std::string protocol;  // "SMTP", "ESMTP", "ESMTPS", "UTF8SMTP", "UTF8SMTPS"
  std::string session_id;
  std::string message_id;  // session_id "." n: the Received "id"
  std::int64_t received_at = 0;
};

// Hand this message to the queue; answer with SubmitDone().
struct SubmitMessage {
  Envelope envelope;
  std::string data;  // our Received line, then the message (CRLF line ends as received)
  data::AnomalyCounts anomalies{};  // line-end and content anomalies seen in the data
};
struct StartTls {};  // run the TLS handshake now, then call StartTlsDone()
struct Close {};     // close the connection after writing the pending output
using Action = std::variant<SubmitMessage, StartTls, Close>;

class Session {
 public:
  static constexpr std::size_t kPendingInputCap = 256 * 1024;

  Session(const config::Settings& settings, const SessionInfo& info, RecipientOracle& oracle);

  // Sends the banner (220), or 554 and Close for an early talker when early_talker=reject;
  // then processes input fed before it.
  void Greeting();
  // Processes every complete command / data octet in `bytes` (and input held before).
  void Feed(std::string_view bytes);
  // The connection's input ended (peer closed): nothing more will arrive.
  void PeerClosed();
  // Result of a SubmitMessage: ok -> 250 with `queue_id_or_error`; else 451 (or 554 when
  // `permanent`).
  void SubmitDone(bool ok, std::string_view queue_id_or_error, bool permanent = false);
  // Result of the TLS handshake: ok -> fresh session state (RFC 3207 4.2); else Close.
  void StartTlsDone(bool ok);
  // The idle timeout expired: 421 4.4.2 (or 451 per timeout_code) and Close.
  void Timeout();

  std::string TakeOutput();
  std::vector<Action> TakeActions();
  bool wants_close() const { return closed_; }
  bool awaiting_submit() const { return state_ == State::kWaitSubmit; }
  bool awaiting_tls() const { return state_ == State::kWaitTls; }
  bool tls_active() const { return tls_; }
  // Octets held in internal buffers (for the bounded-memory invariant).
  std::size_t buffered_octets() const;
  std::size_t buffer_cap() const;
  std::uint64_t messages_accepted() const { return accepted_; }

 private:
  enum class State { kPreGreeting, kCommand, kData, kBdat, kWaitSubmit, kWaitTls, kClosed };
  struct Transaction {
    bool open = false;
    Envelope env;
    bool rcpt_tried = false;
    bool bdat_used = false;
    std::string body;
    std::uint64_t body_size = 0;  // including octets not stored
    data::AnomalyCounts counts{};
    int bdat_prev = 0;  // last octet of the previous chunk (for bare CR/LF across chunks)
  };

  // Replies.
  void Reply(int code, std::string_view esc, std::string_view text,
             std::string_view qmail_text = {});
  void ReplyRaw(std::string_view bytes) { out_ += bytes; }
  bool Enhanced() const;
  void CountError(int code);
  void CloseNow();

  // Input processing.
  void Process();
  bool ProcessCommandInput();  // false: need more input
  void HandleLine(std::string_view line);
  void HandleHelo(const smtp::ParsedCommand& c, bool ehlo);
  void HandleMail(const smtp::ParsedCommand& c);
  void HandleRcpt(const smtp::ParsedCommand& c);
  void HandleData(const smtp::ParsedCommand& c);
  void HandleBdat(const smtp::ParsedCommand& c);
  void HandleVerify(const smtp::ParsedCommand& c, bool expn);
  void HandleStarttls(const smtp::ParsedCommand& c);
  void ResetTransaction();
  smtp::CommandOptions Options(bool rcpt) const;
  bool ParamsSupported(const smtp::ParsedCommand& c) const;

  // DATA / BDAT (session_data.cc).
  void FeedData();
  void FeedBdat();
  void ScanBdatChunk(std::string_view chunk);
  void FinishMessage(std::string body, const data::AnomalyCounts& counts, bool too_big,
                     bool binary);
  std::string ReceivedLine() const;

  const config::Settings& s_;
  SessionInfo info_;
  RecipientOracle& oracle_;
  State state_ = State::kPreGreeting;
  std::string in_;        // input; unprocessed from pos_
  std::size_t pos_ = 0;
  std::string_view Pending() const { return std::string_view(in_).substr(pos_); }
  void Consume(std::size_t n) { pos_ += n; }
  void Compact();
  bool discarding_ = false;  // inside an over-long command line
  bool discard_cr_ = false;  // the discarded part ended with CR
  bool early_talk_ = false;
  bool closed_ = false;
  bool tls_ = false;
  bool helo_seen_ = false;
  bool ehlo_ = false;
  std::string helo_;
  std::uint64_t errors_ = 0;
  std::uint64_t messages_ = 0;
  std::uint64_t accepted_ = 0;
  Transaction tx_;
  std::unique_ptr<data::DataDecoder> decoder_;
  std::uint64_t bdat_remaining_ = 0;
  bool bdat_last_ = false;
  int bdat_fail_code_ = 0;
  std::string bdat_fail_esc_, bdat_fail_text_;
  std::string out_;
  std::vector<Action> actions_;
};

}  // namespace mta::smtpd

#endif  // MTA_SMTPD_SESSION_H_
