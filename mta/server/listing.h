// listing.h: `refmta queue`: one line per queued message.
//
//   <id> <sender> <rcpt> (<state>[, <attempts> attempt(s)][, next attempt <UTC time>]
//                         [: <last error>]) [<rcpt> ...]
//   "1700000000.000001.0000042.000000 <a@b.test> <x@remote.test> (pending: remote recipient: ...)"
#ifndef MTA_SERVER_LISTING_H_
#define MTA_SERVER_LISTING_H_

#include <string>

#include "mta/io/status.h"
#include "mta/queue/envelope.h"

namespace mta::server {

std::string FormatQueueLine(const queue::Envelope& e);
// All messages of DIR/queue, in arrival order, then "N message(s) in the queue".
io::Result<std::string> ListQueue(const std::string& home);

}  // namespace mta::server

#endif  // MTA_SERVER_LISTING_H_
