// The counts of a (writer, project) and the scores computed from them: plain data shared by
// the scorer (which computes them), the store (which reads counts and records runs) and the
// reporter (which prints them).
//
// kCounts is the one list of the ten counts: the column names of writer_project_counts and
// of score_pair_spans, the keys of [scoring.weights], and the `kind` writer_activity gives
// each counted item. Everything that needs "all the counts" walks this table.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ghharvest::model {

// The counts in the view's column order.
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

struct CountInfo {
  Count count;
  std::string_view column;         // writer_project_counts / score_pair_spans column
  std::string_view activity_kind;  // writer_activity.kind
};
inline constexpr std::array<CountInfo, kNumCounts> kCounts = {{
    {Count::kCommits, "commits", "commit"},
    {Count::kIssuesOpened, "issues_opened", "issue_opened"},
    {Count::kPrsOpened, "prs_opened", "pr_opened"},
    {Count::kPrsMerged, "prs_merged", "pr_merged"},
    {Count::kIssueComments, "issue_comments", "issue_comment"},
    {Count::kReviewComments, "review_comments", "review_comment"},
    {Count::kReviews, "reviews", "review"},
    {Count::kReactionsReceived, "reactions_received", "reactions"},
    {Count::kFeedbackReceived, "feedback_received", "feedback"},
    {Count::kBlogPosts, "blog_posts", "blog_post"},
}};

// "commits", "issues_opened", ... (the column names, also the [scoring.weights] keys).
constexpr std::string_view CountName(Count c) { return kCounts[static_cast<int>(c)].column; }
// Maps a column name to its Count; false when unknown.
bool ParseCountName(std::string_view name, Count* out);
// Maps a writer_activity kind to the count it adds to; false when unknown.
bool ParseActivityKind(std::string_view kind, Count* out);

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

}  // namespace ghharvest::model
