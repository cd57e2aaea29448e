// serialize.cc: DNS message serialiser with name compression (RFC 1035 4.1, 4.1.4).
#include <arpa/inet.h>

#include <string>
#include <unordered_map>
#include <utility>

#include "mta/lib/dns/name.h"
#include "mta/lib/dns/wire.h"

namespace mta::dns {
namespace {

class Writer {
 public:
  void U8(unsigned v) { out_.push_back(static_cast<char>(v & 0xFF)); }
  void U16(unsigned v) {
    U8(v >> 8);
    U8(v);
  }
  void U32(std::uint32_t v) {
    U16(v >> 16);
    U16(v & 0xFFFF);
  }
  void Bytes(std::string_view b) { out_.append(b); }

  // Writes a name, replacing its longest already-written suffix by a pointer (RFC 1035
  // 4.1.4). Suffixes match on exact octets, so the parsed name equals the original.
  bool Name(std::string_view text) {
    std::vector<std::string> labels;
    if (!NameToLabels(text, &labels)) return Fail("bad-name");
    for (std::size_t i = 0; i < labels.size(); ++i) {
      std::string key;
      for (std::size_t j = i; j < labels.size(); ++j) {
        key.push_back(static_cast<char>(labels[j].size()));
        key += labels[j];
      }
      auto it = suffixes_.find(key);
      if (it != suffixes_.end()) {
        U16(0xC000 | it->second);
        return true;
      }
      // Pointers hold 14 bits of offset.
      if (out_.size() < 0x4000) suffixes_.emplace(std::move(key), out_.size());
      U8(static_cast<unsigned>(labels[i].size()));
      Bytes(labels[i]);
    }
    U8(0);
    return true;
  }

  bool Fail(const char* what) {
    if (error_.empty()) error_ = what;
    return false;
  }
  std::string& out() { return out_; }
  const std::string& error() const { return error_; }

 private:
  std::string out_;
  std::string error_;
  std::unordered_map<std::string, std::size_t> suffixes_;
};

bool WriteRdata(Writer& w, const ResourceRecord& rr) {
  bool in = rr.rclass == kClassIn;
  if (const auto* raw = std::get_if<RawRdata>(&rr.data)) {
    w.Bytes(raw->bytes);
    return true;
  }
  if (const auto* a = std::get_if<AddressRdata>(&rr.data)) {
    if (in && rr.type == RrType::kA) {
      in_addr addr;
      if (inet_pton(AF_INET, a->address.c_str(), &addr) != 1) return w.Fail("bad-address");
      w.Bytes(std::string_view(reinterpret_cast<const char*>(&addr), 4));
      return true;
    }
    if (in && rr.type == RrType::kAaaa) {
      in6_addr addr;
      if (inet_pton(AF_INET6, a->address.c_str(), &addr) != 1) return w.Fail("bad-address");
      w.Bytes(std::string_view(reinterpret_cast<const char*>(&addr), 16));
      return true;
    }
    return w.Fail("rdata-mismatch");
  }
  if (const auto* mx = std::get_if<MxRdata>(&rr.data)) {
    if (rr.type != RrType::kMx) return w.Fail("rdata-mismatch");
    w.U16(mx->preference);
    return w.Name(mx->exchange);
  }
  if (const auto* n = std::get_if<NameRdata>(&rr.data)) {
    if (rr.type != RrType::kCname && rr.type != RrType::kNs && rr.type != RrType::kPtr)
      return w.Fail("rdata-mismatch");
    return w.Name(n->name);
  }
  if (const auto* s = std::get_if<SoaRdata>(&rr.data)) {
    if (rr.type != RrType::kSoa) return w.Fail("rdata-mismatch");
    if (!w.Name(s->mname) || !w.Name(s->rname)) return false;
    for (std::uint32_t v : {s->serial, s->refresh, s->retry, s->expire, s->minimum}) w.U32(v);
    return true;
  }
  if (const auto* t = std::get_if<TxtRdata>(&rr.data)) {
    if (rr.type != RrType::kTxt) return w.Fail("rdata-mismatch");
    for (const auto& s : t->strings) {
      // RFC 1035 3.3: a <character-string> is at most 255 octets.
      if (s.size() > 255) return w.Fail("txt-too-long");
      w.U8(static_cast<unsigned>(s.size()));
      w.Bytes(s);
    }
    return true;
  }
  return w.Fail("rdata-mismatch");
}

bool WriteRecord(Writer& w, const ResourceRecord& rr) {
  if (!w.Name(rr.name)) return false;
  w.U16(static_cast<unsigned>(rr.type));
  w.U16(rr.rclass);
  w.U32(rr.ttl);
  std::size_t length_at = w.out().size();
  w.U16(0);
  if (!WriteRdata(w, rr)) return false;
  std::size_t length = w.out().size() - length_at - 2;
  if (length > 0xFFFF) return w.Fail("rdata-too-long");
  w.out()[length_at] = static_cast<char>(length >> 8);
  w.out()[length_at + 1] = static_cast<char>(length & 0xFF);
  return true;
}

}  // namespace

SerializeResult Serialize(const Message& m) {
  SerializeResult result;
  if (m.opcode > 0x0F || m.z > 0x07 || m.rcode > 0x0F) {
    result.error = "field-range";
    return result;
  }
  for (std::size_t n : {m.questions.size(), m.answers.size(), m.authority.size(),
                        m.additional.size()})
    if (n > 0xFFFF) {
      result.error = "too-many-records";
      return result;
    }
  Writer w;
  w.U16(m.id);
  w.U8((m.qr ? 0x80u : 0u) | (static_cast<unsigned>(m.opcode) << 3) | (m.aa ? 0x04u : 0u) |
       (m.tc ? 0x02u : 0u) | (m.rd ? 0x01u : 0u));
  w.U8((m.ra ? 0x80u : 0u) | (static_cast<unsigned>(m.z) << 4) | m.rcode);
  w.U16(static_cast<unsigned>(m.questions.size()));
  w.U16(static_cast<unsigned>(m.answers.size()));
  w.U16(static_cast<unsigned>(m.authority.size()));
  w.U16(static_cast<unsigned>(m.additional.size()));
  for (const auto& q : m.questions) {
    if (!w.Name(q.name)) break;
    w.U16(static_cast<unsigned>(q.type));
    w.U16(q.qclass);
  }
  if (w.error().empty())
    for (const auto* section : {&m.answers, &m.authority, &m.additional}) {
      for (const auto& rr : *section)
        if (!WriteRecord(w, rr)) break;
      if (!w.error().empty()) break;
    }
  if (!w.error().empty()) {
    result.error = w.error();
    return result;
  }
  result.wire = std::move(w.out());
  return result;
}

SerializeResult SerializeTruncated(Message m, std::size_t limit) {
  SerializeResult s = Serialize(m);
  // RFC 2181 9: TC is set only when records that were required did not fit; dropping
  // additional records alone does not set it.
  while (s.ok() && s.wire.size() > limit) {
    if (!m.additional.empty()) {
      m.additional.pop_back();
    } else if (!m.authority.empty()) {
      m.authority.pop_back();
      m.tc = true;
    } else if (!m.answers.empty()) {
      m.answers.pop_back();
      m.tc = true;
    } else {
      break;  // the question alone is too long: send it as it is
    }
    s = Serialize(m);
  }
  return s;
}

}  // namespace mta::dns
