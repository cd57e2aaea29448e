// data_stream_benchmark.cc: SMTP DATA decoder and encoder throughput against memcpy of
// the same bytes, on a deterministic mix of realistic messages (RFC 5321 4.5.2 wire form).
//
// The mix: plain-text mails with ~72-octet lines (some starting with "."), mails with an
// HTML alternative, and mails with a base64 attachment (76-octet lines), 2 KB to 1 MB.
// Each benchmark reports bytes/s; BM_DataDecode also reports memcpy_ratio, the decoder's
// rate divided by memcpy's on the same corpus, both in bytes per thread-CPU second
// (target >= 0.30).
//
//   build/bin/data_stream_benchmark --benchmark_filter=Decode
#include <benchmark/benchmark.h>

#include <time.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "mta/lib/data/decoder.h"
#include "mta/lib/data/encoder.h"

namespace {

// CPU time of this thread: the machine may be shared, so rates are per CPU second.
double ThreadSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// splitmix64: deterministic, seedable.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
};

const char* const kWords[] = {"the",  "message", "server", "delivery", "queue", "relay",
                              "mail", "and",     "of",     "recipient", "to",   "a",
                              "data", "header",  "is",     "report",   "for",   "with"};

std::string TextLine(Rng& r, size_t width) {
  std::string l;
  if (r.Below(20) == 0) l = ".";  // some lines start with a dot (stuffed on the wire)
  while (l.size() < width) {
    if (!l.empty() && l != ".") l += ' ';
    l += kWords[r.Below(sizeof(kWords) / sizeof(kWords[0]))];
  }
  return l;
}

std::string Headers(Rng& r, int n, const std::string& ctype) {
  std::string h = "Received: from client.example (client.example [192.0.2.1])\r\n"
                  "\tby mx.example with ESMTP id " + std::to_string(r.Next() % 1000000) + "\r\n"
                  "From: Sender <sender@example.org>\r\nTo: rcpt@example.net\r\n"
                  "Subject: message " + std::to_string(n) + "\r\n"
                  "Date: Tue, 24 Nov 2026 01:41:27 +0000\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: " + ctype + "\r\n\r\n";
  return h;
}

std::string TextBody(Rng& r, size_t size) {
  std::string b;
  while (b.size() < size) b += TextLine(r, 60 + r.Below(14)) + "\r\n";
  return b;
}

std::string HtmlBody(Rng& r, size_t size) {
  std::string b = "<html><head><title>t</title></head><body>\r\n";
  while (b.size() < size) {
    b += "<p class=\"para\">" + TextLine(r, 50) + "</p>\r\n";
    if (r.Below(8) == 0) b += "<div><a href=\"https://example.org/x\">link</a></div>\r\n";
  }
  return b + "</body></html>\r\n";
}

std::string Base64Body(Rng& r, size_t size) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b;
  b.reserve(size + 80);
  while (b.size() < size) {
    for (int i = 0; i < 76; ++i) b += kAlphabet[r.Below(64)];
    b += "\r\n";
  }
  return b;
}

// One message body (before dot-stuffing) of about `size` octets.
std::string Message(Rng& r, int n, size_t size) {
  switch (n % 3) {
    case 0:
      return Headers(r, n, "text/plain; charset=us-ascii") + TextBody(r, size);
    case 1:
      return Headers(r, n, "multipart/alternative; boundary=\"b1\"") + "--b1\r\n" +
             "Content-Type: text/plain\r\n\r\n" + TextBody(r, size / 3) + "--b1\r\n" +
             "Content-Type: text/html\r\n\r\n" + HtmlBody(r, size * 2 / 3) + "--b1--\r\n";
    default:
      return Headers(r, n, "multipart/mixed; boundary=\"b2\"") + "--b2\r\n" +
             "Content-Type: text/plain\r\n\r\n" + TextBody(r, 2048) + "--b2\r\n" +
             "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
             Base64Body(r, size) + "--b2--\r\n";
  }
}

struct Corpus {
  std::vector<std::string> bodies;  // plain bodies
  std::vector<std::string> wire;    // EncodeData(body): the bytes after 354
  size_t wire_bytes = 0;
  size_t body_bytes = 0;
};

const Corpus& GetCorpus() {
  static const Corpus c = [] {
    Corpus c;
    Rng r{20261124};
    const size_t sizes[] = {2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 1048576};
    int n = 0;
    for (int rep = 0; rep < 2; ++rep) {
      for (size_t s : sizes) {
        for (int k = 0; k < 3; ++k) {
          c.bodies.push_back(Message(r, n++, s));
          c.wire.push_back(mta::data::EncodeData(c.bodies.back()));
          c.wire_bytes += c.wire.back().size();
          c.body_bytes += c.bodies.back().size();
        }
      }
    }
    return c;
  }();
  return c;
}

constexpr size_t kReadSize = 64 * 1024;  // like a socket read

void CopyAll(const Corpus& c, std::string& dst) {
  char* out = dst.data();
  benchmark::DoNotOptimize(out);
  for (const std::string& w : c.wire) {
    std::memcpy(out, w.data(), w.size());
    benchmark::ClobberMemory();
  }
}

double MemcpyRate() {
  static const double rate = [] {
    const Corpus& c = GetCorpus();
    std::string dst(2 * 1024 * 1024, '\0');
    CopyAll(c, dst);
    double t0 = ThreadSeconds();
    int reps = 0;
    do {
      CopyAll(c, dst);
      ++reps;
    } while (ThreadSeconds() - t0 < 0.5);
    double secs = ThreadSeconds() - t0;
    return static_cast<double>(c.wire_bytes) * reps / secs;
  }();
  return rate;
}

void BM_Memcpy(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  std::string dst(2 * 1024 * 1024, '\0');
  for (auto _ : state) CopyAll(c, dst);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.wire_bytes));
}
BENCHMARK(BM_Memcpy)->Unit(benchmark::kMillisecond);

// Decoder with a sink that copies into a reused buffer (a spool write), fed in 64 KiB reads.
void BM_DataDecode(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  std::string spool;
  spool.reserve(2 * 1024 * 1024);
  double secs = 0;
  for (auto _ : state) {
    double t0 = ThreadSeconds();
    for (const std::string& w : c.wire) {
      spool.clear();
      mta::data::DataDecoder d({}, [&](std::string_view s) { spool.append(s); });
      for (size_t pos = 0; pos < w.size() && !d.complete(); pos += kReadSize) {
        d.Feed(std::string_view(w).substr(pos, kReadSize));
      }
      if (!d.complete() || spool.size() + 3 > w.size()) state.SkipWithError("decode failed");
      benchmark::DoNotOptimize(spool.data());
    }
    secs += ThreadSeconds() - t0;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.wire_bytes));
  double rate = static_cast<double>(c.wire_bytes) * state.iterations() / secs;
  state.counters["memcpy_ratio"] = rate / MemcpyRate();
}
BENCHMARK(BM_DataDecode)->Unit(benchmark::kMillisecond);

// Decoder collecting the body itself (no sink), whole message in one Feed.
void BM_DataDecodeWhole(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  for (auto _ : state) {
    for (const std::string& w : c.wire) {
      mta::data::DataDecoder d;
      d.Feed(w);
      benchmark::DoNotOptimize(d.body().data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.wire_bytes));
}
BENCHMARK(BM_DataDecodeWhole)->Unit(benchmark::kMillisecond);

void BM_DataEncode(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  std::string out;
  out.reserve(2 * 1024 * 1024);
  for (auto _ : state) {
    for (const std::string& b : c.bodies) {
      out.clear();
      mta::data::DataEncoder e;
      e.Add(b, &out);
      e.Finish(&out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.body_bytes));
}
BENCHMARK(BM_DataEncode)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
