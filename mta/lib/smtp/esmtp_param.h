// esmtp_param.h: ESMTP MAIL/RCPT parameters: generic syntax and the known keywords.
//
// RFC 5321 4.1.2: Mail-parameters = esmtp-param *(SP esmtp-param);
//   esmtp-param = esmtp-keyword ["=" esmtp-value];
//   esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-");
//   esmtp-value = 1*(%d33-60 / %d62-126)  (RFC 6531 3.3: =/ UTF8-non-ascii).
// Known keywords: SIZE (RFC 1870 1*20DIGIT, MAIL), BODY (RFC 6152 / RFC 3030: 7BIT,
// 8BITMIME, BINARYMIME; MAIL), SMTPUTF8 (RFC 6531 3.4, no value; MAIL), RET (RFC 3461 4.3,
// FULL / HDRS; MAIL), ENVID (RFC 3461 4.4, xtext of at most 100 characters; MAIL), NOTIFY
// (RFC 3461 4.1, NEVER or a list of SUCCESS, FAILURE, DELAY; RCPT), ORCPT (RFC 3461 4.2,
// addr-type ";" xtext of at most 500 characters; RCPT), AUTH (RFC 4954 5, xtext or "<>";
// MAIL). Unknown keywords are kept as key/value (RFC 5321 4.1.1.11: answered with 555).
//
//   std::vector<EsmtpParam> ps;  SplitEsmtpParams("SIZE=10 BODY=8BITMIME", {}, &ps, ...);
//   ParamsResult r = InterpretParams(ParamContext::kMail, ps);  *r.known.size == 10
#ifndef MTA_LIB_SMTP_ESMTP_PARAM_H_
#define MTA_LIB_SMTP_ESMTP_PARAM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/smtp/chars.h"
#include "mta/lib/smtp/leniency.h"

namespace mta::smtp {

struct EsmtpParam {
  std::string keyword;                // as written
  std::string keyword_upper;          // ASCII upper-cased, for lookups
  std::optional<std::string> value;   // as written (xtext not decoded); nullopt: no "="
  friend bool operator==(const EsmtpParam&, const EsmtpParam&) = default;
};

enum class Body { k7Bit, k8BitMime, kBinaryMime };
enum class Ret { kFull, kHdrs };

struct Notify {  // RFC 3461 4.1
  bool never = false;
  bool success = false;
  bool failure = false;
  bool delay = false;
  friend bool operator==(const Notify&, const Notify&) = default;
};

struct Orcpt {  // RFC 3461 4.2
  std::string addr_type;  // e.g. "rfc822", as written
  std::string address;    // xtext decoded
  friend bool operator==(const Orcpt&, const Orcpt&) = default;
};

// Typed view of the parameters of one MAIL or RCPT command.
struct KnownParams {
  std::optional<std::uint64_t> size;  // saturates at UINT64_MAX for 20-digit values
  std::optional<Body> body;
  bool smtputf8 = false;
  std::optional<Ret> ret;
  std::optional<std::string> envid;  // xtext decoded
  std::optional<Notify> notify;
  std::optional<Orcpt> orcpt;
  std::optional<std::string> auth;  // xtext decoded; "<>" kept as "<>"
  std::vector<EsmtpParam> unknown;  // not recognised for this command (kept in order)
};

enum class ParamContext { kMail, kRcpt };

struct ParamsResult {
  bool ok = false;      // every known parameter valid, no duplicate known parameter
  KnownParams known;
  std::string error;    // when !ok
  // 0: acceptable; 501 invalid value or duplicate (RFC 3461 5.1, RFC 1870 6); 504 a BODY
  // value not implemented (RFC 5321 4.2.4); 555 unrecognised parameter (RFC 5321 4.1.1.11).
  int reply_code = 0;
};

// Splits the text after the path's separating SP into parameters. A run of several SP
// needs Leniency::kExtraSpace (recorded in *deviations). Octets > 127 in values need
// policy.smtputf8 (well-formed UTF-8) or the 8-bit leniency (recorded).
bool SplitEsmtpParams(std::string_view text, NonAsciiPolicy policy, LeniencySet leniencies,
                      std::vector<EsmtpParam>* out, LeniencySet* deviations,
                      std::string* error);

// Validates and types the known parameters for `ctx`; a known keyword used with the other
// command (e.g. NOTIFY on MAIL) counts as unrecognised.
ParamsResult InterpretParams(ParamContext ctx, const std::vector<EsmtpParam>& params);

// "KEYWORD" or "KEYWORD=value" (keyword upper-cased).
std::string FormatEsmtpParam(const EsmtpParam& p);

}  // namespace mta::smtp

#endif  // MTA_LIB_SMTP_ESMTP_PARAM_H_
