// status_text.cc: the IANA enhanced status code registry as a static table.
//
// RFC 3463 3.1-3.9 (the original set) and the later registrations named beside each entry.
//
//   EnhancedDetailText(1, 10) == "Recipient address has null MX"   // RFC 7505
#include "mta/lib/reply/status_text.h"

namespace mta::reply {
namespace {

struct DetailEntry {
  int subject;
  int detail;
  std::string_view text;
};

// IANA "Enumerated Status Codes" (X.subject.detail).
constexpr DetailEntry kDetails[] = {
    {0, 0, "Other undefined Status"},  // RFC 3463 3.1
    // RFC 3463 3.2 Address status.
    {1, 0, "Other address status"},
    {1, 1, "Bad destination mailbox address"},
    {1, 2, "Bad destination system address"},
    {1, 3, "Bad destination mailbox address syntax"},
    {1, 4, "Destination mailbox address ambiguous"},
    {1, 5, "Destination address valid"},
    {1, 6, "Destination mailbox has moved, No forwarding address"},
    {1, 7, "Bad sender's mailbox address syntax"},
    {1, 8, "Bad sender's system address"},
    {1, 9, "Message relayed to non-compliant mailer"},  // RFC 3886
    {1, 10, "Recipient address has null MX"},           // RFC 7505
    // RFC 3463 3.3 Mailbox status.
    {2, 0, "Other or undefined mailbox status"},
    {2, 1, "Mailbox disabled, not accepting messages"},
    {2, 2, "Mailbox full"},
    {2, 3, "Message length exceeds administrative limit"},
    {2, 4, "Mailing list expansion problem"},
    // RFC 3463 3.4 Mail system status.
    {3, 0, "Other or undefined mail system status"},
    {3, 1, "Mail system full"},
    {3, 2, "System not accepting network messages"},
    {3, 3, "System not capable of selected features"},
    {3, 4, "Message too big for system"},
    {3, 5, "System incorrectly configured"},
    {3, 6, "Requested priority was changed"},  // RFC 6710
    // RFC 3463 3.5 Network and routing status.
    {4, 0, "Other or undefined network or routing status"},
    {4, 1, "No answer from host"},
    {4, 2, "Bad connection"},
    {4, 3, "Directory server failure"},
    {4, 4, "Unable to route"},
    {4, 5, "Mail system congestion"},
    {4, 6, "Routing loop detected"},
    {4, 7, "Delivery time expired"},
    // RFC 3463 3.6 Mail delivery protocol status.
    {5, 0, "Other or undefined protocol status"},
    {5, 1, "Invalid command"},
    {5, 2, "Syntax error"},
    {5, 3, "Too many recipients"},
    {5, 4, "Invalid command arguments"},
    {5, 5, "Wrong protocol version"},
    {5, 6, "Authentication Exchange line is too long"},  // RFC 4954
    // RFC 3463 3.7 Message content or media status.
    {6, 0, "Other or undefined media error"},
    {6, 1, "Media not supported"},
    {6, 2, "Conversion required and prohibited"},
    {6, 3, "Conversion required but not supported"},
    {6, 4, "Conversion with loss performed"},
    {6, 5, "Conversion Failed"},
    {6, 6, "Message content not available"},                                  // RFC 4468
    {6, 7, "Non-ASCII addresses not permitted for that sender/recipient"},    // RFC 6531
    {6, 8, "UTF-8 string reply is required, but not permitted by the SMTP client"},  // RFC 6531
    {6, 9, "UTF-8 header message cannot be transferred to one or more recipients, so the "
           "message must be rejected"},                                        // RFC 6531
    // RFC 3463 3.8 Security or policy status.
    {7, 0, "Other or undefined security status"},
    {7, 1, "Delivery not authorized, message refused"},
    {7, 2, "Mailing list expansion prohibited"},
    {7, 3, "Security conversion required but not possible"},
    {7, 4, "Security features not supported"},
    {7, 5, "Cryptographic failure"},
    {7, 6, "Cryptographic algorithm not supported"},
    {7, 7, "Message integrity failure"},
    {7, 8, "Authentication credentials invalid"},                           // RFC 4954
    {7, 9, "Authentication mechanism is too weak"},                         // RFC 4954
    {7, 10, "Encryption Needed"},                                           // RFC 5248
    {7, 11, "Encryption required for requested authentication mechanism"},  // RFC 4954
    {7, 12, "A password transition is needed"},                             // RFC 4954
    {7, 13, "User Account Disabled"},                                       // RFC 5248
    {7, 14, "Trust relationship required"},                                 // RFC 5248
    {7, 15, "Priority Level is too low"},                                   // RFC 6710
    {7, 16, "Message is too big for the specified priority"},               // RFC 6710
    {7, 17, "Mailbox owner has changed"},                                   // RFC 7293
    {7, 18, "Domain owner has changed"},                                    // RFC 7293
    {7, 19, "RRVS test cannot be completed"},                               // RFC 7293
    {7, 20, "No passing DKIM signature found"},                             // RFC 7372
    {7, 21, "No acceptable DKIM signature found"},                          // RFC 7372
    {7, 22, "No valid author-matched DKIM signature found"},                // RFC 7372
    {7, 23, "SPF validation failed"},                                       // RFC 7372
    {7, 24, "SPF validation error"},                                        // RFC 7372
    {7, 25, "Reverse DNS validation failed"},                               // RFC 7372
    {7, 26, "Multiple authentication checks failed"},                       // RFC 7372
    {7, 27, "Sender address has null MX"},                                  // RFC 7505
};

}  // namespace

std::string_view EnhancedClassText(int klass) {
  // IANA "Class Sub-Codes" (RFC 3463 3.1).
  switch (klass) {
    case 2: return "Success";
    case 4: return "Persistent Transient Failure";
    case 5: return "Permanent Failure";
    default: return "";
  }
}

std::string_view EnhancedSubjectText(int subject) {
  // IANA "Subject Sub-Codes" (RFC 3463 3.2-3.8 headings).
  switch (subject) {
    case 0: return "Other or Undefined Status";
    case 1: return "Addressing Status";
    case 2: return "Mailbox Status";
    case 3: return "Mail System Status";
    case 4: return "Network and Routing Status";
    case 5: return "Mail Delivery Protocol Status";
    case 6: return "Message Content or Media Status";
    case 7: return "Security or Policy Status";
    default: return "";
  }
}

std::string_view EnhancedDetailText(int subject, int detail) {
  for (const DetailEntry& e : kDetails)
    if (e.subject == subject && e.detail == detail) return e.text;
  return "";
}

std::string_view EnhancedStatusText(const EnhancedStatus& s) {
  std::string_view t = EnhancedDetailText(s.subject, s.detail);
  if (!t.empty()) return t;
  t = EnhancedSubjectText(s.subject);
  if (!t.empty()) return t;
  return EnhancedClassText(s.klass);
}

}  // namespace mta::reply
