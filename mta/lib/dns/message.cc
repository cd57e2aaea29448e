// message.cc: type and rcode names, query/response and record builders (RFC 1035 4.1).
#include "mta/lib/dns/message.h"

#include <cctype>
#include <utility>

namespace mta::dns {
namespace {

struct TypeName {
  RrType type;
  const char* name;
};
constexpr TypeName kTypeNames[] = {
    {RrType::kA, "A"},       {RrType::kNs, "NS"},   {RrType::kCname, "CNAME"},
    {RrType::kSoa, "SOA"},   {RrType::kPtr, "PTR"}, {RrType::kMx, "MX"},
    {RrType::kTxt, "TXT"},   {RrType::kAaaa, "AAAA"}, {RrType::kOpt, "OPT"},
    {RrType::kAny, "ANY"},
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

ResourceRecord Record(std::string_view name, RrType type, std::uint32_t ttl, Rdata data) {
  ResourceRecord rr;
  rr.name = std::string(name);
  rr.type = type;
  rr.ttl = ttl;
  rr.data = std::move(data);
  return rr;
}

}  // namespace

std::string RrTypeName(RrType type) {
  for (const auto& t : kTypeNames)
    if (t.type == type) return t.name;
  return "TYPE" + std::to_string(static_cast<unsigned>(type));
}

bool RrTypeFromName(std::string_view name, RrType* type) {
  for (const auto& t : kTypeNames)
    if (EqualsIgnoreCase(name, t.name)) {
      *type = t.type;
      return true;
    }
  // RFC 3597 5: TYPEnnn.
  if (name.size() > 4 && EqualsIgnoreCase(name.substr(0, 4), "TYPE") && name.size() <= 9) {
    unsigned v = 0;
    for (char c : name.substr(4)) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > 65535) return false;
    *type = static_cast<RrType>(v);
    return true;
  }
  return false;
}

std::string RcodeName(std::uint8_t rcode) {
  switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    default: return "RCODE" + std::to_string(rcode);
  }
}

Message MakeQuery(std::uint16_t id, std::string_view name, RrType type, bool rd) {
  Message m;
  m.id = id;
  m.rd = rd;
  m.questions.push_back(Question{std::string(name), type, kClassIn});
  return m;
}

Message MakeResponse(const Message& query, Rcode rcode, bool aa) {
  Message m;
  m.id = query.id;
  m.qr = true;
  m.opcode = query.opcode;
  m.aa = aa;
  m.rd = query.rd;
  m.rcode = static_cast<std::uint8_t>(rcode);
  m.questions = query.questions;
  return m;
}

ResourceRecord MakeA(std::string_view name, std::string_view address, std::uint32_t ttl) {
  return Record(name, RrType::kA, ttl, AddressRdata{std::string(address)});
}
ResourceRecord MakeAaaa(std::string_view name, std::string_view address, std::uint32_t ttl) {
  return Record(name, RrType::kAaaa, ttl, AddressRdata{std::string(address)});
}
ResourceRecord MakeMx(std::string_view name, std::uint16_t preference, std::string_view exchange,
                      std::uint32_t ttl) {
  return Record(name, RrType::kMx, ttl, MxRdata{preference, std::string(exchange)});
}
ResourceRecord MakeCname(std::string_view name, std::string_view target, std::uint32_t ttl) {
  return Record(name, RrType::kCname, ttl, NameRdata{std::string(target)});
}
ResourceRecord MakeTxt(std::string_view name, std::vector<std::string> strings,
                       std::uint32_t ttl) {
  return Record(name, RrType::kTxt, ttl, TxtRdata{std::move(strings)});
}

}  // namespace mta::dns
