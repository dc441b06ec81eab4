#include "ghharvest/score/scorer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "ghharvest/store/database.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::score {

namespace {

constexpr std::string_view kCountNames[kNumCounts] = {
    "commits",         "issues_opened", "prs_opened",         "prs_merged",        "issue_comments",
    "review_comments", "reviews",       "reactions_received", "feedback_received", "blog_posts",
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

// writer_activity.kind -> the count it adds to.
bool KindToCount(std::string_view kind, Count* out) {
  static const std::pair<std::string_view, Count> kKinds[] = {
      {"commit", Count::kCommits},
      {"issue_opened", Count::kIssuesOpened},
      {"pr_opened", Count::kPrsOpened},
      {"pr_merged", Count::kPrsMerged},
      {"issue_comment", Count::kIssueComments},
      {"review_comment", Count::kReviewComments},
      {"review", Count::kReviews},
      {"reactions", Count::kReactionsReceived},
      {"feedback", Count::kFeedbackReceived},
      {"blog_post", Count::kBlogPosts},
  };
  for (const auto& [name, c] : kKinds) {
    if (name == kind) {
      *out = c;
      return true;
    }
  }
  return false;
}

// Groups rows by writer (case-insensitively, as the views do) and project.
class Accumulator {
 public:
  Counts& At(const std::string& writer, const std::string& project) {
    std::string key = Lower(writer);
    key.push_back('\0');
    key += Lower(project);
    auto [it, inserted] = index_.try_emplace(std::move(key), rows_.size());
    if (inserted) rows_.push_back(Row{writer, project, {}});
    Row& row = rows_[it->second];
    // Several spellings of one login (a renamed account): show the byte-smallest, so the
    // result does not depend on row order.
    if (writer < row.writer) row.writer = writer;
    return row.counts;
  }

  std::vector<WriterScore> Finish(const config::ScoringConfig& cfg) {
    std::unordered_map<std::string, std::size_t> by_writer;
    std::vector<WriterScore> writers;
    for (Row& row : rows_) {
      auto [it, inserted] = by_writer.try_emplace(Lower(row.writer), writers.size());
      if (inserted) {
        writers.emplace_back();
        writers.back().writer = row.writer;
      }
      WriterScore& ws = writers[it->second];
      if (row.writer < ws.writer) ws.writer = row.writer;
      ProjectScore ps;
      ps.project = std::move(row.project);
      ps.counts = row.counts;
      ScoreProject(cfg, ps);
      ws.projects.push_back(std::move(ps));
    }
    for (WriterScore& ws : writers) FinishWriter(ws);
    std::sort(writers.begin(), writers.end(),
              [](const WriterScore& a, const WriterScore& b) { return a.writer < b.writer; });
    return writers;
  }

 private:
  struct Row {
    std::string writer, project;
    Counts counts;
  };
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<Row> rows_;
};

Status ReadCounts(store::Database& db, Accumulator& acc) {
  auto stmt = db.Prepare(
      "SELECT writer, project, commits, issues_opened, prs_opened, prs_merged, issue_comments, "
      "review_comments, reviews, reactions_received, feedback_received, blog_posts "
      "FROM writer_project_counts");
  if (!stmt.ok()) return stmt.status();
  store::StatementGuard g(**stmt);
  while (g->Step()) {
    Counts& c = acc.At(g->Text(0), g->Text(1));
    for (int i = 0; i < kNumCounts; ++i) c.v[i] += g->Double(2 + i);
  }
  return g->status();
}

Status ReadActivity(store::Database& db, const config::ScoringConfig& cfg, Clock::TimePoint now,
                    Accumulator& acc) {
  std::string cutoff;
  if (cfg.window_days) {
    cutoff = FormatIso8601(now - std::chrono::hours(24) * *cfg.window_days);
  }
  // Undated activity cannot be shown to fall inside a window, so a window drops it.
  auto stmt =
      db.Prepare(cfg.window_days ? "SELECT writer, project, kind, at, amount FROM writer_activity "
                                   "WHERE at >= ?1"
                                 : "SELECT writer, project, kind, at, amount FROM writer_activity");
  if (!stmt.ok()) return stmt.status();
  store::StatementGuard g(**stmt);
  if (cfg.window_days) g->Bind(1, cutoff);
  const double half_life = cfg.half_life_days.value_or(0);
  // Decay weights by day: many items share a day, and exp2 is the costly part.
  std::unordered_map<std::string, double> day_weight;
  while (g->Step()) {
    Count c;
    if (!KindToCount(g->Text(2), &c)) continue;
    double amount = g->Double(4);
    if (half_life > 0 && !g->IsNull(3)) {
      std::string at = g->Text(3);
      auto it = day_weight.find(at);
      if (it == day_weight.end()) {
        double w = 1;
        Clock::TimePoint t;
        if (ParseIso8601(at, &t)) {
          double age_days = std::chrono::duration<double>(now - t).count() / 86400.0;
          w = std::exp2(-std::max(0.0, age_days) / half_life);
        }
        it = day_weight.emplace(std::move(at), w).first;
      }
      amount *= it->second;
    }
    acc.At(g->Text(0), g->Text(1))[c] += amount;
  }
  return g->status();
}

}  // namespace

std::string_view CountName(Count c) { return kCountNames[static_cast<int>(c)]; }

bool ParseCountName(std::string_view name, Count* out) {
  for (int i = 0; i < kNumCounts; ++i) {
    if (kCountNames[i] == name) {
      *out = static_cast<Count>(i);
      return true;
    }
  }
  return false;
}

void ScoreProject(const config::ScoringConfig& cfg, ProjectScore& ps) {
  Counts w = ps.counts;
  for (const auto& [name, weight] : cfg.weights) {
    Count c;
    if (ParseCountName(name, &c)) w[c] *= weight;
  }
  ps.k = config::KFor(cfg, ps.project);
  ps.t = w[Count::kCommits] + w[Count::kPrsOpened] + w[Count::kBlogPosts];
  ps.c = w[Count::kIssuesOpened] + w[Count::kIssueComments] + w[Count::kReviewComments] +
         w[Count::kReviews];
  ps.i = w[Count::kFeedbackReceived] + w[Count::kReactionsReceived];
  ps.p = w[Count::kCommits] + w[Count::kPrsOpened] + w[Count::kIssuesOpened] +
         w[Count::kIssueComments] + w[Count::kReviewComments] + w[Count::kReviews];
  ps.o = Opportunity(ps.k, ps.p, ps.i, ps.c, ps.t);
}

void FinishWriter(WriterScore& ws) {
  std::sort(ws.projects.begin(), ws.projects.end(),
            [](const ProjectScore& a, const ProjectScore& b) { return a.project < b.project; });
  ws.opportunity = 0;
  ws.total_influence = 0;
  ws.best_project.clear();
  bool first = true;
  for (const ProjectScore& ps : ws.projects) {
    ws.total_influence += ps.i + ps.c;
    // Strictly greater: among equal O the earlier (byte-smallest) project stays best.
    if (first || ps.o > ws.opportunity) {
      ws.opportunity = ps.o;
      ws.best_project = ps.project;
      first = false;
    }
  }
}

Result<std::vector<WriterScore>> ComputeScores(store::Database& db,
                                               const config::ScoringConfig& cfg,
                                               Clock::TimePoint now) {
  Accumulator acc;
  Status s = (cfg.window_days || cfg.half_life_days) ? ReadActivity(db, cfg, now, acc)
                                                     : ReadCounts(db, acc);
  if (!s.ok()) return s;
  return acc.Finish(cfg);
}

std::string ParamsJson(const config::ScoringConfig& cfg) {
  auto num = [](double v) { return fmt::format("{}", v); };
  auto str = [](std::string_view v) {
    std::string out = "\"";
    for (char ch : v) {
      if (ch == '"' || ch == '\\') out.push_back('\\');
      if (static_cast<unsigned char>(ch) < 0x20) {
        out += fmt::format("\\u{:04x}", static_cast<unsigned char>(ch));
        continue;
      }
      out.push_back(ch);
    }
    return out + "\"";
  };
  std::string out = "{\"model\":\"seed\",\"default_k\":" + num(cfg.default_k) + ",\"k\":{";
  bool first = true;
  for (const auto& [project, k] : cfg.k) {  // std::map: sorted, so stable
    out += (first ? "" : ",") + str(project) + ":" + num(k);
    first = false;
  }
  out += "},\"weights\":{";
  first = true;
  for (int i = 0; i < kNumCounts; ++i) {
    auto it = cfg.weights.find(std::string(kCountNames[i]));
    double w = it == cfg.weights.end() ? 1.0 : it->second;
    out += (first ? "" : ",") + str(kCountNames[i]) + ":" + num(w);
    first = false;
  }
  out += "},\"window_days\":" + (cfg.window_days ? std::to_string(*cfg.window_days) : "null");
  out += ",\"half_life_days\":" + (cfg.half_life_days ? num(*cfg.half_life_days) : "null");
  out += ",\"keep_runs\":" + std::to_string(cfg.keep_runs) + "}";
  return out;
}

namespace {

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
  {
    auto ins = db.Prepare(
        "INSERT INTO score_rows (run, writer, project, commits, issues_opened, prs_opened, "
        "prs_merged, issue_comments, review_comments, reviews, reactions_received, "
        "feedback_received, blog_posts, k, p, i, c, t, o) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)");
    if (!ins.ok()) return ins.status();
    auto insw = db.Prepare(
        "INSERT INTO score_writers (run, writer, opportunity, total_influence, best_project) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!insw.ok()) return insw.status();
    store::StatementGuard g(**ins);
    store::StatementGuard gw(**insw);
    for (const WriterScore& ws : run.writers) {
      for (const ProjectScore& ps : ws.projects) {
        g->Reset();
        g->Bind(1, run.run).Bind(2, ws.writer).Bind(3, ps.project);
        for (int i = 0; i < kNumCounts; ++i) g->Bind(4 + i, ps.counts.v[i]);
        g->Bind(14, ps.k).Bind(15, ps.p).Bind(16, ps.i).Bind(17, ps.c).Bind(18, ps.t);
        g->Bind(19, ps.o);
        if (Status s = g->Run(); !s.ok()) return s;
      }
      gw->Reset();
      gw->Bind(1, run.run).Bind(2, ws.writer).Bind(3, ws.opportunity);
      gw->Bind(4, ws.total_influence);
      if (ws.best_project.empty()) {
        gw->BindNull(5);
      } else {
        gw->Bind(5, ws.best_project);
      }
      if (Status s = gw->Run(); !s.ok()) return s;
    }
  }
  run.finished_at = FormatIso8601(clock.Now());
  {
    auto upd = db.Prepare("UPDATE score_runs SET finished_at = ?1 WHERE run = ?2");
    if (!upd.ok()) return upd.status();
    store::StatementGuard g(**upd);
    g->Bind(1, run.finished_at).Bind(2, run.run);
    if (Status s = g->Run(); !s.ok()) return s;
  }
  const int keep = std::max(1, config.scoring.keep_runs);
  const std::int64_t oldest_kept = run.run - keep + 1;
  for (const char* sql :
       {"DELETE FROM score_rows WHERE run < ?1", "DELETE FROM score_writers WHERE run < ?1",
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
  log::Info("score run recorded run={} writers={} rows={}", run.run, run.writers.size(), run.rows);
  return run;
}

}  // namespace ghharvest::score
