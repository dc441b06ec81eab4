// One scoring pass as `ghharvest score` and the daemon's schedule run it: compute and record
// a run, then emit the reports that changed (the emit state kept in `db`).
#pragma once

#include <cstdint>
#include <string>

#include "ghharvest/config/config.hpp"
#include "ghharvest/report/reporter.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::store {
class Database;
}

namespace ghharvest::app {

struct ScoreSummary {
  std::int64_t run = 0;
  std::size_t writers = 0;
  std::size_t rows = 0;  // (writer, project) pairs scored
  report::EmitStats emit;
  double score_seconds = 0;
  double report_seconds = 0;
};

// "run 12: 3 writers, 41 projects scored; 5 files written, 2 JSONL lines, 0 refused"
std::string FormatSummary(const ScoreSummary& s);

Result<ScoreSummary> ScoreAndReport(store::Database& db, const config::Config& config,
                                    const Clock& clock, report::Reporter& reporter);

}  // namespace ghharvest::app
