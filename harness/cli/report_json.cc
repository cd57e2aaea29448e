// report_json.cc: REPORT.json <-> DeliveryReport. See report_json.h.
#include "harness/cli/report_json.h"

#include <cctype>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>

namespace mta::cli {
namespace {

using nlohmann::json;
using report::Typed;

std::string GetString(const json& obj, const char* key, std::string_view where) {
  const json& v = obj.at(key);
  if (!v.is_string())
    throw std::invalid_argument(std::string(where) + ": \"" + key + "\" must be a string");
  std::string s = v.get<std::string>();
  // Values become header fields: a line break would let the report inject fields.
  if (s.find_first_of("\r\n") != std::string::npos)
    throw std::invalid_argument(std::string(where) + ": \"" + key + "\" contains a line break");
  return s;
}

std::optional<std::string> GetOptional(const json& obj, const char* key, std::string_view where) {
  if (!obj.contains(key)) return std::nullopt;
  return GetString(obj, key, where);
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

// "type; value" when the text starts with an atom and ';' (RFC 3464 2.1.2), else the
// default type.
Typed ToTyped(const std::string& text, const char* default_type) {
  size_t i = 0;
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '-'))
    ++i;
  if (i > 0 && i < text.size() && text[i] == ';')
    return Typed{text.substr(0, i), Trim(std::string_view(text).substr(i + 1))};
  return Typed{default_type, Trim(text)};
}

std::string FromTyped(const Typed& t, const char* default_type) {
  if (t.type == default_type) return t.value;
  return t.type + "; " + t.value;
}

void CheckKeys(const json& obj, const std::set<std::string>& allowed, std::string_view where) {
  if (!obj.is_object()) throw std::invalid_argument(std::string(where) + " must be an object");
  for (const auto& [k, v] : obj.items())
    if (!allowed.count(k))
      throw std::invalid_argument(std::string(where) + ": unknown field \"" + k + "\"");
}

// RFC 3464 2.3.4: status-code = DIGIT "." 1*3DIGIT "." 1*3DIGIT, class 2, 4 or 5, no
// leading zeros (RFC 3463 2).
bool ValidStatus(std::string_view s) {
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
  size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    size_t b = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    size_t n = i - b;
    if (n < 1 || n > 3 || (n > 1 && s[b] == '0')) return false;
    if (part == 0) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

}  // namespace

report::DeliveryReport ReportFromJson(const json& j) {
  CheckKeys(j,
            {"reporting-mta", "arrival-date", "original-envelope-id", "return-path", "ret",
             "recipients", "received-from-mta", "dsn-gateway"},
            "report");
  report::DeliveryReport r;
  if (!j.contains("reporting-mta")) throw std::invalid_argument("report: \"reporting-mta\" is required");
  r.reporting_mta = ToTyped(GetString(j, "reporting-mta", "report"), "dns");
  r.arrival_date = GetOptional(j, "arrival-date", "report");
  r.original_envelope_id = GetOptional(j, "original-envelope-id", "report");
  if (auto v = GetOptional(j, "received-from-mta", "report")) r.received_from_mta = ToTyped(*v, "dns");
  if (auto v = GetOptional(j, "dsn-gateway", "report")) r.dsn_gateway = ToTyped(*v, "dns");
  if (auto rp = GetOptional(j, "return-path", "report")) {
    std::string v = *rp;
    if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
    r.return_path = v;
  }
  if (auto ret = GetOptional(j, "ret", "report")) {
    std::string v;
    for (char c : *ret) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (v == "full") r.ret = report::Ret::kFull;
    else if (v == "hdrs") r.ret = report::Ret::kHdrs;
    else throw std::invalid_argument("report: \"ret\" must be \"full\" or \"hdrs\"");
  }
  if (!j.contains("recipients") || !j.at("recipients").is_array() || j.at("recipients").empty())
    throw std::invalid_argument("report: \"recipients\" must be a non-empty array");
  size_t n = 0;
  for (const json& rj : j.at("recipients")) {
    std::string where = "recipients[" + std::to_string(n++) + "]";
    CheckKeys(rj,
              {"final-recipient", "original-recipient", "action", "status", "remote-mta",
               "diagnostic-code", "last-attempt-date", "will-retry-until", "final-log-id"},
              where);
    report::RecipientReport rr;
    for (const char* k : {"final-recipient", "action", "status"})
      if (!rj.contains(k)) throw std::invalid_argument(where + ": \"" + k + "\" is required");
    rr.final_recipient = ToTyped(GetString(rj, "final-recipient", where), "rfc822");
    if (auto v = GetOptional(rj, "original-recipient", where)) rr.original_recipient = ToTyped(*v, "rfc822");
    std::string action = GetString(rj, "action", where);
    auto a = report::ParseAction(action);
    if (!a) throw std::invalid_argument(where + ": unknown action \"" + action + "\"");
    rr.action = *a;
    rr.status = GetString(rj, "status", where);
    if (!ValidStatus(rr.status))
      throw std::invalid_argument(where + ": invalid status \"" + rr.status + "\"");
    if (auto v = GetOptional(rj, "remote-mta", where)) rr.remote_mta = ToTyped(*v, "dns");
    if (auto v = GetOptional(rj, "diagnostic-code", where)) rr.diagnostic_code = ToTyped(*v, "smtp");
    rr.last_attempt_date = GetOptional(rj, "last-attempt-date", where);
    rr.will_retry_until = GetOptional(rj, "will-retry-until", where);
    rr.final_log_id = GetOptional(rj, "final-log-id", where);
    r.recipients.push_back(std::move(rr));
  }
  return r;
}

json ReportToJson(const report::DeliveryReport& r) {
  json j;
  j["reporting-mta"] = FromTyped(r.reporting_mta, "dns");
  if (r.arrival_date) j["arrival-date"] = *r.arrival_date;
  if (r.original_envelope_id) j["original-envelope-id"] = *r.original_envelope_id;
  if (r.received_from_mta) j["received-from-mta"] = FromTyped(*r.received_from_mta, "dns");
  if (r.dsn_gateway) j["dsn-gateway"] = FromTyped(*r.dsn_gateway, "dns");
  j["return-path"] = r.return_path;
  if (r.ret == report::Ret::kFull) j["ret"] = "full";
  if (r.ret == report::Ret::kHdrs) j["ret"] = "hdrs";
  json recips = json::array();
  for (const auto& rr : r.recipients) {
    json x;
    x["final-recipient"] = FromTyped(rr.final_recipient, "rfc822");
    if (rr.original_recipient) x["original-recipient"] = FromTyped(*rr.original_recipient, "rfc822");
    x["action"] = std::string(report::ActionName(rr.action));
    x["status"] = rr.status;
    if (rr.remote_mta) x["remote-mta"] = FromTyped(*rr.remote_mta, "dns");
    if (rr.diagnostic_code) x["diagnostic-code"] = FromTyped(*rr.diagnostic_code, "smtp");
    if (rr.last_attempt_date) x["last-attempt-date"] = *rr.last_attempt_date;
    if (rr.will_retry_until) x["will-retry-until"] = *rr.will_retry_until;
    if (rr.final_log_id) x["final-log-id"] = *rr.final_log_id;
    recips.push_back(std::move(x));
  }
  j["recipients"] = std::move(recips);
  return j;
}

}  // namespace mta::cli
