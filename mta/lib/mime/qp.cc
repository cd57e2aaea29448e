// qp.cc: quoted-printable encoder and decoder (RFC 2045 6.7).
#include "mta/lib/mime/qp.h"

namespace mta::mime {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Appends the encoding of one line (no CRLF inside) with soft breaks.
void EncodeLine(std::string_view line, std::string* out) {
  std::size_t col = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    const bool last = i + 1 == line.size();
    std::string_view lit;
    char esc[3] = {'=', kHex[c >> 4], kHex[c & 15]};
    // RFC 2045 6.7 rule 2 (literal) and rule 3 (SP/HT not at the end of a line).
    const bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
    if (literal) {
      lit = line.substr(i, 1);
    } else {
      lit = std::string_view(esc, 3);
    }
    // Rule 5: at most 76 octets per encoded line, the soft break's "=" included. The last
    // token of the line needs no room for a following "=".
    const std::size_t room = last ? kQpMaxLine : kQpMaxLine - 1;
    if (col + lit.size() > room) {
      out->append("=\r\n");
      col = 0;
    }
    out->append(lit);
    col += lit.size();
  }
}

}  // namespace

std::string EncodeQuotedPrintable(std::string_view octets) {
  std::string out;
  out.reserve(octets.size() + octets.size() / 8 + 8);
  std::size_t start = 0;
  while (start <= octets.size()) {
    std::size_t crlf = octets.find("\r\n", start);
    if (crlf == std::string_view::npos) {
      EncodeLine(octets.substr(start), &out);  // last line, no line end
      break;
    }
    // Rule 4: a CRLF of the text is a hard line break. Bare CR / LF inside the line are
    // not 33..126 and so come out as =0D / =0A.
    EncodeLine(octets.substr(start, crlf - start), &out);
    out.append("\r\n");
    start = crlf + 2;
  }
  return out;
}

std::optional<std::string> DecodeQuotedPrintable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    // One encoded line: [i, eol).
    std::size_t eol = in.find("\r\n", i);
    const bool has_eol = eol != std::string_view::npos;
    if (!has_eol) eol = in.size();
    std::string_view line = in.substr(i, eol - i);
    // Rule 3: trailing whitespace is transport padding.
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    bool soft = false;
    for (std::size_t j = 0; j < line.size(); ++j) {
      const char c = line[j];
      if (c == '\r' || c == '\n') return std::nullopt;
      if (c != '=') {
        out.push_back(c);
        continue;
      }
      if (j + 1 == line.size()) {  // soft line break
        soft = true;
        break;
      }
      if (j + 2 >= line.size()) return std::nullopt;
      const int hi = HexValue(line[j + 1]);
      const int lo = HexValue(line[j + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      j += 2;
    }
    if (has_eol && !soft) out.append("\r\n");
    i = has_eol ? eol + 2 : eol;
  }
  return out;
}

}  // namespace mta::mime
