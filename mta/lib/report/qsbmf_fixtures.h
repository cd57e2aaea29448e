// qsbmf_fixtures.h: fixed delivery reports and a fixed GeneratorEnv shared by the QSBMF
// golden-file test and the Sisimai interop test (test-only).
//
//   for (const QsbmfFixture& f : QsbmfFixtures()) GenerateQsbmf(f.report, f.original, FixedEnv());
#ifndef MTA_LIB_REPORT_QSBMF_FIXTURES_H_
#define MTA_LIB_REPORT_QSBMF_FIXTURES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mta/lib/report/model.h"
#include "mta/lib/report/qsbmf.h"

namespace mta::report::testing {

// 17 Mar 1996 03:54:40 UT, host mx.example.test, a counter as the random source.
inline GeneratorEnv FixedEnv() {
  GeneratorEnv env;
  env.hostname = "mx.example.test";
  env.now = 827034880;
  auto counter = std::make_shared<std::uint64_t>(0x5eed);
  env.random = [counter] { return (*counter)++ * 6364136223846793005ULL + 1442695040888963407ULL; };
  return env;
}

inline RecipientReport Failed(std::string address, std::string status) {
  RecipientReport r;
  r.final_recipient = Typed{"rfc822", std::move(address)};
  r.action = Action::kFailed;
  r.status = std::move(status);
  return r;
}

inline RecipientReport RemoteFailed(std::string address, std::string remote, std::string reply) {
  RecipientReport r = Failed(std::move(address), "5.0.0");
  r.remote_mta = Typed{"dns", std::move(remote)};
  r.diagnostic_code = Typed{"smtp", std::move(reply)};
  return r;
}

struct QsbmfFixture {
  std::string name;  // corpora/golden/qsbmf/<name>.eml
  DeliveryReport report;
  std::string original;
  QsbmfOptions options;
};

inline std::string SimpleOriginal(const std::string& to) {
  return "Received: from client.example.test (192.0.2.7)\n"
         "  by mx.example.test with SMTP; 17 Mar 1996 03:50:12 -0000\n"
         "Message-ID: <19960317035012.1234@client.example.test>\n"
         "From: Sender <sender@example.test>\n"
         "To: " + to + "\n"
         "Subject: lunch\n"
         "\n"
         "Are we still on for lunch?\n"
         "From here it is ten minutes.\n";
}

inline std::vector<QsbmfFixture> QsbmfFixtures() {
  std::vector<QsbmfFixture> out;
  DeliveryReport base;
  base.reporting_mta = Typed{"dns", "mx.example.test"};
  base.return_path = "sender@example.test";

  {  // qmail-local: no such mailbox.
    QsbmfFixture f{"local_no_mailbox", base, SimpleOriginal("nobody@mx.example.test"), {}};
    f.report.recipients.push_back(Failed("nobody@mx.example.test", "5.1.1"));
    out.push_back(f);
  }
  {  // qmail-remote: RCPT refused with a multi-line reply.
    QsbmfFixture f{"remote_multiline_reply", base, SimpleOriginal("alice@remote.test"), {}};
    f.report.recipients.push_back(RemoteFailed(
        "alice@remote.test", "[192.0.2.25]",
        "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
        "550-5.1.1 double-checking the recipient's email address for typos or\n"
        "550 5.1.1 unnecessary spaces."));
    out.push_back(f);
  }
  {  // Several recipients in one bounce; the delivered one is not listed.
    QsbmfFixture f{"several_recipients", base,
                   SimpleOriginal("nobody@mx.example.test, bob@remote.test, carol@nx.example.test,"
                                  " dave@remote.test"), {}};
    f.report.recipients.push_back(Failed("nobody@mx.example.test", "5.1.1"));
    f.report.recipients.push_back(RemoteFailed(
        "bob@remote.test", "192.0.2.25", "550 5.7.1 <bob@remote.test>: Relay access denied"));
    f.report.recipients.push_back(Failed("carol@nx.example.test", "5.1.2"));
    RecipientReport ok = Failed("dave@remote.test", "2.0.0");
    ok.action = Action::kDelivered;
    f.report.recipients.push_back(ok);
    out.push_back(f);
  }
  {  // A bounce that bounced: original sender <>.
    QsbmfFixture f{"double_bounce", base, "", {}};
    f.report.return_path = "";
    f.report.recipients.push_back(Failed("sender@example.test", "5.1.1"));
    f.original =
        "Date: 17 Mar 1996 03:50:40 -0000\n"
        "From: MAILER-DAEMON@client.example.test\n"
        "To: sender@example.test\n"
        "Subject: failure notice\n"
        "\n"
        "Hi. This is the qmail-send program at client.example.test.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n"
        "\n"
        "<x@client.example.test>:\n"
        "Sorry, no mailbox here by that name. (#5.1.1)\n"
        "\n"
        "--- Below this line is a copy of the message.\n"
        "\n"
        "Return-Path: <sender@example.test>\n"
        "Subject: hello\n"
        "\n"
        "hello\n";
    out.push_back(f);
  }
  {  // 8-bit original (Latin-1 and UTF-8 bytes, no MIME), returned unchanged.
    QsbmfFixture f{"eight_bit_original", base, "", {}};
    RecipientReport r = Failed("m\xc3\xbcller@mx.example.test", "5.2.2");
    r.diagnostic_code = Typed{"x-unix", "Recipient's mailbox is full"};
    f.report.recipients.push_back(r);
    f.original =
        "From: =?ISO-8859-1?Q?J=F6rg?= <sender@example.test>\n"
        "To: m\xc3\xbcller@mx.example.test\n"
        "Subject: Gr\xfc\xdf" "e\n"
        "\n"
        "Sch\xf6ne Gr\xfc\xdf" "e aus K\xc3\xb6ln \xe2\x82\xac 5\n";
    out.push_back(f);
  }
  {  // A remote reply with an empty line: qmail turns the line after it into "/...".
    QsbmfFixture f{"description_empty_line", base, SimpleOriginal("erin@remote.test"), {}};
    f.report.recipients.push_back(RemoteFailed(
        "erin@remote.test", "192.0.2.25",
        "554 5.7.1 Message rejected by policy\n\nSee https://remote.test/policy"));
    out.push_back(f);
  }
  {  // SMTP wire form: CRLF line ends and qmail-queue's Received line; VERP sender.
    QsbmfFixture f{"crlf_received_verp", base, SimpleOriginal("frank@remote.test"), {}};
    f.report.return_path = "list-owner-@example.test-@[]";
    f.report.recipients.push_back(Failed("frank@nx.remote.test", "5.4.4"));
    f.options.crlf = true;
    f.options.received_line = true;
    f.options.received_pid = 12345;
    out.push_back(f);
  }
  return out;
}

}  // namespace mta::report::testing

#endif  // MTA_LIB_REPORT_QSBMF_FIXTURES_H_
