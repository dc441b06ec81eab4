// The site's readers in ReportStateTables: the influence points (writer_influence_history
// without the runs that changed nothing for a writer, pruned runs included) and when a
// project was last harvested.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "check_ok.hpp"
#include "emit_via.hpp"
#include "ghharvest/score/scorer.hpp"
#include "ghharvest/store/report_state.hpp"
#include "manual_clock.hpp"
#include "score_test_db.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using ghharvest::testing::CountsDb;
using ghharvest::testing::ManualClock;
using ghharvest::testing::TempDir;

namespace {

std::vector<std::string> Points(store::Database& db) {
  store::ReportStateTables tables(db);
  auto points = tables.InfluencePoints();
  REQUIRE_OK(points);
  std::vector<std::string> out;
  for (const model::InfluencePoint& p : *points) {
    out.push_back(fmt::format("{} {} {} O={} total={} best={}", p.writer, p.run, p.scored_at, p.o,
                              p.total, p.best_project));
  }
  return out;
}

}  // namespace

TEST_CASE("influence points: one per stretch of unchanged runs, at its first kept run") {
  CountsDb w;
  w.User(1, "alice");
  w.User(2, "bob");
  w.Writer("alice");
  w.Writer("bob");
  w.Repo(1, "octo/alpha");
  w.Commit(1, "a1", 1, "2026-01-02T10:00:00Z");
  w.Commit(1, "b1", 2, "2026-01-02T11:00:00Z");
  config::Config cfg;
  cfg.scoring.keep_runs = 3;
  ManualClock clock("2026-02-01T00:00:00Z");
  REQUIRE_OK(score::RunScoring(w.db(), cfg, clock));  // run 1
  clock.Set("2026-02-02T00:00:00Z");
  REQUIRE_OK(score::RunScoring(w.db(), cfg, clock));  // run 2: nothing changed
  CHECK(Points(w.db()) ==
        std::vector<std::string>{"alice 1 2026-02-01T00:00:00Z O=1.5 total=0 best=octo/alpha",
                                 "bob 1 2026-02-01T00:00:00Z O=1.5 total=0 best=octo/alpha"});

  w.Commit(1, "a2", 1, "2026-01-03T10:00:00Z");
  clock.Set("2026-02-03T00:00:00Z");
  REQUIRE_OK(score::RunScoring(w.db(), cfg, clock));  // run 3: alice changed
  CHECK(Points(w.db()) ==
        std::vector<std::string>{"alice 1 2026-02-01T00:00:00Z O=1.5 total=0 best=octo/alpha",
                                 "alice 3 2026-02-03T00:00:00Z O=3 total=0 best=octo/alpha",
                                 "bob 1 2026-02-01T00:00:00Z O=1.5 total=0 best=octo/alpha"});

  // Two more runs prune runs 1 and 2: bob's stretch began at run 1 and now starts at the
  // oldest kept run, 3; alice's first stretch is gone.
  for (const char* t : {"2026-02-04T00:00:00Z", "2026-02-05T00:00:00Z"}) {
    clock.Set(t);
    REQUIRE_OK(score::RunScoring(w.db(), cfg, clock));
  }
  CHECK(Points(w.db()) ==
        std::vector<std::string>{"alice 3 2026-02-03T00:00:00Z O=3 total=0 best=octo/alpha",
                                 "bob 3 2026-02-03T00:00:00Z O=1.5 total=0 best=octo/alpha"});

  // A writer no longer scored keeps its points until they age out; none when nothing ran.
  CountsDb empty;
  CHECK(Points(empty.db()).empty());
}

TEST_CASE("last harvested: the newest watermark update of the project's scopes") {
  CountsDb w;
  w.Exec(
      "INSERT INTO sync_state (endpoint, scope, updated_at) VALUES"
      " ('issues', 'octo/alpha', '2026-01-01T00:00:00Z'),"
      " ('commits', 'alice@octo/alpha', '2026-01-03T00:00:00Z'),"
      " ('issues', 'octo/alphabet', '2026-02-01T00:00:00Z'),"
      " ('issues', 'x@octo/alpha/y', '2026-03-01T00:00:00Z')");
  store::ReportStateTables tables(w.db());
  auto got = tables.LastHarvested("octo/alpha");
  REQUIRE_OK(got);
  CHECK(got->value_or("") == "2026-01-03T00:00:00Z");
  auto other_case = tables.LastHarvested("Octo/Alpha");
  REQUIRE_OK(other_case);
  CHECK(other_case->value_or("") == "2026-01-03T00:00:00Z");
  auto none = tables.LastHarvested("octo/beta");
  REQUIRE_OK(none);
  CHECK_FALSE(none->has_value());
}

TEST_CASE("a failing read of the site's history fails the emission, and the site's own readers") {
  TempDir tmp;
  CountsDb w;
  w.User(1, "alice");
  w.Writer("alice");
  w.Repo(1, "octo/alpha");
  w.Commit(1, "a1", 1, "2026-01-02T10:00:00Z");
  config::Config cfg;
  cfg.reports.dir = tmp.file("reports");
  ManualClock clock("2026-02-01T00:00:00Z");
  auto run = score::RunScoring(w.db(), cfg, clock);
  REQUIRE_OK(run);
  w.Exec("ALTER TABLE score_writer_spans RENAME TO gone");
  w.Exec("ALTER TABLE sync_state RENAME TO gone_too");
  store::ReportStateTables tables(w.db());
  CHECK_FALSE(tables.InfluencePoints().ok());
  CHECK_FALSE(tables.LastHarvested("octo/alpha").ok());
  auto reporter = report::Reporter::Open(cfg.reports);
  REQUIRE_OK(reporter);
  CHECK_FALSE(ghharvest::testing::EmitVia(**reporter, w.db(), *run, clock).ok());
  // With the site off, the text reports do not need that history.
  cfg.reports.site = false;
  auto text_only = report::Reporter::Open(cfg.reports);
  REQUIRE_OK(text_only);
  CHECK(ghharvest::testing::EmitVia(**text_only, w.db(), *run, clock).ok());
}

TEST_CASE("the blog facts of a writer whose account is gone are its posts only") {
  CountsDb w;
  w.User(1, "alice");
  w.User(2, "bob");
  w.Writer("alice");
  w.Repo(10, "octo/alpha");
  w.Issue(100, 10, 1, 1, true, "A merged PR", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z", 3);
  w.IssueComment(200, 10, 1, 2, "2026-01-05T00:00:00Z");  // bob's feedback
  w.BlogPost("https://blog.test/1", "alice", "octo/alpha", "2026-01-06T00:00:00Z");
  store::ReportStateTables tables(w.db());
  auto live = tables.BlogFactsFor("alice", "octo/alpha");
  REQUIRE_OK(live);
  CHECK(live->merged.size() == 1);
  CHECK(live->top.size() == 1);
  CHECK(live->date == "2026-01-04");  // its last activity there: the merge

  // As writer_project_counts counts it: the posts, none of the account's GitHub activity.
  w.Exec("UPDATE writers SET gone_at = '2026-02-01T00:00:00Z' WHERE login = 'alice'");
  auto gone = tables.BlogFactsFor("ALICE", "octo/alpha");
  REQUIRE_OK(gone);
  CHECK(gone->merged.empty());
  CHECK(gone->top.empty());
  CHECK(gone->posts.size() == 1);
  CHECK(gone->date == "2026-01-06");
}
