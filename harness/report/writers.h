// writers.h: the report files of a run (reports/<run-id>/, anchors A.16):
// run.json, junit.xml, summary.md, index.html, cases/<target>/<case>.txt transcripts.
//
//   WriteReport(run, "reports/r1");   // throws std::runtime_error when it cannot write
#ifndef MTA_HARNESS_REPORT_WRITERS_H_
#define MTA_HARNESS_REPORT_WRITERS_H_

#include <string>

#include "harness/report/run_model.h"

namespace mta::report {

// JUnit: one testsuite per target, one testcase per case (classname = area).
// FAIL -> <failure>, ERROR/TIMEOUT -> <error>, UNSUPPORTED/SKIP -> <skipped>,
// NON_STRICT/INFO -> passing testcase with properties.
std::string JunitXml(const Run& run);
// Counts per target and verdict, level scores (disputed points apart), unexpected first.
std::string SummaryMarkdown(const Run& run);
// Self-contained matrix of cases x targets plus the disputed-points table.
std::string IndexHtml(const Run& run);

// Writes every file into dir (created).
void WriteReport(const Run& run, const std::string& dir);

}  // namespace mta::report

#endif  // MTA_HARNESS_REPORT_WRITERS_H_
