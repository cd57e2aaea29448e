// dsn_testing.h: fixed inputs shared by the DSN tests (a deterministic GeneratorEnv and
// an original message). Test-only.
#ifndef MTA_LIB_DSN_DSN_TESTING_H_
#define MTA_LIB_DSN_DSN_TESTING_H_

#include <cstdint>
#include <memory>

#include "mta/lib/report/model.h"

namespace mta::dsn::testing {

// mx.local.test, Tue, 02 Jan 2024 10:00:05 +0100, a counter-based random source.
inline report::GeneratorEnv FixedEnv() {
  report::GeneratorEnv env;
  env.hostname = "mx.local.test";
  env.now = 1704186005;  // 2024-01-02 09:00:05 UTC
  env.utc_offset_minutes = 60;
  auto state = std::make_shared<std::uint64_t>(0x5eed0000ab12ULL);
  env.random = [state] { return (*state += 0x9e3779b97f4a7c15ULL); };
  return env;
}

inline constexpr char kOriginal[] =
    "Return-Path: <sender@example.test>\r\n"
    "From: Sender <sender@example.test>\r\n"
    "To: <nosuchuser@local.test>\r\n"
    "Subject: hello\r\n"
    "Date: Tue, 02 Jan 2024 09:59:58 +0100\r\n"
    "Message-ID: <orig.1@example.test>\r\n"
    "\r\n"
    "Hello there.\r\n";

}  // namespace mta::dsn::testing

#endif  // MTA_LIB_DSN_DSN_TESTING_H_
