// mime.h: the part of MIME (RFC 2045, 2046) needed to read and write delivery reports:
// Content-Type parsing with parameters (quoted strings, comments), multipart splitting and
// building, and a recursive entity tree with depth and part-count limits.
//
//   auto ct = ParseContentType("multipart/report; report-type=delivery-status; boundary=\"b1\"");
//   ct->Is("multipart", "report") && ct->Param("boundary") == "b1"
//   MimeEntity e = ParseMime(message_bytes);   // e.parts[1].content_type.subtype == "delivery-status"
#ifndef MTA_LIB_MESSAGE_MIME_H_
#define MTA_LIB_MESSAGE_MIME_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mta/lib/message/header.h"

namespace mta::message {

struct ContentType {
  std::string type;     // lower-cased, e.g. "multipart"
  std::string subtype;  // lower-cased, e.g. "report"
  // Parameter names lower-cased; values unquoted (quoted-pair resolved), case kept.
  std::vector<std::pair<std::string, std::string>> params;

  bool Is(std::string_view t, std::string_view s) const;  // case-insensitive
  std::optional<std::string> Param(std::string_view name) const;
};

// Parses a Content-Type field value (RFC 2045 5.1; comments allowed). nullopt when the
// type/subtype is malformed.
std::optional<ContentType> ParseContentType(std::string_view value);
std::string FormatContentType(const ContentType& ct);  // quotes values when needed

struct MultipartSplit {
  std::string preamble;
  std::vector<std::string> parts;  // each part's raw bytes: its header + body, without the
                                   // line end that precedes the next delimiter
  std::string epilogue;
  bool closed = false;  // the close-delimiter "--boundary--" was seen
};

// RFC 2046 5.1.1: splits a multipart body on "--boundary" delimiter lines (CRLF or LF;
// transport padding after the boundary allowed).
MultipartSplit SplitMultipart(std::string_view body, std::string_view boundary);

// Builds a multipart body from raw parts (each part: header + empty line + body), with
// CRLF line ends and a close-delimiter.
std::string BuildMultipart(std::string_view boundary, const std::vector<std::string>& parts,
                           std::string_view preamble = "");

struct MimeEntity {
  ParsedHeader header;
  ContentType content_type;  // text/plain; charset=us-ascii when absent (RFC 2045 5.2)
  std::string body;          // raw body bytes (not transfer-decoded)
  std::vector<MimeEntity> parts;  // for multipart/*; for message/rfc822 the one inner message
  bool truncated = false;    // depth or part limits hit below this entity
};

struct MimeLimits {
  int max_depth = 16;
  std::size_t max_parts = 1000;
};

// Parses a whole message or body part into an entity tree. Never fails.
MimeEntity ParseMime(std::string_view message, const MimeLimits& limits = {});

// Decodes a Content-Transfer-Encoding (7bit, 8bit, binary, quoted-printable, base64);
// unknown encodings return the input unchanged.
std::string DecodeTransferEncoding(std::string_view body, std::string_view encoding);

}  // namespace mta::message

#endif  // MTA_LIB_MESSAGE_MIME_H_
