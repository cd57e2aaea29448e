// qsbmf_parse.cc: the QSBMF parser (QSBMF 2, HCMSSC; disputed-points M.2 parser notes and
// the M.4 conversion to the delivery-report model).
//
//   ParseQsbmf("...\n\nHi. This is the qmail-send program at a.test.\n...")
//     .report.recipients[0].status == "5.1.1"
#include <string>

#include "mta/lib/report/qsbmf.h"
#include "mta/lib/report/qsbmf_internal.h"

namespace mta::report {

using namespace qsbmf_internal;

namespace {

constexpr std::size_t kMaxViolations = 64;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Length of an RFC 3463 status code at s[i] (class "." 1*3DIGIT "." 1*3DIGIT), or 0.
std::size_t StatusCodeAt(std::string_view s, std::size_t i) {
  if (i + 5 > s.size() || (s[i] != '2' && s[i] != '4' && s[i] != '5') || s[i + 1] != '.') return 0;
  std::size_t j = i + 2;
  for (int part = 0; part < 2; ++part) {
    std::size_t n = 0;
    while (j < s.size() && IsDigit(s[j]) && n < 4) {
      ++j;
      ++n;
    }
    if (n < 1 || n > 3) return 0;
    if (part == 0) {
      if (j >= s.size() || s[j] != '.') return 0;
      ++j;
    }
  }
  if (j < s.size() && IsDigit(s[j])) return 0;
  return j - i;
}

// Every HCMSSC "(#C.S.D)" in `text`, in order.
void CollectHcmssc(std::string_view text, std::vector<std::string>* out) {
  std::size_t i = 0;
  while ((i = text.find("(#", i)) != std::string_view::npos) {
    std::size_t n = StatusCodeAt(text, i + 2);
    if (n != 0 && i + 2 + n < text.size() && text[i + 2 + n] == ')') {
      out->emplace_back(text.substr(i + 2, n));
      i += 3 + n;
    } else {
      i += 2;
    }
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  void Violation(QsbmfParseResult* r, std::string id, std::string detail) {
    if (r->violations.size() < kMaxViolations) {
      r->violations.push_back(QsbmfViolation{std::move(id), std::move(detail)});
    }
  }

  bool AtEnd() const { return pos_ >= text_.size(); }

  // One line without its LF; `terminated` tells whether an LF ended it.
  std::string_view Line(bool* terminated) {
    std::size_t nl = text_.find('\n', pos_);
    std::string_view line;
    if (nl == std::string_view::npos) {
      line = text_.substr(pos_);
      pos_ = text_.size();
      *terminated = false;
    } else {
      line = text_.substr(pos_, nl - pos_);
      pos_ = nl + 1;
      *terminated = true;
    }
    return line;
  }

  // M.2 (a): a paragraph is non-blank lines up to the first empty line (consumed).
  // Returns false when the input ended before that empty line.
  bool Paragraph(std::vector<std::string>* lines) {
    while (!AtEnd()) {
      bool term = false;
      std::string_view line = Line(&term);
      if (line.empty() && term) return true;
      lines->emplace_back(line);
      if (!term) return false;
    }
    return false;
  }

  // Skips blank lines before a paragraph; returns how many.
  std::size_t SkipBlank() {
    std::size_t n = 0;
    while (pos_ < text_.size() && text_[pos_] == '\n') {
      ++pos_;
      ++n;
    }
    return n;
  }

  std::string_view Rest() const { return text_.substr(std::min(pos_, text_.size())); }

  std::size_t pos_ = 0;

 private:
  std::string_view text_;
};

void ReadFailure(const std::vector<std::string>& lines, QsbmfFailure* f, Parser* p,
                 QsbmfParseResult* r) {
  const std::string& first = lines.front();
  // QSBMF 2: "The first line of a failure paragraph ends with the characters '>:'.
  // Everything between the leading '<' and the trailing '>:' is an (unquoted) address."
  if (first.size() >= 3 && EndsWith(first, ">:")) {
    f->address = first.substr(1, first.size() - 3);
  } else {
    f->address = first.substr(1);
    p->Violation(r, "failure-line-not-terminated", "first line does not end in \">:\": " +
                                                       first.substr(0, 80));
  }
  if (f->address.empty()) p->Violation(r, "empty-address", "failure paragraph for <>");
  f->description.assign(lines.begin() + 1, lines.end());

  std::string joined;
  for (const std::string& l : f->description) {
    if (!joined.empty()) joined += '\n';
    joined += l;
  }
  // M.2 (d): HCMSSC codes anywhere in the description.
  CollectHcmssc(joined, &f->hcmssc);

  // M.4: Remote-MTA from "<IP> does not like recipient." / "Connected to <IP> ...".
  if (!f->description.empty()) {
    std::string_view d0 = f->description.front();
    std::string_view host;
    if (EndsWith(d0, kDoesNotLike)) {
      host = d0.substr(0, d0.size() - kDoesNotLike.size());
    } else if (EndsWith(d0, kFailedAfter)) {
      host = d0.substr(0, d0.size() - kFailedAfter.size());
    } else if (StartsWith(d0, kConnectedTo)) {
      host = d0.substr(kConnectedTo.size());
      host = host.substr(0, host.find(' '));
    }
    if (!host.empty()) f->remote_mta = RemoteMtaValue(host);
  }

  // M.4: Diagnostic-Code from the text after "Remote host said: " (all lines of the reply,
  // joined by SP, up to a final "Giving up on HOST." line).
  for (std::size_t i = 0; i < f->description.size(); ++i) {
    if (!StartsWith(f->description[i], kRemoteSaid)) continue;
    std::size_t end = f->description.size();
    if (end > i + 1 && StartsWith(f->description[end - 1], kGivingUp)) --end;
    std::string d = f->description[i].substr(kRemoteSaid.size());
    for (std::size_t k = i + 1; k < end; ++k) {
      d += ' ';
      d += f->description[k];
    }
    f->diagnostic = std::move(d);
    break;
  }

  // M.4: status = last HCMSSC; else the RFC 3463 code after the reply code; else 5.0.0
  // (a failure paragraph asserts a permanent failure).
  if (!f->hcmssc.empty()) {
    f->status = f->hcmssc.back();
  } else if (auto e = f->diagnostic ? ReplyEnhancedCode(*f->diagnostic) : std::nullopt) {
    f->status = *e;
  } else {
    f->status = "5.0.0";
  }
}

bool HeaderHasField(std::string_view header, std::string_view name) {
  std::size_t i = 0;
  while (i < header.size()) {
    std::size_t nl = header.find('\n', i);
    std::string_view line = header.substr(i, nl == std::string_view::npos ? nl : nl - i);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        EqualsIgnoreCase(line.substr(0, name.size()), name)) {
      return true;
    }
    if (nl == std::string_view::npos) break;
    i = nl + 1;
  }
  return false;
}

}  // namespace

std::optional<std::string> LastHcmssc(std::string_view text) {
  std::vector<std::string> codes;
  CollectHcmssc(text, &codes);
  if (codes.empty()) return std::nullopt;
  return codes.back();
}

std::optional<std::string> ReplyEnhancedCode(std::string_view reply) {
  // RFC 5321 4.2: Reply-code SP / "-" text; RFC 2034: the enhanced code starts the text.
  if (reply.size() < 4 || !IsDigit(reply[0]) || !IsDigit(reply[1]) || !IsDigit(reply[2])) {
    return std::nullopt;
  }
  if (reply[3] != ' ' && reply[3] != '-') return std::nullopt;
  std::size_t n = StatusCodeAt(reply, 4);
  if (n == 0) return std::nullopt;
  std::size_t after = 4 + n;
  if (after < reply.size() && reply[after] != ' ' && reply[after] != '\t') return std::nullopt;
  return std::string(reply.substr(4, n));
}

bool QsbmfParseResult::HasViolation(std::string_view id) const {
  for (const QsbmfViolation& v : violations) {
    if (v.id == id) return true;
  }
  return false;
}

QsbmfParseResult ParseQsbmf(std::string_view message) {
  QsbmfParseResult r;
  // M.2 (c): a message re-encoded in transit has CRLF line ends; read "\r\n" as "\n". The
  // first line decides, so a stored (LF) bounce keeps CR octets inside lines.
  std::string normalized;
  std::size_t first_nl = message.find('\n');
  if (first_nl != std::string_view::npos && first_nl > 0 && message[first_nl - 1] == '\r') {
    r.crlf = true;
    normalized.reserve(message.size());
    for (std::size_t i = 0; i < message.size(); ++i) {
      if (message[i] == '\r' && i + 1 < message.size() && message[i + 1] == '\n') continue;
      normalized += message[i];
    }
    message = normalized;
  }

  // Header / body split at the first empty line; a body alone is accepted.
  std::string_view body;
  if (StartsWith(message, kIntroStart)) {
    body = message;
  } else {
    std::size_t sep = message.find("\n\n");
    if (StartsWith(message, "\n")) {
      body = message.substr(1);
    } else if (sep == std::string_view::npos) {
      r.violations.push_back({"not-qsbmf", "no empty line ends the header"});
      return r;
    } else {
      r.header = std::string(message.substr(0, sep + 1));
      body = message.substr(sep + 2);
    }
  }
  if (r.crlf) r.violations.push_back({"crlf-line-ends", "CRLF line ends read as LF"});
  // QSBMF 2: "its body begins with the characters 'Hi. This is the' exactly as shown."
  if (!StartsWith(body, kIntroStart)) {
    r.violations.push_back({"not-qsbmf", "body does not begin with \"Hi. This is the\""});
    return r;
  }
  r.is_qsbmf = true;
  // QSBMF is not MIME.
  if (HeaderHasField(r.header, "MIME-Version") || HeaderHasField(r.header, "Content-Type")) {
    r.violations.push_back({"mime-headers-present", "MIME-Version or Content-Type in header"});
  }

  Parser p(body);
  if (!p.Paragraph(&r.intro)) {
    p.Violation(&r, "truncated-paragraph", "input ends inside the introductory paragraph");
  }
  if (!r.intro.empty()) {
    std::string_view l0 = r.intro.front();
    if (StartsWith(l0, kIntroPrefix) && EndsWith(l0, ".") && l0.size() > kIntroPrefix.size()) {
      r.reporting_host = std::string(l0.substr(kIntroPrefix.size(),
                                               l0.size() - kIntroPrefix.size() - 1));
    }
    if (r.intro.size() >= 2 && r.intro[1] == kIntroDoubleLine) r.double_bounce = true;
  }

  bool found_break = false;
  while (!p.AtEnd()) {
    if (p.SkipBlank() > 0) p.Violation(&r, "extra-blank-line", "empty paragraph");
    if (p.AtEnd()) break;
    std::vector<std::string> lines;
    bool terminated = p.Paragraph(&lines);
    if (lines.empty()) break;
    char c = lines.front().empty() ? '\0' : lines.front().front();
    if (c == '-') {
      // QSBMF 2: "The break paragraph begins with the character '-'"; everything after the
      // blank line that ends it is the original message.
      found_break = true;
      r.break_line = lines.front();
      if (lines.front() == kBreakDouble) r.double_bounce = true;
      if (!terminated) p.Violation(&r, "truncated-paragraph", "input ends inside the break");
      break;
    }
    if (!terminated) p.Violation(&r, "truncated-paragraph", "input ends inside a paragraph");
    if (c == '<') {
      QsbmfFailure f;
      ReadFailure(lines, &f, &p, &r);
      r.failures.push_back(std::move(f));
    } else {
      // QSBMF 2: "Paragraphs beginning with other characters are reserved".
      p.Violation(&r, "reserved-paragraph", "paragraph starting with another character");
      r.reserved.push_back(std::move(lines));
    }
  }
  if (r.failures.empty()) {
    p.Violation(&r, "no-recipient-paragraphs", "no failure paragraph");
  }

  if (!found_break) {
    p.Violation(&r, "no-break-paragraph", "no paragraph begins with '-'");
  } else {
    // QSBMF 2: the original is "preceded by a Return-Path field showing the envelope sender".
    std::string_view rest = p.Rest();
    std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    if (StartsWith(line, kReturnPathPrefix) && EndsWith(line, ">") &&
        line.size() > kReturnPathPrefix.size()) {
      r.return_path = QmailUnquote2(
          line.substr(kReturnPathPrefix.size(), line.size() - kReturnPathPrefix.size() - 1));
      r.original = std::string(nl == std::string_view::npos ? "" : rest.substr(nl + 1));
    } else if (StartsWith(line, "Return-Path:")) {
      p.Violation(&r, "return-path-malformed", "Return-Path line is not \"Return-Path: <...>\"");
      r.original = std::string(nl == std::string_view::npos ? "" : rest.substr(nl + 1));
    } else {
      p.Violation(&r, "no-return-path", "the original does not start with Return-Path");
      r.original = std::string(rest);
    }
  }

  // M.4: the delivery-report view.
  r.report.reporting_mta = Typed{"dns", r.reporting_host};
  r.report.return_path = r.return_path.value_or("");
  r.report.ret = Ret::kFull;
  for (const QsbmfFailure& f : r.failures) {
    RecipientReport rr;
    rr.final_recipient = Typed{"rfc822", f.address};
    rr.action = Action::kFailed;
    rr.status = f.status;
    if (f.remote_mta) rr.remote_mta = Typed{"dns", *f.remote_mta};
    if (f.diagnostic) rr.diagnostic_code = Typed{"smtp", *f.diagnostic};
    r.report.recipients.push_back(std::move(rr));
  }
  return r;
}

}  // namespace mta::report
