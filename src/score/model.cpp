// The model's pure functions: count names, P/T/C/I/O of one (writer, project), a writer's
// O, Total and best project, and the params JSON recorded with a run.
#include <algorithm>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "ghharvest/score/scorer.hpp"

namespace ghharvest::score {

namespace {

// A 64-bit hash fed field by field, a word at a time (a million rows are about 150 MB of
// numbers: a byte-wise hash would cost more than the rest of an unchanged scoring run).
class Digest {
 public:
  void Add(std::string_view s) {
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      Mix(w);
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, s.data() + i, s.size() - i);
    Mix(tail);
    Mix(s.size());  // so ("ab","c") and ("a","bc") differ
  }
  void Add(double v) {
    std::uint64_t w;
    std::memcpy(&w, &v, 8);
    Mix(w);
  }
  std::uint64_t value() const { return h_; }

 private:
  void Mix(std::uint64_t w) {
    h_ = (h_ ^ w) * 0x9E3779B97F4A7C15ULL;
    h_ ^= h_ >> 29;
  }
  std::uint64_t h_ = 0x243F6A8885A308D3ULL;
};

}  // namespace

std::uint64_t WriterDigest(const WriterScore& ws) {
  Digest d;
  d.Add(ws.writer);
  for (const ProjectScore& ps : ws.projects) {
    d.Add(ps.project);
    for (double v : ps.counts.v) d.Add(v);
    for (double v : {ps.k, ps.p, ps.i, ps.c, ps.t, ps.o}) d.Add(v);
  }
  d.Add(ws.opportunity);
  d.Add(ws.total_influence);
  d.Add(ws.best_project);
  return d.value();
}

Weights WeightsOf(const config::ScoringConfig& cfg) {
  Weights w;
  w.fill(1.0);
  for (const auto& [name, weight] : cfg.weights) {
    Count c;
    if (ParseCountName(name, &c)) w[static_cast<int>(c)] = weight;
  }
  return w;
}

void ScoreProject(const Weights& weights, double k, ProjectScore& ps) {
  Counts w = ps.counts;
  for (int i = 0; i < kNumCounts; ++i) w.v[i] *= weights[i];
  ps.k = k;
  ps.t = w[Count::kCommits] + w[Count::kPrsOpened] + w[Count::kBlogPosts];
  ps.c = w[Count::kIssuesOpened] + w[Count::kIssueComments] + w[Count::kReviewComments] +
         w[Count::kReviews];
  ps.i = w[Count::kFeedbackReceived] + w[Count::kReactionsReceived];
  ps.p = w[Count::kCommits] + w[Count::kPrsOpened] + w[Count::kIssuesOpened] +
         w[Count::kIssueComments] + w[Count::kReviewComments] + w[Count::kReviews];
  ps.o = Opportunity(ps.k, ps.p, ps.i, ps.c, ps.t);
}

void ScoreProject(const config::ScoringConfig& cfg, ProjectScore& ps) {
  ScoreProject(WeightsOf(cfg), config::KFor(cfg, ps.project), ps);
}

void FinishWriter(WriterScore& ws) {
  auto by_name = [](const ProjectScore& a, const ProjectScore& b) { return a.project < b.project; };
  // The scorer hands over projects already in order; checking is linear, sorting is not.
  if (!std::is_sorted(ws.projects.begin(), ws.projects.end(), by_name)) {
    std::sort(ws.projects.begin(), ws.projects.end(), by_name);
  }
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
  const Weights weights = WeightsOf(cfg);
  for (int i = 0; i < kNumCounts; ++i) {
    out += (i == 0 ? "" : ",") + str(model::kCounts[i].column) + ":" + num(weights[i]);
  }
  out += "},\"window_days\":" + (cfg.window_days ? std::to_string(*cfg.window_days) : "null");
  out += ",\"half_life_days\":" + (cfg.half_life_days ? num(*cfg.half_life_days) : "null");
  out += ",\"keep_runs\":" + std::to_string(cfg.keep_runs) + "}";
  return out;
}

}  // namespace ghharvest::score
