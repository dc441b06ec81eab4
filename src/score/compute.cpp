// ComputeScores: one read of the counts (store/counts_reader.hpp), then the model. Without a
// time window the counts come merged from the activity tables; with a window or decay from
// writer_activity, one row per activity, weighted here.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ghharvest/score/scorer.hpp"
#include "ghharvest/store/counts_reader.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::score {

namespace {

// The counts of every (writer, project), grouped case-insensitively on both names as the
// views do. Names are interned into slots once; pairs are kept per writer and may arrive
// more than once (one login on two accounts, blog posts): Finish sums them.
class ScoreTable final : public store::CountsSink {
 public:
  int WriterSlot(std::string_view login) override {
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
  int ProjectSlot(std::string_view project) override {
    auto [it, inserted] = project_slots_.try_emplace(AsciiLower(project), projects_.size());
    if (inserted) projects_.emplace_back(project);
    return it->second;
  }
  void Add(int writer, int project, const Counts& counts) override {
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

// The activity path: each row weighted by its age (half-life decay), summed per pair.
class ActivityScorer final : public store::ActivitySink {
 public:
  ActivityScorer(ScoreTable& table, const config::ScoringConfig& cfg, Clock::TimePoint now)
      : table_(table), half_life_(cfg.half_life_days.value_or(0)), now_(now) {}

  int WriterSlot(std::string_view login) override { return table_.WriterSlot(login); }
  int ProjectSlot(std::string_view project) override { return table_.ProjectSlot(project); }
  void Add(int writer, int project, const Counts& counts) override {
    table_.Add(writer, project, counts);
  }
  bool WantsTime() const override { return half_life_ > 0; }

  void Activity(const store::ActivityRow& row) override {
    double amount = row.amount;
    if (half_life_ > 0 && row.at) amount *= DayWeight(*row.at);
    sums_.At(table_, row.writer, row.project)[row.count] += amount;
  }

  void Finish() { sums_.MoveTo(table_); }

 private:
  // Weights cached by timestamp: items often share one (a push, an import), and parsing
  // plus exp2 is the costly part.
  double DayWeight(const std::string& at) {
    auto it = day_weight_.find(at);
    if (it != day_weight_.end()) return it->second;
    double w = 1;
    Clock::TimePoint t;
    if (ParseIso8601(at, &t)) {
      double age_days = std::chrono::duration<double>(now_ - t).count() / 86400.0;
      w = std::exp2(-std::max(0.0, age_days) / half_life_);
    }
    day_weight_.emplace(at, w);
    return w;
  }

  ScoreTable& table_;
  const double half_life_;
  const Clock::TimePoint now_;
  std::unordered_map<std::string, double> day_weight_;
  ActivitySums sums_;
};

Status ReadActivity(store::Database& db, const config::ScoringConfig& cfg, Clock::TimePoint now,
                    ScoreTable& table) {
  std::optional<std::string> since;
  if (cfg.window_days) since = FormatIso8601(now - std::chrono::hours(24) * *cfg.window_days);
  ActivityScorer scorer(table, cfg, now);
  if (Status s = store::ReadActivity(db, since, scorer); !s.ok()) return s;
  scorer.Finish();
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
                                                       : store::ReadCounts(db, table);
    if (!s.ok()) return s;
  }
  return table.Finish(cfg);
}

}  // namespace ghharvest::score
