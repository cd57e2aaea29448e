// addr_spec.cc: RFC 5322 3.4.1 addr-spec over tokens, and the RFC 5321 checks.
#include "mta/lib/address/addr_spec.h"

#include <algorithm>

#include "mta/lib/address/address_literal.h"
#include "mta/lib/address/lexer.h"
#include "mta/lib/address/token_parser.h"

namespace mta::address {

bool AddrSpecResult::Has(Finding f) const {
  return std::find(findings.begin(), findings.end(), f) != findings.end();
}

namespace internal {
namespace {

bool IsLetDig(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c >= 0x80;  // RFC 6532 / IDNA U-labels
}

}  // namespace

FindingBits TokenParser::TokenBits(std::size_t first, std::size_t last) const {
  FindingBits b = 0;
  for (std::size_t k = first; k <= last && k < toks_.size(); ++k)
    b |= toks_[k].content_bits | (toks_[k].cfws_bits & ~Bit(Finding::kFws));
  return b;
}

// RFC 5322 3.4.1: local-part = dot-atom / quoted-string / obs-local-part;
// 4.4: obs-local-part = word *("." word).
bool TokenParser::LocalPartAt(AddrSpec& out, std::string& stripped, FindingBits& bits) {
  std::size_t first = pos;
  if (!Cur().IsWord()) {
    if (Cur().kind == TokKind::kAt) return Fail("empty local part");
    return Fail("expected local part");
  }
  bool dot_atom = true, quoted = false;
  for (;;) {
    const Token& w = Cur();
    if (!w.IsWord()) return Fail("expected a word after '.' in local part");
    if (w.kind == TokKind::kQuoted) quoted = true;
    // dot-atom-text = 1*atext *("." 1*atext): no CFWS inside.
    if (pos != first && w.CfwsBefore()) dot_atom = false;
    out.local_part += w.value;
    stripped += Raw(w);
    ++pos;
    if (Cur().kind != TokKind::kDot) break;
    if (Cur().CfwsBefore()) dot_atom = false;
    out.local_part += '.';
    stripped += '.';
    ++pos;
  }
  std::size_t last = pos - 1;
  out.local_part_raw.assign(RawRange(first, last));
  if (quoted) {
    bits |= Bit(Finding::kQuotedLocalPart);
    if (last != first) bits |= Bit(Finding::kObsLocalPart);  // "a"."b" or "a".b
  } else if (!dot_atom) {
    bits |= Bit(Finding::kObsLocalPart);  // RFC 5322 4.4: CFWS between words
  }
  return true;
}

// RFC 5322 3.4.1: domain = dot-atom / domain-literal / obs-domain;
// 4.4: obs-domain = atom *("." atom).
bool TokenParser::DomainAt(std::string& semantic, std::string& stripped, std::size_t& first,
                           std::size_t& last, bool& literal, FindingBits& bits) {
  first = pos;
  literal = false;
  if (Cur().kind == TokKind::kLiteral) {
    literal = true;
    semantic = Cur().value;
    stripped.assign(Raw(Cur()));
    last = pos++;
    return true;
  }
  if (Cur().kind != TokKind::kAtom) {
    if (Cur().kind == TokKind::kEnd) return Fail("missing domain");
    if (Cur().kind == TokKind::kDot) return Fail("domain starts with '.'");
    return Fail("expected domain");
  }
  bool obs = false;
  for (;;) {
    const Token& a = Cur();
    if (a.kind != TokKind::kAtom) {
      if (a.kind == TokKind::kEnd || a.kind == TokKind::kDot)
        return Fail("empty domain label (domain ends with '.' or has '..')");
      return Fail("expected a domain label after '.'");
    }
    if (pos != first && a.CfwsBefore()) obs = true;
    semantic += a.value;
    stripped += Raw(a);
    ++pos;
    if (Cur().kind != TokKind::kDot) break;
    if (Cur().CfwsBefore()) obs = true;
    semantic += '.';
    stripped += '.';
    ++pos;
  }
  last = pos - 1;
  if (obs) bits |= Bit(Finding::kObsDomain);
  return true;
}

bool TokenParser::AddrSpecAt(AddrSpec& out, FindingBits& bits) {
  std::size_t first = pos;
  std::string local_stripped;
  if (!LocalPartAt(out, local_stripped, bits)) return false;
  if (Cur().kind != TokKind::kAt) {
    if (Cur().IsWord()) return Fail("words in local part must be separated by '.'");
    if (Cur().kind == TokKind::kEnd) return Fail("missing '@' and domain");
    return Fail("expected '@'");
  }
  bool near_at = Cur().CfwsBefore();
  ++pos;
  near_at = near_at || Cur().CfwsBefore();
  std::string domain_stripped;
  std::size_t dfirst = 0, dlast = 0;
  if (!DomainAt(out.domain, domain_stripped, dfirst, dlast, out.is_domain_literal, bits))
    return false;
  out.domain_raw.assign(RawRange(dfirst, dlast));
  // RFC 5322 3.4.1: "Comments and folding white space SHOULD NOT be used around the "@"".
  if (near_at) bits |= Bit(Finding::kCfwsNearAt);
  for (std::size_t k = first; k <= dlast; ++k) {
    bits |= At(k).content_bits;
    if (k != first) bits |= At(k).cfws_bits;  // interior CFWS, FWS included
  }
  bits |= CheckAddrSpec(out, local_stripped.size(), domain_stripped.size());
  return true;
}

FindingBits CheckAddrSpec(const AddrSpec& a, std::size_t local_len, std::size_t domain_len) {
  FindingBits b = 0;
  // RFC 5321 4.5.3.1.1 / 4.5.3.1.2 / 4.5.3.1.3 (path 256 incl. "<" ">"; RFC 3696 errata).
  if (local_len > 64) b |= Bit(Finding::kLocalPartTooLong);
  if (domain_len > 255) b |= Bit(Finding::kDomainTooLong);
  if (local_len + 1 + domain_len > 254) b |= Bit(Finding::kAddressTooLong);
  if (a.is_domain_literal) {
    std::string_view d = a.domain;
    if (d.size() >= 2) d = d.substr(1, d.size() - 2);
    b |= IsAddressLiteral(d) ? Bit(Finding::kAddressLiteral) : Bit(Finding::kDomainLiteralNotIp);
    return b;
  }
  std::string_view d = a.domain;
  std::size_t labels = 0;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = d.find('.', start);
    std::string_view label = d.substr(start, dot == d.npos ? d.npos : dot - start);
    ++labels;
    if (label.size() > 63) b |= Bit(Finding::kLabelTooLong);  // RFC 1035 2.3.4
    // RFC 5321 4.1.2: sub-domain = Let-dig [Ldh-str]
    bool host = !label.empty() && IsLetDig(static_cast<unsigned char>(label.front())) &&
                IsLetDig(static_cast<unsigned char>(label.back()));
    for (char c : label)
      if (!IsLetDig(static_cast<unsigned char>(c)) && c != '-') host = false;
    if (!host) b |= Bit(Finding::kDomainNotHostname);
    if (dot == d.npos) {
      // RFC 3696 2: "a TLD must not be all-numeric".
      bool numeric = !label.empty() && std::all_of(label.begin(), label.end(), [](char c) {
        return c >= '0' && c <= '9';
      });
      if (numeric) b |= Bit(Finding::kNumericTld);
      break;
    }
    start = dot + 1;
  }
  // RFC 5321 2.3.5: only fully-qualified domain names are permitted in SMTP.
  if (labels == 1) b |= Bit(Finding::kSingleLabelDomain);
  return b;
}

}  // namespace internal

AddrSpecResult ParseAddrSpec(std::string_view input, const ParseOptions& options) {
  AddrSpecResult r;
  internal::LexResult lex = internal::Lex(input, options);
  if (!lex.ok) {
    r.error = std::move(lex.error);
    r.error_offset = lex.error_offset;
    return r;
  }
  internal::TokenParser p(input, lex.tokens);
  FindingBits bits = 0;
  if (!p.AddrSpecAt(r.addr_spec, bits)) {
    r.error = std::move(p.error);
    r.error_offset = p.error_offset;
    r.addr_spec = AddrSpec{};
    return r;
  }
  if (p.Cur().kind != internal::TokKind::kEnd) {
    r.error = p.Cur().kind == internal::TokKind::kLiteral || p.Cur().kind == internal::TokKind::kAtom
                  ? "unexpected text after domain"
                  : "unexpected character after address";
    r.error_offset = p.Cur().begin;
    r.addr_spec = AddrSpec{};
    return r;
  }
  // Standalone: the CFWS before the first token and after the last count as well.
  bits |= lex.tokens.front().cfws_bits | p.Cur().cfws_bits;
  r.ok = true;
  r.findings = FindingsFromBits(bits);
  return r;
}

}  // namespace mta::address
