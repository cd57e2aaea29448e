// qsbmf_generate.cc: the QSBMF generator, reproducing qmail-send 1.03 (injectbounce(),
// addbounce()) byte for byte, and the matching "representable subset" of a report.
//
// QSBMF 2 (cr.yp.to/proto/qsbmf.txt); HCMSSC (#C.S.D); disputed-points M.3 / M.4.
//   GenerateQsbmf(report, "Subject: hi\n\nbody\n", env) -> "Date: ...\n...Hi. This is the ..."
#include <cstdint>
#include <string>

#include "mta/lib/report/date.h"
#include "mta/lib/report/qsbmf.h"
#include "mta/lib/report/qsbmf_internal.h"

namespace mta::report {

using namespace qsbmf_internal;

namespace {

constexpr std::string_view kGenericText = "Sorry, I wasn't able to deliver this message.";

// qmail quote.c: characters a local part may hold without quoting (RFC 821/822 atoms).
bool QuoteOk(unsigned char c) {
  static const char kOk[128] = {
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0, 7, 0, 7, 7, 7, 7, 7, 0, 0, 7, 7, 0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0, 0, 0, 7, 0, 7,
      0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0, 0, 0, 7, 7,
      7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0};
  return c < 128 && kOk[c] != 0;
}

bool QuoteNeed(std::string_view s) {
  if (s.empty()) return true;
  for (char c : s) {
    if (!QuoteOk(static_cast<unsigned char>(c))) return true;
  }
  if (s.front() == '.' || s.back() == '.') return true;
  return s.find("..") != std::string_view::npos;
}

// qmail quote.c quote(): "..." with \ before CR, LF, '"' and '\' when needed.
std::string QmailQuote(std::string_view s) {
  if (!QuoteNeed(s)) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

struct RemoteParts {
  std::string_view host;
  std::string_view diagnostic;
};

// The remote form (see qsbmf.h) applies: both fields present, an "smtp" diagnostic, a
// plain host token, and a non-empty diagnostic that does not end in LF.
std::optional<RemoteParts> RemoteForm(const RecipientReport& r) {
  if (!r.remote_mta || !r.diagnostic_code) return std::nullopt;
  if (!EqualsIgnoreCase(r.diagnostic_code->type, "smtp")) return std::nullopt;
  std::string_view host = StripBrackets(r.remote_mta->value);
  if (!IsHostToken(host)) return std::nullopt;
  std::string_view d = r.diagnostic_code->value;
  if (d.empty() || d.back() == '\n') return std::nullopt;
  return RemoteParts{host, d};
}

// A first description line the parser reads a Remote-MTA or Diagnostic-Code from (M.4).
bool ReadsAsRemoteText(std::string_view line) {
  return StartsWith(line, kRemoteSaid) || StartsWith(line, kConnectedTo) ||
         EndsWith(line, kDoesNotLike) || EndsWith(line, kFailedAfter);
}

std::string EffectiveStatus(const RecipientReport& r) {
  return IsStatusCode(r.status) ? r.status : std::string("5.0.0");
}

// The delivery program's report for one recipient (qmail-local / qmail-remote texts).
std::string ReportText(const RecipientReport& r) {
  if (auto rf = RemoteForm(r)) {
    // qmail-remote.c: host " does not like recipient.\n" outsmtptext() ... "Giving up on "
    std::string t(rf->host);
    t += kDoesNotLike;
    t += '\n';
    t += kRemoteSaid;
    t += rf->diagnostic;
    t += '\n';
    t += kGivingUp;
    t += rf->host;
    t += ".\n";
    return t;
  }
  std::string s = EffectiveStatus(r);
  if (s == "5.1.1") return "Sorry, no mailbox here by that name. (#5.1.1)\n";
  if (s == "5.4.6") return "This message is looping: it already has my Delivered-To line. (#5.4.6)\n";
  if (s == "5.4.4") return "Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)\n";
  if (s == "5.6.2") return "SMTP cannot transfer messages with partial final lines. (#5.6.2)\n";
  if (s == "5.1.2") {
    std::string_view a = r.final_recipient.value;
    std::size_t at = a.rfind('@');
    std::string_view host = at == std::string_view::npos ? a : a.substr(at + 1);
    return "Sorry, I couldn't find any host named " + LfToUnderscore(host) + ". (#5.1.2)\n";
  }
  const std::string code = " (#" + s + ")";
  if (r.diagnostic_code) {
    std::string line = r.diagnostic_code->value;
    for (char& c : line) {
      if (c == '\n') c = ' ';
    }
    if (!line.empty()) {
      line += code;
      // M.4: the parser takes Remote-MTA from "<IP> does not like recipient." / "Connected to
      // <IP>" and Diagnostic-Code from "Remote host said: ", which the local form cannot carry,
      // so a line the parser would read as qmail-remote's is not repeated. The test is on the
      // line as written, code included: "Connected to" + " (#5.0.0)" starts with
      // "Connected to ", as "Remote host said:" + " (#5.0.0)" starts with "Remote host said: ".
      if (!ReadsAsRemoteText(line)) return line + "\n";
    }
  }
  return std::string(kGenericText) + code + "\n";
}

// qmail-send.c addbounce(): "<" recip ">:\n" report, LF-terminated, with every LF that
// follows an LF (an empty line) replaced by '/', then the blank line ending the paragraph.
std::string FailureParagraph(const RecipientReport& r) {
  std::string t = "<" + LfToUnderscore(r.final_recipient.value) + ">:\n";
  std::string report = ReportText(r);
  t += report;
  if (!report.empty() && report.back() != '\n') t += '\n';
  for (std::size_t pos = t.size() >= 2 ? t.size() - 2 : 0; pos > 0; --pos) {
    if (t[pos] == '\n' && t[pos - 1] == '\n') t[pos] = '/';
  }
  t += '\n';
  return t;
}

// The same empty-line transformation on a text standing alone inside a paragraph.
std::string SlashEmptyLines(std::string_view d) {
  std::string t(d);
  for (std::size_t pos = t.size(); pos-- > 1;) {
    if (t[pos] == '\n' && t[pos - 1] == '\n') t[pos] = '/';
  }
  return t;
}

std::string BounceHost(const DeliveryReport& report, const GeneratorEnv& env) {
  return LfToUnderscore(report.reporting_mta.value.empty() ? env.hostname
                                                           : report.reporting_mta.value);
}

}  // namespace

std::string QmailQuote2(std::string_view s) {
  // qmail quote.c quote2(): "" stays ""; quote the part before the last '@'.
  if (s.empty()) return std::string();
  std::size_t j = s.rfind('@');
  if (j == std::string_view::npos) return QmailQuote(s);
  return QmailQuote(s.substr(0, j)) + std::string(s.substr(j));
}

std::string QmailUnquote2(std::string_view q) {
  if (q.empty() || q.front() != '"') return std::string(q);
  std::string local;
  std::size_t i = 1;
  while (i < q.size()) {
    char c = q[i];
    if (c == '\\' && i + 1 < q.size()) {
      local += q[i + 1];
      i += 2;
      continue;
    }
    if (c == '"') break;
    local += c;
    ++i;
  }
  if (i >= q.size()) return std::string(q);  // unterminated quoted string
  std::string_view rest = q.substr(i + 1);
  if (!rest.empty() && rest.front() != '@') return std::string(q);
  return local + std::string(rest);
}

std::vector<std::string> QsbmfDescription(const RecipientReport& recipient) {
  std::string p = FailureParagraph(recipient);
  std::vector<std::string> lines;
  std::size_t start = p.find('\n') + 1;  // skip "<addr>:"
  while (start < p.size()) {
    std::size_t nl = p.find('\n', start);
    if (nl == std::string::npos || nl == start) break;  // the blank line ends the paragraph
    lines.emplace_back(p.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::string GenerateQsbmf(const DeliveryReport& report, std::string_view original_message,
                          const GeneratorEnv& env, const QsbmfOptions& opts) {
  const std::string host = BounceHost(report, env);
  const std::string sender = LfToUnderscore(VerpStrip(report.return_path));
  const bool dbl = opts.double_bounce.value_or(sender.empty());
  const std::string date = FormatQmailDate(env.now);

  std::string out;
  out.reserve(1024 + original_message.size());
  if (opts.received_line) {
    // qmail-queue.c: "Received: (qmail PID invoked for bounce); DATE".
    unsigned long pid = opts.received_pid;
    if (pid == 0) pid = env.random ? static_cast<unsigned long>(env.random() % 65000 + 100) : 1;
    out += "Received: (qmail " + std::to_string(pid) + " invoked for bounce); " + date + "\n";
  }
  out += "Date: " + date + "\n";
  out += "From: " + QmailQuote(LfToUnderscore(env.mailer_daemon)) + "@" + host + "\n";
  std::string to = sender;
  if (dbl) to = opts.double_bounce_to.empty() ? "postmaster@" + host
                                              : LfToUnderscore(opts.double_bounce_to);
  out += "To: " + QmailQuote2(to) + "\n";
  out += "Subject: failure notice\n\n";
  out += kIntroPrefix;
  out += host;
  out += ".\n";
  if (dbl) {
    out += kIntroDoubleLine;
    out += '\n';
  } else {
    out += kIntroNormal;
  }
  out += '\n';
  // QSBMF 2: one failure paragraph per permanently failed recipient.
  for (const RecipientReport& r : report.recipients) {
    if (r.action == Action::kFailed) out += FailureParagraph(r);
  }
  out += dbl ? kBreakDouble : kBreakNormal;
  out += "\n\n";
  out += kReturnPathPrefix;
  out += QmailQuote2(sender);
  out += ">\n";
  out += original_message;
  if (!opts.crlf) return out;
  std::string wire;
  wire.reserve(out.size() + out.size() / 16);
  for (char c : out) {
    if (c == '\n') wire += '\r';
    wire += c;
  }
  return wire;
}

DeliveryReport QsbmfRepresentable(const DeliveryReport& report, const GeneratorEnv& env) {
  DeliveryReport out;
  out.reporting_mta = Typed{"dns", BounceHost(report, env)};
  out.return_path = LfToUnderscore(VerpStrip(report.return_path));
  out.ret = Ret::kFull;
  for (const RecipientReport& r : report.recipients) {
    if (r.action != Action::kFailed) continue;
    RecipientReport o;
    o.final_recipient = Typed{"rfc822", LfToUnderscore(r.final_recipient.value)};
    o.action = Action::kFailed;
    if (auto rf = RemoteForm(r)) {
      o.remote_mta = Typed{"dns", RemoteMtaValue(rf->host)};
      std::string d = SlashEmptyLines(rf->diagnostic);
      for (char& c : d) {
        if (c == '\n') c = ' ';
      }
      // M.4: last HCMSSC, else the RFC 3463 code after the reply code, else 5.0.0.
      if (auto h = LastHcmssc(d)) {
        o.status = *h;
      } else if (auto e = ReplyEnhancedCode(d)) {
        o.status = *e;
      } else {
        o.status = "5.0.0";
      }
      o.diagnostic_code = Typed{"smtp", std::move(d)};
    } else {
      o.status = EffectiveStatus(r);
    }
    out.recipients.push_back(std::move(o));
  }
  return out;
}

}  // namespace mta::report
