// encoder.h: SMTP DATA encoder - the bytes a client sends after the 354 reply.
//
// RFC 5321 2.3.8 / 4.1.1.4: line ends are canonicalised, a bare LF or bare CR becomes
// CRLF, so the output never holds a bare CR or LF (which is what makes outbound SMTP
// smuggling impossible: no <CR>.<CR>, <LF>.<LF>, ... reaches the next hop).
// RFC 5321 4.5.2: a "." at the start of any line gets another "." (dot-stuffing).
// A final CRLF is added when the body does not end with one; then ".\r\n".
// Other octets go through unchanged (NUL included: a line "<NUL>." is sent as is; it is a
// would-be end of data only for a receiver that deletes NULs, see kCrLfNulDotCrLf).
// Decoding the output gives back Canonicalize(body) (line_ends.h), i.e. exactly the body
// when it is canonical and empty or ends with CRLF.
//
//   EncodeData("hi\n.x\r.") == "hi\r\n..x\r\n..\r\n.\r\n"
//   EncodeData("") == ".\r\n"
#ifndef MTA_LIB_DATA_ENCODER_H_
#define MTA_LIB_DATA_ENCODER_H_

#include <string>
#include <string_view>

namespace mta::data {

// Streaming form; the output does not depend on how the body is split into Add() calls.
class DataEncoder {
 public:
  // Appends the encoding of the next body bytes to *out (a trailing CR is held back until
  // the next octet shows whether it starts a CRLF).
  void Add(std::string_view chunk, std::string* out);
  // Appends the final CRLF when needed and the ".\r\n" terminator. Add/Finish after
  // Finish do nothing.
  void Finish(std::string* out);

 private:
  bool pending_cr_ = false;
  bool line_start_ = true;
  bool any_ = false;
  bool finished_ = false;
};

// The whole encoding of `body`, terminator included.
std::string EncodeData(std::string_view body);

}  // namespace mta::data

#endif  // MTA_LIB_DATA_ENCODER_H_
