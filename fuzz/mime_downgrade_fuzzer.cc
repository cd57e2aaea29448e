// mime_downgrade_fuzzer.cc: 8BITMIME downgrade (mta/lib/mime) properties.
// Input: first octet selects the shape, the rest is the body (single part) or part bodies
// separated by 0x00 0x01 (multipart). Invariants when the downgrade succeeds: no octet >=
// 0x80; no line over 998 octets when the input had none; every part decodes (per its
// Content-Transfer-Encoding) back to the original octets. Arbitrary whole messages are run
// too (no crash, 7-bit output when ok).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mta/lib/message/mime.h"
#include "mta/lib/mime/downgrade.h"
#include "mta/lib/mime/qp.h"

namespace {

std::size_t MaxLine(std::string_view s) {
  std::size_t best = 0, cur = 0;
  for (char c : s) {
    if (c == '\n' || c == '\r') { best = std::max(best, cur); cur = 0; } else { ++cur; }
  }
  return std::max(best, cur);
}

std::string Decode(const mta::message::MimeEntity& e) {
  const mta::message::HeaderField* f = e.header.Find("Content-Transfer-Encoding");
  // A part left as it was (7-bit) keeps its label; a converted one says quoted-printable.
  if (f == nullptr || f->Unfolded() != "quoted-printable") {
    if (mta::mime::HasEightBit(e.body)) __builtin_trap();
    return e.body;
  }
  auto d = mta::mime::DecodeQuotedPrintable(e.body);
  if (!d) __builtin_trap();
  return *d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 32768) return 0;
  const uint8_t shape = data[0] % 3;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  using namespace mta::mime;

  if (shape == 0) {  // any message
    DowngradeResult r = Downgrade(in);
    if (r.ok() && HasEightBit(r.message)) __builtin_trap();
    if (r.status == DowngradeStatus::kUnchanged && r.message != in) __builtin_trap();
    return 0;
  }
  const std::string boundary = "=_b_91x";
  if (in.find(boundary) != std::string_view::npos) return 0;
  if (shape == 1) {  // one text part
    std::string m = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    "Content-Transfer-Encoding: 8bit\r\n\r\n" + std::string(in);
    DowngradeResult r = Downgrade(m);
    if (!r.ok()) __builtin_trap();
    if (HasEightBit(r.message)) __builtin_trap();
    if (MaxLine(in) <= 998 && MaxLine(r.message) > 998) __builtin_trap();
    mta::message::MimeEntity e = mta::message::ParseMime(r.message);
    if (Decode(e) != in) __builtin_trap();
    return 0;
  }
  std::vector<std::string> bodies;
  std::size_t p = 0;
  while (bodies.size() < 16) {
    std::size_t q = in.find(std::string_view("\x00\x01", 2), p);
    if (q == std::string_view::npos) {
      bodies.emplace_back(in.substr(p));
      break;
    }
    bodies.emplace_back(in.substr(p, q - p));
    p = q + 2;
  }
  std::vector<std::string> parts;
  for (const std::string& b : bodies) parts.push_back("Content-Type: text/plain\r\n\r\n" + b);
  std::string m = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + boundary +
                  "\"\r\n\r\n" + mta::message::BuildMultipart(boundary, parts);
  DowngradeResult r = Downgrade(m);
  if (!r.ok()) __builtin_trap();
  if (HasEightBit(r.message)) __builtin_trap();
  mta::message::MimeEntity e = mta::message::ParseMime(r.message);
  if (e.parts.size() != bodies.size()) __builtin_trap();
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    if (Decode(e.parts[i]) != bodies[i]) __builtin_trap();
  }
  return 0;
}
