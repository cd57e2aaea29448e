// header_fuzzer.cc: fuzzes ParseHeader and FormatField (mta/lib/message/header.h).
//
// Invariants checked: parsing never crashes; the fields' raw bytes concatenated reproduce
// the consumed prefix of the input (plus the separator line when there is one); findings
// are sorted and inside the input; FormatField of each unfolded value (whitespace runs
// collapsed to one space) parses back to the same name and unfolded value; the extractors
// run on every input; RemoveFields removes exactly the named fields.
//
//   header_fuzzer corpora/fuzz/header_fuzzer
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mta/lib/message/header.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// Collapses runs of SP/HT to one space and trims both ends.
std::string NormaliseWsp(std::string_view s) {
  std::string out;
  bool pending = false;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      pending = !out.empty();
      continue;
    }
    if (pending) out.push_back(' ');
    pending = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // per-input work stays small; the parser is linear
  std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace mta::message;
  ParsedHeader h = ParseHeader(in);

  std::string raw;
  for (const HeaderField& f : h.fields) {
    Check(!f.name.empty());
    Check(f.raw.compare(0, f.name.size(), f.name) == 0);
    std::string_view body(f.raw);
    if (body.size() >= 2 && body.substr(body.size() - 2) == "\r\n") {
      body.remove_suffix(2);
    } else if (!body.empty() && body.back() == '\n') {
      body.remove_suffix(1);
    }
    Check(body.size() >= f.value.size() &&
          body.substr(body.size() - f.value.size()) == f.value);
    raw += f.raw;
  }
  Check(h.body_offset <= in.size());
  Check(raw.size() <= in.size() && in.substr(0, raw.size()) == raw);
  if (h.has_separator) {
    std::string_view sep = in.substr(raw.size(), h.body_offset - raw.size());
    Check(sep == "\r\n" || sep == "\n");
  } else {
    Check(raw.size() == h.body_offset);
  }
  for (std::size_t i = 0; i < h.findings.size(); ++i) {
    Check(h.findings[i].offset <= in.size());
    if (i > 0) Check(h.findings[i - 1].offset <= h.findings[i].offset);
  }

  (void)CountReceived(h);
  (void)DeliveredTo(h);
  (void)ReturnPath(h);
  (void)AutoSubmitted(h);

  // RemoveFields drops exactly the named fields: the rest parses to the other fields, in
  // order, and everything after the header is unchanged.
  std::string kept(in);
  std::size_t removed = RemoveFields(&kept, "Return-Path");
  ParsedHeader k = ParseHeader(kept);
  std::size_t others = 0;
  for (const HeaderField& f : h.fields) others += EqualsIgnoreCase(f.name, "Return-Path") ? 0 : 1;
  Check(k.fields.size() == others && k.Find("Return-Path") == nullptr);
  Check(removed == h.fields.size() - others);
  Check(kept.size() >= in.size() - raw.size() &&
        std::string_view(kept).substr(kept.size() - (in.size() - raw.size())) ==
            in.substr(raw.size()));

  std::size_t checked = 0;
  for (const HeaderField& f : h.fields) {
    if (++checked > 64) break;
    std::string v = NormaliseWsp(f.Unfolded());
    if (v.find('\n') != std::string::npos) continue;  // FormatField takes no line breaks
    for (std::string_view eol : {std::string_view("\r\n"), std::string_view("\n")}) {
      // A CR right before an LF-only fold would read as CRLF.
      if (eol == "\n" && v.find('\r') != std::string::npos) continue;
      std::string out = FormatField(f.name, v, eol);
      ParsedHeader back = ParseHeader(out);
      Check(back.fields.size() == 1);
      Check(back.fields[0].name == f.name);
      Check(back.fields[0].Unfolded() == v);
      Check(back.fields[0].raw == out);
    }
  }
  return 0;
}
