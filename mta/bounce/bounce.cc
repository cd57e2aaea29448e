// bounce.cc: the notification engine (RFC 5321 6.1, RFC 3461 5-6, RFC 3464, RFC 3834 5,
// QSBMF). See bounce.h.
#include "mta/bounce/bounce.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "mta/bounce/rfc3461.h"
#include "mta/lib/dsn/delivery_status.h"
#include "mta/lib/dsn/dsn3464.h"
#include "mta/lib/report/qsbmf.h"

namespace mta::bounce {
namespace {

using report::Action;
using report::DeliveryReport;
using report::RecipientReport;
using report::Typed;

constexpr std::size_t kMaxValue = 900;  // dsn3464.h round-trip rule

// What a notification reports: its kind and the outcomes listed.
struct Group {
  Kind kind;
  std::vector<const Outcome*> outcomes;
};

const queue::Recipient* FindRecipient(const queue::Envelope& e, std::string_view address) {
  for (const queue::Recipient& r : e.recipients) {
    if (r.address == address) return &r;
  }
  return nullptr;
}

std::string Host(const report::GeneratorEnv& env) {
  std::string h = ReportValue(env.hostname);
  for (char& c : h) {
    if (c == ' ') c = '-';
  }
  return h.empty() ? "localhost" : h;
}

// An address as the To: header (and the parser's return_path) may hold it.
std::string HeaderAddress(std::string_view a) {
  std::string out = ReportValue(a);
  for (char& c : out) {
    if (c == ' ' || c == '<' || c == '>' || c == '(' || c == ')') c = '?';
  }
  return out;
}

// A diagnostic for QSBMF: CRLF -> LF (qmail's multi-line form), other controls -> '?'.
std::string QsbmfText(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && out.size() < 4 * kMaxValue; ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    if (c == '\r' && i + 1 < v.size() && v[i + 1] == '\n') continue;
    if (c == '\n') out += '\n';
    else if (c < 0x20 || c >= 0x7f) out += '?';
    else out += static_cast<char>(c);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  while (!out.empty() && (out.front() == '\n' || out.front() == ' ')) out.erase(0, 1);
  return out;
}

std::optional<std::string> Date(std::int64_t t, const report::GeneratorEnv& env) {
  if (t <= 0) return std::nullopt;
  return report::FormatRfc5322Date(static_cast<std::time_t>(t), env.utc_offset_minutes);
}

// Offset of the first octet of the body (after the empty line), or the size when none.
std::size_t BodyOffset(std::string_view m) {
  if (m.substr(0, 2) == "\r\n") return 2;
  if (m.substr(0, 1) == "\n") return 1;
  std::size_t a = m.find("\n\r\n");
  std::size_t b = m.find("\n\n");
  if (a == std::string_view::npos && b == std::string_view::npos) return m.size();
  if (b == std::string_view::npos || (a != std::string_view::npos && a < b)) return a + 3;
  return b + 2;
}

bool Has8Bit(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

RecipientReport MakeRecipient(const queue::Envelope& e, const Outcome& o,
                              const report::GeneratorEnv& env) {
  RecipientReport rr;
  const queue::Recipient* q = FindRecipient(e, o.recipient);
  // RFC 3461 6.3(d): Original-Recipient exactly when ORCPT was given, xtext-decoded.
  if (q != nullptr) {
    if (std::optional<Typed> orcpt = ParseOrcpt(q->orcpt)) {
      Typed t{ReportValue(orcpt->type), ReportValue(orcpt->value)};
      bool atom = !t.type.empty();
      for (char c : t.type) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
            c != '+')
          atom = false;
      }
      if (atom) rr.original_recipient = t;
    }
  }
  rr.final_recipient = {"rfc822",
                        ReportValue(o.final_recipient.empty() ? o.recipient : o.final_recipient)};
  rr.action = o.action;
  // RFC 3461 6.3(g): without a specific code, 4.0.0 / 5.0.0 (2.0.0 for success).
  std::string status = ReportValue(o.status);
  if (!dsn::IsValidStatus(status)) {
    status = o.action == Action::kFailed    ? "5.0.0"
             : o.action == Action::kDelayed ? "4.0.0"
                                            : "2.0.0";
  }
  rr.status = status;
  // RFC 3461 6.3(h): Remote-MTA when the report comes from a remote MTA.
  if (!ReportValue(o.remote_mta).empty()) rr.remote_mta = Typed{"dns", ReportValue(o.remote_mta)};
  // RFC 3461 6.3(i): Diagnostic-Code with the remote reply.
  std::string diag = ReportValue(o.diagnostic);
  std::string dtype = ReportValue(o.diagnostic_type);
  bool type_ok = !dtype.empty();
  for (char c : dtype) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        c != '+')
      type_ok = false;
  }
  if (!diag.empty()) rr.diagnostic_code = Typed{type_ok ? dtype : "smtp", diag};
  rr.last_attempt_date = Date(o.last_attempt, env);
  // RFC 3464 2.3.9: Will-Retry-Until only in "delayed" DSNs.
  if (o.action == Action::kDelayed) rr.will_retry_until = Date(o.will_retry_until, env);
  return rr;
}

DeliveryReport MakeReport(const queue::Envelope& e, const std::vector<const Outcome*>& outcomes,
                          const report::GeneratorEnv& env) {
  DeliveryReport r;
  // RFC 3461 6.3(a): Original-Envelope-Id exactly when ENVID was given, xtext-decoded.
  if (!e.envid.empty()) {
    std::string id = ReportValue(DecodeXtext(e.envid));
    if (!id.empty()) r.original_envelope_id = id;
  }
  r.reporting_mta = {"dns", Host(env)};
  std::string helo = ReportValue(e.helo);
  std::string ip = ReportValue(e.client_ip);
  if (!helo.empty() || !ip.empty()) {
    std::string v = helo.empty() ? "[" + ip + "]" : ip.empty() ? helo : helo + " ([" + ip + "])";
    r.received_from_mta = Typed{"dns", ReportValue(v)};
  }
  r.arrival_date = Date(e.arrival_time, env);
  if (!ReportValue(e.id).empty()) r.extensions.push_back({"X-Queue-ID", ReportValue(e.id)});
  for (const Outcome* o : outcomes) r.recipients.push_back(MakeRecipient(e, *o, env));
  r.ret = ParseRet(e.ret);
  return r;
}

// Removes every header line "Name: ..." (unfolded single line) from the header of `m`.
std::string DropHeaderField(std::string m, std::string_view field_line) {
  std::size_t end = m.find("\r\n\r\n");
  std::size_t at = m.find(field_line);
  if (at != std::string::npos && at < end && (at == 0 || m[at - 1] == '\n')) {
    m.erase(at, field_line.size());
  }
  return m;
}

// Inserts `line` (with its CRLF) at the end of the header of `m`.
std::string AddHeaderField(std::string m, std::string_view line) {
  std::size_t end = m.find("\r\n\r\n");
  if (end == std::string::npos) return m;
  m.insert(end + 2, line);
  return m;
}

// Replaces the Subject line of a generated DSN.
std::string ReplaceSubject(std::string m, std::string_view subject) {
  std::size_t end = m.find("\r\n\r\n");
  std::size_t at = m.find("\r\nSubject: ");
  if (at == std::string::npos || at > end) return m;
  std::size_t eol = m.find("\r\n", at + 2);
  m.replace(at + 2, eol - (at + 2), "Subject: " + std::string(subject));
  return m;
}

// CRLF -> LF (qmail stores messages with LF line ends).
std::string ToLf(std::string_view m) {
  std::string out;
  out.reserve(m.size());
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\r' && i + 1 < m.size() && m[i + 1] == '\n') continue;
    out += m[i];
  }
  return out;
}

// The original as QSBMF returns it: whole (qmail), the header only for RET=HDRS, or the
// body cut at the last line end within the cap (RFC 3461 6.2).
std::string QsbmfOriginal(std::string_view original, report::Ret ret, std::size_t cap) {
  std::string lf = ToLf(original);
  std::size_t body = BodyOffset(lf);
  if (ret == report::Ret::kHdrs) return lf.substr(0, body);
  if (cap != 0 && lf.size() > cap) {
    std::size_t keep = std::max(body, cap);
    std::size_t nl = lf.rfind('\n', keep - 1);
    keep = (nl == std::string::npos || nl + 1 < body) ? body : nl + 1;
    return lf.substr(0, keep);
  }
  return lf;
}

Notification Generate(Kind kind, const queue::Envelope& e, std::string_view original,
                      const std::vector<const Outcome*>& outcomes, const BounceOptions& o,
                      const report::GeneratorEnv& env, std::string env_sender,
                      std::string env_recipient) {
  Notification n;
  n.kind = kind;
  n.sender = std::move(env_sender);
  n.recipients.push_back(env_recipient);
  DeliveryReport r = MakeReport(e, outcomes, env);
  for (const RecipientReport& rr : r.recipients) {
    n.reported.emplace_back(rr.final_recipient.value, rr.status);
  }
  bool failure = kind == Kind::kFailure || kind == Kind::kDoubleBounce;
  if (o.format == Format::kQsbmf && failure) {
    n.format = Format::kQsbmf;
    // QSBMF (disputed-points M.3): only failures; Return-Path names the original sender.
    r.return_path = kind == Kind::kDoubleBounce ? "" : HeaderAddress(env_recipient);
    for (std::size_t i = 0; i < r.recipients.size(); ++i) {
      const Outcome& oc = *outcomes[i];
      std::string diag = QsbmfText(oc.diagnostic);
      if (r.recipients[i].diagnostic_code && !diag.empty()) {
        r.recipients[i].diagnostic_code->value = diag;
      }
    }
    r.reporting_mta.value = Host(env);
    report::QsbmfOptions q;
    q.crlf = true;
    q.double_bounce = kind == Kind::kDoubleBounce;
    q.double_bounce_to = kind == Kind::kDoubleBounce ? env_recipient : "";
    n.message = report::GenerateQsbmf(
        r, QsbmfOriginal(original, r.ret, o.max_returned_bytes), env, q);
    if (o.auto_submitted) n.message = AddHeaderField(n.message, "Auto-Submitted: auto-replied\r\n");
  } else {
    n.format = Format::kRfc3464;
    // RFC 3464 2: addressed (header and envelope) to the return address; for a double
    // bounce, to the postmaster.
    r.return_path = HeaderAddress(env_recipient);
    dsn::DsnOptions d;
    d.max_returned_bytes = o.max_returned_bytes;
    d.allow_8bit = o.eight_bit == EightBitReturn::kDeclare8bit;
    n.message = dsn::GenerateDsn(r, original, env, d);
    if (kind == Kind::kDoubleBounce) {
      n.message = ReplaceSubject(n.message, "Postmaster Copy: Undelivered Mail");
    }
    if (!o.auto_submitted) n.message = DropHeaderField(n.message, "Auto-Submitted: auto-replied\r\n");
  }
  n.needs_8bitmime = Has8Bit(n.message);
  return n;
}

}  // namespace

std::string_view KindName(Kind k) {
  switch (k) {
    case Kind::kFailure: return "failure";
    case Kind::kDelay: return "delay";
    case Kind::kSuccess: return "success";
    case Kind::kDoubleBounce: return "double-bounce";
  }
  return "failure";
}

std::string ReportValue(std::string_view v) {
  std::string out;
  out.reserve(std::min(v.size(), kMaxValue));
  for (std::size_t i = 0; i < v.size() && out.size() < 2 * kMaxValue; ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    if (c == '\r' && i + 1 < v.size() && v[i + 1] == '\n') {
      out += ' ';
      ++i;
    } else if (c == '\t' || c == '\n' || c == '\r') {
      out += ' ';
    } else if (c < 0x20 || c >= 0x7f) {
      out += '?';
    } else {
      out += static_cast<char>(c);
    }
  }
  std::size_t b = out.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  out.erase(0, b);
  if (out.size() > kMaxValue) out.resize(kMaxValue);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool IsDoubleBounceSender(std::string_view sender, const BounceOptions& o,
                          const report::GeneratorEnv& env) {
  if (sender == "#@[]") return true;  // qmail-send: "triple bounce: discarding"
  std::string dbs = o.double_bounce_sender.empty() ? "double-bounce@" + Host(env)
                                                   : o.double_bounce_sender;
  return !sender.empty() && sender == dbs;
}

std::vector<Notification> MakeNotifications(const queue::Envelope& e, std::string_view original,
                                            const std::vector<Outcome>& outcomes,
                                            const BounceOptions& o,
                                            const report::GeneratorEnv& env) {
  std::vector<Notification> out;
  const std::string sender = StripSourceRoute(e.sender);  // RFC 5321 6.1
  const bool null_sender = sender.empty();
  if (IsDoubleBounceSender(sender, o, env)) {
    // A failed double bounce is discarded, never bounced again (RFC 5321 4.5.4: no error
    // messages in response to error messages); successes and delays are not reported either.
    return out;
  }
  std::vector<const Outcome*> failed, delayed, succeeded;
  for (const Outcome& oc : outcomes) {
    // A recipient without an address cannot be reported (RFC 3464 2.3.2 Final-Recipient).
    if (ReportValue(oc.final_recipient.empty() ? oc.recipient : oc.final_recipient).empty()) {
      continue;
    }
    const queue::Recipient* q = FindRecipient(e, oc.recipient);
    NotifyRequest notify = ParseNotify(q ? q->notify : "");
    switch (oc.action) {
      case Action::kFailed:
        if (null_sender) {
          failed.push_back(&oc);  // double bounce: NOTIFY is a request to the sender only
        } else if (!notify.present || notify.failure) {
          failed.push_back(&oc);  // RFC 3461 5.2: failures unless NOTIFY says otherwise
        }
        break;
      case Action::kDelayed:
        // RFC 3461 5.2.5: "delayed" only with NOTIFY=DELAY or without NOTIFY; MUST NOT
        // when NOTIFY was given without DELAY.
        if ((notify.delay || (!notify.present && o.delay_warnings)) &&
            env.now - e.arrival_time >= o.delay_warning_after) {
          delayed.push_back(&oc);
        }
        break;
      case Action::kDelivered:
      case Action::kRelayed:
      case Action::kExpanded:
        // RFC 3461 5.2.2-5.2.4: success DSNs only on request.
        if (notify.success) succeeded.push_back(&oc);
        break;
    }
  }
  const std::string host = Host(env);
  const std::string postmaster = o.postmaster.empty() ? "postmaster@" + host : o.postmaster;
  if (!failed.empty()) {
    if (!null_sender) {
      out.push_back(Generate(Kind::kFailure, e, original, failed, o, env, "", sender));
    } else if (o.double_bounce == DoubleBounce::kPostmaster) {
      std::string dbs = o.double_bounce_sender.empty() ? "double-bounce@" + host
                                                       : o.double_bounce_sender;
      out.push_back(Generate(Kind::kDoubleBounce, e, original, failed, o, env, dbs, postmaster));
    } else if (o.double_bounce == DoubleBounce::kQmailSender) {
      // qmail-send injectbounce(): bouncesender "#@[]", bouncerecip doublebounceto.
      out.push_back(
          Generate(Kind::kDoubleBounce, e, original, failed, o, env, "#@[]", postmaster));
    }
  }
  // RFC 5321 6.1 / RFC 3461 5.2 NOTE: nothing else is ever sent to <>.
  if (null_sender) return out;
  if (!delayed.empty()) {
    out.push_back(Generate(Kind::kDelay, e, original, delayed, o, env, "", sender));
  }
  if (!succeeded.empty()) {
    out.push_back(Generate(Kind::kSuccess, e, original, succeeded, o, env, "", sender));
  }
  return out;
}

}  // namespace mta::bounce
