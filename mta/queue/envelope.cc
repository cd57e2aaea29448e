// envelope.cc: envelope serialisation (format in envelope.h).
#include "mta/queue/envelope.h"

#include <charconv>

namespace mta::queue {
namespace {

constexpr std::string_view kMagic = "refmta-envelope 1\n";

void Put(std::string* out, std::string_view key, std::string_view value) {
  out->append(key);
  out->push_back(' ');
  out->append(std::to_string(value.size()));
  out->push_back(':');
  out->append(value);
  out->push_back('\n');
}

template <typename T>
bool ParseNum(std::string_view s, T* out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Reads "<key> <len>:<bytes>\n" from the front of `in`.
bool Next(std::string_view* in, std::string_view* key, std::string_view* value) {
  size_t sp = in->find(' ');
  if (sp == std::string_view::npos || sp == 0) return false;
  *key = in->substr(0, sp);
  size_t colon = in->find(':', sp + 1);
  if (colon == std::string_view::npos) return false;
  size_t len;
  if (!ParseNum(in->substr(sp + 1, colon - sp - 1), &len)) return false;
  if (in->size() - colon - 1 < len + 1) return false;
  *value = in->substr(colon + 1, len);
  if ((*in)[colon + 1 + len] != '\n') return false;
  in->remove_prefix(colon + 2 + len);
  return true;
}

}  // namespace

const char* RcptStateName(RcptState s) {
  switch (s) {
    case RcptState::kPending: return "pending";
    case RcptState::kDelivered: return "delivered";
    case RcptState::kFailed: return "failed";
  }
  return "?";
}

bool Envelope::Done() const {
  for (const auto& r : recipients)
    if (r.state == RcptState::kPending) return false;
  return true;
}

std::string SerializeEnvelope(const Envelope& e) {
  std::string out(kMagic);
  Put(&out, "id", e.id);
  Put(&out, "time", std::to_string(e.arrival_time));
  Put(&out, "sender", e.sender);
  Put(&out, "ret", e.ret);
  Put(&out, "envid", e.envid);
  Put(&out, "ip", e.client_ip);
  Put(&out, "helo", e.helo);
  Put(&out, "proto", e.protocol);
  for (const auto& r : e.recipients) {
    Put(&out, "rcpt", r.address);
    Put(&out, "state", RcptStateName(r.state));
    Put(&out, "error", r.last_error);
    Put(&out, "attempts", std::to_string(r.attempts));
    Put(&out, "next", std::to_string(r.next_attempt));
    Put(&out, "notify", r.notify);
    Put(&out, "orcpt", r.orcpt);
    if (!r.status.empty()) Put(&out, "status", r.status);
    if (!r.remote_mta.empty()) Put(&out, "mta", r.remote_mta);
    if (r.relayed) Put(&out, "relayed", "1");
    if (r.report_due) Put(&out, "report", "due");
    if (r.delay_warning != DelayWarning::kNone)
      Put(&out, "delay", r.delay_warning == DelayWarning::kDue ? "due" : "sent");
  }
  Put(&out, "end", "");
  return out;
}

std::optional<Envelope> ParseEnvelope(std::string_view in) {
  if (in.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  in.remove_prefix(kMagic.size());
  Envelope e;
  Recipient* r = nullptr;
  std::string_view key, v;
  while (Next(&in, &key, &v)) {
    if (key == "end") {
      if (!v.empty() || !in.empty()) return std::nullopt;
      return e;
    }
    if (key == "rcpt") {
      e.recipients.push_back(Recipient{});
      r = &e.recipients.back();
      r->address = v;
    } else if (r != nullptr) {
      if (key == "state") {
        if (v == "pending") r->state = RcptState::kPending;
        else if (v == "delivered") r->state = RcptState::kDelivered;
        else if (v == "failed") r->state = RcptState::kFailed;
        else return std::nullopt;
      } else if (key == "error") {
        r->last_error = v;
      } else if (key == "attempts") {
        if (!ParseNum(v, &r->attempts)) return std::nullopt;
      } else if (key == "next") {
        if (!ParseNum(v, &r->next_attempt)) return std::nullopt;
      } else if (key == "notify") {
        r->notify = v;
      } else if (key == "orcpt") {
        r->orcpt = v;
      } else if (key == "status") {
        r->status = v;
      } else if (key == "mta") {
        r->remote_mta = v;
      } else if (key == "relayed") {
        if (v != "1") return std::nullopt;
        r->relayed = true;
      } else if (key == "report") {
        if (v != "due") return std::nullopt;
        r->report_due = true;
      } else if (key == "delay") {
        if (v == "due") r->delay_warning = DelayWarning::kDue;
        else if (v == "sent") r->delay_warning = DelayWarning::kSent;
        else return std::nullopt;
      } else {
        return std::nullopt;
      }
    } else if (key == "id") {
      e.id = v;
    } else if (key == "time") {
      if (!ParseNum(v, &e.arrival_time)) return std::nullopt;
    } else if (key == "sender") {
      e.sender = v;
    } else if (key == "ret") {
      e.ret = v;
    } else if (key == "envid") {
      e.envid = v;
    } else if (key == "ip") {
      e.client_ip = v;
    } else if (key == "helo") {
      e.helo = v;
    } else if (key == "proto") {
      e.protocol = v;
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;  // no trailer: truncated or malformed
}

}  // namespace mta::queue
