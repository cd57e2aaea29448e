// inject.h: `refmta qmqp-inject`: submit a message read from a stream by QMQP.
//
// Exit statuses are qmail's (qmail-qmqpc / qmail-queue): 0 the message was accepted ("K");
// 100 permanent failure ("D", or nothing to do: no server or no recipient given); 111
// temporary failure ("Z" from every server, connection failures, timeouts). The message
// may use LF or CRLF line ends; it is sent as LF-separated lines (QMQP).
//
//   QmqpInjectOptions o{{"127.0.0.1:628"}, "joe@example.test", {"ann@example.test"}};
//   std::istringstream in("Subject: hi\n\nhello\n");
//   int status = RunQmqpInject(o, in, std::cerr);   // 0, 100 or 111
#ifndef MTA_QMTP_INJECT_H_
#define MTA_QMTP_INJECT_H_

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "mta/qmtp/conn.h"

namespace mta::qmtp {

inline constexpr int kExitOk = 0;
inline constexpr int kExitPermanent = 100;
inline constexpr int kExitTemporary = 111;

struct QmqpInjectOptions {
  std::vector<std::string> servers;     // "IP:PORT" (port 628 when omitted), tried in turn
  std::string from;                     // envelope sender; "" = the null sender
  std::vector<std::string> recipients;
  Timeouts timeouts;
  std::string source;                   // local IP to bind (--source); "" = any
};

// Reads the whole message from `message`, submits it, writes a one-line diagnostic to
// `err` unless it was accepted; returns the exit status.
int RunQmqpInject(const QmqpInjectOptions& o, std::istream& message, std::ostream& err);

}  // namespace mta::qmtp

#endif  // MTA_QMTP_INJECT_H_
