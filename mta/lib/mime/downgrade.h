// downgrade.h: 8BITMIME downgrade - an 8-bit MIME message turned into an equivalent 7-bit
// one for a next hop that does not offer 8BITMIME.
//
// RFC 6152 3: a client must not send octets >= 0x80 to a server without 8BITMIME; it may
// convert the message to 7-bit MIME without loss, or bounce it (RFC 3463 5.6.3). RFC 2045
// 6.7 quoted-printable is used for every 8-bit leaf part (text or not: CRLF stays a hard
// line break, bare CR / LF are encoded, so decoding gives back the octets exactly); RFC 2046
// 5.1 multipart bodies are walked part by part (7-bit parts and the delimiters untouched);
// RFC 2046 5.2.1 message/rfc822 is converted inside and relabelled 7bit. 8-bit octets in a
// header (or in a preamble/epilogue, or in a body that already claims base64 or
// quoted-printable) cannot be converted: the caller bounces (5.6.3) or sends raw.
// MIME-Version: 1.0 is added when missing, and a message without Content-Type gets
// "text/plain; charset=unknown-8bit" (RFC 1428: 8-bit text of unknown character set).
//
//   DowngradeResult r = Downgrade("Content-Type: text/plain\r\n\r\ncaf\xC3\xA9\r\n");
//   r.status == DowngradeStatus::kConverted;  r.message ==
//     "Content-Type: text/plain\r\nMIME-Version: 1.0\r\n"
//     "Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n"
#ifndef MTA_LIB_MIME_DOWNGRADE_H_
#define MTA_LIB_MIME_DOWNGRADE_H_

#include <string>
#include <string_view>

namespace mta::mime {

// True when any octet is >= 0x80.
bool HasEightBit(std::string_view bytes);
// True when the header section (up to the empty line, or the whole input without one)
// holds an octet >= 0x80.
bool HeaderHasEightBit(std::string_view message);

enum class DowngradeStatus {
  kUnchanged,       // already 7-bit: message is the input
  kConverted,       // message is the 7-bit equivalent
  kHeaderEightBit,  // 8-bit octets in a header (top level or a part): cannot downgrade
  kCannotConvert,   // 8-bit octets where no transfer encoding can hold them (reason says)
};

struct DowngradeResult {
  DowngradeStatus status = DowngradeStatus::kUnchanged;
  std::string message;  // the 7-bit message when ok(); empty otherwise
  std::string reason;   // when !ok()
  bool ok() const {
    return status == DowngradeStatus::kUnchanged || status == DowngradeStatus::kConverted;
  }
};

struct DowngradeLimits {
  int max_depth = 16;  // nested multipart / message levels walked
};

// Converts `message` (stored form: CRLF lines; LF-only accepted). When ok() the result has
// no octet >= 0x80, and each quoted-printable part it produced decodes to the original
// part body; encoded lines are at most 76 octets.
DowngradeResult Downgrade(std::string_view message, const DowngradeLimits& limits = {});

}  // namespace mta::mime

#endif  // MTA_LIB_MIME_DOWNGRADE_H_
