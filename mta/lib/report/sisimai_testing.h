// sisimai_testing.h: test-only helpers for the interop tests with Sisimai, a real bounce
// consumer (Debian libsisimai-perl): run testdata/sisimai_decode.pl over message files and
// read the flat JSON objects it prints, one per line and per decoded recipient.
//
//   if (!SisimaiInstalled()) GTEST_SKIP() << "...";
//   int st = 0;
//   std::string out = RunCommand(SisimaiDecodeCommand(/*delivered=*/true) + " 'a.eml'", &st);
//   for (const SisimaiRecord& r : ParseSisimaiOutput(out)) r.fields.at("deliverystatus");
#ifndef MTA_LIB_REPORT_SISIMAI_TESTING_H_
#define MTA_LIB_REPORT_SISIMAI_TESTING_H_

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace mta::report::testing {

// Runs cmd through the shell and returns its standard output; *status is pclose's status
// (-1 when the command could not be started).
inline std::string RunCommand(const std::string& cmd, int* status) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) {
    *status = -1;
    return out;
  }
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  *status = ::pclose(f);
  return out;
}

// True when perl can load Sisimai and JSON::PP.
inline bool SisimaiInstalled() {
  int st = 0;
  RunCommand("perl -MSisimai -MJSON::PP -e 1 2>/dev/null", &st);
  return st == 0;
}

// The shell command (without file arguments) that runs sisimai_decode.pl; delivered also
// reports success DSNs.
inline std::string SisimaiDecodeCommand(bool delivered) {
  return std::string("perl '") + MTA_SOURCE_ROOT + "/mta/lib/report/testdata/sisimai_decode.pl'" +
         (delivered ? " --delivered" : "");
}

// The flat {"key":"string",...} object sisimai_decode.pl prints on one line.
inline std::map<std::string, std::string> ParseJsonLine(const std::string& line) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  auto read_string = [&](std::string* s) {
    if (i >= line.size() || line[i] != '"') return false;
    ++i;
    while (i < line.size() && line[i] != '"') {
      if (line[i] == '\\' && i + 1 < line.size()) {
        char e = line[++i];
        *s += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;  // \uXXXX kept raw
      } else {
        *s += line[i];
      }
      ++i;
    }
    ++i;
    return true;
  };
  while (i < line.size()) {
    while (i < line.size() && line[i] != '"') ++i;
    std::string k, v;
    if (!read_string(&k)) break;
    while (i < line.size() && line[i] != '"' && line[i] != '}') ++i;
    if (!read_string(&v)) break;
    out[k] = v;
  }
  return out;
}

// One decoded recipient: the raw line (for traces) and its fields.
struct SisimaiRecord {
  std::string line;
  std::map<std::string, std::string> fields;
};

// Every non-empty line of sisimai_decode.pl's output, parsed.
inline std::vector<SisimaiRecord> ParseSisimaiOutput(const std::string& out) {
  std::vector<SisimaiRecord> records;
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t nl = out.find('\n', start);
    std::string line = out.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? out.size() : nl + 1;
    if (line.empty()) continue;
    records.push_back({line, ParseJsonLine(line)});
  }
  return records;
}

}  // namespace mta::report::testing

#endif  // MTA_LIB_REPORT_SISIMAI_TESTING_H_
