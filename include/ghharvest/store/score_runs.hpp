// Recording scoring runs: score_runs, and the rows of every run as spans (score_pair_spans,
// score_writer_spans, schema/0004_score_spans.sql). A writer whose numbers are the same as in
// the previous run keeps its stored rows, so a run in which few writers changed writes little.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "ghharvest/model/scores.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::store {

// In one transaction: a new score_runs row (run.started_at, run.fingerprint, `params_json`),
// the spans of every writer whose digest differs from its current rows (digests[i] belongs
// to run.writers[i]), the end of the rows of writers this run no longer scores, finished_at
// from `clock`, then pruning to the newest `keep_runs` finished runs. Fills run.run,
// run.finished_at, run.writers_changed and run.rows_written. On failure nothing is written.
Status RecordScoreRun(Database& db, model::ScoreRun& run, const std::vector<std::uint64_t>& digests,
                      std::string_view params_json, int keep_runs, const Clock& clock);

}  // namespace ghharvest::store
