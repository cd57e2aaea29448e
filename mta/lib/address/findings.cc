// findings.cc: kebab-case ids of the address findings (see findings.h).
#include "mta/lib/address/findings.h"

namespace mta::address {

std::string_view FindingId(Finding f) {
  switch (f) {
    case Finding::kComment: return "comment";
    case Finding::kFws: return "fws";
    case Finding::kCfwsNearAt: return "cfws-near-at";
    case Finding::kQuotedLocalPart: return "quoted-local-part";
    case Finding::kAddressLiteral: return "address-literal";
    case Finding::kDomainLiteralNotIp: return "domain-literal-not-ip";
    case Finding::kNumericTld: return "numeric-tld";
    case Finding::kSingleLabelDomain: return "single-label-domain";
    case Finding::kDomainNotHostname: return "domain-not-hostname";
    case Finding::kLocalPartTooLong: return "local-part-too-long";
    case Finding::kDomainTooLong: return "domain-too-long";
    case Finding::kLabelTooLong: return "label-too-long";
    case Finding::kAddressTooLong: return "address-too-long";
    case Finding::kObsLocalPart: return "obs-local-part";
    case Finding::kObsDomain: return "obs-domain";
    case Finding::kObsFws: return "obs-fws";
    case Finding::kObsQp: return "obs-qp";
    case Finding::kObsQtext: return "obs-qtext";
    case Finding::kObsCtext: return "obs-ctext";
    case Finding::kObsDtext: return "obs-dtext";
    case Finding::kObsPhrase: return "obs-phrase";
    case Finding::kObsRoute: return "obs-route";
    case Finding::kObsMboxList: return "obs-mbox-list";
    case Finding::kObsAddrList: return "obs-addr-list";
    case Finding::kObsGroupList: return "obs-group-list";
    case Finding::kUtf8: return "utf8";
  }
  return "unknown";
}

std::vector<Finding> FindingsFromBits(FindingBits bits) {
  std::vector<Finding> out;
  for (int i = 0; i < kFindingCount; ++i)
    if (bits & (FindingBits{1} << i)) out.push_back(static_cast<Finding>(i));
  return out;
}

}  // namespace mta::address
