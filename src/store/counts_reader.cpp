// The scorer's count readers (counts_reader.hpp): seven index-ordered streams merged by
// (user, repo), or one walk of writer_activity.
#include "ghharvest/store/counts_reader.hpp"

#include "store/counting_rules.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

namespace ghharvest::store {

namespace {

// One activity table's rows for watched users, ordered by (user id, repo id); `add` adds
// the current row to the counts of its pair.
struct Source {
  Statement* rows = nullptr;
  void (*add)(const Statement& row, model::Counts& counts) = nullptr;
  bool live = false;
  std::int64_t user = 0, repo = 0;

  void Next() {
    while ((live = rows->Step())) {
      // A repo id that is not an integer never joins `repos` (the view drops it); Int()
      // would turn it into another repository's id.
      if (!rows->IsInteger(1)) continue;
      user = rows->Int(0);
      repo = rows->Int(1);
      return;
    }
  }
};

constexpr std::string_view kWatched = rules::kWatchedUserIds;

struct SourceQuery {
  std::string sql;
  void (*add)(const Statement& row, model::Counts& counts);
};

// The same numbers as writer_project_counts (score_scorer_test checks they agree), read as
// plain index-ordered rows: SQLite's GROUP BY costs about three times the index walk, and
// merging the sorted streams here needs no hash table.
std::vector<SourceQuery> SourceQueries() {
  auto q = [](std::string_view select, std::string_view from_where, std::string_view order) {
    return fmt::format("SELECT {} FROM {} IN {} ORDER BY {}", select, from_where, kWatched, order);
  };
  auto feedback = [](std::string_view comments, std::string_view number_column) {
    return fmt::format(
        "SELECT i.user_id, i.repo_id, COUNT(*) FROM issues i {} WHERE i.user_id IN {} AND {} "
        "GROUP BY i.user_id, i.repo_id ORDER BY i.user_id, i.repo_id",
        rules::FeedbackJoin(comments, number_column), kWatched, rules::kFeedbackFilter);
  };
  return {
      {q("author_id, repo_id", "commits WHERE author_id", "author_id, repo_id"),
       [](const Statement&, model::Counts& c) { c[model::Count::kCommits] += 1; }},
      {q("user_id, repo_id, is_pull, merged_at IS NOT NULL, reactions_total",
         "issues WHERE user_id", "user_id, repo_id"),
       [](const Statement& r, model::Counts& c) {
         if (r.Int(2) != 0) {
           c[model::Count::kPrsOpened] += 1;
           if (r.Int(3) != 0) c[model::Count::kPrsMerged] += 1;
         } else {
           c[model::Count::kIssuesOpened] += 1;
         }
         c[model::Count::kReactionsReceived] += r.Double(4);
       }},
      {q("user_id, repo_id, reactions_total", "issue_comments WHERE user_id", "user_id, repo_id"),
       [](const Statement& r, model::Counts& c) {
         c[model::Count::kIssueComments] += 1;
         c[model::Count::kReactionsReceived] += r.Double(2);
       }},
      {q("user_id, repo_id, reactions_total", "review_comments WHERE user_id", "user_id, repo_id"),
       [](const Statement& r, model::Counts& c) {
         c[model::Count::kReviewComments] += 1;
         c[model::Count::kReactionsReceived] += r.Double(2);
       }},
      {q("user_id, repo_id", fmt::format("reviews WHERE {} AND user_id", rules::kCountedReview),
         "user_id, repo_id"),
       [](const Statement&, model::Counts& c) { c[model::Count::kReviews] += 1; }},
      // Feedback: others' comments (not the author, not bots) on the writer's items. Grouped
      // in SQL: the join is the costly part and its result is small.
      {feedback("issue_comments", "issue_number"),
       [](const Statement& r, model::Counts& c) {
         c[model::Count::kFeedbackReceived] += r.Double(2);
       }},
      {feedback("review_comments", "pull_number"),
       [](const Statement& r, model::Counts& c) {
         c[model::Count::kFeedbackReceived] += r.Double(2);
       }},
  };
}

// Registers every name before any count (see CountsSink). Returns the slot of each watched
// account's and each repository's GitHub id.
struct IdSlots {
  std::unordered_map<std::int64_t, int> writer_of, project_of;
};
Result<IdSlots> RegisterNames(Database& db, CountsSink& table) {
  IdSlots ids;
  auto& [writer_of, project_of] = ids;
  {
    auto st = db.Prepare(std::string(rules::kWatchedAccountNames));
    if (!st.ok()) return st.status();
    StatementGuard g(**st);
    while (g->Step()) writer_of[g->Int(0)] = table.WriterSlot(g->Text(1));
    if (!g->status().ok()) return g->status();
  }
  {
    auto st = db.Prepare("SELECT id, full_name FROM repos ORDER BY id");
    if (!st.ok()) return st.status();
    StatementGuard g(**st);
    while (g->Step()) project_of[g->Int(0)] = table.ProjectSlot(g->Text(1));
    if (!g->status().ok()) return g->status();
  }
  {
    // After the repositories: the first spelling registered wins.
    auto st = db.Prepare(
        "SELECT MIN(project COLLATE BINARY) FROM blog_posts GROUP BY project COLLATE NOCASE");
    if (!st.ok()) return st.status();
    StatementGuard g(**st);
    while (g->Step()) table.ProjectSlot(g->Text(0));
    if (!g->status().ok()) return g->status();
  }
  return ids;
}

}  // namespace

Status ReadCounts(Database& db, CountsSink& table) {
  auto ids = RegisterNames(db, table);
  if (!ids.ok()) return ids.status();
  const auto& [writer_of, project_of] = *ids;

  const std::vector<SourceQuery> queries = SourceQueries();
  std::vector<Source> sources(queries.size());
  std::vector<std::unique_ptr<StatementGuard>> guards;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    auto st = db.Prepare(queries[i].sql);
    if (!st.ok()) return st.status();
    guards.push_back(std::make_unique<StatementGuard>(**st));
    sources[i].rows = *st;
    sources[i].add = queries[i].add;
    sources[i].Next();
  }

  std::int64_t last_user = 0;
  int writer = -1;
  for (;;) {
    // The smallest (user, repo) among the sources' current rows.
    const Source* first = nullptr;
    for (const Source& s : sources) {
      if (s.live && (first == nullptr || s.user < first->user ||
                     (s.user == first->user && s.repo < first->repo))) {
        first = &s;
      }
    }
    if (first == nullptr) break;
    const std::int64_t user = first->user, repo = first->repo;
    model::Counts counts;
    for (Source& s : sources) {
      while (s.live && s.user == user && s.repo == repo) {
        s.add(*s.rows, counts);
        s.Next();
      }
    }
    if (writer < 0 || user != last_user) {
      auto w = writer_of.find(user);
      writer = w == writer_of.end() ? -1 : w->second;
      last_user = user;
    }
    auto p = project_of.find(repo);
    if (writer < 0 || p == project_of.end()) continue;  // the view's joins drop these
    table.Add(writer, p->second, counts);
  }
  for (const Source& s : sources) {
    if (!s.rows->status().ok()) return s.rows->status();
  }
  guards.clear();

  auto st = db.Prepare(
      // The view's spelling of a writer known by its posts: the smallest under its login.
      "SELECT COALESCE((SELECT MIN(u.login) FROM users u WHERE u.login = w.login COLLATE NOCASE"
      "), w.login), b.project, COUNT(*) FROM blog_posts b "
      "JOIN writers w ON w.login = b.writer COLLATE NOCASE GROUP BY 1, 2");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  while (g->Step()) {
    model::Counts counts;
    counts[model::Count::kBlogPosts] = g->Double(2);
    table.Add(table.WriterSlot(g->Text(0)), table.ProjectSlot(g->Text(1)), counts);
  }
  return g->status();
}

Status ReadActivity(Database& db, const std::optional<std::string>& since, ActivitySink& sink) {
  auto stmt = db.Prepare(since ? "SELECT writer, project, kind, at, amount FROM writer_activity "
                                 "WHERE at >= ?1"
                               : "SELECT writer, project, kind, at, amount FROM writer_activity");
  if (!stmt.ok()) return stmt.status();
  StatementGuard g(**stmt);
  if (since) g->Bind(1, *since);
  // Rows here carry names, not ids: only the spellings are needed.
  if (auto ids = RegisterNames(db, sink); !ids.ok()) return ids.status();
  const bool wants_time = sink.WantsTime();
  ActivityRow row;
  while (g->Step()) {
    if (!model::ParseActivityKind(g->Text(2), &row.count)) continue;
    row.writer = g->Text(0);
    row.project = g->Text(1);
    row.at = wants_time ? g->OptText(3) : std::nullopt;
    row.amount = g->Double(4);
    sink.Activity(row);
  }
  return g->status();
}

}  // namespace ghharvest::store
