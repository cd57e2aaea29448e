// classify_test.cc: the bounce classifier on synthetic messages, our own generated bounces
// and the external bounceparser corpus (../shared/corpora/bounceparser, skipped if absent).
#include "mta/lib/dsn/classify.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "mta/lib/dsn/dsn3464.h"
#include "mta/lib/dsn/dsn_testing.h"
#include "mta/lib/report/qsbmf.h"

namespace mta::dsn {
namespace {

namespace fs = std::filesystem;
using report::Action;

const char* const kCorpus = MTA_SOURCE_ROOT "/../shared/corpora/bounceparser";

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string LowerCopy(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Independent of the MIME code: per delivery-status part (a "Content-Type:
// message/delivery-status" line), the number of "Final-Recipient:" lines before the next
// boundary line. Returns -1 when there is no such part.
int CountRecipientLines(const std::string& msg) {
  std::istringstream in(msg);
  std::string line;
  int parts = 0;
  int count = 0;
  bool inside = false;
  while (std::getline(in, line)) {
    std::string l = LowerCopy(line);
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (l.rfind("content-type:", 0) == 0 &&
        (l.find("message/delivery-status") != std::string::npos ||
         l.find("message/global-delivery-status") != std::string::npos)) {
      inside = true;
      ++parts;
      continue;
    }
    if (inside && l.rfind("--", 0) == 0) inside = false;
    if (inside && l.rfind("final-recipient:", 0) == 0) ++count;
  }
  return parts == 0 ? -1 : count;
}

TEST(FormatName, AllFive) {
  EXPECT_EQ(FormatName(BounceFormat::kQsbmf), "qsbmf");
  EXPECT_EQ(FormatName(BounceFormat::kRfc3464), "rfc3464");
  EXPECT_EQ(FormatName(BounceFormat::kOtherReport), "other-report");
  EXPECT_EQ(FormatName(BounceFormat::kVendorText), "vendor-text");
  EXPECT_EQ(FormatName(BounceFormat::kNotABounce), "not-a-bounce");
}

report::DeliveryReport Failure() {
  report::DeliveryReport r;
  r.reporting_mta = {"dns", "mx.local.test"};
  report::RecipientReport rr;
  rr.final_recipient = {"rfc822", "nosuchuser@local.test"};
  rr.status = "5.1.1";
  r.recipients.push_back(rr);
  r.return_path = "sender@example.test";
  return r;
}

TEST(ClassifyBounce, OurRfc3464) {
  BounceAnalysis a = ClassifyBounce(GenerateDsn(Failure(), testing::kOriginal, testing::FixedEnv()));
  EXPECT_EQ(a.format, BounceFormat::kRfc3464);
  ASSERT_TRUE(a.report);
  EXPECT_EQ(a.reporting_mta, "mx.local.test");
  ASSERT_EQ(Recipients(a).size(), 1u);
  EXPECT_EQ(Recipients(a)[0].address, "nosuchuser@local.test");
  EXPECT_TRUE(a.violations.empty());
}

TEST(ClassifyBounce, OurQsbmf) {
  std::string q = report::GenerateQsbmf(Failure(), "Subject: x\n\nbody\n", testing::FixedEnv());
  BounceAnalysis a = ClassifyBounce(q);
  EXPECT_EQ(a.format, BounceFormat::kQsbmf);
  ASSERT_TRUE(a.report);
  ASSERT_EQ(a.report->recipients.size(), 1u);
  EXPECT_EQ(a.report->recipients[0].final_recipient.value, "nosuchuser@local.test");
  EXPECT_EQ(a.report->recipients[0].status, "5.1.1");
}

TEST(ClassifyBounce, OtherReports) {
  std::string mixed =
      "From: postmaster@a.test\r\nDate: Tue, 02 Jan 2024 10:00:05 +0100\r\n"
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
      "failed\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; a.test\r\n"
      "\r\nFinal-Recipient: rfc822; u@x\r\nAction: failed\r\nStatus: 5.0.0\r\n--b--\r\n";
  BounceAnalysis a = ClassifyBounce(mixed);
  EXPECT_EQ(a.format, BounceFormat::kOtherReport);
  ASSERT_TRUE(a.report);
  EXPECT_EQ(a.report->recipients.size(), 1u);
  EXPECT_TRUE(HasViolation(a.violations, "not-multipart-report"));

  std::string mdn =
      "From: u@a.test\r\nContent-Type: multipart/report; report-type=disposition-notification; "
      "boundary=b\r\n\r\n--b\r\n\r\nread\r\n--b\r\nContent-Type: message/disposition-notification"
      "\r\n\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n--b--\r\n";
  BounceAnalysis m = ClassifyBounce(mdn);
  EXPECT_EQ(m.format, BounceFormat::kOtherReport);
  EXPECT_EQ(m.report_type, "disposition-notification");
  EXPECT_TRUE(Recipients(m).empty());
}

TEST(ClassifyBounce, VendorTextAndNotABounce) {
  EXPECT_EQ(ClassifyBounce("From: Mail Delivery Subsystem <MAILER-DAEMON@x.test>\r\n"
                           "Subject: Returned mail\r\n\r\nsorry\r\n")
                .format,
            BounceFormat::kVendorText);
  EXPECT_EQ(ClassifyBounce("Return-Path: <>\r\nFrom: a@b.test\r\nSubject: x\r\n\r\n"
                           "Your message could not be delivered.\r\n")
                .format,
            BounceFormat::kVendorText);
  EXPECT_EQ(ClassifyBounce("Return-Path: <>\r\nAuto-Submitted: auto-replied\r\nFrom: a@b.test\r\n"
                           "Subject: Out of the office\r\n\r\nI am away.\r\n")
                .format,
            BounceFormat::kNotABounce);
  EXPECT_EQ(ClassifyBounce("").format, BounceFormat::kNotABounce);
  EXPECT_EQ(ClassifyBounce("Subject: hi\r\n\r\nlunch?\r\n").format, BounceFormat::kNotABounce);
}

TEST(AnalysisJson, EscapesAndLists) {
  BounceAnalysis a;
  a.format = BounceFormat::kRfc3464;
  a.reporting_mta = "mx\"1";
  a.report = Failure();
  a.report->recipients[0].diagnostic_code = report::Typed{"smtp", "550 \x01\xff"};
  a.violations.push_back({"missing-date", "no Date", Severity::kError});
  EXPECT_EQ(AnalysisJson("f.msg", a),
            "{\"file\":\"f.msg\",\"format\":\"rfc3464\",\"reporting_mta\":\"mx\\\"1\","
            "\"recipients\":[{\"address\":\"nosuchuser@local.test\",\"action\":\"failed\","
            "\"status\":\"5.1.1\",\"diagnostic\":\"550 \\u0001\\u00ff\",\"remote_mta\":\"\"}],"
            "\"violations\":[{\"id\":\"missing-date\",\"severity\":\"error\","
            "\"detail\":\"no Date\"}]}");
}

std::vector<fs::path> CorpusFiles() {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(kCorpus, ec)) return out;
  for (const auto& e : fs::directory_iterator(kCorpus, ec)) {
    if (e.path().extension() == ".msg") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(BounceparserCorpus, EveryMessageClassifiesAndYieldsEveryRecipient) {
  std::vector<fs::path> files = CorpusFiles();
  if (files.empty()) GTEST_SKIP() << "corpus absent: " << kCorpus;
  EXPECT_GE(files.size(), 128u);
  int with_status = 0;
  for (const fs::path& p : files) {
    SCOPED_TRACE(p.filename().string());
    std::string msg = Slurp(p);
    BounceAnalysis a = ClassifyBounce(msg);
    std::string_view name = FormatName(a.format);
    EXPECT_FALSE(name.empty());
    if (a.format == BounceFormat::kRfc3464) {
      EXPECT_TRUE(a.report.has_value());
    }
    int expected = CountRecipientLines(msg);
    if (expected < 0) continue;
    ++with_status;
    ASSERT_TRUE(a.report.has_value()) << FormatName(a.format);
    EXPECT_TRUE(a.format == BounceFormat::kRfc3464 || a.format == BounceFormat::kOtherReport)
        << FormatName(a.format);
    EXPECT_EQ(static_cast<int>(a.report->recipients.size()), expected);
    for (const RecipientSummary& r : Recipients(a)) {
      EXPECT_FALSE(r.address.empty());
      EXPECT_FALSE(r.action.empty());
      EXPECT_FALSE(r.status.empty()) << r.address;
    }
    ParsedDsn d = ParseDsn(msg);  // the parser alone, too
    EXPECT_TRUE(d.found_delivery_status);
  }
  EXPECT_GE(with_status, 100);
}

TEST(BounceparserCorpus, HandInspectedFormats) {
  if (CorpusFiles().empty()) GTEST_SKIP() << "corpus absent: " << kCorpus;
  const std::map<std::string, BounceFormat> want = {
      {"qmail.unknown.msg", BounceFormat::kQsbmf},
      {"postfix.msg", BounceFormat::kRfc3464},
      {"postfix-smtp-550.msg", BounceFormat::kRfc3464},
      {"aol.unknown.msg", BounceFormat::kRfc3464},
      {"no-message-collected.msg", BounceFormat::kRfc3464},
      {"warning-4.msg", BounceFormat::kRfc3464},  // report-type on a fold line
      {"exchange.unknown.msg", BounceFormat::kVendorText},
      {"domino.unknown.msg", BounceFormat::kVendorText},
      {"aol-vacation.msg", BounceFormat::kNotABounce},
      {"autoreply.msg", BounceFormat::kNotABounce},
      {"warning-6.msg", BounceFormat::kNotABounce},
      {"polish-autoreply.msg", BounceFormat::kNotABounce},
      {"spam-with-image.msg", BounceFormat::kNotABounce},
  };
  for (const auto& [file, format] : want) {
    std::string msg = Slurp(fs::path(kCorpus) / file);
    EXPECT_EQ(FormatName(ClassifyBounce(msg).format), FormatName(format)) << file;
  }
  BounceAnalysis q = ClassifyBounce(Slurp(fs::path(kCorpus) / "qmail.unknown.msg"));
  EXPECT_EQ(q.reporting_mta, "mail1.coqui.net");
  ASSERT_TRUE(q.report);
  ASSERT_EQ(q.report->recipients.size(), 1u);
  EXPECT_EQ(q.report->recipients[0].final_recipient.value, "recipient@example.net");
  EXPECT_EQ(q.report->recipients[0].status, "5.1.1");
}

}  // namespace
}  // namespace mta::dsn
