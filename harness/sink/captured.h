// captured.h: one SMTP transaction as the capture sink recorded it, and its JSON form
// (written by `mtaspec sink` as NNNN.json).
//
// raw_data holds the DATA octets exactly as they came on the wire, before dot-unstuffing,
// up to and including the final ".\r\n" (RFC 5321 4.1.1.4), so bare CR/LF or a smuggled
// <LF>.<LF> that a relay passed on stays visible; data is the decoded message (RFC 5321
// 4.5.2 unstuffed, strict end-of-data, mta/lib/data). With BDAT (RFC 3030) both are the
// chunks' octets.
//
// How the connection ended after the transaction (RFC 5321 4.1.1.10: the client sends
// QUIT and SHOULD wait for the 221) is in a SessionEnd shared by every transaction of one
// connection: a transaction is recorded when it ends, its connection's end comes later and
// is seen through every copy once the capture sink fills it in.
//
//   Captured c = ...;  c.mail_from == "" (null reverse-path <>), c.rcpts[0].code == 250
//   CapturedToJson(c)["raw_data_b64"]
//   c.End().closed && c.End().quit && !c.End().closed_before_quit_reply  // waited for 221
#ifndef MTA_HARNESS_SINK_CAPTURED_H_
#define MTA_HARNESS_SINK_CAPTURED_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mta::sink {

// The end of one connection (RFC 5321 4.1.1.10).
struct SessionEnd {
  bool quit = false;                      // the client sent QUIT
  bool quit_reply_sent = false;           // the sink's reply to QUIT (221) was written
  bool closed_before_quit_reply = false;  // the client closed (or shut down its sending
                                          // side) after QUIT, before that reply was written
  // RFC 5321 4.5.3.2.6: the last reply to a final dot that came late (a listener with an
  // "eod" delay): written while the client was still there, or after it had closed (a
  // reset answered the reply; a client that only shut down its sending side, e.g. after a
  // pipelined QUIT, and still reads was there).
  bool eod_reply_done = false;            // that reply was due and its outcome is known
  bool closed_before_eod_reply = false;   // the client had closed when it was written
  int64_t eod_reply_unix_ms = 0;
  bool closed = false;                    // the connection is over; the fields are final
  int64_t closed_unix_ms = 0;
};

// A SessionEnd that the connection's thread updates while others read it.
class SessionEndCell {
 public:
  SessionEnd Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return v_;
  }
  template <typename F>
  void Update(F&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    f(v_);
  }

 private:
  mutable std::mutex mu_;
  SessionEnd v_;
};

struct Captured {
  std::string listen;       // "127.0.0.20:2526"
  std::string peer_ip;      // the client's address
  std::string helo_verb;    // "EHLO", "HELO" or "" (none before MAIL)
  std::string helo;         // its argument
  std::string mail_from;    // reverse-path without <>; "" for <>
  std::string mail_params;  // ESMTP parameters after the path, as sent
  int mail_code = 0;        // the reply given to MAIL
  struct Rcpt {
    std::string path;       // forward-path without <>
    std::string params;
    int code = 0;           // the reply given
  };
  std::vector<Rcpt> rcpts;
  std::string raw_data;     // wire octets of DATA (or BDAT chunks), at most max_message
  std::string data;         // decoded message
  bool data_complete = false;  // end of data seen (<CRLF>.<CRLF> or BDAT LAST)
  bool truncated = false;   // more than max_message octets came; the rest was dropped
  bool bdat = false;        // sent with BDAT
  bool starttls = false;    // always false: the sink offers no STARTTLS
  int eod_code = 0;         // the reply given after the data (0: none, e.g. close_after_dot)
  std::vector<std::string> anomalies;  // decoder anomaly names seen in DATA ("bare-lf", ...)
  int64_t connected_unix_ms = 0;
  int64_t received_unix_ms = 0;   // when the transaction ended (recorded)
  std::string transcript;   // the connection up to here: "C: ..." / "S: ..." lines
  // The connection's end, shared with the other transactions of the connection (and with
  // every copy of this record); null for a record made by hand.
  std::shared_ptr<SessionEndCell> session;

  // Accepted recipients (2xx).
  std::vector<std::string> AcceptedRcpts() const;
  // The connection's end as known now (all false while it lasts or without `session`).
  SessionEnd End() const { return session ? session->Get() : SessionEnd{}; }
};

// All fields; raw_data and data as escaped text ("raw_data", "data", at most 64 KiB each
// with "…_truncated": true) and in full as base64 ("raw_data_b64", "data_b64"); the
// connection's end as "quit" ("sent"/"none"), "quit_reply_sent", "closed_before_quit_reply",
// "session_closed" and "session_closed_unix_ms" (0 while it lasts).
nlohmann::json CapturedToJson(const Captured& c);

// Printable ASCII as is, \r \n \t \\ and \xHH otherwise.
std::string Escape(std::string_view bytes);
std::string Base64(std::string_view bytes);

}  // namespace mta::sink

#endif  // MTA_HARNESS_SINK_CAPTURED_H_
