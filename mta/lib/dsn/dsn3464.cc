// dsn3464.cc: RFC 3464 DSN generator and parser (see dsn3464.h).
#include "mta/lib/dsn/dsn3464.h"

#include "mta/lib/dsn/text.h"

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <utility>

#include "mta/lib/dsn/delivery_status.h"
#include "mta/lib/message/header.h"
#include "mta/lib/message/mime.h"

namespace mta::dsn {
namespace {

using message::ContentType;
using message::EqualsIgnoreCase;
using message::FormatField;
using message::MimeEntity;
using report::Action;
using report::DeliveryReport;
using report::RecipientReport;
using report::Ret;

using internal::IsWsp;
using internal::OneLine;
using internal::Trim;


bool Has8Bit(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

// Every line end becomes CRLF (bare LF and bare CR alike).
std::string ToCrlf(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 32);
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::uint64_t Draw(const report::GeneratorEnv& env) { return env.random ? env.random() : 0; }

enum class Kind { kFailure, kDelay, kSuccess };

Kind KindOf(const DeliveryReport& r) {
  bool delayed = false;
  for (const RecipientReport& rr : r.recipients) {
    if (rr.action == Action::kFailed) return Kind::kFailure;
    if (rr.action == Action::kDelayed) delayed = true;
  }
  return delayed ? Kind::kDelay : Kind::kSuccess;
}

std::string HeaderSection(std::string_view original) {
  message::ParsedHeader h = message::ParseHeader(original);
  std::string_view head = original.substr(0, h.body_offset);
  // text/rfc822-headers carries the header fields without the empty line that ends them.
  while (!head.empty() && (head.back() == '\n' || head.back() == '\r')) head.remove_suffix(1);
  std::string out = ToCrlf(head);
  if (!out.empty()) out += "\r\n";
  return out;
}

std::string HumanText(const DeliveryReport& r, const std::string& host, Kind kind) {
  std::string t = "This is a delivery status notification from " + host + ".\r\n\r\n";
  switch (kind) {
    case Kind::kFailure:
      t += "I'm sorry to have to inform you that your message could not\r\n"
           "be delivered to one or more recipients.\r\n";
      break;
    case Kind::kDelay:
      t += "Your message could not be delivered yet to one or more recipients.\r\n"
           "Delivery will be retried; you do not need to resend it.\r\n";
      break;
    case Kind::kSuccess:
      t += "Your message was successfully delivered to the destination(s)\r\n"
           "listed below.\r\n";
      break;
  }
  t += "\r\n";
  for (const RecipientReport& rr : r.recipients) {
    t += "<" + OneLine(rr.final_recipient.value) + ">: " +
         std::string(report::ActionName(rr.action)) + ", status " + OneLine(rr.status) + "\r\n";
    if (rr.remote_mta) t += "    remote host: " + OneLine(rr.remote_mta->value) + "\r\n";
    if (rr.diagnostic_code) t += "    said: " + OneLine(rr.diagnostic_code->value) + "\r\n";
    if (rr.will_retry_until && rr.action == Action::kDelayed)
      t += "    retried until: " + OneLine(*rr.will_retry_until) + "\r\n";
  }
  return t;
}

std::string SubjectFor(Kind kind) {
  switch (kind) {
    case Kind::kFailure: return "Undelivered Mail Returned to Sender";
    case Kind::kDelay: return "Delayed Mail (still being retried)";
    case Kind::kSuccess: return "Successful Mail Delivery Report";
  }
  return "";
}

std::string MessageIdStamp(std::time_t now) {
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

bool IsAtomText(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '+';
    if (!ok) return false;
  }
  return true;
}

bool IsValidText(std::string_view s) {
  if (s.size() > 900) return false;
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return s.empty() || (s.front() != ' ' && s.back() != ' ');
}

bool IsValidTyped(const report::Typed& t) { return IsAtomText(t.type) && IsValidText(t.value); }

bool IsKnownFieldName(std::string_view n) {
  static constexpr std::string_view kNames[] = {
      "Original-Envelope-Id", "Reporting-MTA",    "DSN-Gateway",       "Received-From-MTA",
      "Arrival-Date",         "Original-Recipient", "Final-Recipient", "Action",
      "Status",               "Remote-MTA",       "Diagnostic-Code",   "Last-Attempt-Date",
      "Final-Log-ID",         "Will-Retry-Until"};
  for (std::string_view k : kNames) {
    if (EqualsIgnoreCase(k, n)) return true;
  }
  return false;
}

bool IsValidExtension(const std::pair<std::string, std::string>& e) {
  const std::string& n = e.first;
  if (n.size() < 3 || (n[0] != 'X' && n[0] != 'x') || n[1] != '-') return false;
  for (char c : n) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-';
    if (!ok) return false;
  }
  return !IsKnownFieldName(n) && IsValidText(e.second);
}

template <typename T>
bool OptValid(const std::optional<T>& o, bool (*f)(const T&)) {
  return !o || f(*o);
}

bool IsValidString(const std::string& s) { return IsValidText(s); }

void Add(std::vector<Violation>& v, std::string id, std::string detail,
         Severity s = Severity::kError) {
  v.push_back(Violation{std::move(id), std::move(detail), s});
}

std::string Cte(const MimeEntity& e) {
  const message::HeaderField* f = e.header.Find("Content-Transfer-Encoding");
  if (!f) return "";
  std::string v = f->Unfolded();
  for (char& c : v) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return v;
}

bool IsDeliveryStatusType(const ContentType& ct) {
  return ct.Is("message", "delivery-status") || ct.Is("message", "global-delivery-status");
}

bool IsReturnedType(const ContentType& ct) {
  return ct.Is("message", "rfc822") || ct.Is("text", "rfc822-headers") ||
         ct.Is("message", "global") || ct.Is("message", "global-headers");
}

// Depth-first search for a delivery-status part, not descending into returned messages.
void FindDeliveryStatus(const MimeEntity& e, std::vector<const MimeEntity*>& out, int depth) {
  if (depth > 64) return;
  if (IsDeliveryStatusType(e.content_type)) {
    out.push_back(&e);
    return;
  }
  if (e.content_type.type != "multipart") return;
  for (const MimeEntity& p : e.parts) FindDeliveryStatus(p, out, depth + 1);
}

std::string TextOf(const MimeEntity& e, int depth = 0) {
  if (depth > 64) return "";
  if (e.content_type.type == "multipart") {
    // multipart/alternative human-readable part (RFC 6522 3): prefer text/plain.
    for (const MimeEntity& p : e.parts) {
      if (p.content_type.Is("text", "plain")) return TextOf(p, depth + 1);
    }
    return e.parts.empty() ? "" : TextOf(e.parts[0], depth + 1);
  }
  return message::DecodeTransferEncoding(e.body, Cte(e));
}

// The addr-spec of a To: value: inside the last "<...>", else the trimmed text.
std::string AddressOf(std::string_view v) {
  std::size_t close = v.rfind('>');
  if (close != std::string_view::npos) {
    std::size_t open = v.rfind('<', close);
    if (open != std::string_view::npos) return std::string(Trim(v.substr(open + 1, close - open - 1)));
  }
  return std::string(Trim(v));
}

}  // namespace

std::string_view StripMboxFromLine(std::string_view m) {
  if (m.substr(0, 5) == "From ") {
    std::size_t eol = m.find('\n');
    return eol == std::string_view::npos ? std::string_view() : m.substr(eol + 1);
  }
  return m;
}

Returned ChooseReturned(const DeliveryReport& r, std::string_view original,
                        const DsnOptions& o) {
  if (original.empty()) return Returned::kNone;
  bool full;
  switch (r.ret) {
    case Ret::kHdrs: full = false; break;
    case Ret::kFull: full = true; break;
    default:
      // RFC 3461 6.2: without RET, the full message for failures, headers otherwise.
      full = KindOf(r) == Kind::kFailure;
      break;
  }
  // RFC 3461 6.2: an implementation MAY return only the headers above a size limit.
  if (full && o.max_returned_bytes != 0 && original.size() > o.max_returned_bytes) full = false;
  if (!o.allow_8bit && Has8Bit(original)) {
    // RFC 6522 3: 8-bit content over a 7-bit path -> return the headers only.
    message::ParsedHeader h = message::ParseHeader(original);
    if (Has8Bit(original.substr(0, h.body_offset))) return Returned::kNone;
    full = false;
  }
  return full ? Returned::kMessage : Returned::kHeaders;
}

Ret EffectiveRet(const DeliveryReport& r, std::string_view original, const DsnOptions& o) {
  switch (ChooseReturned(r, original, o)) {
    case Returned::kMessage: return Ret::kFull;
    case Returned::kHeaders: return Ret::kHdrs;
    case Returned::kNone: break;
  }
  return Ret::kUnspecified;
}

std::string GenerateDsn(const DeliveryReport& r, std::string_view original,
                        const report::GeneratorEnv& env, const DsnOptions& o) {
  const std::string host = OneLine(env.hostname);
  const Kind kind = KindOf(r);

  std::vector<std::string> parts;
  // 1. Human-readable part (RFC 6522 3 item 1).
  std::string text = HumanText(r, host, kind);
  bool text8 = Has8Bit(text);
  parts.push_back(std::string("Content-Type: text/plain; charset=") +
                  (text8 ? "utf-8\r\nContent-Transfer-Encoding: 8bit" : "us-ascii") +
                  "\r\nContent-Description: Notification\r\n\r\n" + text);
  // 2. message/delivery-status; RFC 3464 2.1: 7bit. RFC 6533 3: UTF-8 values need
  // message/global-delivery-status.
  std::string status = FormatDeliveryStatus(r);
  bool global = Has8Bit(status);
  parts.push_back(std::string("Content-Type: message/") +
                  (global ? "global-delivery-status\r\nContent-Transfer-Encoding: 8bit"
                          : "delivery-status") +
                  "\r\nContent-Description: Delivery report\r\n\r\n" + status);
  // 3. Returned content (RFC 6522 3-4, RFC 3461 6.2).
  bool body8 = text8 || global;
  switch (ChooseReturned(r, original, o)) {
    case Returned::kMessage: {
      bool m8 = Has8Bit(original);
      body8 = body8 || m8;
      parts.push_back(std::string("Content-Type: message/rfc822\r\n") +
                      (m8 ? "Content-Transfer-Encoding: 8bit\r\n" : "") +
                      "Content-Description: Undelivered Message\r\n\r\n" + ToCrlf(original));
      break;
    }
    case Returned::kHeaders: {
      std::string head = HeaderSection(original);
      bool h8 = Has8Bit(head);
      body8 = body8 || h8;
      parts.push_back(std::string("Content-Type: text/rfc822-headers\r\n") +
                      (h8 ? "Content-Transfer-Encoding: 8bit\r\n" : "") +
                      "Content-Description: Undelivered Message Headers\r\n\r\n" + head);
      break;
    }
    case Returned::kNone: break;
  }

  // RFC 2046 5.1.1: the boundary must not occur in the encapsulated parts.
  std::string boundary;
  for (int attempt = 0;; ++attempt) {
    boundary = "=_dsn_" + Hex16(Draw(env)) + (attempt ? "_" + std::to_string(attempt) : "");
    bool clash = false;
    for (const std::string& p : parts) {
      if (p.find("--" + boundary) != std::string::npos) clash = true;
    }
    if (!clash) break;
  }
  ContentType ct{"multipart", "report", {{"report-type", "delivery-status"}, {"boundary", boundary}}};
  std::string msgid = "<dsn." + MessageIdStamp(env.now) + "." + Hex16(Draw(env)) + "@" + host + ">";

  std::string out;
  out += FormatField("From", "Mail Delivery System <" + OneLine(env.mailer_daemon) + "@" + host + ">");
  // RFC 3464 2: the DSN is addressed to the original envelope return address.
  out += FormatField("To", "<" + OneLine(r.return_path) + ">");
  out += FormatField("Subject", SubjectFor(kind));
  out += FormatField("Date", report::FormatRfc5322Date(env.now, env.utc_offset_minutes));
  out += FormatField("Message-ID", msgid);
  // RFC 3834 5.2: a DSN is a response: auto-replied.
  out += FormatField("Auto-Submitted", "auto-replied");
  out += FormatField("MIME-Version", "1.0");
  out += FormatField("Content-Type", message::FormatContentType(ct));
  if (body8) out += FormatField("Content-Transfer-Encoding", "8bit");
  out += "\r\n";
  out += message::BuildMultipart(boundary, parts,
                                 "This is a MIME-encapsulated delivery status notification.\r\n");
  return out;
}

ParsedDsn ParseDsn(std::string_view input) {
  ParsedDsn out;
  std::vector<Violation>& v = out.violations;
  std::string_view msg = StripMboxFromLine(input);
  MimeEntity top = message::ParseMime(msg);
  const message::ParsedHeader& h = top.header;

  // RFC 5322 3.6: Date and From are required in every message.
  if (!h.Find("Date")) Add(v, "missing-date", "no Date header field");
  if (!h.Find("From")) Add(v, "missing-from", "no From header field");
  if (!h.Find("MIME-Version"))
    Add(v, "missing-mime-version", "no MIME-Version header field", Severity::kWarning);
  if (const message::HeaderField* to = h.Find("To")) {
    out.report.return_path = AddressOf(to->Unfolded());
  } else {
    Add(v, "missing-to", "no To header field", Severity::kWarning);
  }
  if (std::optional<std::string> rp = message::ReturnPath(h); rp && !rp->empty()) {
    // RFC 3464 2 / RFC 3461 6.1: a DSN is sent with a null reverse-path.
    Add(v, "return-path-not-null", "Return-Path <" + *rp + ">", Severity::kWarning);
  }
  if (h.Find("Auto-Submitted")) {
    std::string as = message::AutoSubmitted(h);
    // RFC 3834 5.2: a DSN is a response, "auto-replied".
    if (as != "auto-replied")
      Add(v, "auto-submitted-not-auto-replied", "Auto-Submitted: " + as, Severity::kWarning);
  }

  const bool is_report = top.content_type.Is("multipart", "report");
  if (!is_report) {
    // RFC 3464 2(a), RFC 6522 3: the top-level type of a DSN is multipart/report.
    Add(v, "not-multipart-report",
        "top-level type " + top.content_type.type + "/" + top.content_type.subtype);
  } else {
    std::optional<std::string> rt = top.content_type.Param("report-type");
    if (!rt) {
      Add(v, "missing-report-type", "multipart/report without report-type");
    } else if (!EqualsIgnoreCase(*rt, "delivery-status")) {
      Add(v, "wrong-report-type", "report-type=" + *rt);
    }
    if (!top.content_type.Param("boundary"))
      Add(v, "missing-boundary", "multipart/report without boundary");
  }

  // Locate the delivery-status part: second part of the report, else anywhere.
  const MimeEntity* ds = nullptr;
  std::vector<const MimeEntity*> found;
  FindDeliveryStatus(top, found, 0);
  if (!found.empty()) ds = found[0];
  if (found.size() > 1)
    Add(v, "multiple-delivery-status-parts",
        std::to_string(found.size()) + " delivery-status parts; the first is used",
        Severity::kWarning);

  if (is_report) {
    const std::vector<MimeEntity>& p = top.parts;
    std::size_t ds_index = p.size();
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (&p[i] == ds) ds_index = i;
    }
    if (p.empty() || IsDeliveryStatusType(p[0].content_type)) {
      // RFC 6522 3 item 1: the human-readable part is required and comes first.
      Add(v, "missing-human-readable-part", "the report does not start with a text part");
    } else {
      out.human_readable = TextOf(p[0]);
    }
    if (ds && ds_index != 1) {
      // RFC 3464 2(c): message/delivery-status is the second component.
      Add(v, "delivery-status-not-second",
          ds_index == p.size() ? "delivery-status part nested deeper"
                               : "delivery-status is part " + std::to_string(ds_index + 1));
    }
    // Returned content: the part after the delivery-status (RFC 6522 3 item 3).
    std::size_t from = ds_index < p.size() ? ds_index + 1 : 1;
    for (std::size_t i = from; i < p.size(); ++i) {
      const ContentType& ct = p[i].content_type;
      if (!IsReturnedType(ct)) {
        Add(v, "unexpected-part", "part " + std::to_string(i + 1) + " is " + ct.type + "/" +
                                      ct.subtype, Severity::kInfo);
        continue;
      }
      bool headers = ct.Is("text", "rfc822-headers") || ct.Is("message", "global-headers");
      out.returned = headers ? Returned::kHeaders : Returned::kMessage;
      out.returned_content = message::DecodeTransferEncoding(p[i].body, Cte(p[i]));
      if (!headers) {
        message::ParsedHeader inner = message::ParseHeader(out.returned_content);
        // RFC 6522 4: headers alone SHOULD NOT be returned as message/rfc822.
        if (!inner.has_separator)
          Add(v, "returned-headers-as-rfc822", "message/rfc822 part holds only a header",
              Severity::kWarning);
      }
      break;
    }
  } else if (!top.parts.empty()) {
    out.human_readable = TextOf(top.parts[0]);
  } else {
    out.human_readable = TextOf(top);
  }
  out.report.ret = out.returned == Returned::kMessage   ? Ret::kFull
                   : out.returned == Returned::kHeaders ? Ret::kHdrs
                                                        : Ret::kUnspecified;

  if (!ds) {
    Add(v, "missing-delivery-status-part", "no message/delivery-status part");
    out.report.reporting_mta = report::Typed{"", ""};
    return out;
  }
  out.found_delivery_status = true;
  out.global = ds->content_type.Is("message", "global-delivery-status");
  std::string cte = Cte(*ds);
  std::string body = ds->body;
  if (!cte.empty() && cte != "7bit" && !(out.global && (cte == "8bit" || cte == "binary"))) {
    // RFC 3464 2.1: "'7bit' encoding is sufficient and MUST be used".
    Add(v, "delivery-status-not-7bit", "Content-Transfer-Encoding: " + cte);
    body = message::DecodeTransferEncoding(ds->body, cte);
  } else if (!out.global && Has8Bit(body)) {
    Add(v, "delivery-status-not-7bit", "8-bit octets in message/delivery-status");
  }
  DeliveryStatusBody parsed = ParseDeliveryStatus(body);
  std::string return_path = std::move(out.report.return_path);
  Ret ret = out.report.ret;
  out.report = std::move(parsed.report);
  out.report.return_path = std::move(return_path);
  out.report.ret = ret;
  for (Violation& x : parsed.violations) v.push_back(std::move(x));
  return out;
}

bool IsRoundTripValid(const DeliveryReport& r) {
  if (!OptValid(r.original_envelope_id, &IsValidString)) return false;
  if (!IsValidTyped(r.reporting_mta)) return false;
  if (!OptValid(r.dsn_gateway, &IsValidTyped)) return false;
  if (!OptValid(r.received_from_mta, &IsValidTyped)) return false;
  if (!OptValid(r.arrival_date, &IsValidString)) return false;
  for (const auto& e : r.extensions) {
    if (!IsValidExtension(e)) return false;
  }
  for (char c : r.return_path) {
    if (c <= 0x20 || c > 0x7e || c == '<' || c == '>' || c == '(' || c == ')') return false;
  }
  for (const RecipientReport& rr : r.recipients) {
    if (!OptValid(rr.original_recipient, &IsValidTyped)) return false;
    if (!IsValidTyped(rr.final_recipient)) return false;
    if (!IsValidStatus(rr.status)) return false;
    if (!OptValid(rr.remote_mta, &IsValidTyped)) return false;
    if (!OptValid(rr.diagnostic_code, &IsValidTyped)) return false;
    if (!OptValid(rr.last_attempt_date, &IsValidString)) return false;
    if (!OptValid(rr.final_log_id, &IsValidString)) return false;
    if (!OptValid(rr.will_retry_until, &IsValidString)) return false;
    if (rr.will_retry_until && rr.action != Action::kDelayed) return false;
    for (const auto& e : rr.extensions) {
      if (!IsValidExtension(e)) return false;
    }
  }
  return true;
}

}  // namespace mta::dsn
