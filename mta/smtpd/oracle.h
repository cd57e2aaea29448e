// oracle.h: recipient lookup for the SMTP session (is this address one of ours?).
//
// RFC 5321 3.3 (550 for a recipient known not to be deliverable), 4.5.1 (postmaster is
// always a valid local name, case-insensitive). The session asks the oracle about the final
// mailbox only (source routes already stripped, quoted local parts unquoted).
//
//   ConfigOracle o(settings);   // users {"user"}, local_domains {"local.test"}
//   o.Lookup("user-ext@LOCAL.test").status == RecipientStatus::kLocal   (extension "-")
//   o.Lookup("x@sink.test").status == RecipientStatus::kNotLocal
#ifndef MTA_SMTPD_ORACLE_H_
#define MTA_SMTPD_ORACLE_H_

#include <map>
#include <string>
#include <string_view>

#include "mta/config/settings.h"

namespace mta::smtpd {

enum class RecipientStatus {
  kLocal,         // a local user, alias or postmaster
  kUnknownLocal,  // the domain is ours, the local part is not known
  kNotLocal,      // the domain is not ours
};

struct LookupResult {
  RecipientStatus status = RecipientStatus::kNotLocal;
  std::string mailbox;  // kLocal: the user (or alias target) it resolves to
};

class RecipientOracle {
 public:
  virtual ~RecipientOracle() = default;
  // `address` is "local@domain" with the local part unquoted (it may contain '@', '%',
  // '!'); the domain is the part after the last '@'.
  virtual LookupResult Lookup(std::string_view address) = 0;
  // True when `domain` (no brackets) is one of ours.
  virtual bool IsLocalDomain(std::string_view domain) = 0;
};

// Users, inline aliases (plus an extra map, e.g. from alias_file) and the extension
// separator from Settings. Local parts and domains compare case-insensitively.
class ConfigOracle : public RecipientOracle {
 public:
  explicit ConfigOracle(const config::Settings& s,
                        std::map<std::string, std::string> extra_aliases = {});
  LookupResult Lookup(std::string_view address) override;
  bool IsLocalDomain(std::string_view domain) override;

 private:
  const config::Settings& settings_;
  std::map<std::string, std::string> aliases_;  // lower-case local part -> target
};

std::string AsciiLower(std::string_view s);

}  // namespace mta::smtpd

#endif  // MTA_SMTPD_ORACLE_H_
