// Scoring and report emission at scale. Builds a database of W writers × P projects (one
// commit and one issue comment per pair, plus a merged PR with reactions for every tenth pair),
// then times: reading writer_project_counts, ComputeScores, RunScoring (compute + record),
// and report emission (first, then with nothing changed) on a smaller set of writers.
//   scoring_bench [writers=10000] [projects=100] [report_writers=200] [report_projects=5]
// (10,000 x 100 = a million (writer, project) pairs.)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "common.hpp"
#include "ghharvest/config/config.hpp"
#include "ghharvest/report/reporter.hpp"
#include "ghharvest/report/score_and_report.hpp"
#include "ghharvest/score/scorer.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"

using namespace ghharvest;
namespace fs = std::filesystem;

namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// CPU seconds of this process since the previous call: on a shared machine wall time
// mostly measures the neighbours.
double CpuLap() {
  static std::clock_t last = std::clock();
  const std::clock_t now = std::clock();
  const double s = static_cast<double>(now - last) / CLOCKS_PER_SEC;
  last = now;
  return s;
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

void Populate(store::Database& db, int writers, int projects) {
  store::Transaction tx(db);
  Check(tx.status(), "begin");
  auto u = db.Prepare("INSERT INTO users (id, login) VALUES (?1, ?2)");
  auto w = db.Prepare("INSERT INTO writers (login) VALUES (?1)");
  auto r = db.Prepare("INSERT INTO repos (id, full_name, html_url) VALUES (?1, ?2, ?3)");
  auto c = db.Prepare(
      "INSERT INTO commits (repo_id, sha, author_id, authored_at) VALUES (?1, ?2, ?3, ?4)");
  auto ic = db.Prepare(
      "INSERT INTO issue_comments (id, repo_id, issue_number, user_id, created_at)"
      " VALUES (?1, ?2, ?3, ?4, ?5)");
  auto is = db.Prepare(
      "INSERT INTO issues (id, repo_id, number, user_id, is_pull, title, html_url, created_at,"
      " merged_at, reactions_total) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?7, ?8)");
  for (auto* st : {&u, &w, &r, &c, &ic, &is}) Check(st->status(), "prepare");
  for (int i = 1; i <= writers; ++i) {
    const std::string login = fmt::format("writer-{}", i);
    store::StatementGuard gu(**u);
    gu->Bind(1, i).Bind(2, login);
    Check(gu->Run(), "user");
    store::StatementGuard gw(**w);
    gw->Bind(1, login);
    Check(gw->Run(), "writer");
  }
  for (int p = 1; p <= projects; ++p) {
    store::StatementGuard g(**r);
    const std::string name = fmt::format("org-{}/repo-{}", p % 97, p);
    g->Bind(1, p).Bind(2, name).Bind(3, "https://example.test/" + name);
    Check(g->Run(), "repo");
  }
  std::int64_t id = 1;
  for (int i = 1; i <= writers; ++i) {
    for (int p = 1; p <= projects; ++p, ++id) {
      const std::string at = fmt::format("2026-01-{:02}T00:00:00Z", 1 + (i + p) % 28);
      {
        store::StatementGuard g(**c);
        g->Bind(1, p).Bind(2, fmt::format("{:x}", id)).Bind(3, i).Bind(4, at);
        Check(g->Run(), "commit");
      }
      {
        store::StatementGuard g(**ic);
        g->Bind(1, id).Bind(2, p).Bind(3, static_cast<int>(id)).Bind(4, i).Bind(5, at);
        Check(g->Run(), "comment");
      }
      if (id % 10 == 0) {
        store::StatementGuard g(**is);
        g->Bind(1, id).Bind(2, p).Bind(3, static_cast<int>(id)).Bind(4, i);
        g->Bind(5, "A change").Bind(6, "https://example.test/pr").Bind(7, at);
        g->Bind(8, static_cast<int>(id % 7));
        Check(g->Run(), "issue");
      }
    }
  }
  Check(tx.Commit(), "commit tx");
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = bench::Quick();
  const int writers = static_cast<int>(bench::ArgOr(argc, argv, 1, quick ? 1000 : 10000));
  const int projects = static_cast<int>(bench::ArgOr(argc, argv, 2, quick ? 20 : 100));
  const int report_writers = static_cast<int>(bench::ArgOr(argc, argv, 3, quick ? 20 : 200));
  const int report_projects = static_cast<int>(bench::ArgOr(argc, argv, 4, 5));
  double view_cpu = 0, compute_cpu = 0;
  log::SetLevel(log::Level::kWarning);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows while a long phase runs
  CpuLap();                                  // start the CPU clock
  const fs::path dir = fs::temp_directory_path() / fmt::format("ghharvest-bench-{}", ::getpid());
  fs::create_directories(dir);
  SystemClock clock;

  {
    auto db = store::Database::Open((dir / "big.db").string());
    Check(db.status(), "open");
    auto t0 = std::chrono::steady_clock::now();
    Populate(**db, writers, projects);
    std::printf("populate %d writers x %d projects: %.2f s (cpu %.2f s)\n", writers, projects,
                Since(t0), CpuLap());

    t0 = std::chrono::steady_clock::now();
    auto n = (*db)->QueryInt("SELECT COUNT(*) FROM (SELECT * FROM writer_project_counts)");
    Check(n.status(), "count");
    view_cpu = CpuLap();
    std::printf("read writer_project_counts (%lld rows): %.2f s (cpu %.2f s)\n",
                static_cast<long long>(n->value_or(0)), Since(t0), view_cpu);

    config::Config cfg;
    cfg.scoring.keep_runs = 2;
    t0 = std::chrono::steady_clock::now();
    auto scores = score::ComputeScores(**db, cfg.scoring, clock.Now());
    Check(scores.status(), "compute");
    compute_cpu = CpuLap();
    std::printf("ComputeScores (per-table count read + model): %.2f s (cpu %.2f s)\n", Since(t0),
                compute_cpu);
    bench::Row("score: count read + model, CPU", compute_cpu, "s", view_cpu,
               "reading the counts view alone", bench::Better::kLower, 1.0);

    // The model alone, over counts already in memory.
    t0 = std::chrono::steady_clock::now();
    std::size_t rows = 0;
    for (auto& ws : *scores) {
      for (auto& ps : ws.projects) score::ScoreProject(cfg.scoring, ps);
      score::FinishWriter(ws);
      rows += ws.projects.size();
    }
    std::printf("model only, %zu rows in memory: %.3f s (cpu %.2f s)\n", rows, Since(t0), CpuLap());

    for (int i = 0; i < 3; ++i) {
      t0 = std::chrono::steady_clock::now();
      auto run = score::RunScoring(**db, cfg, clock);
      Check(run.status(), "run");
      bench::Info(
          fmt::format("score: RunScoring (compute + record {} rows) #{}", run->rows, run->run),
          Since(t0), "s");
      std::printf(
          "RunScoring #%lld (compute + record %zu rows, keep_runs 2): %.2f s (cpu %.2f s)\n",
          static_cast<long long>(run->run), run->rows, Since(t0), CpuLap());
    }

    cfg.scoring.window_days = 3650;
    cfg.scoring.half_life_days = 30;
    t0 = std::chrono::steady_clock::now();
    auto decayed = score::ComputeScores(**db, cfg.scoring, clock.Now());
    Check(decayed.status(), "decay");
    std::printf("ComputeScores with window + decay (writer_activity read): %.2f s (cpu %.2f s)\n",
                Since(t0), CpuLap());
  }

  {
    auto db = store::Database::Open((dir / "reports.db").string());
    Check(db.status(), "open");
    Populate(**db, report_writers, report_projects);
    config::Config cfg;
    cfg.reports.dir = (dir / "reports").string();
    auto reporter = report::Reporter::Open(cfg.reports);
    Check(reporter.status(), "reporter");
    for (int i = 0; i < 3; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      auto sum = report::ScoreAndReport(**db, cfg, clock, **reporter);
      Check(sum.status(), "score and report");
      std::printf(
          "ScoreAndReport %d writers x %d projects #%d: score %.3f s, reports %.3f s "
          "(%d files written, %d JSONL lines)\n",
          report_writers, report_projects, i + 1, sum->score_seconds, sum->report_seconds,
          sum->emit.files_written, sum->emit.jsonl_lines);
      (void)t0;
      if (i == 0) {
        bench::Info("reports: first emission, per file",
                    sum->report_seconds / std::max(1, sum->emit.files_written), "s");
      } else if (i == 2) {
        bench::Row("reports: files rewritten with nothing changed", sum->emit.files_written,
                   "files", 0, "nothing changed", bench::Better::kLower, 1);
        bench::Info("reports: emission with nothing changed", sum->report_seconds, "s");
      }
    }
  }
  if (std::getenv("GHH_BENCH_KEEP") == nullptr) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  } else {
    std::printf("kept %s\n", dir.c_str());
  }
  return 0;
}
