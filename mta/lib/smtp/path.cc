// path.cc: RFC 5321 4.1.2 path parser and formatter (see path.h).
#include "mta/lib/smtp/path.h"

#include "mta/lib/smtp/chars.h"
#include "mta/lib/smtp/domain.h"

namespace mta::smtp {
namespace {

std::string Hex(unsigned char c) {
  static const char* kDigits = "0123456789ABCDEF";
  std::string h = "0x";
  h += kDigits[c >> 4];
  h += kDigits[c & 15];
  return h;
}

// Scans a Local-part at s[pos]. On success returns true with *end set.
bool ScanLocalPart(std::string_view s, std::size_t pos, NonAsciiPolicy policy,
                   std::size_t* end, bool* used_8bit, std::string* error) {
  std::size_t i = pos;
  std::size_t n = s.size();
  if (i < n && s[i] == '"') {
    // Quoted-string = DQUOTE *QcontentSMTP DQUOTE
    ++i;
    while (i < n) {
      unsigned char c = s[i];
      if (c == '"') {
        *end = i + 1;
        return true;
      }
      if (c == '\\') {
        // quoted-pairSMTP = %d92 %d32-126 ("backslash followed by any ASCII graphic
        // (including itself) or SPace")
        if (i + 1 >= n) break;
        unsigned char d = s[i + 1];
        if (d < 32 || d > 126) {
          *error = "invalid quoted-pair " + Hex(d) + " in quoted local part";
          return false;
        }
        i += 2;
      } else if (IsQtextSmtp(c)) {
        ++i;
      } else if (c >= 0x80) {
        std::size_t k = ConsumeNonAscii(s, i, policy, used_8bit, error);
        if (k == 0) {
          *error += " in local part";
          return false;
        }
        i += k;
      } else {
        *error = "invalid character " + Hex(c) + " in quoted local part";
        return false;
      }
    }
    *error = "unterminated quoted local part";
    return false;
  }
  // Dot-string = Atom *("." Atom); Atom = 1*atext
  bool need_atom = true;
  while (i < n) {
    unsigned char c = s[i];
    if (IsAtext(c)) {
      ++i;
      need_atom = false;
    } else if (c >= 0x80) {
      // RFC 6531 3.3: atext =/ UTF8-non-ascii
      std::size_t k = ConsumeNonAscii(s, i, policy, used_8bit, error);
      if (k == 0) {
        *error += " in local part";
        return false;
      }
      i += k;
      need_atom = false;
    } else if (c == '.') {
      if (need_atom) break;  // leading or double dot
      ++i;
      need_atom = true;
    } else {
      break;
    }
  }
  if (need_atom) {
    if (i == pos) {
      *error = i < n ? "invalid character " + Hex(static_cast<unsigned char>(s[i])) +
                           " at start of local part"
                     : "empty local part";
    } else {
      *error = "empty atom in local part (leading, trailing or double '.')";
    }
    return false;
  }
  *end = i;
  return true;
}

// Scans an RFC 5322-style comment "(...)" with nesting and quoted-pairs at s[pos] == '('.
bool ScanComment(std::string_view s, std::size_t pos, NonAsciiPolicy policy, std::size_t* end,
                 bool* used_8bit, std::string* error) {
  std::size_t depth = 0;
  for (std::size_t i = pos; i < s.size();) {
    unsigned char c = s[i];
    if (c == '(') {
      ++depth;
      ++i;
    } else if (c == ')') {
      ++i;
      if (--depth == 0) {
        *end = i;
        return true;
      }
    } else if (c == '\\' && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 32 &&
               static_cast<unsigned char>(s[i + 1]) < 127) {
      i += 2;
    } else if (c >= 0x80) {
      std::size_t k = ConsumeNonAscii(s, i, policy, used_8bit, error);
      if (k == 0) return false;
      i += k;
    } else if ((c >= 32 && c < 127) || c == '\t') {
      ++i;
    } else {
      *error = "invalid character " + Hex(c) + " in comment";
      return false;
    }
  }
  *error = "unterminated comment after path";
  return false;
}

ParsedPath Fail(ParsedPath r, std::string msg) {
  r.ok = false;
  r.error = std::move(msg);
  return r;
}

}  // namespace

ParsedPath ParsePathPrefix(std::string_view s, const PathOptions& o, std::size_t* consumed) {
  ParsedPath r;
  LeniencySet dev;
  const LeniencySet& len = o.leniencies;
  NonAsciiPolicy policy{o.smtputf8, len.Has(Leniency::k8BitWithoutSmtputf8)};
  bool used_8bit = false;
  std::string err;
  const std::size_t n = s.size();
  std::size_t i = 0;
  *consumed = 0;

  if (i < n && s[i] == ' ') {
    // RFC 5321 3.3: "spaces are not permitted on either side of the colon".
    if (!len.Has(Leniency::kSpaceAfterColon)) return Fail(r, "space before path");
    while (i < n && s[i] == ' ') ++i;
    dev.Add(Leniency::kSpaceAfterColon);
  }
  const std::size_t path_start = i;
  const bool bracket = i < n && s[i] == '<';
  if (bracket) {
    ++i;
  } else {
    // RFC 5321 4.1.2: Path = "<" [ A-d-l ":" ] Mailbox ">"
    if (!len.Has(Leniency::kNoAngleBrackets)) {
      return Fail(r, i < n ? "path must be enclosed in '<' '>'" : "empty path");
    }
    dev.Add(Leniency::kNoAngleBrackets);
  }
  // Terminator of the mailbox: ">" inside brackets, SP or end of input without them.
  auto at_terminator = [&](std::size_t k) {
    return bracket ? (k < n && s[k] == '>') : (k >= n || s[k] == ' ');
  };

  if (bracket && i < n && s[i] == '>') {
    // RFC 5321 4.1.2: Reverse-path = Path / "<>"; a Forward-path is never null.
    if (!o.reverse) return Fail(r, "'<>' is only valid as a reverse-path");
    r.is_null = true;
    ++i;
  } else {
    if (i >= n) return Fail(r, bracket ? "missing '>'" : "empty path");
    if (s[i] == '@') {
      // A-d-l = At-domain *( "," At-domain ); At-domain = "@" Domain. RFC 5321 4.1.2: the
      // source route "MUST BE accepted, SHOULD NOT be generated, and SHOULD be ignored";
      // it is reported in `route`.
      while (true) {
        ++i;  // "@"
        ScanResult d = ScanDomain(s, i, policy);
        if (!d.ok) return Fail(r, "invalid domain in source route: " + d.error);
        used_8bit |= d.used_8bit;
        r.route.emplace_back(s.substr(i, d.end - i));
        i = d.end;
        if (i < n && s[i] == ',') {
          ++i;
          if (i >= n || s[i] != '@') return Fail(r, "expected '@' after ',' in source route");
          continue;
        }
        if (i < n && s[i] == ':') {
          ++i;
          break;
        }
        return Fail(r, "expected ',' or ':' after source route domain");
      }
    }
    std::size_t lp_end = 0;
    if (!ScanLocalPart(s, i, policy, &lp_end, &used_8bit, &err)) return Fail(r, err);
    r.local_part.assign(s.substr(i, lp_end - i));
    i = lp_end;
    if (i < n && s[i] == '@') {
      ++i;
      ScanResult d;
      bool literal = i < n && s[i] == '[';
      d = literal ? ScanAddressLiteral(s, i) : ScanDomain(s, i, policy);
      if (!d.ok) return Fail(r, d.error);
      used_8bit |= d.used_8bit;
      r.domain.assign(s.substr(i, d.end - i));
      i = d.end;
      if (!literal && i < n && s[i] == '.' && at_terminator(i + 1)) {
        if (!len.Has(Leniency::kTrailingDotDomain)) return Fail(r, "domain ends with '.'");
        dev.Add(Leniency::kTrailingDotDomain);
        ++i;
      }
    } else if (!o.reverse && r.route.empty() && EqualsIgnoreCase(r.local_part, "postmaster")) {
      // RFC 5321 4.1.1.3: "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" / ...);
      // 4.5.1: postmaster is a case-insensitive local name.
      r.is_postmaster = true;
    } else if (len.Has(Leniency::kUnqualifiedMailbox)) {
      dev.Add(Leniency::kUnqualifiedMailbox);
    } else {
      return Fail(r, i < n && !at_terminator(i)
                         ? "invalid character " + Hex(static_cast<unsigned char>(s[i])) +
                               " in local part"
                         : "mailbox has no domain");
    }
    if (!at_terminator(i)) {
      if (i >= n) return Fail(r, "missing '>'");
      return Fail(r, "unexpected character " + Hex(static_cast<unsigned char>(s[i])) +
                         " in path");
    }
    if (bracket) ++i;
  }
  const std::size_t path_end = i;

  // A comment after the path: "<a@b.test> (comment)".
  {
    std::size_t j = i;
    while (j < n && s[j] == ' ') ++j;
    if (j < n && s[j] == '(' && len.Has(Leniency::kCommentInPath)) {
      // RFC 5321 4.1.1.2/4.1.1.3: at most one SP follows the path ("Reverse-path
      // [SP Mail-parameters]"); comment-in-path admits "<a@b.test> (comment)" with that one
      // SP, a run of SP before the comment is extra-space and needs that leniency too.
      if (j > i + 1) {
        if (!len.Has(Leniency::kExtraSpace)) {
          return Fail(r, "more than one space before comment after path");
        }
        dev.Add(Leniency::kExtraSpace);
      }
      std::size_t cend = 0;
      if (!ScanComment(s, j, policy, &cend, &used_8bit, &err)) return Fail(r, err);
      dev.Add(Leniency::kCommentInPath);
      i = cend;
    }
  }

  if (used_8bit) dev.Add(Leniency::k8BitWithoutSmtputf8);
  for (std::size_t k = path_start; k < path_end; ++k) {
    if (static_cast<unsigned char>(s[k]) >= 0x80) {
      r.non_ascii = true;
      break;
    }
  }
  // RFC 5321 4.5.3.1.1-3 length limits, reported, never enforced here.
  if (r.local_part.size() > LimitValue(Limit::kLocalPart)) {
    r.limit_findings.push_back(MakeLimitFinding(Limit::kLocalPart, r.local_part.size()));
  }
  if (r.domain.size() > LimitValue(Limit::kDomain)) {
    r.limit_findings.push_back(MakeLimitFinding(Limit::kDomain, r.domain.size()));
  }
  // "including the punctuation and element separators": a path written without brackets
  // is counted as if it had them.
  std::size_t path_len = path_end - path_start + (bracket ? 0 : 2);
  if (path_len > LimitValue(Limit::kPath)) {
    r.limit_findings.push_back(MakeLimitFinding(Limit::kPath, path_len));
  }
  r.deviations = dev.ToVector();
  r.ok = true;
  *consumed = i;
  return r;
}

ParsedPath ParsePath(std::string_view input, const PathOptions& opts) {
  std::size_t consumed = 0;
  ParsedPath r = ParsePathPrefix(input, opts, &consumed);
  if (!r.ok) return r;
  std::string_view rest = input.substr(consumed);
  if (rest.empty()) return r;
  for (char c : rest) {
    if (c != ' ' && c != '\t') {
      return Fail(std::move(r), "unexpected text after path");
    }
  }
  if (!opts.leniencies.Has(Leniency::kTrailingSpace)) {
    return Fail(std::move(r), "trailing space after path");
  }
  LeniencySet dev = LeniencySet::FromVector(r.deviations);
  dev.Add(Leniency::kTrailingSpace);
  r.deviations = dev.ToVector();
  return r;
}

std::string ParsedPath::Mailbox() const {
  if (domain.empty()) return local_part;
  return local_part + "@" + domain;
}

std::string UnquoteLocalPart(std::string_view lp) {
  if (lp.size() < 2 || lp.front() != '"' || lp.back() != '"') return std::string(lp);
  std::string out;
  out.reserve(lp.size());
  for (std::size_t i = 1; i + 1 < lp.size(); ++i) {
    if (lp[i] == '\\' && i + 2 < lp.size()) ++i;  // quoted-pairSMTP
    out += lp[i];
  }
  return out;
}

bool IsValidLocalPart(std::string_view s, bool smtputf8) {
  std::size_t end = 0;
  bool used = false;
  std::string err;
  return ScanLocalPart(s, 0, NonAsciiPolicy{smtputf8, false}, &end, &used, &err) &&
         end == s.size() && !used;
}

std::string QuoteLocalPart(std::string_view value) {
  std::size_t end = 0;
  bool used = false;
  std::string err;
  if (!value.empty() && value[0] != '"' &&
      ScanLocalPart(value, 0, NonAsciiPolicy{false, true}, &end, &used, &err) &&
      end == value.size()) {
    return std::string(value);
  }
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string FormatPath(const ParsedPath& p) {
  if (p.is_null) return "<>";
  std::string out = "<";
  for (std::size_t k = 0; k < p.route.size(); ++k) {
    out += k == 0 ? "@" : ",@";
    out += p.route[k];
  }
  if (!p.route.empty()) out += ':';
  std::size_t end = 0;
  bool used = false;
  std::string err;
  if (ScanLocalPart(p.local_part, 0, NonAsciiPolicy{false, true}, &end, &used, &err) &&
      end == p.local_part.size()) {
    out += p.local_part;
  } else {
    out += QuoteLocalPart(p.local_part);
  }
  if (!p.domain.empty()) {
    out += '@';
    out += p.domain;
  }
  out += '>';
  return out;
}

bool SamePath(const ParsedPath& a, const ParsedPath& b) {
  return a.is_null == b.is_null && a.is_postmaster == b.is_postmaster && a.route == b.route &&
         a.local_part == b.local_part && a.domain == b.domain;
}

}  // namespace mta::smtp
