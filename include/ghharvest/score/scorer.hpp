// The seed's influence model (shared/spec/counts-and-scoring.md), computed over one read of
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
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::store {
class Database;
}

namespace ghharvest::score {

// The count columns of writer_project_counts, in the view's order.
enum class Count : int {
  kCommits = 0,
  kIssuesOpened,
  kPrsOpened,
  kPrsMerged,
  kIssueComments,
  kReviewComments,
  kReviews,
  kReactionsReceived,
  kFeedbackReceived,
  kBlogPosts,
};
inline constexpr int kNumCounts = 10;
// "commits", "issues_opened", ... (the column names, also the [scoring.weights] keys).
std::string_view CountName(Count c);
// Maps a column name to its Count; false when unknown.
bool ParseCountName(std::string_view name, Count* out);

// Counts of one (writer, project). Doubles: with decay an item counts 2^(-age/half_life).
struct Counts {
  std::array<double, kNumCounts> v{};
  double& operator[](Count c) { return v[static_cast<int>(c)]; }
  double operator[](Count c) const { return v[static_cast<int>(c)]; }
};

struct ProjectScore {
  std::string project;  // "owner/repo" as the repos table spells it
  Counts counts;        // after window and decay, before weights
  double k = 0, p = 0, i = 0, c = 0, t = 0, o = 0;
};

struct WriterScore {
  std::string writer;                  // login as GitHub spells it
  std::vector<ProjectScore> projects;  // sorted by project name, byte-wise
  double opportunity = 0;              // O(w)
  double total_influence = 0;          // Total(w)
  std::string best_project;            // argmax; empty only when projects is empty
};

struct ScoreRun {
  std::int64_t run = 0;  // score_runs.run; 0 when not recorded
  std::string started_at, finished_at;
  std::string fingerprint;
  std::vector<WriterScore> writers;  // sorted by writer, byte-wise
  std::size_t rows = 0;              // (writer, project) pairs
  // What recording wrote: only writers whose numbers differ from the previous run (or who
  // left it) are rewritten; the rest keep their stored rows.
  std::size_t writers_changed = 0, rows_written = 0;
};

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
