// qsbmf_property_test.cc: RapidCheck properties of the QSBMF generator and parser:
//   ParseQsbmf(GenerateQsbmf(x)).report == QsbmfRepresentable(x), the original comes back
//   byte for byte, and parsing arbitrary bytes never fails.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "mta/lib/report/qsbmf.h"

namespace mta::report {
namespace {

// Bytes that matter to the format, mixed with arbitrary ones.
rc::Gen<std::string> Tricky() {
  return rc::gen::oneOf(
      rc::gen::container<std::string>(rc::gen::elementOf(std::vector<char>{
          'a', 'Z', '0', '5', '.', '@', '<', '>', ':', '-', '/', '#', '(', ')', ' ', '\t', '\n',
          '\r', '"', '\\', '[', ']', '_', '\0', '\x80', '\xff'})),
      rc::gen::arbitrary<std::string>(),
      rc::gen::elementOf(std::vector<std::string>{
          "", "user@example.test", "a b@example.test", "owner-@list.test-@[]", "-@[]",
          "\n", "\n\n", "x\n\ny", "Remote host said: 550 x", "Connected to 1.2.3.4 but",
          "Giving up on 1.2.3.4.", "(#5.1.1)", "550 5.1.1 no", "550-5.7.1 a\n550 5.7.1 b"}));
}

rc::Gen<std::string> Status() {
  return rc::gen::oneOf(rc::gen::elementOf(std::vector<std::string>{
                            "5.1.1", "5.1.2", "5.4.4", "5.4.6", "5.6.2", "5.2.2", "4.4.1",
                            "2.0.0", "5.0.0", "5.123.456", "5.1", "6.1.1", ""}),
                        Tricky());
}

rc::Gen<std::optional<Typed>> Remote() {
  return rc::gen::oneOf(
      rc::gen::just(std::optional<Typed>()),
      rc::gen::map(rc::gen::elementOf(std::vector<std::string>{
                       "192.0.2.1", "[192.0.2.1]", "mx.example.test", "IPv6:2001:db8::1",
                       "[mx.example.test]", "bad host", "", "[]"}),
                   [](std::string v) { return std::optional<Typed>(Typed{"dns", v}); }),
      rc::gen::map(Tricky(), [](std::string v) { return std::optional<Typed>(Typed{"dns", v}); }));
}

rc::Gen<std::optional<Typed>> Diagnostic() {
  return rc::gen::oneOf(
      rc::gen::just(std::optional<Typed>()),
      rc::gen::map(rc::gen::pair(rc::gen::elementOf(std::vector<std::string>{
                                     "smtp", "SMTP", "x-unix"}),
                                 Tricky()),
                   [](std::pair<std::string, std::string> p) {
                     return std::optional<Typed>(Typed{p.first, p.second});
                   }));
}

rc::Gen<RecipientReport> Recipient() {
  return rc::gen::apply(
      [](std::string addr, std::string status, std::optional<Typed> remote,
         std::optional<Typed> diag, int action, std::string junk) {
        RecipientReport r;
        r.final_recipient = Typed{"rfc822", addr};
        r.status = status;
        r.remote_mta = remote;
        r.diagnostic_code = diag;
        r.action = action < 8 ? Action::kFailed : static_cast<Action>(action % 5);
        // Fields QSBMF cannot carry.
        if (!junk.empty()) {
          r.original_recipient = Typed{"rfc822", junk};
          r.last_attempt_date = junk;
          r.final_log_id = junk;
          r.extensions.emplace_back("X-Junk", junk);
        }
        return r;
      },
      Tricky(), Status(), Remote(), Diagnostic(), rc::gen::inRange(0, 10),
      rc::gen::arbitrary<std::string>());
}

rc::Gen<DeliveryReport> Report() {
  return rc::gen::apply(
      [](std::string host, std::string rp, std::vector<RecipientReport> rs, std::string junk) {
        DeliveryReport r;
        r.reporting_mta = Typed{"dns", host};
        r.return_path = rp;
        r.recipients = std::move(rs);
        if (!junk.empty()) {
          r.original_envelope_id = junk;
          r.arrival_date = junk;
          r.ret = Ret::kHdrs;
        }
        return r;
      },
      rc::gen::oneOf(rc::gen::just(std::string()), Tricky()), Tricky(),
      rc::gen::resize(8, rc::gen::container<std::vector<RecipientReport>>(Recipient())),
      rc::gen::arbitrary<std::string>());
}

GeneratorEnv Env(const std::string& host) {
  GeneratorEnv env;
  env.hostname = host;
  env.now = 827034880;
  env.random = [] { return std::uint64_t{7}; };
  return env;
}

RC_GTEST_PROP(QsbmfProperty, ParseOfGenerateIsRepresentable, ()) {
  const DeliveryReport report = *Report();
  const std::string original = *rc::gen::oneOf(Tricky(), rc::gen::arbitrary<std::string>());
  const std::string host = *rc::gen::oneOf(rc::gen::just(std::string("mx.example.test")),
                                           Tricky());
  QsbmfOptions opts;
  opts.crlf = *rc::gen::arbitrary<bool>();
  opts.received_line = *rc::gen::arbitrary<bool>();
  opts.double_bounce = *rc::gen::elementOf(std::vector<std::optional<bool>>{
      std::nullopt, true, false});
  opts.double_bounce_to = *Tricky();
  const GeneratorEnv env = Env(host);

  const std::string bounce = GenerateQsbmf(report, original, env, opts);
  const QsbmfParseResult p = ParseQsbmf(bounce);
  RC_ASSERT(p.is_qsbmf);
  RC_ASSERT(p.crlf == opts.crlf);
  RC_ASSERT(p.report == QsbmfRepresentable(report, env));
  RC_ASSERT(p.original == original);
  RC_ASSERT(p.break_line.has_value());
  RC_ASSERT(!p.HasViolation("no-return-path"));
  RC_ASSERT(!p.HasViolation("failure-line-not-terminated"));
  RC_ASSERT(!p.HasViolation("extra-blank-line"));
  RC_ASSERT(!p.HasViolation("reserved-paragraph"));
  // Every failure paragraph's description is what QsbmfDescription predicts.
  std::size_t i = 0;
  for (const RecipientReport& r : report.recipients) {
    if (r.action != Action::kFailed) continue;
    RC_ASSERT(i < p.failures.size());
    RC_ASSERT(p.failures[i].description == QsbmfDescription(r));
    ++i;
  }
  RC_ASSERT(i == p.failures.size());
}

RC_GTEST_PROP(QsbmfProperty, RepresentableIsIdempotent, ()) {
  const DeliveryReport report = *Report();
  const GeneratorEnv env = Env("h.test");
  const DeliveryReport once = QsbmfRepresentable(report, env);
  RC_ASSERT(QsbmfRepresentable(once, env) == once);
}

RC_GTEST_PROP(QsbmfProperty, ParseNeverFailsAndRegenerates, ()) {
  // Arbitrary input assembled from format pieces: the parser terminates, and a parsed QSBMF
  // report survives a further round trip.
  std::string msg = *rc::gen::oneOf(
      rc::gen::arbitrary<std::string>(),
      rc::gen::map(rc::gen::container<std::vector<std::string>>(rc::gen::oneOf(
                       Tricky(), rc::gen::elementOf(std::vector<std::string>{
                                     "Hi. This is the qmail-send program at h.\n", "\n\n",
                                     "<a@b>:\n", "---\n\n", "Return-Path: <x@y>\n",
                                     "Remote host said: 550 5.1.1 x\n", "Giving up on 1.2.3.4.\n",
                                     "\r\n"}))),
                   [](std::vector<std::string> parts) {
                     std::string s = "Subject: failure notice\n\n";
                     for (auto& p : parts) s += p;
                     return s;
                   }));
  QsbmfParseResult p = ParseQsbmf(msg);
  if (!p.is_qsbmf) return;
  const GeneratorEnv env = Env("h.test");
  QsbmfParseResult again = ParseQsbmf(GenerateQsbmf(p.report, p.original, env));
  RC_ASSERT(again.report == QsbmfRepresentable(p.report, env));
  RC_ASSERT(again.original == p.original);
}

}  // namespace
}  // namespace mta::report
