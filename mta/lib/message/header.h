// header.h: RFC 5322 header section parser, extractors and a folding formatter.
//
// RFC 5322 2.2 (header fields), 2.2.3 (long header fields: unfolding), 3.6 (field
// definitions), 4.5 (obsolete syntax: WSP before the colon, folding with empty lines).
// Pure and I/O-free: bytes in, structures out. Raw bytes of every field are kept so a
// caller can re-emit a header byte for byte.
//
//   ParsedHeader h = ParseHeader("Subject: hi\r\n there\r\n\r\nbody");
//   h.fields[0].name == "Subject"; h.fields[0].Unfolded() == "hi there";
//   h.body_offset == 23
#ifndef MTA_LIB_MESSAGE_HEADER_H_
#define MTA_LIB_MESSAGE_HEADER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mta::message {

struct HeaderField {
  std::string name;   // field name exactly as written (case preserved, no trailing WSP)
  std::string value;  // bytes after the colon up to (not including) the field's final line
                      // end; inner fold line ends kept as they were (CRLF or LF)
  std::string raw;    // the whole field as in the input, including its final line end
  // RFC 5322 2.2.3: value with every line break that precedes WSP removed, then leading
  // and trailing WSP trimmed.
  std::string Unfolded() const;
};

enum class HeaderIssue {
  kBareLf,             // a line ended by LF alone (accepted; CRLF is canonical)
  kBareCr,             // CR not followed by LF inside the header
  kNul,                // NUL octet
  kObsWspBeforeColon,  // RFC 5322 4.5: "Subject : x"
  kMissingColon,       // a line that is neither a field nor a continuation (ends the header)
  kContinuationFirst,  // first line starts with WSP
  kLineTooLong,        // RFC 5322 2.1.1: a line over 998 octets (excluding CRLF)
  kNonAsciiName,       // field name octet outside 33..126
  kObsEmptyFoldLine,   // RFC 5322 4.5.3: a fold line consisting only of WSP
  kNoBodySeparator,    // input ended inside the header (no empty line)
};

struct HeaderFinding {
  HeaderIssue issue;
  std::size_t offset;  // byte offset in the input where the issue was found
};

struct ParsedHeader {
  std::vector<HeaderField> fields;
  // Offset of the first body octet: just after the empty line that ends the header, or
  // the input size when there is no empty line. When a non-field line (kMissingColon)
  // ends the header early, the body starts at that line.
  std::size_t body_offset = 0;
  bool has_separator = false;  // an empty line ended the header
  std::vector<HeaderFinding> findings;

  // First field with this name (ASCII case-insensitive), or nullptr.
  const HeaderField* Find(std::string_view name) const;
  // Every field with this name, in order.
  std::vector<const HeaderField*> FindAll(std::string_view name) const;
  bool Has(HeaderIssue issue) const;
};

// Parses the header section at the start of `message` (CRLF or LF line ends). Never
// fails: malformed input is reported through `findings`, sorted by offset. Octet-level
// issues (kBareLf, kBareCr, kNul, kLineTooLong) are reported once, at their first
// occurrence; the others once per line or field where they occur. A bare CR is data, not a
// line end. Concatenating `raw` of all fields gives the input up to the separator line
// (or up to body_offset when there is none). Linear time.
ParsedHeader ParseHeader(std::string_view message);

// Extractors (RFC 5321 4.4, RFC 3834 5, qmail's Delivered-To).
// Number of fields named exactly "Received" (case-insensitive; Received-SPF not counted).
std::size_t CountReceived(const ParsedHeader& h);
std::vector<std::string> DeliveredTo(const ParsedHeader& h);  // unfolded, trimmed values
// Return-Path addr-spec without the angle brackets ("" for <>); nullopt if absent or
// unparseable.
std::optional<std::string> ReturnPath(const ParsedHeader& h);
// Auto-Submitted keyword, lower-cased, without parameters or comments ("no" if absent;
// "" if the first Auto-Submitted field is present but holds no keyword).
std::string AutoSubmitted(const ParsedHeader& h);

// Removes from `message`, in place, the header fields named `name` (ASCII case-insensitive;
// each with its fold lines); every other byte, the body included, stays. Only the header
// section (as ParseHeader finds it) is looked at. Returns how many fields were removed; the
// message is not touched (no copy) when none was.
std::size_t RemoveFields(std::string* message, std::string_view name);

// Formats "Name: value" folded at whitespace so no line exceeds 78 octets where possible
// (RFC 5322 2.1.1; a word longer than the limit stays whole, up to 998), each line ended
// by `eol`. `value` must not contain line breaks; the result ends with `eol`.
std::string FormatField(std::string_view name, std::string_view value,
                        std::string_view eol = "\r\n");

// Skips CFWS (RFC 5322 3.2.2) from `i`: WSP, line breaks and nested comments with
// quoted-pairs, iteratively (no recursion). Returns the index of the first other octet; an
// unterminated comment runs to the end.
std::size_t SkipCfws(std::string_view s, std::size_t i);

// ASCII case-insensitive comparison, shared by the message and report layers.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace mta::message

#endif  // MTA_LIB_MESSAGE_HEADER_H_
