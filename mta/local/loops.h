// loops.h: mail loop checks before local delivery.
//
//   - Hop count (RFC 5321 6.3: "a simple counting of the number of "Received:" header
//     fields ... a limit ... at least 100"): Received: plus Delivered-To: fields are
//     counted; more than `max_hops` is a loop.
//   - Delivered-To (qmail-local's rule): if the message already carries a Delivered-To:
//     field equal to the one we are about to add, it has been here before: bounce it.
//     Compared after unfolding and trimming, ASCII case-insensitively.
//
//   CheckLoops(msg, "joe@example.org") -> {LoopStatus::kOk, 3}
#ifndef MTA_LOCAL_LOOPS_H_
#define MTA_LOCAL_LOOPS_H_

#include <cstddef>
#include <string_view>

namespace mta::local {

enum class LoopStatus { kOk, kHopCountExceeded, kDeliveredToLoop };

struct LoopCheck {
  LoopStatus status = LoopStatus::kOk;
  size_t hops = 0;  // Received: + Delivered-To: fields
};

inline constexpr size_t kDefaultMaxHops = 100;

LoopCheck CheckLoops(std::string_view message, std::string_view delivered_to,
                     size_t max_hops = kDefaultMaxHops);

}  // namespace mta::local

#endif  // MTA_LOCAL_LOOPS_H_
