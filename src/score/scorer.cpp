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

// Groups rows by writer and project, both case-insensitively as the views do. Names are
// interned once into slots, so the per-row work is integer hashing.
class Accumulator {
 public:
  int WriterSlot(const std::string& login) {
    auto [it, inserted] = writer_slots_.try_emplace(Lower(login), writers_.size());
    if (inserted) {
      writers_.push_back(login);
    } else if (login < writers_[it->second]) {
      // Several spellings of one login (a renamed account): show the byte-smallest, so the
      // result does not depend on row order.
      writers_[it->second] = login;
    }
    return static_cast<int>(it->second);
  }
  // The first spelling seen wins: callers register repos before blog posts.
  int ProjectSlot(const std::string& project) {
    auto [it, inserted] = project_slots_.try_emplace(Lower(project), projects_.size());
    if (inserted) projects_.push_back(project);
    return static_cast<int>(it->second);
  }
  Counts& At(int writer, int project) {
    const std::uint64_t key =
        (static_cast<std::uint64_t>(writer) << 32) | static_cast<std::uint32_t>(project);
    auto [it, inserted] = index_.try_emplace(key, rows_.size());
    if (inserted) rows_.push_back(Row{writer, project, {}});
    return rows_[it->second].counts;
  }
  Counts& At(const std::string& writer, const std::string& project) {
    return At(WriterSlot(writer), ProjectSlot(project));
  }

  std::vector<WriterScore> Finish(const config::ScoringConfig& cfg) {
    std::vector<WriterScore> by_slot(writers_.size());
    for (const Row& row : rows_) {
      ProjectScore ps;
      ps.project = projects_[row.project];
      ps.counts = row.counts;
      ScoreProject(cfg, ps);
      by_slot[row.writer].projects.push_back(std::move(ps));
    }
    std::vector<WriterScore> writers;
    writers.reserve(by_slot.size());
    for (std::size_t i = 0; i < by_slot.size(); ++i) {
      if (by_slot[i].projects.empty()) continue;
      by_slot[i].writer = writers_[i];
      FinishWriter(by_slot[i]);
      writers.push_back(std::move(by_slot[i]));
    }
    std::sort(writers.begin(), writers.end(),
              [](const WriterScore& a, const WriterScore& b) { return a.writer < b.writer; });
    return writers;
  }

 private:
  struct Row {
    int writer, project;
    Counts counts;
  };
  std::unordered_map<std::string, std::size_t> writer_slots_, project_slots_;
  std::vector<std::string> writers_, projects_;
  std::unordered_map<std::uint64_t, std::size_t> index_;
  std::vector<Row> rows_;
};

// Reads the same numbers as writer_project_counts, but table by table: each query is grouped
// by (user, repo) along an index and filtered to watched users, where the view must
// materialize the union of every activity row and sort it (about 10x slower at 1M pairs).
// score_scorer_test checks that both agree.
Status ReadCounts(store::Database& db, Accumulator& acc) {
  constexpr std::string_view kWatched =
      "(SELECT u.id FROM writers w JOIN users u ON u.login = w.login COLLATE NOCASE)";
  std::unordered_map<std::int64_t, int> writer_of, project_of;  // GitHub id -> slot
  {
    auto st = db.Prepare(
        "SELECT u.id, u.login FROM writers w JOIN users u ON u.login = w.login COLLATE NOCASE");
    if (!st.ok()) return st.status();
    store::StatementGuard g(**st);
    while (g->Step()) writer_of[g->Int(0)] = acc.WriterSlot(g->Text(1));
    if (!g->status().ok()) return g->status();
  }
  {
    auto st = db.Prepare("SELECT id, full_name FROM repos ORDER BY id");
    if (!st.ok()) return st.status();
    store::StatementGuard g(**st);
    while (g->Step()) project_of[g->Int(0)] = acc.ProjectSlot(g->Text(1));
    if (!g->status().ok()) return g->status();
  }
  struct Query {
    std::string sql;
    std::vector<Count> columns;  // the counts filled by columns 2, 3, ...
  };
  const Query queries[] = {
      {fmt::format("SELECT author_id, repo_id, COUNT(*) FROM commits WHERE author_id IN {} "
                   "GROUP BY author_id, repo_id",
                   kWatched),
       {Count::kCommits}},
      {fmt::format("SELECT user_id, repo_id, SUM(NOT is_pull), SUM(is_pull <> 0), "
                   "SUM(is_pull <> 0 AND merged_at IS NOT NULL), SUM(reactions_total) "
                   "FROM issues WHERE user_id IN {} GROUP BY user_id, repo_id",
                   kWatched),
       {Count::kIssuesOpened, Count::kPrsOpened, Count::kPrsMerged, Count::kReactionsReceived}},
      {fmt::format("SELECT user_id, repo_id, COUNT(*), SUM(reactions_total) FROM issue_comments "
                   "WHERE user_id IN {} GROUP BY user_id, repo_id",
                   kWatched),
       {Count::kIssueComments, Count::kReactionsReceived}},
      {fmt::format("SELECT user_id, repo_id, COUNT(*), SUM(reactions_total) FROM review_comments "
                   "WHERE user_id IN {} GROUP BY user_id, repo_id",
                   kWatched),
       {Count::kReviewComments, Count::kReactionsReceived}},
      {fmt::format("SELECT user_id, repo_id, COUNT(*) FROM reviews WHERE user_id IN {} AND "
                   "state <> 'PENDING' GROUP BY user_id, repo_id",
                   kWatched),
       {Count::kReviews}},
      // Feedback: others' comments (not the author, not bots) on the writer's items.
      {fmt::format(
           "SELECT i.user_id, i.repo_id, COUNT(*) FROM issues i "
           "JOIN issue_comments ic ON ic.repo_id = i.repo_id AND ic.issue_number = i.number "
           "LEFT JOIN users cu ON cu.id = ic.user_id WHERE i.user_id IN {} AND "
           "ic.user_id IS NOT i.user_id AND COALESCE(cu.is_bot, 0) = 0 "
           "GROUP BY i.user_id, i.repo_id",
           kWatched),
       {Count::kFeedbackReceived}},
      {fmt::format(
           "SELECT i.user_id, i.repo_id, COUNT(*) FROM issues i "
           "JOIN review_comments rc ON rc.repo_id = i.repo_id AND rc.pull_number = i.number "
           "LEFT JOIN users cu ON cu.id = rc.user_id WHERE i.user_id IN {} AND "
           "rc.user_id IS NOT i.user_id AND COALESCE(cu.is_bot, 0) = 0 "
           "GROUP BY i.user_id, i.repo_id",
           kWatched),
       {Count::kFeedbackReceived}},
  };
  for (const Query& q : queries) {
    auto st = db.Prepare(q.sql);
    if (!st.ok()) return st.status();
    store::StatementGuard g(**st);
    // Rows come grouped by user: remember the last lookup.
    std::int64_t last_user = 0;
    int writer = -1;
    while (g->Step()) {
      const std::int64_t user = g->Int(0);
      if (writer < 0 || user != last_user) {
        auto w = writer_of.find(user);
        writer = w == writer_of.end() ? -1 : w->second;
        last_user = user;
      }
      auto p = project_of.find(g->Int(1));
      if (writer < 0 || p == project_of.end()) continue;  // the view's joins drop these
      Counts& c = acc.At(writer, p->second);
      for (std::size_t i = 0; i < q.columns.size(); ++i) {
        c[q.columns[i]] += g->Double(static_cast<int>(2 + i));
      }
    }
    if (!g->status().ok()) return g->status();
  }
  {
    auto st = db.Prepare(
        "SELECT COALESCE((SELECT u.login FROM users u WHERE u.login = w.login COLLATE NOCASE "
        "LIMIT 1), w.login), b.project, COUNT(*) FROM blog_posts b "
        "JOIN writers w ON w.login = b.writer COLLATE NOCASE GROUP BY 1, 2");
    if (!st.ok()) return st.status();
    store::StatementGuard g(**st);
    while (g->Step()) acc.At(g->Text(0), g->Text(1))[Count::kBlogPosts] += g->Double(2);
    if (!g->status().ok()) return g->status();
  }
  return Status::Ok();
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
  // Weights cached by timestamp: items often share one (a push, an import), and parsing
  // plus exp2 is the costly part.
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
