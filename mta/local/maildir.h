// maildir.h: delivery into a Maildir (https://cr.yp.to/proto/maildir.html).
//
// Protocol (as qmail-local does it):
//   1. create tmp/<unique> (O_EXCL), write the message, fsync it;
//   2. link() tmp/<unique> to new/<unique> (never overwrites), unlink the tmp name;
//   3. fsync new/ so the new entry is durable before success is reported.
// Unique names: "<sec>.M<usec>P<pid>Q<n>.<host>" (the spec's modern form), or, when the
// caller gives a deterministic key, "<key>.<host>". Keyed delivery is idempotent: if
// new/<key>.<host> exists, or a name beginning with "<key>." exists in cur/ (a reader may
// have moved and flagged it as "<key>.<host>:2,S"), nothing is written and
// kAlreadyDelivered is returned; link() refusing to overwrite new/<key>.<host> is the
// final check. new/ is probed by the exact name (constant cost however many messages
// wait there), so a delivery made under another host name is found only in cur/. The scheduler uses key = "<queue id>R<recipient index>" so a crash between
// the rename into new/ and the queue update cannot produce a duplicate.
//
// Content written by DeliverMaildir: "Return-Path: <sender>\n", "Delivered-To: <addr>\n",
// then the message with every CRLF turned into LF (Maildir files use the local line end,
// as qmail-local stores them; a lone CR is left alone).
//
//   MaildirResult r = DeliverMaildir("/home/u/Maildir", msg, "a@b", "u@example.org",
//                                    "1700000000.000001.0000042.000000R0");
#ifndef MTA_LOCAL_MAILDIR_H_
#define MTA_LOCAL_MAILDIR_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mta/io/status.h"

namespace mta::local {

using io::Result;
using io::Status;

enum class MaildirOutcome { kDelivered, kAlreadyDelivered };

struct MaildirResult {
  MaildirOutcome outcome = MaildirOutcome::kDelivered;
  std::string path;  // new/<name> written, or the existing file found for the key
};

// Creates `maildir` and its tmp/, new/, cur/ (mode 0700) when missing.
Status EnsureMaildir(const std::string& maildir);

// True when `key` is usable in a maildir file name: 1..200 octets of [A-Za-z0-9._-],
// not starting with '.'.
bool IsValidMaildirKey(std::string_view key);

// "<sec>.M<usec>P<pid>Q<n>.<host>" with '/' and ':' in host written as \057 and \072
// (the spec's rule).
std::string MaildirUniqueName(int64_t sec, int64_t usec, int64_t pid, uint64_t n,
                              std::string_view host);
std::string SanitizeMaildirHost(std::string_view host);

// Stores `content` verbatim (see the file comment for the protocol). With a non-empty
// `unique_key`, idempotent by that key. `host` defaults to gethostname().
Result<MaildirResult> WriteMaildirMessage(const std::string& maildir, std::string_view content,
                                          std::string_view unique_key = {},
                                          std::string host = {});

// The header lines DeliverMaildir/DeliverMbox prepend: "Return-Path: <rp>\n" and
// "Delivered-To: <dt>\n" (the latter omitted when `delivered_to` is empty).
std::string DeliveryHeaders(std::string_view return_path, std::string_view delivered_to);
// CRLF -> LF; lone CR and lone LF unchanged.
std::string CrlfToLf(std::string_view message);

// One message of a batch (WriteMaildirBatch): `content` stored verbatim under `maildir`,
// idempotent by the non-empty `key`.
struct MaildirItem {
  std::string maildir;
  std::string content;
  std::string key;
};

// Stores several messages with the protocol above, in three rounds for the whole batch:
// write every tmp/ file; fsync them all (in parallel: one flush); link each into new/ and
// unlink its tmp/ name; then fsync each distinct new/ once. Results in input order, each
// known only when its new/ entry is durable, so a success may be reported at once. A key
// already delivered (or repeated within the batch) is kAlreadyDelivered.
std::vector<Result<MaildirResult>> WriteMaildirBatch(std::span<const MaildirItem> items,
                                                     std::string host = {});

// Full local delivery: EnsureMaildir, prepend DeliveryHeaders, CRLF -> LF, store.
Result<MaildirResult> DeliverMaildir(const std::string& maildir, std::string_view message,
                                     std::string_view return_path,
                                     std::string_view delivered_to,
                                     std::string_view unique_key = {});

}  // namespace mta::local

#endif  // MTA_LOCAL_MAILDIR_H_
