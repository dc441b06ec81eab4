// RecordScoreRun: a run's rows as spans of runs. A writer is rewritten whole, so all its
// current rows start at one run and ending them seeks exactly those rows.
#include "ghharvest/store/score_runs.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

namespace ghharvest::store {

namespace {

// What the stored rows of a writer are: the digest of their numbers and the run they start
// at (a writer is rewritten whole, so all its current rows start at one run).
struct Current {
  std::int64_t digest = 0, from_run = 0;
};

// Every writer with current rows (to_run IS NULL), read along score_writer_spans_current.
Result<std::unordered_map<std::string, Current>> CurrentRows(Database& db) {
  std::unordered_map<std::string, Current> current;
  auto st =
      db.Prepare("SELECT writer, digest, from_run FROM score_writer_spans WHERE to_run IS NULL");
  if (!st.ok()) return st.status();
  StatementGuard g(**st);
  while (g->Step()) current.emplace(g->Text(0), Current{g->Int(1), g->Int(2)});
  if (!g->status().ok()) return g->status();
  return current;
}

// The count columns come from model::kCounts, in order, so a new count cannot be left out.
std::string InsertPairSql() {
  std::string columns, params;
  int n = 3;
  for (const model::CountInfo& info : model::kCounts) {
    columns += fmt::format(", {}", info.column);
    params += fmt::format(", ?{}", ++n);
  }
  for (const char* score : {"k", "p", "i", "c", "t", "o"}) {
    columns += fmt::format(", {}", score);
    params += fmt::format(", ?{}", ++n);
  }
  return fmt::format(
      "INSERT INTO score_pair_spans (writer, project, from_run{}) VALUES (?1, ?2, ?3{})", columns,
      params);
}

class SpanWriter {
 public:
  static Result<SpanWriter> Prepare(Database& db, std::int64_t run) {
    SpanWriter w;
    w.run_ = run;
    Statement** slots[] = {&w.close_pairs_, &w.close_writer_, &w.insert_pair_, &w.insert_writer_};
    const std::string insert_pair = InsertPairSql();
    const char* sql[] = {
        "UPDATE score_pair_spans SET to_run = ?1 WHERE writer = ?2 AND from_run = ?3 AND "
        "to_run IS NULL",
        "UPDATE score_writer_spans SET to_run = ?1 WHERE writer = ?2 AND from_run = ?3 AND "
        "to_run IS NULL",
        insert_pair.c_str(),
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
    for (Statement* st : {close_pairs_, close_writer_}) {
      StatementGuard g(*st);
      g->Bind(1, run_).Bind(2, writer).Bind(3, from_run);
      if (Status s = g->Run(); !s.ok()) return s;
    }
    return Status::Ok();
  }

  Status Insert(const model::WriterScore& ws, std::int64_t digest) {
    for (const model::ProjectScore& ps : ws.projects) {
      StatementGuard g(*insert_pair_);
      g->Bind(1, ws.writer).Bind(2, ps.project).Bind(3, run_);
      for (int i = 0; i < model::kNumCounts; ++i) g->Bind(4 + i, ps.counts.v[i]);
      g->Bind(14, ps.k).Bind(15, ps.p).Bind(16, ps.i).Bind(17, ps.c).Bind(18, ps.t);
      g->Bind(19, ps.o);
      if (Status s = g->Run(); !s.ok()) return s;
    }
    StatementGuard g(*insert_writer_);
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
  Statement* close_pairs_ = nullptr;
  Statement* close_writer_ = nullptr;
  Statement* insert_pair_ = nullptr;
  Statement* insert_writer_ = nullptr;
};

}  // namespace

Status RecordScoreRun(Database& db, model::ScoreRun& run, const std::vector<std::uint64_t>& digests,
                      std::string_view params_json, int keep_runs, const Clock& clock) {
  if (digests.size() != run.writers.size()) {
    return Status::InvalidArgument("RecordScoreRun: one digest per writer");
  }
  Transaction tx(db);
  if (!tx.status().ok()) return tx.status();
  {
    auto ins = db.Prepare(
        "INSERT INTO score_runs (started_at, config_fingerprint, params) VALUES (?1, ?2, ?3)");
    if (!ins.ok()) return ins.status();
    StatementGuard g(**ins);
    g->Bind(1, run.started_at).Bind(2, run.fingerprint).Bind(3, params_json);
    if (Status s = g->Run(); !s.ok()) return s;
    run.run = db.LastInsertRowId();
  }
  auto current = CurrentRows(db);
  if (!current.ok()) return current.status();
  auto spans = SpanWriter::Prepare(db, run.run);
  if (!spans.ok()) return spans.status();
  for (std::size_t w = 0; w < run.writers.size(); ++w) {
    const model::WriterScore& ws = run.writers[w];
    const auto digest = static_cast<std::int64_t>(digests[w]);
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
    StatementGuard g(**upd);
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
    StatementGuard g(**q);
    g->Bind(1, std::max(1, keep_runs));
    if (g->Step()) oldest_kept = g->Int(0);
    if (!g->status().ok()) return g->status();
  }
  for (const char* sql :
       {"DELETE FROM score_pair_spans WHERE to_run IS NOT NULL AND to_run <= ?1",
        "DELETE FROM score_writer_spans WHERE to_run IS NOT NULL AND to_run <= ?1",
        "DELETE FROM score_runs WHERE run < ?1"}) {
    auto del = db.Prepare(sql);
    if (!del.ok()) return del.status();
    StatementGuard g(**del);
    g->Bind(1, oldest_kept);
    if (Status s = g->Run(); !s.ok()) return s;
  }
  return tx.Commit();
}

}  // namespace ghharvest::store
