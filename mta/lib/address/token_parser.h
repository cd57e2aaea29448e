// token_parser.h: grammar over the lexer's tokens (internal to mta_address).
//
// RFC 5322 3.4 / 3.4.1 / 4.4 productions as methods of one cursor over the token vector.
// Each production consumes tokens left to right with bounded lookahead (one scan over the
// words of a phrase or local part), so parsing stays linear. Findings are collected as
// bits; see addr_spec.cc and address_list.cc.
//
//   TokenParser p(input, tokens); AddrSpec a; FindingBits b = 0; p.AddrSpecAt(a, b);
#ifndef MTA_LIB_ADDRESS_TOKEN_PARSER_H_
#define MTA_LIB_ADDRESS_TOKEN_PARSER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/address/address_list.h"
#include "mta/lib/address/lexer.h"

namespace mta::address::internal {

class TokenParser {
 public:
  TokenParser(std::string_view in, const std::vector<Token>& toks) : in_(in), toks_(toks) {}

  std::size_t pos = 0;  // index of the current token
  std::string error;
  std::size_t error_offset = 0;

  const Token& Cur() const { return toks_[pos]; }
  const Token& At(std::size_t k) const { return toks_[k]; }
  std::string_view Raw(const Token& t) const { return in_.substr(t.begin, t.end - t.begin); }
  std::string_view RawRange(std::size_t first, std::size_t last) const {
    return in_.substr(toks_[first].begin, toks_[last].end - toks_[first].begin);
  }
  bool Fail(const char* msg) { return FailAt(msg, Cur().begin); }
  bool FailAt(const char* msg, std::size_t off) {
    error = msg;
    error_offset = off;
    return false;
  }
  // Content bits and non-FWS CFWS bits of tokens [first, last].
  FindingBits TokenBits(std::size_t first, std::size_t last) const;

  // addr-spec = local-part "@" domain at `pos`. Adds the findings of the addr-spec's
  // inside (everything except the CFWS before its first token) to `bits`, including the
  // RFC 5321 size and host-name checks.
  bool AddrSpecAt(AddrSpec& out, FindingBits& bits);
  // domain = dot-atom / domain-literal / obs-domain. Syntax only.
  // `stripped` receives the domain's octets without CFWS; [first, last] its tokens.
  bool DomainAt(std::string& semantic, std::string& stripped, std::size_t& first,
                std::size_t& last, bool& literal, FindingBits& bits);

  // Defined in address_list.cc.
  bool PhraseAt(std::size_t first, std::size_t end, std::string& out, FindingBits& bits);
  bool MailboxAt(Mailbox& m, FindingBits& bits);
  bool GroupAt(std::size_t colon, Group& g, FindingBits& bits);
  // Index of the first token at or after `from` that is not a word or ".".
  std::size_t SkipPhrase(std::size_t from) const;

 private:
  bool LocalPartAt(AddrSpec& out, std::string& stripped, FindingBits& bits);

  std::string_view in_;
  const std::vector<Token>& toks_;
};

// RFC 5321 4.1.2 / 4.5.3.1, RFC 3696 2: findings about a parsed addr-spec. `local_len`
// and `domain_len` are the octet lengths of the parts without CFWS.
FindingBits CheckAddrSpec(const AddrSpec& a, std::size_t local_len, std::size_t domain_len);

}  // namespace mta::address::internal

#endif  // MTA_LIB_ADDRESS_TOKEN_PARSER_H_
