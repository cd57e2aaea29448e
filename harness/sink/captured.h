// captured.h: one SMTP transaction as the capture sink recorded it, and its JSON form
// (written by `mtaspec sink` as NNNN.json).
//
// raw_data holds the DATA octets exactly as they came on the wire, before dot-unstuffing,
// up to and including the final ".\r\n" (RFC 5321 4.1.1.4), so bare CR/LF or a smuggled
// <LF>.<LF> that a relay passed on stays visible; data is the decoded message (RFC 5321
// 4.5.2 unstuffed, strict end-of-data, mta/lib/data). With BDAT (RFC 3030) both are the
// chunks' octets.
//
//   Captured c = ...;  c.mail_from == "" (null reverse-path <>), c.rcpts[0].code == 250
//   CapturedToJson(c)["raw_data_b64"]
#ifndef MTA_HARNESS_SINK_CAPTURED_H_
#define MTA_HARNESS_SINK_CAPTURED_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mta::sink {

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

  // Accepted recipients (2xx).
  std::vector<std::string> AcceptedRcpts() const;
};

// All fields; raw_data and data as escaped text ("raw_data", "data", at most 64 KiB each
// with "…_truncated": true) and in full as base64 ("raw_data_b64", "data_b64").
nlohmann::json CapturedToJson(const Captured& c);

// Printable ASCII as is, \r \n \t \\ and \xHH otherwise.
std::string Escape(std::string_view bytes);
std::string Base64(std::string_view bytes);

}  // namespace mta::sink

#endif  // MTA_HARNESS_SINK_CAPTURED_H_
