#include "ghharvest/store/report_state.hpp"

#include <unordered_map>

#include <fmt/format.h>

#include "store/counting_rules.hpp"

namespace ghharvest::store {

Result<std::vector<model::EmittedWriter>> ReportStateTables::Emitted(const std::string& dir) {
  std::vector<model::EmittedWriter> out;
  auto st =
      db_.Prepare("SELECT writer, numbers_hash, inputs_hash FROM report_state WHERE dir = ?1");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  g->Bind(1, dir);
  while (g->Step()) out.push_back(model::EmittedWriter{g->Text(0), g->Text(1), g->Text(2)});
  if (!g->status().ok()) return g->status();
  return out;
}

Result<model::BlogFacts> ReportStateTables::BlogFactsFor(const std::string& writer,
                                                         const std::string& project) {
  model::BlogFacts in;
  Database& db = db_;
  std::optional<std::int64_t> repo_id;
  {
    auto st = db.Prepare("SELECT id, html_url FROM repos WHERE full_name = ?1");
    if (!st.ok()) return st.status();
    StatementGuard g(**st);
    g->Bind(1, project);
    if (g->Step()) {
      repo_id = g->Int(0);
      in.project_url = g->OptText(1).value_or("");
    }
    if (!g->status().ok()) return g->status();
  }
  {
    // The writer's blog posts on the project, as writer_project_counts counts them.
    auto st = db.Prepare(
        "SELECT title, url, published_at FROM blog_posts"
        " WHERE writer = ?1 COLLATE NOCASE AND project = ?2 COLLATE NOCASE"
        " ORDER BY published_at DESC, url LIMIT 20");
    if (!st.ok()) return st.status();
    StatementGuard g(**st);
    g->Bind(1, writer).Bind(2, project);
    while (g->Step()) {
      model::BlogPostItem it;
      it.url = g->OptText(1).value_or("");
      it.title = g->OptText(0).value_or(it.url);
      it.date = g->OptText(2).value_or("").substr(0, 10);
      in.posts.push_back(std::move(it));
    }
    if (!g->status().ok()) return g->status();
  }
  // A writer whose account is gone counts only its posts (writers.gone_at), so its blog
  // facts are its posts only, as for a project known only from blog posts.
  auto gone = db.QueryText(rules::kWriterGoneAt, writer);
  if (!gone.ok()) return gone.status();
  if (!repo_id || *gone) {
    if (!in.posts.empty()) in.date = in.posts.front().date;
    return in;
  }
  {
    auto st = db.Prepare(fmt::format(
        "SELECT MAX(d) FROM ("
        " SELECT MAX(MAX(COALESCE(created_at, ''), COALESCE(merged_at, ''))) AS d FROM issues"
        "  WHERE repo_id = ?2 AND user_id IN"
        "   {0}"
        " UNION ALL SELECT MAX(COALESCE(authored_at, committed_at)) FROM commits"
        "  WHERE repo_id = ?2 AND author_id IN"
        "   {0}"
        " UNION ALL SELECT MAX(created_at) FROM issue_comments"
        "  WHERE repo_id = ?2 AND user_id IN"
        "   {0}"
        " UNION ALL SELECT MAX(submitted_at) FROM reviews"
        "  WHERE repo_id = ?2 AND user_id IN"
        "   {0})",
        rules::kWriterUserIds));
    if (!st.ok()) return st.status();
    StatementGuard g(**st);
    g->Bind(1, writer).Bind(2, *repo_id);
    if (g->Step()) in.date = g->OptText(0).value_or("").substr(0, 10);
    if (!g->status().ok()) return g->status();
  }
  {
    auto st = db.Prepare(
        fmt::format("SELECT number, title, html_url, merged_at FROM issues"
                    " WHERE repo_id = ?2 AND is_pull AND merged_at IS NOT NULL AND user_id IN"
                    "  {}"
                    " ORDER BY merged_at DESC, number DESC LIMIT 20",
                    rules::kWriterUserIds));
    if (!st.ok()) return st.status();
    StatementGuard g(**st);
    g->Bind(1, writer).Bind(2, *repo_id);
    while (g->Step()) {
      model::BlogItem it;
      it.number = g->Int(0);
      it.is_pull = true;
      it.title = g->OptText(1).value_or("");
      it.html_url = g->OptText(2).value_or("");
      it.merged_at = g->OptText(3).value_or("");
      in.merged.push_back(std::move(it));
    }
    if (!g->status().ok()) return g->status();
  }
  {
    // Feedback as writer_project_counts counts it: others' comments, bots excluded.
    auto st = db.Prepare(fmt::format(
        "SELECT number, is_pull, title, html_url, reactions, feedback FROM ("
        " SELECT i.number, i.is_pull, i.title, i.html_url, i.reactions_total AS reactions,"
        "  {0} + {1} AS feedback"
        " FROM issues i WHERE i.repo_id = ?2 AND i.user_id IN"
        "  {2})"
        " WHERE reactions + feedback > 0"
        " ORDER BY reactions + feedback DESC, number ASC LIMIT 5",
        rules::FeedbackCount("issue_comments", "issue_number"),
        rules::FeedbackCount("review_comments", "pull_number"), rules::kWriterUserIds));
    if (!st.ok()) return st.status();
    StatementGuard g(**st);
    g->Bind(1, writer).Bind(2, *repo_id);
    while (g->Step()) {
      model::BlogItem it;
      it.number = g->Int(0);
      it.is_pull = g->Int(1) != 0;
      it.title = g->OptText(2).value_or("");
      it.html_url = g->OptText(3).value_or("");
      it.reactions = g->Int(4);
      it.feedback = g->Int(5);
      in.top.push_back(std::move(it));
    }
    if (!g->status().ok()) return g->status();
  }
  return in;
}

Result<std::vector<model::InfluencePoint>> ReportStateTables::InfluencePoints() {
  // A span is one stretch of runs with the same scores; its point is the first kept run it
  // covers (its from_run may have been pruned): the first row writer_influence_history has
  // for it. Found per span by the run's primary key, not by joining every kept run (10,000
  // writers x 100 kept runs would be a million rows per scoring run).
  auto st = db_.Prepare(
      "SELECT writer, run, opportunity, total_influence, best_project FROM ("
      " SELECT s.writer, s.opportunity, s.total_influence, s.best_project, s.to_run,"
      "  (SELECT MIN(r.run) FROM score_runs r"
      "   WHERE r.run >= s.from_run AND r.finished_at IS NOT NULL) AS run"
      " FROM score_writer_spans s)"
      " WHERE run IS NOT NULL AND (to_run IS NULL OR run < to_run)"
      " ORDER BY writer, run");
  if (!st.ok()) return st.status();
  std::vector<model::InfluencePoint> out;
  {
    StatementGuard g(**st);
    while (g->Step()) {
      model::InfluencePoint p;
      p.writer = g->Text(0);
      p.run = g->Int(1);
      p.o = g->Double(2);
      p.total = g->Double(3);
      p.best_project = g->OptText(4).value_or("");
      out.push_back(std::move(p));
    }
    if (!g->status().ok()) return g->status();
  }
  auto runs = db_.Prepare("SELECT run, finished_at FROM score_runs WHERE finished_at IS NOT NULL");
  if (!runs.ok()) return runs.status();
  std::unordered_map<std::int64_t, std::string> finished;
  {
    StatementGuard g(**runs);
    while (g->Step()) finished.emplace(g->Int(0), g->Text(1));
    if (!g->status().ok()) return g->status();
  }
  for (model::InfluencePoint& p : out) p.scored_at = finished[p.run];
  return out;
}

Result<std::optional<std::string>> ReportStateTables::LastHarvested(const std::string& project) {
  return db_.QueryText(
      "SELECT MAX(updated_at) FROM sync_state WHERE scope = ?1 COLLATE NOCASE OR"
      " (instr(scope, '@') > 0 AND substr(scope, instr(scope, '@') + 1) = ?1 COLLATE NOCASE)",
      project);
}

Result<std::optional<std::string>> ReportStateTables::GeneratedBlogHash(const std::string& path) {
  return db_.QueryText("SELECT generated_hash FROM report_blogs WHERE path = ?1", path);
}

Status ReportStateTables::Remember(const std::string& dir, std::int64_t run,
                                   const std::vector<model::EmittedWriter>& writers,
                                   const std::vector<model::EmittedBlog>& blogs) {
  if (writers.empty() && blogs.empty()) return Status::Ok();
  Transaction tx(db_);
  if (!tx.status().ok()) return tx.status();
  auto st = db_.Prepare(
      "INSERT INTO report_state (dir, writer, numbers_hash, inputs_hash, run)"
      " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (dir, writer) DO UPDATE SET"
      " writer = excluded.writer, numbers_hash = excluded.numbers_hash,"
      " inputs_hash = excluded.inputs_hash, run = excluded.run");
  if (!st.ok()) return st.status();
  {
    StatementGuard g(**st);
    for (const model::EmittedWriter& w : writers) {
      g->Reset();
      g->Bind(1, dir).Bind(2, w.writer).Bind(3, w.numbers_hash).Bind(4, w.inputs_hash);
      g->Bind(5, run);
      if (Status s = g->Run(); !s.ok()) return s;
    }
  }
  auto bst = db_.Prepare(
      "INSERT INTO report_blogs (path, generated_hash, run) VALUES (?1, ?2, ?3)"
      " ON CONFLICT (path) DO UPDATE SET generated_hash = excluded.generated_hash,"
      " run = excluded.run");
  if (!bst.ok()) return bst.status();
  {
    StatementGuard g(**bst);
    for (const model::EmittedBlog& b : blogs) {
      g->Reset();
      g->Bind(1, b.path).Bind(2, b.hash).Bind(3, run);
      if (Status s = g->Run(); !s.ok()) return s;
    }
  }
  return tx.Commit();
}

}  // namespace ghharvest::store
