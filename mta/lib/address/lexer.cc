// lexer.cc: tokenizer for RFC 5322 address syntax (see lexer.h).
#include "mta/lib/address/lexer.h"

#include <algorithm>

namespace mta::address::internal {
namespace {

bool IsWsp(unsigned char c) { return c == ' ' || c == '\t'; }
bool IsVchar(unsigned char c) { return c >= 33 && c <= 126; }
// RFC 5322 4.1: obs-NO-WS-CTL = %d1-8 / %d11 / %d12 / %d14-31 / %d127
bool IsObsNoWsCtl(unsigned char c) {
  return (c >= 1 && c <= 8) || c == 11 || c == 12 || (c >= 14 && c <= 31) || c == 127;
}
// RFC 5322 3.2.2: ctext = %d33-39 / %d42-91 / %d93-126
bool IsCtext(unsigned char c) {
  return (c >= 33 && c <= 39) || (c >= 42 && c <= 91) || (c >= 93 && c <= 126);
}
// RFC 5322 3.2.4: qtext = %d33 / %d35-91 / %d93-126
bool IsQtext(unsigned char c) { return c == 33 || (c >= 35 && c <= 91) || (c >= 93 && c <= 126); }
// RFC 5322 3.4.1: dtext = %d33-90 / %d94-126
bool IsDtext(unsigned char c) { return (c >= 33 && c <= 90) || (c >= 94 && c <= 126); }
bool IsCont(unsigned char c) { return c >= 0x80 && c <= 0xBF; }

class Lexer {
 public:
  Lexer(std::string_view in, const ParseOptions& o)
      : in_(in), utf8_(o.allow_utf8), max_depth_(std::max(1, o.max_comment_depth)) {}

  void Run(LexResult& out) {
    out.ok = Tokens(out.tokens);
    if (!out.ok) {
      out.tokens.clear();
      out.error = error_;
      out.error_offset = error_offset_;
    }
  }

 private:
  bool Fail(const char* msg, std::size_t off) {
    error_ = msg;
    error_offset_ = off;
    return false;
  }
  unsigned char At(std::size_t i) const { return static_cast<unsigned char>(in_[i]); }

  // RFC 6532 3.2: UTF8-non-ascii in atext/qtext/ctext/dtext.
  bool NonAscii(std::string* keep, FindingBits* bits) {
    if (!utf8_) return Fail("octet above 0x7F (UTF-8 needs the RFC 6532 option)", pos_);
    std::size_t len = Utf8SequenceLength(in_, pos_);
    if (len == 0) return Fail("malformed UTF-8 sequence", pos_);
    if (keep) keep->append(in_.substr(pos_, len));
    *bits |= Bit(Finding::kUtf8);
    pos_ += len;
    return true;
  }

  // RFC 5322 3.2.2: FWS = ([*WSP CRLF] 1*WSP) / obs-FWS; errata 1908: obs-FWS =
  // 1*([CRLF] WSP). Every CRLF must be followed by WSP; the CRLF is semantically
  // invisible, the WSP is kept (inside quoted-strings and domain literals).
  bool Fws(std::string* keep, FindingBits* bits) {
    int breaks = 0;
    while (pos_ < in_.size()) {
      unsigned char c = At(pos_);
      if (IsWsp(c)) {
        if (keep) keep->push_back(static_cast<char>(c));
        ++pos_;
      } else if (c == '\r') {
        // RFC 5322 2.3: CR and LF only occur together as CRLF.
        if (pos_ + 1 >= in_.size() || in_[pos_ + 1] != '\n')
          return Fail("CR not followed by LF", pos_);
        if (pos_ + 2 >= in_.size() || !IsWsp(At(pos_ + 2)))
          return Fail("line break in folding white space not followed by WSP", pos_);
        ++breaks;
        pos_ += 2;
      } else {
        break;
      }
    }
    if (breaks > 1) *bits |= Bit(Finding::kObsFws);
    return true;
  }

  // RFC 5322 3.2.1: quoted-pair = ("\" (VCHAR / WSP)) / obs-qp;
  // 4.1: obs-qp = "\" (%d0 / obs-NO-WS-CTL / LF / CR).
  bool QuotedPair(std::string* keep, FindingBits* bits) {
    if (pos_ + 1 >= in_.size()) return Fail("backslash at end of input", pos_);
    unsigned char c = At(pos_ + 1);
    if (IsVchar(c) || IsWsp(c)) {
      if (keep) keep->push_back(static_cast<char>(c));
      pos_ += 2;
      return true;
    }
    if (c == 0 || IsObsNoWsCtl(c) || c == '\n' || c == '\r') {
      if (keep) keep->push_back(static_cast<char>(c));
      *bits |= Bit(Finding::kObsQp);
      pos_ += 2;
      return true;
    }
    if (c >= 0x80 && utf8_) {  // RFC 6532 3.2: VCHAR =/ UTF8-non-ascii
      ++pos_;
      return NonAscii(keep, bits);
    }
    return Fail("invalid character after backslash", pos_ + 1);
  }

  // RFC 5322 3.2.2: comment = "(" *([FWS] ccontent) [FWS] ")"; ccontent = ctext /
  // quoted-pair / comment. Nesting is tracked by a counter, bounded by max_depth_.
  bool Comment(FindingBits* bits) {
    std::size_t start = pos_;
    int depth = 1;
    ++pos_;
    *bits |= Bit(Finding::kComment);
    for (;;) {
      if (pos_ >= in_.size()) return Fail("unclosed comment", start);
      unsigned char c = At(pos_);
      if (c == '(') {
        if (++depth > max_depth_) return Fail("comments nested too deeply", pos_);
        ++pos_;
      } else if (c == ')') {
        ++pos_;
        if (--depth == 0) return true;
      } else if (c == '\\') {
        if (!QuotedPair(nullptr, bits)) return false;
      } else if (IsWsp(c) || c == '\r') {
        if (!Fws(nullptr, bits)) return false;
      } else if (IsCtext(c)) {
        ++pos_;
      } else if (IsObsNoWsCtl(c)) {  // RFC 5322 4.1: obs-ctext
        *bits |= Bit(Finding::kObsCtext);
        ++pos_;
      } else if (c >= 0x80) {
        if (!NonAscii(nullptr, bits)) return false;
      } else {
        return Fail("invalid character in comment", pos_);
      }
    }
  }

  // RFC 5322 3.2.2: CFWS = (1*([FWS] comment) [FWS]) / FWS.
  bool Cfws(FindingBits* bits) {
    while (pos_ < in_.size()) {
      unsigned char c = At(pos_);
      if (IsWsp(c) || c == '\r') {
        *bits |= Bit(Finding::kFws);
        if (!Fws(nullptr, bits)) return false;
      } else if (c == '(') {
        if (!Comment(bits)) return false;
      } else {
        break;
      }
    }
    return true;
  }

  // RFC 5322 3.2.4: quoted-string = [CFWS] DQUOTE *([FWS] qcontent) [FWS] DQUOTE [CFWS].
  bool Quoted(Token& t) {
    std::size_t start = pos_;
    ++pos_;
    for (;;) {
      if (pos_ >= in_.size()) return Fail("unclosed quoted string", start);
      unsigned char c = At(pos_);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (!QuotedPair(&t.value, &t.content_bits)) return false;
      } else if (IsWsp(c) || c == '\r') {
        if (!Fws(&t.value, &t.content_bits)) return false;
      } else if (IsQtext(c)) {
        t.value.push_back(static_cast<char>(c));
        ++pos_;
      } else if (IsObsNoWsCtl(c)) {  // RFC 5322 4.1: obs-qtext
        t.value.push_back(static_cast<char>(c));
        t.content_bits |= Bit(Finding::kObsQtext);
        ++pos_;
      } else if (c >= 0x80) {
        if (!NonAscii(&t.value, &t.content_bits)) return false;
      } else {
        return Fail("invalid character in quoted string", pos_);
      }
    }
  }

  // RFC 5322 3.4.1: domain-literal = [CFWS] "[" *([FWS] dtext) [FWS] "]" [CFWS];
  // 4.4: obs-dtext = obs-NO-WS-CTL / quoted-pair.
  bool Literal(Token& t) {
    std::size_t start = pos_;
    t.value.push_back('[');
    ++pos_;
    for (;;) {
      if (pos_ >= in_.size()) return Fail("unclosed domain literal", start);
      unsigned char c = At(pos_);
      if (c == ']') {
        t.value.push_back(']');
        ++pos_;
        return true;
      }
      if (c == '\\') {
        t.content_bits |= Bit(Finding::kObsDtext);
        if (!QuotedPair(&t.value, &t.content_bits)) return false;
      } else if (IsWsp(c) || c == '\r') {
        if (!Fws(&t.value, &t.content_bits)) return false;
      } else if (IsDtext(c)) {
        t.value.push_back(static_cast<char>(c));
        ++pos_;
      } else if (IsObsNoWsCtl(c)) {
        t.value.push_back(static_cast<char>(c));
        t.content_bits |= Bit(Finding::kObsDtext);
        ++pos_;
      } else if (c >= 0x80) {
        if (!NonAscii(&t.value, &t.content_bits)) return false;
      } else {
        return Fail("invalid character in domain literal", pos_);
      }
    }
  }

  // RFC 5322 3.2.3: atom = [CFWS] 1*atext [CFWS].
  bool Atom(Token& t) {
    while (pos_ < in_.size()) {
      unsigned char c = At(pos_);
      if (IsAsciiAtext(c)) {
        ++pos_;
      } else if (c >= 0x80 && utf8_) {
        if (!NonAscii(nullptr, &t.content_bits)) return false;
      } else {
        break;
      }
    }
    t.value.assign(in_.substr(t.begin, pos_ - t.begin));
    return true;
  }

  bool Tokens(std::vector<Token>& out) {
    for (;;) {
      Token t;
      t.cfws_begin = pos_;
      if (!Cfws(&t.cfws_bits)) return false;
      t.begin = pos_;
      if (pos_ >= in_.size()) {
        t.kind = TokKind::kEnd;
        t.end = pos_;
        out.push_back(std::move(t));
        return true;
      }
      unsigned char c = At(pos_);
      bool ok = true;
      switch (c) {
        case '.': t.kind = TokKind::kDot; ++pos_; break;
        case '@': t.kind = TokKind::kAt; ++pos_; break;
        case '<': t.kind = TokKind::kLt; ++pos_; break;
        case '>': t.kind = TokKind::kGt; ++pos_; break;
        case ':': t.kind = TokKind::kColon; ++pos_; break;
        case ';': t.kind = TokKind::kSemi; ++pos_; break;
        case ',': t.kind = TokKind::kComma; ++pos_; break;
        case '"': t.kind = TokKind::kQuoted; ok = Quoted(t); break;
        case '[': t.kind = TokKind::kLiteral; ok = Literal(t); break;
        default:
          if (IsAsciiAtext(c) || (c >= 0x80 && utf8_ && Utf8SequenceLength(in_, pos_) != 0)) {
            t.kind = TokKind::kAtom;
            ok = Atom(t);
          } else if (c == '\n') {
            return Fail("LF not preceded by CR", pos_);
          } else if (c >= 0x80) {
            return NonAscii(nullptr, &t.content_bits);  // reports the error
          } else {
            return Fail("unexpected character", pos_);
          }
      }
      if (!ok) return false;
      t.end = pos_;
      out.push_back(std::move(t));
    }
  }

  std::string_view in_;
  bool utf8_;
  int max_depth_;
  std::size_t pos_ = 0;
  std::string error_;
  std::size_t error_offset_ = 0;
};

}  // namespace

// RFC 5322 3.2.3: atext = ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" /
// "-" / "/" / "=" / "?" / "^" / "_" / "`" / "{" / "|" / "}" / "~"
bool IsAsciiAtext(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '/': case '=': case '?': case '^': case '_': case '`': case '{':
    case '|': case '}': case '~':
      return true;
    default:
      return false;
  }
}

std::size_t Utf8SequenceLength(std::string_view s, std::size_t pos) {
  auto at = [&](std::size_t i) -> int {
    return i < s.size() ? static_cast<unsigned char>(s[i]) : -1;
  };
  int c0 = at(pos);
  auto cont = [&](std::size_t i) { int c = at(i); return c >= 0 && IsCont(static_cast<unsigned char>(c)); };
  auto in = [&](std::size_t i, int lo, int hi) { int c = at(i); return c >= lo && c <= hi; };
  // RFC 3629 4: UTF8-2 / UTF8-3 / UTF8-4
  if (c0 >= 0xC2 && c0 <= 0xDF) return cont(pos + 1) ? 2 : 0;
  if (c0 == 0xE0) return in(pos + 1, 0xA0, 0xBF) && cont(pos + 2) ? 3 : 0;
  if ((c0 >= 0xE1 && c0 <= 0xEC) || c0 == 0xEE || c0 == 0xEF)
    return cont(pos + 1) && cont(pos + 2) ? 3 : 0;
  if (c0 == 0xED) return in(pos + 1, 0x80, 0x9F) && cont(pos + 2) ? 3 : 0;
  if (c0 == 0xF0) return in(pos + 1, 0x90, 0xBF) && cont(pos + 2) && cont(pos + 3) ? 4 : 0;
  if (c0 >= 0xF1 && c0 <= 0xF3) return cont(pos + 1) && cont(pos + 2) && cont(pos + 3) ? 4 : 0;
  if (c0 == 0xF4) return in(pos + 1, 0x80, 0x8F) && cont(pos + 2) && cont(pos + 3) ? 4 : 0;
  return 0;
}

LexResult Lex(std::string_view in, const ParseOptions& options) {
  LexResult r;
  Lexer(in, options).Run(r);
  return r;
}

}  // namespace mta::address::internal
