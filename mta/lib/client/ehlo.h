// ehlo.h: the service extensions a server lists in its EHLO reply.
//
// RFC 5321 4.1.1.1 (ehlo-ok-rsp: the first line is the greeting, each further line is
// ehlo-keyword *(SP ehlo-param); keywords are case-insensitive), RFC 1870 (SIZE [limit]),
// RFC 2920 (PIPELINING), RFC 6152 (8BITMIME), RFC 6531 (SMTPUTF8), RFC 3461 (DSN),
// RFC 3207 (STARTTLS), RFC 3030 (CHUNKING).
//
//   reply::Reply r = reply::ParseReply("250-mx.test\r\n250-SIZE 1000\r\n250 PIPELINING\r\n");
//   Extensions e = ParseEhlo(r);   e.pipelining && e.size && *e.size_limit == 1000
#ifndef MTA_LIB_CLIENT_EHLO_H_
#define MTA_LIB_CLIENT_EHLO_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mta/lib/reply/reply.h"

namespace mta::client {

struct Extensions {
  bool pipelining = false;
  bool size = false;
  // RFC 1870 4: the SIZE parameter; 0 or absent means no fixed limit.
  std::optional<std::uint64_t> size_limit;
  bool eightbitmime = false;
  bool smtputf8 = false;
  bool dsn = false;
  bool starttls = false;
  bool chunking = false;
  std::vector<std::string> keywords;  // every keyword, upper-cased, in order
};

// Reads the keyword lines (all lines after the first) of a 250 EHLO reply. Lines that are
// not keywords are skipped. Never fails.
Extensions ParseEhlo(const reply::Reply& r);

}  // namespace mta::client

#endif  // MTA_LIB_CLIENT_EHLO_H_
