// behaviour.cc: the listener behaviour and its JSON form (see behaviour.h).
#include "harness/sink/behaviour.h"

#include <cctype>
#include <regex>
#include <set>
#include <stdexcept>

namespace mta::sink {
namespace {

using nlohmann::json;

[[noreturn]] void Bad(const std::string& where, const std::string& why) {
  throw std::invalid_argument("behaviour: " + where + ": " + why);
}

int IntField(const json& j, const char* key, const std::string& where, int def, int lo, int hi) {
  auto it = j.find(key);
  if (it == j.end()) return def;
  if (!it->is_number_integer()) Bad(where + "." + key, "must be an integer");
  long long v = it->get<long long>();
  if (v < lo || v > hi) Bad(where + "." + key, "out of range " + std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<int>(v);
}

bool BoolField(const json& j, const char* key, const std::string& where, bool def) {
  auto it = j.find(key);
  if (it == j.end()) return def;
  if (!it->is_boolean()) Bad(where + "." + key, "must be true or false");
  return it->get<bool>();
}

const std::set<std::string>& Commands() {
  static const std::set<std::string> c = {"helo", "ehlo", "mail", "rcpt", "data", "eod",
                                          "bdat", "rset", "noop", "quit", "vrfy"};
  return c;
}

void CheckText(const std::string& text, const std::string& where) {
  for (char ch : text)
    if (ch == '\r' || ch == '\0') Bad(where, "text must not hold CR or NUL (\"\\n\" separates lines)");
}

}  // namespace

bool Behaviour::Advertises(const std::string& keyword) const {
  for (const std::string& k : ehlo_keywords) {
    std::string first = k.substr(0, k.find(' '));
    if (first.size() != keyword.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < first.size(); ++i)
      if (std::toupper(static_cast<unsigned char>(first[i])) !=
          std::toupper(static_cast<unsigned char>(keyword[i])))
        same = false;
    if (same) return true;
  }
  return false;
}

Reply ReplyFromJson(const json& j, const std::string& where) {
  Reply r;
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s.size() < 3 || !std::isdigit(static_cast<unsigned char>(s[0])) ||
        !std::isdigit(static_cast<unsigned char>(s[1])) || !std::isdigit(static_cast<unsigned char>(s[2])) ||
        (s.size() > 3 && s[3] != ' '))
      Bad(where, "a reply string is \"CODE text\", e.g. \"550 5.1.1 no such user\"");
    r.code = std::stoi(s.substr(0, 3));
    r.text = s.size() > 4 ? s.substr(4) : "";
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "code" && it.key() != "text" && it.key() != "delay_ms" && it.key() != "close" &&
          it.key() != "silent")
        Bad(where + "." + it.key(), "unknown field (code, text, delay_ms, close, silent)");
    r.silent = BoolField(j, "silent", where, false);
    r.close = BoolField(j, "close", where, false);
    r.code = IntField(j, "code", where, 0, 0, 999);
    if (r.code != 0 && r.code < 200) Bad(where + ".code", "must be 200..599");
    if (r.code == 0 && !r.silent && !j.contains("delay_ms") && !r.close)
      Bad(where, "needs a code (or silent/close/delay_ms)");
    if (j.contains("text")) {
      if (!j["text"].is_string()) Bad(where + ".text", "must be a string");
      r.text = j["text"].get<std::string>();
    }
    r.delay_ms = IntField(j, "delay_ms", where, 0, 0, 3600000);
  } else {
    Bad(where, "must be \"CODE text\" or an object {code, text, delay_ms, close, silent}");
  }
  CheckText(r.text, where);
  return r;
}

Behaviour FromJson(const json& j) {
  if (!j.is_object()) Bad("(root)", "must be an object");
  static const std::set<std::string> known = {
      "hostname",      "greeting",   "esmtp",     "ehlo_keywords", "chunking",     "replies",
      "delays",        "rcpt_replies", "close_after_dot", "max_line", "max_message",
      "max_recipients", "idle_timeout_ms", "description"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.count(it.key())) Bad(it.key(), "unknown field");
  Behaviour b;
  if (j.contains("hostname")) {
    if (!j["hostname"].is_string() || j["hostname"].get<std::string>().empty()) Bad("hostname", "must be a non-empty string");
    b.hostname = j["hostname"].get<std::string>();
    CheckText(b.hostname, "hostname");
    if (b.hostname.find('\n') != std::string::npos) Bad("hostname", "must be one line");
  }
  if (j.contains("greeting")) {
    b.greeting = ReplyFromJson(j["greeting"], "greeting");
    if (b.greeting.code != 0 && b.greeting.code != 220 && b.greeting.code != 421 && b.greeting.code != 554)
      Bad("greeting.code", "must be 220, 421 or 554 (RFC 5321 3.1)");
  }
  b.esmtp = BoolField(j, "esmtp", "", true);
  if (j.contains("ehlo_keywords")) {
    const json& k = j["ehlo_keywords"];
    if (!k.is_array()) Bad("ehlo_keywords", "must be an array of strings");
    b.ehlo_keywords.clear();
    for (std::size_t i = 0; i < k.size(); ++i) {
      if (!k[i].is_string() || k[i].get<std::string>().empty())
        Bad("ehlo_keywords[" + std::to_string(i) + "]", "must be a non-empty string");
      std::string kw = k[i].get<std::string>();
      if (kw.find_first_of("\r\n") != std::string::npos) Bad("ehlo_keywords[" + std::to_string(i) + "]", "one line");
      b.ehlo_keywords.push_back(kw);
    }
  }
  if (BoolField(j, "chunking", "", false) && !b.Advertises("CHUNKING")) b.ehlo_keywords.push_back("CHUNKING");
  if (j.contains("replies")) {
    const json& r = j["replies"];
    if (!r.is_object()) Bad("replies", "must be an object command -> reply");
    for (auto it = r.begin(); it != r.end(); ++it) {
      if (!Commands().count(it.key()))
        Bad("replies." + it.key(), "unknown command (helo ehlo mail rcpt data eod bdat rset noop quit vrfy)");
      b.replies[it.key()] = ReplyFromJson(it.value(), "replies." + it.key());
    }
  }
  if (j.contains("delays")) {
    const json& d = j["delays"];
    if (!d.is_object()) Bad("delays", "must be an object command -> ms");
    for (auto it = d.begin(); it != d.end(); ++it) {
      if (!Commands().count(it.key()) && it.key() != "greeting") Bad("delays." + it.key(), "unknown command");
      if (!it->is_number_integer() || it->get<long long>() < 0 || it->get<long long>() > 3600000)
        Bad("delays." + it.key(), "must be 0..3600000");
      b.delays[it.key()] = it->get<int>();
    }
  }
  if (j.contains("rcpt_replies")) {
    const json& rr = j["rcpt_replies"];
    if (!rr.is_array()) Bad("rcpt_replies", "must be an array of {address|regex, reply}");
    for (std::size_t i = 0; i < rr.size(); ++i) {
      const std::string w = "rcpt_replies[" + std::to_string(i) + "]";
      const json& e = rr[i];
      if (!e.is_object()) Bad(w, "must be an object");
      for (auto it = e.begin(); it != e.end(); ++it)
        if (it.key() != "address" && it.key() != "regex" && it.key() != "reply") Bad(w + "." + it.key(), "unknown field");
      RcptRule rule;
      if (e.contains("address") == e.contains("regex")) Bad(w, "needs exactly one of address, regex");
      if (e.contains("address")) {
        if (!e["address"].is_string()) Bad(w + ".address", "must be a string");
        rule.address = e["address"].get<std::string>();
      } else {
        if (!e["regex"].is_string()) Bad(w + ".regex", "must be a string");
        rule.regex = e["regex"].get<std::string>();
        try {
          std::regex re(rule.regex, std::regex::ECMAScript);
        } catch (const std::regex_error&) {
          Bad(w + ".regex", "invalid regex");
        }
      }
      if (!e.contains("reply")) Bad(w + ".reply", "missing");
      rule.reply = ReplyFromJson(e["reply"], w + ".reply");
      b.rcpt_rules.push_back(std::move(rule));
    }
  }
  b.close_after_dot = BoolField(j, "close_after_dot", "", false);
  b.max_line = static_cast<std::size_t>(IntField(j, "max_line", "", 4096, 512, 1 << 20));
  b.max_message = static_cast<uint64_t>(IntField(j, "max_message", "", 64 << 20, 1024, 1 << 30));
  b.max_recipients = IntField(j, "max_recipients", "", 1000, 1, 100000);
  b.idle_timeout_ms = IntField(j, "idle_timeout_ms", "", 300000, 100, 86400000);
  return b;
}

json ToJson(const Reply& r) {
  json j = {{"code", r.code}, {"text", r.text}};
  if (r.delay_ms) j["delay_ms"] = r.delay_ms;
  if (r.close) j["close"] = true;
  if (r.silent) j["silent"] = true;
  return j;
}

json ToJson(const Behaviour& b) {
  json j;
  j["hostname"] = b.hostname;
  if (b.greeting.set()) j["greeting"] = ToJson(b.greeting);
  j["esmtp"] = b.esmtp;
  j["ehlo_keywords"] = b.ehlo_keywords;
  for (const auto& [k, r] : b.replies) j["replies"][k] = ToJson(r);
  for (const auto& [k, d] : b.delays) j["delays"][k] = d;
  for (const RcptRule& r : b.rcpt_rules) {
    json e = {{"reply", ToJson(r.reply)}};
    if (!r.address.empty()) e["address"] = r.address;
    else e["regex"] = r.regex;
    j["rcpt_replies"].push_back(e);
  }
  j["close_after_dot"] = b.close_after_dot;
  j["max_line"] = b.max_line;
  j["max_message"] = b.max_message;
  j["max_recipients"] = b.max_recipients;
  j["idle_timeout_ms"] = b.idle_timeout_ms;
  return j;
}

std::string RenderReply(int code, const std::string& text) {
  // RFC 5321 4.2: every line but the last is "CODE-text", the last "CODE SP text".
  const std::string c = std::to_string(code);
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (true) {
    std::size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    bool last = i + 1 == lines.size();
    if (last && lines[i].empty()) out += c + "\r\n";
    else out += c + (last ? " " : "-") + lines[i] + "\r\n";
  }
  return out;
}

}  // namespace mta::sink
