// command_test.cc: SMTP command lines (RFC 5321 4.1.1, RFC 3030, 3207, 4954, 6531).
#include "mta/lib/smtp/command.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace mta::smtp {
namespace {

ParsedCommand P(std::string_view line, LeniencySet l = {}, bool utf8 = false) {
  return ParseCommand(line, CommandOptions{utf8, l});
}

TEST(CommandTest, EveryVerbCaseInsensitive) {
  struct Case {
    const char* line;
    Verb verb;
  };
  for (const Case& c : {Case{"EHLO h.test\r\n", Verb::kEhlo}, Case{"ehlo [127.0.0.1]\r\n", Verb::kEhlo},
                        Case{"HELO h.test\r\n", Verb::kHelo}, Case{"MAIL FROM:<>\r\n", Verb::kMail},
                        Case{"rcpt to:<a@b.test>\r\n", Verb::kRcpt}, Case{"DATA\r\n", Verb::kData},
                        Case{"RSET\r\n", Verb::kRset}, Case{"VRFY user\r\n", Verb::kVrfy},
                        Case{"EXPN staff list\r\n", Verb::kExpn}, Case{"HELP\r\n", Verb::kHelp},
                        Case{"help MAIL\r\n", Verb::kHelp}, Case{"NOOP\r\n", Verb::kNoop},
                        Case{"NoOp x\r\n", Verb::kNoop}, Case{"QUIT\r\n", Verb::kQuit},
                        Case{"BDAT 0 LAST\r\n", Verb::kBdat}, Case{"StartTLS\r\n", Verb::kStarttls},
                        Case{"AUTH PLAIN\r\n", Verb::kAuth}}) {
    ParsedCommand p = P(c.line);
    EXPECT_TRUE(p.ok) << c.line << ": " << p.error;
    EXPECT_EQ(p.verb, c.verb) << c.line;
    EXPECT_EQ(p.reply_code, 0) << c.line;
    EXPECT_TRUE(p.deviations.empty());
  }
}

TEST(CommandTest, UnknownVerbIs500) {
  for (const char* s : {"FOOBAR\r\n", "XFOO bar\r\n", "\r\n", "MAILFROM:<a@b>\r\n", "TURN\r\n",
                        "DATAX\r\n", " DATA\r\n"}) {
    ParsedCommand p = P(s);
    EXPECT_FALSE(p.ok) << s;
    EXPECT_EQ(p.verb, Verb::kUnknown) << s;
    EXPECT_EQ(p.reply_code, 500) << s;
  }
  ParsedCommand p = P("XFOO bar baz\r\n");
  EXPECT_EQ(p.verb_text, "XFOO");
  EXPECT_EQ(p.argument, "bar baz");
  EXPECT_EQ(p.error, "unrecognised command");
}

TEST(CommandTest, LineEnds) {
  // RFC 5321 2.3.8; disputed-points A1.
  ParsedCommand lf = P("QUIT\n");
  EXPECT_FALSE(lf.ok);
  EXPECT_EQ(lf.reply_code, 500);
  ParsedCommand lenient = P("QUIT\n", {Leniency::kLfLineEnd});
  EXPECT_TRUE(lenient.ok);
  EXPECT_EQ(lenient.deviations, std::vector<Leniency>{Leniency::kLfLineEnd});
  EXPECT_FALSE(P("QUIT", LeniencySet::All()).ok);
  EXPECT_EQ(P("QUIT", LeniencySet::All()).reply_code, 500);
  EXPECT_FALSE(P("QUIT\r", LeniencySet::All()).ok);
  EXPECT_FALSE(P("QUIT\r\r\n", LeniencySet::All()).ok);
  EXPECT_FALSE(P("NOOP a\rb\r\n", LeniencySet::All()).ok);
  EXPECT_FALSE(P("NOOP a\nb\r\n", LeniencySet::All()).ok);
  EXPECT_FALSE(P("MAIL FROM:<a@b.test>\n", {}).ok);
  EXPECT_TRUE(P("MAIL FROM:<a@b.test>\n", {Leniency::kLfLineEnd}).ok);
}

TEST(CommandTest, TrailingSpace) {
  for (const char* s : {"QUIT \r\n", "DATA\t\r\n", "MAIL FROM:<a@b.test> \r\n",
                        "RCPT TO:<a@b.test> NOTIFY=NEVER  \r\n", "EHLO h.test \r\n"}) {
    ParsedCommand strict = P(s);
    EXPECT_FALSE(strict.ok) << s;
    EXPECT_EQ(strict.reply_code, 501) << s;
    ParsedCommand l = P(s, {Leniency::kTrailingSpace});
    EXPECT_TRUE(l.ok) << s << l.error;
    EXPECT_EQ(l.deviations, std::vector<Leniency>{Leniency::kTrailingSpace}) << s;
  }
}

TEST(CommandTest, MailFrom) {
  ParsedCommand p = P("MAIL FROM:<a@sink.test> SIZE=1000 BODY=8BITMIME\r\n");
  ASSERT_TRUE(p.ok) << p.error;
  ASSERT_TRUE(p.path.has_value());
  EXPECT_EQ(p.path->local_part, "a");
  EXPECT_EQ(p.path->domain, "sink.test");
  ASSERT_EQ(p.params.size(), 2u);
  EXPECT_EQ(*p.known_params.size, 1000u);
  EXPECT_EQ(p.argument, "FROM:<a@sink.test> SIZE=1000 BODY=8BITMIME");
  EXPECT_TRUE(P("mail from:<>\r\n").path->is_null);
  EXPECT_TRUE(P("MAIL FROM:<@a.test:u@b.test>\r\n").ok);
  for (const char* s : {"MAIL\r\n", "MAIL FROM\r\n", "MAIL FROM:\r\n", "MAIL TO:<a@b.test>\r\n",
                        "MAIL FROM :<a@b.test>\r\n", "MAIL FROM:<a@b.test>SIZE=1\r\n",
                        "MAIL FROM:<a b@c.test>\r\n", "MAIL FROM:<Postmaster>\r\n"}) {
    ParsedCommand q = P(s);
    EXPECT_FALSE(q.ok) << s;
    EXPECT_EQ(q.reply_code, 501) << s;
  }
}

TEST(CommandTest, RcptTo) {
  ParsedCommand p = P("RCPT TO:<Postmaster>\r\n");
  ASSERT_TRUE(p.ok);
  EXPECT_TRUE(p.path->is_postmaster);
  EXPECT_TRUE(P("RCPT TO:<POSTMASTER@local.test>\r\n").ok);
  EXPECT_FALSE(P("RCPT TO:<>\r\n").ok);
  ParsedCommand n = P("RCPT TO:<nosuchuser@local.test> NOTIFY=NEVER ORCPT=rfc822;nosuchuser@local.test\r\n");
  ASSERT_TRUE(n.ok) << n.error;
  EXPECT_TRUE(n.known_params.notify->never);
  EXPECT_EQ(n.known_params.orcpt->address, "nosuchuser@local.test");
  ParsedCommand bad = P("RCPT TO:<a@b.test> NOTIFY=NEVER,SUCCESS\r\n");
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.reply_code, 501);
}

TEST(CommandTest, PathLeniencies) {
  // disputed-points A6.
  struct Case {
    const char* line;
    Leniency needed;
  };
  for (const Case& c :
       {Case{"MAIL FROM: <a@sink.test>\r\n", Leniency::kSpaceAfterColon},
        Case{"MAIL FROM:a@sink.test\r\n", Leniency::kNoAngleBrackets},
        Case{"MAIL FROM:a@sink.test SIZE=10\r\n", Leniency::kNoAngleBrackets},
        Case{"RCPT TO:<user@local.test> (comment)\r\n", Leniency::kCommentInPath},
        Case{"RCPT TO:<\xc3\xbcser@local.test>\r\n", Leniency::k8BitWithoutSmtputf8},
        Case{"MAIL  FROM:<a@sink.test>\r\n", Leniency::kExtraSpace},
        Case{"MAIL FROM:<a@sink.test>  SIZE=1\r\n", Leniency::kExtraSpace},
        Case{"RCPT TO:<x@sink.test.>\r\n", Leniency::kTrailingDotDomain},
        Case{"RCPT TO:<x%sink.test>\r\n", Leniency::kUnqualifiedMailbox},
        Case{"EHLO  h.test\r\n", Leniency::kExtraSpace},
        Case{"BDAT 10  LAST\r\n", Leniency::kExtraSpace},
        Case{"HELO h\xff.test\r\n", Leniency::k8BitWithoutSmtputf8},
        Case{"VRFY \xc3\xbc\r\n", Leniency::k8BitWithoutSmtputf8}}) {
    ParsedCommand s = P(c.line);
    EXPECT_FALSE(s.ok) << c.line;
    EXPECT_EQ(s.reply_code, 501) << c.line;
    ParsedCommand l = P(c.line, {c.needed});
    EXPECT_TRUE(l.ok) << c.line << ": " << l.error;
    EXPECT_EQ(l.deviations, std::vector<Leniency>{c.needed}) << c.line;
    ParsedCommand a = P(c.line, LeniencySet::All());
    EXPECT_TRUE(a.ok) << c.line;
    EXPECT_EQ(a.deviations, std::vector<Leniency>{c.needed}) << c.line;
  }
}

TEST(CommandTest, SpacesBeforeCommentNeedExtraSpace) {
  // RFC 5321 4.1.1.2: one SP at most after the path; with only comment-in-path on, a run of
  // SP before the comment is refused rather than reported as an extra-space deviation.
  const char* line = "MAIL FROM:<>  (<a mment)\r\n";
  ParsedCommand c = P(line, {Leniency::kCommentInPath});
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.reply_code, 501);
  ParsedCommand both = P(line, {Leniency::kCommentInPath, Leniency::kExtraSpace});
  ASSERT_TRUE(both.ok) << both.error;
  EXPECT_EQ(both.deviations,
            (std::vector<Leniency>{Leniency::kCommentInPath, Leniency::kExtraSpace}));
  ASSERT_TRUE(both.path.has_value());
  EXPECT_TRUE(both.path->is_null);
}

TEST(CommandTest, ControlCharactersAre501) {
  // disputed-points A9-T2; RFC 5321 4.1.2.
  ParsedCommand p = P("RCPT TO:<us\x01er@local.test>\r\n", LeniencySet::All());
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.reply_code, 501);
  EXPECT_FALSE(P(std::string("MAIL FROM:<a\0b@c.test>\r\n", 24), LeniencySet::All()).ok);
}

TEST(CommandTest, Smtputf8) {
  // RFC 6531: with SMTPUTF8 in force a UTF-8 RCPT is fine.
  ParsedCommand r = P("RCPT TO:<\xc3\xbc@local.test>\r\n", {}, true);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.deviations.empty());
  ParsedCommand m = P("MAIL FROM:<\xc3\xbc@sink.test> SMTPUTF8\r\n", {}, true);
  ASSERT_TRUE(m.ok) << m.error;
  EXPECT_TRUE(m.known_params.smtputf8);
  // Advertised, but the MAIL lacks the SMTPUTF8 parameter: 553 (RFC 6531 3.5).
  ParsedCommand n = P("MAIL FROM:<\xc3\xbc@sink.test>\r\n", {}, true);
  EXPECT_FALSE(n.ok);
  EXPECT_EQ(n.reply_code, 553);
  // Not advertised: 501 (RFC 5321 4.1.2).
  EXPECT_EQ(P("MAIL FROM:<\xc3\xbc@sink.test> SMTPUTF8\r\n").reply_code, 501);
  // SMTPUTF8 takes no value (disputed-points C11-T3).
  EXPECT_EQ(P("MAIL FROM:<a@sink.test> SMTPUTF8=yes\r\n", {}, true).reply_code, 501);
}

TEST(CommandTest, ParameterReplyCodes) {
  // disputed-points A7.
  ParsedCommand u = P("MAIL FROM:<a@sink.test> FOO=BAR\r\n");
  EXPECT_TRUE(u.ok);
  EXPECT_EQ(u.reply_code, 555);
  ASSERT_EQ(u.known_params.unknown.size(), 1u);
  EXPECT_EQ(u.known_params.unknown[0].value, "BAR");
  ParsedCommand d = P("MAIL FROM:<a@sink.test> SIZE=1000 SIZE=2000\r\n");
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.reply_code, 501);
  EXPECT_EQ(P("MAIL FROM:<a@sink.test> RET=FULL RET=HDRS\r\n").reply_code, 501);
  EXPECT_EQ(P("MAIL FROM:<a@sink.test> BODY=9BIT\r\n").reply_code, 504);
  EXPECT_EQ(P("MAIL FROM:<a@sink.test> RET=HDRS ENVID=abc+2B1\r\n").reply_code, 0);
}

TEST(CommandTest, HeloEhloArguments) {
  // disputed-points A3.
  EXPECT_EQ(P("HELO\r\n").reply_code, 501);
  EXPECT_EQ(P("EHLO\r\n").reply_code, 501);
  EXPECT_EQ(P("EHLO bad_name!.test\r\n").reply_code, 501);
  EXPECT_TRUE(P("EHLO [IPv6:::1]\r\n").ok);
  EXPECT_FALSE(P("HELO [127.0.0.1]\r\n").ok);
  EXPECT_FALSE(P("EHLO [300.0.0.1]\r\n").ok);
  EXPECT_FALSE(P("EHLO a.test b.test\r\n").ok);
  EXPECT_EQ(P("EHLO h.test\r\n").argument, "h.test");
}

TEST(CommandTest, NoArgumentVerbs) {
  for (const char* s : {"DATA x\r\n", "RSET x\r\n", "QUIT now\r\n", "STARTTLS x\r\n"}) {
    ParsedCommand p = P(s);
    EXPECT_FALSE(p.ok) << s;
    EXPECT_EQ(p.reply_code, 501) << s;
  }
  EXPECT_FALSE(P("VRFY\r\n").ok);
  EXPECT_FALSE(P("EXPN\r\n").ok);
}

TEST(CommandTest, Bdat) {
  ParsedCommand p = P("BDAT 5\r\n");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.bdat_size, 5u);
  EXPECT_FALSE(p.bdat_last);
  ParsedCommand l = P("bdat 2 last\r\n");
  ASSERT_TRUE(l.ok);
  EXPECT_TRUE(l.bdat_last);
  EXPECT_EQ(l.bdat_size, 2u);
  EXPECT_EQ(P("BDAT 18446744073709551615\r\n").bdat_size, UINT64_MAX);
  for (const char* s : {"BDAT\r\n", "BDAT x\r\n", "BDAT -1\r\n", "BDAT 1 FIRST\r\n",
                        "BDAT 18446744073709551616\r\n", "BDAT 1 LAST x\r\n"}) {
    EXPECT_FALSE(P(s).ok) << s;
    EXPECT_EQ(P(s).reply_code, 501) << s;
  }
}

TEST(CommandTest, Auth) {
  ParsedCommand p = P("AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.auth_mechanism, "PLAIN");
  EXPECT_EQ(*p.auth_initial_response, "dGVzdAB0ZXN0AHRlc3Q=");
  EXPECT_TRUE(P("AUTH EXTERNAL =\r\n").ok);
  EXPECT_TRUE(P("AUTH SCRAM-SHA-256\r\n").ok);
  for (const char* s : {"AUTH\r\n", "AUTH PL@IN\r\n", "AUTH PLAIN abc\r\n", "AUTH PLAIN a=bc\r\n",
                        "AUTH ABCDEFGHIJKLMNOPQRSTU\r\n"}) {
    EXPECT_FALSE(P(s).ok) << s;
  }
}

TEST(CommandTest, CommandLineLimitIsAFinding) {
  std::string line = "NOOP " + std::string(505, 'x') + "\r\n";  // 512 octets
  ASSERT_EQ(line.size(), 512u);
  EXPECT_TRUE(P(line).limit_findings.empty());
  std::string longer = "NOOP " + std::string(506, 'x') + "\r\n";
  ParsedCommand p = P(longer);
  EXPECT_TRUE(p.ok);
  ASSERT_EQ(p.limit_findings.size(), 1u);
  EXPECT_EQ(p.limit_findings[0].limit, Limit::kCommandLine);
  EXPECT_EQ(p.limit_findings[0].actual, 513u);
  EXPECT_EQ(p.limit_findings[0].reply_code, 500);
  // disputed-points A7-T3: a 1000-octet local part.
  ParsedCommand m = P("MAIL FROM:<" + std::string(1000, 'a') + "@sink.test>\r\n");
  EXPECT_TRUE(m.ok);
  ASSERT_EQ(m.limit_findings.size(), 3u);
  EXPECT_EQ(m.limit_findings[0].limit, Limit::kCommandLine);
  EXPECT_EQ(m.limit_findings[1].limit, Limit::kLocalPart);
  EXPECT_EQ(m.limit_findings[2].limit, Limit::kPath);
}

TEST(CommandTest, FormatCanonical) {
  EXPECT_EQ(FormatCommand(P("mail from:<a@b.test> size=10 foo\r\n")),
            "MAIL FROM:<a@b.test> SIZE=10 FOO\r\n");
  EXPECT_EQ(FormatCommand(P("MAIL FROM: a@b.test\n", LeniencySet::All())),
            "MAIL FROM:<a@b.test>\r\n");
  EXPECT_EQ(FormatCommand(P("bdat 7 last\r\n")), "BDAT 7 LAST\r\n");
  EXPECT_EQ(FormatCommand(P("quit\r\n")), "QUIT\r\n");
  EXPECT_EQ(FormatCommand(P("auth plain =\r\n")), "AUTH PLAIN =\r\n");
  EXPECT_EQ(FormatCommand(P("rcpt to:<postmaster>\r\n")), "RCPT TO:<postmaster>\r\n");
}

// ---- RapidCheck: parse(format(x)) == x for every verb ------------------------------------

rc::Gen<std::string> GenWord() {
  return rc::gen::map(rc::gen::nonEmpty(rc::gen::container<std::string>(
                          rc::gen::elementOf(std::string("abcxyz0189")))),
                      [](std::string s) { return s.substr(0, 12); });
}

rc::Gen<ParsedCommand> GenCommand() {
  return rc::gen::exec([] {
    ParsedCommand c;
    c.ok = true;
    int kind = *rc::gen::inRange(0, 14);
    switch (kind) {
      case 0: c.verb = Verb::kEhlo; c.argument = *GenWord() + ".test"; break;
      case 1: c.verb = Verb::kHelo; c.argument = *GenWord() + ".test"; break;
      case 2:
      case 3: {
        bool mail = kind == 2;
        c.verb = mail ? Verb::kMail : Verb::kRcpt;
        ParsedPath p;
        p.ok = true;
        if (mail && *rc::gen::inRange(0, 4) == 0) {
          p.is_null = true;
        } else {
          p.local_part = QuoteLocalPart(
              *rc::gen::container<std::string>(rc::gen::inRange<char>(32, 127)));
          p.domain = *GenWord() + "." + *GenWord();
          if (*rc::gen::inRange(0, 3) == 0) p.route = {*GenWord(), *GenWord() + ".test"};
        }
        c.path = p;
        std::vector<std::string> keys =
            mail ? std::vector<std::string>{"SIZE=12", "BODY=8BITMIME", "RET=HDRS",
                                            "ENVID=x+2By", "AUTH=<>", "X-FOO=1", "XBAR"}
                 : std::vector<std::string>{"NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;a+40b",
                                            "X-FOO=2"};
        for (const std::string& k : keys) {
          if (*rc::gen::inRange(0, 2) == 0) continue;
          EsmtpParam e;
          std::size_t eq = k.find('=');
          e.keyword = e.keyword_upper = k.substr(0, eq);
          if (eq != std::string::npos) e.value = k.substr(eq + 1);
          c.params.push_back(e);
        }
        break;
      }
      case 4: c.verb = Verb::kData; break;
      case 5: c.verb = Verb::kRset; break;
      case 6: c.verb = Verb::kVrfy; c.argument = *GenWord(); break;
      case 7: c.verb = Verb::kExpn; c.argument = *GenWord() + " " + *GenWord(); break;
      case 8: c.verb = Verb::kHelp; if (*rc::gen::arbitrary<bool>()) c.argument = *GenWord(); break;
      case 9: c.verb = Verb::kNoop; break;
      case 10: c.verb = Verb::kQuit; break;
      case 11:
        c.verb = Verb::kBdat;
        c.bdat_size = *rc::gen::arbitrary<std::uint64_t>();
        c.bdat_last = *rc::gen::arbitrary<bool>();
        break;
      case 12: c.verb = Verb::kStarttls; break;
      default:
        c.verb = Verb::kAuth;
        c.auth_mechanism = *rc::gen::element(std::string("PLAIN"), std::string("LOGIN"),
                                             std::string("CRAM-MD5"));
        if (*rc::gen::arbitrary<bool>()) c.auth_initial_response = "dGVzdA==";
        break;
    }
    c.verb_text = std::string(VerbName(c.verb));
    return c;
  });
}

RC_GTEST_PROP(CommandProperty, ParseFormatRoundTrip, ()) {
  ParsedCommand x = *GenCommand();
  std::string line = FormatCommand(x);
  ParsedCommand y = ParseCommand(line, CommandOptions{});
  RC_ASSERT(y.ok);
  RC_ASSERT(SameCommand(x, y));
  RC_ASSERT(y.deviations.empty());
  RC_ASSERT(FormatCommand(y) == line);
  ParsedCommand z = ParseCommand(line, CommandOptions{false, LeniencySet::All()});
  RC_ASSERT(z.ok);
  RC_ASSERT(SameCommand(y, z));
  RC_ASSERT(z.deviations.empty());
  RC_ASSERT(z.reply_code == y.reply_code);
}

}  // namespace
}  // namespace mta::smtp
