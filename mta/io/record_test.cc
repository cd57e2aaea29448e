// record_test.cc: record framing, incremental decoding, limits, stream helpers.
#include "mta/io/record.h"

#include "gtest/gtest.h"
#include <rapidcheck/gtest.h>

#include "mta/io/stream.h"

namespace mta::io {
namespace {

TEST(EncodeRecord, ExactBytes) {
  std::string w = EncodeRecord(7, {"ab", ""});
  EXPECT_EQ(w, std::string("\0\0\0\x0b\x07\0\0\0\x02" "ab\0\0\0\0", 15));
  EXPECT_EQ(EncodeRecord(1, {}), std::string("\0\0\0\x01\x01", 5));
}

TEST(RecordDecoder, OneByteAtATime) {
  Record a{1, {"hello", std::string("\0\r\n", 3)}};
  Record b{255, {}};
  std::string wire = EncodeRecord(a) + EncodeRecord(b);
  RecordDecoder d(1024);
  std::vector<Record> got;
  for (char c : wire) {
    d.Feed(std::string_view(&c, 1));
    Record r;
    while (d.Next(&r) == RecordDecoder::State::kRecord) got.push_back(r);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], a);
  EXPECT_EQ(got[1], b);
  EXPECT_EQ(d.Finish(), RecordError::kNone);
}

TEST(RecordDecoder, RefusesOversizeBeforeBody) {
  RecordDecoder d(10);
  d.Feed(std::string("\0\0\0\x0b", 4));  // 11 > 10
  Record r;
  EXPECT_EQ(d.Next(&r), RecordDecoder::State::kError);
  EXPECT_EQ(d.error(), RecordError::kTooLarge);
  d.Feed("more");  // sticky
  EXPECT_EQ(d.Next(&r), RecordDecoder::State::kError);
}

TEST(RecordDecoder, ExactlyMaxIsAccepted) {
  std::string w = EncodeRecord(2, {"12345"});  // length 1 + 4 + 5 = 10
  RecordDecoder d(10);
  d.Feed(w);
  Record r;
  EXPECT_EQ(d.Next(&r), RecordDecoder::State::kRecord);
  EXPECT_EQ(r.fields[0], "12345");
}

TEST(RecordDecoder, EmptyAndBadField) {
  Record r;
  RecordDecoder e;
  e.Feed(std::string(4, '\0'));
  EXPECT_EQ(e.Next(&r), RecordDecoder::State::kError);
  EXPECT_EQ(e.error(), RecordError::kEmpty);
  RecordDecoder f;
  f.Feed(std::string("\0\0\0\x06\x01\0\0\0\x09x", 10));  // field says 9, has 1
  EXPECT_EQ(f.Next(&r), RecordDecoder::State::kError);
  EXPECT_EQ(f.error(), RecordError::kBadField);
  RecordDecoder g;
  g.Feed(std::string("\0\0\0\x03\x01\0\0", 7));  // 2 stray bytes: not a whole length
  EXPECT_EQ(g.Next(&r), RecordDecoder::State::kError);
  EXPECT_EQ(g.error(), RecordError::kBadField);
}

TEST(RecordDecoder, TruncatedAtEnd) {
  std::string w = EncodeRecord(3, {"abc"});
  RecordDecoder d;
  d.Feed(w.substr(0, w.size() - 1));
  Record r;
  EXPECT_EQ(d.Next(&r), RecordDecoder::State::kNeedMore);
  EXPECT_EQ(d.Finish(), RecordError::kTruncated);
  EXPECT_FALSE(DecodeOneRecord(w.substr(0, 6), &r));
  EXPECT_FALSE(DecodeOneRecord(w + "x", &r));
  EXPECT_TRUE(DecodeOneRecord(w, &r));
}

TEST(Stream, ReadRecordOneByteReadsAndEof) {
  std::string wire = EncodeRecord(1, {"a"}) + EncodeRecord(2, {"bb", "ccc"});
  StringReader in(wire, 1);
  RecordDecoder d;
  Record r;
  auto x = ReadRecord(in, d, &r);
  ASSERT_TRUE(x.ok());
  EXPECT_TRUE(*x);
  EXPECT_EQ(r.type, 1);
  x = ReadRecord(in, d, &r);
  ASSERT_TRUE(x.ok() && *x);
  EXPECT_EQ(r.fields, (std::vector<std::string>{"bb", "ccc"}));
  x = ReadRecord(in, d, &r);
  ASSERT_TRUE(x.ok());
  EXPECT_FALSE(*x);  // clean EOF
}

TEST(Stream, TruncatedStreamIsError) {
  std::string wire = EncodeRecord(1, {"abc"});
  StringReader in(wire.substr(0, 7), 3);
  RecordDecoder d;
  Record r;
  auto x = ReadRecord(in, d, &r);
  EXPECT_FALSE(x.ok());
}

TEST(Stream, FdPipeRoundTrip) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  FdWriter w(fds[1]);
  Record rec{9, {"envelope", std::string(5000, 'm')}};
  ASSERT_TRUE(WriteRecord(w, rec).ok());
  ::close(fds[1]);
  FdReader in(fds[0]);
  RecordDecoder d;
  Record r;
  auto x = ReadRecord(in, d, &r);
  ASSERT_TRUE(x.ok() && *x);
  EXPECT_EQ(r, rec);
  ::close(fds[0]);
}

TEST(Stream, StringWriterFailsAfterLimit) {
  StringWriter w(3);
  EXPECT_TRUE(w.Write("ab").ok());
  EXPECT_FALSE(w.Write("cd").ok());
  EXPECT_EQ(w.data(), "abc");
}

RC_GTEST_PROP(RecordProp, RoundTripAnySplit,
              (const std::vector<std::vector<std::string>>& recs, size_t chunk)) {
  std::string wire;
  std::vector<Record> want;
  for (size_t i = 0; i < recs.size(); ++i) {
    Record r{static_cast<uint8_t>(i), recs[i]};
    wire += EncodeRecord(r);
    want.push_back(r);
  }
  StringReader in(wire, chunk % 7 + 1);
  RecordDecoder d;
  std::vector<Record> got;
  Record r;
  for (;;) {
    auto x = ReadRecord(in, d, &r);
    RC_ASSERT(x.ok());
    if (!*x) break;
    got.push_back(r);
  }
  RC_ASSERT(got == want);
}

}  // namespace
}  // namespace mta::io
