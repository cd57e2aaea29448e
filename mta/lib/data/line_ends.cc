// line_ends.cc: line-end canonicalisation helpers (see line_ends.h). RFC 5321 2.3.8,
// RFC 5322 2.3.
#include "mta/lib/data/line_ends.h"

#include <cstring>

namespace mta::data {
namespace {

// Calls on_text(run) for runs without CR/LF and on_end(bare) for each line end: CRLF
// (bare == false), bare CR or bare LF (bare == true, with the octet).
template <typename Text, typename End>
void ForEachLineEnd(std::string_view b, Text on_text, End on_end) {
  size_t i = 0;
  const size_t n = b.size();
  while (i < n) {
    size_t j = i;
    while (j < n && b[j] != '\r' && b[j] != '\n') ++j;
    if (j > i) on_text(b.substr(i, j - i));
    if (j == n) break;
    if (b[j] == '\r' && j + 1 < n && b[j + 1] == '\n') {
      on_end(false, '\r');
      i = j + 2;
    } else {
      on_end(true, b[j]);
      i = j + 1;
    }
  }
}

}  // namespace

bool IsCanonical(std::string_view body) {
  bool ok = true;
  ForEachLineEnd(body, [](std::string_view) {}, [&](bool bare, char) { ok = ok && !bare; });
  return ok;
}

std::string NormalizeLineEnds(std::string_view body) {
  std::string out;
  out.reserve(body.size() + body.size() / 32);
  ForEachLineEnd(
      body, [&](std::string_view t) { out.append(t); },
      [&](bool, char) { out.append("\r\n"); });
  return out;
}

std::string ReplaceStrayLineEnds(std::string_view body, char replacement) {
  std::string out;
  out.reserve(body.size());
  ForEachLineEnd(
      body, [&](std::string_view t) { out.append(t); },
      [&](bool bare, char) {
        if (bare) {
          out.push_back(replacement);
        } else {
          out.append("\r\n");
        }
      });
  return out;
}

std::string Canonicalize(std::string_view body) {
  std::string out = NormalizeLineEnds(body);
  if (!out.empty() && !(out.size() >= 2 && out.compare(out.size() - 2, 2, "\r\n") == 0)) {
    out.append("\r\n");
  }
  return out;
}

}  // namespace mta::data
