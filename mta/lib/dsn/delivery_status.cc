// delivery_status.cc: format and parse the message/delivery-status body (RFC 3464 2.1-2.4).
#include "mta/lib/dsn/delivery_status.h"

#include "mta/lib/dsn/text.h"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "mta/lib/message/header.h"

namespace mta::dsn {
namespace {

using message::EqualsIgnoreCase;
using report::Action;
using report::DeliveryReport;
using report::RecipientReport;
using report::Typed;

using internal::IsWsp;
using internal::OneLine;
using internal::Trim;


std::string TypedText(const Typed& t) { return OneLine(t.type) + "; " + OneLine(t.value); }

void Emit(std::string& out, std::string_view name, std::string_view value) {
  out += message::FormatField(name, value);
}

// ---- field tables (RFC 3464 2.2 and 2.3, in generator order) ----

constexpr std::string_view kPerMessage[] = {"Original-Envelope-Id", "Reporting-MTA",
                                            "DSN-Gateway", "Received-From-MTA",
                                            "Arrival-Date"};
constexpr std::string_view kPerRecipient[] = {
    "Original-Recipient", "Final-Recipient",   "Action",       "Status",
    "Remote-MTA",         "Diagnostic-Code",   "Last-Attempt-Date",
    "Final-Log-ID",       "Will-Retry-Until"};

template <std::size_t N>
int RankIn(const std::string_view (&table)[N], std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (EqualsIgnoreCase(table[i], name)) return static_cast<int>(i);
  }
  return -1;
}

bool IsRecipientStart(std::string_view name) {
  // Only the address fields open a recipient group; a stray Action or Status among the
  // per-message fields is reported as misplaced.
  int r = RankIn(kPerRecipient, name);
  return r == 0 || r == 1;  // Original-Recipient, Final-Recipient
}

struct Field {
  std::string name;
  std::string value;  // unfolded, trimmed
};
using Group = std::vector<Field>;

void Add(std::vector<Violation>& v, std::string id, std::string detail,
         Severity s = Severity::kError) {
  v.push_back(Violation{std::move(id), std::move(detail), s});
}

// Splits the body into groups of unfolded fields.
std::vector<Group> SplitGroups(std::string_view body, std::vector<Violation>& v) {
  std::vector<Group> groups;
  Group cur;
  bool in_field = false;
  std::size_t pos = 0;
  std::size_t line_no = 0;
  while (pos < body.size()) {
    std::size_t eol = body.find('\n', pos);
    std::size_t end = eol == std::string_view::npos ? body.size() : eol;
    std::string_view line = body.substr(pos, end - pos);
    pos = eol == std::string_view::npos ? body.size() : eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty()) {
      // RFC 3464 2.1: an empty line separates groups; lines of only WSP are taken as empty.
      if (!cur.empty()) groups.push_back(std::move(cur));
      cur.clear();
      in_field = false;
      continue;
    }
    if (IsWsp(line.front())) {
      // RFC 822 3.1.1 folding: a line starting with WSP continues the previous field.
      if (in_field) {
        cur.back().value += line;
      } else {
        Add(v, "malformed-line",
            "line " + std::to_string(line_no) + ": continuation without a field");
      }
      continue;
    }
    std::size_t colon = line.find(':');
    std::string_view name = colon == std::string_view::npos ? line : line.substr(0, colon);
    while (!name.empty() && IsWsp(name.back())) name.remove_suffix(1);
    bool name_ok = colon != std::string_view::npos && !name.empty();
    for (char c : name) {
      if (static_cast<unsigned char>(c) <= 32 || static_cast<unsigned char>(c) >= 127)
        name_ok = false;
    }
    if (!name_ok) {
      Add(v, "malformed-line", "line " + std::to_string(line_no) + ": not a header field");
      in_field = false;
      continue;
    }
    cur.push_back(Field{std::string(name), std::string(line.substr(colon + 1))});
    in_field = true;
  }
  if (!cur.empty()) groups.push_back(std::move(cur));
  for (Group& g : groups) {
    for (Field& f : g) f.value = std::string(Trim(f.value));
  }
  return groups;
}

// "type; value": RFC 3464 2.1.2 address-type / mta-name-type / diagnostic-type.
Typed ParseTyped(std::string_view field, std::string_view value, std::vector<Violation>& v) {
  std::size_t semi = value.find(';');
  if (semi == std::string_view::npos) {
    Add(v, "missing-type", std::string(field) + ": no \"type;\" before the value",
        Severity::kWarning);
    return Typed{"", std::string(Trim(value))};
  }
  Typed t{std::string(Trim(value.substr(0, semi))), std::string(Trim(value.substr(semi + 1)))};
  if (t.type.empty()) {
    Add(v, "missing-type", std::string(field) + ": empty type before ';'", Severity::kWarning);
  }
  return t;
}

// Leading token of a value, and whether what follows is only a comment.
std::string_view LeadingToken(std::string_view value, std::string_view* rest) {
  std::size_t i = 0;
  while (i < value.size() && !IsWsp(value[i]) && value[i] != '(' && value[i] != ';') ++i;
  *rest = Trim(value.substr(i));
  return value.substr(0, i);
}

std::optional<Action> ActionFromStatus(std::string_view status) {
  if (status.empty()) return std::nullopt;
  switch (status[0]) {
    case '2': return Action::kDelivered;
    case '4': return Action::kDelayed;
    case '5': return Action::kFailed;
    default: return std::nullopt;
  }
}

void CheckOrder(const Group& g, bool per_message, std::vector<Violation>& v,
                std::size_t index) {
  int last = -1;
  for (const Field& f : g) {
    int r = per_message ? RankIn(kPerMessage, f.name) : RankIn(kPerRecipient, f.name);
    if (r < 0) r = per_message ? 5 : 9;  // extension fields come last
    if (r < last) {
      Add(v, "wrong-field-order",
          (per_message ? std::string("per-message group")
                       : "recipient group " + std::to_string(index)) +
              ": " + f.name + " out of the RFC 3464 order",
          Severity::kInfo);
      return;
    }
    last = r;
  }
}

bool IsXName(std::string_view name) {
  return name.size() > 2 && (name[0] == 'X' || name[0] == 'x') && name[1] == '-';
}

void ParsePerMessage(const Group& g, DeliveryReport& r, std::vector<Violation>& v) {
  bool seen[5] = {};
  bool have_mta = false;
  for (const Field& f : g) {
    int rank = RankIn(kPerMessage, f.name);
    if (rank < 0) {
      if (RankIn(kPerRecipient, f.name) >= 0) {
        Add(v, "misplaced-field", f.name + " in the per-message group");
        continue;
      }
      if (!IsXName(f.name)) {
        Add(v, "unregistered-field", f.name + " is neither RFC 3464 nor X-",
            Severity::kInfo);
      }
      r.extensions.emplace_back(f.name, f.value);
      continue;
    }
    if (seen[rank]) {
      Add(v, "duplicate-field", f.name + " repeated in the per-message group");
      continue;
    }
    seen[rank] = true;
    switch (rank) {
      case 0: r.original_envelope_id = f.value; break;
      case 1:
        r.reporting_mta = ParseTyped(f.name, f.value, v);
        have_mta = true;
        break;
      case 2: r.dsn_gateway = ParseTyped(f.name, f.value, v); break;
      case 3: r.received_from_mta = ParseTyped(f.name, f.value, v); break;
      case 4: r.arrival_date = f.value; break;
    }
  }
  if (!have_mta) {
    r.reporting_mta = Typed{"", ""};
    // RFC 3464 2.2.2: "This field is required."
    Add(v, "missing-reporting-mta", "no Reporting-MTA field");
  }
}

RecipientReport ParseRecipient(const Group& g, std::size_t index, std::vector<Violation>& v) {
  RecipientReport rr;
  rr.final_recipient = Typed{"", ""};
  rr.status.clear();
  bool seen[9] = {};
  std::optional<Action> action;
  std::string where = "recipient group " + std::to_string(index);
  for (const Field& f : g) {
    int rank = RankIn(kPerRecipient, f.name);
    if (rank < 0) {
      if (RankIn(kPerMessage, f.name) >= 0) {
        Add(v, "misplaced-field", f.name + " in " + where);
        continue;
      }
      if (!IsXName(f.name)) {
        Add(v, "unregistered-field", f.name + " is neither RFC 3464 nor X-",
            Severity::kInfo);
      }
      rr.extensions.emplace_back(f.name, f.value);
      continue;
    }
    if (seen[rank]) {
      // RFC 3464 2.1.1: each field at most once per group.
      Add(v, "duplicate-field", f.name + " repeated in " + where);
      continue;
    }
    seen[rank] = true;
    switch (rank) {
      case 0: rr.original_recipient = ParseTyped(f.name, f.value, v); break;
      case 1: rr.final_recipient = ParseTyped(f.name, f.value, v); break;
      case 2: {
        std::string_view rest;
        std::string_view word = LeadingToken(f.value, &rest);
        action = report::ParseAction(word);
        if (!action) {
          Add(v, "invalid-action", where + ": Action \"" + f.value + "\"");
        } else if (!rest.empty() && rest.front() != '(') {
          Add(v, "action-trailing-text", where + ": Action \"" + f.value + "\"",
              Severity::kWarning);
        }
        break;
      }
      case 3: {
        std::string_view rest;
        std::string_view code = LeadingToken(f.value, &rest);
        // RFC 3464 2.3.4: no whitespace or comments inside the code; a comment may follow.
        std::string err = StatusSyntaxError(code);
        if (!err.empty()) {
          Add(v, "invalid-status", where + ": Status \"" + f.value + "\": " + err);
          rr.status = f.value;
        } else {
          rr.status = std::string(code);
          if (!rest.empty() && rest.front() != '(') {
            Add(v, "status-trailing-text", where + ": Status \"" + f.value + "\"",
                Severity::kWarning);
          }
        }
        break;
      }
      case 4: rr.remote_mta = ParseTyped(f.name, f.value, v); break;
      case 5: rr.diagnostic_code = ParseTyped(f.name, f.value, v); break;
      case 6: rr.last_attempt_date = f.value; break;
      case 7: rr.final_log_id = f.value; break;
      case 8: rr.will_retry_until = f.value; break;
    }
  }
  if (!seen[1]) {
    Add(v, "missing-final-recipient", where + ": no Final-Recipient");
    // Keep an address to report when only Original-Recipient was given.
    if (rr.original_recipient) rr.final_recipient = *rr.original_recipient;
  }
  if (!seen[3]) Add(v, "missing-status", where + ": no Status");
  if (!seen[2]) Add(v, "missing-action", where + ": no Action");
  if (!action) action = ActionFromStatus(rr.status);
  rr.action = action.value_or(Action::kFailed);
  if (seen[2] && seen[3] && IsValidStatus(rr.status)) {
    char want = rr.action == Action::kFailed ? '5' : rr.action == Action::kDelayed ? '4' : '2';
    // RFC 3463 3.1: 2.X.X success, 4.X.X persistent transient, 5.X.X permanent failure.
    if (rr.status[0] != want) {
      Add(v, "status-class-mismatch",
          where + ": Action " + std::string(report::ActionName(rr.action)) +
              " with Status " + rr.status,
          Severity::kWarning);
    }
  }
  if (rr.will_retry_until && rr.action != Action::kDelayed) {
    // RFC 3464 2.3.9: Will-Retry-Until MUST NOT appear in other than "delayed" DSNs.
    Add(v, "will-retry-until-not-delayed", where + ": Will-Retry-Until with Action " +
                                               std::string(report::ActionName(rr.action)));
  }
  return rr;
}

}  // namespace

std::string StatusSyntaxError(std::string_view s) {
  if (s.empty()) return "empty";
  std::size_t parts = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    std::size_t len = i - start;
    if (len == 0) return "sub-field without digits";
    if (parts == 0 && len != 1) return "class must be one digit";
    if (len > 3) return "sub-field longer than 3 digits";
    // RFC 3464 2.3.4: sub-fields MUST NOT have leading zeros.
    if (len > 1 && s[start] == '0') return "leading zero";
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.') return "unexpected character";
    ++i;
    if (i == s.size()) return "trailing dot";
  }
  if (parts != 3) return "not class.subject.detail";
  // RFC 3463 3.1: the class is 2 (success), 4 (persistent transient) or 5 (permanent).
  if (s[0] != '2' && s[0] != '4' && s[0] != '5') return "class not 2, 4 or 5";
  return "";
}

std::string FormatDeliveryStatus(const DeliveryReport& r) {
  std::string out;
  // RFC 3464 2.2: per-message fields in this order.
  if (r.original_envelope_id) Emit(out, "Original-Envelope-Id", OneLine(*r.original_envelope_id));
  Emit(out, "Reporting-MTA", TypedText(r.reporting_mta));
  if (r.dsn_gateway) Emit(out, "DSN-Gateway", TypedText(*r.dsn_gateway));
  if (r.received_from_mta) Emit(out, "Received-From-MTA", TypedText(*r.received_from_mta));
  if (r.arrival_date) Emit(out, "Arrival-Date", OneLine(*r.arrival_date));
  for (const auto& [name, value] : r.extensions) Emit(out, OneLine(name), OneLine(value));
  // RFC 3464 2.1: each per-recipient group is preceded by an empty line.
  for (const RecipientReport& rr : r.recipients) {
    out += "\r\n";
    if (rr.original_recipient) Emit(out, "Original-Recipient", TypedText(*rr.original_recipient));
    Emit(out, "Final-Recipient", TypedText(rr.final_recipient));
    Emit(out, "Action", report::ActionName(rr.action));
    Emit(out, "Status", OneLine(rr.status));
    if (rr.remote_mta) Emit(out, "Remote-MTA", TypedText(*rr.remote_mta));
    if (rr.diagnostic_code) Emit(out, "Diagnostic-Code", TypedText(*rr.diagnostic_code));
    if (rr.last_attempt_date) Emit(out, "Last-Attempt-Date", OneLine(*rr.last_attempt_date));
    if (rr.final_log_id) Emit(out, "Final-Log-ID", OneLine(*rr.final_log_id));
    // RFC 3464 2.3.9: Will-Retry-Until only in "delayed" DSNs.
    if (rr.will_retry_until && rr.action == Action::kDelayed)
      Emit(out, "Will-Retry-Until", OneLine(*rr.will_retry_until));
    for (const auto& [name, value] : rr.extensions) Emit(out, OneLine(name), OneLine(value));
  }
  return out;
}

DeliveryStatusBody ParseDeliveryStatus(std::string_view body) {
  DeliveryStatusBody out;
  std::vector<Violation>& v = out.violations;
  std::vector<Group> raw = SplitGroups(body, v);
  if (raw.empty()) {
    Add(v, "empty-delivery-status", "the delivery-status body has no fields");
    ParsePerMessage({}, out.report, v);
    Add(v, "no-per-recipient-fields", "no per-recipient group");
    return out;
  }
  // The first group is per-message. When it already holds recipient fields, the empty line
  // after the per-message fields is missing (or there are none): split there.
  Group per_message;
  std::vector<Group> recipients;
  {
    Group& first = raw[0];
    std::size_t split = first.size();
    for (std::size_t i = 0; i < first.size(); ++i) {
      if (IsRecipientStart(first[i].name)) {
        split = i;
        break;
      }
    }
    // Recipient fields just before the address field belong to that recipient.
    if (split < first.size()) {
      while (split > 0 && RankIn(kPerRecipient, first[split - 1].name) >= 0) --split;
    }
    per_message.assign(first.begin(), first.begin() + split);
    if (split < first.size()) {
      if (split == 0) {
        Add(v, "missing-per-message-fields", "the body starts with a recipient group");
      } else {
        Add(v, "missing-group-separator",
            "no empty line between the per-message and the first recipient group");
      }
      recipients.emplace_back(first.begin() + split, first.end());
    }
  }
  for (std::size_t i = 1; i < raw.size(); ++i) recipients.push_back(std::move(raw[i]));
  // A recipient group holding a second Final-Recipient lost its separating empty line.
  std::vector<Group> split_recipients;
  for (Group& g : recipients) {
    Group cur;
    bool have_final = false;
    for (Field& f : g) {
      if (EqualsIgnoreCase(f.name, "Final-Recipient")) {
        if (have_final) {
          Add(v, "missing-group-separator", "two Final-Recipient fields in one group");
          // Fields before the new Final-Recipient that belong to it (Original-Recipient).
          Group next;
          if (!cur.empty() && EqualsIgnoreCase(cur.back().name, "Original-Recipient")) {
            next.push_back(std::move(cur.back()));
            cur.pop_back();
          }
          split_recipients.push_back(std::move(cur));
          cur = std::move(next);
        }
        have_final = true;
      }
      cur.push_back(std::move(f));
    }
    if (!cur.empty()) split_recipients.push_back(std::move(cur));
  }
  // A later group without any recipient field (only extension or per-message fields)
  // is not a recipient: its fields join the group before it.
  std::vector<Group> groups;
  for (Group& g : split_recipients) {
    bool has_recipient_field = false;
    for (const Field& f : g) {
      if (RankIn(kPerRecipient, f.name) >= 0) has_recipient_field = true;
    }
    if (has_recipient_field) {
      groups.push_back(std::move(g));
      continue;
    }
    Add(v, "stray-group", "a group without recipient fields (" + g.front().name + ")",
        Severity::kWarning);
    Group& into = groups.empty() ? per_message : groups.back();
    for (Field& f : g) into.push_back(std::move(f));
  }
  CheckOrder(per_message, true, v, 0);
  ParsePerMessage(per_message, out.report, v);
  for (std::size_t i = 0; i < groups.size(); ++i) {
    CheckOrder(groups[i], false, v, i + 1);
    out.report.recipients.push_back(ParseRecipient(groups[i], i + 1, v));
  }
  if (out.report.recipients.empty()) {
    // RFC 3464 2.1: 1*( CRLF per-recipient-fields ).
    Add(v, "no-per-recipient-fields", "no per-recipient group");
  }
  return out;
}

}  // namespace mta::dsn
