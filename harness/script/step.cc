// step.cc: parser of the rfc-cases step language (see step.h).
#include "harness/script/step.h"

#include <cctype>
#include <cstdio>
#include <stdexcept>

namespace mta::script {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

int ParseMs(const std::string& w) {
  if (w.empty() || w.size() > 7) throw std::invalid_argument("bad milliseconds '" + w + "'");
  for (char c : w)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      throw std::invalid_argument("bad milliseconds '" + w + "'");
  return std::stoi(w);
}

bool ValidName(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

bool ValidEnhancedPrefix(std::string_view e) {
  // "5", "5.1", "5.1.1": digits separated by dots, first digit 2/4/5.
  if (e.empty() || (e[0] != '2' && e[0] != '4' && e[0] != '5')) return false;
  int parts = 1;
  bool digit = false;
  for (char c : e) {
    if (c == '.') {
      if (!digit) return false;
      digit = false;
      ++parts;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else {
      return false;
    }
  }
  return digit && parts <= 3;
}

}  // namespace

std::string_view StepKindName(StepKind k) {
  switch (k) {
    case StepKind::kConnect: return "connect";
    case StepKind::kUse: return "use";
    case StepKind::kDisconnect: return "disconnect";
    case StepKind::kSendLine: return "send-line";
    case StepKind::kSendText: return "send-text";
    case StepKind::kSendRaw: return "send-raw";
    case StepKind::kPipe: return "pipe";
    case StepKind::kExpect: return "expect";
    case StepKind::kExpectRegex: return "expect-regex";
    case StepKind::kSkipUntil: return "skip-until";
    case StepKind::kExpectClose: return "expect-close";
    case StepKind::kObserve: return "observe";
    case StepKind::kSleep: return "sleep";
    case StepKind::kStartTls: return "starttls";
  }
  return "?";
}

bool CodePattern::Matches(int code) const {
  if (code < 100 || code > 999) return false;
  const std::string c = std::to_string(code);
  for (const std::string& a : alts) {
    bool ok = true;
    for (int i = 0; i < 3; ++i)
      if (a[i] != 'x' && a[i] != c[i]) ok = false;
    if (ok) return true;
  }
  return false;
}

std::string CodePattern::ToString() const {
  std::string s;
  for (const std::string& a : alts) s += (s.empty() ? "" : "|") + a;
  return s;
}

CodePattern ParseCodePattern(std::string_view text) {
  CodePattern p;
  std::size_t i = 0;
  while (true) {
    std::size_t bar = text.find('|', i);
    std::string alt(text.substr(i, bar == std::string_view::npos ? std::string_view::npos : bar - i));
    for (char& c : alt) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (alt.size() == 1) alt += "xx";
    bool ok = alt.size() == 3 && alt[0] >= '2' && alt[0] <= '5';
    for (char c : alt)
      if (!std::isdigit(static_cast<unsigned char>(c)) && c != 'x') ok = false;
    if (!ok) throw std::invalid_argument("bad reply-code pattern '" + std::string(text) + "'");
    p.alts.push_back(alt);
    if (bar == std::string_view::npos) break;
    i = bar + 1;
  }
  return p;
}

std::string Unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= s.size()) throw std::invalid_argument("escape at end of string");
    switch (s[i]) {
      case 'r': out += '\r'; break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case '0': out += '\0'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case 'x': {
        auto hex = [](char h) -> int {
          if (h >= '0' && h <= '9') return h - '0';
          h = static_cast<char>(std::tolower(static_cast<unsigned char>(h)));
          if (h >= 'a' && h <= 'f') return h - 'a' + 10;
          return -1;
        };
        if (i + 2 >= s.size()) throw std::invalid_argument("short \\x escape");
        int a = hex(s[i + 1]), b = hex(s[i + 2]);
        if (a < 0 || b < 0) throw std::invalid_argument("bad \\x escape");
        out += static_cast<char>(a * 16 + b);
        i += 2;
        break;
      }
      default:
        throw std::invalid_argument(std::string("unknown escape \\") + s[i]);
    }
  }
  return out;
}

std::string EscapeBytes(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\\') out += "\\\\";
    else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

const std::map<std::string, std::string>& DefaultVariables() {
  static const std::map<std::string, std::string> vars = {
      {"local_domain", "local.test"}, {"user", "user"},
      {"postmaster", "postmaster"},   {"unknown_user", "nosuchuser"},
      {"sink_domain", "sink.test"},   {"foreign_domain", "victim.test"},
      {"helo", "harness.test"},       {"target_ip", "127.0.0.10"},
      // The standard capture sinks (harness/sink/standard.h) and the per-execution token
      // (the engine sets a fresh one for every case x target run).
      {"sink7_domain", "sink7.test"}, {"sinkfail_domain", "sinkfail.test"},
      {"sinktemp_domain", "sinktemp.test"}, {"token", "t000000"},
      // "t" + the last octet of target_ip: names the target in the DNS fixture's
      // per-target records (mx-self.t11.test MX 10 mut.t11.test -> 127.0.0.11).
      {"target_tag", "t10"},
  };
  return vars;
}

std::vector<std::string> VariableRefs(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') continue;
    std::size_t j = i + 1;
    while (j < text.size() && (std::islower(static_cast<unsigned char>(text[j])) ||
                               std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '_'))
      ++j;
    if (j < text.size() && text[j] == '}' && j > i + 1 &&
        std::islower(static_cast<unsigned char>(text[i + 1]))) {
      out.emplace_back(text.substr(i + 1, j - i - 1));
      i = j;
    }
  }
  return out;
}

std::string Substitute(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{') {
      std::size_t j = i + 1;
      while (j < text.size() && (std::islower(static_cast<unsigned char>(text[j])) ||
                                 std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '_'))
        ++j;
      if (j < text.size() && text[j] == '}' && j > i + 1 &&
          std::islower(static_cast<unsigned char>(text[i + 1]))) {
        std::string name(text.substr(i + 1, j - i - 1));
        auto it = vars.find(name);
        if (it == vars.end()) throw std::invalid_argument("unknown variable {" + name + "}");
        out += it->second;
        i = j;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

Step ParseStep(std::string_view raw) {
  Step st;
  st.source = std::string(raw);
  std::string_view t = raw;
  // Send operands are byte-exact: only the single SP after the operator is dropped.
  auto operand = [&](std::size_t oplen) {
    std::string_view rest = t.substr(oplen);
    if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
    return std::string(rest);
  };
  if (t.rfind(">> ", 0) == 0 || t == ">>") {
    st.kind = StepKind::kSendText;
    st.data = operand(2);
    return st;
  }
  if (t.rfind(">+", 0) == 0) {
    st.kind = StepKind::kPipe;
    st.data = operand(2) + "\r\n";
    return st;
  }
  if (t.rfind("~>", 0) == 0) {
    std::string_view q = Trim(t.substr(2));
    if (q.size() < 2 || q.front() != '"' || q.back() != '"')
      throw std::invalid_argument("~> needs a double-quoted string");
    st.kind = StepKind::kSendRaw;
    st.data = Unescape(q.substr(1, q.size() - 2));
    return st;
  }
  if (t.rfind("> ", 0) == 0 || t == ">") {
    st.kind = StepKind::kSendLine;
    st.data = operand(1) + "\r\n";
    return st;
  }
  if (t.rfind("<...", 0) == 0) {
    st.kind = StepKind::kSkipUntil;
    st.data = std::string(Trim(t.substr(4)));
    if (st.data.empty()) throw std::invalid_argument("<... needs a regex");
    return st;
  }
  if (t.rfind("<~", 0) == 0) {
    st.kind = StepKind::kExpectRegex;
    st.data = std::string(Trim(t.substr(2)));
    if (st.data.empty()) throw std::invalid_argument("<~ needs a regex");
    return st;
  }
  if (Trim(t) == "<close") {
    st.kind = StepKind::kExpectClose;
    return st;
  }
  if (t.rfind("<?", 0) == 0) {
    st.kind = StepKind::kExpect;
    std::vector<std::string> w = Words(t.substr(2));
    if (w.empty()) throw std::invalid_argument("<? needs a reply-code pattern");
    st.code = ParseCodePattern(w[0]);
    for (std::size_t i = 1; i < w.size(); ++i) {
      if (w[i] == "multiline") st.multiline = true;
      else if (ValidEnhancedPrefix(w[i]) && st.enhanced.empty()) st.enhanced = w[i];
      else throw std::invalid_argument("unexpected '" + w[i] + "' after <?");
    }
    return st;
  }
  std::vector<std::string> w = Words(t);
  if (w.empty()) throw std::invalid_argument("empty step");
  const std::string& verb = w[0];
  if (verb == "connect" || verb == "use") {
    st.kind = verb == "connect" ? StepKind::kConnect : StepKind::kUse;
    if (w.size() > 2) throw std::invalid_argument(verb + " takes at most one name");
    if (verb == "use" && w.size() != 2) throw std::invalid_argument("use needs a connection name");
    st.conn = w.size() == 2 ? w[1] : "c0";
    if (!ValidName(st.conn)) throw std::invalid_argument("bad connection name '" + st.conn + "'");
    return st;
  }
  if (verb == "disconnect" || verb == "starttls") {
    if (w.size() != 1) throw std::invalid_argument(verb + " takes no argument");
    st.kind = verb == "disconnect" ? StepKind::kDisconnect : StepKind::kStartTls;
    return st;
  }
  if (verb == "sleep") {
    if (w.size() != 2) throw std::invalid_argument("sleep needs milliseconds");
    st.kind = StepKind::kSleep;
    st.wait_ms = ParseMs(w[1]);
    return st;
  }
  if (verb == "observe") {
    st.kind = StepKind::kObserve;
    std::size_t i = 1;
    if (i < w.size() && w[i] != "as") {
      st.count = ParseMs(w[i]);
      if (st.count < 1 || st.count > 10000) throw std::invalid_argument("observe count out of range");
      ++i;
    }
    if (i + 1 >= w.size() || w[i] != "as") throw std::invalid_argument("observe needs 'as NAME'");
    st.name = w[i + 1];
    if (!ValidName(st.name)) throw std::invalid_argument("bad observation name '" + st.name + "'");
    for (i += 2; i < w.size(); i += 2) {
      if (i + 1 >= w.size()) throw std::invalid_argument("'" + w[i] + "' needs milliseconds");
      if (w[i] == "within") st.wait_ms = ParseMs(w[i + 1]);
      else if (w[i] == "linger") st.linger_ms = ParseMs(w[i + 1]);
      else throw std::invalid_argument("unexpected '" + w[i] + "' in observe");
    }
    return st;
  }
  throw std::invalid_argument("unknown step '" + std::string(t.substr(0, 40)) + "'");
}

}  // namespace mta::script
