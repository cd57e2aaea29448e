// case.cc: parsing and schema checks of case and dispute files (see case.h).
#include "harness/script/case.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>

namespace mta::script {
namespace {

using nlohmann::json;

[[noreturn]] void Bad(const std::string& file, const std::string& field, const std::string& why) {
  throw CaseError(file + ": " + field + ": " + why);
}

const std::set<int>& KnownRfcs() {
  static const std::set<int> rfcs = {821,  822,  974,  1035, 1123, 1652, 1869, 1870, 1891,
                                     1985, 2034, 2119, 2181, 2505, 2645, 2821, 2822, 2920,
                                     3030, 3207, 3461, 3462, 3463, 3464, 3834, 4954, 5321,
                                     5322, 6152, 6409, 6522, 6531, 6532, 6891, 7504, 7505,
                                     8482, 9228};
  return rfcs;
}

std::string Str(const json& j, const char* key, const std::string& file, bool required,
                const std::string& prefix = "") {
  auto it = j.find(key);
  if (it == j.end()) {
    if (required) Bad(file, prefix + key, "missing");
    return "";
  }
  if (!it->is_string()) Bad(file, prefix + key, "must be a string");
  return it->get<std::string>();
}

std::vector<std::string> StrList(const json& j, const char* key, const std::string& file) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  if (!it->is_array()) Bad(file, key, "must be an array of strings");
  for (std::size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string()) Bad(file, std::string(key) + "[" + std::to_string(i) + "]", "must be a string");
    out.push_back((*it)[i].get<std::string>());
  }
  return out;
}

int Int(const json& j, const char* key, const std::string& file, int def, int lo, int hi) {
  auto it = j.find(key);
  if (it == j.end()) return def;
  if (!it->is_number_integer()) Bad(file, key, "must be an integer");
  long long v = it->get<long long>();
  if (v < lo || v > hi) Bad(file, key, "out of range " + std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<int>(v);
}

std::vector<SpecRef> ParseSpecs(const json& j, const std::string& file, const std::string& field,
                                bool required) {
  std::vector<SpecRef> out;
  if (!j.is_array()) Bad(file, field, "must be an array");
  if (required && j.empty()) Bad(file, field, "needs at least one reference");
  static const std::regex section(R"(^([0-9]+(\.[0-9]+)*|[A-Z](\.[0-9]+)*)$)");
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string f = field + "[" + std::to_string(i) + "]";
    const json& e = j[i];
    if (!e.is_object()) Bad(file, f, "must be an object {rfc, section, quote}");
    SpecRef r;
    auto rfc = e.find("rfc");
    if (rfc == e.end() || !rfc->is_number_integer()) Bad(file, f + ".rfc", "must be an RFC number");
    r.rfc = rfc->get<int>();
    if (!KnownRfcs().count(r.rfc)) Bad(file, f + ".rfc", "unknown RFC " + std::to_string(r.rfc));
    r.section = Str(e, "section", file, true, f + ".");
    if (!std::regex_match(r.section, section))
      Bad(file, f + ".section", "malformed section '" + r.section + "' (e.g. 4.1.1.4)");
    r.quote = Str(e, "quote", file, false, f + ".");
    for (auto it = e.begin(); it != e.end(); ++it)
      if (it.key() != "rfc" && it.key() != "section" && it.key() != "quote")
        Bad(file, f + "." + it.key(), "unknown field");
    out.push_back(r);
  }
  return out;
}

bool ValidId(const std::string& id) {
  static const std::regex re(R"(^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$)");
  return id.size() <= 96 && std::regex_match(id, re);
}

json ReadJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CaseError(path + ": cannot read");
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    throw CaseError(path + ": not JSON: " + e.what());
  }
}

void CheckFields(const json& j, const std::set<std::string>& allowed, const std::string& file) {
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!allowed.count(it.key())) Bad(file, it.key(), "unknown field");
}

void CheckRegex(const json& v, const std::string& w) {
  if (!v.is_string()) throw CaseError(w + ": must be a regex string");
  std::string text = v.get<std::string>();
  for (const std::string& var : VariableRefs(text))
    if (!DefaultVariables().count(var)) throw CaseError(w + ": unknown variable {" + var + "}");
  try {
    std::regex re(Substitute(text, DefaultVariables()), std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    throw CaseError(w + ": invalid regex");
  }
}

void ValidateEffect(const std::string& kind, const json& spec, const std::string& where) {
  if (!spec.is_object()) throw CaseError(where + ": must be an object");
  static const std::set<std::string> common = {"within", "count"};
  static const std::set<std::string> sink_keys = {
      "kind", "regex", "raw_regex", "header_regex", "mail_from", "rcpt", "params", "rcpt_params",
      "helo_verb", "helo", "listener", "anomaly", "complete", "quit", "eod_reply"};
  static const std::set<std::string> bounce_keys = {
      "format", "violations", "violation", "field", "value_regex", "header_regex", "regex",
      "raw_regex", "mail_from", "rcpt", "listener", "complete"};
  static const std::set<std::string> mailbox_keys = {"user", "regex", "header_regex"};
  static const std::set<std::string> regex_keys = {
      "regex", "raw_regex", "header_regex", "mail_from", "rcpt", "params", "rcpt_params", "helo",
      "listener", "value_regex"};
  static const std::set<std::string> dsn_fields = {
      "final-recipient", "original-recipient", "action", "status", "remote-mta",
      "diagnostic-code", "last-attempt-date", "final-log-id", "will-retry-until",
      "reporting-mta", "original-envelope-id", "arrival-date", "received-from-mta",
      "dsn-gateway"};
  const std::set<std::string>& keys =
      kind == "sink" ? sink_keys : kind == "bounce" ? bounce_keys : mailbox_keys;
  for (auto it = spec.begin(); it != spec.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    const std::string w = where + "." + k;
    if (!common.count(k) && !keys.count(k)) throw CaseError(w + ": unknown " + kind + " condition key");
    if (k == "within") {
      if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() > kMaxWithinMs)
        throw CaseError(w + ": must be 0.." + std::to_string(kMaxWithinMs) + " (ms)");
    } else if (k == "count") {
      if (!v.is_string()) throw CaseError(w + ": must be a string (\"0\", \">=1\", \"<=2\")");
      try {
        ParseCountSpec(v.get<std::string>());
      } catch (const std::invalid_argument& e) {
        throw CaseError(w + ": " + e.what());
      }
    } else if (k == "complete") {
      if (!v.is_boolean()) throw CaseError(w + ": must be true or false");
    } else if (regex_keys.count(k)) {
      CheckRegex(v, w);
    } else if (k == "kind") {
      if (v != "any" && v != "relay" && v != "bounce") throw CaseError(w + ": must be any, relay or bounce");
    } else if (k == "quit") {
      // RFC 5321 4.1.1.10: how the connection ended after the transaction.
      if (v != "waited" && v != "closed-early" && v != "no-quit")
        throw CaseError(w + ": must be waited, closed-early or no-quit");
    } else if (k == "eod_reply") {
      // RFC 5321 4.5.3.2.6: did the client wait for the reply to the final dot?
      if (v != "waited" && v != "closed-early") throw CaseError(w + ": must be waited or closed-early");
    } else if (k == "helo_verb") {
      if (v != "EHLO" && v != "HELO" && v != "") throw CaseError(w + ": must be EHLO, HELO or \"\"");
    } else if (k == "format") {
      static const std::set<std::string> f = {"rfc3464", "qsbmf", "other-report", "vendor-text",
                                              "not-a-bounce", "other"};
      if (!v.is_string() || !f.count(v.get<std::string>()))
        throw CaseError(w + ": must be rfc3464, qsbmf, other-report, vendor-text, not-a-bounce or other");
    } else if (k == "violations") {
      if (v != "none" && v != "some" && v != "errors") throw CaseError(w + ": must be none, some or errors");
    } else if (k == "field") {
      std::string f = v.is_string() ? v.get<std::string>() : "";
      for (char& ch : f) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (!dsn_fields.count(f)) throw CaseError(w + ": not an RFC 3464 field (Action, Status, ...)");
    } else if (k == "anomaly" || k == "violation" || k == "user") {
      if (!v.is_string() || v.get<std::string>().empty()) throw CaseError(w + ": must be a non-empty string");
      if (k == "user")
        for (const std::string& var : VariableRefs(v.get<std::string>()))
          if (!DefaultVariables().count(var)) throw CaseError(w + ": unknown variable {" + var + "}");
    }
  }
  if (spec.contains("value_regex") && !spec.contains("field")) throw CaseError(where + ".value_regex: needs \"field\"");
}

}  // namespace

CountSpec ParseCountSpec(std::string_view text) {
  std::string_view t = text;
  std::string op;
  for (const char* o : {">=", "<=", ">", "<", "="})
    if (t.substr(0, std::char_traits<char>::length(o)) == o) {
      op = o;
      t.remove_prefix(op.size());
      break;
    }
  if (t.empty() || t.size() > 9 || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw std::invalid_argument("bad count '" + std::string(text) + "' (N, >=N, <=N, >N, <N)");
  long long n = std::stoll(std::string(t));
  CountSpec c;
  if (op.empty() || op == "=") c = {n, n};
  else if (op == ">=") c = {n, -1};
  else if (op == ">") c = {n + 1, -1};
  else if (op == "<=") c = {0, n};
  else {
    if (n == 0) throw std::invalid_argument("bad count '" + std::string(text) + "': never holds");
    c = {0, n - 1};
  }
  return c;
}

void CollectEffects(const json& c, std::vector<EffectRef>* out) {
  if (!c.is_object()) return;
  for (const char* k : {"sink", "bounce", "mailbox"})
    if (c.contains(k)) out->push_back({k, c[k]});
  for (const char* k : {"all", "any"})
    if (c.contains(k) && c[k].is_array())
      for (const json& s : c[k]) CollectEffects(s, out);
  if (c.contains("not")) CollectEffects(c["not"], out);
}

std::vector<EffectRef> EffectConditions(const Case& c) {
  std::vector<EffectRef> out;
  for (const Rule& r : c.rules) CollectEffects(r.when, &out);
  return out;
}

std::vector<std::string> EffectFacilities(const json& cond) {
  std::vector<EffectRef> refs;
  CollectEffects(cond, &refs);
  std::vector<std::string> out;
  for (const EffectRef& r : refs) {
    std::string f = r.kind == "mailbox" ? "mailbox" : "sink";
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  }
  return out;
}

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kServer: return "server";
    case Role::kClient: return "client";
    case Role::kBounce: return "bounce";
  }
  return "?";
}

const std::vector<std::string>& RequiredProfiles() {
  static const std::vector<std::string> p = {"strict", "interop", "hardened", "qmail"};
  return p;
}

const std::vector<std::string>& VerdictNames() {
  static const std::vector<std::string> v = {"PASS", "NON_STRICT", "FAIL", "INFO",
                                             "UNSUPPORTED", "SKIP", "ERROR", "TIMEOUT"};
  return v;
}

bool IsJudgementVerdict(std::string_view v) {
  return v == "PASS" || v == "NON_STRICT" || v == "FAIL" || v == "INFO";
}

bool Case::HasTag(std::string_view t) const {
  return std::find(tags.begin(), tags.end(), t) != tags.end();
}

std::vector<std::string> Case::ObserveNames() const {
  std::vector<std::string> out;
  for (const Step& s : script)
    if (s.kind == StepKind::kObserve) out.push_back(s.name);
  return out;
}

void ValidateCondition(const json& c, const std::vector<std::string>& observes,
                       const std::string& where) {
  if (!c.is_object() || c.empty()) throw CaseError(where + ": condition must be a non-empty object");
  auto sub_list = [&](const char* key) {
    const json& l = c.at(key);
    if (!l.is_array() || l.empty()) throw CaseError(where + "." + key + ": must be a non-empty array");
    for (std::size_t i = 0; i < l.size(); ++i)
      ValidateCondition(l[i], observes, where + "." + key + "[" + std::to_string(i) + "]");
  };
  bool has_step = c.contains("step");
  for (auto it = c.begin(); it != c.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    const std::string w = where + "." + k;
    if (k == "all" || k == "any") {
      sub_list(k.c_str());
    } else if (k == "not") {
      ValidateCondition(v, observes, w);
    } else if (k == "always" || k == "failed" || k == "closed" || k == "timeout") {
      if (!v.is_boolean()) throw CaseError(w + ": must be true or false");
      if ((k == "closed" || k == "timeout") && !has_step) throw CaseError(w + ": needs \"step\"");
    } else if (k == "step") {
      if (!v.is_string()) throw CaseError(w + ": must be an observe step name");
      if (std::find(observes.begin(), observes.end(), v.get<std::string>()) == observes.end())
        throw CaseError(w + ": no observe step named '" + v.get<std::string>() + "'");
    } else if (k == "code" || k == "count") {
      if (!has_step) throw CaseError(w + ": needs \"step\"");
      if (!v.is_string()) throw CaseError(w + ": must be a code pattern string");
      try {
        ParseCodePattern(v.get<std::string>());
      } catch (const std::invalid_argument& e) {
        throw CaseError(w + ": " + e.what());
      }
    } else if (k == "enhanced" || k == "regex") {
      if (!has_step) throw CaseError(w + ": needs \"step\"");
      if (!v.is_string()) throw CaseError(w + ": must be a string");
      if (k == "regex") {
        try {
          std::regex re(v.get<std::string>(), std::regex::ECMAScript);
        } catch (const std::regex_error&) {
          throw CaseError(w + ": invalid regex");
        }
      }
    } else if (k == "index" || k == "min" || k == "max" || k == "replies") {
      if (!has_step) throw CaseError(w + ": needs \"step\"");
      if (!v.is_number_integer()) throw CaseError(w + ": must be an integer");
    } else if (k == "sink" || k == "bounce" || k == "mailbox") {
      ValidateEffect(k, v, w);
    } else {
      throw CaseError(w + ": unknown condition key");
    }
  }
}

Case ParseCase(const json& j, const std::string& file) {
  if (!j.is_object()) Bad(file, "(root)", "must be an object");
  CheckFields(j, {"$schema", "id", "title", "area", "spec", "level", "point", "tags", "requires",
                  "needs", "source", "role", "timeout_ms", "observe_ms", "description", "script",
                  "observations"},
              file);
  Case c;
  c.file = file;
  c.id = Str(j, "id", file, true);
  if (!ValidId(c.id)) Bad(file, "id", "'" + c.id + "' is not [a-z0-9][a-z0-9.-]*");
  c.title = Str(j, "title", file, true);
  c.area = Str(j, "area", file, true);
  if (!j.contains("spec")) Bad(file, "spec", "missing");
  c.spec = ParseSpecs(j["spec"], file, "spec", true);
  c.level = Str(j, "level", file, true);
  if (c.level != "MUST" && c.level != "SHOULD" && c.level != "MAY" && c.level != "UNSPECIFIED")
    Bad(file, "level", "must be MUST, SHOULD, MAY or UNSPECIFIED");
  c.point = Str(j, "point", file, true);
  if (!ValidId(c.point)) Bad(file, "point", "bad point id '" + c.point + "'");
  c.tags = StrList(j, "tags", file);
  c.requires_ = StrList(j, "requires", file);
  for (std::string& r : c.requires_)
    for (char& ch : r) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  c.needs = StrList(j, "needs", file);
  for (const std::string& n : c.needs)
    if (n != "sink" && n != "mailbox" && n != "dns")
      Bad(file, "needs", "unknown facility '" + n + "' (sink, mailbox, dns)");
  c.source = Str(j, "source", file, false);
  if (c.source.empty()) c.source = "untrusted";
  if (c.source != "untrusted" && c.source != "relay-client")
    Bad(file, "source", "must be untrusted or relay-client");
  std::string role = Str(j, "role", file, false);
  if (role.empty() || role == "server") c.role = Role::kServer;
  else if (role == "client") c.role = Role::kClient;
  else if (role == "bounce") c.role = Role::kBounce;
  else Bad(file, "role", "must be server, client or bounce");
  c.timeout_ms = Int(j, "timeout_ms", file, 15000, 100, 3600000);
  c.observe_ms = Int(j, "observe_ms", file, std::min(5000, c.timeout_ms), 10, 3600000);
  c.description = Str(j, "description", file, false);

  auto sc = j.find("script");
  if (sc == j.end() || !sc->is_array() || sc->empty()) Bad(file, "script", "must be a non-empty array of steps");
  std::set<std::string> names;
  bool connected = false;
  const auto& vars = DefaultVariables();
  for (std::size_t i = 0; i < sc->size(); ++i) {
    const std::string f = "script[" + std::to_string(i) + "]";
    if (!(*sc)[i].is_string()) Bad(file, f, "must be a string");
    Step st;
    try {
      st = ParseStep((*sc)[i].get<std::string>());
    } catch (const std::invalid_argument& e) {
      Bad(file, f, e.what());
    }
    if (st.kind == StepKind::kConnect) connected = true;
    else if (!connected && st.kind != StepKind::kSleep)
      Bad(file, f, "'" + st.source + "' before the first connect");
    if (st.kind == StepKind::kObserve && !names.insert(st.name).second)
      Bad(file, f, "observe name '" + st.name + "' used twice");
    for (const std::string& v : VariableRefs(st.data))
      if (!vars.count(v)) Bad(file, f, "unknown variable {" + v + "}");
    if (st.kind == StepKind::kExpectRegex || st.kind == StepKind::kSkipUntil) {
      try {
        std::regex re(st.data, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        Bad(file, f, "invalid regex");
      }
    }
    c.script.push_back(std::move(st));
  }
  if (c.role == Role::kServer && c.script.front().kind != StepKind::kConnect &&
      c.script.front().kind != StepKind::kSleep)
    Bad(file, "script[0]", "a server-role script starts with connect");

  auto ob = j.find("observations");
  if (ob == j.end() || !ob->is_array() || ob->empty())
    Bad(file, "observations", "must be a non-empty array of {observation, when}");
  std::vector<std::string> observes = c.ObserveNames();
  for (std::size_t i = 0; i < ob->size(); ++i) {
    const std::string f = "observations[" + std::to_string(i) + "]";
    const json& r = (*ob)[i];
    if (!r.is_object()) Bad(file, f, "must be an object");
    for (auto it = r.begin(); it != r.end(); ++it)
      if (it.key() != "observation" && it.key() != "when" && it.key() != "note")
        Bad(file, f + "." + it.key(), "unknown field");
    Rule rule;
    rule.observation = Str(r, "observation", file, true, f + ".");
    if (!ValidId(rule.observation)) Bad(file, f + ".observation", "bad observation name");
    if (!r.contains("when")) Bad(file, f + ".when", "missing");
    try {
      ValidateCondition(r["when"], observes, f + ".when");
    } catch (const CaseError& e) {
      throw CaseError(file + ": " + e.what());
    }
    // Effect conditions need the target's observer: declared in "needs" so that targets
    // without it give UNSUPPORTED.
    for (const std::string& fac : EffectFacilities(r["when"]))
      if (std::find(c.needs.begin(), c.needs.end(), fac) == c.needs.end())
        Bad(file, f + ".when", "uses a " + fac + " condition: add \"" + fac + "\" to needs");
    rule.when = r["when"];
    c.rules.push_back(std::move(rule));
  }
  // A wait longer than a few minutes (retry schedules, client timeouts) runs only when
  // asked for: such a case says so with the "slow" tag.
  for (const EffectRef& e : EffectConditions(c)) {
    auto w = e.spec.find("within");
    if (w != e.spec.end() && w->is_number_integer() && w->get<long long>() > kMaxQuickWithinMs && !c.HasTag("slow"))
      Bad(file, "observations", "a window over " + std::to_string(kMaxQuickWithinMs) + " ms needs the \"slow\" tag");
  }
  return c;
}

Case LoadCase(const std::string& path) { return ParseCase(ReadJson(path), path); }

Dispute ParseDispute(const json& j, const std::string& file) {
  if (!j.is_object()) Bad(file, "(root)", "must be an object");
  CheckFields(j, {"$schema", "id", "ref", "title", "disputed", "question", "sides", "positions",
                  "sources", "observations", "verdicts"},
              file);
  Dispute d;
  d.file = file;
  d.id = Str(j, "id", file, true);
  if (!ValidId(d.id)) Bad(file, "id", "bad point id");
  d.ref = Str(j, "ref", file, false);
  d.title = Str(j, "title", file, true);
  if (j.contains("disputed")) {
    if (!j["disputed"].is_boolean()) Bad(file, "disputed", "must be true or false");
    d.disputed = j["disputed"].get<bool>();
  }
  d.question = Str(j, "question", file, true);
  auto sides = j.find("sides");
  if (sides == j.end() || !sides->is_array() || sides->empty())
    Bad(file, "sides", "must be a non-empty array of {position, spec}");
  for (std::size_t i = 0; i < sides->size(); ++i) {
    const std::string f = "sides[" + std::to_string(i) + "]";
    const json& s = (*sides)[i];
    if (!s.is_object()) Bad(file, f, "must be an object");
    Side side;
    side.position = Str(s, "position", file, true, f + ".");
    if (!s.contains("spec")) Bad(file, f + ".spec", "missing");
    side.spec = ParseSpecs(s["spec"], file, f + ".spec", false);
    d.sides.push_back(side);
  }
  auto pos = j.find("positions");
  if (pos == j.end() || !pos->is_object()) Bad(file, "positions", "must be an object");
  for (auto it = pos->begin(); it != pos->end(); ++it) {
    if (!it->is_string()) Bad(file, "positions." + it.key(), "must be a string");
    d.positions[it.key()] = it->get<std::string>();
  }
  for (const char* who : {"qmail", "critics"})
    if (!d.positions.count(who)) Bad(file, std::string("positions.") + who, "missing");
  d.sources = StrList(j, "sources", file);
  if (d.sources.empty()) Bad(file, "sources", "needs at least one source");
  auto obs = j.find("observations");
  if (obs == j.end() || !obs->is_object() || obs->empty())
    Bad(file, "observations", "must be a non-empty object name -> meaning");
  for (auto it = obs->begin(); it != obs->end(); ++it) {
    if (!ValidId(it.key())) Bad(file, "observations." + it.key(), "bad observation name");
    if (!it->is_string()) Bad(file, "observations." + it.key(), "must be a string");
    d.observations[it.key()] = it->get<std::string>();
    d.observation_order.push_back(it.key());
  }
  auto ver = j.find("verdicts");
  if (ver == j.end() || !ver->is_object()) Bad(file, "verdicts", "must be an object profile -> table");
  for (auto it = ver->begin(); it != ver->end(); ++it) {
    const std::string f = "verdicts." + it.key();
    if (!it->is_object()) Bad(file, f, "must be an object observation -> {verdict, why}");
    auto& table = d.verdicts[it.key()];
    for (auto o = it->begin(); o != it->end(); ++o) {
      const std::string fo = f + "." + o.key();
      if (!d.observations.count(o.key())) Bad(file, fo, "not in the observation vocabulary");
      if (!o->is_object()) Bad(file, fo, "must be {verdict, why}");
      Verdict v;
      v.verdict = Str(*o, "verdict", file, true, fo + ".");
      if (!IsJudgementVerdict(v.verdict)) Bad(file, fo + ".verdict", "must be PASS, NON_STRICT, FAIL or INFO");
      v.rationale = Str(*o, "why", file, true, fo + ".");
      table[o.key()] = v;
    }
  }
  for (const std::string& p : RequiredProfiles()) {
    if (!d.verdicts.count(p)) Bad(file, "verdicts." + p, "missing profile");
    for (const std::string& o : d.observation_order)
      if (!d.verdicts[p].count(o)) Bad(file, "verdicts." + p + "." + o, "missing verdict");
  }
  for (const auto& [p, table] : d.verdicts)
    for (const std::string& o : d.observation_order)
      if (!table.count(o)) Bad(file, "verdicts." + p + "." + o, "missing verdict");
  return d;
}

Dispute LoadDispute(const std::string& path) { return ParseDispute(ReadJson(path), path); }

nlohmann::json CaseToJson(const Case& c) {
  json j;
  j["id"] = c.id;
  j["title"] = c.title;
  j["area"] = c.area;
  j["spec"] = json::array();
  for (const SpecRef& s : c.spec) {
    json e = {{"rfc", s.rfc}, {"section", s.section}};
    if (!s.quote.empty()) e["quote"] = s.quote;
    j["spec"].push_back(e);
  }
  j["level"] = c.level;
  j["point"] = c.point;
  j["tags"] = c.tags;
  j["requires"] = c.requires_;
  j["needs"] = c.needs;
  if (c.source != "untrusted") j["source"] = c.source;
  j["role"] = std::string(RoleName(c.role));
  j["timeout_ms"] = c.timeout_ms;
  if (!c.description.empty()) j["description"] = c.description;
  j["script"] = json::array();
  for (const Step& s : c.script) j["script"].push_back(s.source);
  j["observations"] = json::array();
  for (const Rule& r : c.rules) j["observations"].push_back({{"observation", r.observation}, {"when", r.when}});
  return j;
}

}  // namespace mta::script
