// submission.cc: our Received line and the "K" description.
//
//   ReceivedLine("QMTP", "192.0.2.1", "mx.test", "7.1", 0) ==
//     "Received: from [192.0.2.1] ([192.0.2.1])\r\n\tby mx.test with QMTP id 7.1;\r\n\t"
//     "Thu, 01 Jan 1970 00:00:00 +0000\r\n"
#include "mta/lib/qmtp/submission.h"

#include <ctime>

#include "mta/lib/report/model.h"

namespace mta::qmtp {

namespace {

// Only octets that cannot break the header field: others become '?'.
std::string Safe(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              std::string_view(".-:_").find(c) != std::string_view::npos;
    out += ok ? c : '?';
  }
  return out;
}

}  // namespace

std::string ReceivedLine(std::string_view protocol, std::string_view client_ip,
                         std::string_view hostname, std::string_view id, std::int64_t when) {
  // RFC 5321 4.4: Stamp = From-domain By-domain Opt-info [CFWS] ";" FWS date-time; the
  // From-domain is the client's address literal (QMTP / QMQP have no HELO).
  std::string r = "Received: ";
  if (!client_ip.empty()) {
    std::string ip = Safe(client_ip);
    std::string lit = ip.find(':') != std::string::npos ? "[IPv6:" + ip + "]" : "[" + ip + "]";
    r += "from " + lit + " (" + lit + ")\r\n\t";
  }
  r += "by " + Safe(hostname) + " with " + Safe(protocol) + " id " + Safe(id) + ";\r\n\t" +
       report::FormatRfc5322Date(static_cast<std::time_t>(when), 0) + "\r\n";
  return r;
}

std::string AcceptedText(std::int64_t when, std::string_view queue_id) {
  return "ok " + std::to_string(when) + " qp " + std::string(queue_id);
}

}  // namespace mta::qmtp
