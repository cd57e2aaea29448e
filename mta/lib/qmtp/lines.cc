// lines.cc: CRLF <-> LF conversion for QMTP / QMQP message bodies.
//
//   LfToCrlf("hi\n") == "hi\r\n"
#include "mta/lib/qmtp/lines.h"

namespace mta::qmtp {

std::string LfToCrlf(std::string_view lf_text) {
  std::string out;
  out.reserve(lf_text.size() + lf_text.size() / 32 + 2);
  for (char c : lf_text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

std::string CrlfToLf(std::string_view crlf_text) {
  std::string out;
  out.reserve(crlf_text.size());
  for (std::size_t i = 0; i < crlf_text.size(); ++i) {
    // qmail-qmtpd encoding #1: CRLF -> LF, a lone CR is kept.
    if (crlf_text[i] == '\r' && i + 1 < crlf_text.size() && crlf_text[i + 1] == '\n') continue;
    out += crlf_text[i];
  }
  return out;
}

}  // namespace mta::qmtp
