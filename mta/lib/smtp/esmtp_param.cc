// esmtp_param.cc: ESMTP parameter syntax and known keywords (see esmtp_param.h).
#include "mta/lib/smtp/esmtp_param.h"

#include <limits>

#include "mta/lib/smtp/xtext.h"

namespace mta::smtp {
namespace {

bool IsEsmtpKeyword(std::string_view k) {
  // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
  if (k.empty() || !IsLetDig(static_cast<unsigned char>(k[0]))) return false;
  for (char c : k) {
    if (!IsLetDig(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

bool CheckEsmtpValue(std::string_view v, NonAsciiPolicy policy, bool* used_8bit,
                     std::string* error) {
  // esmtp-value = 1*(%d33-60 / %d62-126): any CHAR excluding "=", SP and control chars.
  if (v.empty()) {
    *error = "empty ESMTP parameter value";
    return false;
  }
  for (std::size_t i = 0; i < v.size();) {
    unsigned char c = v[i];
    if (c >= 33 && c <= 126 && c != '=') {
      ++i;
    } else if (c >= 0x80) {
      std::size_t k = ConsumeNonAscii(v, i, policy, used_8bit, error);
      if (k == 0) {
        *error += " in ESMTP parameter value";
        return false;
      }
      i += k;
    } else {
      *error = "invalid character in ESMTP parameter value";
      return false;
    }
  }
  return true;
}

ParamsResult Bad(ParamsResult r, std::string msg, int code = 501) {
  r.ok = false;
  r.error = std::move(msg);
  r.reply_code = code;
  return r;
}

}  // namespace

bool SplitEsmtpParams(std::string_view text, NonAsciiPolicy policy, LeniencySet leniencies,
                      std::vector<EsmtpParam>* out, LeniencySet* deviations,
                      std::string* error) {
  std::size_t i = 0;
  bool used_8bit = false;
  while (i < text.size()) {
    if (text[i] == ' ') {
      if (!leniencies.Has(Leniency::kExtraSpace)) {
        *error = "more than one space between parameters";
        return false;
      }
      deviations->Add(Leniency::kExtraSpace);
      ++i;
      continue;
    }
    std::size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view tok = text.substr(i, end - i);
    std::size_t eq = tok.find('=');
    std::string_view key = tok.substr(0, eq);
    if (!IsEsmtpKeyword(key)) {
      *error = "invalid ESMTP parameter keyword";
      return false;
    }
    EsmtpParam p;
    p.keyword = std::string(key);
    p.keyword_upper = AsciiUpper(key);
    if (eq != std::string_view::npos) {
      std::string_view val = tok.substr(eq + 1);
      if (!CheckEsmtpValue(val, policy, &used_8bit, error)) return false;
      p.value = std::string(val);
    }
    out->push_back(std::move(p));
    i = end;
    if (i < text.size()) {
      ++i;  // the single separating SP
      if (i == text.size()) {
        *error = "trailing space after parameters";
        return false;
      }
    }
  }
  if (used_8bit) deviations->Add(Leniency::k8BitWithoutSmtputf8);
  return true;
}

ParamsResult InterpretParams(ParamContext ctx, const std::vector<EsmtpParam>& params) {
  ParamsResult r;
  KnownParams& k = r.known;
  const bool mail = ctx == ParamContext::kMail;
  bool seen_unknown = false;
  for (const EsmtpParam& p : params) {
    const std::string& key = p.keyword_upper;
    const std::optional<std::string>& v = p.value;
    if (mail && key == "SIZE") {
      // RFC 1870 6: size-value ::= 1*20DIGIT; "Only one SIZE parameter may be specified".
      if (k.size.has_value()) return Bad(r, "duplicate SIZE parameter");
      if (!v || v->empty() || v->size() > 20) return Bad(r, "SIZE needs 1 to 20 digits");
      std::uint64_t n = 0;
      for (char c : *v) {
        if (!IsDigit(static_cast<unsigned char>(c))) return Bad(r, "SIZE needs 1 to 20 digits");
        unsigned d = static_cast<unsigned>(c - '0');
        if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
          n = std::numeric_limits<std::uint64_t>::max();
        } else {
          n = n * 10 + d;
        }
      }
      k.size = n;
    } else if (mail && key == "BODY") {
      // RFC 6152 2: body-value ::= "7BIT" / "8BITMIME"; RFC 3030 3: "BINARYMIME".
      if (k.body.has_value()) return Bad(r, "duplicate BODY parameter");
      if (!v) return Bad(r, "BODY needs a value");
      std::string u = AsciiUpper(*v);
      if (u == "7BIT") k.body = Body::k7Bit;
      else if (u == "8BITMIME") k.body = Body::k8BitMime;
      else if (u == "BINARYMIME") k.body = Body::kBinaryMime;
      else return Bad(r, "BODY value not implemented", 504);  // RFC 5321 4.2.4: 504
    } else if (mail && key == "SMTPUTF8") {
      // RFC 6531 3.4: the SMTPUTF8 parameter "does not accept a value".
      if (k.smtputf8) return Bad(r, "duplicate SMTPUTF8 parameter");
      if (v) return Bad(r, "SMTPUTF8 takes no value");
      k.smtputf8 = true;
    } else if (mail && key == "RET") {
      // RFC 3461 4.3: ret-value = "FULL" / "HDRS"; 5.1(a): invalid or duplicate -> 501.
      if (k.ret.has_value()) return Bad(r, "duplicate RET parameter");
      std::string u = v ? AsciiUpper(*v) : "";
      if (u == "FULL") k.ret = Ret::kFull;
      else if (u == "HDRS") k.ret = Ret::kHdrs;
      else return Bad(r, "RET must be FULL or HDRS");
    } else if (mail && key == "ENVID") {
      // RFC 3461 4.4: envid-value = xtext, at most 100 characters.
      if (k.envid.has_value()) return Bad(r, "duplicate ENVID parameter");
      if (!v) return Bad(r, "ENVID needs a value");
      if (v->size() > 100) return Bad(r, "ENVID longer than 100 characters");
      std::optional<std::string> d = XtextDecode(*v);
      if (!d) return Bad(r, "ENVID is not valid xtext");
      k.envid = std::move(*d);
    } else if (mail && key == "AUTH") {
      // RFC 4954 5: auth-param = "AUTH=" xtext; "<>" when the identity is unknown.
      if (k.auth.has_value()) return Bad(r, "duplicate AUTH parameter");
      if (!v) return Bad(r, "AUTH needs a value");
      if (*v == "<>") {
        k.auth = "<>";
      } else {
        std::optional<std::string> d = XtextDecode(*v);
        if (!d) return Bad(r, "AUTH is not valid xtext");
        k.auth = std::move(*d);
      }
    } else if (!mail && key == "NOTIFY") {
      // RFC 3461 4.1: notify-esmtp-value = "NEVER" / 1#notify-list-element;
      // notify-list-element = "SUCCESS" / "FAILURE" / "DELAY"; NEVER "MUST appear by itself".
      if (k.notify.has_value()) return Bad(r, "duplicate NOTIFY parameter");
      if (!v) return Bad(r, "NOTIFY needs a value");
      Notify n;
      std::string u = AsciiUpper(*v);
      if (u == "NEVER") {
        n.never = true;
      } else {
        std::string_view rest = u;
        while (true) {
          std::size_t c = rest.find(',');
          std::string_view item = rest.substr(0, c);
          bool* flag = item == "SUCCESS" ? &n.success
                     : item == "FAILURE" ? &n.failure
                     : item == "DELAY"   ? &n.delay
                                         : nullptr;
          if (!flag) return Bad(r, "invalid NOTIFY value");
          if (*flag) return Bad(r, "repeated NOTIFY keyword");
          *flag = true;
          if (c == std::string_view::npos) break;
          rest.remove_prefix(c + 1);
        }
      }
      k.notify = n;
    } else if (!mail && key == "ORCPT") {
      // RFC 3461 4.2: orcpt-parameter = "ORCPT=" original-recipient-address;
      // original-recipient-address = addr-type ";" xtext; at most 500 characters.
      if (k.orcpt.has_value()) return Bad(r, "duplicate ORCPT parameter");
      if (!v) return Bad(r, "ORCPT needs a value");
      if (v->size() > 500) return Bad(r, "ORCPT longer than 500 characters");
      std::size_t semi = v->find(';');
      if (semi == std::string::npos || semi == 0) return Bad(r, "ORCPT needs addr-type;xtext");
      std::string_view type = std::string_view(*v).substr(0, semi);
      for (char c : type) {
        // addr-type is an atom (RFC 3461 4.2 via RFC 822).
        if (!IsAtext(static_cast<unsigned char>(c))) return Bad(r, "invalid ORCPT addr-type");
      }
      std::optional<std::string> d = XtextDecode(std::string_view(*v).substr(semi + 1));
      if (!d || d->empty()) return Bad(r, "ORCPT address is not valid xtext");
      k.orcpt = Orcpt{std::string(type), std::move(*d)};
    } else {
      k.unknown.push_back(p);
      seen_unknown = true;
    }
  }
  r.ok = true;
  // RFC 5321 4.1.1.11: parameters the server does not recognise -> 555.
  r.reply_code = seen_unknown ? 555 : 0;
  return r;
}

std::string FormatEsmtpParam(const EsmtpParam& p) {
  std::string out = p.keyword_upper;
  if (p.value) {
    out += '=';
    out += *p.value;
  }
  return out;
}

}  // namespace mta::smtp
