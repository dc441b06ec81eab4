// ComputeScores: one read of the counts, then the model. Without a time window the counts
// come straight from the activity tables, merged in (user, repo) order; with a window or
// decay they come from writer_activity, one row per activity.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ghharvest/score/scorer.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::score {

namespace {

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

// The counts of every (writer, project), grouped case-insensitively on both names as the
// views do. Names are interned into slots once; pairs are kept per writer and may arrive
// more than once (one login on two accounts, blog posts): Finish sums them.
class ScoreTable {
 public:
  int WriterSlot(std::string_view login) {
    auto [it, inserted] = writer_slots_.try_emplace(AsciiLower(login), writers_.size());
    if (inserted) {
      writers_.emplace_back(login);
      pairs_.emplace_back();
    } else if (login < writers_[it->second]) {
      // Several spellings of one login (a renamed account): show the byte-smallest, so the
      // result does not depend on row order.
      writers_[it->second] = std::string(login);
    }
    return it->second;
  }
  // The first spelling registered wins (see RegisterNames).
  int ProjectSlot(std::string_view project) {
    auto [it, inserted] = project_slots_.try_emplace(AsciiLower(project), projects_.size());
    if (inserted) projects_.emplace_back(project);
    return it->second;
  }
  void Add(int writer, int project, const Counts& counts) {
    pairs_[writer].push_back({project, counts});
  }

  std::vector<WriterScore> Finish(const config::ScoringConfig& cfg) {
    // Rank projects by name once, so each writer's pairs sort by integer.
    std::vector<int> order(projects_.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return projects_[a] < projects_[b]; });
    std::vector<int> rank(projects_.size());
    for (std::size_t i = 0; i < order.size(); ++i) rank[order[i]] = static_cast<int>(i);
    std::vector<double> k(projects_.size());
    for (std::size_t p = 0; p < projects_.size(); ++p) k[p] = config::KFor(cfg, projects_[p]);
    const Weights weights = WeightsOf(cfg);
    auto by_rank = [&](const Pair& a, const Pair& b) { return rank[a.project] < rank[b.project]; };

    std::vector<WriterScore> writers;
    std::vector<int> slots;  // the project slot of each of a writer's scores
    for (std::size_t w = 0; w < pairs_.size(); ++w) {
      std::vector<Pair>& pairs = pairs_[w];
      if (pairs.empty()) continue;
      std::sort(pairs.begin(), pairs.end(), by_rank);
      WriterScore ws;
      ws.writer = writers_[w];
      ws.projects.reserve(pairs.size());
      slots.clear();
      for (const Pair& pair : pairs) {
        if (!slots.empty() && pair.project == slots.back()) {
          Counts& sum = ws.projects.back().counts;
          for (int i = 0; i < kNumCounts; ++i) sum.v[i] += pair.counts.v[i];
          continue;
        }
        slots.push_back(pair.project);
        ProjectScore& ps = ws.projects.emplace_back();
        ps.project = projects_[pair.project];
        ps.counts = pair.counts;
      }
      std::vector<Pair>().swap(pairs);  // free as we go: the scores take their place
      for (std::size_t i = 0; i < slots.size(); ++i) {
        ScoreProject(weights, k[slots[i]], ws.projects[i]);
      }
      FinishWriter(ws);
      writers.push_back(std::move(ws));
    }
    std::sort(writers.begin(), writers.end(),
              [](const WriterScore& a, const WriterScore& b) { return a.writer < b.writer; });
    return writers;
  }

 private:
  struct Pair {
    int project;
    Counts counts;
  };
  std::unordered_map<std::string, int> writer_slots_, project_slots_;
  std::vector<std::string> writers_, projects_;
  std::vector<std::vector<Pair>> pairs_;  // by writer slot
};

// One activity table's rows for watched users, ordered by (user id, repo id); `add` adds
// the current row to the counts of its pair.
struct Source {
  store::Statement* rows = nullptr;
  void (*add)(const store::Statement& row, Counts& counts) = nullptr;
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

constexpr std::string_view kWatched =
    "(SELECT u.id FROM writers w JOIN users u ON u.login = w.login COLLATE NOCASE)";

struct SourceQuery {
  std::string sql;
  void (*add)(const store::Statement& row, Counts& counts);
};

// The same numbers as writer_project_counts (score_scorer_test checks they agree), read as
// plain index-ordered rows: SQLite's GROUP BY costs about three times the index walk, and
// merging the sorted streams here needs no hash table.
std::vector<SourceQuery> SourceQueries() {
  auto q = [](std::string_view select, std::string_view from_where, std::string_view order) {
    return fmt::format("SELECT {} FROM {} IN {} ORDER BY {}", select, from_where, kWatched, order);
  };
  return {
      {q("author_id, repo_id", "commits WHERE author_id", "author_id, repo_id"),
       [](const store::Statement&, Counts& c) { c[Count::kCommits] += 1; }},
      {q("user_id, repo_id, is_pull, merged_at IS NOT NULL, reactions_total",
         "issues WHERE user_id", "user_id, repo_id"),
       [](const store::Statement& r, Counts& c) {
         if (r.Int(2) != 0) {
           c[Count::kPrsOpened] += 1;
           if (r.Int(3) != 0) c[Count::kPrsMerged] += 1;
         } else {
           c[Count::kIssuesOpened] += 1;
         }
         c[Count::kReactionsReceived] += r.Double(4);
       }},
      {q("user_id, repo_id, reactions_total", "issue_comments WHERE user_id", "user_id, repo_id"),
       [](const store::Statement& r, Counts& c) {
         c[Count::kIssueComments] += 1;
         c[Count::kReactionsReceived] += r.Double(2);
       }},
      {q("user_id, repo_id, reactions_total", "review_comments WHERE user_id", "user_id, repo_id"),
       [](const store::Statement& r, Counts& c) {
         c[Count::kReviewComments] += 1;
         c[Count::kReactionsReceived] += r.Double(2);
       }},
      {q("user_id, repo_id", "reviews WHERE state <> 'PENDING' AND user_id", "user_id, repo_id"),
       [](const store::Statement&, Counts& c) { c[Count::kReviews] += 1; }},
      // Feedback: others' comments (not the author, not bots) on the writer's items. Grouped
      // in SQL: the join is the costly part and its result is small.
      {fmt::format("SELECT i.user_id, i.repo_id, COUNT(*) FROM issues i "
                   "JOIN issue_comments ic ON ic.repo_id = i.repo_id AND "
                   "ic.issue_number = i.number "
                   "LEFT JOIN users cu ON cu.id = ic.user_id WHERE i.user_id IN {} AND "
                   "ic.user_id IS NOT i.user_id AND COALESCE(cu.is_bot, 0) = 0 "
                   "GROUP BY i.user_id, i.repo_id ORDER BY i.user_id, i.repo_id",
                   kWatched),
       [](const store::Statement& r, Counts& c) { c[Count::kFeedbackReceived] += r.Double(2); }},
      {fmt::format("SELECT i.user_id, i.repo_id, COUNT(*) FROM issues i "
                   "JOIN review_comments rc ON rc.repo_id = i.repo_id AND "
                   "rc.pull_number = i.number "
                   "LEFT JOIN users cu ON cu.id = rc.user_id WHERE i.user_id IN {} AND "
                   "rc.user_id IS NOT i.user_id AND COALESCE(cu.is_bot, 0) = 0 "
                   "GROUP BY i.user_id, i.repo_id ORDER BY i.user_id, i.repo_id",
                   kWatched),
       [](const store::Statement& r, Counts& c) { c[Count::kFeedbackReceived] += r.Double(2); }},
  };
}

// Registers every name before any count, so that each writer and project is spelled the same
// way whatever the order of the rows, and as writer_project_counts spells it: a writer as the
// byte-smallest login of the accounts matching it (one login can be on two accounts, an old
// one and the one that took the name), a project as `repos` spells it, else as the
// byte-smallest spelling among the blog posts tagged with it.
// Returns the slot of each watched account's and each repository's GitHub id.
struct IdSlots {
  std::unordered_map<std::int64_t, int> writer_of, project_of;
};
Result<IdSlots> RegisterNames(store::Database& db, ScoreTable& table) {
  IdSlots ids;
  auto& [writer_of, project_of] = ids;
  {
    auto st = db.Prepare(
        "SELECT u.id, u.login FROM writers w JOIN users u ON u.login = w.login COLLATE NOCASE");
    if (!st.ok()) return st.status();
    store::StatementGuard g(**st);
    while (g->Step()) writer_of[g->Int(0)] = table.WriterSlot(g->Text(1));
    if (!g->status().ok()) return g->status();
  }
  {
    auto st = db.Prepare("SELECT id, full_name FROM repos ORDER BY id");
    if (!st.ok()) return st.status();
    store::StatementGuard g(**st);
    while (g->Step()) project_of[g->Int(0)] = table.ProjectSlot(g->Text(1));
    if (!g->status().ok()) return g->status();
  }
  {
    // After the repositories: the first spelling registered wins.
    auto st = db.Prepare(
        "SELECT MIN(project COLLATE BINARY) FROM blog_posts GROUP BY project COLLATE NOCASE");
    if (!st.ok()) return st.status();
    store::StatementGuard g(**st);
    while (g->Step()) table.ProjectSlot(g->Text(0));
    if (!g->status().ok()) return g->status();
  }
  return ids;
}

Status ReadCounts(store::Database& db, ScoreTable& table) {
  auto ids = RegisterNames(db, table);
  if (!ids.ok()) return ids.status();
  const auto& [writer_of, project_of] = *ids;

  const std::vector<SourceQuery> queries = SourceQueries();
  std::vector<Source> sources(queries.size());
  std::vector<std::unique_ptr<store::StatementGuard>> guards;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    auto st = db.Prepare(queries[i].sql);
    if (!st.ok()) return st.status();
    guards.push_back(std::make_unique<store::StatementGuard>(**st));
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
    Counts counts;
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
      "SELECT COALESCE((SELECT u.login FROM users u WHERE u.login = w.login COLLATE NOCASE "
      "LIMIT 1), w.login), b.project, COUNT(*) FROM blog_posts b "
      "JOIN writers w ON w.login = b.writer COLLATE NOCASE GROUP BY 1, 2");
  if (!st.ok()) return st.status();
  store::StatementGuard g(**st);
  while (g->Step()) {
    Counts counts;
    counts[Count::kBlogPosts] = g->Double(2);
    table.Add(table.WriterSlot(g->Text(0)), table.ProjectSlot(g->Text(1)), counts);
  }
  return g->status();
}

// Adds the activity rows of one (writer, project) up before they reach the table: there are
// many rows per pair here, and the table keeps every Add.
class ActivitySums {
 public:
  Counts& At(ScoreTable& table, const std::string& writer, const std::string& project) {
    const int w = table.WriterSlot(writer), p = table.ProjectSlot(project);
    const std::uint64_t key = (static_cast<std::uint64_t>(w) << 32) | static_cast<std::uint32_t>(p);
    auto [it, inserted] = index_.try_emplace(key, sums_.size());
    if (inserted) sums_.push_back({w, p, {}});
    return sums_[it->second].counts;
  }
  void MoveTo(ScoreTable& table) {
    for (const Sum& s : sums_) table.Add(s.writer, s.project, s.counts);
    sums_.clear();
    index_.clear();
  }

 private:
  struct Sum {
    int writer, project;
    Counts counts;
  };
  std::unordered_map<std::uint64_t, std::size_t> index_;
  std::vector<Sum> sums_;
};

Status ReadActivity(store::Database& db, const config::ScoringConfig& cfg, Clock::TimePoint now,
                    ScoreTable& table) {
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
  ActivitySums sums;
  // Rows here carry names, not ids: only the spellings are needed.
  if (auto ids = RegisterNames(db, table); !ids.ok()) return ids.status();
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
    sums.At(table, g->Text(0), g->Text(1))[c] += amount;
  }
  if (!g->status().ok()) return g->status();
  sums.MoveTo(table);
  return Status::Ok();
}

}  // namespace

Result<std::vector<WriterScore>> ComputeScores(store::Database& db,
                                               const config::ScoringConfig& cfg,
                                               Clock::TimePoint now) {
  ScoreTable table;
  {
    // One snapshot for every query, even while another process harvests.
    store::ReadSnapshot snapshot(db);
    if (!snapshot.status().ok()) return snapshot.status();
    Status s = (cfg.window_days || cfg.half_life_days) ? ReadActivity(db, cfg, now, table)
                                                       : ReadCounts(db, table);
    if (!s.ok()) return s;
  }
  return table.Finish(cfg);
}

}  // namespace ghharvest::score
