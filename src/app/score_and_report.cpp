#include "ghharvest/app/score_and_report.hpp"

#include "ghharvest/app/adapters.hpp"

#include <chrono>

#include <fmt/format.h>

#include "ghharvest/score/scorer.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::app {

std::string FormatSummary(const ScoreSummary& s) {
  return fmt::format(
      "run {}: {} writers, {} projects scored in {:.2f}s; {} files written, {} JSONL lines, "
      "{} blog drafts written, {} edited drafts kept, {} refused, {} stale files removed",
      s.run, s.writers, s.rows, s.score_seconds + s.report_seconds, s.emit.files_written,
      s.emit.jsonl_lines, s.emit.blogs_written, s.emit.blogs_kept_edited, s.emit.refused,
      s.emit.files_removed);
}

Result<ScoreSummary> ScoreAndReport(store::Database& db, const config::Config& config,
                                    const Clock& clock, report::Reporter& reporter) {
  ScoreSummary sum;
  const auto t0 = std::chrono::steady_clock::now();
  auto run = score::RunScoring(db, config, clock);
  if (!run.ok()) return run.status();
  const auto t1 = std::chrono::steady_clock::now();
  DatabaseReportState state(db);
  auto emitted = reporter.Emit(state, *run, clock);
  if (!emitted.ok()) return emitted.status();
  const auto t2 = std::chrono::steady_clock::now();
  sum.run = run->run;
  sum.writers = run->writers.size();
  sum.rows = run->rows;
  sum.emit = *emitted;
  sum.score_seconds = std::chrono::duration<double>(t1 - t0).count();
  sum.report_seconds = std::chrono::duration<double>(t2 - t1).count();
  log::Info(
      "score and report run={} writers={} rows={} files_written={} jsonl_lines={} "
      "files_removed={}",
      sum.run, sum.writers, sum.rows, sum.emit.files_written, sum.emit.jsonl_lines,
      sum.emit.files_removed);
  return sum;
}

}  // namespace ghharvest::app
