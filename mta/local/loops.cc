// loops.cc: hop-count and Delivered-To loop detection (see loops.h).
#include "mta/local/loops.h"

#include "mta/lib/message/header.h"

namespace mta::local {

LoopCheck CheckLoops(std::string_view message, std::string_view delivered_to,
                     size_t max_hops) {
  message::ParsedHeader h = message::ParseHeader(message);
  std::vector<std::string> dts = message::DeliveredTo(h);
  LoopCheck r;
  r.hops = message::CountReceived(h) + dts.size();
  // qmail-local: our own Delivered-To line already present means a loop.
  for (const auto& d : dts) {
    if (message::EqualsIgnoreCase(d, delivered_to)) {
      r.status = LoopStatus::kDeliveredToLoop;
      return r;
    }
  }
  // RFC 5321 6.3: count Received: fields (and Delivered-To:) against a limit >= 100.
  if (r.hops > max_hops) r.status = LoopStatus::kHopCountExceeded;
  return r;
}

}  // namespace mta::local
