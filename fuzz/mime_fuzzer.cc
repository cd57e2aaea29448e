// mime_fuzzer.cc: fuzzes ParseMime, ParseContentType, FormatContentType, SplitMultipart and
// DecodeTransferEncoding (mta/lib/message/mime.h).
//
// Invariants checked: the entity tree respects the (small) limits; a parsed Content-Type
// survives FormatContentType -> ParseContentType unchanged; SplitMultipart's pieces are no
// larger than the input; decoders never grow base64 and never grow quoted-printable.
//
//   mime_fuzzer corpora/fuzz/mime_fuzzer
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mta/lib/message/mime.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void CheckContentTypeRoundTrip(std::string_view value) {
  using namespace mta::message;
  std::optional<ContentType> ct = ParseContentType(value);
  if (!ct) return;
  Check(!ct->type.empty() && !ct->subtype.empty());
  std::optional<ContentType> back = ParseContentType(FormatContentType(*ct));
  Check(back.has_value());
  Check(back->type == ct->type && back->subtype == ct->subtype);
  Check(back->params == ct->params);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace mta::message;

  MimeLimits limits{4, 32};
  MimeEntity root = ParseMime(in, limits);
  std::size_t count = 0;
  std::vector<std::pair<const MimeEntity*, int>> todo{{&root, 0}};
  while (!todo.empty()) {
    auto [e, depth] = todo.back();
    todo.pop_back();
    Check(depth <= limits.max_depth);
    Check(!e->content_type.type.empty());
    for (const MimeEntity& c : e->parts) {
      ++count;
      todo.push_back({&c, depth + 1});
    }
  }
  Check(count <= limits.max_parts);

  // The first line as a Content-Type value, and every Content-Type field of the top header.
  CheckContentTypeRoundTrip(in.substr(0, in.find('\n')));
  for (const HeaderField* f : root.header.FindAll("Content-Type")) {
    CheckContentTypeRoundTrip(f->value);
  }

  MultipartSplit sp = SplitMultipart(in, "b");
  std::size_t total = sp.preamble.size() + sp.epilogue.size();
  for (const std::string& p : sp.parts) total += p.size();
  Check(total <= in.size());

  std::string b64 = DecodeTransferEncoding(in, "base64");
  Check(b64.size() <= in.size() / 4 * 3 + 3);
  std::string qp = DecodeTransferEncoding(in, "quoted-printable");
  Check(qp.size() <= in.size());
  Check(DecodeTransferEncoding(in, "8bit") == in);
  return 0;
}
