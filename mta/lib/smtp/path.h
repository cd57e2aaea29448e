// path.h: RFC 5321 Reverse-path / Forward-path / Mailbox parser and formatter.
//
// RFC 5321 4.1.2:
//   Reverse-path = Path / "<>"        Forward-path = Path
//   Path = "<" [ A-d-l ":" ] Mailbox ">"   A-d-l = At-domain *( "," At-domain )
//   At-domain = "@" Domain                 Mailbox = Local-part "@" ( Domain / address-literal )
//   Local-part = Dot-string / Quoted-string   Dot-string = Atom *("." Atom)
//   Quoted-string = DQUOTE *QcontentSMTP DQUOTE, quoted-pairSMTP = %d92 %d32-126
// RFC 5321 4.1.1.3: "RCPT TO:<Postmaster>" (no domain, case-insensitive, 4.5.1).
// RFC 5321 4.1.3 address literals, 4.5.3.1.1-3 length limits (findings), RFC 6531 3.3
// SMTPUTF8. Source routes are accepted and reported (4.1.2: "MUST BE accepted").
//
//   ParsedPath p = ParsePath("<@a.test,@b.test:\"x y\"@c.test>", {});
//   p.ok; p.route == {"a.test","b.test"}; p.local_part == "\"x y\""; p.domain == "c.test"
//   UnquoteLocalPart(p.local_part) == "x y"; FormatPath(p) == the input
#ifndef MTA_LIB_SMTP_PATH_H_
#define MTA_LIB_SMTP_PATH_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/smtp/leniency.h"
#include "mta/lib/smtp/limits.h"

namespace mta::smtp {

struct PathOptions {
  // true: a Reverse-path (MAIL FROM), "<>" accepted. false: a Forward-path (RCPT TO), the
  // domainless "<Postmaster>" accepted.
  bool reverse = false;
  // RFC 6531: UTF-8 allowed in local part and domain (the SMTPUTF8 mode is in force).
  bool smtputf8 = false;
  LeniencySet leniencies;  // all off by default: strict RFC 5321
};

struct ParsedPath {
  bool ok = false;
  bool is_null = false;        // "<>"
  bool is_postmaster = false;  // the domainless RCPT "<Postmaster>" special case
  std::vector<std::string> route;  // A-d-l domains, in order, without "@"
  std::string local_part;  // as written (a Quoted-string keeps its quotes and backslashes)
  std::string domain;      // as written ("[IPv6:...]" keeps brackets); no trailing dot
  std::vector<Leniency> deviations;          // leniencies the input needed (enum order)
  std::vector<LimitFinding> limit_findings;  // RFC 5321 4.5.3.1.1-3
  std::string error;                         // short message when !ok
  bool non_ascii = false;  // the path contains octets > 127 (UTF-8 or 8-bit)

  // The mailbox "local@domain" as written ("local" when there is no domain).
  std::string Mailbox() const;
};

// Parses a whole path: `input` is exactly the argument after "FROM:" / "TO:" and before
// any parameter (leading SP needs space-after-colon, trailing SP trailing-space, a
// trailing "(comment)" comment-in-path).
ParsedPath ParsePath(std::string_view input, const PathOptions& opts);

// Parses the path at the start of `input` (leading SP and a comment after the path handled
// as in ParsePath) and stores in *consumed the octets used; what follows (parameters,
// trailing SP) is the caller's. Used by the command parser.
ParsedPath ParsePathPrefix(std::string_view input, const PathOptions& opts,
                           std::size_t* consumed);

// Quoted-string -> its content with quoted-pairs resolved; a Dot-string is returned as is.
// RFC 5321 4.1.2: "all quoted forms MUST be treated as equivalent".
std::string UnquoteLocalPart(std::string_view local_part);
// The canonical written form of a local-part value: the value itself when it is a valid
// Dot-string (octets > 127 count as atext), else a Quoted-string escaping only '"' and '\'
// (RFC 5321 4.1.2: "SHOULD NOT ... quote unless needed").
std::string QuoteLocalPart(std::string_view value);
// True when `s` is an RFC 5321 Local-part (ASCII, or UTF-8 when smtputf8).
bool IsValidLocalPart(std::string_view s, bool smtputf8 = false);

// "<>" for a null path; else "<" [ "@r1,@r2:" ] local [ "@" domain ] ">". The local part
// is emitted as written when it is a valid Local-part, else QuoteLocalPart(local_part).
std::string FormatPath(const ParsedPath& p);

// True when both describe the same path: is_null, is_postmaster, route, local_part and
// domain equal (deviations, findings and errors are not compared).
bool SamePath(const ParsedPath& a, const ParsedPath& b);

}  // namespace mta::smtp

#endif  // MTA_LIB_SMTP_PATH_H_
