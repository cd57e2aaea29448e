// lexer.h: tokenizer for RFC 5322 structured address syntax (internal to mta_address).
//
// RFC 5322 3.2.1 (quoted-pair), 3.2.2 (FWS, comments, CFWS), 3.2.3 (atext), 3.2.4
// (quoted-string), 3.4.1 (domain-literal), 4.1 / 4.2 / 4.4 (obs-qp, obs-qtext, obs-ctext,
// obs-FWS, obs-dtext), RFC 6532 3.2 (UTF-8). One linear pass; comments nest through an
// explicit depth counter, never recursion. CFWS is folded into the following token.
//
//   Lex("a (x) <b@c>") -> atom "a", '<' (cfws before: fws, comment), atom "b", '@',
//   atom "c", '>', end
#ifndef MTA_LIB_ADDRESS_LEXER_H_
#define MTA_LIB_ADDRESS_LEXER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/address/findings.h"

namespace mta::address::internal {

enum class TokKind : unsigned char {
  kAtom,     // 1*atext
  kQuoted,   // quoted-string
  kLiteral,  // domain-literal
  kDot,      // "."
  kAt,       // "@"
  kLt,       // "<"
  kGt,       // ">"
  kColon,    // ":"
  kSemi,     // ";"
  kComma,    // ","
  kEnd,      // end of input (carries the trailing CFWS)
};

struct Token {
  TokKind kind = TokKind::kEnd;
  std::size_t cfws_begin = 0;  // first octet of the CFWS run before the token
  std::size_t begin = 0;       // first octet of the token itself
  std::size_t end = 0;         // one past its last octet
  // Semantic value: atom text; quoted-string content with quoted-pairs resolved and the
  // CRLF of FWS removed; "[" literal content "]" resolved the same way.
  std::string value;
  FindingBits content_bits = 0;  // findings raised inside the token
  FindingBits cfws_bits = 0;     // findings raised by the CFWS before it (kFws, kComment, ...)
  bool CfwsBefore() const { return cfws_begin != begin; }
  bool IsWord() const { return kind == TokKind::kAtom || kind == TokKind::kQuoted; }
};

struct LexResult {
  bool ok = false;
  std::vector<Token> tokens;  // ends with a kEnd token when ok
  std::string error;
  std::size_t error_offset = 0;
};

LexResult Lex(std::string_view in, const ParseOptions& options);

// Helpers shared with the formatters.
bool IsAsciiAtext(unsigned char c);
// Length of the well-formed UTF-8 sequence (RFC 3629) of 2..4 octets at `pos`, or 0.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t pos);

}  // namespace mta::address::internal

#endif  // MTA_LIB_ADDRESS_LEXER_H_
