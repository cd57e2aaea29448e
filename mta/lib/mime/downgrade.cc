// downgrade.cc: 8BITMIME downgrade (RFC 6152 3, RFC 2045 6.7, RFC 2046 5.1).
#include "mta/lib/mime/downgrade.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "mta/lib/message/header.h"
#include "mta/lib/message/mime.h"
#include "mta/lib/mime/qp.h"

namespace mta::mime {
namespace {

using message::EqualsIgnoreCase;

struct Failure {
  DowngradeStatus status;
  std::string reason;
};

// The Content-Transfer-Encoding mechanism, lower-cased ("" when absent).
std::string TransferEncoding(const message::ParsedHeader& h) {
  const message::HeaderField* f = h.Find("Content-Transfer-Encoding");
  if (f == nullptr) return "";
  std::string v = f->Unfolded();
  std::size_t i = message::SkipCfws(v, 0);
  std::string out;
  for (; i < v.size(); ++i) {
    const char c = v[i];
    if (c == ' ' || c == '\t' || c == '(' || c == ';' || c == '\r' || c == '\n') break;
    out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  }
  return out;
}

// Header bytes with every field named in `drop` removed and `add` appended before the
// separator line (which is CRLF when the input had none).
std::string RebuildHeader(std::string_view entity, const message::ParsedHeader& h,
                          std::string_view drop, const std::vector<std::string>& add) {
  std::string out;
  std::size_t fields_len = 0;
  for (const message::HeaderField& f : h.fields) {
    fields_len += f.raw.size();
    if (!drop.empty() && EqualsIgnoreCase(f.name, drop)) continue;
    out.append(f.raw);
  }
  if (!out.empty() && out.back() != '\n') out.append("\r\n");
  for (const std::string& line : add) out.append(line);
  if (h.has_separator && fields_len <= h.body_offset) {
    out.append(entity.substr(fields_len, h.body_offset - fields_len));
  } else {
    out.append("\r\n");
  }
  return out;
}

std::size_t LineEndBefore(std::string_view s, std::size_t pos, std::size_t floor) {
  if (pos >= floor + 2 && s.substr(pos - 2, 2) == "\r\n") return 2;
  if (pos >= floor + 1 && s[pos - 1] == '\n') return 1;
  return 0;
}

struct Delimiter {
  std::size_t start;  // first octet of "--boundary"
  std::size_t end;    // after its line end
  bool close;
};

// RFC 2046 5.1.1: delimiter lines "--" boundary ["--"] *LWSP-char, at a line start.
std::vector<Delimiter> FindDelimiters(std::string_view body, std::string_view boundary) {
  std::vector<Delimiter> out;
  std::size_t p = 0;
  while (p < body.size()) {
    std::size_t nl = body.find('\n', p);
    std::size_t line_end = nl == std::string_view::npos ? body.size() : nl + 1;
    std::string_view line = body.substr(p, line_end - p);
    if (line.size() >= 2 + boundary.size() && line.substr(0, 2) == "--" &&
        line.substr(2, boundary.size()) == boundary) {
      std::string_view rest = line.substr(2 + boundary.size());
      bool close = false;
      if (rest.substr(0, 2) == "--") {
        close = true;
        rest.remove_prefix(2);
      }
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
      if (rest.empty() || rest == "\n" || rest == "\r\n") {
        out.push_back({p, line_end, close});
        if (close) break;
      }
    }
    p = line_end;
  }
  return out;
}

class Converter {
 public:
  explicit Converter(const DowngradeLimits& limits) : limits_(limits) {}

  // Converts one entity (header + body). `top` adds MIME-Version / Content-Type.
  std::optional<std::string> Entity(std::string_view entity, int depth, bool top) {
    message::ParsedHeader h = message::ParseHeader(entity);
    const std::size_t body_offset = std::min(h.body_offset, entity.size());
    if (HasEightBit(entity.substr(0, body_offset))) {
      Fail(DowngradeStatus::kHeaderEightBit, "8-bit octets in a header field");
      return std::nullopt;
    }
    std::string_view body = entity.substr(body_offset);
    if (!HasEightBit(body)) return std::string(entity);
    if (depth > limits_.max_depth) {
      Fail(DowngradeStatus::kCannotConvert, "MIME nesting too deep");
      return std::nullopt;
    }
    message::ContentType ct{"text", "plain", {}};
    const message::HeaderField* ct_field = h.Find("Content-Type");
    if (ct_field != nullptr) {
      if (auto parsed = message::ParseContentType(ct_field->Unfolded())) ct = *parsed;
    }
    const std::string cte = TransferEncoding(h);
    std::vector<std::string> add;
    if (top && h.Find("MIME-Version") == nullptr) add.push_back("MIME-Version: 1.0\r\n");

    if (ct.type == "multipart") {
      std::optional<std::string> boundary = ct.Param("boundary");
      if (!boundary || boundary->empty()) {
        Fail(DowngradeStatus::kCannotConvert, "8-bit multipart body without a boundary");
        return std::nullopt;
      }
      std::optional<std::string> converted = Multipart(body, *boundary, depth);
      if (!converted) return std::nullopt;
      // RFC 2045 6.4: a multipart entity is labelled 7bit (or not at all) once 7-bit.
      bool relabel = cte == "8bit" || cte == "binary";
      if (relabel) add.push_back("Content-Transfer-Encoding: 7bit\r\n");
      return RebuildHeader(entity, h, relabel ? "Content-Transfer-Encoding" : "", add) +
             *converted;
    }
    if (ct.type == "message") {
      if (ct.subtype != "rfc822") {
        // RFC 2046 5.2.2 / 5.2.3 / RFC 6532: partial, external-body, global: not convertible.
        Fail(DowngradeStatus::kCannotConvert, "8-bit message/" + ct.subtype + " body");
        return std::nullopt;
      }
      std::optional<std::string> inner = Entity(body, depth + 1, false);
      if (!inner) return std::nullopt;
      add.push_back("Content-Transfer-Encoding: 7bit\r\n");
      return RebuildHeader(entity, h, "Content-Transfer-Encoding", add) + *inner;
    }
    if (cte == "quoted-printable" || cte == "base64") {
      Fail(DowngradeStatus::kCannotConvert, "8-bit octets in a " + cte + " body");
      return std::nullopt;
    }
    // A leaf: RFC 2045 6.7 quoted-printable keeps every octet.
    if (top && ct_field == nullptr) {
      add.push_back("Content-Type: text/plain; charset=unknown-8bit\r\n");
    }
    add.push_back("Content-Transfer-Encoding: quoted-printable\r\n");
    return RebuildHeader(entity, h, "Content-Transfer-Encoding", add) +
           EncodeQuotedPrintable(body);
  }

  const Failure& failure() const { return failure_; }

 private:
  std::optional<std::string> Multipart(std::string_view body, std::string_view boundary,
                                       int depth) {
    std::vector<Delimiter> ds = FindDelimiters(body, boundary);
    if (ds.empty()) {
      Fail(DowngradeStatus::kCannotConvert, "8-bit multipart body without delimiters");
      return std::nullopt;
    }
    std::string out;
    // Preamble (with the line end belonging to the first delimiter) kept as is.
    out.append(body.substr(0, ds[0].start));
    for (std::size_t k = 0; k < ds.size(); ++k) {
      out.append(body.substr(ds[k].start, ds[k].end - ds[k].start));
      if (ds[k].close) break;
      const std::size_t from = ds[k].end;
      std::size_t to = body.size();
      std::size_t eol = 0;
      if (k + 1 < ds.size()) {
        eol = LineEndBefore(body, ds[k + 1].start, from);
        to = ds[k + 1].start - eol;
      }
      std::optional<std::string> part = Entity(body.substr(from, to - from), depth + 1, false);
      if (!part) return std::nullopt;
      out.append(*part);
      out.append(body.substr(to, eol));
    }
    out.append(body.substr(std::min(body.size(), ds.back().end)));
    return out;
  }

  void Fail(DowngradeStatus s, std::string reason) {
    if (failure_.reason.empty()) failure_ = {s, std::move(reason)};
  }

  DowngradeLimits limits_;
  Failure failure_{DowngradeStatus::kCannotConvert, ""};
};

}  // namespace

bool HasEightBit(std::string_view bytes) {
  return std::any_of(bytes.begin(), bytes.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

bool HeaderHasEightBit(std::string_view message) {
  message::ParsedHeader h = message::ParseHeader(message);
  return HasEightBit(message.substr(0, std::min(h.body_offset, message.size())));
}

DowngradeResult Downgrade(std::string_view message, const DowngradeLimits& limits) {
  DowngradeResult r;
  if (!HasEightBit(message)) {
    r.status = DowngradeStatus::kUnchanged;
    r.message = std::string(message);
    return r;
  }
  Converter conv(limits);
  std::optional<std::string> out = conv.Entity(message, 0, true);
  if (out && HasEightBit(*out)) {
    // 8-bit octets left where no encoding applies (a preamble or an epilogue).
    r.status = DowngradeStatus::kCannotConvert;
    r.reason = "8-bit octets outside any body part";
    return r;
  }
  if (!out) {
    r.status = conv.failure().status;
    r.reason = conv.failure().reason;
    return r;
  }
  r.status = DowngradeStatus::kConverted;
  r.message = std::move(*out);
  return r;
}

}  // namespace mta::mime
