// dsn3464_fuzzer.cc: ParseDsn (RFC 3464 DSN parser) on arbitrary bytes. Invariants: no
// crash; no recipients without a delivery-status part; formatting the parsed report and
// parsing that body again keeps every recipient.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mta/lib/dsn/delivery_status.h"
#include "mta/lib/dsn/dsn3464.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  mta::dsn::ParsedDsn p = mta::dsn::ParseDsn(in);
  if (!p.found_delivery_status && !p.report.recipients.empty()) __builtin_trap();
  mta::dsn::DeliveryStatusBody again =
      mta::dsn::ParseDeliveryStatus(mta::dsn::FormatDeliveryStatus(p.report));
  if (again.report.recipients.size() != p.report.recipients.size()) __builtin_trap();
  for (std::size_t i = 0; i < p.report.recipients.size(); ++i) {
    if (again.report.recipients[i].action != p.report.recipients[i].action) __builtin_trap();
  }
  // The body parser alone, on the raw bytes.
  (void)mta::dsn::ParseDeliveryStatus(in);
  return 0;
}
