// path_benchmark.cc: throughput of the RFC 5321 path and command parsers.
//
// Input: bench/paths.txt (one path per line, "#" lines skipped), the same set that
// bench/parseaddr_bench.py feeds to Python's email.utils.parseaddr. items_per_second is
// paths (or command lines) parsed per second.
//
//   build/bin/path_benchmark --benchmark_filter=BM_ParsePath
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>
#include <vector>

#include "mta/lib/smtp/command.h"
#include "mta/lib/smtp/path.h"

namespace {

const std::vector<std::string>& Paths() {
  static const std::vector<std::string> paths = [] {
    std::vector<std::string> out;
    std::ifstream in(MTA_SOURCE_ROOT "/bench/paths.txt", std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      out.push_back(line);
    }
    return out;
  }();
  return paths;
}

void BM_ParsePath(benchmark::State& state) {
  const auto& paths = Paths();
  if (paths.empty()) {
    state.SkipWithError("bench/paths.txt missing or empty");
    return;
  }
  mta::smtp::PathOptions opts{true, false, {}};
  std::size_t ok = 0;
  for (auto _ : state) {
    for (const std::string& p : paths) {
      mta::smtp::ParsedPath r = mta::smtp::ParsePath(p, opts);
      ok += r.ok;
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * paths.size()));
  state.counters["ok_fraction"] =
      static_cast<double>(ok) / static_cast<double>(state.iterations() * paths.size());
}
BENCHMARK(BM_ParsePath);

void BM_ParsePathAllLeniencies(benchmark::State& state) {
  const auto& paths = Paths();
  mta::smtp::PathOptions opts{true, false, mta::smtp::LeniencySet::All()};
  for (auto _ : state) {
    for (const std::string& p : paths) {
      benchmark::DoNotOptimize(mta::smtp::ParsePath(p, opts));
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * paths.size()));
}
BENCHMARK(BM_ParsePathAllLeniencies);

void BM_ParseMailCommand(benchmark::State& state) {
  std::vector<std::string> lines;
  for (const std::string& p : Paths()) lines.push_back("MAIL FROM:" + p + " SIZE=12345\r\n");
  mta::smtp::CommandOptions opts;
  for (auto _ : state) {
    for (const std::string& l : lines) {
      benchmark::DoNotOptimize(mta::smtp::ParseCommand(l, opts));
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines.size()));
}
BENCHMARK(BM_ParseMailCommand);

}  // namespace

BENCHMARK_MAIN();
