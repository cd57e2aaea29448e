// qsbmf.h: the qmail-send Bounce Message Format (QSBMF, D. J. Bernstein 19970201) —
// a generator that reproduces qmail-send 1.03's bounce layout byte for byte, and a parser
// per the QSBMF specification (with the HCMSSC "(#C.S.D)" convention).
//
// Layout (LF line ends as qmail stores it; CRLF on request):
//   Date: 17 Mar 1996 03:54:40 -0000
//   From: MAILER-DAEMON@host
//   To: sender@example.test
//   Subject: failure notice
//
//   Hi. This is the qmail-send program at host.
//   I'm afraid I wasn't able to deliver your message to the following addresses.
//   This is a permanent error; I've given up. Sorry it didn't work out.
//
//   <user@host>:
//   Sorry, no mailbox here by that name. (#5.1.1)
//
//   --- Below this line is a copy of the message.
//
//   Return-Path: <sender@example.test>
//   <original message, unchanged>
//
// Round-trip conventions (parse(generate(x)).report == QsbmfRepresentable(x, env)):
//  * reporting_mta: the host named in the intro paragraph, "Hi. This is the qmail-send
//    program at HOST." The generator writes report.reporting_mta.value, or env.hostname when
//    that is empty; the parser reads {"dns", HOST}.
//  * return_path: the Return-Path line of the returned message; qmail's quote2() on output,
//    undone by the parser. qmail-send's VERP hook applies ("owner-@host-@[]" -> "owner-@host").
//  * ret: always Ret::kFull (QSBMF returns the whole message).
//  * Only recipients with Action::kFailed appear (QSBMF reports permanent failures only).
//    Per recipient: final_recipient {"rfc822", address with LF -> "_"}; action failed;
//    original_recipient, dates, log id, extensions are not representable.
//  * Remote form — when remote_mta and an "smtp" diagnostic_code are both present, the
//    remote host is a plain host/IP token ([A-Za-z0-9.:_-], optionally inside "[...]") and the
//    diagnostic text is non-empty and does not end in LF:
//        "<host> does not like recipient.\nRemote host said: <diagnostic>\nGiving up on <host>.\n"
//    Parsed back (disputed-points M.4): remote_mta {"dns", "[IP]"} for an IP, {"dns", host}
//    otherwise; diagnostic {"smtp", text after "Remote host said: " with the reply's lines
//    joined by SP}; status = last HCMSSC in the text, else the RFC 3463 code after the reply
//    code, else 5.0.0 (the model's status is not written: qmail repeats the remote text).
//  * Local form — otherwise: a fixed qmail text chosen by status (5.1.1, 5.1.2, 5.4.4, 5.4.6,
//    5.6.2), else the diagnostic text on one line, else a generic text, followed by
//    " (#<status>)"; the generic text also replaces a diagnostic whose line, so written, the
//    parser would read as qmail-remote's ("Connected to" + " (#5.0.0)"). Parsed back: status only (an invalid status becomes 5.0.0); remote_mta and
//    diagnostic_code are not representable.
#ifndef MTA_LIB_REPORT_QSBMF_H_
#define MTA_LIB_REPORT_QSBMF_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/report/model.h"

namespace mta::report {

struct QsbmfOptions {
  bool crlf = false;  // every LF written as CRLF (SMTP wire form), the original included
  // Double-bounce texts (qmail-send when the original sender was <>). Unset: on exactly
  // when report.return_path (after the VERP hook) is empty.
  std::optional<bool> double_bounce;
  // To: of a double bounce (control/doublebounceto@doublebouncehost); empty means
  // "postmaster@" + the bounce host.
  std::string double_bounce_to;
  // The "Received: (qmail PID invoked for bounce); DATE" line qmail-queue prepends.
  bool received_line = false;
  unsigned long received_pid = 0;  // 0: taken from env.random
};

// The complete bounce message for `report` returning `original_message` (as stored, LF line
// ends). Deterministic in (report, original_message, env, opts).
std::string GenerateQsbmf(const DeliveryReport& report, std::string_view original_message,
                          const GeneratorEnv& env, const QsbmfOptions& opts = {});

// The part of `report` that survives a QSBMF round trip (see the conventions above).
DeliveryReport QsbmfRepresentable(const DeliveryReport& report, const GeneratorEnv& env);

// The description lines qmail-send would print for one failed recipient (each line without
// its LF, after qmail's empty-line transformation).
std::vector<std::string> QsbmfDescription(const RecipientReport& recipient);

// qmail's quote2(): quotes the local part (before the last '@') when RFC 821/822 need it.
std::string QmailQuote2(std::string_view address);
// Inverse of QmailQuote2 (an unquoted input is returned unchanged).
std::string QmailUnquote2(std::string_view quoted);

// A finding about the input, with a stable kebab-case id:
//   not-qsbmf, no-header, mime-headers-present, crlf-line-ends (tolerated),
//   no-recipient-paragraphs, failure-line-not-terminated, empty-address,
//   reserved-paragraph, extra-blank-line, no-break-paragraph, no-return-path,
//   return-path-malformed, truncated-paragraph.
struct QsbmfViolation {
  std::string id;
  std::string detail;
  bool operator==(const QsbmfViolation&) const = default;
};

struct QsbmfFailure {
  std::string address;                    // between the first '<' and the final ">:"
  std::vector<std::string> description;   // lines after the first, without line ends
  std::vector<std::string> hcmssc;        // every "(#C.S.D)" code, in order, as "C.S.D"
  std::string status;                     // disputed-points M.4
  std::optional<std::string> remote_mta;  // "[192.0.2.1]" or a host name (M.4)
  std::optional<std::string> diagnostic;  // text after "Remote host said: " (M.4)
};

struct QsbmfParseResult {
  bool is_qsbmf = false;       // the body begins with "Hi. This is the"
  bool crlf = false;           // CRLF line ends were found and read as LF
  bool double_bounce = false;  // double-bounce intro or break text
  std::string header;          // the bounce's own header block (line ends as LF)
  std::vector<std::string> intro;       // lines of the introductory paragraph
  std::string reporting_host;           // HOST of "... program at HOST."
  std::vector<QsbmfFailure> failures;   // failure paragraphs, in order
  std::vector<std::vector<std::string>> reserved;  // reserved (future extension) paragraphs
  std::optional<std::string> break_line;  // first line of the break paragraph
  std::optional<std::string> return_path;  // unquoted value of the Return-Path line
  std::string original;  // the returned message after its Return-Path line
  DeliveryReport report;  // built per disputed-points M.4
  std::vector<QsbmfViolation> violations;

  bool HasViolation(std::string_view id) const;
};

// Parses a QSBMF bounce (header + body, or a body alone). Never fails: anything that does
// not fit is reported in `violations`. Linear in the input size.
QsbmfParseResult ParseQsbmf(std::string_view message);

// M.4: the last HCMSSC "(#C.S.D)" in `text`, else nullopt.
std::optional<std::string> LastHcmssc(std::string_view text);
// M.4: the RFC 3463 code after an SMTP reply code at the start of `reply`
// ("550 5.1.1 ..." or "550-5.1.1 ..." -> "5.1.1"), else nullopt.
std::optional<std::string> ReplyEnhancedCode(std::string_view reply);

}  // namespace mta::report

#endif  // MTA_LIB_REPORT_QSBMF_H_
