// address_list.cc: RFC 5322 3.4 mailbox, group and address-list over tokens.
#include "mta/lib/address/address_list.h"

#include <utility>

#include "mta/lib/address/lexer.h"
#include "mta/lib/address/token_parser.h"

namespace mta::address {
namespace internal {

std::size_t TokenParser::SkipPhrase(std::size_t from) const {
  while (toks_[from].IsWord() || toks_[from].kind == TokKind::kDot) ++from;
  return from;
}

// RFC 5322 3.2.5: phrase = 1*word / obs-phrase; 4.1: obs-phrase = word *(word / "." /
// CFWS). 3.2.2: a run of CFWS between tokens reads as a single space.
bool TokenParser::PhraseAt(std::size_t first, std::size_t end, std::string& out,
                           FindingBits& bits) {
  if (!toks_[first].IsWord()) return FailAt("display name starts with '.'", toks_[first].begin);
  for (std::size_t k = first; k < end; ++k) {
    const Token& t = toks_[k];
    if (k != first && t.CfwsBefore()) out += ' ';
    if (t.kind == TokKind::kDot) {
      bits |= Bit(Finding::kObsPhrase);
      out += '.';
    } else {
      out += t.value;
    }
  }
  return true;
}

// RFC 5322 3.4: mailbox = name-addr / addr-spec; name-addr = [display-name] angle-addr;
// angle-addr = [CFWS] "<" addr-spec ">" [CFWS] / obs-angle-addr;
// 4.4: obs-angle-addr = [CFWS] "<" obs-route addr-spec ">" [CFWS];
// obs-route = obs-domain-list ":"; obs-domain-list = *(CFWS / ",") "@" domain
// *("," [CFWS] ["@" domain]).
bool TokenParser::MailboxAt(Mailbox& m, FindingBits& bits) {
  std::size_t start = pos;
  std::size_t j = SkipPhrase(pos);
  TokKind k = toks_[j].kind;
  if (k == TokKind::kAt) return AddrSpecAt(m.addr_spec, bits);
  if (k == TokKind::kColon) return FailAt("group where a mailbox is expected", toks_[j].begin);
  if (k != TokKind::kLt) {
    if (j == start) return Fail("expected a mailbox");
    if (k == TokKind::kEnd) return FailAt("address has no '@' domain", toks_[j].begin);
    return FailAt("expected '@' or '<'", toks_[j].begin);
  }
  if (j > start && !PhraseAt(start, j, m.display_name, bits)) return false;
  pos = j + 1;  // past "<"
  if (Cur().kind == TokKind::kComma || Cur().kind == TokKind::kAt) {
    bits |= Bit(Finding::kObsRoute);
    while (Cur().kind == TokKind::kComma) ++pos;
    if (Cur().kind != TokKind::kAt) return Fail("expected '@' in route");
    for (;;) {
      if (Cur().kind == TokKind::kAt) {
        ++pos;
        std::string d, stripped;
        std::size_t f = 0, l = 0;
        bool lit = false;
        if (!DomainAt(d, stripped, f, l, lit, bits)) return false;
        m.route.push_back(std::move(d));
      }
      if (Cur().kind != TokKind::kComma) break;
      ++pos;
    }
    if (Cur().kind != TokKind::kColon) return Fail("expected ':' after route");
    ++pos;
  }
  if (Cur().kind == TokKind::kGt) return Fail("empty angle brackets");
  if (!AddrSpecAt(m.addr_spec, bits)) return false;
  if (Cur().kind != TokKind::kGt) return Fail("expected '>'");
  ++pos;
  return true;
}

// RFC 5322 3.4: group = display-name ":" [group-list] ";" [CFWS];
// group-list = mailbox-list / CFWS / obs-group-list; 4.4: obs-group-list =
// 1*([CFWS] ",") [CFWS]; obs-mbox-list = *([CFWS] ",") mailbox *("," [mailbox / CFWS]).
bool TokenParser::GroupAt(std::size_t colon, Group& g, FindingBits& bits) {
  std::size_t start = pos;
  if (colon == start) return Fail("group without a display name");
  if (!PhraseAt(start, colon, g.display_name, bits)) return false;
  pos = colon + 1;
  bool need_sep = false, empty = false, after_comma = false;
  int commas = 0;
  for (;;) {
    TokKind k = Cur().kind;
    if (k == TokKind::kSemi) break;
    if (k == TokKind::kEnd) return Fail("group not terminated by ';'");
    if (k == TokKind::kComma) {
      if (!need_sep) empty = true;
      need_sep = false;
      after_comma = true;
      ++commas;
      ++pos;
      continue;
    }
    if (need_sep) return Fail("expected ',' or ';' in group");
    Mailbox m;
    FindingBits mb = 0;
    std::size_t mstart = pos;
    if (!MailboxAt(m, mb)) return false;
    mb |= TokenBits(mstart, pos);  // pos: the "," or ";" after it (trailing CFWS)
    m.findings = FindingsFromBits(mb);
    bits |= mb;
    g.mailboxes.push_back(std::move(m));
    need_sep = true;
    after_comma = false;
  }
  if (after_comma) empty = true;
  if (g.mailboxes.empty() && commas > 0)
    bits |= Bit(Finding::kObsGroupList);
  else if (empty)
    bits |= Bit(Finding::kObsMboxList);
  ++pos;  // ";"
  return true;
}

}  // namespace internal

namespace {

using internal::TokKind;
using internal::TokenParser;

// Shared list loop: elements separated by ",", empty elements allowed (and flagged) as
// in obs-mbox-list / obs-addr-list, at least one element required.
template <typename ParseElement>
bool ListLoop(TokenParser& p, Finding obs, FindingBits& bits, std::size_t& count,
              ParseElement element) {
  bool need_sep = false, empty = false, after_comma = false;
  for (;;) {
    TokKind k = p.Cur().kind;
    if (k == TokKind::kEnd) break;
    if (k == TokKind::kComma) {
      if (!need_sep) empty = true;
      need_sep = false;
      after_comma = true;
      ++p.pos;
      continue;
    }
    if (need_sep) return p.Fail("expected ',' between addresses");
    if (!element()) return false;
    ++count;
    need_sep = true;
    after_comma = false;
  }
  if (after_comma) empty = true;
  if (count == 0) return p.Fail("no address in list");
  if (empty) bits |= Bit(obs);
  return true;
}

template <typename R>
bool LexInto(std::string_view input, const ParseOptions& o, internal::LexResult& lex, R& r) {
  lex = internal::Lex(input, o);
  if (lex.ok) return true;
  r.error = std::move(lex.error);
  r.error_offset = lex.error_offset;
  return false;
}

template <typename R>
void TakeError(TokenParser& p, R& r) {
  r.error = std::move(p.error);
  r.error_offset = p.error_offset;
}

}  // namespace

MailboxResult ParseMailbox(std::string_view input, const ParseOptions& options) {
  MailboxResult r;
  internal::LexResult lex;
  if (!LexInto(input, options, lex, r)) return r;
  TokenParser p(input, lex.tokens);
  FindingBits bits = 0;
  if (!p.MailboxAt(r.mailbox, bits)) {
    TakeError(p, r);
    r.mailbox = Mailbox{};
    return r;
  }
  if (p.Cur().kind != TokKind::kEnd) {
    p.Fail("unexpected text after mailbox");
    TakeError(p, r);
    r.mailbox = Mailbox{};
    return r;
  }
  bits |= p.TokenBits(0, p.pos);
  r.mailbox.findings = FindingsFromBits(bits);
  r.ok = true;
  return r;
}

MailboxListResult ParseMailboxList(std::string_view input, const ParseOptions& options) {
  MailboxListResult r;
  internal::LexResult lex;
  if (!LexInto(input, options, lex, r)) return r;
  TokenParser p(input, lex.tokens);
  FindingBits bits = 0;
  std::size_t count = 0;
  bool ok = ListLoop(p, Finding::kObsMboxList, bits, count, [&] {
    Mailbox m;
    FindingBits mb = 0;
    std::size_t start = p.pos;
    if (!p.MailboxAt(m, mb)) return false;
    mb |= p.TokenBits(start, p.pos);
    m.findings = FindingsFromBits(mb);
    bits |= mb;
    r.mailboxes.push_back(std::move(m));
    return true;
  });
  if (!ok) {
    TakeError(p, r);
    r.mailboxes.clear();
    return r;
  }
  r.findings = FindingsFromBits(bits | p.TokenBits(0, p.pos));
  r.ok = true;
  return r;
}

AddressListResult ParseAddressList(std::string_view input, const ParseOptions& options) {
  AddressListResult r;
  internal::LexResult lex;
  if (!LexInto(input, options, lex, r)) return r;
  TokenParser p(input, lex.tokens);
  FindingBits bits = 0;
  std::size_t count = 0;
  bool ok = ListLoop(p, Finding::kObsAddrList, bits, count, [&] {
    std::size_t start = p.pos;
    std::size_t j = p.SkipPhrase(start);
    FindingBits ab = 0;
    if (p.At(j).kind == TokKind::kColon) {
      Group g;
      if (!p.GroupAt(j, g, ab)) return false;
      ab |= p.TokenBits(start, p.pos);
      g.findings = FindingsFromBits(ab);
      r.addresses.emplace_back(std::move(g));
    } else {
      Mailbox m;
      if (!p.MailboxAt(m, ab)) return false;
      ab |= p.TokenBits(start, p.pos);
      m.findings = FindingsFromBits(ab);
      r.addresses.emplace_back(std::move(m));
    }
    bits |= ab;
    return true;
  });
  if (!ok) {
    TakeError(p, r);
    r.addresses.clear();
    return r;
  }
  r.findings = FindingsFromBits(bits | p.TokenBits(0, p.pos));
  r.ok = true;
  return r;
}

}  // namespace mta::address
