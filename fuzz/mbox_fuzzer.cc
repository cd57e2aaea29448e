// mbox_fuzzer.cc: fuzzes the mbox splitter and writer (mta/local/mbox_format.h).
//
// Invariants checked:
//   - SplitMbox on arbitrary bytes terminates, and the messages it returns never hold
//     more octets than the input (regions do not overlap; unquoting only removes);
//   - round trip: the input cut at 0xFF octets into messages, written with
//     FormatMboxEntry and split again, gives back every message (with a final LF added
//     when missing), whatever "From ", ">From " and CR lines they hold (messages with a
//     Content-Length header are excluded: a reader that honours it may split elsewhere);
//   - UnquoteFromLines(QuoteFromLines(x)) == x.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mta/local/mbox_format.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 65536) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace mta::local;

  MboxSplit split = SplitMbox(in);
  size_t total = 0;
  for (const auto& m : split.messages) total += m.content.size();
  Check(total <= in.size());

  std::vector<std::string> msgs;
  size_t pos = 0;
  for (;;) {
    size_t cut = in.find('\xff', pos);
    msgs.emplace_back(in.substr(pos, cut == std::string_view::npos ? in.size() - pos : cut - pos));
    if (cut == std::string_view::npos) break;
    pos = cut + 1;
  }
  // A Content-Length header is honoured by the reader (mboxcl); one that happens to match
  // a later separator legitimately changes the split, so the exact round trip is only
  // asserted for messages without one (the documented mboxcl ambiguity).
  for (const auto& m : msgs) {
    std::string lower(m);
    for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    if (lower.find("content-length:") != std::string::npos) {
      Check(UnquoteFromLines(QuoteFromLines(in)) == in);
      return 0;
    }
  }
  std::string mbox;
  for (const auto& m : msgs) mbox += FormatMboxEntry("fuzz@example", 0, m);
  MboxSplit back = SplitMbox(mbox);
  Check(back.messages.size() == msgs.size());
  Check(!back.preamble);
  for (size_t i = 0; i < msgs.size(); ++i) {
    std::string want = msgs[i];
    if (!want.empty() && want.back() != '\n') want.push_back('\n');
    Check(back.messages[i].content == want);
  }
  Check(UnquoteFromLines(QuoteFromLines(in)) == in);
  return 0;
}
