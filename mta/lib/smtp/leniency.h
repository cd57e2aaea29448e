// leniency.h: named, off-by-default leniencies for SMTP command lines and paths.
//
// RFC 5321 2.3.8 (CRLF is the only line terminator), 3.3 (no spaces around the colon of
// MAIL FROM: / RCPT TO:), 4.1.2 (Path = "<" ... ">", no 8-bit without an extension),
// RFC 6531 (SMTPUTF8). Real MTAs accept more than the grammar; each such acceptance is one
// Leniency value with a stable kebab-case name, so a parser can be told which ones to apply
// and can report which ones an input actually needed.
//
//   std::optional<Leniency> l = ParseLeniency("no-angle-brackets");
//   LeniencySet s{Leniency::kNoAngleBrackets};  s.Has(*l) == true
#ifndef MTA_LIB_SMTP_LENIENCY_H_
#define MTA_LIB_SMTP_LENIENCY_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace mta::smtp {

// Order is stable: deviations are reported in this order.
enum class Leniency : std::uint8_t {
  // "no-angle-brackets": MAIL FROM:a@b.test (path without "<" ">").
  //   qmail 1.03 addrparse takes the word after the colon; Postfix with
  //   strict_rfc821_envelopes = no (default); Exim (RFC 822 address parser).
  kNoAngleBrackets,
  // "space-after-colon": MAIL FROM: <a@b.test>. qmail 1.03 (CHANGES 19980611), Postfix
  //   default. RFC 5321 3.3 forbids it.
  kSpaceAfterColon,
  // "trailing-space": SP or HTAB before the line end ("QUIT \r\n", "MAIL FROM:<a@b> \r\n").
  //   Postfix (tokenises on white space), Exim.
  kTrailingSpace,
  // "lf-line-end": a command line ended by LF alone. qmail (commands.c), Postfix
  //   smtpd_forbid_bare_newline = normalize, OpenSMTPD. RFC 5321 2.3.8 MUST NOT.
  kLfLineEnd,
  // "8bit-without-smtputf8": octets > 127 in a path or parameter without SMTPUTF8 (or
  //   malformed UTF-8 with it). qmail copies any octet but NUL; Postfix strict_smtputf8 = no.
  k8BitWithoutSmtputf8,
  // "comment-in-path": an RFC 5322 comment after the path, "RCPT TO:<a@b> (comment)".
  //   Postfix strict_rfc821_envelopes = no (disputed-points A6-T3).
  kCommentInPath,
  // "extra-space": more than one SP where the grammar has one SP (after the verb, between
  //   parameters). Postfix (smtpd_token.c splits on runs of white space).
  kExtraSpace,
  // "trailing-dot-domain": a domain ending in "." ("a@sink.test."). Accepted and stripped by
  //   qmail and Postfix (disputed-points G1-T2); the reported domain has no trailing dot.
  kTrailingDotDomain,
  // "unqualified-mailbox": a mailbox without "@domain" other than RCPT's <Postmaster>.
  //   qmail appends control/envnoathost (disputed-points A11, G2-T3).
  kUnqualifiedMailbox,
};

inline constexpr int kLeniencyCount = 9;

// Stable kebab-case name ("no-angle-brackets", ...).
std::string_view LeniencyName(Leniency l);
// Inverse of LeniencyName (exact, case-sensitive); nullopt for an unknown name.
std::optional<Leniency> ParseLeniency(std::string_view name);
// Every leniency, in enum order.
std::span<const Leniency> AllLeniencies();
// Every name, in enum order (for --help texts and validation).
std::vector<std::string_view> LeniencyNames();

// A small set of leniencies (bit set over the enum).
class LeniencySet {
 public:
  constexpr LeniencySet() = default;
  LeniencySet(std::initializer_list<Leniency> ls) {
    for (Leniency l : ls) Add(l);
  }
  static LeniencySet All();
  bool Has(Leniency l) const { return (bits_ >> static_cast<int>(l)) & 1u; }
  void Add(Leniency l) { bits_ |= 1u << static_cast<int>(l); }
  void Remove(Leniency l) { bits_ &= ~(1u << static_cast<int>(l)); }
  void AddAll(LeniencySet o) { bits_ |= o.bits_; }
  bool empty() const { return bits_ == 0; }
  // True when every member of this set is in `o`.
  bool SubsetOf(LeniencySet o) const { return (bits_ & ~o.bits_) == 0; }
  std::vector<Leniency> ToVector() const;  // enum order
  static LeniencySet FromVector(const std::vector<Leniency>& v);
  std::uint32_t bits() const { return bits_; }
  friend bool operator==(LeniencySet a, LeniencySet b) { return a.bits_ == b.bits_; }

 private:
  std::uint32_t bits_ = 0;
};

}  // namespace mta::smtp

#endif  // MTA_LIB_SMTP_LENIENCY_H_
