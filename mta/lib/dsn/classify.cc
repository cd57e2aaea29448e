// classify.cc: bounce classification (see classify.h).
#include "mta/lib/dsn/classify.h"

#include <cstdio>
#include <string>
#include <utility>

#include "mta/lib/dsn/dsn3464.h"
#include "mta/lib/message/header.h"
#include "mta/lib/message/mime.h"
#include "mta/lib/report/qsbmf.h"

namespace mta::dsn {
namespace {

using message::ContentType;
using message::MimeEntity;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

bool ContainsAny(std::string_view haystack_lower, std::initializer_list<std::string_view> needles) {
  for (std::string_view n : needles) {
    if (haystack_lower.find(n) != std::string_view::npos) return true;
  }
  return false;
}

bool HasDeliveryStatusPart(const MimeEntity& e, int depth) {
  if (depth > 64) return false;
  if (e.content_type.Is("message", "delivery-status") ||
      e.content_type.Is("message", "global-delivery-status"))
    return true;
  if (e.content_type.type != "multipart") return false;
  for (const MimeEntity& p : e.parts) {
    if (HasDeliveryStatusPart(p, depth + 1)) return true;
  }
  return false;
}

// The first text part's decoded text, at most `cap` octets.
std::string FirstText(const MimeEntity& e, std::size_t cap, int depth = 0) {
  if (depth > 64) return "";
  if (e.content_type.type == "multipart") {
    for (const MimeEntity& p : e.parts) {
      std::string t = FirstText(p, cap, depth + 1);
      if (!t.empty()) return t;
    }
    return "";
  }
  if (e.content_type.type != "text") return "";
  std::string enc;
  if (const message::HeaderField* f = e.header.Find("Content-Transfer-Encoding"))
    enc = Lower(f->Unfolded());
  std::string_view body = e.body;
  if (body.size() > cap * 2) body = body.substr(0, cap * 2);
  std::string t = message::DecodeTransferEncoding(body, enc);
  if (t.size() > cap) t.resize(cap);
  return t;
}

std::string_view SkipBlank(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' ||
                        s.front() == '\n'))
    s.remove_prefix(1);
  return s;
}

// QSBMF (disputed-points M): the body starts with "Hi. This is the" and names the host
// in "... program at HOST." on the first line.
bool LooksQsbmf(std::string_view body, std::string* host) {
  body = SkipBlank(body);
  if (body.substr(0, 15) != "Hi. This is the") return false;
  std::string_view line = body.substr(0, body.find('\n'));
  std::size_t at = line.find(" at ");
  if (at != std::string_view::npos) {
    std::string_view h = line.substr(at + 4);
    while (!h.empty() && (h.back() == '\r' || h.back() == '.' || h.back() == ' '))
      h.remove_suffix(1);
    *host = std::string(h);
  }
  return true;
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // Copy a well-formed UTF-8 sequence; escape a stray octet as its Latin-1 code point.
      std::size_t n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
      if (c >= 0xf5) n = 0;
      bool ok = n > 0 && i + n <= s.size();
      for (std::size_t k = 1; ok && k < n; ++k) {
        ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
      }
      if (ok) {
        out.append(s.substr(i, n));
        i += n - 1;
      } else {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      }
    }
  }
  out += '"';
}

}  // namespace

std::string_view FormatName(BounceFormat f) {
  switch (f) {
    case BounceFormat::kQsbmf: return "qsbmf";
    case BounceFormat::kRfc3464: return "rfc3464";
    case BounceFormat::kOtherReport: return "other-report";
    case BounceFormat::kVendorText: return "vendor-text";
    case BounceFormat::kNotABounce: return "not-a-bounce";
  }
  return "not-a-bounce";
}

BounceAnalysis ClassifyBounce(std::string_view input) {
  BounceAnalysis a;
  std::string_view msg = StripMboxFromLine(input);
  MimeEntity top = message::ParseMime(msg);
  const ContentType& ct = top.content_type;
  const bool is_report = ct.Is("multipart", "report");
  if (is_report) a.report_type = Lower(ct.Param("report-type").value_or(""));

  auto take_dsn = [&](BounceFormat f, const char* why) {
    ParsedDsn p = ParseDsn(msg);
    a.format = f;
    a.reason = why;
    a.reporting_mta = p.report.reporting_mta.value;
    a.violations = std::move(p.violations);
    if (p.found_delivery_status || f == BounceFormat::kRfc3464) a.report = std::move(p.report);
    return a;
  };

  // RFC 3464 2 / RFC 6522 3: the top-level type of a DSN.
  if (is_report && a.report_type == "delivery-status")
    return take_dsn(BounceFormat::kRfc3464, "multipart/report; report-type=delivery-status");

  std::string_view body = msg.substr(std::min(top.header.body_offset, msg.size()));
  std::string host;
  if (top.content_type.type != "multipart" && LooksQsbmf(body, &host)) {
    report::QsbmfParseResult q = report::ParseQsbmf(msg);
    a.format = BounceFormat::kQsbmf;
    a.reason = "body starts with \"Hi. This is the\"";
    a.reporting_mta = q.reporting_host.empty() ? host : q.reporting_host;
    for (report::QsbmfViolation& v : q.violations) {
      Severity s = v.id == "crlf-line-ends"         ? Severity::kInfo
                   : v.id == "mime-headers-present" ? Severity::kWarning
                                                    : Severity::kError;
      a.violations.push_back(Violation{std::move(v.id), std::move(v.detail), s});
    }
    a.report = std::move(q.report);
    return a;
  }

  if (HasDeliveryStatusPart(top, 0))
    return take_dsn(BounceFormat::kOtherReport, "delivery-status part outside a DSN structure");
  if (is_report) {
    a.format = BounceFormat::kOtherReport;
    a.reason = "multipart/report of report-type " + a.report_type;
    return a;
  }

  // No structured report: look for the signs of a vendor bounce.
  const message::ParsedHeader& h = top.header;
  auto value = [&](std::string_view name) {
    const message::HeaderField* f = h.Find(name);
    return f ? Lower(f->Unfolded()) : std::string();
  };
  std::string from = value("From");
  std::string subject = value("Subject");
  std::optional<std::string> rp = message::ReturnPath(h);
  bool null_sender = (rp && rp->empty()) || from == "<>" || from.empty();
  bool daemon_from = ContainsAny(from, {"mailer-daemon", "postmaster", "mail delivery subsystem",
                                       "mail delivery system", "mmdf", "mail administrator"});
  bool bounce_subject = ContainsAny(
      subject, {"undeliverable", "undelivered mail", "delivery status notification",
                "failure notice", "returned mail", "mail delivery failed", "delivery failure",
                "non delivery", "non-delivery", "nondeliverable", "delivery problem",
                "could not be delivered", "delivery failed", "mail system error",
                "delivery notification", "message status"});
  std::string text = Lower(FirstText(top, 64 * 1024));
  bool bounce_phrase = ContainsAny(
      text, {"could not be delivered", "was not delivered", "couldn't be delivered",
             "delivery has failed", "permanent error", "undeliverable", "user unknown",
             "no such user", "mailbox unavailable", "unable to deliver",
             "created automatically by mail delivery software", "delivery failed",
             "message could not be delivered", "delivery to the following recipient"});
  bool vacation = ContainsAny(subject, {"out of the office", "out of office", "automatic response",
                                        "auto:", "autoreply", "auto-reply", "vacation",
                                        "automatyczna", "abwesenheit"});
  if (!vacation && (daemon_from || bounce_subject || (null_sender && bounce_phrase))) {
    a.format = BounceFormat::kVendorText;
    a.reason = daemon_from ? "sender is a mailer daemon"
               : bounce_subject ? "bounce subject"
                                : "null sender and bounce wording";
    return a;
  }
  a.format = BounceFormat::kNotABounce;
  a.reason = message::AutoSubmitted(h) == "auto-replied" ? "auto-reply (RFC 3834), not a report"
                                                         : "no bounce signs";
  return a;
}

std::vector<RecipientSummary> Recipients(const BounceAnalysis& a) {
  std::vector<RecipientSummary> out;
  if (!a.report) return out;
  for (const report::RecipientReport& r : a.report->recipients) {
    RecipientSummary s;
    s.address = r.final_recipient.value;
    s.action = std::string(report::ActionName(r.action));
    s.status = r.status;
    if (r.diagnostic_code) s.diagnostic = r.diagnostic_code->value;
    if (r.remote_mta) s.remote_mta = r.remote_mta->value;
    out.push_back(std::move(s));
  }
  return out;
}

std::string AnalysisJson(std::string_view file, const BounceAnalysis& a) {
  std::string out = "{\"file\":";
  AppendJsonString(out, file);
  out += ",\"format\":";
  AppendJsonString(out, FormatName(a.format));
  out += ",\"reporting_mta\":";
  AppendJsonString(out, a.reporting_mta);
  out += ",\"recipients\":[";
  bool first = true;
  for (const RecipientSummary& r : Recipients(a)) {
    if (!first) out += ',';
    first = false;
    out += "{\"address\":";
    AppendJsonString(out, r.address);
    out += ",\"action\":";
    AppendJsonString(out, r.action);
    out += ",\"status\":";
    AppendJsonString(out, r.status);
    out += ",\"diagnostic\":";
    AppendJsonString(out, r.diagnostic);
    out += ",\"remote_mta\":";
    AppendJsonString(out, r.remote_mta);
    out += '}';
  }
  out += "],\"violations\":[";
  first = true;
  for (const Violation& v : a.violations) {
    if (!first) out += ',';
    first = false;
    out += "{\"id\":";
    AppendJsonString(out, v.id);
    out += ",\"severity\":";
    AppendJsonString(out, SeverityName(v.severity));
    out += ",\"detail\":";
    AppendJsonString(out, v.detail);
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace mta::dsn
