// RunScoring: computes the scores, then records the run. Rows are spans of runs: a writer
// whose numbers are the same as in the previous run keeps its stored rows, so a run in which
// few writers changed writes little (schema/0004_score_spans.sql).
#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "ghharvest/score/scorer.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::score {

namespace {

// What the stored rows of a writer are: the digest of their numbers and the run they start
// at (a writer is rewritten whole, so all its current rows start at one run).
struct Current {
  std::int64_t digest = 0, from_run = 0;
};

// Every writer with current rows (to_run IS NULL), read along score_writer_spans_current.
Result<std::unordered_map<std::string, Current>> CurrentRows(store::Database& db) {
  std::unordered_map<std::string, Current> current;
  auto st =
      db.Prepare("SELECT writer, digest, from_run FROM score_writer_spans WHERE to_run IS NULL");
  if (!st.ok()) return st.status();
  store::StatementGuard g(**st);
  while (g->Step()) current.emplace(g->Text(0), Current{g->Int(1), g->Int(2)});
  if (!g->status().ok()) return g->status();
  return current;
}

class SpanWriter {
 public:
  static Result<SpanWriter> Prepare(store::Database& db, std::int64_t run) {
    SpanWriter w;
    w.run_ = run;
    store::Statement** slots[] = {&w.close_pairs_, &w.close_writer_, &w.insert_pair_,
                                  &w.insert_writer_};
    const char* sql[] = {
        "UPDATE score_pair_spans SET to_run = ?1 WHERE writer = ?2 AND from_run = ?3 AND "
        "to_run IS NULL",
        "UPDATE score_writer_spans SET to_run = ?1 WHERE writer = ?2 AND from_run = ?3 AND "
        "to_run IS NULL",
        "INSERT INTO score_pair_spans (writer, project, from_run, commits, issues_opened, "
        "prs_opened, prs_merged, issue_comments, review_comments, reviews, reactions_received, "
        "feedback_received, blog_posts, k, p, i, c, t, o) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        "INSERT INTO score_writer_spans (writer, from_run, opportunity, total_influence, "
        "best_project, digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    };
    for (int i = 0; i < 4; ++i) {
      auto st = db.Prepare(sql[i]);
      if (!st.ok()) return st.status();
      *slots[i] = *st;
    }
    return w;
  }

  // Ends the writer's current rows, which start at `from_run`, with this run.
  Status Close(const std::string& writer, std::int64_t from_run) {
    for (store::Statement* st : {close_pairs_, close_writer_}) {
      store::StatementGuard g(*st);
      g->Bind(1, run_).Bind(2, writer).Bind(3, from_run);
      if (Status s = g->Run(); !s.ok()) return s;
    }
    return Status::Ok();
  }

  Status Insert(const WriterScore& ws, std::int64_t digest) {
    for (const ProjectScore& ps : ws.projects) {
      store::StatementGuard g(*insert_pair_);
      g->Bind(1, ws.writer).Bind(2, ps.project).Bind(3, run_);
      for (int i = 0; i < kNumCounts; ++i) g->Bind(4 + i, ps.counts.v[i]);
      g->Bind(14, ps.k).Bind(15, ps.p).Bind(16, ps.i).Bind(17, ps.c).Bind(18, ps.t);
      g->Bind(19, ps.o);
      if (Status s = g->Run(); !s.ok()) return s;
    }
    store::StatementGuard g(*insert_writer_);
    g->Bind(1, ws.writer).Bind(2, run_).Bind(3, ws.opportunity).Bind(4, ws.total_influence);
    if (ws.best_project.empty()) {
      g->BindNull(5);
    } else {
      g->Bind(5, ws.best_project);
    }
    g->Bind(6, digest);
    return g->Run();
  }

 private:
  std::int64_t run_ = 0;
  store::Statement* close_pairs_ = nullptr;
  store::Statement* close_writer_ = nullptr;
  store::Statement* insert_pair_ = nullptr;
  store::Statement* insert_writer_ = nullptr;
};

Status Record(store::Database& db, const config::Config& config, ScoreRun& run,
              const Clock& clock) {
  store::Transaction tx(db);
  if (!tx.status().ok()) return tx.status();
  {
    auto ins = db.Prepare(
        "INSERT INTO score_runs (started_at, config_fingerprint, params) VALUES (?1, ?2, ?3)");
    if (!ins.ok()) return ins.status();
    store::StatementGuard g(**ins);
    g->Bind(1, run.started_at).Bind(2, run.fingerprint).Bind(3, ParamsJson(config.scoring));
    if (Status s = g->Run(); !s.ok()) return s;
    run.run = db.LastInsertRowId();
  }
  auto current = CurrentRows(db);
  if (!current.ok()) return current.status();
  auto spans = SpanWriter::Prepare(db, run.run);
  if (!spans.ok()) return spans.status();
  for (const WriterScore& ws : run.writers) {
    const auto digest = static_cast<std::int64_t>(WriterDigest(ws));
    if (auto it = current->find(ws.writer); it != current->end()) {
      const Current stored = it->second;
      current->erase(it);
      if (stored.digest == digest) continue;
      if (Status s = spans->Close(ws.writer, stored.from_run); !s.ok()) return s;
    }
    if (Status s = spans->Insert(ws, digest); !s.ok()) return s;
    ++run.writers_changed;
    run.rows_written += ws.projects.size();
  }
  // Writers the previous run scored and this one did not (no longer watched, or no
  // activity left in the window): their rows end here.
  for (const auto& [writer, stored] : *current) {
    if (Status s = spans->Close(writer, stored.from_run); !s.ok()) return s;
    ++run.writers_changed;
  }

  run.finished_at = FormatIso8601(clock.Now());
  {
    auto upd = db.Prepare("UPDATE score_runs SET finished_at = ?1 WHERE run = ?2");
    if (!upd.ok()) return upd.status();
    store::StatementGuard g(**upd);
    g->Bind(1, run.finished_at).Bind(2, run.run);
    if (Status s = g->Run(); !s.ok()) return s;
  }
  // Keep the last keep_runs runs: a span that ended at or before the oldest kept run
  // belongs to no kept run. Counted, not computed from run numbers: those have gaps (a
  // migration drops unfinished runs).
  std::int64_t oldest_kept = run.run;
  {
    auto q = db.Prepare(
        "SELECT MIN(run) FROM (SELECT run FROM score_runs WHERE finished_at IS NOT NULL "
        "ORDER BY run DESC LIMIT ?1)");
    if (!q.ok()) return q.status();
    store::StatementGuard g(**q);
    g->Bind(1, std::max(1, config.scoring.keep_runs));
    if (g->Step()) oldest_kept = g->Int(0);
    if (!g->status().ok()) return g->status();
  }
  for (const char* sql :
       {"DELETE FROM score_pair_spans WHERE to_run IS NOT NULL AND to_run <= ?1",
        "DELETE FROM score_writer_spans WHERE to_run IS NOT NULL AND to_run <= ?1",
        "DELETE FROM score_runs WHERE run < ?1"}) {
    auto del = db.Prepare(sql);
    if (!del.ok()) return del.status();
    store::StatementGuard g(**del);
    g->Bind(1, oldest_kept);
    if (Status s = g->Run(); !s.ok()) return s;
  }
  return tx.Commit();
}

}  // namespace

Result<ScoreRun> RunScoring(store::Database& db, const config::Config& config, const Clock& clock) {
  ScoreRun run;
  const Clock::TimePoint now = clock.Now();
  run.started_at = FormatIso8601(now);
  run.fingerprint = config::ScoringFingerprint(config);
  auto writers = ComputeScores(db, config.scoring, now);
  if (!writers.ok()) return writers.status();
  run.writers = std::move(writers).value();
  for (const WriterScore& ws : run.writers) run.rows += ws.projects.size();
  if (Status s = Record(db, config, run, clock); !s.ok()) {
    return Status::IOError("recording score run: " + s.message());
  }
  log::Info("score run recorded run={} writers={} rows={} writers_changed={} rows_written={}",
            run.run, run.writers.size(), run.rows, run.writers_changed, run.rows_written);
  return run;
}

}  // namespace ghharvest::score
