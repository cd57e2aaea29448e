// lines.h: line-end conversion between the queue's CRLF form and the LF forms of QMTP /
// QMQP.
//
// The queue stores a message as received by SMTP: lines ended by CRLF. QMTP encoding #2
// and QMQP carry LF-separated lines; QMTP encoding #1 carries CRLF. qmail-qmtpd decodes
// encoding #1 by turning every CRLF into LF and keeping a lone CR; CrlfToLf is that rule,
// and LfToCrlf its inverse for every message whose LFs all follow a CR in CRLF form (a
// "safe" message, https://cr.yp.to/proto/qmtp.txt 3).
//
//   LfToCrlf("a\nb\r\n") == "a\r\nb\r\r\n"
//   CrlfToLf("a\r\nb\r\r\n") == "a\nb\r\n"
#ifndef MTA_LIB_QMTP_LINES_H_
#define MTA_LIB_QMTP_LINES_H_

#include <string>
#include <string_view>

namespace mta::qmtp {

// Every LF becomes CRLF (a CR before it is part of the line and stays).
std::string LfToCrlf(std::string_view lf_text);
// Every CRLF becomes LF; a lone CR and a bare LF stay as they are.
std::string CrlfToLf(std::string_view crlf_text);

}  // namespace mta::qmtp

#endif  // MTA_LIB_QMTP_LINES_H_
