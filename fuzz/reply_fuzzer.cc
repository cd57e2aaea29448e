// reply_fuzzer.cc: SMTP reply parsing (RFC 5321 4.2) and the incremental reader.
//
// Invariants: the reader yields the same replies whatever the chunking (chunk sizes are
// taken from the input itself), with default and with small caps; uncapped, it agrees
// with ParseReply reply by reply; every reply accepted without flags formats back to
// exactly its raw bytes.
//
//   reply_fuzzer corpora/fuzz/reply_fuzzer
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/reply/reply.h"
#include "mta/lib/reply/reply_reader.h"
#include "mta/lib/reply/status_text.h"

namespace {

using mta::reply::Reply;
using mta::reply::ReplyReader;
using mta::reply::ReplyReaderOptions;

std::vector<Reply> Read(std::string_view in, ReplyReaderOptions opt, bool chunked) {
  ReplyReader r(opt);
  std::vector<Reply> out;
  std::size_t pos = 0, i = 0;
  while (pos < in.size()) {
    std::size_t n =
        chunked ? static_cast<unsigned char>(in[i++ % in.size()]) % 13 + 1 : in.size();
    if (n > in.size() - pos) n = in.size() - pos;
    r.Feed(in.substr(pos, n));
    pos += n;
    while (auto x = r.Next()) out.push_back(std::move(*x));
  }
  if (auto x = r.Finish()) out.push_back(std::move(*x));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 14) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  const std::vector<Reply> whole = Read(in, {}, false);
  if (Read(in, {}, true) != whole) __builtin_trap();

  ReplyReaderOptions small;
  small.max_line_length = size > 0 ? 1 + data[0] % 40 : 8;
  small.max_lines = size > 1 ? 1 + data[1] % 6 : 2;
  if (Read(in, small, true) != Read(in, small, false)) __builtin_trap();

  std::string_view rest = in;
  for (const Reply& r : whole) {
    Reply p = mta::reply::ParseReply(rest);
    if (p != r) __builtin_trap();
    if (p.raw.empty() || p.raw.size() > rest.size()) __builtin_trap();
    rest.remove_prefix(p.raw.size());
    if (r.ok()) {
      if (mta::reply::FormatReply(r.code, r.enhanced, r.lines) != r.raw) __builtin_trap();
    }
    if (r.enhanced) (void)mta::reply::EnhancedStatusText(*r.enhanced);
  }
  if (!rest.empty()) __builtin_trap();
  return 0;
}
