// settings.cc: profile names and presets (disputed-points.md A-K; qmail 1.03 sources).
#include "mta/config/settings.h"

namespace mta::config {

std::string_view ProfileName(Profile p) {
  switch (p) {
    case Profile::kStrict: return "strict";
    case Profile::kQmail: return "qmail";
    case Profile::kHardened: return "hardened";
    case Profile::kInterop: return "interop";
  }
  return "strict";
}

std::optional<Profile> ParseProfile(std::string_view name) {
  for (Profile p : {Profile::kStrict, Profile::kQmail, Profile::kHardened, Profile::kInterop}) {
    if (ProfileName(p) == name) return p;
  }
  return std::nullopt;
}

namespace {

// Copies every switch (not identity, paths or plain limits) from `from` to `to`.
void CopySwitches(const Settings& from, Settings* to) {
  to->unknown_recipient = from.unknown_recipient;
  to->bare_lf = from.bare_lf;
  to->bare_cr = from.bare_cr;
  to->eod_variants = from.eod_variants;
  to->nul_in_data = from.nul_in_data;
  to->unknown_command_code = from.unknown_command_code;
  to->path_leniencies = from.path_leniencies;
  to->helo_required = from.helo_required;
  to->helo_syntax = from.helo_syntax;
  to->nested_mail = from.nested_mail;
  to->unknown_esmtp_param = from.unknown_esmtp_param;
  to->hop_limit = from.hop_limit;
  to->hop_count = from.hop_count;
  to->delivered_to_check = from.delivered_to_check;
  to->return_path_remove = from.return_path_remove;
  to->vrfy = from.vrfy;
  to->expn = from.expn;
  to->postmaster_unqualified = from.postmaster_unqualified;
  to->domain_literal_self = from.domain_literal_self;
  to->relay_denied_code = from.relay_denied_code;
  to->early_talker = from.early_talker;
  to->pipelining = from.pipelining;
  to->size = from.size;
  to->advertise = from.advertise;
  to->reply_style = from.reply_style;
  to->received_style = from.received_style;
  to->timeout_code = from.timeout_code;
  to->close_on_errors = from.close_on_errors;
  to->bounce_format = from.bounce_format;
  to->double_bounce = from.double_bounce;
  to->bounce_size_limit = from.bounce_size_limit;
  to->delay_warnings = from.delay_warnings;
  to->remote_ipv6 = from.remote_ipv6;
  to->delay_warning_time = from.delay_warning_time;
  to->bounce_auto_submitted = from.bounce_auto_submitted;
  to->retry_policy = from.retry_policy;
  to->retry_intervals = from.retry_intervals;
  to->queue_lifetime = from.queue_lifetime;
  to->concurrency_remote = from.concurrency_remote;
  to->concurrency_per_destination = from.concurrency_per_destination;
  to->recipients_per_transaction = from.recipients_per_transaction;
  to->smtp_client_greeting = from.smtp_client_greeting;
  to->eight_bit_relay = from.eight_bit_relay;
  to->tls_client = from.tls_client;
}

}  // namespace

void ApplyProfile(Profile p, Settings* s) {
  Settings v;  // strict defaults
  switch (p) {
    case Profile::kStrict:
      break;
    case Profile::kQmail:
      // qmail-smtpd.c: rcpthosts only, no user check (D1).
      v.unknown_recipient = UnknownRecipient::kAccept;
      // straynewline(): 451 and exit at the first bare LF (B1, A5).
      v.bare_lf = BareLfPolicy::kClose;
      v.bare_cr = BareCrPolicy::kAccept;   // stored verbatim (B3)
      v.eod_variants = EodVariants::kAccept;  // only \r\n.\r\n is recognised (B2)
      v.nul_in_data = NulPolicy::kAccept;  // 8-bit clean (B5)
      v.unknown_command_code = 502;        // err_unimpl (A4)
      v.path_leniencies = smtp::LeniencySet::All();  // addrparse, commands.c (A1, A6, A9)
      v.helo_required = false;             // A2
      v.helo_syntax = HeloSyntax::kAny;    // A3
      v.nested_mail = NestedMail::kReset;  // A8
      v.unknown_esmtp_param = UnknownParam::kIgnore;  // A7
      v.hop_limit = 99;                    // MAXHOPS 100: rejects at >= 100 (F1)
      v.hop_count = HopCount::kQmailPrefix;
      v.delivered_to_check = true;         // qmail-local (F2)
      v.return_path_remove = false;        // qmail-local leaves existing fields alone (H2)
      v.vrfy = VerifyPolicy::kCannot;      // "252 send some mail, i'll try my best"
      v.expn = VerifyPolicy::kDisabled;    // 502 unimplemented (A10)
      v.postmaster_unqualified = true;     // A11
      v.domain_literal_self = true;        // control/localiphost (G6)
      v.relay_denied_code = 553;           // G1
      v.early_talker = EarlyTalker::kIgnore;  // C2
      v.pipelining = true;
      v.size = SizePolicy::kLate;          // databytes after DATA (C3)
      v.advertise = Advertise{};           // only PIPELINING and 8BITMIME (C1)
      v.advertise.enhancedstatuscodes = false;
      v.advertise.smtputf8 = false;
      v.advertise.chunking = false;
      v.advertise.binarymime = false;
      v.advertise.dsn = false;
      v.advertise.starttls = false;
      v.advertise.help = false;
      v.reply_style = ReplyStyle::kQmail;  // "(#5.1.1)" texts (C9)
      v.received_style = ReceivedStyle::kQmail;  // H1
      v.timeout_code = TimeoutCode::k451;  // "451 timeout (#4.4.2)" (I3)
      v.close_on_errors = 0;               // never closes on errors (A5)
      // qmail-send / qmail-remote (sending side).
      v.bounce_format = BounceFormat::kQsbmf;      // E1
      v.double_bounce = DoubleBouncePolicy::kQmail;  // "#@[]" to doublebounceto (E3, E4)
      v.bounce_size_limit = 0;             // bouncemaxbytes unset: whole message (E6)
      v.delay_warnings = false;            // qmail-send sends none (E7)
      v.remote_ipv6 = false;               // qmail-remote 1.03 speaks IPv4 only (J7)
      v.bounce_auto_submitted = false;     // no Auto-Submitted field (E5)
      v.retry_policy = RetryPolicyKind::kQmail;  // nextretry() squares (I1)
      v.queue_lifetime = 604800;           // queuelifetime (I1)
      v.concurrency_remote = 20;           // concurrencyremote
      v.concurrency_per_destination = 20;  // no per-domain limit
      v.recipients_per_transaction = 1;    // one qmail-remote per recipient (I6)
      v.smtp_client_greeting = ClientGreeting::kHelo;  // qmail-remote: HELO only (C6)
      v.eight_bit_relay = EightBitRelay::kRaw;  // 8-bit octets sent as they are (C5)
      v.tls_client = TlsClient::kOff;      // qmail 1.03 has no STARTTLS (C12)
      break;
    case Profile::kHardened:
      v.early_talker = EarlyTalker::kReject;
      v.nul_in_data = NulPolicy::kReject;
      v.close_on_errors = 10;
      v.vrfy = VerifyPolicy::kCannot;
      v.expn = VerifyPolicy::kCannot;
      v.unknown_recipient = UnknownRecipient::kReject;
      break;
    case Profile::kInterop:
      v.bare_lf = BareLfPolicy::kNormalize;
      v.bare_cr = BareCrPolicy::kNormalize;
      v.path_leniencies = smtp::LeniencySet{
          smtp::Leniency::kNoAngleBrackets, smtp::Leniency::kSpaceAfterColon,
          smtp::Leniency::kTrailingSpace, smtp::Leniency::kLfLineEnd,
          smtp::Leniency::kCommentInPath, smtp::Leniency::kExtraSpace,
          smtp::Leniency::kTrailingDotDomain};
      v.helo_required = false;
      break;
  }
  CopySwitches(v, s);
  s->profile = p;
}

Settings ProfileSettings(Profile p) {
  Settings s;
  ApplyProfile(p, &s);
  return s;
}

}  // namespace mta::config
