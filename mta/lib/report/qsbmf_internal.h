// qsbmf_internal.h: texts and small predicates shared by the QSBMF generator and parser.
// Not part of the public API.
#ifndef MTA_LIB_REPORT_QSBMF_INTERNAL_H_
#define MTA_LIB_REPORT_QSBMF_INTERNAL_H_

#include <string>
#include <string_view>

namespace mta::report::qsbmf_internal {

// qmail-send.c injectbounce() texts (qmail 1.03).
inline constexpr std::string_view kIntroStart = "Hi. This is the";
inline constexpr std::string_view kIntroPrefix = "Hi. This is the qmail-send program at ";
inline constexpr std::string_view kIntroNormal =
    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
    "This is a permanent error; I've given up. Sorry it didn't work out.\n";
inline constexpr std::string_view kIntroDoubleLine =
    "I tried to deliver a bounce message to this address, but the bounce bounced!";
inline constexpr std::string_view kBreakNormal = "--- Below this line is a copy of the message.";
inline constexpr std::string_view kBreakDouble = "--- Below this line is the original bounce.";
inline constexpr std::string_view kReturnPathPrefix = "Return-Path: <";

// qmail-remote texts the parser reads the remote MTA and diagnostic from (M.4).
inline constexpr std::string_view kDoesNotLike = " does not like recipient.";
inline constexpr std::string_view kFailedAfter = " failed after I sent the message.";
inline constexpr std::string_view kConnectedTo = "Connected to ";
inline constexpr std::string_view kRemoteSaid = "Remote host said: ";
inline constexpr std::string_view kGivingUp = "Giving up on ";

// Every LF replaced by '_' (qmail-send addbounce() does this to the recipient).
std::string LfToUnderscore(std::string_view s);
// qmail-send injectbounce(): "owner-@host-@[]" -> "owner-@host".
std::string_view VerpStrip(std::string_view sender);
// A plain host name or IP address: non-empty, only [A-Za-z0-9.:_-].
bool IsHostToken(std::string_view h);
// "[x]" -> "x"; anything else unchanged.
std::string_view StripBrackets(std::string_view v);
// M.4: qmail names the peer by IP; an IP (digits and dots, or containing ':') is written
// as a domain literal "[IP]", a host name as is.
std::string RemoteMtaValue(std::string_view host);
// RFC 3463 status-code = class "." subject "." detail; class 2/4/5, 1*3DIGIT each.
bool IsStatusCode(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWith(std::string_view s, std::string_view p);
bool EndsWith(std::string_view s, std::string_view p);

}  // namespace mta::report::qsbmf_internal

#endif  // MTA_LIB_REPORT_QSBMF_INTERNAL_H_
