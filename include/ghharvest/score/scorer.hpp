// The influence model (docs/scoring.md), computed over one read of
// the counts and recorded as a scoring run (score_runs, score_pair_spans, score_writer_spans),
// so writer_project_scores and writer_influence explain every number with one query.
//
//   P = commits + prs_opened + issues_opened + issue_comments + review_comments + reviews
//   T = commits + prs_opened + blog_posts
//   C = issues_opened + issue_comments + review_comments + reviews
//   I = feedback_received + reactions_received
//   O(w,p) = k(p)·P + I + C + T;  O(w) = max_p O(w,p);  Total(w) = Σ_p (I + C)
// Each count is multiplied by its weight ([scoring.weights], default 1) before it enters
// P, T, C and I. Best project: the argmax of O(w,p); ties go to the project whose name is
// smallest byte-wise (so "Acme/x" before "acme/x" before "acme/y").
// Pure functions are thread-safe; RunScoring uses the Database it is given (one thread).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ghharvest/config/config.hpp"
#include "ghharvest/model/scores.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::store {
class Database;
}

namespace ghharvest::score {

// The plain types of the model area, under the names the scorer has always used.
using model::Count;
using model::CountName;
using model::Counts;
using model::kNumCounts;
using model::ParseCountName;
using model::ProjectScore;
using model::ScoreRun;
using model::WriterScore;

// O = k·P + I + C + T (the seed's formula, §4.2 step 5).
inline double Opportunity(double k, double p, double i, double c, double t) {
  return k * p + i + c + t;
}

// The weight of each count, by Count: [scoring.weights], default 1.
using Weights = std::array<double, kNumCounts>;
Weights WeightsOf(const config::ScoringConfig& cfg);

// Fills k, P, I, C, T and O of `ps` from its counts, the weights and the project's k.
void ScoreProject(const Weights& weights, double k, ProjectScore& ps);
// The same with the configured weights and k (config::KFor).
void ScoreProject(const config::ScoringConfig& cfg, ProjectScore& ps);

// Fills O(w), Total(w) and the best project from already-scored projects (sorts them).
void FinishWriter(WriterScore& ws);

// A hash of every name and number of a writer's scores: equal digests mean the stored rows
// and reports of the writer are still right. For change detection, not security.
std::uint64_t WriterDigest(const WriterScore& ws);

// Reads the counts (writer_project_counts, or writer_activity when window_days or
// half_life_days is set, relative to `now`) and scores every (writer, project).
Result<std::vector<WriterScore>> ComputeScores(store::Database& db,
                                               const config::ScoringConfig& cfg,
                                               Clock::TimePoint now);

// The JSON recorded in score_runs.params: weights, k, window, half-life (stable key order).
std::string ParamsJson(const config::ScoringConfig& cfg);

// Computes, then records the run in one transaction (run number, started/finished times,
// ScoringFingerprint(config), every input per row) and prunes runs beyond keep_runs.
// Rows are stored as spans of runs (score_pair_spans, score_writer_spans): a writer whose
// numbers did not change since the previous run costs no write.
Result<ScoreRun> RunScoring(store::Database& db, const config::Config& config, const Clock& clock);

}  // namespace ghharvest::score
