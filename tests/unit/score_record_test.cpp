// How scoring runs are recorded: spans of runs (schema/0004_score_spans.sql). A run rewrites
// only the writers whose numbers changed, yet writer_project_scores / writer_influence show
// every writer for the latest run and the history views every kept run, as if each run had
// stored all its rows.
#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <string>
#include <vector>

#include "ghharvest/score/scorer.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/migrations.hpp"
#include "score_test_db.hpp"

using namespace ghharvest;
using ghharvest::testing::CountsDb;
using ghharvest::testing::ManualClock;

namespace {

std::int64_t Int(store::Database& db, const std::string& sql) {
  auto v = db.QueryInt(sql);
  REQUIRE_MESSAGE(v.ok(), (v.status().ToString() + " in " + sql));
  return v->value_or(-1);
}

// Rows of a query as "a|b|c" strings, numbers printed by SQLite.
std::vector<std::string> Rows(store::Database& db, const std::string& sql) {
  auto st = db.Prepare(sql);
  REQUIRE_MESSAGE(st.ok(), st.status().ToString());
  store::StatementGuard g(**st);
  std::vector<std::string> out;
  while (g->Step()) {
    std::string row;
    for (int i = 0; i < g->ColumnCount(); ++i)
      row += (i ? "|" : "") + g->OptText(i).value_or("NULL");
    out.push_back(row);
  }
  REQUIRE_OK(g->status());
  return out;
}

// Three writers on two projects; every writer has activity in octo/alpha.
void Build(CountsDb& w) {
  w.User(1, "alice");
  w.User(2, "bob");
  w.User(3, "carol");
  for (const char* login : {"alice", "bob", "carol"}) w.Writer(login);
  w.Repo(10, "octo/alpha");
  w.Repo(11, "octo/beta");
  w.Commit(10, "a1", 1, "2026-01-10T00:00:00Z");
  w.Commit(11, "a2", 1, "2026-01-10T00:00:00Z");
  w.Commit(10, "b1", 2, "2026-01-10T00:00:00Z");
  w.Issue(100, 10, 1, 3, false, "Bug", "2026-01-05T00:00:00Z", "", 4);
}

constexpr const char* kLatest =
    "SELECT run, writer, project, commits, issues_opened, reactions_received, k, P, I, C, T, O "
    "FROM writer_project_scores ORDER BY writer, project";
constexpr const char* kInfluence =
    "SELECT run, writer, O, total, best_project FROM writer_influence ORDER BY writer";

std::string HistoryOf(int run) {
  return "SELECT writer, project, commits, O FROM writer_project_score_history WHERE run = " +
         std::to_string(run) + " ORDER BY writer, project";
}

}  // namespace

TEST_CASE("a run with nothing changed writes no rows, and the views show it as the latest") {
  CountsDb w;
  Build(w);
  config::Config cfg;
  ManualClock clock("2026-01-20T00:00:00Z");
  auto first = score::RunScoring(w.db(), cfg, clock);
  REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  CHECK(first->writers_changed == 3);
  CHECK(first->rows_written == 4);
  const auto latest_1 = Rows(w.db(), kLatest);
  const auto influence_1 = Rows(w.db(), kInfluence);
  REQUIRE(latest_1.size() == 4);
  CHECK(latest_1[0] == "1|alice|octo/alpha|1.0|0.0|0.0|0.5|1.0|0.0|0.0|1.0|1.5");
  CHECK(influence_1.size() == 3);

  clock.Set("2026-01-21T00:00:00Z");
  auto second = score::RunScoring(w.db(), cfg, clock);
  REQUIRE_OK(second);
  CHECK(second->run == 2);
  CHECK(second->writers_changed == 0);
  CHECK(second->rows_written == 0);
  CHECK(Int(w.db(), "SELECT COUNT(*) FROM score_pair_spans") == 4);
  CHECK(Int(w.db(), "SELECT COUNT(*) FROM score_writer_spans") == 3);

  // Same numbers, now under run 2 and its time.
  auto latest_2 = Rows(w.db(), kLatest);
  REQUIRE(latest_2.size() == latest_1.size());
  for (std::size_t i = 0; i < latest_2.size(); ++i) {
    CHECK(latest_2[i] == "2" + latest_1[i].substr(1));
  }
  CHECK(Rows(w.db(), "SELECT DISTINCT scored_at FROM writer_influence") ==
        std::vector<std::string>{"2026-01-21T00:00:00Z"});
  CHECK(Rows(w.db(), HistoryOf(1)) == Rows(w.db(), HistoryOf(2)));
}

TEST_CASE("a changed writer's rows are rewritten, the others kept, and history shows both") {
  CountsDb w;
  Build(w);
  config::Config cfg;
  ManualClock clock("2026-01-20T00:00:00Z");
  REQUIRE_OK(score::RunScoring(w.db(), cfg, clock));
  const auto before = Rows(w.db(), HistoryOf(1));

  w.Commit(10, "b2", 2, "2026-01-11T00:00:00Z");  // bob: one more commit
  auto run = score::RunScoring(w.db(), cfg, clock);
  REQUIRE_OK(run);
  CHECK(run->writers_changed == 1);
  CHECK(run->rows_written == 1);
  CHECK(Rows(w.db(),
             "SELECT writer, project, commits, O FROM writer_project_scores "
             "WHERE writer = 'bob'") == std::vector<std::string>{"bob|octo/alpha|2.0|3.0"});
  CHECK(Rows(w.db(), "SELECT writer, O FROM writer_influence WHERE writer = 'bob'") ==
        std::vector<std::string>{"bob|3.0"});
  // Run 1 still reads as it was; alice and carol's rows are the same stored rows.
  CHECK(Rows(w.db(), HistoryOf(1)) == before);
  CHECK(Rows(w.db(),
             "SELECT writer, from_run, to_run FROM score_pair_spans "
             "ORDER BY writer, project, from_run") ==
        std::vector<std::string>{"alice|1|NULL", "alice|1|NULL", "bob|1|2", "bob|2|NULL",
                                 "carol|1|NULL"});
  CHECK(Rows(w.db(),
             "SELECT run, O FROM writer_influence_history WHERE writer = 'bob' "
             "ORDER BY run") == std::vector<std::string>{"1|1.5", "2|3.0"});
}

TEST_CASE("a writer no longer scored leaves the latest views but stays in history") {
  CountsDb w;
  Build(w);
  config::Config cfg;
  ManualClock clock("2026-01-20T00:00:00Z");
  REQUIRE_OK(score::RunScoring(w.db(), cfg, clock));
  w.Exec("DELETE FROM writers WHERE login = 'carol'");  // the config stopped watching her
  auto run = score::RunScoring(w.db(), cfg, clock);
  REQUIRE_OK(run);
  CHECK(run->writers_changed == 1);
  CHECK(run->rows_written == 0);
  CHECK(Int(w.db(), "SELECT COUNT(*) FROM writer_influence WHERE writer = 'carol'") == 0);
  CHECK(Int(w.db(), "SELECT COUNT(*) FROM writer_project_scores WHERE writer = 'carol'") == 0);
  CHECK(Int(w.db(), "SELECT COUNT(*) FROM writer_influence") == 2);
  CHECK(Int(w.db(), "SELECT COUNT(*) FROM writer_influence_history WHERE run = 1") == 3);

  w.Writer("carol");  // watched again, same numbers: back, as new rows
  auto again = score::RunScoring(w.db(), cfg, clock);
  REQUIRE_OK(again);
  CHECK(again->writers_changed == 1);
  CHECK(Rows(w.db(),
             "SELECT run, writer, best_project FROM writer_influence "
             "WHERE writer = 'carol'") == std::vector<std::string>{"3|carol|octo/alpha"});
  CHECK(Int(w.db(), "SELECT COUNT(*) FROM writer_influence_history WHERE run = 2") == 2);
}

TEST_CASE("a new k rewrites the writers it changes, and the params of each run are kept") {
  CountsDb w;
  Build(w);
  config::Config cfg;
  ManualClock clock("2026-01-20T00:00:00Z");
  REQUIRE_OK(score::RunScoring(w.db(), cfg, clock));
  cfg.scoring.k["octo/beta"] = 2;  // only alice works on octo/beta
  auto run = score::RunScoring(w.db(), cfg, clock);
  REQUIRE_OK(run);
  CHECK(run->writers_changed == 1);
  CHECK(run->rows_written == 2);  // both of alice's rows: a writer is rewritten whole
  CHECK(Rows(w.db(),
             "SELECT project, k, O FROM writer_project_scores WHERE writer = 'alice' "
             "ORDER BY project") ==
        std::vector<std::string>{"octo/alpha|0.5|1.5", "octo/beta|2.0|3.0"});
  CHECK(Int(w.db(), "SELECT COUNT(DISTINCT config_fingerprint) FROM score_runs") == 2);
}

TEST_CASE("keep_runs prunes ended rows only: a writer unchanged since run 1 stays current") {
  CountsDb w;
  Build(w);
  config::Config cfg;
  cfg.scoring.keep_runs = 2;
  ManualClock clock("2026-01-20T00:00:00Z");
  for (int i = 0; i < 5; ++i) {
    w.Commit(10, "b-extra-" + std::to_string(i), 2, "2026-01-12T00:00:00Z");  // bob changes
    REQUIRE_OK(score::RunScoring(w.db(), cfg, clock));
  }
  CHECK(Rows(w.db(), "SELECT run FROM score_runs ORDER BY run") ==
        std::vector<std::string>{"4", "5"});
  // alice and carol: still their run-1 rows; bob: the rows of runs 4 and 5 only.
  CHECK(Rows(w.db(),
             "SELECT writer, from_run, to_run FROM score_writer_spans "
             "ORDER BY writer, from_run") ==
        std::vector<std::string>{"alice|1|NULL", "bob|4|5", "bob|5|NULL", "carol|1|NULL"});
  CHECK(Int(w.db(), "SELECT COUNT(*) FROM score_pair_spans WHERE to_run IS NOT NULL") == 1);
  CHECK(Int(w.db(), "SELECT COUNT(*) FROM writer_influence WHERE run = 5") == 3);
  CHECK(Rows(w.db(), "SELECT run, writer, O FROM writer_influence_history ORDER BY run, writer") ==
        std::vector<std::string>{"4|alice|1.5", "4|bob|7.5", "4|carol|5.5", "5|alice|1.5",
                                 "5|bob|9.0", "5|carol|5.5"});
}

TEST_CASE("a run that fails while recording leaves the previous run whole") {
  CountsDb w;
  Build(w);
  config::Config cfg;
  ManualClock clock("2026-01-20T00:00:00Z");
  REQUIRE_OK(score::RunScoring(w.db(), cfg, clock));
  const auto latest = Rows(w.db(), kLatest);
  const auto influence = Rows(w.db(), kInfluence);

  // Both bob and carol change, and the insert of carol's new rows fails after bob's.
  w.Commit(10, "b2", 2, "2026-01-11T00:00:00Z");
  w.Commit(10, "c2", 3, "2026-01-11T00:00:00Z");
  w.Exec(
      "CREATE TRIGGER fail_carol BEFORE INSERT ON score_pair_spans WHEN NEW.writer = 'carol' "
      "BEGIN SELECT RAISE(ABORT, 'disk full, say'); END");
  auto run = score::RunScoring(w.db(), cfg, clock);
  REQUIRE_FALSE(run.ok());
  CHECK(run.status().message().find("disk full, say") != std::string::npos);
  CHECK(Rows(w.db(), kLatest) == latest);
  CHECK(Rows(w.db(), kInfluence) == influence);
  CHECK(Int(w.db(), "SELECT COUNT(*) FROM score_runs") == 1);
  CHECK(Int(w.db(), "SELECT COUNT(*) FROM score_pair_spans WHERE to_run IS NOT NULL") == 0);

  w.Exec("DROP TRIGGER fail_carol");
  auto retry = score::RunScoring(w.db(), cfg, clock);
  REQUIRE_OK(retry);
  CHECK(retry->writers_changed == 2);
  CHECK(Rows(w.db(),
             "SELECT writer, commits FROM writer_project_scores WHERE project = "
             "'octo/alpha' ORDER BY writer") ==
        std::vector<std::string>{"alice|1.0", "bob|2.0", "carol|1.0"});
}

TEST_CASE("migration 4 turns version 3's per-run rows into spans the views read the same") {
  auto db = store::Database::Open(":memory:", store::OpenOptions{.apply_migrations = false});
  REQUIRE_OK(db);
  const auto& all = store::EmbeddedMigrations();
  REQUIRE(all.size() >= 4);
  REQUIRE_OK(store::ApplyMigrations(**db, {all.begin(), all.begin() + 3}));
  // Version 3 as version 3 wrote it: two finished runs and one that never finished.
  REQUIRE((*db)
              ->Exec(R"sql(
    INSERT INTO score_runs (run, started_at, finished_at, config_fingerprint) VALUES
      (7, 't7', 'f7', 'fp'), (9, 't9', 'f9', 'fp'), (10, 't10', NULL, 'fp');
    INSERT INTO score_rows VALUES
      (7, 'alice', 'octo/alpha', 1,0,0,0,0,0,0,0,0,0, 0.5, 1,0,0,1, 1.5),
      (9, 'alice', 'octo/alpha', 2,0,0,0,0,0,0,0,0,0, 0.5, 2,0,0,2, 3.0),
      (9, 'bob',   'octo/alpha', 1,0,0,0,0,0,0,0,0,0, 0.5, 1,0,0,1, 1.5),
      (10, 'bob',  'octo/alpha', 5,0,0,0,0,0,0,0,0,0, 0.5, 5,0,0,5, 7.5);
    INSERT INTO score_writers VALUES
      (7, 'alice', 1.5, 0, 'octo/alpha'), (9, 'alice', 3.0, 0, 'octo/alpha'),
      (9, 'bob', 1.5, 0, 'octo/alpha'), (10, 'bob', 7.5, 0, 'octo/alpha');
  )sql")
              .ok());
  REQUIRE_OK(store::ApplyMigrations(**db, all));

  CHECK(Rows(**db,
             "SELECT run, scored_at, writer, commits, O FROM writer_project_scores "
             "ORDER BY writer") ==
        std::vector<std::string>{"9|f9|alice|2.0|3.0", "9|f9|bob|1.0|1.5"});
  CHECK(Rows(**db, "SELECT run, writer, O FROM writer_influence_history ORDER BY run, writer") ==
        std::vector<std::string>{"7|alice|1.5", "9|alice|3.0", "9|bob|1.5"});
  CHECK(Int(**db, "SELECT COUNT(*) FROM score_runs WHERE run = 10") == 0);

  // The next run works on the migrated rows: here nobody is watched any more, so both
  // writers' rows end, and run 9 still reads as it was.
  config::Config cfg;
  ManualClock clock("2026-01-20T00:00:00Z");
  auto run = score::RunScoring(**db, cfg, clock);
  REQUIRE_MESSAGE(run.ok(), run.status().ToString());
  CHECK(run->run == 11);
  CHECK(run->writers_changed == 2);
  CHECK(Int(**db, "SELECT COUNT(*) FROM writer_influence") == 0);
  CHECK(Int(**db, "SELECT COUNT(*) FROM writer_influence_history WHERE run = 9") == 2);
}

TEST_CASE("after migration 4 the next run rewrites every writer once, then only changes") {
  auto db = store::Database::Open(":memory:", store::OpenOptions{.apply_migrations = false});
  REQUIRE_OK(db);
  const auto& all = store::EmbeddedMigrations();
  REQUIRE_OK(store::ApplyMigrations(**db, {all.begin(), all.begin() + 3}));
  // Runs 1 and 2 finished, run 3 did not (migration 4 drops it, leaving a gap in numbers).
  REQUIRE((*db)
              ->Exec(R"sql(
    INSERT INTO users (id, login) VALUES (1, 'alice'), (2, 'bob');
    INSERT INTO writers (login) VALUES ('alice'), ('bob');
    INSERT INTO repos (id, full_name) VALUES (10, 'octo/alpha');
    INSERT INTO commits (repo_id, sha, author_id) VALUES (10, 'a', 1), (10, 'b', 2);
    INSERT INTO score_runs (run, started_at, finished_at, config_fingerprint) VALUES
      (1, 't1', 'f1', 'fp'), (2, 't2', 'f2', 'fp'), (3, 't3', NULL, 'fp');
    INSERT INTO score_rows VALUES
      (1, 'alice', 'octo/alpha', 1,0,0,0,0,0,0,0,0,0, 0.5, 1,0,0,1, 1.5),
      (2, 'alice', 'octo/alpha', 1,0,0,0,0,0,0,0,0,0, 0.5, 1,0,0,1, 1.5),
      (2, 'bob',   'octo/alpha', 1,0,0,0,0,0,0,0,0,0, 0.5, 1,0,0,1, 1.5);
    INSERT INTO score_writers VALUES
      (1, 'alice', 1.5, 0, 'octo/alpha'), (2, 'alice', 1.5, 0, 'octo/alpha'),
      (2, 'bob', 1.5, 0, 'octo/alpha');
  )sql")
              .ok());
  REQUIRE_OK(store::ApplyMigrations(**db, all));
  CHECK(
      Rows(**db, "SELECT run, writer, O FROM writer_project_score_history ORDER BY run, writer") ==
      std::vector<std::string>{"1|alice|1.5", "2|alice|1.5", "2|bob|1.5"});

  config::Config cfg;
  cfg.scoring.keep_runs = 2;
  ManualClock clock("2026-01-20T00:00:00Z");
  auto first = score::RunScoring(**db, cfg, clock);
  REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  CHECK(first->run == 4);
  CHECK(first->writers_changed == 2);  // migrated rows carry no digest
  // keep_runs counts runs, not run numbers: runs 2 and 4 stay (3 never finished).
  CHECK(Rows(**db, "SELECT run FROM score_runs ORDER BY run") ==
        std::vector<std::string>{"2", "4"});
  CHECK(Rows(**db, "SELECT run, writer, O FROM writer_influence_history ORDER BY run, writer") ==
        std::vector<std::string>{"2|alice|1.5", "2|bob|1.5", "4|alice|1.5", "4|bob|1.5"});
  auto second = score::RunScoring(**db, cfg, clock);
  REQUIRE_OK(second);
  CHECK(second->writers_changed == 0);
  CHECK(Rows(**db, "SELECT run FROM score_runs ORDER BY run") ==
        std::vector<std::string>{"4", "5"});
}

TEST_CASE("a login that GitHub now spells differently ends the old rows and starts new ones") {
  CountsDb w;
  Build(w);
  config::Config cfg;
  ManualClock clock("2026-01-20T00:00:00Z");
  REQUIRE_OK(score::RunScoring(w.db(), cfg, clock));
  w.Exec("UPDATE users SET login = 'Bob' WHERE id = 2");  // the account changed its case
  auto run = score::RunScoring(w.db(), cfg, clock);
  REQUIRE_OK(run);
  CHECK(run->writers_changed == 2);  // 'bob' ended, 'Bob' begun
  CHECK(Rows(w.db(), "SELECT writer FROM writer_influence ORDER BY writer") ==
        std::vector<std::string>{"Bob", "alice", "carol"});
  CHECK(Rows(w.db(), "SELECT writer FROM writer_influence_history WHERE run = 1 ORDER BY writer") ==
        std::vector<std::string>{"alice", "bob", "carol"});
}

TEST_CASE("with decay every run's numbers move with time, so every writer is rewritten") {
  CountsDb w;
  Build(w);
  config::Config cfg;
  cfg.scoring.half_life_days = 30;
  ManualClock clock("2026-01-20T00:00:00Z");
  auto first = score::RunScoring(w.db(), cfg, clock);
  REQUIRE_OK(first);
  CHECK(first->writers_changed == 3);
  auto same_time = score::RunScoring(w.db(), cfg, clock);
  REQUIRE_OK(same_time);
  CHECK(same_time->writers_changed == 0);
  clock.Set("2026-01-21T00:00:00Z");
  auto next_day = score::RunScoring(w.db(), cfg, clock);
  REQUIRE_OK(next_day);
  CHECK(next_day->writers_changed == 3);
  CHECK(next_day->rows_written == 4);
}
