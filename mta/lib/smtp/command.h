// command.h: one SMTP command line -> verb, argument, path, parameters; and back.
//
// RFC 5321 4.1.1 (command syntax), 2.4 (verbs and "FROM:"/"TO:" case-insensitive), 2.3.8
// (CRLF only), 3.3 (no space around the colon), 4.1.2 (MAIL/RCPT with invalid characters:
// 501), 4.2.2/4.2.4 (500 unrecognised, 501 argument syntax, 504 parameter not implemented),
// 4.1.1.11 (555 unrecognised MAIL/RCPT parameter), 4.5.3.1.4 (512-octet command line,
// reported as a limit finding); RFC 3030 2 (BDAT chunk-size [SP "LAST"]); RFC 3207
// (STARTTLS, no parameters); RFC 4954 4 (AUTH mechanism [initial-response]); RFC 6531
// (SMTPUTF8).
//
//   ParsedCommand c = ParseCommand("MAIL FROM:<a@b.test> SIZE=10\r\n", {});
//   c.ok; c.verb == Verb::kMail; c.path->domain == "b.test"; *c.mail_params.size == 10
//   FormatCommand(c) == "MAIL FROM:<a@b.test> SIZE=10\r\n"
#ifndef MTA_LIB_SMTP_COMMAND_H_
#define MTA_LIB_SMTP_COMMAND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/smtp/esmtp_param.h"
#include "mta/lib/smtp/leniency.h"
#include "mta/lib/smtp/limits.h"
#include "mta/lib/smtp/path.h"

namespace mta::smtp {

enum class Verb {
  kUnknown,
  kEhlo, kHelo, kMail, kRcpt, kData, kRset, kVrfy, kExpn, kHelp, kNoop, kQuit,  // RFC 5321
  kBdat,      // RFC 3030
  kStarttls,  // RFC 3207
  kAuth,      // RFC 4954
};

std::string_view VerbName(Verb v);  // "EHLO", ...; "" for kUnknown
std::optional<Verb> ParseVerb(std::string_view word);  // case-insensitive

struct CommandOptions {
  // UTF-8 is allowed in paths and parameter values: the server advertised SMTPUTF8 (for
  // MAIL the path then uses UTF-8 only when the SMTPUTF8 parameter is present; for RCPT
  // the caller sets this only when the transaction's MAIL carried SMTPUTF8).
  bool smtputf8 = false;
  LeniencySet leniencies;  // all off: strict RFC 5321
};

struct ParsedCommand {
  // The line matches the command's grammar (leniencies applied). An unrecognised verb is
  // !ok with verb == kUnknown. Unrecognised MAIL/RCPT parameters keep ok (reply_code 555).
  bool ok = false;
  Verb verb = Verb::kUnknown;
  std::string verb_text;  // the verb as written
  std::string argument;   // after the verb and its SP, line end and trailing space removed
  std::optional<ParsedPath> path;   // MAIL / RCPT
  std::vector<EsmtpParam> params;   // MAIL / RCPT, in order
  KnownParams known_params;         // MAIL / RCPT typed view (unknown ones in .unknown)
  std::uint64_t bdat_size = 0;      // BDAT chunk-size (octets)
  bool bdat_last = false;           // BDAT ... LAST
  std::string auth_mechanism;       // AUTH, as written
  std::optional<std::string> auth_initial_response;  // AUTH, base64 or "="
  std::vector<Leniency> deviations;           // leniencies the line needed (enum order)
  std::vector<LimitFinding> limit_findings;   // line length and the path's findings
  std::string error;                          // when !ok, or why reply_code is set
  // Suggested reply for a strict server implementing every extension known here: 0 when
  // acceptable; 500 unrecognised / line syntax, 501 argument syntax or invalid parameter,
  // 504 parameter value not implemented, 553 non-ASCII address without SMTPUTF8 (RFC 6531
  // 3.5), 555 unrecognised MAIL/RCPT parameter. Limit findings carry their own codes.
  int reply_code = 0;
};

// `line` is one command line WITH its line end ("...\r\n"). A line ended by LF alone needs
// Leniency::kLfLineEnd; a line without a line end is an error (500).
ParsedCommand ParseCommand(std::string_view line, const CommandOptions& opts);

// Canonical bytes with CRLF: upper-case verb, "MAIL FROM:" / "RCPT TO:" + FormatPath, then
// parameters as " KEYWORD[=value]" (keyword upper-cased); BDAT "BDAT n[ LAST]"; AUTH
// "AUTH MECH[ response]"; other verbs "VERB[ argument]".
std::string FormatCommand(const ParsedCommand& c);

// Same verb (and verb text for kUnknown), SamePath, same params (upper keyword + value),
// same argument (verbs other than MAIL/RCPT), BDAT and AUTH fields.
bool SameCommand(const ParsedCommand& a, const ParsedCommand& b);

}  // namespace mta::smtp

#endif  // MTA_LIB_SMTP_COMMAND_H_
