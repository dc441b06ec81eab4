// RunScoring: computes the scores, then has the store record the run as spans of runs
// (store/score_runs.hpp), so a run in which few writers changed writes little.
#include <cstdint>
#include <vector>

#include "ghharvest/score/scorer.hpp"
#include "ghharvest/store/score_runs.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::score {

Result<ScoreRun> RunScoring(store::Database& db, const config::Config& config, const Clock& clock) {
  ScoreRun run;
  const Clock::TimePoint now = clock.Now();
  run.started_at = FormatIso8601(now);
  run.fingerprint = config::ScoringFingerprint(config);
  auto writers = ComputeScores(db, config.scoring, now);
  if (!writers.ok()) return writers.status();
  run.writers = std::move(writers).value();
  for (const WriterScore& ws : run.writers) run.rows += ws.projects.size();
  std::vector<std::uint64_t> digests;
  digests.reserve(run.writers.size());
  for (const WriterScore& ws : run.writers) digests.push_back(WriterDigest(ws));
  if (Status s = store::RecordScoreRun(db, run, digests, ParamsJson(config.scoring),
                                       config.scoring.keep_runs, clock);
      !s.ok()) {
    return Status::IOError("recording score run: " + s.message());
  }
  log::Info("score run recorded run={} writers={} rows={} writers_changed={} rows_written={}",
            run.run, run.writers.size(), run.rows, run.writers_changed, run.rows_written);
  return run;
}

}  // namespace ghharvest::score
