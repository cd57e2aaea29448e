// session_switches_test.cc: one case per value of every session-level configuration key.
//
// Each case sets its key with config::ApplySet("key=value") (the parser path of
// `serve --set`), feeds the distinguishing bytes of disputed-points.md (A-K) to a Session
// and asserts the reply or stored message that only that value produces, so a value that
// was parsed but ignored fails its case. A coverage test walks SettingsTable() and fails
// for any key (or enumerated value) that has neither a case here nor a named end-to-end
// test in mta/tests/test_refmta.py. Also: the qmail profile equals the documented qmail
// column, and FormatConfig documents every key with its values.
//
//   {"bare_lf=close", {kEhlo, kTx, "a\nb\r\n.\r\n"}, .last = 451, .closes = 1}
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mta/config/config_file.h"
#include "mta/lib/reply/reply.h"
#include "mta/smtpd/session.h"

namespace mta::smtpd {
namespace {

using config::Settings;

const std::string kEhlo = "EHLO client.test\r\n";
const std::string kMail = "MAIL FROM:<a@sink.test>\r\n";
const std::string kTx = kMail + "RCPT TO:<user@local.test>\r\nDATA\r\n";

// The settings every case starts from (strict profile), built through ApplySet too.
Settings Base() {
  Settings s;
  for (const char* kv : {"hostname=mx.local.test", "local_domains=local.test", "users=user",
                         "aliases=postmaster:user", "listen=127.0.0.1:25",
                         "message_size_max=100000"}) {
    std::string err;
    EXPECT_TRUE(config::ApplySet(&s, kv, &err)) << kv << ": " << err;
  }
  return s;
}

struct Case {
  std::vector<std::string> sets;   // "key=value"; the first names the key under test
  std::vector<std::string> parts;  // fed after the greeting, each as one Feed
  int last = 0;                    // final reply code (0: not checked)
  std::string out;                 // substring of the server output ("": not checked)
  std::string not_out;             // must not appear in the output
  int messages = -1;               // SubmitMessage count (-1: not checked)
  std::string data;                // substring of the first message's data
  int closes = -1;                 // Close actions (-1: not checked)
  std::string early;               // fed before the greeting (early talker)
  bool tls = false;                // a certificate is loaded (STARTTLS may be offered)
  bool timeout = false;            // the idle timeout fires after the parts
  std::string anomaly;             // "long-line": that anomaly was counted in message 0
};

struct Outcome {
  std::string out;
  std::vector<SubmitMessage> messages;
  int closes = 0;
};

Outcome Execute(const Settings& s, const Case& c, bool bytewise) {
  ConfigOracle oracle(s);
  SessionInfo info;
  info.client_ip = "192.0.2.7";
  info.local_ip = "127.0.0.1";
  info.rdns = "client.example";
  info.tls_available = c.tls;
  info.now = [] { return std::int64_t{1704189605}; };
  info.session_id = "S1";
  Session session(s, info, oracle);
  Outcome r;
  auto drain = [&] {
    for (int round = 0; round < 4; ++round) {
      r.out += session.TakeOutput();
      std::vector<Action> acts = session.TakeActions();
      if (acts.empty()) break;
      for (Action& a : acts) {
        if (auto* m = std::get_if<SubmitMessage>(&a)) {
          r.messages.push_back(*m);
          session.SubmitDone(true, "Q" + std::to_string(r.messages.size()));
        } else if (std::holds_alternative<StartTls>(a)) {
          session.StartTlsDone(true);
        } else {
          ++r.closes;
        }
      }
    }
  };
  if (!c.early.empty()) session.Feed(c.early);
  session.Greeting();
  drain();
  for (const std::string& p : c.parts) {
    if (bytewise) {
      for (char ch : p) {
        session.Feed(std::string_view(&ch, 1));
        drain();
      }
    } else {
      session.Feed(p);
      drain();
    }
  }
  if (c.timeout) session.Timeout();
  drain();
  return r;
}

int LastCode(std::string_view out) {
  int code = 0;
  while (!out.empty()) {
    reply::Reply r = reply::ParseReply(out);
    if (r.raw.empty()) break;
    code = r.code;
    out.remove_prefix(r.raw.size());
  }
  return code;
}

std::string Key(const Case& c) { return c.sets[0].substr(0, c.sets[0].find('=')); }
std::string Value(const Case& c) { return c.sets[0].substr(c.sets[0].find('=') + 1); }

std::string Lines(int n, const std::string& line) {
  std::string s;
  for (int i = 0; i < n; ++i) s += line;
  return s;
}

const std::string kRecv = "Received: from x by y; Tue, 02 Jan 2024 10:00:05 +0000\r\n";
const std::string kNul("x\0y\r\n.\r\n", 8);

// clang-format off
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const std::vector<Case>& Cases() {
  static const std::vector<Case> k = {
    // --- profile (preset of every switch) ---
    {.sets = {"profile=strict"}, .parts = {kEhlo}, .out = "250-ENHANCEDSTATUSCODES\r\n"},
    {.sets = {"profile=qmail"}, .parts = {kEhlo}, .out = "220 mx.local.test ESMTP\r\n250-mx.local.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"},
    {.sets = {"profile=hardened"}, .parts = {}, .out = "554 5.5.0 ", .closes = 1, .early = "EHLO early.test\r\n"},
    {.sets = {"profile=interop"}, .parts = {kEhlo, kTx, "a\nb\r\n.\r\n"}, .last = 250, .messages = 1, .data = "a\r\nb\r\n"},
    // --- identity ---
    {.sets = {"hostname=other.test"}, .parts = {}, .out = "220 other.test ESMTP\r\n"},
    {.sets = {"greeting=Hello there"}, .parts = {}, .out = "220 mx.local.test Hello there\r\n"},
    {.sets = {"local_domains=other.test"}, .parts = {kEhlo, kMail + "RCPT TO:<user@other.test>\r\n"}, .last = 250},
    {.sets = {"local_domains="}, .parts = {kEhlo, kMail + "RCPT TO:<user@local.test>\r\n"}, .last = 550, .out = "5.7.1 "},
    {.sets = {"users=bob"}, .parts = {kEhlo, kMail + "RCPT TO:<bob@local.test>\r\n"}, .last = 250},
    {.sets = {"users=bob:mbox"}, .parts = {kEhlo, kMail + "RCPT TO:<user@local.test>\r\n"}, .last = 550, .out = "5.1.1 "},
    {.sets = {"aliases=info:user"}, .parts = {kEhlo, kMail + "RCPT TO:<Info@local.test>\r\n"}, .last = 250},
    {.sets = {"aliases="}, .parts = {kEhlo, kMail + "RCPT TO:<info@local.test>\r\n"}, .last = 550},
    // G2..: extension separator (the oracle; local delivery: test_refmta.py).
    {.sets = {"extension_separator=-"}, .parts = {kEhlo, kMail + "RCPT TO:<user-list@local.test>\r\n"}, .last = 250},
    {.sets = {"extension_separator=+"}, .parts = {kEhlo, kMail + "RCPT TO:<user+list@local.test>\r\nRCPT TO:<user-list@local.test>\r\n"}, .last = 550, .out = "250 2.1.5 "},
    {.sets = {"extension_separator="}, .parts = {kEhlo, kMail + "RCPT TO:<user-list@local.test>\r\n"}, .last = 550},
    // --- relay (G1) ---
    {.sets = {"trusted_networks=192.0.2.0/24"}, .parts = {kEhlo, kMail + "RCPT TO:<x@sink.test>\r\n"}, .last = 250},
    {.sets = {"trusted_networks=198.51.100.0/24, ::1"}, .parts = {kEhlo, kMail + "RCPT TO:<x@sink.test>\r\n"}, .last = 550},
    {.sets = {"relay_domains=.sink.test"}, .parts = {kEhlo, kMail + "RCPT TO:<x@a.sink.test>\r\nRCPT TO:<x@sink.test>\r\n"}, .last = 550, .out = "250 2.1.5 "},
    {.sets = {"relay_domains=sink.test"}, .parts = {kEhlo, kMail + "RCPT TO:<x@SINK.test>\r\n"}, .last = 250},
    {.sets = {"relay_domains="}, .parts = {kEhlo, kMail + "RCPT TO:<x@a.sink.test>\r\n"}, .last = 550},
    {.sets = {"listen=192.0.2.200:25"}, .parts = {kEhlo, kMail + "RCPT TO:<user@[192.0.2.200]>\r\n"}, .last = 250},
    {.sets = {"listen=0.0.0.0:25"}, .parts = {kEhlo, kMail + "RCPT TO:<user@[0.0.0.0]>\r\nRCPT TO:<user@[192.0.2.200]>\r\n"}, .last = 550, .not_out = "250 2.1.5"},
    // --- limits ---
    {.sets = {"command_line_max=600"}, .parts = {kEhlo, "NOOP " + std::string(700, 'a') + "\r\nNOOP\r\n"}, .out = "500 5.5.2 Line too long\r\n250 2.0.0 Ok\r\n"},
    {.sets = {"command_line_max=2048"}, .parts = {kEhlo, "NOOP " + std::string(700, 'a') + "\r\n"}, .last = 250},
    {.sets = {"text_line_max=998"}, .parts = {kEhlo, kTx, std::string(1500, 'x') + "\r\n.\r\n"}, .last = 250, .messages = 1, .anomaly = "long-line"},
    {.sets = {"text_line_max=2000"}, .parts = {kEhlo, kTx, std::string(1500, 'x') + "\r\n.\r\n"}, .last = 250, .messages = 1, .anomaly = "-long-line"},
    {.sets = {"message_size_max=70000"}, .parts = {kEhlo, kTx, Lines(800, std::string(98, 'x') + "\r\n") + ".\r\n"}, .last = 552, .out = "250-SIZE 70000\r\n", .messages = 0},
    {.sets = {"message_size_max=100000"}, .parts = {kEhlo, kTx, Lines(800, std::string(98, 'x') + "\r\n") + ".\r\n"}, .last = 250, .messages = 1},
    {.sets = {"max_recipients=2"}, .parts = {kEhlo, kMail + Lines(3, "RCPT TO:<user@local.test>\r\n")}, .last = 452, .out = "452 4.5.3 "},
    {.sets = {"max_recipients=3"}, .parts = {kEhlo, kMail + Lines(3, "RCPT TO:<user@local.test>\r\n")}, .last = 250},
    {.sets = {"close_on_errors=3"}, .parts = {"FOO\r\nFOO\r\nFOO\r\nNOOP\r\n"}, .last = 421, .closes = 1},
    {.sets = {"close_on_errors=0"}, .parts = {Lines(40, "FOO\r\n") + "NOOP\r\n"}, .last = 250, .closes = 0},
    // --- switches ---
    // D1
    {.sets = {"unknown_recipient=reject"}, .parts = {kEhlo, kMail + "RCPT TO:<nosuchuser@local.test>\r\n"}, .last = 550, .out = "550 5.1.1 "},
    {.sets = {"unknown_recipient=accept"}, .parts = {kEhlo, kMail + "RCPT TO:<nosuchuser@local.test>\r\n"}, .last = 250},
    // B1
    {.sets = {"bare_lf=reject"}, .parts = {kEhlo, kTx, "a\nb\r\n.\r\nNOOP\r\n"}, .last = 250, .out = "550 5.6.0 ", .messages = 0, .closes = 0},
    {.sets = {"bare_lf=normalize"}, .parts = {kEhlo, kTx, "a\nb\r\n.\r\n"}, .last = 250, .messages = 1, .data = "\r\na\r\nb\r\n"},
    {.sets = {"bare_lf=accept"}, .parts = {kEhlo, kTx, "a\nb\r\n.\r\n"}, .last = 250, .messages = 1, .data = "\r\na\nb\r\n"},
    {.sets = {"bare_lf=close"}, .parts = {kEhlo, kTx, "a\nb\r\n.\r\nNOOP\r\n"}, .last = 451, .messages = 0, .closes = 1},
    // B3
    {.sets = {"bare_cr=reject"}, .parts = {kEhlo, kTx, "a\rb\r\n.\r\n"}, .last = 550, .out = "550 5.6.0 ", .messages = 0},
    {.sets = {"bare_cr=normalize"}, .parts = {kEhlo, kTx, "a\rb\r\n.\r\n"}, .last = 250, .messages = 1, .data = "\r\na\r\nb\r\n"},
    {.sets = {"bare_cr=accept"}, .parts = {kEhlo, kTx, "a\rb\r\n.\r\n"}, .last = 250, .messages = 1, .data = "\r\na\rb\r\n"},
    // B2 (bare LF accepted so that only the variant decides)
    {.sets = {"eod_variants=reject", "bare_lf=accept"}, .parts = {kEhlo, kTx, "a\r\n\n.\nb\r\n.\r\n"}, .last = 550, .out = "550 5.6.0 ", .messages = 0},
    {.sets = {"eod_variants=accept", "bare_lf=accept"}, .parts = {kEhlo, kTx, "a\r\n\n.\nb\r\n.\r\n"}, .last = 250, .messages = 1, .data = "a\r\n\n.\nb\r\n"},
    // B5
    {.sets = {"nul_in_data=accept"}, .parts = {kEhlo, kTx, kNul}, .last = 250, .messages = 1, .data = std::string("x\0y", 3)},
    {.sets = {"nul_in_data=reject"}, .parts = {kEhlo, kTx, kNul}, .last = 550, .messages = 0},
    // A4
    {.sets = {"unknown_command_code=500"}, .parts = {"FOOBAR\r\n"}, .last = 500, .out = "500 5.5.2 "},
    {.sets = {"unknown_command_code=502"}, .parts = {"FOOBAR\r\n"}, .last = 502, .out = "502 5.5.1 "},
    // A1, A6, A9: every leniency (the empty list is the strict grammar)
    {.sets = {"path_leniencies="}, .parts = {kEhlo, "MAIL FROM:a@sink.test\r\nMAIL FROM: <a@sink.test>\r\n"}, .last = 501, .not_out = "250 2.1.0"},
    {.sets = {"path_leniencies=no-angle-brackets"}, .parts = {kEhlo, "MAIL FROM:a@sink.test\r\n"}, .last = 250},
    {.sets = {"path_leniencies=space-after-colon"}, .parts = {kEhlo, "MAIL FROM: <a@sink.test>\r\n"}, .last = 250},
    {.sets = {"path_leniencies=trailing-space"}, .parts = {kEhlo, "MAIL FROM:<a@sink.test> \r\nNOOP \r\n"}, .last = 250, .not_out = "501"},
    {.sets = {"path_leniencies=lf-line-end"}, .parts = {"EHLO h.test\nNOOP\n"}, .last = 250},
    {.sets = {"path_leniencies=8bit-without-smtputf8"}, .parts = {kEhlo, "MAIL FROM:<j\xc3\xb6rg@sink.test>\r\n"}, .last = 250},
    {.sets = {"path_leniencies=comment-in-path"}, .parts = {kEhlo, kMail + "RCPT TO:<user@local.test> (comment)\r\n"}, .last = 250, .not_out = "501"},
    {.sets = {"path_leniencies=extra-space"}, .parts = {kEhlo, "MAIL  FROM:<a@sink.test>\r\n"}, .last = 250},
    {.sets = {"path_leniencies=trailing-dot-domain"}, .parts = {kEhlo, kMail + "RCPT TO:<user@local.test.>\r\nDATA\r\n", "x\r\n.\r\n"}, .last = 250, .messages = 1},
    {.sets = {"path_leniencies=unqualified-mailbox"}, .parts = {kEhlo, kMail + "RCPT TO:<user>\r\n"}, .last = 250},
    {.sets = {"path_leniencies=all"}, .parts = {"EHLO h.test\nMAIL FROM: a@sink.test\n"}, .last = 250},
    // A2
    {.sets = {"helo_required=on"}, .parts = {kMail}, .last = 503},
    {.sets = {"helo_required=off"}, .parts = {kMail}, .last = 250},
    // A3
    {.sets = {"helo_syntax=strict"}, .parts = {"HELO\r\nEHLO bad_name!.test\r\n"}, .last = 501, .not_out = "250"},
    {.sets = {"helo_syntax=any"}, .parts = {"EHLO bad_name!.test\r\n"}, .last = 250},
    // A8
    {.sets = {"nested_mail=reject"}, .parts = {kEhlo, kMail + "MAIL FROM:<b@sink.test>\r\n"}, .last = 503},
    {.sets = {"nested_mail=reset"}, .parts = {kEhlo, kMail + "MAIL FROM:<b@sink.test>\r\n"}, .last = 250},
    // A7
    {.sets = {"unknown_esmtp_param=reject"}, .parts = {kEhlo, "MAIL FROM:<a@sink.test> FOO=BAR\r\n"}, .last = 555},
    {.sets = {"unknown_esmtp_param=ignore"}, .parts = {kEhlo, "MAIL FROM:<a@sink.test> FOO=BAR\r\n"}, .last = 250},
    // F1: the limit, and what counts as a hop
    {.sets = {"hop_limit=3"}, .parts = {kEhlo, kTx, Lines(4, kRecv) + "\r\nx\r\n.\r\n"}, .last = 554, .out = "554 5.4.6 "},
    {.sets = {"hop_limit=4"}, .parts = {kEhlo, kTx, Lines(4, kRecv) + "\r\nx\r\n.\r\n"}, .last = 250, .messages = 1},
    {.sets = {"hop_count=received", "hop_limit=2"}, .parts = {kEhlo, kTx, Lines(2, kRecv) + "Received-SPF: pass\r\nDelivered-To: a@b.test\r\n\r\nx\r\n.\r\n"}, .last = 250, .messages = 1},
    {.sets = {"hop_count=qmail-prefix", "hop_limit=2"}, .parts = {kEhlo, kTx, Lines(2, kRecv) + "Received-SPF: pass\r\n\r\nx\r\n.\r\n"}, .last = 554},
    // A10
    {.sets = {"vrfy=cannot"}, .parts = {"VRFY user\r\n"}, .last = 252},
    {.sets = {"vrfy=disabled"}, .parts = {"VRFY user\r\n"}, .last = 502},
    {.sets = {"vrfy=disclose"}, .parts = {"VRFY user\r\nVRFY nosuchuser\r\n"}, .last = 550, .out = "250 2.1.5 <user>\r\n"},
    {.sets = {"expn=cannot"}, .parts = {"EXPN postmaster\r\n"}, .last = 252},
    {.sets = {"expn=disabled"}, .parts = {"EXPN postmaster\r\n"}, .last = 502},
    {.sets = {"expn=disclose"}, .parts = {"EXPN postmaster\r\n"}, .last = 250, .out = "250 2.1.5 <user>\r\n"},
    // A11
    {.sets = {"postmaster_unqualified=on"}, .parts = {kEhlo, "MAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\n"}, .last = 250},
    {.sets = {"postmaster_unqualified=off"}, .parts = {kEhlo, "MAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\n"}, .last = 550},
    // G6
    {.sets = {"domain_literal_self=on"}, .parts = {kEhlo, kMail + "RCPT TO:<user@[127.0.0.1]>\r\n"}, .last = 250},
    {.sets = {"domain_literal_self=off"}, .parts = {kEhlo, kMail + "RCPT TO:<user@[127.0.0.1]>\r\n"}, .last = 550},
    // G1
    {.sets = {"relay_denied_code=550"}, .parts = {kEhlo, kMail + "RCPT TO:<x@sink.test>\r\n"}, .last = 550, .out = "550 5.7.1 "},
    {.sets = {"relay_denied_code=553"}, .parts = {kEhlo, kMail + "RCPT TO:<x@sink.test>\r\n"}, .last = 553, .out = "553 5.7.1 "},
    {.sets = {"relay_denied_code=454"}, .parts = {kEhlo, kMail + "RCPT TO:<x@sink.test>\r\n"}, .last = 454, .out = "454 4.7.1 "},
    // C2
    {.sets = {"early_talker=ignore"}, .parts = {}, .last = 250, .out = "220 mx.local.test ESMTP\r\n", .closes = 0, .early = kEhlo},
    {.sets = {"early_talker=reject"}, .parts = {}, .last = 554, .not_out = "220 ", .closes = 1, .early = kEhlo},
    {.sets = {"pipelining=on"}, .parts = {kEhlo}, .out = "250-PIPELINING\r\n"},
    {.sets = {"pipelining=off"}, .parts = {kEhlo}, .not_out = "PIPELINING"},
    // C3
    {.sets = {"size=advertise"}, .parts = {kEhlo, "MAIL FROM:<a@sink.test> SIZE=100001\r\n"}, .last = 552, .out = "250-SIZE 100000\r\n"},
    {.sets = {"size=late"}, .parts = {kEhlo, "MAIL FROM:<a@sink.test> SIZE=100001\r\n"}, .last = 555, .not_out = "SIZE"},
    {.sets = {"size=late", "unknown_esmtp_param=ignore"}, .parts = {kEhlo, "MAIL FROM:<a@sink.test> SIZE=100001\r\nRCPT TO:<user@local.test>\r\nDATA\r\n", Lines(1100, std::string(98, 'x') + "\r\n") + ".\r\n"}, .last = 552, .messages = 0},
    // C1: every keyword of the advertise list (and the empty list)
    {.sets = {"advertise="}, .parts = {kEhlo, "MAIL FROM:<a@sink.test> BODY=8BITMIME\r\n"}, .last = 555, .out = "250-PIPELINING\r\n250 SIZE 100000\r\n"},
    {.sets = {"advertise=8bitmime"}, .parts = {kEhlo, "MAIL FROM:<a@sink.test> BODY=8BITMIME\r\n"}, .last = 250, .out = "250 8BITMIME\r\n"},
    {.sets = {"advertise=enhancedstatuscodes"}, .parts = {kEhlo, "NOOP\r\n"}, .out = "ENHANCEDSTATUSCODES\r\n250 2.0.0 Ok\r\n"},
    {.sets = {"advertise=8bitmime"}, .parts = {kEhlo, "NOOP\r\n"}, .out = "\r\n250 Ok\r\n", .not_out = "ENHANCEDSTATUSCODES"},
    {.sets = {"advertise=8bitmime, smtputf8"}, .parts = {kEhlo, "MAIL FROM:<j\xc3\xb6rg@sink.test> SMTPUTF8\r\n"}, .last = 250, .out = "250 SMTPUTF8\r\n"},
    {.sets = {"advertise=8bitmime"}, .parts = {kEhlo, "MAIL FROM:<a@sink.test> SMTPUTF8\r\n"}, .last = 555},
    {.sets = {"advertise=chunking"}, .parts = {kEhlo, kMail + "RCPT TO:<user@local.test>\r\nBDAT 3 LAST\r\nabc"}, .last = 250, .out = "250 CHUNKING\r\n", .messages = 1},
    {.sets = {"advertise=8bitmime"}, .parts = {kEhlo, kMail + "RCPT TO:<user@local.test>\r\nBDAT 3 LAST\r\nNOOP\r\n"}, .last = 250, .out = "502 ", .messages = 0},
    {.sets = {"advertise=8bitmime, chunking, binarymime"}, .parts = {kEhlo, "MAIL FROM:<a@sink.test> BODY=BINARYMIME\r\n"}, .last = 250, .out = "250 BINARYMIME\r\n"},
    {.sets = {"advertise=8bitmime, chunking"}, .parts = {kEhlo, "MAIL FROM:<a@sink.test> BODY=BINARYMIME\r\n"}, .last = 555},
    {.sets = {"advertise=dsn"}, .parts = {kEhlo, "MAIL FROM:<a@sink.test> RET=HDRS\r\n"}, .last = 250, .out = "250 DSN\r\n"},
    {.sets = {"advertise=8bitmime"}, .parts = {kEhlo, "MAIL FROM:<a@sink.test> RET=HDRS\r\n"}, .last = 555},
    {.sets = {"advertise=starttls"}, .parts = {kEhlo, "STARTTLS\r\n"}, .last = 220, .out = "250 STARTTLS\r\n", .tls = true},
    {.sets = {"advertise=8bitmime"}, .parts = {kEhlo, "STARTTLS\r\n"}, .last = 502, .tls = true},
    {.sets = {"advertise=help"}, .parts = {kEhlo}, .out = "250 HELP\r\n"},
    {.sets = {"advertise=8bitmime"}, .parts = {kEhlo}, .not_out = "HELP"},
    // C9
    {.sets = {"reply_style=rfc"}, .parts = {"RCPT TO:<a@b.test>\r\n"}, .out = "503 5.5.1 Need MAIL command\r\n"},
    {.sets = {"reply_style=qmail"}, .parts = {"RCPT TO:<a@b.test>\r\n", kEhlo, "MAIL FROM:<a@sink.test> FOO=BAR\r\n"}, .last = 555, .out = "503 MAIL first (#5.5.1)\r\n", .not_out = "555 5.5.4"},
    // H1
    {.sets = {"received_style=rfc5321"}, .parts = {kEhlo, kTx, "x\r\n.\r\n"}, .messages = 1, .data = "Received: from client.test (client.example [192.0.2.7])\r\n\tby mx.local.test with ESMTP id S1.1;\r\n\tTue, 02 Jan 2024 10:00:05 +0000\r\nx\r\n"},
    {.sets = {"received_style=qmail"}, .parts = {kEhlo, kTx, "x\r\n.\r\n"}, .messages = 1, .data = "Received: from client.example (HELO client.test) (192.0.2.7)\r\n  by mx.local.test with SMTP; 2 Jan 2024 10:00:05 -0000\r\nx\r\n"},
    // I3
    {.sets = {"timeout_code=421"}, .parts = {kEhlo}, .last = 421, .out = "421 4.4.2 mx.local.test Timeout", .closes = 1, .timeout = true},
    {.sets = {"timeout_code=451"}, .parts = {kEhlo}, .last = 451, .out = "451 4.4.2 Timeout", .closes = 1, .timeout = true},
  };
  return k;
}
#pragma GCC diagnostic pop
// clang-format on

// Keys honoured only outside the session (server front, queue, local delivery), with the
// end-to-end test (mta/tests/) that exercises each; keys with no observable behaviour.
const std::map<std::string, std::string>& NotSessionKeys() {
  static const std::map<std::string, std::string> k = {
      {"alias_file", "test_refmta.py::test_alias_file_and_extension_delivery"},
      {"delivered_to_check", "test_refmta.py::test_delivered_to_check_on_and_off"},
      {"return_path_remove", "test_refmta.py::test_return_path_remove_on_and_off"},
      {"connections_max", "test_refmta.py::test_connection_limits_421"},
      {"connections_per_client", "test_refmta.py::test_connection_limits_421"},
      {"idle_timeout", "test_refmta.py::test_idle_timeout_421_and_close"},
      {"smarthost", "test_refmta.py::test_queue_lists_pending_remote_message_across_restart"},
      {"queue_dir", "(queue location; every e2e test)"},
      {"tls_cert", "test_tls.py"},
      {"tls_key", "test_tls.py"},
      {"smtpd_user", "test_privsep.py"},
      {"queue_user", "test_privsep.py"},
      {"mail_user", "test_privsep.py"},
      // Sending side: mta/server/sending_test.cc (scripted SMTP peer, notifications).
      {"retry_policy", "sending_test.cc::SendingOptions.StrictAndQmailValues"},
      {"retry_intervals", "sending_test.cc::SendingOptions.StrictAndQmailValues"},
      {"queue_lifetime", "sending_test.cc::SendingOptions.StrictAndQmailValues"},
      {"concurrency_remote", "sending_test.cc::SendingOptions.StrictAndQmailValues"},
      {"concurrency_per_destination", "sending_test.cc::SendingOptions.StrictAndQmailValues"},
      {"recipients_per_transaction",
       "sending_test.cc::RemoteDelivery.QmailProfileHeloAndOneRecipientPerTransaction"},
      {"bounce_format", "sending_test.cc::Notifications.FailureFormatPerSetting"},
      {"double_bounce", "sending_test.cc::Notifications.DoubleBouncePolicies"},
      {"bounce_size_limit", "sending_test.cc::Notifications.SuccessRelayedAndSizeLimit"},
      {"delay_warnings", "test_sending_bounces.py::test_delay_warning_once_per_notify"},
      {"delay_warning_time", "test_sending_bounces.py::test_delay_warning_once_per_notify"},
      {"bounce_auto_submitted", "sending_test.cc::Notifications.FailureFormatPerSetting"},
      {"smtp_client_greeting",
       "sending_test.cc::RemoteDelivery.DeliveredWithEhloAndOneTransaction, "
       "QmailProfileHeloAndOneRecipientPerTransaction"},
      {"eight_bit_relay", "sending_test.cc::RemoteDelivery.EightBitRelayDowngradeRawBounce"},
      {"tls_client", "sending_test.cc::RemoteDelivery.TlsClientRequiredWithoutStarttlsIsTemporary"},
      {"remote_ipv6", "sending_test.cc::SelfMx.RouteOptionsFollowTheSettings, catalogue j7.*"},
      {"dns_server", "sending_test.cc::RemoteDelivery.RouteBySmarthost"},
      {"remote_user", "sending_test.cc::RemoteProcess.JobOverSocketpairWithMessageFd"},
      // Other transports (smtpd's QMTP/QMQP sessions; remote's QMTP client).
      {"qmtp_listen", "test_sending_qmtp.py::test_qmtp_listener_malformed_netstring_and_delivery"},
      {"qmqp_listen", "test_sending_qmtp.py::test_qmqp_inject_delivered_locally"},
      {"qmqp_clients", "test_sending_qmtp.py::test_qmqp_inject_delivered_locally"},
      {"qmtp_routes", "test_sending_qmtp.py::test_qmtp_route_to_refmta"},
      {"smtp_routes", "sending_test.cc::SmtpRoutes.*, test_sending_routing.py::test_smtp_routes_each_form"},
  };
  return k;
}

// Every expectation of `c` that `r` does not meet ("" when all are met).
std::string Mismatches(const Case& c, const Outcome& r) {
  std::string m;
  if (c.last && LastCode(r.out) != c.last) m += "last reply " + std::to_string(LastCode(r.out)) + "; ";
  if (!c.out.empty() && r.out.find(c.out) == std::string::npos) m += "output lacks the text; ";
  if (!c.not_out.empty() && r.out.find(c.not_out) != std::string::npos) m += "forbidden text; ";
  if (c.messages >= 0 && static_cast<int>(r.messages.size()) != c.messages)
    m += std::to_string(r.messages.size()) + " message(s); ";
  if (!c.data.empty() && (r.messages.empty() || r.messages[0].data.find(c.data) == std::string::npos))
    m += "data lacks the text; ";
  if (c.closes >= 0 && r.closes != c.closes) m += std::to_string(r.closes) + " close(s); ";
  if (!c.anomaly.empty()) {
    auto n = r.messages.empty()
                 ? 0
                 : r.messages[0].anomalies[static_cast<size_t>(data::AnomalyKind::kLongLine)];
    if (r.messages.empty() || (c.anomaly[0] == '-') != (n == 0)) m += "long-line count; ";
  }
  return m;
}

Settings Apply(const std::vector<std::string>& sets) {
  Settings s = Base();
  for (const std::string& kv : sets) {
    std::string err;
    EXPECT_TRUE(config::ApplySet(&s, kv, &err)) << kv << ": " << err;
  }
  return s;
}

class SessionSwitchCase : public ::testing::TestWithParam<size_t> {};

TEST_P(SessionSwitchCase, ValueIsHonoured) {
  const Case& c = Cases()[GetParam()];
  const config::KeyDescriptor* d = config::FindKey(Key(c));
  ASSERT_NE(d, nullptr) << Key(c);
  Settings s = Apply(c.sets);
  // The parsed value reads back (the key really took this value).
  if (d->name != "profile" && Value(c) != "all") {
    Settings again;
    std::string err;
    ASSERT_TRUE(d->set(&again, d->get(s), &err));
    EXPECT_EQ(d->get(again), d->get(s));
  }
  Outcome whole = Execute(s, c, false);
  Outcome bytes = Execute(s, c, true);
  EXPECT_EQ(whole.out, bytes.out);  // framing does not depend on segmentation
  EXPECT_EQ(whole.messages.size(), bytes.messages.size());
  EXPECT_EQ(Mismatches(c, whole), "") << whole.out;
}

// The case distinguishes its value: with the key at another value (the base value, else
// the value of another case for the same key) at least one expectation fails. A value
// that is parsed but then ignored therefore fails ValueIsHonoured or this test.
TEST_P(SessionSwitchCase, OtherValueFailsTheCase) {
  const Case& c = Cases()[GetParam()];
  const config::KeyDescriptor* d = config::FindKey(Key(c));
  ASSERT_NE(d, nullptr);
  const std::string value = d->get(Apply(c.sets));
  std::vector<std::string> rest(c.sets.begin() + 1, c.sets.end());
  std::vector<Settings> others = {Apply(rest)};
  for (const Case& o : Cases()) {
    if (Key(o) != Key(c)) continue;
    std::vector<std::string> sets = rest;
    sets.push_back(o.sets[0]);
    others.push_back(Apply(sets));
  }
  std::string tried;
  for (const Settings& other : others) {
    if (d->get(other) == value) continue;
    if (!Mismatches(c, Execute(other, c, false)).empty()) return;  // distinguished
    tried += " [" + d->get(other) + "]";
  }
  ADD_FAILURE() << "no other value of " << Key(c) << " fails the case of " << c.sets[0]
                << "; passing:" << tried;
}

std::string CaseName(const ::testing::TestParamInfo<size_t>& info) {
  const Case& c = Cases()[info.param];
  std::string n = std::to_string(info.param) + "_" + c.sets[0];
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(EveryKey, SessionSwitchCase,
                         ::testing::Range<size_t>(0, Cases().size()), CaseName);

// Every key of SettingsTable() has cases here (each enumerated value, each list member, two
// values of every number) or a named end-to-end test; a new key without one fails here.
TEST(SessionSwitches, EveryKeyAndValueIsCovered) {
  std::map<std::string, std::set<std::string>> seen;  // key -> values with a case
  for (const Case& c : Cases()) {
    std::string v = Value(c);
    const config::KeyDescriptor* d = config::FindKey(Key(c));
    ASSERT_NE(d, nullptr) << Key(c);
    if (d->type == config::KeyType::kList) {
      // A list case covers each member it names, and "" the empty list.
      std::string item;
      if (v.empty()) seen[Key(c)].insert("");
      for (size_t i = 0; i <= v.size(); ++i) {
        if (i == v.size() || v[i] == ',') {
          while (!item.empty() && item.front() == ' ') item.erase(0, 1);
          if (!item.empty()) seen[Key(c)].insert(item);
          item.clear();
        } else {
          item += v[i];
        }
      }
    } else {
      seen[Key(c)].insert(v);
    }
  }
  for (const config::KeyDescriptor& d : config::SettingsTable()) {
    std::string name(d.name);
    SCOPED_TRACE(name);
    if (NotSessionKeys().count(name)) {
      EXPECT_FALSE(seen.count(name)) << "listed as end-to-end only, but has session cases";
      continue;
    }
    ASSERT_TRUE(seen.count(name)) << "no case for key " << name;
    const std::set<std::string>& vs = seen[name];
    if (d.type == config::KeyType::kEnum || d.type == config::KeyType::kBool) {
      for (auto v : d.values) EXPECT_TRUE(vs.count(std::string(v))) << "no case for " << v;
    } else if (d.type == config::KeyType::kList) {
      for (auto v : d.values) EXPECT_TRUE(vs.count(std::string(v))) << "no case for " << v;
      if (!d.values.empty()) { EXPECT_TRUE(vs.count("")) << "no case for the empty list"; }
    } else if (d.type == config::KeyType::kInt) {
      EXPECT_GE(vs.size(), 2u) << "a number key needs two distinguishing values";
    }
  }
}

// The qmail profile's value of every key is the one SettingsTable documents in its qmail
// column, in FormatConfig and in the Markdown reference; every switch differs from strict
// only where qmail 1.03 does (disputed-points.md A-K).
TEST(SessionSwitches, QmailProfileMatchesDocumentedColumn) {
  const std::map<std::string, std::string> qmail = {
      {"unknown_recipient", "accept"}, {"bare_lf", "close"}, {"bare_cr", "accept"},
      {"eod_variants", "accept"}, {"nul_in_data", "accept"}, {"unknown_command_code", "502"},
      {"path_leniencies",
       "no-angle-brackets, space-after-colon, trailing-space, lf-line-end, "
       "8bit-without-smtputf8, comment-in-path, extra-space, trailing-dot-domain, "
       "unqualified-mailbox"},
      {"helo_required", "off"}, {"helo_syntax", "any"}, {"nested_mail", "reset"},
      {"unknown_esmtp_param", "ignore"}, {"hop_limit", "99"}, {"hop_count", "qmail-prefix"},
      {"delivered_to_check", "on"}, {"return_path_remove", "off"}, {"vrfy", "cannot"}, {"expn", "disabled"},
      {"postmaster_unqualified", "on"}, {"domain_literal_self", "on"},
      {"relay_denied_code", "553"}, {"early_talker", "ignore"}, {"pipelining", "on"},
      {"size", "late"}, {"advertise", "8bitmime"}, {"reply_style", "qmail"},
      {"received_style", "qmail"}, {"timeout_code", "451"}, {"close_on_errors", "0"},
      // Limits tied to a disputed point: the profile keeps the strict values.
      {"command_line_max", "2048"}, {"text_line_max", "998"}, {"message_size_max", "10485760"},
      {"max_recipients", "100"}, {"idle_timeout", "300"},
      // Sending side (qmail-send / qmail-remote).
      {"retry_policy", "qmail"}, {"retry_intervals", "30m, 1h, 2h, 3h"},
      {"queue_lifetime", "604800"}, {"recipients_per_transaction", "1"},
      {"bounce_format", "qsbmf"}, {"double_bounce", "qmail"}, {"bounce_size_limit", "0"},
      {"delay_warnings", "off"}, {"delay_warning_time", "14400"},
      {"bounce_auto_submitted", "off"}, {"smtp_client_greeting", "helo"},
      {"eight_bit_relay", "raw"}, {"tls_client", "off"}, {"remote_ipv6", "off"},
  };
  Settings viaset;
  std::string err;
  ASSERT_TRUE(config::ApplySet(&viaset, "profile=qmail", &err)) << err;
  config::ConfigResult viafile = config::ParseConfig("bare_lf = reject\nprofile = qmail\n");
  ASSERT_TRUE(viafile.ok());
  const std::string md = config::ConfigReferenceMarkdown();
  const std::string doc = config::FormatConfig(Settings{});
  size_t switches = 0;
  for (const config::KeyDescriptor& d : config::SettingsTable()) {
    std::string name(d.name);
    SCOPED_TRACE(name);
    if (d.slug.empty()) continue;  // not a disputed point: the profile keeps it
    ++switches;
    ASSERT_TRUE(qmail.count(name)) << "no documented qmail value for switch " << name;
    EXPECT_EQ(d.QmailValue(), qmail.at(name));
    EXPECT_EQ(d.get(viaset), qmail.at(name));
    if (name != "bare_lf") { EXPECT_EQ(d.get(viafile.settings), qmail.at(name)); }
    EXPECT_NE(doc.find("#   default: " + d.DefaultValue() + "; qmail: " + qmail.at(name) +
                       "\n"),
              std::string::npos);
    std::string qcell = qmail.at(name);
    EXPECT_NE(md.find(" | `" + qcell + "` | "), std::string::npos);
  }
  EXPECT_EQ(viafile.settings.bare_lf, config::BareLfPolicy::kReject);  // the file's key wins
  // Keys that are qmail switches but carry no slug would escape the loop above.
  for (const auto& [name, v] : qmail) {
    const config::KeyDescriptor* d = config::FindKey(name);
    ASSERT_NE(d, nullptr) << name;
    EXPECT_FALSE(d->slug.empty()) << name << " is a switch without a disputed point";
  }
  EXPECT_GE(switches, qmail.size());
  // The qmail profile keeps identity and plain limits.
  Settings kept = Base();
  ASSERT_TRUE(config::ApplySet(&kept, "profile=qmail", &err)) << err;
  EXPECT_EQ(kept.hostname, "mx.local.test");
  EXPECT_EQ(kept.users.size(), 1u);
  EXPECT_EQ(kept.message_size_max, 100000u);
}

// FormatConfig documents every key (its doc line, its values, and for each switch the
// default, qmail value, RFC section and disputed point) and parses back to the same text.
TEST(SessionSwitches, FormatConfigDocumentsEveryKeyWithItsValues) {
  Settings s = Base();
  const std::string f = config::FormatConfig(s);
  for (const config::KeyDescriptor& d : config::SettingsTable()) {
    std::string name(d.name);
    SCOPED_TRACE(name);
    size_t at = f.find("\n" + name + " = " + d.get(s) + "\n");
    ASSERT_NE(at, std::string::npos);
    // The comment block just above the key line.
    size_t start = f.rfind("\n\n", at);
    ASSERT_NE(start, std::string::npos);
    std::string block = f.substr(start, at - start + 1);
    EXPECT_NE(block.find("# " + std::string(d.doc) + "\n"), std::string::npos) << block;
    if (!d.values.empty()) {
      std::string values;
      for (auto v : d.values) values += (values.empty() ? "" : " | ") + std::string(v);
      EXPECT_NE(block.find("#   values: " + values + "\n"), std::string::npos) << block;
    }
    if (!d.slug.empty()) {
      EXPECT_NE(block.find("#   default: " + d.DefaultValue() + "; qmail: " + d.QmailValue()),
                std::string::npos) << block;
      EXPECT_NE(block.find("#   disputed point " + std::string(d.slug) + "\n"),
                std::string::npos) << block;
    }
    if (!d.rfc.empty()) {
      EXPECT_NE(block.find("#   see " + std::string(d.rfc) + "\n"), std::string::npos);
    }
    EXPECT_FALSE(d.doc.empty());
    if (d.type == config::KeyType::kEnum || d.type == config::KeyType::kBool) {
      EXPECT_FALSE(d.values.empty());
    }
  }
  config::ConfigResult r = config::ParseConfig(f);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(config::FormatConfig(r.settings), f);
}

}  // namespace
}  // namespace mta::smtpd
