// format.cc: canonical RFC 5322 address syntax (see format.h).
#include "mta/lib/address/format.h"

#include "mta/lib/address/lexer.h"

namespace mta::address {
namespace {

using internal::IsAsciiAtext;
using internal::Utf8SequenceLength;

// Length of the atext unit at `i` (1, or a whole UTF-8 sequence), 0 if not atext.
std::size_t AtextAt(std::string_view s, std::size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (IsAsciiAtext(c)) return 1;
  if (c >= 0x80) return Utf8SequenceLength(s, i);
  return 0;
}

// 1*atext (sep 1*atext)*
bool IsSeparatedAtoms(std::string_view s, char sep) {
  if (s.empty()) return false;
  bool need_atext = true;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == sep) {
      if (need_atext) return false;
      need_atext = true;
      ++i;
      continue;
    }
    std::size_t n = AtextAt(s, i);
    if (n == 0) return false;
    need_atext = false;
    i += n;
  }
  return !need_atext;
}

// RFC 5322 4.1: obs-NO-WS-CTL, NUL, CR and LF can only be carried as obs-qp.
bool NeedsObsQp(unsigned char c) { return c < 32 ? c != '\t' : c == 127; }

}  // namespace

bool IsDotAtomText(std::string_view s) { return IsSeparatedAtoms(s, '.'); }

std::string QuoteString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    // RFC 5322 3.2.4: qtext excludes '"' and '\'; they travel as quoted-pairs.
    if (c == '"' || c == '\\' || NeedsObsQp(c)) out += '\\';
    out += ch;
  }
  out += '"';
  return out;
}

std::string FormatLocalPart(std::string_view local_part) {
  // RFC 5321 4.1.2: a local part SHOULD be a dot-string; quote only when needed.
  if (IsDotAtomText(local_part)) return std::string(local_part);
  return QuoteString(local_part);
}

std::string FormatDomain(std::string_view domain, bool is_domain_literal) {
  if (!is_domain_literal) return std::string(domain);
  if (domain.size() >= 2 && domain.front() == '[' && domain.back() == ']')
    domain = domain.substr(1, domain.size() - 2);
  std::string out = "[";
  for (char ch : domain) {
    unsigned char c = static_cast<unsigned char>(ch);
    // RFC 5322 3.4.1: dtext excludes "[", "]" and "\"; 4.4 obs-dtext carries them.
    if (c == '[' || c == ']' || c == '\\' || NeedsObsQp(c)) out += '\\';
    out += ch;
  }
  out += ']';
  return out;
}

std::string FormatAddrSpec(const AddrSpec& a) {
  return FormatLocalPart(a.local_part) + "@" + FormatDomain(a.domain, a.is_domain_literal);
}

std::string FormatDisplayName(std::string_view name) {
  if (IsSeparatedAtoms(name, ' ')) return std::string(name);
  return QuoteString(name);
}

std::string FormatMailbox(const Mailbox& m) {
  if (m.display_name.empty() && m.route.empty()) return FormatAddrSpec(m.addr_spec);
  std::string out;
  if (!m.display_name.empty()) {
    out += FormatDisplayName(m.display_name);
    out += ' ';
  }
  out += '<';
  for (std::size_t i = 0; i < m.route.size(); ++i) {
    if (i) out += ',';
    out += '@';
    const std::string& d = m.route[i];
    out += FormatDomain(d, !d.empty() && d.front() == '[');
  }
  if (!m.route.empty()) out += ':';
  out += FormatAddrSpec(m.addr_spec);
  out += '>';
  return out;
}

std::string FormatGroup(const Group& g) {
  std::string out = FormatDisplayName(g.display_name);
  out += ':';
  for (std::size_t i = 0; i < g.mailboxes.size(); ++i) {
    out += i ? ", " : " ";
    out += FormatMailbox(g.mailboxes[i]);
  }
  out += ';';
  return out;
}

std::string FormatAddress(const Address& a) {
  if (const Mailbox* m = std::get_if<Mailbox>(&a)) return FormatMailbox(*m);
  return FormatGroup(std::get<Group>(a));
}

std::string FormatAddressList(const std::vector<Address>& list) {
  std::string out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i) out += ", ";
    out += FormatAddress(list[i]);
  }
  return out;
}

std::string FormatMailboxList(const std::vector<Mailbox>& list) {
  std::string out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i) out += ", ";
    out += FormatMailbox(list[i]);
  }
  return out;
}

}  // namespace mta::address
