// netstring.h: netstring encoder, one-shot parser and incremental decoder with limits.
//
// D. J. Bernstein, "Netstrings" (https://cr.yp.to/proto/netstrings.txt, RFCNETSTR in
// qmail 1.01): netstring = len ":" *OCTET "," with exactly len octets;
// len = "0" / ( %x31-39 *DIGIT ) — "[len] begins with <30> exactly when [string] is empty".
// The decoder rejects a non-digit before ':', a leading zero, a length over the configured
// bound (checked digit by digit, before any allocation; at most 9 digits, as Bernstein's
// sample "> 999999999 bytes is bad") and a missing ','.
//
//   EncodeNetstring("hello world!") == "12:hello world!,"
//   NetstringDecoder d;  d.Feed("0:,");  d.state() == NetstringDecoder::State::kGotString
#ifndef MTA_LIB_NETSTRING_NETSTRING_H_
#define MTA_LIB_NETSTRING_NETSTRING_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mta::netstring {

// The largest length any decoder accepts: nine digits.
inline constexpr std::size_t kMaxNetstringLength = 999999999;

enum class NetstringError {
  kNone,
  kNonDigit,      // "non-digit": a non-digit before ':' (or ':' with no digits)
  kLeadingZero,   // "leading-zero": len starts with '0' but is not "0"
  kTooLong,       // "too-long": len above the decoder's bound
  kMissingComma,  // "missing-comma": the octet after the string is not ','
  kTruncated,     // "truncated": the input (or enclosing string) ended inside a netstring
};

// Stable id, e.g. "missing-comma"; "" for kNone.
std::string_view NetstringErrorId(NetstringError e);

// len ":" s ",".
std::string EncodeNetstring(std::string_view s);
void AppendNetstring(std::string* out, std::string_view s);

// One netstring at the start of a complete buffer, without copying.
struct NetstringParse {
  enum class Status { kNeedMore, kOk, kError } status = Status::kNeedMore;
  NetstringError error = NetstringError::kNone;
  std::string_view value;     // kOk: the string (a view into the input)
  std::size_t consumed = 0;   // kOk: octets of the whole netstring
};
NetstringParse ParseNetstring(std::string_view in, std::size_t max_length = kMaxNetstringLength);

// Splits `in` into consecutive netstrings (a QMTP recipient list, a QMQP request body).
// False when a netstring is malformed, longer than max_length, or cut short by the end of
// `in` (*error tells which; kTruncated for a cut one).
bool ParseNetstringList(std::string_view in, std::size_t max_length,
                        std::vector<std::string>* out, NetstringError* error);

// Incremental decoder of one netstring at a time; works with any chunking, one octet
// included. Memory held is at most min(len, keep_length) octets of the current string.
class NetstringDecoder {
 public:
  enum class State { kNeedMore, kGotString, kError };

  // `max_length` bounds len (values above kMaxNetstringLength are lowered to it); octets
  // beyond `keep_length` are read and counted but not stored (truncated() tells), so a
  // caller can parse past an oversized item and still answer it.
  explicit NetstringDecoder(std::size_t max_length = kMaxNetstringLength,
                            std::size_t keep_length = kMaxNetstringLength);

  // Consumes octets from `in` until a string is complete, an error is found or `in` is
  // exhausted; returns the number consumed. Consumes nothing in kGotString or kError.
  std::size_t Feed(std::string_view in);

  State state() const { return state_; }
  NetstringError error() const { return error_; }
  // kGotString: len of the string (which may exceed what was kept).
  std::size_t length() const { return len_; }
  bool truncated() const { return len_ > value_.size() && state_ == State::kGotString; }
  // True when no octet of a next netstring has been read (a clean boundary).
  bool at_boundary() const { return state_ == State::kNeedMore && phase_ == Phase::kFirstDigit; }

  // kGotString: hands out the string and starts on the next netstring.
  std::string Take();
  // Forgets everything, including an error.
  void Reset();

 private:
  enum class Phase { kFirstDigit, kDigits, kData, kComma };
  std::size_t max_length_;
  std::size_t keep_length_;
  State state_ = State::kNeedMore;
  NetstringError error_ = NetstringError::kNone;
  Phase phase_ = Phase::kFirstDigit;
  std::size_t len_ = 0;
  std::size_t read_ = 0;  // data octets read so far
  bool zero_ = false;     // len began with '0'
  std::string value_;
};

}  // namespace mta::netstring

#endif  // MTA_LIB_NETSTRING_NETSTRING_H_
