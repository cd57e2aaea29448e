// mime.cc: Content-Type parsing and formatting, multipart splitting and building, the
// entity tree and transfer-encoding decoding declared in mime.h.
//
// RFC 2045 5.1 (Content-Type syntax), 5.2 (default type), 6.7 (quoted-printable), 6.8
// (base64); RFC 2046 5.1.1 (multipart delimiters), 5.1.5 (multipart/digest default),
// 5.2.1 (message/rfc822); RFC 6532 3.7 (message/global).
//
//   SplitMultipart("--b\r\nA\r\n--b\r\nB\r\n--b--\r\n", "b").parts == {"A", "B"}
//
// The tree is built with an explicit work stack (no recursion); each level copies at most
// the bytes of its parent, and depth and part counts are capped by MimeLimits.
#include "mta/lib/message/mime.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace mta::message {
namespace {

bool IsWsp(char c) { return c == ' ' || c == '\t'; }

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// RFC 2045 5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>.
bool IsTSpecial(char c) {
  switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
    case '\\': case '"': case '/': case '[': case ']': case '?': case '=':
      return true;
    default:
      return false;
  }
}

bool IsTokenChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 32 && u < 127 && !IsTSpecial(c);
}


std::size_t ReadToken(std::string_view s, std::size_t i) {
  while (i < s.size() && IsTokenChar(s[i])) ++i;
  return i;
}

// Reads a quoted-string starting at the opening quote; returns the unquoted text and
// moves `i` past the closing quote (or to the end when unterminated).
std::string ReadQuoted(std::string_view s, std::size_t& i) {
  std::string out;
  ++i;  // opening quote
  while (i < s.size()) {
    char c = s[i];
    if (c == '"') {
      ++i;
      break;
    }
    if (c == '\\' && i + 1 < s.size()) {
      out.push_back(s[i + 1]);  // RFC 5322 3.2.1 quoted-pair
      i += 2;
      continue;
    }
    if (c == '\r' || c == '\n') {  // folding inside a quoted string: drop the line end
      ++i;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

bool NeedsQuoting(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (!IsTokenChar(c)) return true;
  }
  return false;
}

ContentType DefaultContentType(bool in_digest) {
  ContentType ct;
  if (in_digest) {
    // RFC 2046 5.1.5: in a digest, the default Content-Type of a body part is
    // message/rfc822.
    ct.type = "message";
    ct.subtype = "rfc822";
  } else {
    // RFC 2045 5.2: default is text/plain; charset=us-ascii.
    ct.type = "text";
    ct.subtype = "plain";
    ct.params.emplace_back("charset", "us-ascii");
  }
  return ct;
}

// Length of the delimiter line starting at `ls` (through its line end), 0 when the line is
// not a delimiter; `close` tells whether it is the close-delimiter.
// `lf` is the position of the line's LF (or the body size): the boundary is compared only
// when it fits on the line, which keeps the whole scan linear in the body size.
std::size_t DelimiterLine(std::string_view body, std::size_t ls, std::size_t lf,
                          std::string_view boundary, bool& close) {
  std::size_t n = body.size();
  if (lf - ls < 2 + boundary.size()) return 0;
  if (body[ls] != '-' || body[ls + 1] != '-') return 0;
  if (body.compare(ls + 2, boundary.size(), boundary) != 0) return 0;
  std::size_t i = ls + 2 + boundary.size();
  close = false;
  if (i + 2 <= n && body[i] == '-' && body[i + 1] == '-') {
    close = true;
    i += 2;
  }
  // RFC 2046 5.1.1: transport-padding := *LWSP-char after the boundary.
  while (i < n && IsWsp(body[i])) ++i;
  if (i == n) return i - ls;
  if (body[i] == '\n') return i + 1 - ls;
  if (body[i] == '\r' && i + 1 < n && body[i + 1] == '\n') return i + 2 - ls;
  if (body[i] == '\r' && i + 1 == n) return n - ls;
  return 0;
}

}  // namespace

bool ContentType::Is(std::string_view t, std::string_view s) const {
  return EqualsIgnoreCase(type, t) && EqualsIgnoreCase(subtype, s);
}

std::optional<std::string> ContentType::Param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

std::optional<ContentType> ParseContentType(std::string_view s) {
  // RFC 2045 5.1: content := "Content-Type" ":" type "/" subtype *(";" parameter)
  ContentType ct;
  std::size_t i = SkipCfws(s, 0);
  std::size_t e = ReadToken(s, i);
  if (e == i) return std::nullopt;
  ct.type = Lower(s.substr(i, e - i));
  i = SkipCfws(s, e);
  if (i >= s.size() || s[i] != '/') return std::nullopt;
  i = SkipCfws(s, i + 1);
  e = ReadToken(s, i);
  if (e == i) return std::nullopt;
  ct.subtype = Lower(s.substr(i, e - i));
  i = e;
  // parameter := attribute "=" value; value := token / quoted-string. Malformed parameters
  // are skipped up to the next ";" outside quotes.
  for (;;) {
    i = SkipCfws(s, i);
    if (i >= s.size()) break;
    if (s[i] != ';') {
      // Junk after the type or a parameter: resynchronise at the next ';'.
      bool in_quote = false;
      while (i < s.size() && (in_quote || s[i] != ';')) {
        if (s[i] == '"') in_quote = !in_quote;
        else if (s[i] == '\\' && in_quote) ++i;
        ++i;
      }
      continue;
    }
    i = SkipCfws(s, i + 1);
    if (i >= s.size()) break;
    std::size_t ne = ReadToken(s, i);
    if (ne == i) continue;  // empty attribute: resynchronise
    std::string name = Lower(s.substr(i, ne - i));
    i = SkipCfws(s, ne);
    if (i >= s.size() || s[i] != '=') continue;
    i = SkipCfws(s, i + 1);
    std::string value;
    if (i < s.size() && s[i] == '"') {
      value = ReadQuoted(s, i);
    } else {
      // Lenient: accept any run of octets up to ';', WSP or a comment (real mail carries
      // unquoted tspecials such as '=' in boundaries).
      std::size_t ve = i;
      while (ve < s.size() && s[ve] != ';' && s[ve] != '(' && !IsWsp(s[ve]) && s[ve] != '\r' &&
             s[ve] != '\n' && s[ve] != '"') {
        ++ve;
      }
      value = std::string(s.substr(i, ve - i));
      i = ve;
    }
    ct.params.emplace_back(std::move(name), std::move(value));
  }
  return ct;
}

std::string FormatContentType(const ContentType& ct) {
  std::string out = ct.type + "/" + ct.subtype;
  for (const auto& [k, v] : ct.params) {
    out += "; ";
    out += k;
    out += '=';
    if (NeedsQuoting(v)) {
      out += '"';
      for (char c : v) {
        // RFC 5322 3.2.4 / 4.4 (obs-qp): CR and LF can only appear in a quoted string as
        // quoted-pairs; unescaped, a reader takes them for folding and drops them.
        if (c == '"' || c == '\\' || c == '\r' || c == '\n') out += '\\';
        out += c;
      }
      out += '"';
    } else {
      out += v;
    }
  }
  return out;
}

MultipartSplit SplitMultipart(std::string_view body, std::string_view boundary) {
  MultipartSplit r;
  if (boundary.empty()) {
    r.preamble = std::string(body);
    return r;
  }
  bool seen = false;
  std::size_t part_start = 0;
  std::size_t ls = 0;  // start of the current line
  while (ls <= body.size()) {
    bool close = false;
    std::size_t lf = body.find('\n', ls);
    if (lf == std::string_view::npos) lf = body.size();
    std::size_t dl = ls < body.size() ? DelimiterLine(body, ls, lf, boundary, close) : 0;
    if (dl > 0) {
      // RFC 2046 5.1.1: the CRLF preceding the boundary delimiter line belongs to the
      // delimiter; the first delimiter may start the body with no CRLF before it.
      std::size_t end = ls;
      if (ls >= 2 && body[ls - 2] == '\r' && body[ls - 1] == '\n') {
        end = ls - 2;
      } else if (ls >= 1 && body[ls - 1] == '\n') {
        end = ls - 1;
      }
      if (!seen) {
        r.preamble = std::string(body.substr(0, end));
        seen = true;
      } else {
        if (end < part_start) end = part_start;
        r.parts.emplace_back(body.substr(part_start, end - part_start));
      }
      std::size_t after = ls + dl;
      if (close) {
        r.closed = true;
        r.epilogue = std::string(body.substr(after));
        return r;
      }
      part_start = after;
      ls = after;
      if (ls >= body.size()) break;
      continue;
    }
    if (lf >= body.size()) break;
    ls = lf + 1;
  }
  if (!seen) {
    r.preamble = std::string(body);
  } else {
    // No close-delimiter: the last part runs to the end of the body.
    r.parts.emplace_back(body.substr(std::min(part_start, body.size())));
  }
  return r;
}

std::string BuildMultipart(std::string_view boundary, const std::vector<std::string>& parts,
                           std::string_view preamble) {
  std::string out;
  std::size_t total = preamble.size() + 16 + boundary.size();
  for (const std::string& p : parts) total += p.size() + boundary.size() + 8;
  out.reserve(total);
  if (!preamble.empty()) {
    out.append(preamble);
    out.append("\r\n");
  }
  for (const std::string& p : parts) {
    out.append("--").append(boundary).append("\r\n");
    out.append(p);
    out.append("\r\n");
  }
  out.append("--").append(boundary).append("--\r\n");
  return out;
}

std::string DecodeTransferEncoding(std::string_view body, std::string_view encoding) {
  std::string enc = Lower(encoding);
  std::string_view e = enc;
  while (!e.empty() && (IsWsp(e.front()) || e.front() == '\r' || e.front() == '\n')) {
    e.remove_prefix(1);
  }
  while (!e.empty() && (IsWsp(e.back()) || e.back() == '\r' || e.back() == '\n')) {
    e.remove_suffix(1);
  }
  if (e == "base64") {
    // RFC 2045 6.8: characters outside the alphabet are ignored; '=' ends a quantum.
    std::string out;
    out.reserve(body.size() / 4 * 3 + 3);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : body) {
      int v;
      if (c >= 'A' && c <= 'Z') v = c - 'A';
      else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
      else if (c >= '0' && c <= '9') v = c - '0' + 52;
      else if (c == '+') v = 62;
      else if (c == '/') v = 63;
      else if (c == '=') {
        acc = 0;
        bits = 0;
        continue;
      } else {
        continue;
      }
      acc = (acc << 6) | static_cast<std::uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        acc &= (1u << bits) - 1;
      }
    }
    return out;
  }
  if (e == "quoted-printable") {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    std::string out;
    out.reserve(body.size());
    std::size_t keep = 0;  // out.size() after the last octet that trailing-WSP removal keeps
    const std::size_t n = body.size();
    std::size_t i = 0;
    while (i < n) {
      char c = body[i];
      if (c == '=') {
        // Soft line break: "=" [transport padding] CRLF / LF (RFC 2045 6.7 rule 5).
        std::size_t j = i + 1;
        while (j < n && IsWsp(body[j])) ++j;
        if (j < n && body[j] == '\n') {
          i = j + 1;
          keep = out.size();
          continue;
        }
        if (j + 1 < n && body[j] == '\r' && body[j + 1] == '\n') {
          i = j + 2;
          keep = out.size();
          continue;
        }
        if (j == n) {  // "=" at the very end: a soft break with no line after it
          i = n;
          keep = out.size();
          continue;
        }
        if (i + 2 < n) {
          int hi = hex(body[i + 1]);
          int lo = hex(body[i + 2]);
          if (hi >= 0 && lo >= 0) {
            out.push_back(static_cast<char>(hi * 16 + lo));
            keep = out.size();
            i += 3;
            continue;
          }
        }
        out.push_back('=');  // invalid escape: kept literally
        keep = out.size();
        ++i;
        continue;
      }
      if (c == '\n' || (c == '\r' && i + 1 < n && body[i + 1] == '\n')) {
        // RFC 2045 6.7 rule 3: trailing white space on a line is deleted when decoding.
        out.resize(keep);
        if (c == '\r') {
          out.append("\r\n");
          i += 2;
        } else {
          out.push_back('\n');
          ++i;
        }
        keep = out.size();
        continue;
      }
      out.push_back(c);
      if (!IsWsp(c)) keep = out.size();
      ++i;
    }
    out.resize(keep);
    return out;
  }
  return std::string(body);  // 7bit, 8bit, binary and unknown encodings
}

MimeEntity ParseMime(std::string_view message, const MimeLimits& limits) {
  struct Work {
    MimeEntity* entity;
    std::string bytes;
    int depth;
    bool in_digest;
  };
  MimeEntity root;
  std::vector<Work> stack;
  stack.push_back({&root, std::string(message), 0, false});
  std::unordered_map<const MimeEntity*, MimeEntity*> parent_of;
  // "truncated" holds for every ancestor of the entity where a limit was hit.
  auto mark_truncated = [&parent_of](MimeEntity* e) {
    while (e != nullptr && !e->truncated) {
      e->truncated = true;
      auto it = parent_of.find(e);
      e = it == parent_of.end() ? nullptr : it->second;
    }
  };
  std::size_t parts_made = 0;
  while (!stack.empty()) {
    Work w = std::move(stack.back());
    stack.pop_back();
    MimeEntity& ent = *w.entity;
    ent.header = ParseHeader(w.bytes);
    ent.body = w.bytes.substr(std::min(ent.header.body_offset, w.bytes.size()));
    std::optional<ContentType> ct;
    if (const HeaderField* f = ent.header.Find("Content-Type")) ct = ParseContentType(f->Unfolded());
    // RFC 2045 5.2: absent or unparseable Content-Type means the default.
    ent.content_type = ct ? *ct : DefaultContentType(w.in_digest);
    std::string cte;
    if (const HeaderField* f = ent.header.Find("Content-Transfer-Encoding")) cte = f->Unfolded();

    std::vector<std::string> children;
    bool child_digest = false;
    const ContentType& t = ent.content_type;
    if (t.type == "multipart") {
      std::optional<std::string> b = t.Param("boundary");
      if (b && !b->empty()) {
        MultipartSplit sp = SplitMultipart(ent.body, *b);
        children = std::move(sp.parts);
        child_digest = t.subtype == "digest";
      }
    } else if (t.Is("message", "rfc822") || t.Is("message", "global")) {
      // RFC 2046 5.2.1 / RFC 6532 3.7: the body is one complete message. (message/global
      // may be transfer-encoded.)
      children.push_back(DecodeTransferEncoding(ent.body, cte));
    }
    // text/rfc822-headers and every other type: the body is kept as it is.
    if (children.empty()) continue;
    if (w.depth + 1 > limits.max_depth) {
      mark_truncated(&ent);
      continue;
    }
    std::size_t room = parts_made < limits.max_parts ? limits.max_parts - parts_made : 0;
    if (children.size() > room) {
      mark_truncated(&ent);
      children.resize(room);
    }
    parts_made += children.size();
    // Sized once: the pointers pushed below stay valid.
    ent.parts.resize(children.size());
    for (std::size_t k = children.size(); k-- > 0;) {
      parent_of[&ent.parts[k]] = &ent;
      stack.push_back({&ent.parts[k], std::move(children[k]), w.depth + 1, child_digest});
    }
  }
  return root;
}

}  // namespace mta::message
