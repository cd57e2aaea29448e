// session_data.cc: message content - DATA (dot-terminated) and BDAT (chunked), the
// bare LF / bare CR / end-of-data variant / NUL policies, size and hop limits, and the
// Received line.
//
// RFC 5321 4.1.1.4 (only <CRLF>.<CRLF> ends the data, whatever the policy), 4.4 (Received),
// 6.3 (hop count); RFC 1870 (552 for an oversized message); RFC 3030 (BDAT: exact octet
// counts, no dot-stuffing, data discarded before an error reply).
#include <algorithm>
#include <cstdio>

#include "mta/lib/message/header.h"
#include "mta/lib/reply/reply.h"
#include "mta/lib/smtp/domain.h"
#include "mta/smtpd/session.h"

namespace mta::smtpd {

using data::AnomalyKind;

namespace {

// Bare LF and/or bare CR -> CRLF; every other octet unchanged.
std::string NormalizeSelected(std::string_view in, bool lf, bool cr) {
  std::string out;
  out.reserve(in.size() + 16);
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '\r') {
      if (i + 1 < in.size() && in[i + 1] == '\n') {
        out += "\r\n";
        ++i;
      } else {
        out += cr ? "\r\n" : "\r";
      }
    } else if (c == '\n') {
      out += lf ? "\r\n" : "\n";
    } else {
      out += c;
    }
  }
  return out;
}

bool Any(const data::AnomalyCounts& c, std::initializer_list<AnomalyKind> kinds) {
  for (AnomalyKind k : kinds)
    if (c[static_cast<std::size_t>(k)] > 0) return true;
  return false;
}

constexpr std::initializer_list<AnomalyKind> kLfKinds = {
    AnomalyKind::kBareLf, AnomalyKind::kLfDotLf, AnomalyKind::kLfDotCr,
    AnomalyKind::kLfDotCrLf, AnomalyKind::kCrDotLf, AnomalyKind::kCrLfDotLf};
constexpr std::initializer_list<AnomalyKind> kCrKinds = {
    AnomalyKind::kBareCr, AnomalyKind::kLfDotCr, AnomalyKind::kCrDotLf,
    AnomalyKind::kCrDotCr, AnomalyKind::kCrDotCrLf, AnomalyKind::kCrLfDotCr};

// Days since 1970-01-01 -> civil date (H. Hinnant's algorithm).
void CivilFromDays(std::int64_t z, std::int64_t* y, int* m, int* d) {
  z += 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
const char* const kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};

// RFC 5322 3.3 date-time in UT ("+0000"): "Tue, 02 Jan 2024 10:00:05 +0000". With
// `qmail`: qmail's date822fmt form "2 Jan 2024 10:00:05 -0000".
std::string FormatDate(std::int64_t t, bool qmail) {
  std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  std::int64_t secs = t - days * 86400;
  std::int64_t y;
  int m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[80];
  int hh = static_cast<int>(secs / 3600), mm = static_cast<int>(secs / 60 % 60),
      ss = static_cast<int>(secs % 60);
  if (qmail) {
    std::snprintf(buf, sizeof buf, "%d %s %lld %02d:%02d:%02d -0000", d, kMonths[m - 1],
                  static_cast<long long>(y), hh, mm, ss);
  } else {
    int wd = static_cast<int>(((days % 7) + 7) % 7);
    std::snprintf(buf, sizeof buf, "%s, %02d %s %lld %02d:%02d:%02d +0000", kDays[wd], d,
                  kMonths[m - 1], static_cast<long long>(y), hh, mm, ss);
  }
  return buf;
}

// qmail received.c safe(): characters outside [A-Za-z0-9.@%+/=:-] become '?'.
std::string Safe(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              std::string_view(".@%+/=:-[]").find(c) != std::string_view::npos;
    out += ok ? c : '?';
  }
  return out;
}

std::string IpLiteral(std::string_view ip) {
  if (ip.find(':') != std::string_view::npos) return "[IPv6:" + std::string(ip) + "]";
  return "[" + std::string(ip) + "]";
}

}  // namespace

void Session::FeedData() {
  std::string_view in = Pending();
  std::size_t n = decoder_->Feed(in);
  Consume(n);
  if (s_.bare_lf == config::BareLfPolicy::kClose && Any(decoder_->counts(), kLfKinds)) {
    // qmail-smtpd straynewline(): 451 at the first bare LF, then exit (B1, A5).
    Reply(451, "4.6.0", "Bare LF received, see https://cr.yp.to/docs/smtplf.html",
          "See https://cr.yp.to/docs/smtplf.html.");
    CloseNow();
    return;
  }
  if (!decoder_->complete()) return;
  // RFC 5321 4.1.1.4: the data ended with <CRLF>.<CRLF> (the only end of data).
  data::AnomalyCounts counts = decoder_->counts();
  bool too_big = decoder_->size_exceeded();
  std::string body = decoder_->TakeBody();
  decoder_.reset();
  FinishMessage(std::move(body), counts, too_big, false);
}

void Session::ScanBdatChunk(std::string_view chunk) {
  auto bump = [&](AnomalyKind k) { ++tx_.counts[static_cast<std::size_t>(k)]; };
  for (char ch : chunk) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\n' && tx_.bdat_prev != '\r') bump(AnomalyKind::kBareLf);
    if (tx_.bdat_prev == '\r' && c != '\n') bump(AnomalyKind::kBareCr);
    if (c == 0) bump(AnomalyKind::kNul);
    if (c >= 0x80) bump(AnomalyKind::k8Bit);
    tx_.bdat_prev = c;
  }
  std::uint64_t room =
      tx_.body_size >= s_.message_size_max ? 0 : s_.message_size_max - tx_.body_size;
  tx_.body.append(chunk.substr(0, static_cast<std::size_t>(
                                      std::min<std::uint64_t>(room, chunk.size()))));
  tx_.body_size += chunk.size();
}

void Session::FeedBdat() {
  std::string_view in = Pending();
  std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(bdat_remaining_, in.size()));
  // RFC 3030 2: the chunk is exactly chunk-size octets of binary data.
  if (bdat_fail_code_ == 0) ScanBdatChunk(in.substr(0, n));
  Consume(n);
  bdat_remaining_ -= n;
  if (bdat_remaining_ > 0) return;
  state_ = State::kCommand;
  if (bdat_fail_code_ != 0) {
    // RFC 3030 2: the data was accepted and discarded; now the error.
    Reply(bdat_fail_code_, bdat_fail_esc_, bdat_fail_text_);
    return;
  }
  if (!bdat_last_) {
    // RFC 3030 2: a 250 for each successful chunk.
    Reply(250, "2.0.0", "Chunk received");
    return;
  }
  if (tx_.bdat_prev == '\r') ++tx_.counts[static_cast<std::size_t>(AnomalyKind::kBareCr)];
  bool binary = tx_.env.body == smtp::Body::kBinaryMime;
  bool too_big = tx_.body_size > s_.message_size_max;
  data::AnomalyCounts counts = tx_.counts;
  FinishMessage(std::move(tx_.body), counts, too_big, binary);
}

void Session::FinishMessage(std::string body, const data::AnomalyCounts& counts, bool too_big,
                            bool binary) {
  state_ = State::kCommand;
  auto refuse = [&](int code, std::string_view esc, std::string_view text,
                    std::string_view qtext = {}) {
    Reply(code, esc, text, qtext);
    ResetTransaction();
  };
  if (too_big) {
    // RFC 1870 / RFC 5321 4.5.3.1.10: 552 after the whole message was read.
    return refuse(552, "5.3.4", "Message size exceeds fixed maximum message size",
                  "sorry, that message size exceeds my databytes limit (#5.3.4)");
  }
  if (!binary) {
    // RFC 5321 2.3.8 / 4.1.1.4 / RFC 5322 2.3; 550 (4.3.2 lists it for policy refusals at
    // end of data) with 5.6.0 (RFC 3463: the content is malformed).
    bool lf = Any(counts, kLfKinds), cr = Any(counts, kCrKinds);
    if (lf && (s_.bare_lf == config::BareLfPolicy::kReject ||
               s_.bare_lf == config::BareLfPolicy::kClose)) {
      return refuse(550, "5.6.0", "Bare LF in message data (RFC 5321 2.3.8)");
    }
    if (cr && s_.bare_cr == config::BareCrPolicy::kReject) {
      return refuse(550, "5.6.0", "Bare CR in message data (RFC 5321 2.3.8)");
    }
    bool variant = false;
    for (std::size_t k = 0; k < data::kAnomalyKindCount; ++k)
      if (counts[k] && data::IsSmugglingVariant(static_cast<AnomalyKind>(k))) variant = true;
    if (variant && s_.eod_variants == config::EodVariants::kReject) {
      return refuse(550, "5.6.0", "End-of-data look-alike in message data (RFC 5321 4.1.1.4)");
    }
    bool norm_lf = lf && s_.bare_lf == config::BareLfPolicy::kNormalize;
    bool norm_cr = cr && s_.bare_cr == config::BareCrPolicy::kNormalize;
    if (norm_lf || norm_cr) body = NormalizeSelected(body, norm_lf, norm_cr);
  }
  if (counts[static_cast<std::size_t>(AnomalyKind::kNul)] && s_.nul_in_data == config::NulPolicy::kReject) {
    return refuse(550, "5.6.0", "NUL octet in message data");
  }
  // RFC 5321 6.3: loop detection by counting trace fields.
  message::ParsedHeader h = message::ParseHeader(body);
  std::uint64_t hops = 0;
  if (s_.hop_count == config::HopCount::kQmailPrefix) {
    for (const message::HeaderField& f : h.fields) {
      std::string n = AsciiLower(f.name);
      if (n.rfind("received", 0) == 0 || n.rfind("delivered", 0) == 0) ++hops;
    }
  } else {
    hops = message::CountReceived(h);
  }
  if (hops > s_.hop_limit) {
    return refuse(554, "5.4.6", "Too many hops, this message is looping",
                  "too many hops, this message is looping (#5.4.6)");
  }
  SubmitMessage m;
  Envelope& e = tx_.env;
  e.client_ip = info_.client_ip;
  e.client_rdns = info_.rdns;
  e.helo = helo_;
  e.tls = tls_;
  e.protocol = !ehlo_ ? "SMTP" : e.smtputf8 ? (tls_ ? "UTF8SMTPS" : "UTF8SMTP")
                                            : (tls_ ? "ESMTPS" : "ESMTP");
  e.session_id = info_.session_id;
  e.message_id = info_.session_id + "." + std::to_string(++messages_);
  e.received_at = info_.now ? info_.now() : 0;
  m.data = ReceivedLine();
  m.data += body;
  m.envelope = e;
  m.anomalies = counts;
  actions_.push_back(std::move(m));
  tx_.body.clear();
  // Only SubmitDone() answers: 250 comes after the queue has the message.
  state_ = State::kWaitSubmit;
}

std::string Session::ReceivedLine() const {
  const Envelope& e = tx_.env;
  if (s_.received_style == config::ReceivedStyle::kQmail) {
    // qmail received.c: from rdns (HELO helo) (ip) by me with SMTP; date -0000
    std::string r = "Received: from " + (e.client_rdns.empty() ? "unknown" : Safe(e.client_rdns));
    r += " (";
    if (!e.helo.empty() && e.helo != e.client_rdns) r += "HELO " + Safe(e.helo) + ") (";
    r += Safe(e.client_ip) + ")\r\n  by " + Safe(s_.hostname) + " with SMTP; " +
         FormatDate(e.received_at, true) + "\r\n";
    return r;
  }
  // RFC 5321 4.4: Stamp = From-domain By-domain Opt-info [CFWS] ";" FWS date-time, the
  // From clause with the EHLO name and the TCP-info address literal.
  std::string lit = IpLiteral(e.client_ip);
  bool helo_ok = !e.helo.empty() && smtp::IsValidDomainOrAddressLiteral(e.helo, e.smtputf8);
  std::string r = "Received: from " + (helo_ok ? e.helo : lit) + " (";
  if (!e.client_rdns.empty() && smtp::IsValidDomain(e.client_rdns)) r += e.client_rdns + " ";
  r += lit + ")";
  if (!e.helo.empty() && !helo_ok) r += " (HELO " + Safe(e.helo) + ")";
  r += "\r\n\tby " + s_.hostname + " with " + e.protocol + " id " + e.message_id + ";\r\n\t" +
       FormatDate(e.received_at, false) + "\r\n";
  return r;
}

}  // namespace mta::smtpd
