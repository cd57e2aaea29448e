// line_ends.h: line-end canonicalisation helpers for callers whose policy is
// "normalize", and the canonical form the DATA encoder produces.
//
// RFC 5321 2.3.8 and RFC 5322 2.3: CR and LF only occur together as CRLF. A body is
// canonical when every CR is followed by LF and every LF is preceded by CR.
//
// Choice for a bare CR: it becomes CRLF, like a bare LF (Exim stores a lone CR as a line
// break). This keeps the line structure the sender's bytes suggest; the alternative,
// replacing stray CR/LF by a space (Postfix cleanup_replace_stray_cr_lf), is
// ReplaceStrayLineEnds(body, ' ').
//
//   NormalizeLineEnds("a\nb\rc\r\n") == "a\r\nb\r\nc\r\n"
//   Canonicalize("a\nb") == "a\r\nb\r\n";   IsCanonical("a\r\nb") == true
#ifndef MTA_LIB_DATA_LINE_ENDS_H_
#define MTA_LIB_DATA_LINE_ENDS_H_

#include <string>
#include <string_view>

namespace mta::data {

// True when every CR is followed by LF and every LF is preceded by CR.
bool IsCanonical(std::string_view body);

// Bare LF -> CRLF, bare CR -> CRLF; CRLF and everything else unchanged.
std::string NormalizeLineEnds(std::string_view body);

// Each bare CR and bare LF replaced by `replacement` (one octet each).
std::string ReplaceStrayLineEnds(std::string_view body, char replacement);

// What a body looks like after EncodeData + decoding: NormalizeLineEnds, then a final CRLF
// added when the result is non-empty and does not end with CRLF. Identity on canonical
// bodies that are empty or end with CRLF.
std::string Canonicalize(std::string_view body);

}  // namespace mta::data

#endif  // MTA_LIB_DATA_LINE_ENDS_H_
