// parse.cc: DNS message parser (RFC 1035 4.1, 4.1.4 compression, 2.3.4 limits).
#include <arpa/inet.h>

#include <cstdio>
#include <utility>

#include "mta/lib/dns/name.h"
#include "mta/lib/dns/wire.h"

namespace mta::dns {
namespace {

constexpr int kMaxPointerJumps = 127;

class Reader {
 public:
  explicit Reader(std::string_view wire) : wire_(wire) {}

  bool U8(std::size_t* pos, std::uint8_t* v) {
    if (*pos + 1 > wire_.size()) return Fail("truncated");
    *v = static_cast<std::uint8_t>(wire_[*pos]);
    *pos += 1;
    return true;
  }
  bool U16(std::size_t* pos, std::uint16_t* v) {
    if (*pos + 2 > wire_.size()) return Fail("truncated");
    *v = static_cast<std::uint16_t>((Byte(*pos) << 8) | Byte(*pos + 1));
    *pos += 2;
    return true;
  }
  bool U32(std::size_t* pos, std::uint32_t* v) {
    if (*pos + 4 > wire_.size()) return Fail("truncated");
    *v = (static_cast<std::uint32_t>(Byte(*pos)) << 24) | (Byte(*pos + 1) << 16) |
         (Byte(*pos + 2) << 8) | Byte(*pos + 3);
    *pos += 4;
    return true;
  }

  // Reads a possibly compressed name at *pos; *pos moves past its in-place octets.
  bool Name(std::size_t* pos, std::string* out) {
    std::vector<std::string> labels;
    std::size_t p = *pos;
    std::size_t segment_start = p;  // where the current run of in-place labels began
    std::size_t after = 0;          // octet after the first pointer (0: no pointer yet)
    std::size_t wire_length = 1;
    int jumps = 0;
    for (;;) {
      if (p >= wire_.size()) return Fail("truncated-name");
      std::uint8_t len = Byte(p);
      if ((len & 0xC0) == 0xC0) {
        if (p + 2 > wire_.size()) return Fail("truncated-name");
        std::size_t target = (static_cast<std::size_t>(len & 0x3F) << 8) | Byte(p + 1);
        // RFC 1035 4.1.4: a pointer refers to a prior occurrence of a name. Requiring each
        // target to lie before the start of the labels read so far makes every jump go
        // strictly backwards, so pointer loops cannot occur.
        if (target >= segment_start) return Fail("bad-pointer");
        if (++jumps > kMaxPointerJumps) return Fail("pointer-loop");
        if (after == 0) after = p + 2;
        p = target;
        segment_start = target;
        continue;
      }
      // RFC 1035 4.1.4 / RFC 6891 5: 0x40 and 0x80 label types are not in use.
      if (len & 0xC0) return Fail("bad-label-type");
      if (len == 0) {
        p += 1;
        break;
      }
      if (p + 1 + len > wire_.size()) return Fail("truncated-name");
      wire_length += 1 + len;
      // RFC 1035 2.3.4: names are 255 octets or less (labels are <= 63 by the 6-bit length).
      if (wire_length > kMaxNameLength) return Fail("name-too-long");
      labels.emplace_back(wire_.substr(p + 1, len));
      p += 1 + len;
    }
    *pos = after ? after : p;
    *out = LabelsToName(labels);
    return true;
  }

  std::string_view Slice(std::size_t pos, std::size_t n) const { return wire_.substr(pos, n); }
  std::size_t size() const { return wire_.size(); }
  bool Fail(const char* what) {
    if (error_.empty()) error_ = what;
    return false;
  }
  const std::string& error() const { return error_; }

 private:
  std::uint32_t Byte(std::size_t i) const { return static_cast<std::uint8_t>(wire_[i]); }
  std::string_view wire_;
  std::string error_;
};

std::string FormatA(std::string_view b) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", static_cast<unsigned char>(b[0]),
                static_cast<unsigned char>(b[1]), static_cast<unsigned char>(b[2]),
                static_cast<unsigned char>(b[3]));
  return buf;
}

std::string FormatAaaa(std::string_view b) {
  char buf[INET6_ADDRSTRLEN];
  in6_addr a;
  for (int i = 0; i < 16; ++i) a.s6_addr[i] = static_cast<unsigned char>(b[i]);
  if (!inet_ntop(AF_INET6, &a, buf, sizeof buf)) return "";
  return buf;
}

bool ParseRdata(Reader& r, std::size_t start, std::size_t length, RrType type,
                std::uint16_t rclass, Rdata* out) {
  std::size_t end = start + length;
  std::size_t p = start;
  auto ends_exactly = [&]() { return p == end ? true : r.Fail("bad-rdata-length"); };
  switch (type) {
    case RrType::kA:
      if (rclass != kClassIn) break;
      // RFC 1035 3.4.1: a 32-bit Internet address.
      if (length != 4) return r.Fail("bad-a-rdata");
      *out = AddressRdata{FormatA(r.Slice(start, 4))};
      return true;
    case RrType::kAaaa:
      if (rclass != kClassIn) break;
      // RFC 3596 2.2: a 128-bit IPv6 address.
      if (length != 16) return r.Fail("bad-aaaa-rdata");
      *out = AddressRdata{FormatAaaa(r.Slice(start, 16))};
      return true;
    case RrType::kMx: {
      MxRdata mx;
      if (!r.U16(&p, &mx.preference) || p > end || !r.Name(&p, &mx.exchange)) return false;
      if (!ends_exactly()) return false;
      *out = std::move(mx);
      return true;
    }
    case RrType::kCname:
    case RrType::kNs:
    case RrType::kPtr: {
      NameRdata n;
      if (!r.Name(&p, &n.name) || !ends_exactly()) return false;
      *out = std::move(n);
      return true;
    }
    case RrType::kSoa: {
      SoaRdata s;
      if (!r.Name(&p, &s.mname) || p > end || !r.Name(&p, &s.rname) || p > end) return false;
      if (end - p != 20) return r.Fail("bad-rdata-length");
      r.U32(&p, &s.serial);
      r.U32(&p, &s.refresh);
      r.U32(&p, &s.retry);
      r.U32(&p, &s.expire);
      r.U32(&p, &s.minimum);
      *out = std::move(s);
      return true;
    }
    case RrType::kTxt: {
      // RFC 1035 3.3.14: one or more <character-string>s, each a length octet and data.
      TxtRdata t;
      while (p < end) {
        std::size_t n = static_cast<std::uint8_t>(r.Slice(p, 1)[0]);
        if (p + 1 + n > end) return r.Fail("bad-txt-rdata");
        t.strings.emplace_back(r.Slice(p + 1, n));
        p += 1 + n;
      }
      *out = std::move(t);
      return true;
    }
    default:
      break;
  }
  *out = RawRdata{std::string(r.Slice(start, length))};
  return true;
}

bool ParseRecord(Reader& r, std::size_t* pos, ResourceRecord* rr) {
  std::uint16_t type = 0, length = 0;
  if (!r.Name(pos, &rr->name) || !r.U16(pos, &type) || !r.U16(pos, &rr->rclass) ||
      !r.U32(pos, &rr->ttl) || !r.U16(pos, &length))
    return false;
  rr->type = static_cast<RrType>(type);
  if (*pos + length > r.size()) return r.Fail("truncated-rdata");
  if (!ParseRdata(r, *pos, length, rr->type, rr->rclass, &rr->data)) return false;
  *pos += length;
  return true;
}

}  // namespace

bool ParseHeader(std::string_view wire, Header* h) {
  if (wire.size() < kHeaderSize) return false;
  auto b = [&](std::size_t i) { return static_cast<unsigned>(static_cast<std::uint8_t>(wire[i])); };
  auto u16 = [&](std::size_t i) { return static_cast<std::uint16_t>((b(i) << 8) | b(i + 1)); };
  h->id = u16(0);
  h->qr = b(2) & 0x80;
  h->opcode = static_cast<std::uint8_t>((b(2) >> 3) & 0x0F);
  h->tc = b(2) & 0x02;
  h->rcode = static_cast<std::uint8_t>(b(3) & 0x0F);
  h->qdcount = u16(4);
  h->ancount = u16(6);
  h->nscount = u16(8);
  h->arcount = u16(10);
  return true;
}

ParseResult Parse(std::string_view wire) {
  ParseResult result;
  Header h;
  if (!ParseHeader(wire, &h)) {
    result.error = "truncated-header";
    return result;
  }
  Message& m = result.message;
  auto b = [&](std::size_t i) { return static_cast<unsigned>(static_cast<std::uint8_t>(wire[i])); };
  m.id = h.id;
  m.qr = h.qr;
  m.opcode = h.opcode;
  m.aa = b(2) & 0x04;
  m.tc = h.tc;
  m.rd = b(2) & 0x01;
  m.ra = b(3) & 0x80;
  m.z = static_cast<std::uint8_t>((b(3) >> 4) & 0x07);
  m.rcode = h.rcode;

  Reader r(wire);
  std::size_t pos = kHeaderSize;
  // Every question takes at least 5 octets and every record 11, so the counts cannot make
  // the loops below run longer than the input allows.
  for (unsigned i = 0; i < h.qdcount; ++i) {
    Question q;
    std::uint16_t type = 0;
    if (!r.Name(&pos, &q.name) || !r.U16(&pos, &type) || !r.U16(&pos, &q.qclass)) {
      result.error = "question: " + r.error();
      return result;
    }
    q.type = static_cast<RrType>(type);
    m.questions.push_back(std::move(q));
  }
  struct Section {
    unsigned count;
    std::vector<ResourceRecord>* records;
    const char* name;
  } sections[] = {{h.ancount, &m.answers, "answer"},
                  {h.nscount, &m.authority, "authority"},
                  {h.arcount, &m.additional, "additional"}};
  for (auto& s : sections) {
    for (unsigned i = 0; i < s.count; ++i) {
      ResourceRecord rr;
      if (!ParseRecord(r, &pos, &rr)) {
        result.error = std::string(s.name) + ": " + r.error();
        return result;
      }
      s.records->push_back(std::move(rr));
    }
  }
  return result;
}

}  // namespace mta::dns
