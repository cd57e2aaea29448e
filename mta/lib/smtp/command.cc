// command.cc: SMTP command line parser and formatter (see command.h).
#include "mta/lib/smtp/command.h"

#include <array>
#include <limits>
#include <utility>

#include "mta/lib/smtp/chars.h"
#include "mta/lib/smtp/domain.h"

namespace mta::smtp {
namespace {

constexpr std::array<std::pair<std::string_view, Verb>, 14> kVerbs = {{
    {"EHLO", Verb::kEhlo}, {"HELO", Verb::kHelo}, {"MAIL", Verb::kMail},
    {"RCPT", Verb::kRcpt}, {"DATA", Verb::kData}, {"RSET", Verb::kRset},
    {"VRFY", Verb::kVrfy}, {"EXPN", Verb::kExpn}, {"HELP", Verb::kHelp},
    {"NOOP", Verb::kNoop}, {"QUIT", Verb::kQuit}, {"BDAT", Verb::kBdat},
    {"STARTTLS", Verb::kStarttls}, {"AUTH", Verb::kAuth},
}};

// Checks a free-text argument: printable ASCII, plus non-ASCII as the policy allows.
bool CheckText(std::string_view s, NonAsciiPolicy policy, bool* used_8bit, std::string* err) {
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    if (c >= 32 && c <= 126) {
      ++i;
    } else if (c >= 0x80) {
      std::size_t k = ConsumeNonAscii(s, i, policy, used_8bit, err);
      if (k == 0) return false;
      i += k;
    } else {
      *err = "invalid character in argument";
      return false;
    }
  }
  return true;
}

bool IsBase64OrEquals(std::string_view s) {
  // RFC 4954 4: initial-response = base64 / "="
  if (s == "=") return true;
  if (s.empty() || s.size() % 4 != 0) return false;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (c == '=') {
      ++pad;
      if (i < s.size() - 2) return false;
    } else {
      if (pad) return false;
      if (!IsLetDig(c) && c != '+' && c != '/') return false;
    }
  }
  return pad <= 2;
}

bool IsSaslMech(std::string_view s) {
  // RFC 4422 3.1: sasl-mech = 1*20mech-char; mech-char = UPPER-ALPHA / DIGIT / "-" / "_"
  // (accepted in any case here; AUTH names are matched case-insensitively in practice).
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (!IsLetDig(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

class CommandParser {
 public:
  CommandParser(const CommandOptions& o) : o_(o), len_(o.leniencies) {}

  ParsedCommand Run(std::string_view line) {
    // RFC 5321 4.5.3.1.4: "The maximum total length of a command line including the
    // command word and the <CRLF> is 512 octets."
    if (line.size() > LimitValue(Limit::kCommandLine)) {
      c_.limit_findings.push_back(MakeLimitFinding(Limit::kCommandLine, line.size()));
    }
    std::string_view body;
    if (line.size() >= 2 && line.substr(line.size() - 2) == "\r\n") {
      body = line.substr(0, line.size() - 2);
    } else if (!line.empty() && line.back() == '\n') {
      // RFC 5321 2.3.8: no other sequence than CRLF may be recognised as a line end.
      if (!len_.Has(Leniency::kLfLineEnd)) return Fail(500, "line not ended by CRLF");
      dev_.Add(Leniency::kLfLineEnd);
      body = line.substr(0, line.size() - 1);
    } else {
      return Fail(500, "missing line end");
    }
    bool bad_trailing = false;
    std::size_t end = body.size();
    while (end > 0 && (body[end - 1] == ' ' || body[end - 1] == '\t')) --end;
    if (end < body.size()) {
      if (len_.Has(Leniency::kTrailingSpace)) {
        dev_.Add(Leniency::kTrailingSpace);
      } else {
        bad_trailing = true;
      }
      body = body.substr(0, end);
    }
    std::size_t sp = body.find(' ');
    std::string_view word = body.substr(0, sp);
    c_.verb_text = std::string(word);
    std::string_view rest = sp == std::string_view::npos ? std::string_view() : body.substr(sp);
    bool bad_extra_space = false;
    if (!rest.empty()) {
      rest.remove_prefix(1);  // the SP after the verb
      std::size_t k = 0;
      while (k < rest.size() && rest[k] == ' ') ++k;
      if (k > 0) {
        if (len_.Has(Leniency::kExtraSpace)) {
          dev_.Add(Leniency::kExtraSpace);
        } else {
          bad_extra_space = true;
        }
        rest.remove_prefix(k);
      }
    }
    c_.argument = std::string(rest);
    std::optional<Verb> v = ParseVerb(word);
    if (!v) {
      // RFC 5321 4.2.4: "If the command is not recognized, code 500 SHOULD be returned."
      return Fail(500, word.empty() ? "empty command line" : "unrecognised command");
    }
    c_.verb = *v;
    if (bad_trailing) return Fail(501, "trailing space before line end");
    if (bad_extra_space) return Fail(501, "more than one space after the verb");
    for (unsigned char ch : body) {
      // RFC 5321 4.1.2: commands with invalid character codes are rejected with 501.
      if (ch < 32 || ch == 127) return Fail(501, "control character in command line");
    }
    switch (c_.verb) {
      case Verb::kEhlo:
      case Verb::kHelo:
        return Hello(rest);
      case Verb::kMail:
      case Verb::kRcpt:
        return MailRcpt(rest);
      case Verb::kData:
      case Verb::kRset:
      case Verb::kQuit:
      case Verb::kStarttls:
        // RFC 5321 4.1.1.4/5/10: "DATA" CRLF, "RSET" CRLF, "QUIT" CRLF; RFC 3207 4:
        // "STARTTLS" CRLF (501 "no parameters allowed").
        if (!rest.empty()) return Fail(501, "no argument allowed");
        return Ok();
      case Verb::kVrfy:
      case Verb::kExpn:
        // RFC 5321 4.1.1.6/7: "VRFY" SP String. Section 3.5 lets the argument be a user
        // name or a mailbox, so any printable argument is accepted.
        if (rest.empty()) return Fail(501, "argument required");
        return Text(rest, o_.smtputf8);
      case Verb::kHelp:
      case Verb::kNoop:
        // RFC 5321 4.1.1.8/9: [ SP String ]
        return Text(rest, false);
      case Verb::kBdat:
        return Bdat(rest);
      case Verb::kAuth:
        return Auth(rest);
      case Verb::kUnknown:
        break;
    }
    return Fail(500, "unrecognised command");
  }

 private:
  ParsedCommand Fail(int code, std::string msg) {
    c_.ok = false;
    c_.reply_code = code;
    c_.error = std::move(msg);
    c_.deviations = dev_.ToVector();
    return std::move(c_);
  }
  ParsedCommand Ok() {
    c_.ok = true;
    c_.deviations = dev_.ToVector();
    return std::move(c_);
  }
  NonAsciiPolicy Policy(bool smtputf8) const {
    return NonAsciiPolicy{smtputf8, len_.Has(Leniency::k8BitWithoutSmtputf8)};
  }

  ParsedCommand Text(std::string_view arg, bool smtputf8) {
    bool used = false;
    std::string err;
    if (!CheckText(arg, Policy(smtputf8), &used, &err)) return Fail(501, err);
    if (used) dev_.Add(Leniency::k8BitWithoutSmtputf8);
    return Ok();
  }

  ParsedCommand Hello(std::string_view arg) {
    // RFC 5321 4.1.1.1: ehlo = "EHLO" SP ( Domain / address-literal ) CRLF;
    // helo = "HELO" SP Domain CRLF.
    if (arg.empty()) return Fail(501, "domain required");
    ScanResult r;
    if (arg[0] == '[') {
      if (c_.verb == Verb::kHelo) return Fail(501, "HELO takes a domain, not an address literal");
      r = ScanAddressLiteral(arg, 0);
    } else {
      r = ScanDomain(arg, 0, Policy(false));
    }
    if (!r.ok) return Fail(501, r.error);
    if (r.end != arg.size()) return Fail(501, "invalid domain");
    if (r.used_8bit) dev_.Add(Leniency::k8BitWithoutSmtputf8);
    return Ok();
  }

  ParsedCommand MailRcpt(std::string_view arg) {
    const bool mail = c_.verb == Verb::kMail;
    // RFC 5321 4.1.1.2/3: "MAIL FROM:" Reverse-path, "RCPT TO:" Forward-path; 2.4: not
    // case-sensitive; 3.3: no space before or after the colon.
    std::string_view prefix = mail ? "FROM:" : "TO:";
    if (arg.size() < prefix.size() || !EqualsIgnoreCase(arg.substr(0, prefix.size()), prefix)) {
      return Fail(501, mail ? "syntax: MAIL FROM:<address>" : "syntax: RCPT TO:<address>");
    }
    std::string_view rest = arg.substr(prefix.size());
    PathOptions po{mail, o_.smtputf8, len_};
    std::size_t consumed = 0;
    ParsedPath p = ParsePathPrefix(rest, po, &consumed);
    if (!p.ok) {
      std::string err = p.error;
      c_.path = std::move(p);
      return Fail(501, err);
    }
    std::string_view after = rest.substr(consumed);
    std::string_view ptext;
    if (!after.empty()) {
      if (after[0] != ' ') {
        c_.path = std::move(p);
        return Fail(501, "unexpected text after path");
      }
      ptext = after.substr(1);
    }
    std::string err;
    if (!SplitEsmtpParams(ptext, Policy(o_.smtputf8), len_, &c_.params, &dev_, &err)) {
      c_.path = std::move(p);
      return Fail(501, err);
    }
    ParamsResult pr = InterpretParams(mail ? ParamContext::kMail : ParamContext::kRcpt,
                                      c_.params);
    if (mail && p.non_ascii && !(pr.ok && pr.known.smtputf8) && o_.smtputf8) {
      // RFC 6531 3.4: UTF-8 in the reverse-path needs the SMTPUTF8 parameter; re-parse as
      // plain RFC 5321. RFC 6531 3.5: 553 for a non-ASCII address that is not permitted.
      PathOptions ascii = po;
      ascii.smtputf8 = false;
      std::size_t consumed2 = 0;
      ParsedPath p2 = ParsePathPrefix(rest, ascii, &consumed2);
      if (!p2.ok) {
        c_.path = std::move(p2);
        return Fail(553, "non-ASCII address without the SMTPUTF8 parameter");
      }
      p = std::move(p2);
    }
    dev_.AddAll(LeniencySet::FromVector(p.deviations));
    for (const LimitFinding& f : p.limit_findings) c_.limit_findings.push_back(f);
    c_.path = std::move(p);
    c_.known_params = std::move(pr.known);
    if (!pr.ok) return Fail(pr.reply_code, pr.error);
    ParsedCommand out = Ok();
    if (pr.reply_code != 0) {
      out.reply_code = pr.reply_code;
      out.error = "unrecognised parameter " + out.known_params.unknown.front().keyword;
    }
    return out;
  }

  ParsedCommand Bdat(std::string_view arg) {
    // RFC 3030 2: bdat-cmd ::= "BDAT" SP chunk-size [ SP end-marker ] CR LF;
    // chunk-size ::= 1*DIGIT; end-marker ::= "LAST"
    std::size_t sp = arg.find(' ');
    std::string_view num = arg.substr(0, sp);
    if (num.empty()) return Fail(501, "BDAT needs a chunk size");
    std::uint64_t n = 0;
    for (char ch : num) {
      if (!IsDigit(static_cast<unsigned char>(ch))) return Fail(501, "invalid chunk size");
      unsigned d = static_cast<unsigned>(ch - '0');
      if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
        return Fail(501, "chunk size too large");
      }
      n = n * 10 + d;
    }
    c_.bdat_size = n;
    if (sp != std::string_view::npos) {
      std::string_view marker = arg.substr(sp + 1);
      std::size_t k = 0;
      while (k < marker.size() && marker[k] == ' ') ++k;
      if (k > 0) {
        if (!len_.Has(Leniency::kExtraSpace)) return Fail(501, "more than one space");
        dev_.Add(Leniency::kExtraSpace);
        marker.remove_prefix(k);
      }
      if (!EqualsIgnoreCase(marker, "LAST")) return Fail(501, "expected LAST");
      c_.bdat_last = true;
    }
    return Ok();
  }

  ParsedCommand Auth(std::string_view arg) {
    // RFC 4954 4: "AUTH" SP sasl-mech [SP initial-response]
    std::size_t sp = arg.find(' ');
    std::string_view mech = arg.substr(0, sp);
    if (!IsSaslMech(mech)) return Fail(501, "invalid SASL mechanism name");
    c_.auth_mechanism = std::string(mech);
    if (sp != std::string_view::npos) {
      std::string_view resp = arg.substr(sp + 1);
      if (!IsBase64OrEquals(resp)) return Fail(501, "initial response is not base64");
      c_.auth_initial_response = std::string(resp);
    }
    return Ok();
  }

  const CommandOptions& o_;
  const LeniencySet len_;
  LeniencySet dev_;
  ParsedCommand c_;
};

}  // namespace

std::string_view VerbName(Verb v) {
  for (const auto& [name, verb] : kVerbs) {
    if (verb == v) return name;
  }
  return "";
}

std::optional<Verb> ParseVerb(std::string_view word) {
  // RFC 5321 2.4: "Verbs and argument values ... are not case sensitive".
  for (const auto& [name, verb] : kVerbs) {
    if (EqualsIgnoreCase(word, name)) return verb;
  }
  return std::nullopt;
}

ParsedCommand ParseCommand(std::string_view line, const CommandOptions& opts) {
  return CommandParser(opts).Run(line);
}

std::string FormatCommand(const ParsedCommand& c) {
  std::string out;
  switch (c.verb) {
    case Verb::kMail:
    case Verb::kRcpt:
      out = c.verb == Verb::kMail ? "MAIL FROM:" : "RCPT TO:";
      if (c.path) out += FormatPath(*c.path);
      for (const EsmtpParam& p : c.params) {
        out += ' ';
        out += FormatEsmtpParam(p);
      }
      break;
    case Verb::kBdat:
      out = "BDAT " + std::to_string(c.bdat_size);
      if (c.bdat_last) out += " LAST";
      break;
    case Verb::kAuth:
      out = "AUTH " + AsciiUpper(c.auth_mechanism);
      if (c.auth_initial_response) out += " " + *c.auth_initial_response;
      break;
    case Verb::kUnknown:
      out = c.verb_text;
      if (!c.argument.empty()) out += " " + c.argument;
      break;
    default:
      out = std::string(VerbName(c.verb));
      if (!c.argument.empty()) out += " " + c.argument;
      break;
  }
  out += "\r\n";
  return out;
}

bool SameCommand(const ParsedCommand& a, const ParsedCommand& b) {
  if (a.verb != b.verb) return false;
  switch (a.verb) {
    case Verb::kMail:
    case Verb::kRcpt: {
      if (a.path.has_value() != b.path.has_value()) return false;
      if (a.path && !SamePath(*a.path, *b.path)) return false;
      if (a.params.size() != b.params.size()) return false;
      for (std::size_t i = 0; i < a.params.size(); ++i) {
        if (a.params[i].keyword_upper != b.params[i].keyword_upper ||
            a.params[i].value != b.params[i].value) {
          return false;
        }
      }
      return true;
    }
    case Verb::kBdat:
      return a.bdat_size == b.bdat_size && a.bdat_last == b.bdat_last;
    case Verb::kAuth:
      return EqualsIgnoreCase(a.auth_mechanism, b.auth_mechanism) &&
             a.auth_initial_response == b.auth_initial_response;
    case Verb::kUnknown:
      return a.verb_text == b.verb_text && a.argument == b.argument;
    default:
      return a.argument == b.argument;
  }
}

}  // namespace mta::smtp
