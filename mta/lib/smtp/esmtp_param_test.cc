// esmtp_param_test.cc: ESMTP parameter syntax, known keywords, xtext.
#include "mta/lib/smtp/esmtp_param.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "mta/lib/smtp/xtext.h"

namespace mta::smtp {
namespace {

std::vector<EsmtpParam> Split(std::string_view text, bool* ok = nullptr,
                              LeniencySet len = {}, bool smtputf8 = false) {
  std::vector<EsmtpParam> out;
  LeniencySet dev;
  std::string err;
  bool r = SplitEsmtpParams(text, NonAsciiPolicy{smtputf8, false}, len, &out, &dev, &err);
  if (ok) *ok = r;
  return out;
}

ParamsResult Mail(std::string_view text) {
  bool ok = false;
  auto ps = Split(text, &ok);
  EXPECT_TRUE(ok) << text;
  return InterpretParams(ParamContext::kMail, ps);
}
ParamsResult Rcpt(std::string_view text) {
  bool ok = false;
  auto ps = Split(text, &ok);
  EXPECT_TRUE(ok) << text;
  return InterpretParams(ParamContext::kRcpt, ps);
}

TEST(EsmtpParamTest, SplitKeepsKeywordAndValue) {
  bool ok = false;
  auto ps = Split("size=10 X-Foo=bar BODY", &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(ps.size(), 3u);
  EXPECT_EQ(ps[0].keyword, "size");
  EXPECT_EQ(ps[0].keyword_upper, "SIZE");
  EXPECT_EQ(ps[0].value, "10");
  EXPECT_EQ(ps[1].keyword_upper, "X-FOO");
  EXPECT_FALSE(ps[2].value.has_value());
  EXPECT_EQ(FormatEsmtpParam(ps[0]), "SIZE=10");
}

TEST(EsmtpParamTest, SplitSyntaxErrors) {
  for (const char* s : {"-X=1", "=1", "X=", "X=a=b", "X=a\x01", "X_Y=1", "A  B", "X=\xc3\xbc"}) {
    bool ok = true;
    Split(s, &ok);
    EXPECT_FALSE(ok) << s;
  }
  bool ok = false;
  Split("A  B", &ok, {Leniency::kExtraSpace});
  EXPECT_TRUE(ok);
  Split("X=\xc3\xbc", &ok, {}, true);
  EXPECT_TRUE(ok);
  Split("X=\xc3", &ok, {}, true);
  EXPECT_FALSE(ok);
}

TEST(EsmtpParamTest, KnownMailParams) {
  ParamsResult r = Mail("SIZE=1000 BODY=8bitmime SMTPUTF8 RET=hdrs ENVID=abc+2B1 AUTH=<>");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.reply_code, 0);
  EXPECT_EQ(*r.known.size, 1000u);
  EXPECT_EQ(*r.known.body, Body::k8BitMime);
  EXPECT_TRUE(r.known.smtputf8);
  EXPECT_EQ(*r.known.ret, Ret::kHdrs);
  EXPECT_EQ(*r.known.envid, "abc+1");
  EXPECT_EQ(*r.known.auth, "<>");
  EXPECT_EQ(*Mail("AUTH=e+3Dmc2@x.test").known.auth, "e=mc2@x.test");
  EXPECT_EQ(*Mail("SIZE=99999999999999999999").known.size, UINT64_MAX);
  EXPECT_EQ(*Mail("BODY=BINARYMIME").known.body, Body::kBinaryMime);
  EXPECT_EQ(*Mail("BODY=7bit").known.body, Body::k7Bit);
}

TEST(EsmtpParamTest, KnownRcptParams) {
  ParamsResult r = Rcpt("NOTIFY=SUCCESS,delay ORCPT=rfc822;nosuchuser+40local.test");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.known.notify->success);
  EXPECT_TRUE(r.known.notify->delay);
  EXPECT_FALSE(r.known.notify->failure);
  EXPECT_EQ(r.known.orcpt->addr_type, "rfc822");
  EXPECT_EQ(r.known.orcpt->address, "nosuchuser@local.test");
  EXPECT_TRUE(Rcpt("NOTIFY=NEVER").known.notify->never);
}

TEST(EsmtpParamTest, InvalidValuesAre501) {
  for (const char* s :
       {"SIZE=abc", "SIZE", "SIZE=123456789012345678901", "SIZE=1 SIZE=2", "RET=FULL RET=HDRS",
        "RET=ALL", "RET", "SMTPUTF8=yes", "SMTPUTF8 SMTPUTF8", "ENVID=a+2b", "ENVID",
        "ENVID=a ENVID=b", "AUTH=a+", "BODY", "BODY=8BITMIME BODY=7BIT"}) {
    ParamsResult r = Mail(s);
    EXPECT_FALSE(r.ok) << s;
    EXPECT_EQ(r.reply_code, 501) << s;
  }
  EXPECT_FALSE(Mail("ENVID=" + std::string(101, 'a')).ok);
  EXPECT_TRUE(Mail("ENVID=" + std::string(100, 'a')).ok);
  for (const char* s : {"NOTIFY=NEVER,SUCCESS", "NOTIFY=SUCCESS,SUCCESS", "NOTIFY",
                        "NOTIFY=SOMETIMES", "NOTIFY=SUCCESS,", "ORCPT=rfc822", "ORCPT=;a",
                        "ORCPT=rfc822;", "ORCPT=rfc822;a+zz", "NOTIFY=DELAY NOTIFY=FAILURE",
                        "ORCPT=a(b;c"}) {
    ParamsResult r = Rcpt(s);
    EXPECT_FALSE(r.ok) << s;
    EXPECT_EQ(r.reply_code, 501) << s;
  }
  EXPECT_FALSE(Rcpt("ORCPT=rfc822;" + std::string(500, 'a')).ok);
}

TEST(EsmtpParamTest, UnknownBodyValueIs504) {
  ParamsResult r = Mail("BODY=9BIT");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reply_code, 504);
}

TEST(EsmtpParamTest, UnknownParamsKeptAnd555) {
  ParamsResult r = Mail("FOO=BAR SIZE=1 x-y");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.reply_code, 555);
  ASSERT_EQ(r.known.unknown.size(), 2u);
  EXPECT_EQ(r.known.unknown[0].keyword, "FOO");
  EXPECT_EQ(r.known.unknown[0].value, "BAR");
  EXPECT_EQ(r.known.unknown[1].keyword, "x-y");
  // Known keywords on the wrong command are unrecognised there.
  EXPECT_EQ(Mail("NOTIFY=NEVER").reply_code, 555);
  EXPECT_EQ(Rcpt("SIZE=10").reply_code, 555);
  EXPECT_EQ(Rcpt("SMTPUTF8").reply_code, 555);
  // Duplicate unknown parameters are kept, not an error.
  EXPECT_EQ(Mail("FOO=1 FOO=2").known.unknown.size(), 2u);
}

TEST(XtextTest, DecodeEncode) {
  EXPECT_EQ(*XtextDecode("a+2Bb"), "a+b");
  EXPECT_EQ(*XtextDecode(""), "");
  EXPECT_FALSE(XtextDecode("a+2b"));  // lower-case hex not allowed
  EXPECT_FALSE(XtextDecode("a+2"));
  EXPECT_FALSE(XtextDecode("+"));
  EXPECT_FALSE(XtextDecode("a=b"));
  EXPECT_FALSE(XtextDecode("a b"));
  EXPECT_FALSE(XtextDecode("\xc3\xbc"));
  EXPECT_EQ(XtextEncode("a+b=c d"), "a+2Bb+3Dc+20d");
  EXPECT_EQ(XtextEncode(std::string("\0\xff", 2)), "+00+FF");
  EXPECT_TRUE(IsXtext("rfc822"));
}

RC_GTEST_PROP(XtextProperty, RoundTrip, (std::string s)) {
  std::string e = XtextEncode(s);
  RC_ASSERT(IsXtext(e));
  RC_ASSERT(*XtextDecode(e) == s);
}

}  // namespace
}  // namespace mta::smtp
