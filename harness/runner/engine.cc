// engine.cc: the script interpreter (see engine.h and rfc-cases/README.md).
#include "harness/runner/engine.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <memory>
#include <random>
#include <regex>
#include <set>
#include <stdexcept>
#include <thread>

#include "harness/runner/connection.h"

namespace mta::runner {
namespace {

using script::Step;
using script::StepKind;

std::string EnhancedOf(const reply::Reply& r) {
  if (r.enhanced) return r.enhanced->ToString();
  // qmail's "(#5.1.1)" (RFCHCSC) when there is no RFC 2034 prefix.
  if (auto h = reply::FindHcmssc(r.JoinedText())) return h->ToString();
  return "";
}

// The reply as sent, line ends removed, lines joined by "\n" ("250-a\n250 b").
std::string WireOf(const reply::Reply& r) {
  std::string w = r.raw;
  std::string out;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i] == '\r' && i + 1 < w.size() && w[i + 1] == '\n') continue;
    out += w[i];
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string TextOf(const reply::Reply& r) {
  std::string t;
  for (std::size_t i = 0; i < r.lines.size(); ++i) t += (i ? "\n" : "") + r.lines[i];
  return t;
}

// How long after the script a target's "settled" answer is trusted (see ObserveEffects).
constexpr int64_t kSettleMinMs = 1000;

class Interp {
 public:
  Interp(const script::Case& c, const Endpoint& ep, const std::map<std::string, std::string>& vars,
         const EngineOptions& opt)
      : c_(c), ep_(ep), vars_(vars), opt_(opt), start_(Clock::now()),
        deadline_(start_ + std::chrono::milliseconds(c.timeout_ms)) {}

  ScriptRun Run() {
    for (const std::string& n : c_.ObserveNames()) run_.facts.observes[n];
    for (std::size_t i = 0; i < c_.script.size() && !stop_; ++i) {
      step_ = static_cast<int>(i);
      const Step& s = c_.script[i];
      if (s.kind != StepKind::kPipe && !pipe_.empty() && !FlushPipe()) break;
      try {
        Exec(s);
      } catch (const std::invalid_argument& e) {
        Stop(ScriptStatus::kError, e.what());
      }
    }
    if (!stop_ && !pipe_.empty()) FlushPipe();
    for (auto& [name, conn] : conns_)
      if (conn->open()) {
        conn->Close();
        Event("close " + name);
      }
    if (opt_.on_script_end) opt_.on_script_end();
    if (run_.status == ScriptStatus::kCompleted) ObserveEffects();
    run_.duration_ms = Ms();
    return std::move(run_);
  }

 private:
  long Ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_).count();
  }

  void Line(const std::string& mark, const std::string& text) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "[%6ldms] ", Ms());
    std::string tag = conns_.size() > 1 ? "(" + cur_ + ") " : "";
    run_.transcript += ts + tag + mark + " " + text + "\n";
  }
  void Event(const std::string& text) { Line("===", text); }

  void Stop(ScriptStatus st, const std::string& msg) {
    if (stop_) return;
    stop_ = true;
    run_.status = st;
    run_.message = "step " + std::to_string(step_) + " (" + c_.script[step_].source + "): " + msg;
    run_.failed_step = step_;
    Event(st == ScriptStatus::kTimeout ? "timeout: " + msg : "error: " + msg);
  }

  void Fail(const std::string& msg) {
    // A failed expectation ends the script; the rules may still judge ({"failed": true}).
    stop_ = true;
    run_.facts.failed = true;
    run_.failed_step = step_;
    run_.facts.failure = "step " + std::to_string(step_) + " (" + c_.script[step_].source + "): " + msg;
    run_.message = run_.facts.failure;
    Event("expectation failed: " + msg);
  }

  Connection* Cur() {
    auto it = conns_.find(cur_);
    if (it == conns_.end() || !it->second->open()) {
      Stop(ScriptStatus::kError, "no open connection");
      return nullptr;
    }
    return it->second.get();
  }

  void ShowSend(const std::string& bytes) {
    // "-> line" for plain CRLF-terminated lines, "~> escaped" for anything else.
    std::size_t start = 0;
    while (start < bytes.size()) {
      std::size_t crlf = bytes.find("\r\n", start);
      std::string_view piece = crlf == std::string::npos
                                   ? std::string_view(bytes).substr(start)
                                   : std::string_view(bytes).substr(start, crlf - start);
      bool plain = crlf != std::string::npos && piece.find_first_of("\r\n") == std::string_view::npos;
      for (unsigned char ch : piece)
        if (ch < 0x20 || ch >= 0x7f) plain = false;
      if (plain) {
        Line("->", std::string(piece));
        start = crlf + 2;
      } else {
        Line("~>", "\"" + script::EscapeBytes(std::string_view(bytes).substr(start)) + "\"");
        break;
      }
    }
  }

  // Remembers the reverse-path of every "MAIL FROM:<...>" line sent (bounce detection).
  void NoteSenders(const std::string& bytes) {
    std::size_t pos = 0;
    while (pos < bytes.size()) {
      std::size_t nl = bytes.find('\n', pos);
      std::string line = bytes.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? bytes.size() : nl + 1;
      if (line.size() < 10) continue;
      std::string head = line.substr(0, 10);
      for (char& ch : head) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (head != "MAIL FROM:") continue;
      std::size_t lt = line.find('<'), gt = line.find('>');
      if (lt != std::string::npos && gt != std::string::npos && gt > lt + 1)
        senders_.push_back(line.substr(lt + 1, gt - lt - 1));
    }
  }

  static int64_t UnixMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  static bool ContainsToken(const std::string& hay, const std::string& token) {
    auto it = std::search(hay.begin(), hay.end(), token.begin(), token.end(), [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) == b;
    });
    return it != hay.end();
  }

  static bool HoldsToken(const sink::Captured& c, const std::string& token) {
    if (ContainsToken(c.mail_from, token) || ContainsToken(c.data, token) ||
        ContainsToken(c.raw_data, token))
      return true;
    for (const sink::Captured::Rcpt& r : c.rcpts)
      if (ContainsToken(r.path, token)) return true;
    return false;
  }

  // Waits for the effect conditions (sink, bounce, mailbox) to be decided, then records
  // the messages that hold the token as facts and as evidence in the transcript.
  void ObserveEffects() {
    std::vector<script::EffectRef> effects = script::EffectConditions(c_);
    if (effects.empty()) return;
    bool want_sink = false, want_mailbox = false;
    std::set<std::string> users;
    judge::Facts& f = run_.facts;
    f.vars = vars_;
    for (const script::EffectRef& e : effects) {
      if (e.kind == "mailbox") {
        want_mailbox = true;
        users.insert(judge::MailboxUser(e.spec, f));
      } else {
        want_sink = true;
      }
    }
    auto unsupported = [&](const std::string& why) {
      run_.status = ScriptStatus::kUnsupported;
      run_.message = why;
      Event(why);
    };
    if (want_sink && !opt_.sink) return unsupported("the run has no capture sink (sink/bounce conditions)");
    if (want_mailbox && !opt_.read_mailbox) return unsupported("the target's mailboxes cannot be read");
    const std::string token = vars_["token"];
    const int64_t end = UnixMs();
    f.script_end_unix_ms = end;
    int longest = 0;
    for (const script::EffectRef& e : effects) longest = std::max(longest, judge::EffectWithinMs(e.spec));
    Event("effects: waiting up to " + std::to_string(longest) + "ms for messages with token " + token);
    std::size_t sink_seen = 0;
    std::map<std::string, std::set<std::string>> mailbox_seen;
    int64_t next_mailbox_read = 0;
    while (true) {
      const int64_t now = UnixMs();
      // Asked before the observers are read: a target that holds nothing more for this
      // token (refmta: no queued message with it that is due) has produced every effect it
      // will, so what the observers show now is final. Not trusted in the first second,
      // while a message the script did not wait for may still be on its way in.
      // Nor for a window longer than what the answer covers (kSettledHorizonMs).
      const bool settled = opt_.settled && longest <= kSettledHorizonMs && now - end >= kSettleMinMs &&
                           opt_.settled(token);
      if (settled) next_mailbox_read = 0;
      if (want_sink) {
        // Only what arrived since the last poll: many executions wait at once.
        std::vector<sink::Captured> fresh = opt_.sink->MessagesFrom(sink_seen);
        sink_seen += fresh.size();
        for (sink::Captured& m : fresh)
          if (HoldsToken(m, token)) f.sink.push_back(judge::MakeSinkMessage(std::move(m), senders_));
      }
      if (want_mailbox && now >= next_mailbox_read) {
        next_mailbox_read = now + std::max(250, opt_.poll_ms);
        for (const std::string& u : users) {
          std::optional<std::vector<std::string>> box = opt_.read_mailbox(u);
          if (!box) continue;
          for (std::string& m : *box)
            if (ContainsToken(m, token) && mailbox_seen[u].insert(m).second)
              f.mailboxes[u].push_back({std::move(m), now});
        }
      }
      if (settled && std::all_of(f.sink.begin(), f.sink.end(), [](const judge::SinkMessage& m) {
            return m.msg.End().closed;  // QUIT handling is known once the session ended
          })) {
        Event("effects: the target holds nothing more for token " + token);
        break;
      }
      bool decided = true;
      for (const script::EffectRef& e : effects) {
        const int64_t deadline = end + judge::EffectWithinMs(e.spec);
        if (now >= deadline) continue;
        script::CountSpec cs;
        try {
          cs = script::ParseCountSpec(e.spec.value("count", ">=1"));
        } catch (const std::invalid_argument&) {
          continue;
        }
        const long long n = judge::EffectMatches(e.kind, e.spec, f, now);
        // Counts only grow: past the upper bound it stays false, at the lower bound with
        // no upper bound it stays true; otherwise only the deadline decides.
        if (cs.hi >= 0 && n > cs.hi) continue;
        if (cs.hi < 0 && n >= cs.lo) continue;
        decided = false;
      }
      if (decided) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(std::max(10, opt_.poll_ms)));
    }
    Event("effects: " + std::to_string(f.sink.size()) + " captured message(s) with token " + token +
          " after " + std::to_string(UnixMs() - end) + "ms");
    for (std::size_t i = 0; i < f.sink.size(); ++i) Evidence(i, f.sink[i]);
    for (const auto& [user, msgs] : f.mailboxes)
      for (std::size_t i = 0; i < msgs.size(); ++i)
        Event("mailbox " + user + "[" + std::to_string(i) + "] " + std::to_string(msgs[i].data.size()) +
              " octets: \"" + script::EscapeBytes(std::string_view(msgs[i].data).substr(0, 1024)) +
              (msgs[i].data.size() > 1024 ? "\"..." : "\""));
  }

  void Evidence(std::size_t i, const judge::SinkMessage& s) {
    const sink::Captured& m = s.msg;
    const std::string tag = "sink[" + std::to_string(i) + "] ";
    Event(tag + (s.bounce ? "bounce" : "relay") + " at " + m.listen + " from " + m.peer_ip + " " +
          (m.helo_verb.empty() ? "(no HELO)" : m.helo_verb + " " + script::EscapeBytes(m.helo)) + ", " +
          std::to_string(m.received_unix_ms - run_.facts.script_end_unix_ms) + "ms after the script");
    Event(tag + "MAIL FROM:<" + script::EscapeBytes(m.mail_from) + ">" +
          (m.mail_params.empty() ? "" : " " + script::EscapeBytes(m.mail_params)) + " -> " +
          std::to_string(m.mail_code));
    for (const sink::Captured::Rcpt& r : m.rcpts)
      Event(tag + "RCPT TO:<" + script::EscapeBytes(r.path) + ">" +
            (r.params.empty() ? "" : " " + script::EscapeBytes(r.params)) + " -> " + std::to_string(r.code));
    std::string anomalies;
    for (const std::string& a : m.anomalies) anomalies += (anomalies.empty() ? "" : ",") + a;
    Event(tag + (m.bdat ? "BDAT " : "DATA ") + std::to_string(m.raw_data.size()) + " octets on the wire, " +
          (m.data_complete ? "complete" : "incomplete") + (m.truncated ? ", truncated" : "") +
          (anomalies.empty() ? "" : ", anomalies " + anomalies) + ", end-of-data reply " +
          std::to_string(m.eod_code));
    if (!m.raw_data.empty())
      Event(tag + "raw \"" + script::EscapeBytes(std::string_view(m.raw_data).substr(0, 1024)) +
            (m.raw_data.size() > 1024 ? "\"..." : "\""));
    if (s.analysis) {
      std::string recips;
      for (const dsn::RecipientSummary& r : dsn::Recipients(*s.analysis))
        recips += " " + r.address + " " + r.action + " " + r.status + ";";
      std::string viol;
      for (const dsn::Violation& v : s.analysis->violations) viol += (viol.empty() ? "" : ",") + v.id;
      Event(tag + "bounce format " + std::string(dsn::FormatName(s.analysis->format)) + ", violations " +
            (viol.empty() ? "none" : viol) + (recips.empty() ? "" : ", recipients:" + recips));
    }
  }

  bool SendBytes(const std::string& bytes) {
    NoteSenders(bytes);
    auto it = conns_.find(cur_);
    if (it != conns_.end() && it->second && !it->second->open() && it->second->eof()) {
      // The server closed the connection (RFC 5321 3.8 allows it after 421; qmail closes
      // after its 451): what the script would still send is not sent, and the rules judge
      // what was seen. Not a harness error.
      ShowSend(bytes);
      Event("not sent: the server had closed the connection");
      return true;
    }
    Connection* c = Cur();
    if (!c) return false;
    ShowSend(bytes);
    std::string e = c->Send(bytes, deadline_);
    if (!e.empty()) {
      // A peer that already hung up is a fact for the next read, not a harness error.
      Event(e);
      return true;
    }
    return true;
  }

  bool FlushPipe() {
    std::string bytes = std::move(pipe_);
    pipe_.clear();
    Event("pipelined write, " + std::to_string(bytes.size()) + " octets");
    return SendBytes(bytes) && !stop_;
  }

  void Record(const reply::Reply& r) {
    run_.replies.push_back({step_, r.code, EnhancedOf(r), TextOf(r)});
    std::string raw = r.raw;
    std::size_t start = 0;
    const std::string mark = (r.code >= 400 && r.code < 600) ? "<**" : "<-";
    while (start < raw.size()) {
      std::size_t nl = raw.find('\n', start);
      std::string l = raw.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (!l.empty() && l.back() == '\r') l.pop_back();
      Line(mark, script::EscapeBytes(l));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }

  // Reads one reply for an expectation; false (after Stop/Fail) when none came.
  bool Expect(reply::Reply* r) {
    Connection* c = Cur();
    if (!c) return false;
    switch (c->ReadReply(deadline_, r)) {
      case ReadStatus::kReply:
        Record(*r);
        return true;
      case ReadStatus::kClosed:
        Event("closed by server");
        c->Close();
        Fail("connection closed, reply expected");
        return false;
      case ReadStatus::kTimeout:
        Stop(ScriptStatus::kTimeout, "no reply before the case timeout");
        return false;
      case ReadStatus::kError:
        Stop(ScriptStatus::kError, "read error");
        return false;
    }
    return false;
  }

  std::regex Regex(const std::string& src) {
    return std::regex(script::Substitute(src, vars_), std::regex::ECMAScript);
  }

  static bool ReplyMatches(const reply::Reply& r, const std::regex& re) {
    // Matched against the reply as sent, lines joined by "\n" ("250-a\n250 b").
    return std::regex_search(WireOf(r), re);
  }

  void Exec(const Step& s) {
    switch (s.kind) {
      case StepKind::kConnect: {
        auto& slot = conns_[s.conn];
        if (!slot) slot = std::make_unique<Connection>();
        cur_ = s.conn;
        std::string e = slot->Open(opt_.source_ip, ep_.host, ep_.port, deadline_);
        if (!e.empty()) return Stop(ScriptStatus::kError, e);
        Event("connect " + (opt_.source_ip.empty() ? std::string("*") : opt_.source_ip) + " -> " +
              ep_.host + ":" + std::to_string(ep_.port) + " (" + s.conn + ")");
        return;
      }
      case StepKind::kUse:
        if (!conns_.count(s.conn)) return Stop(ScriptStatus::kError, "no connection " + s.conn);
        cur_ = s.conn;
        return;
      case StepKind::kDisconnect: {
        // Closing what the server already closed is no error (an observe may have seen it).
        auto it = conns_.find(cur_);
        if (it != conns_.end() && !it->second->open() && it->second->eof()) return;
        if (Connection* c = Cur()) {
          c->Close();
          Event("disconnect (" + cur_ + ")");
        }
        return;
      }
      case StepKind::kSendLine:
      case StepKind::kSendText:
      case StepKind::kSendRaw:
        SendBytes(script::Substitute(s.data, vars_));
        return;
      case StepKind::kPipe:
        pipe_ += script::Substitute(s.data, vars_);
        return;
      case StepKind::kExpect: {
        reply::Reply r;
        if (!Expect(&r)) return;
        if (!s.code.Matches(r.code))
          return Fail("expected " + s.code.ToString() + ", got " + std::to_string(r.code));
        if (!s.enhanced.empty()) {
          std::string e = EnhancedOf(r);
          if (e.compare(0, s.enhanced.size(), s.enhanced) != 0 ||
              (e.size() > s.enhanced.size() && e[s.enhanced.size()] != '.'))
            return Fail("expected enhanced " + s.enhanced + ", got '" + e + "'");
        }
        if (s.multiline && r.lines.size() < 2) return Fail("expected a multi-line reply");
        return;
      }
      case StepKind::kExpectRegex: {
        reply::Reply r;
        if (!Expect(&r)) return;
        if (!ReplyMatches(r, Regex(s.data))) return Fail("reply does not match /" + s.data + "/");
        return;
      }
      case StepKind::kSkipUntil: {
        std::regex re = Regex(s.data);
        reply::Reply r;
        while (Expect(&r))
          if (ReplyMatches(r, re)) return;
        return;
      }
      case StepKind::kExpectClose: {
        Connection* c = Cur();
        if (!c) return;
        reply::Reply r;
        switch (c->ReadReply(deadline_, &r)) {
          case ReadStatus::kClosed:
            Event("closed by server");
            c->Close();
            return;
          case ReadStatus::kReply:
            Record(r);
            return Fail("expected close, got a reply");
          case ReadStatus::kTimeout:
            return Stop(ScriptStatus::kTimeout, "server did not close");
          case ReadStatus::kError:
            return Stop(ScriptStatus::kError, "read error");
        }
        return;
      }
      case StepKind::kObserve: {
        judge::ObserveRecord& rec = run_.facts.observes[s.name];
        rec.reached = true;
        auto found = conns_.find(cur_);
        if (found == conns_.end() || !found->second->open()) {
          // Observing a connection the server already closed records a close.
          rec.closed = true;
          return;
        }
        Connection* c = found->second.get();
        int within = s.wait_ms >= 0 ? s.wait_ms : c_.observe_ms;
        auto until = std::min(deadline_, Clock::now() + std::chrono::milliseconds(within));
        Event("observe " + s.name);
        while (static_cast<int>(rec.replies.size()) < s.count) {
          reply::Reply r;
          ReadStatus st = c->ReadReply(until, &r);
          if (st == ReadStatus::kReply) {
            Record(r);
            rec.replies.push_back({r.code, EnhancedOf(r), TextOf(r), WireOf(r), static_cast<int>(r.lines.size())});
            continue;
          }
          if (st == ReadStatus::kTimeout) {
            rec.timed_out = true;
            Event("no reply within " + std::to_string(within) + "ms (" + s.name + ")");
          } else {
            rec.closed = true;
            Event("closed by server");
            c->Close();
          }
          break;
        }
        if (!rec.closed && c->open()) {
          auto linger = std::min(deadline_, Clock::now() + std::chrono::milliseconds(s.linger_ms));
          if (c->WaitClose(linger)) {
            // Replies that arrived before the close still count.
            reply::Reply r;
            while (static_cast<int>(rec.replies.size()) < s.count &&
                   c->ReadReply(Clock::now(), &r) == ReadStatus::kReply) {
              Record(r);
              rec.replies.push_back({r.code, EnhancedOf(r), TextOf(r), WireOf(r), static_cast<int>(r.lines.size())});
            }
            rec.closed = true;
            Event("closed by server");
            c->Close();
          }
        }
        return;
      }
      case StepKind::kSleep:
        Event("sleep " + std::to_string(s.wait_ms) + "ms");
        if (Clock::now() + std::chrono::milliseconds(s.wait_ms) > deadline_) {
          std::this_thread::sleep_until(deadline_);
          return Stop(ScriptStatus::kTimeout, "case timeout during sleep");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(s.wait_ms));
        return;
      case StepKind::kStartTls: {
        // RFC 3207 4: the client starts the handshake after the server's 220 to STARTTLS
        // (the script expects that 220 first). What the server sent after its 220 and
        // before the handshake is plaintext the TLS session must not see: it is dropped
        // and noted in the transcript.
        Connection* c = Cur();
        if (!c) return;
        Event("TLS handshake");
        std::string err = c->StartTls("", deadline_);
        if (c->discarded_plaintext() > 0)
          Event(std::to_string(c->discarded_plaintext()) +
                " plaintext octets after the 220 dropped before the handshake");
        if (!err.empty()) {
          c->Close();
          return Fail(err);
        }
        Event("TLS established: " + c->TlsDescription());
        return;
      }
    }
  }

  const script::Case& c_;
  Endpoint ep_;
  std::map<std::string, std::string> vars_;  // the caller's, with {token}
  std::vector<std::string> senders_;         // reverse-paths of the MAIL commands sent
  EngineOptions opt_;
  Clock::time_point start_, deadline_;
  std::map<std::string, std::unique_ptr<Connection>> conns_;
  std::string cur_ = "c0";
  std::string pipe_;
  bool stop_ = false;
  int step_ = 0;
  ScriptRun run_;
};

}  // namespace

std::string NewToken() {
  // "t", 4 characters fixed per process (random), then a 4-character counter: tokens of
  // one process are distinct and of one length (none is a part of another).
  static const char* alnum = "0123456789abcdefghijklmnopqrstuvwxyz";
  static const std::string prefix = [] {
    std::random_device rd;
    uint64_t x = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    std::string p = "t";
    for (int i = 0; i < 4; ++i, x /= 36) p += alnum[x % 36];
    return p;
  }();
  static std::atomic<uint64_t> counter{0};
  uint64_t n = counter++ % (36ull * 36 * 36 * 36);
  std::string t = prefix + "0000";
  for (int i = 7; i >= 4; --i, n /= 36) t[1 + i] = alnum[n % 36];
  return t;
}

ScriptRun RunScript(const script::Case& c, const Endpoint& ep,
                    const std::map<std::string, std::string>& vars, const EngineOptions& opt) {
  std::map<std::string, std::string> v = vars;
  v["token"] = opt.token.empty() ? NewToken() : opt.token;
  return Interp(c, ep, v, opt).Run();
}

}  // namespace mta::runner
