// effects.cc: effect conditions over captured and delivered messages (see effects.h).
#include "harness/judge/effects.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "harness/judge/judge.h"
#include "harness/script/case.h"
#include "harness/script/step.h"

namespace mta::judge {
namespace {

using nlohmann::json;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ECMAScript, "^" and "$" at line boundaries; {var} substituted. Never throws.
bool Search(const std::string& text, const std::string& src, const Facts& f) {
  try {
    const auto& vars = f.vars.empty() ? script::DefaultVariables() : f.vars;
    std::regex re(script::Substitute(src, vars), std::regex::ECMAScript | std::regex::multiline);
    return std::regex_search(text.begin(), text.begin() + std::min(text.size(), kEffectRegexWindow), re);
  } catch (const std::exception&) {
    return false;
  }
}

// Header fields of a message, unfolded (RFC 5322 2.2.3), one "Name: value" each.
std::vector<std::string> HeaderFields(const std::string& data) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  const std::size_t end = std::min(data.size(), kEffectRegexWindow);
  while (pos < end) {
    std::size_t nl = data.find('\n', pos);
    if (nl == std::string::npos || nl > end) nl = end;
    std::string line = data.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;  // end of the header section
    if ((line[0] == ' ' || line[0] == '\t') && !out.empty()) out.back() += line;
    else out.push_back(line);
  }
  return out;
}

bool AnyHeader(const std::string& data, const std::string& src, const Facts& f) {
  for (const std::string& h : HeaderFields(data))
    if (Search(h, src, f)) return true;
  return false;
}

std::vector<std::string> FieldValues(const dsn::BounceAnalysis& a, const std::string& field) {
  std::vector<std::string> out;
  if (!a.report) return out;
  const report::DeliveryReport& r = *a.report;
  auto typed = [](const std::optional<report::Typed>& t, std::vector<std::string>* o) {
    if (t) o->push_back(t->type + "; " + t->value);
  };
  if (field == "reporting-mta") out.push_back(r.reporting_mta.type + "; " + r.reporting_mta.value);
  else if (field == "original-envelope-id") { if (r.original_envelope_id) out.push_back(*r.original_envelope_id); }
  else if (field == "arrival-date") { if (r.arrival_date) out.push_back(*r.arrival_date); }
  else if (field == "received-from-mta") typed(r.received_from_mta, &out);
  else if (field == "dsn-gateway") typed(r.dsn_gateway, &out);
  for (const report::RecipientReport& rr : r.recipients) {
    if (field == "final-recipient") out.push_back(rr.final_recipient.type + "; " + rr.final_recipient.value);
    else if (field == "original-recipient") typed(rr.original_recipient, &out);
    else if (field == "action") out.emplace_back(report::ActionName(rr.action));
    else if (field == "status") out.push_back(rr.status);
    else if (field == "remote-mta") typed(rr.remote_mta, &out);
    else if (field == "diagnostic-code") typed(rr.diagnostic_code, &out);
    else if (field == "last-attempt-date") { if (rr.last_attempt_date) out.push_back(*rr.last_attempt_date); }
    else if (field == "final-log-id") { if (rr.final_log_id) out.push_back(*rr.final_log_id); }
    else if (field == "will-retry-until") { if (rr.will_retry_until) out.push_back(*rr.will_retry_until); }
  }
  return out;
}

// Filters common to "sink" and "bounce".
bool CapturedHolds(const json& spec, const sink::Captured& m, const Facts& f) {
  bool complete = spec.value("complete", true);
  if (m.data_complete != complete) return false;
  for (auto it = spec.begin(); it != spec.end(); ++it) {
    const std::string& k = it.key();
    if (!it->is_string()) continue;
    const std::string v = it->get<std::string>();
    if (k == "regex" && !Search(m.data, v, f)) return false;
    if (k == "raw_regex" && !Search(m.raw_data, v, f)) return false;
    if (k == "header_regex" && !AnyHeader(m.data, v, f)) return false;
    if (k == "mail_from" && !Search(m.mail_from, v, f)) return false;
    if (k == "params" && !Search(m.mail_params, v, f)) return false;
    if (k == "helo" && !Search(m.helo, v, f)) return false;
    if (k == "helo_verb" && m.helo_verb != v) return false;
    if (k == "listener" && !Search(m.listen, v, f)) return false;
    if (k == "anomaly" && std::find(m.anomalies.begin(), m.anomalies.end(), v) == m.anomalies.end()) return false;
    if (k == "rcpt" || k == "rcpt_params") {
      bool any = false;
      for (const sink::Captured::Rcpt& r : m.rcpts)
        if (Search(k == "rcpt" ? r.path : r.params, v, f)) any = true;
      if (!any) return false;
    }
  }
  return true;
}

// "quit": how the connection of the transaction ended (RFC 5321 4.1.1.10), known once the
// connection is over by `until`: "waited" (QUIT, and the client was still there when the
// 221 went out), "closed-early" (QUIT, then the client left before the 221), "no-quit"
// (the connection ended without QUIT).
bool QuitHolds(const std::string& want, const sink::Captured& m, int64_t until) {
  const sink::SessionEnd e = m.End();
  if (!e.closed || e.closed_unix_ms > until) return false;
  if (want == "waited") return e.quit && e.quit_reply_sent && !e.closed_before_quit_reply;
  if (want == "closed-early") return e.quit && e.closed_before_quit_reply;
  if (want == "no-quit") return !e.quit;
  return false;
}

// "eod_reply": whether the client was still connected when a late reply to the final dot
// was written (RFC 5321 4.5.3.2.6), known once that reply was due (by `until`).
bool EodReplyHolds(const std::string& want, const sink::Captured& m, int64_t until) {
  const sink::SessionEnd e = m.End();
  if (!e.eod_reply_done || e.eod_reply_unix_ms > until) return false;
  if (want == "waited") return !e.closed_before_eod_reply;
  if (want == "closed-early") return e.closed_before_eod_reply;
  return false;
}

bool BounceHolds(const json& spec, const SinkMessage& s, const Facts& f) {
  if (!s.bounce) return false;
  const dsn::BounceAnalysis* a = s.analysis ? &*s.analysis : nullptr;
  if (spec.contains("format")) {
    if (!a) return false;
    const std::string want = spec["format"].get<std::string>();
    const std::string have(dsn::FormatName(a->format));
    if (want == "other" ? (have == "rfc3464" || have == "qsbmf") : have != want) return false;
  }
  if (spec.contains("violations")) {
    if (!a) return false;
    const std::string v = spec["violations"].get<std::string>();
    bool errors = std::any_of(a->violations.begin(), a->violations.end(),
                              [](const dsn::Violation& x) { return x.severity == dsn::Severity::kError; });
    if (v == "none" && !a->violations.empty()) return false;
    if (v == "some" && a->violations.empty()) return false;
    if (v == "errors" && !errors) return false;
  }
  if (spec.contains("violation") && (!a || !dsn::HasViolation(a->violations, spec["violation"].get<std::string>())))
    return false;
  if (spec.contains("field")) {
    if (!a) return false;
    std::vector<std::string> values = FieldValues(*a, Lower(spec["field"].get<std::string>()));
    if (spec.contains("value_regex")) {
      bool any = false;
      for (const std::string& v : values)
        if (Search(v, spec["value_regex"].get<std::string>(), f)) any = true;
      if (!any) return false;
    } else if (values.empty()) {
      return false;
    }
  }
  return true;
}

}  // namespace

SinkMessage MakeSinkMessage(sink::Captured c, const std::vector<std::string>& senders) {
  SinkMessage s;
  // RFC 3464 2 / RFC 5321 4.5.5: delivery reports go out with a null reverse-path; a
  // message to the script's own sender is taken as a report too (a non-null one).
  s.bounce = c.mail_from.empty();
  for (const sink::Captured::Rcpt& r : c.rcpts)
    for (const std::string& snd : senders)
      if (!snd.empty() && Lower(r.path) == Lower(snd)) s.bounce = true;
  if (s.bounce && !c.data.empty()) s.analysis = dsn::ClassifyBounce(c.data);
  s.msg = std::move(c);
  return s;
}

int EffectWithinMs(const json& spec) {
  auto it = spec.find("within");
  if (it == spec.end() || !it->is_number_integer()) return script::kDefaultWithinMs;
  return it->get<int>();
}

std::string MailboxUser(const json& spec, const Facts& f) {
  std::string u = spec.contains("user") && spec["user"].is_string() ? spec["user"].get<std::string>() : "{user}";
  try {
    return script::Substitute(u, f.vars.empty() ? script::DefaultVariables() : f.vars);
  } catch (const std::exception&) {
    return u;
  }
}

int EffectMatches(const std::string& kind, const json& spec, const Facts& f, int64_t until) {
  int n = 0;
  if (kind == "mailbox") {
    auto it = f.mailboxes.find(MailboxUser(spec, f));
    if (it == f.mailboxes.end()) return 0;
    for (const MailboxMessage& m : it->second) {
      if (m.seen_unix_ms > until) continue;
      if (spec.contains("regex") && !Search(m.data, spec["regex"].get<std::string>(), f)) continue;
      if (spec.contains("header_regex") && !AnyHeader(m.data, spec["header_regex"].get<std::string>(), f)) continue;
      ++n;
    }
    return n;
  }
  for (const SinkMessage& s : f.sink) {
    if (s.msg.received_unix_ms > until) continue;
    if (!CapturedHolds(spec, s.msg, f)) continue;
    if (spec.contains("quit") && !QuitHolds(spec["quit"].get<std::string>(), s.msg, until)) continue;
    if (spec.contains("eod_reply") && !EodReplyHolds(spec["eod_reply"].get<std::string>(), s.msg, until))
      continue;
    if (kind == "bounce") {
      if (!BounceHolds(spec, s, f)) continue;
    } else {
      const std::string k = spec.value("kind", "any");
      if (k == "relay" && s.bounce) continue;
      if (k == "bounce" && !s.bounce) continue;
    }
    ++n;
  }
  return n;
}

bool EffectHolds(const std::string& kind, const json& spec, const Facts& f) {
  script::CountSpec count;
  try {
    count = script::ParseCountSpec(spec.value("count", ">=1"));
  } catch (const std::invalid_argument&) {
    return false;
  }
  return count.Matches(EffectMatches(kind, spec, f, f.script_end_unix_ms + EffectWithinMs(spec)));
}

}  // namespace mta::judge
