// header.cc: RFC 5322 header section parser, extractors (Received, Delivered-To,
// Return-Path, Auto-Submitted) and the folding formatter declared in header.h.
//
// RFC 5322 2.1.1 (line length), 2.2 (field = name ":" body), 2.2.3 (folding), 3.6.7
// (Return-Path angle-addr), 4.5 (obsolete: WSP before the colon, all-WSP fold lines);
// RFC 3834 5 (Auto-Submitted).
//
//   ParseHeader("Subject : a\r\n b\r\n\r\n") -> one field "Subject", Unfolded() "a b",
//   findings {kObsWspBeforeColon}.
//
// Everything here is a single forward pass over the input: linear time, no recursion.
#include "mta/lib/message/header.h"

#include <algorithm>
#include <cstdint>

namespace mta::message {
namespace {

bool IsWsp(char c) { return c == ' ' || c == '\t'; }

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string_view TrimWsp(std::string_view s) {
  while (!s.empty() && IsWsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsWsp(s.back())) s.remove_suffix(1);
  return s;
}

// One physical line: [begin, content_end) is its content, [content_end, next) its line end
// (CRLF, LF, or nothing at the end of the input).
struct Line {
  std::size_t begin;
  std::size_t content_end;
  std::size_t next;
};

Line NextLine(std::string_view s, std::size_t pos) {
  std::size_t lf = s.find('\n', pos);
  if (lf == std::string_view::npos) return {pos, s.size(), s.size()};
  std::size_t end = lf;
  if (end > pos && s[end - 1] == '\r') --end;
  return {pos, end, lf + 1};
}


}  // namespace

// Skips CFWS (RFC 5322 3.2.2) from `i`: WSP, line breaks and nested comments with
// quoted-pairs. Comments are tracked with a depth counter, not recursion. An unterminated
// comment runs to the end.
std::size_t SkipCfws(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    char c = s[i];
    if (IsWsp(c) || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '(') {
      int depth = 0;
      while (i < s.size()) {
        char d = s[i];
        if (d == '\\') {
          i += 2;
          continue;
        }
        ++i;
        if (d == '(') {
          ++depth;
        } else if (d == ')') {
          if (--depth == 0) break;
        }
      }
      if (i > s.size()) i = s.size();
    } else {
      break;
    }
  }
  return i;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

std::string HeaderField::Unfolded() const {
  std::string out;
  out.reserve(value.size());
  const std::size_t n = value.size();
  for (std::size_t i = 0; i < n; ++i) {
    // RFC 5322 2.2.3: unfolding removes any CRLF that is immediately followed by WSP.
    // LF alone is accepted as a line break too.
    if (value[i] == '\r' && i + 2 < n && value[i + 1] == '\n' && IsWsp(value[i + 2])) {
      ++i;
      continue;
    }
    if (value[i] == '\n' && i + 1 < n && IsWsp(value[i + 1])) continue;
    out.push_back(value[i]);
  }
  std::string_view t = TrimWsp(out);
  return std::string(t);
}

const HeaderField* ParsedHeader::Find(std::string_view name) const {
  for (const HeaderField& f : fields) {
    if (EqualsIgnoreCase(f.name, name)) return &f;
  }
  return nullptr;
}

std::vector<const HeaderField*> ParsedHeader::FindAll(std::string_view name) const {
  std::vector<const HeaderField*> out;
  for (const HeaderField& f : fields) {
    if (EqualsIgnoreCase(f.name, name)) out.push_back(&f);
  }
  return out;
}

bool ParsedHeader::Has(HeaderIssue issue) const {
  return std::any_of(findings.begin(), findings.end(),
                     [issue](const HeaderFinding& f) { return f.issue == issue; });
}

ParsedHeader ParseHeader(std::string_view s) {
  ParsedHeader h;
  // Octet-level issues are reported once, at their first occurrence.
  bool seen_lf = false, seen_cr = false, seen_nul = false, seen_long = false;
  auto scan_line = [&](const Line& ln) {
    if (!seen_long && ln.content_end - ln.begin > 998) {
      // RFC 5322 2.1.1: lines MUST be no more than 998 characters excluding the CRLF.
      seen_long = true;
      h.findings.push_back({HeaderIssue::kLineTooLong, ln.begin});
    }
    if (!seen_lf && ln.next > ln.content_end && ln.next - ln.content_end == 1) {
      seen_lf = true;
      h.findings.push_back({HeaderIssue::kBareLf, ln.content_end});
    }
    if (!seen_cr || !seen_nul) {
      for (std::size_t i = ln.begin; i < ln.content_end; ++i) {
        if (s[i] == '\r' && !seen_cr) {
          seen_cr = true;
          h.findings.push_back({HeaderIssue::kBareCr, i});
        } else if (s[i] == '\0' && !seen_nul) {
          seen_nul = true;
          h.findings.push_back({HeaderIssue::kNul, i});
        }
      }
    }
  };

  // The field being assembled: [start, end) in `s`, colon at `colon`, the final line's
  // line end [content_end, end).
  bool open = false;
  std::size_t f_start = 0, f_colon = 0, f_name_end = 0, f_content_end = 0, f_end = 0;
  auto close_field = [&]() {
    if (!open) return;
    HeaderField f;
    f.name = std::string(s.substr(f_start, f_name_end - f_start));
    f.value = std::string(s.substr(f_colon + 1, f_content_end - f_colon - 1));
    f.raw = std::string(s.substr(f_start, f_end - f_start));
    h.fields.push_back(std::move(f));
    open = false;
  };

  std::size_t pos = 0;
  for (;;) {
    if (pos >= s.size()) {
      close_field();
      h.body_offset = s.size();
      h.findings.push_back({HeaderIssue::kNoBodySeparator, s.size()});
      break;
    }
    Line ln = NextLine(s, pos);
    if (ln.content_end == ln.begin) {
      // RFC 5322 2.1: the header section ends at the first empty line.
      close_field();
      scan_line(ln);
      h.has_separator = true;
      h.body_offset = ln.next;
      break;
    }
    if (IsWsp(s[ln.begin])) {
      if (!open) {
        // Nothing to continue: this is not a header section. The body starts here.
        h.findings.push_back({HeaderIssue::kContinuationFirst, ln.begin});
        h.body_offset = ln.begin;
        break;
      }
      // RFC 5322 2.2.3: a line beginning with WSP continues the previous field.
      bool all_wsp = true;
      for (std::size_t i = ln.begin; i < ln.content_end; ++i) {
        if (!IsWsp(s[i])) {
          all_wsp = false;
          break;
        }
      }
      // RFC 5322 4.5.3: obs-FWS allows fold lines made of WSP only.
      if (all_wsp) h.findings.push_back({HeaderIssue::kObsEmptyFoldLine, ln.begin});
      scan_line(ln);
      f_content_end = ln.content_end;
      f_end = ln.next;
      pos = ln.next;
      continue;
    }
    // A new field: field-name ":" (RFC 5322 2.2), obs-optional WSP before the colon (4.5).
    std::string_view content = s.substr(ln.begin, ln.content_end - ln.begin);
    std::size_t colon = content.find(':');
    std::size_t name_end = colon;
    if (colon != std::string_view::npos) {
      while (name_end > 0 && IsWsp(content[name_end - 1])) --name_end;
    }
    bool is_field = colon != std::string_view::npos && name_end > 0;
    if (is_field) {
      for (std::size_t i = 0; i < name_end; ++i) {
        if (IsWsp(content[i])) {
          is_field = false;  // "From sender date" (mbox) or prose: not a field
          break;
        }
      }
    }
    if (!is_field) {
      close_field();
      h.findings.push_back({HeaderIssue::kMissingColon, ln.begin});
      h.body_offset = ln.begin;
      break;
    }
    close_field();
    if (name_end != colon) {
      h.findings.push_back({HeaderIssue::kObsWspBeforeColon, ln.begin + name_end});
    }
    for (std::size_t i = 0; i < name_end; ++i) {
      auto c = static_cast<unsigned char>(content[i]);
      // RFC 5322 2.2: ftext = %d33-57 / %d59-126.
      if (c < 33 || c > 126) {
        h.findings.push_back({HeaderIssue::kNonAsciiName, ln.begin + i});
        break;
      }
    }
    scan_line(ln);
    open = true;
    f_start = ln.begin;
    f_name_end = ln.begin + name_end;
    f_colon = ln.begin + colon;
    f_content_end = ln.content_end;
    f_end = ln.next;
    pos = ln.next;
  }
  std::stable_sort(h.findings.begin(), h.findings.end(),
                   [](const HeaderFinding& a, const HeaderFinding& b) {
                     return a.offset < b.offset;
                   });
  return h;
}

std::size_t CountReceived(const ParsedHeader& h) {
  std::size_t n = 0;
  for (const HeaderField& f : h.fields) {
    if (EqualsIgnoreCase(f.name, "Received")) ++n;
  }
  return n;
}

std::vector<std::string> DeliveredTo(const ParsedHeader& h) {
  std::vector<std::string> out;
  for (const HeaderField* f : h.FindAll("Delivered-To")) out.push_back(f->Unfolded());
  return out;
}

std::size_t RemoveFields(std::string* message, std::string_view name) {
  ParsedHeader h = ParseHeader(*message);
  std::string kept;
  std::size_t header_end = 0, removed = 0;  // the fields' raw bytes are the input up to here
  for (const HeaderField& f : h.fields) {
    header_end += f.raw.size();
    if (EqualsIgnoreCase(f.name, name)) ++removed;
    else kept += f.raw;
  }
  if (removed > 0) message->replace(0, header_end, kept);
  return removed;
}

std::optional<std::string> ReturnPath(const ParsedHeader& h) {
  const HeaderField* f = h.Find("Return-Path");
  if (f == nullptr) return std::nullopt;
  std::string v = f->Unfolded();
  // RFC 5322 3.6.7: return = "Return-Path:" path CRLF;
  //                 path = angle-addr / ([CFWS] "<" [CFWS] ">" [CFWS]).
  std::size_t i = SkipCfws(v, 0);
  if (i >= v.size() || v[i] != '<') return std::nullopt;
  ++i;
  std::string addr;
  bool closed = false;
  while (i < v.size()) {
    char c = v[i];
    if (c == '>') {
      closed = true;
      ++i;
      break;
    }
    if (c == '"') {
      // quoted-string kept verbatim (RFC 5322 3.2.4), quoted-pairs included.
      addr.push_back(c);
      ++i;
      while (i < v.size() && v[i] != '"') {
        if (v[i] == '\\' && i + 1 < v.size()) addr.push_back(v[i++]);
        addr.push_back(v[i++]);
      }
      if (i < v.size()) addr.push_back(v[i++]);
      continue;
    }
    if (c == '(' || IsWsp(c)) {
      i = SkipCfws(v, i);  // CFWS around the parts of the addr-spec is dropped
      continue;
    }
    if (c == '<') return std::nullopt;
    addr.push_back(c);
    ++i;
  }
  if (!closed) return std::nullopt;
  if (SkipCfws(v, i) != v.size()) return std::nullopt;
  // RFC 5322 4.4: obs-angle-addr may carry a source route "@a,@b:" before the addr-spec.
  if (!addr.empty() && addr[0] == '@') {
    std::size_t colon = addr.find(':');
    if (colon == std::string::npos) return std::nullopt;
    addr.erase(0, colon + 1);
  }
  return addr;
}

std::string AutoSubmitted(const ParsedHeader& h) {
  const HeaderField* f = h.Find("Auto-Submitted");
  if (f == nullptr) return "no";
  std::string v = f->Unfolded();
  // RFC 3834 5: auto-submitted-field = "Auto-Submitted:" [CFWS] auto-submitted [CFWS]
  //             *( ";" [CFWS] extension [CFWS] )
  std::size_t i = SkipCfws(v, 0);
  std::string kw;
  while (i < v.size() && v[i] != ';' && v[i] != '(' && !IsWsp(v[i]) && v[i] != '\r' &&
         v[i] != '\n') {
    kw.push_back(AsciiLower(v[i]));
    ++i;
  }
  return kw;
}

std::string FormatField(std::string_view name, std::string_view value, std::string_view eol) {
  constexpr std::size_t kFoldAt = 78;  // RFC 5322 2.1.1: SHOULD be no more than 78
  std::string out;
  out.reserve(name.size() + value.size() + value.size() / 32 + 8);
  out.append(name);
  out.push_back(':');
  if (value.empty()) {
    out.append(eol);
    return out;
  }
  std::size_t line_len = out.size();
  // Segments: the first is " " + first word; each next one is a WSP run + word. A fold
  // (RFC 5322 2.2.3) inserts a line end before a segment, so unfolding restores it.
  std::size_t i = 0;
  bool first = true;
  while (i < value.size()) {
    std::size_t seg_start = i;
    while (i < value.size() && IsWsp(value[i])) ++i;
    std::size_t word_start = i;
    while (i < value.size() && !IsWsp(value[i])) ++i;
    std::string_view seg = value.substr(seg_start, i - seg_start);
    std::size_t seg_len = seg.size() + (first ? 1 : 0);
    bool has_word = i > word_start;
    // Never fold before a segment that is WSP only: that would make an all-WSP line.
    bool may_fold = has_word && (first ? true : seg_start != word_start);
    if (may_fold && line_len + seg_len > kFoldAt && line_len > 0) {
      out.append(eol);
      line_len = 0;
    }
    if (first) {
      out.push_back(' ');
      first = false;
    }
    out.append(seg);
    line_len += seg_len;
  }
  out.append(eol);
  return out;
}

}  // namespace mta::message
