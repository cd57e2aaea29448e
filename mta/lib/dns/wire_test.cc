// wire_test.cc: the DNS codec against RFC 1035 golden bytes, limits, and round trips.
#include "mta/lib/dns/wire.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "mta/lib/dns/name.h"

namespace mta::dns {
namespace {

std::string Bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}

const std::string kHeaderQuery = Bytes({0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});

// RFC 1035 4.1.1/4.1.2: a standard query (RD set) for example.com MX.
const std::string kMxQuery =
    kHeaderQuery + Bytes({7}) + "example" + Bytes({3}) + "com" + Bytes({0, 0, 15, 0, 1});

TEST(DnsWire, SerializesQueryToGoldenBytes) {
  SerializeResult s = Serialize(MakeQuery(0x1234, "example.com", RrType::kMx));
  ASSERT_TRUE(s.ok()) << s.error;
  EXPECT_EQ(s.wire, kMxQuery);
}

TEST(DnsWire, ParsesGoldenQuery) {
  ParseResult r = Parse(kMxQuery);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.message.id, 0x1234);
  EXPECT_FALSE(r.message.qr);
  EXPECT_TRUE(r.message.rd);
  ASSERT_EQ(r.message.questions.size(), 1u);
  EXPECT_EQ(r.message.questions[0].name, "example.com");
  EXPECT_EQ(r.message.questions[0].type, RrType::kMx);
}

// A response whose answer owner and MX exchange are compressed against the question name
// (offset 12 = 0xC00C), as in RFC 1035 4.1.4.
const std::string kMxResponse =
    Bytes({0x12, 0x34, 0x85, 0x80, 0, 1, 0, 1, 0, 0, 0, 0}) + Bytes({7}) + "example" +
    Bytes({3}) + "com" + Bytes({0, 0, 15, 0, 1}) +
    Bytes({0xC0, 0x0C, 0, 15, 0, 1, 0, 0, 0x0E, 0x10, 0, 7, 0, 10, 2}) + "mx" +
    Bytes({0xC0, 0x0C});

TEST(DnsWire, ParsesCompressedMxResponse) {
  ParseResult r = Parse(kMxResponse);
  ASSERT_TRUE(r.ok()) << r.error;
  const Message& m = r.message;
  EXPECT_TRUE(m.qr);
  EXPECT_TRUE(m.aa);
  EXPECT_TRUE(m.ra);
  EXPECT_EQ(m.rcode, 0);
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(m.answers[0].name, "example.com");
  EXPECT_EQ(m.answers[0].ttl, 3600u);
  EXPECT_EQ(m.answers[0].data, (Rdata{MxRdata{10, "mx.example.com"}}));
}

TEST(DnsWire, SerializeCompressesToTheSameGoldenBytes) {
  Message m = MakeResponse(MakeQuery(0x1234, "example.com", RrType::kMx), Rcode::kNoError);
  m.ra = true;
  m.answers.push_back(MakeMx("example.com", 10, "mx.example.com", 3600));
  SerializeResult s = Serialize(m);
  ASSERT_TRUE(s.ok()) << s.error;
  EXPECT_EQ(s.wire, kMxResponse);
}

// RFC 1035 4.1.4 example: F.ISI.ARPA, FOO.F.ISI.ARPA (pointer to F.ISI.ARPA), ARPA
// (pointer into the first name) and the root.
TEST(DnsWire, Rfc1035CompressionExample) {
  std::string wire = Bytes({0, 1, 0x84, 0, 0, 0, 0, 4, 0, 0, 0, 0});
  // Record 1 at offset 12: F.ISI.ARPA A 10.0.0.1.
  wire += Bytes({1, 'F', 3, 'I', 'S', 'I', 4, 'A', 'R', 'P', 'A', 0});
  wire += Bytes({0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1});
  // Record 2: FOO + pointer to F.ISI.ARPA (offset 12).
  wire += Bytes({3, 'F', 'O', 'O', 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 2});
  // Record 3: pointer to ARPA (offset 12 + 2 + 4 = 18).
  wire += Bytes({0xC0, 18, 0, 16, 0, 1, 0, 0, 0, 60, 0, 3, 2, 'h', 'i'});
  // Record 4: the root.
  wire += Bytes({0, 0, 2, 0, 1, 0, 0, 0, 60, 0, 2, 0xC0, 12});
  ParseResult r = Parse(wire);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.message.answers.size(), 4u);
  EXPECT_EQ(r.message.answers[0].name, "F.ISI.ARPA");
  EXPECT_EQ(r.message.answers[0].data, (Rdata{AddressRdata{"10.0.0.1"}}));
  EXPECT_EQ(r.message.answers[1].name, "FOO.F.ISI.ARPA");
  EXPECT_EQ(r.message.answers[2].name, "ARPA");
  EXPECT_EQ(r.message.answers[2].data, (Rdata{TxtRdata{{"hi"}}}));
  EXPECT_EQ(r.message.answers[3].name, ".");
  EXPECT_EQ(r.message.answers[3].data, (Rdata{NameRdata{"F.ISI.ARPA"}}));
  EXPECT_TRUE(r.message.aa);
}

TEST(DnsWire, RejectsSelfPointer) {
  std::string wire = Bytes({0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1});
  ParseResult r = Parse(wire);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("bad-pointer"), std::string::npos) << r.error;
}

TEST(DnsWire, RejectsForwardPointerLoop) {
  // Label "a" at 12, then a pointer back to 12: reading from 12 meets the same pointer.
  std::string wire = Bytes({0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xC0, 12, 0, 1, 0, 1});
  EXPECT_FALSE(Parse(wire).ok());
}

TEST(DnsWire, RejectsPointerPastEnd) {
  std::string wire = Bytes({0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0});
  EXPECT_FALSE(Parse(wire).ok());
}

TEST(DnsWire, RejectsReservedLabelTypes) {
  std::string wire = Bytes({0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 'a', 0, 0, 1, 0, 1});
  EXPECT_EQ(Parse(wire).error, "question: bad-label-type");
}

TEST(DnsWire, RejectsNameOver255Octets) {
  std::string wire = Bytes({0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
  for (int i = 0; i < 5; ++i) wire += Bytes({63}) + std::string(63, 'x');  // 320 octets
  wire += Bytes({0, 0, 1, 0, 1});
  EXPECT_EQ(Parse(wire).error, "question: name-too-long");
}

TEST(DnsWire, AcceptsNameOfExactly255Octets) {
  std::string wire = Bytes({0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
  // 3 * 64 + 62 + 1 = 255 octets.
  for (int i = 0; i < 3; ++i) wire += Bytes({63}) + std::string(63, 'x');
  wire += Bytes({61}) + std::string(61, 'y') + Bytes({0, 0, 1, 0, 1});
  ParseResult r = Parse(wire);
  ASSERT_TRUE(r.ok()) << r.error;
  SerializeResult s = Serialize(r.message);
  ASSERT_TRUE(s.ok()) << s.error;
  EXPECT_EQ(s.wire, wire);
}

TEST(DnsWire, RejectsTruncatedInput) {
  for (std::size_t n = 0; n < kMxResponse.size(); ++n)
    EXPECT_FALSE(Parse(kMxResponse.substr(0, n)).ok()) << n;
}

TEST(DnsWire, RejectsBadAddressLengthAndRdataOverrun) {
  Message m = MakeResponse(MakeQuery(1, "a.test", RrType::kA), Rcode::kNoError);
  m.answers.push_back(MakeA("a.test", "192.0.2.1"));
  std::string wire = Serialize(m).wire;
  std::string bad = wire;
  bad[bad.size() - 5] = 5;  // RDLENGTH 4 -> 5, past the end
  EXPECT_FALSE(Parse(bad).ok());
  bad = wire;
  bad[bad.size() - 5] = 3;  // RDLENGTH 3: not an A record
  bad.pop_back();
  EXPECT_FALSE(Parse(bad).ok());
}

TEST(DnsWire, MxNameMustEndAtRdataEnd) {
  Message m = MakeResponse(MakeQuery(1, "a.test", RrType::kMx), Rcode::kNoError);
  m.answers.push_back(MakeMx("a.test", 5, "mx.a.test"));
  std::string wire = Serialize(m).wire;
  ASSERT_TRUE(Parse(wire).ok());
  std::string bad = wire;
  // RDLENGTH sits 2 + 5 octets (pref + "mx" + pointer) before the end.
  std::size_t at = bad.size() - 7;
  ASSERT_EQ(static_cast<int>(bad[at - 1]), 7);
  bad[at - 1] = 8;
  bad.push_back('\0');
  EXPECT_FALSE(Parse(bad).ok());
}

TEST(DnsWire, DecodesAaaaSoaTxtAndKeepsUnknownRaw) {
  Message m = MakeResponse(MakeQuery(9, "x.test", RrType::kAny), Rcode::kNoError);
  m.answers.push_back(MakeAaaa("x.test", "2001:db8::1"));
  m.answers.push_back(MakeTxt("x.test", {"v=spf1 -all", "", std::string(255, 'z')}));
  ResourceRecord soa;
  soa.name = "test";
  soa.type = RrType::kSoa;
  soa.data = SoaRdata{"ns.test", "hostmaster.test", 2024010101, 3600, 600, 86400, 300};
  m.authority.push_back(soa);
  ResourceRecord unknown;
  unknown.name = "x.test";
  unknown.type = static_cast<RrType>(99);
  unknown.data = RawRdata{std::string("\x00\x01\xff", 3)};
  m.additional.push_back(unknown);
  SerializeResult s = Serialize(m);
  ASSERT_TRUE(s.ok()) << s.error;
  ParseResult r = Parse(s.wire);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.message, m);
}

TEST(DnsWire, SerializeRejectsInvalidInput) {
  Message m = MakeQuery(1, "a..b", RrType::kA);
  EXPECT_EQ(Serialize(m).error, "bad-name");
  m = MakeQuery(1, std::string(64, 'a') + ".test", RrType::kA);
  EXPECT_EQ(Serialize(m).error, "bad-name");
  m = MakeQuery(1, "a.test", RrType::kA);
  m.answers.push_back(MakeA("a.test", "300.1.1.1"));
  EXPECT_EQ(Serialize(m).error, "bad-address");
  m.answers = {MakeTxt("a.test", {std::string(256, 'a')})};
  EXPECT_EQ(Serialize(m).error, "txt-too-long");
  m.answers = {MakeA("a.test", "1.2.3.4")};
  m.answers[0].type = RrType::kMx;
  EXPECT_EQ(Serialize(m).error, "rdata-mismatch");
}

TEST(DnsWire, TruncationSetsTcAndFits) {
  Message m = MakeResponse(MakeQuery(1, "big.test", RrType::kMx), Rcode::kNoError);
  for (int i = 0; i < 40; ++i)
    m.answers.push_back(MakeMx("big.test", static_cast<std::uint16_t>(i),
                               "mail-exchanger-" + std::to_string(i) + ".big.test"));
  ASSERT_GT(Serialize(m).wire.size(), kMaxUdpSize);
  SerializeResult s = SerializeTruncated(m);
  ASSERT_TRUE(s.ok());
  EXPECT_LE(s.wire.size(), kMaxUdpSize);
  ParseResult r = Parse(s.wire);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.message.tc);
  EXPECT_LT(r.message.answers.size(), 40u);
  // A message that fits is left alone.
  Message small = MakeResponse(MakeQuery(1, "a.test", RrType::kA), Rcode::kNoError);
  EXPECT_EQ(SerializeTruncated(small).wire, Serialize(small).wire);
}

TEST(DnsWire, ParseHeaderReadsTruncatedAnswer) {
  Header h;
  EXPECT_FALSE(ParseHeader("short", &h));
  ASSERT_TRUE(ParseHeader(kMxResponse.substr(0, 12), &h));
  EXPECT_EQ(h.id, 0x1234);
  EXPECT_TRUE(h.qr);
  EXPECT_EQ(h.ancount, 1);
}

TEST(DnsName, EscapesAndLimits) {
  std::vector<std::string> labels;
  ASSERT_TRUE(NameToLabels("a\\.b.c\\\\d.\\065.", &labels));
  EXPECT_EQ(labels, (std::vector<std::string>{"a.b", "c\\d", "A"}));
  EXPECT_EQ(LabelsToName(labels), "a\\.b.c\\\\d.A");
  EXPECT_EQ(LabelsToName({std::string("sp ace\x01", 7)}), "sp\\032ace\\001");
  EXPECT_EQ(LabelsToName({}), ".");
  ASSERT_TRUE(NameToLabels(".", &labels));
  EXPECT_TRUE(labels.empty());
  std::string error;
  EXPECT_FALSE(NameToLabels("a..b", &labels, &error));
  EXPECT_EQ(error, "empty-label");
  EXPECT_FALSE(NameToLabels(".a", &labels, &error));
  EXPECT_FALSE(NameToLabels("a\\", &labels, &error));
  EXPECT_FALSE(NameToLabels("a\\25", &labels, &error));
  EXPECT_FALSE(NameToLabels("a\\256", &labels, &error));
  EXPECT_TRUE(NameToLabels(std::string(63, 'a'), &labels));
  EXPECT_FALSE(NameToLabels(std::string(64, 'a'), &labels, &error));
  EXPECT_EQ(error, "label-too-long");
  EXPECT_TRUE(NamesEqual("MX.Example.COM.", "mx.example.com"));
  EXPECT_FALSE(NamesEqual("mx.example.com", "mx.example.org"));
  EXPECT_EQ(CanonicalName("A.B."), "a.b");
}

TEST(DnsMessage, TypeAndRcodeNames) {
  RrType t;
  ASSERT_TRUE(RrTypeFromName("mx", &t));
  EXPECT_EQ(t, RrType::kMx);
  ASSERT_TRUE(RrTypeFromName("TYPE99", &t));
  EXPECT_EQ(static_cast<int>(t), 99);
  EXPECT_FALSE(RrTypeFromName("BOGUS", &t));
  EXPECT_EQ(RrTypeName(RrType::kAaaa), "AAAA");
  EXPECT_EQ(RrTypeName(static_cast<RrType>(99)), "TYPE99");
  EXPECT_EQ(RcodeName(3), "NXDOMAIN");
}

// Generators for canonical messages (the form Parse produces).
rc::Gen<std::string> GenLabel() {
  return rc::gen::mapcat(rc::gen::inRange<std::size_t>(1, 12), [](std::size_t n) {
    return rc::gen::container<std::string>(
        n, rc::gen::oneOf(rc::gen::elementOf(std::string("abcxyz-.\\")),
                          rc::gen::arbitrary<char>()));
  });
}
rc::Gen<std::string> GenName() {
  return rc::gen::exec([] {
    auto labels = *rc::gen::container<std::vector<std::string>>(
        *rc::gen::inRange<std::size_t>(0, 5), GenLabel());
    // Share suffixes often so that compression is exercised.
    if (labels.size() > 1 && labels[0].size() % 2) labels.back() = "test";
    return LabelsToName(labels);
  });
}

rc::Gen<ResourceRecord> GenRecord() {
  return rc::gen::exec([] {
    ResourceRecord rr;
    rr.name = *GenName();
    rr.ttl = *rc::gen::arbitrary<std::uint32_t>();
    int kind = *rc::gen::inRange(0, 8);
    switch (kind) {
      case 0: {
        auto b = *rc::gen::container<std::vector<std::uint8_t>>(4, rc::gen::arbitrary<std::uint8_t>());
        rr.type = RrType::kA;
        rr.data = AddressRdata{std::to_string(b[0]) + "." + std::to_string(b[1]) + "." +
                               std::to_string(b[2]) + "." + std::to_string(b[3])};
        break;
      }
      case 1: {
        // Build the canonical text by a round trip through the codec.
        auto b = *rc::gen::container<std::string>(16, rc::gen::arbitrary<char>());
        ResourceRecord raw;
        raw.name = "x";
        raw.type = RrType::kAaaa;
        raw.data = RawRdata{b};
        Message m;
        m.answers.push_back(raw);
        rr.type = RrType::kAaaa;
        rr.data = Parse(Serialize(m).wire).message.answers.at(0).data;
        break;
      }
      case 2:
        rr.type = RrType::kMx;
        rr.data = MxRdata{*rc::gen::arbitrary<std::uint16_t>(), *GenName()};
        break;
      case 3:
        rr.type = *rc::gen::element(RrType::kCname, RrType::kNs, RrType::kPtr);
        rr.data = NameRdata{*GenName()};
        break;
      case 4:
        rr.type = RrType::kSoa;
        rr.data = SoaRdata{*GenName(), *GenName(), *rc::gen::arbitrary<std::uint32_t>(), 1, 2, 3,
                           *rc::gen::arbitrary<std::uint32_t>()};
        break;
      case 5:
        rr.type = RrType::kTxt;
        rr.data = TxtRdata{*rc::gen::container<std::vector<std::string>>(
            *rc::gen::inRange<std::size_t>(0, 4),
            rc::gen::mapcat(rc::gen::inRange<std::size_t>(0, 40), [](std::size_t n) {
              return rc::gen::container<std::string>(n, rc::gen::arbitrary<char>());
            }))};
        break;
      default:
        rr.type = static_cast<RrType>(*rc::gen::element(99, 41, 250, 65535));
        rr.rclass = *rc::gen::arbitrary<std::uint16_t>();
        rr.data = RawRdata{*rc::gen::container<std::string>(*rc::gen::inRange<std::size_t>(0, 30),
                                                            rc::gen::arbitrary<char>())};
    }
    return rr;
  });
}

rc::Gen<Message> GenMessage() {
  return rc::gen::exec([] {
    Message m;
    m.id = *rc::gen::arbitrary<std::uint16_t>();
    m.qr = *rc::gen::arbitrary<bool>();
    m.opcode = *rc::gen::inRange<std::uint8_t>(0, 16);
    m.aa = *rc::gen::arbitrary<bool>();
    m.tc = *rc::gen::arbitrary<bool>();
    m.rd = *rc::gen::arbitrary<bool>();
    m.ra = *rc::gen::arbitrary<bool>();
    m.z = *rc::gen::inRange<std::uint8_t>(0, 8);
    m.rcode = *rc::gen::inRange<std::uint8_t>(0, 16);
    int nq = *rc::gen::inRange(0, 3);
    for (int i = 0; i < nq; ++i)
      m.questions.push_back(
          Question{*GenName(), static_cast<RrType>(*rc::gen::arbitrary<std::uint16_t>()),
                   *rc::gen::arbitrary<std::uint16_t>()});
    m.answers = *rc::gen::container<std::vector<ResourceRecord>>(
        *rc::gen::inRange<std::size_t>(0, 6), GenRecord());
    m.authority = *rc::gen::container<std::vector<ResourceRecord>>(
        *rc::gen::inRange<std::size_t>(0, 3), GenRecord());
    m.additional = *rc::gen::container<std::vector<ResourceRecord>>(
        *rc::gen::inRange<std::size_t>(0, 3), GenRecord());
    return m;
  });
}

RC_GTEST_PROP(DnsWireProperty, ParseOfSerializeIsIdentity, ()) {
  Message m = *GenMessage();
  SerializeResult s = Serialize(m);
  RC_ASSERT(s.ok());
  ParseResult r = Parse(s.wire);
  RC_ASSERT(r.ok());
  RC_ASSERT(r.message == m);
}

RC_GTEST_PROP(DnsWireProperty, ParseNeverFailsHardOnMutations, ()) {
  Message m = *GenMessage();
  std::string wire = Serialize(m).wire;
  RC_PRE(!wire.empty());
  std::size_t at = *rc::gen::inRange<std::size_t>(0, wire.size());
  wire[at] = *rc::gen::arbitrary<char>();
  ParseResult r = Parse(wire);
  if (r.ok()) {
    SerializeResult s = Serialize(r.message);
    RC_ASSERT(s.ok());
    RC_ASSERT(Parse(s.wire).message == r.message);
  }
}

}  // namespace
}  // namespace mta::dns
