// Randomized checks of the scorer against the SQL it must agree with, over small databases
// full of awkward data: logins differing only in case, accounts without a GitHub user,
// bots, PENDING reviews, a repository missing from `repos`, blog posts tagging projects in
// several spellings. Seeds are fixed, so a failure names its seed and reproduces.
#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>

#include <fmt/format.h>

#include "ghharvest/score/scorer.hpp"
#include "ghharvest/store/database.hpp"
#include "score_test_db.hpp"

using namespace ghharvest;
using ghharvest::testing::CountsDb;
using ghharvest::testing::ManualClock;

namespace {

class World {
 public:
  explicit World(unsigned seed) : rng_(seed) {}
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<unsigned>(n)); }

  // Accounts, watched logins and repositories, each present or not at random.
  void Setup(CountsDb& w) {
    const char* logins[] = {"alice", "Alice", "ALICE", "bob", "Bob", "carol", "ci[bot]", "dave"};
    for (int id = 1; id <= 8; ++id) {
      if (Pick(4) != 0) w.User(id, logins[id - 1], id == 7 ? "Bot" : "User");
    }
    for (const char* login : {"alice", "BOB", "carol", "ci[bot]", "erin"}) {
      if (Pick(5) != 0) w.Writer(login);
      // Resolved by a lookup, or not yet: to one of the accounts under its login (1-3 for
      // alice's spellings), or to an id the store knows by another login (a login taken by a
      // new account, an account renamed).
      if (Pick(2) == 0) {
        w.Exec(
            fmt::format("UPDATE writers SET user_id = {} WHERE login = '{}'", 1 + Pick(9), login));
      }
    }
    w.Repo(10, "octo/alpha");
    w.Repo(11, "Octo/Beta");
    w.Repo(12, "x/y");
  }

  // A few rows of every kind; repository 99 is not in `repos`, user NULL is a deleted account.
  void Activity(CountsDb& w) {
    const int repos[] = {10, 11, 12, 99};
    auto repo = [&] { return repos[Pick(4)]; };
    auto user = [&]() -> std::string {
      return Pick(8) == 0 ? "NULL" : std::to_string(1 + Pick(8));
    };
    for (int i = Pick(12); i > 0; --i) {
      w.Exec(fmt::format("INSERT INTO commits (repo_id, sha, author_id) VALUES ({}, 's{}', {})",
                         repo(), ++seq_, user()));
    }
    for (int i = Pick(8); i > 0; --i) {
      w.Exec(fmt::format(
          "INSERT OR IGNORE INTO issues (id, repo_id, number, user_id, is_pull, merged_at, "
          "reactions_total) VALUES ({}, {}, {}, {}, {}, {}, {})",
          ++seq_, repo(), 1 + Pick(6), user(), Pick(2), Pick(2) ? "'2026-01-01T00:00:00Z'" : "NULL",
          Pick(3)));
    }
    for (int i = Pick(12); i > 0; --i) {
      w.Exec(fmt::format(
          "INSERT INTO issue_comments (id, repo_id, issue_number, user_id, reactions_total) "
          "VALUES ({}, {}, {}, {}, {})",
          ++seq_, repo(), 1 + Pick(6), user(), Pick(3)));
    }
    for (int i = Pick(8); i > 0; --i) {
      w.Exec(fmt::format(
          "INSERT INTO review_comments (id, repo_id, pull_number, user_id, reactions_total) "
          "VALUES ({}, {}, {}, {}, {})",
          ++seq_, repo(), 1 + Pick(6), user(), Pick(3)));
    }
    for (int i = Pick(6); i > 0; --i) {
      w.Exec(fmt::format(
          "INSERT INTO reviews (id, repo_id, pull_number, user_id, state) VALUES ({}, {}, {}, "
          "{}, '{}')",
          ++seq_, repo(), 1 + Pick(6), user(), Pick(3) ? "APPROVED" : "PENDING"));
    }
    const char* blog_writers[] = {"alice", "ALICE", "bob", "Carol", "erin", "zoe"};
    const char* blog_projects[] = {"octo/alpha", "OCTO/ALPHA", "octo/beta",
                                   "zed/x",      "Zed/X",      "new/one"};
    for (int i = Pick(4); i > 0; --i) {
      w.Exec(fmt::format("INSERT INTO blog_posts (url, writer, project) VALUES ('u{}', '{}', '{}')",
                         ++seq_, blog_writers[Pick(6)], blog_projects[Pick(6)]));
    }
  }

 private:
  std::mt19937 rng_;
  int seq_ = 0;
};

std::string Numbers(const double* v, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += fmt::format("{}|", v[i]);
  return out;
}

// Rows as "a|b|...|" with numbers printed one way, whatever their storage class.
std::multiset<std::string> Rows(store::Database& db, const std::string& sql) {
  auto st = db.Prepare(sql);
  REQUIRE_MESSAGE(st.ok(), st.status().ToString());
  store::StatementGuard g(**st);
  std::multiset<std::string> out;  // a duplicate row must show
  while (g->Step()) {
    std::string row;
    for (int i = 0; i < g->ColumnCount(); ++i) {
      if (g->IsNull(i)) {
        row += "NULL|";
      } else if (i >= 2 || g->IsInteger(i)) {
        row += fmt::format("{}|", g->Double(i));
      } else {
        row += g->Text(i) + "|";
      }
    }
    out.insert(row);
  }
  REQUIRE_OK(g->status());
  return out;
}

}  // namespace

TEST_CASE("randomized: the scorer's counts and spellings equal writer_project_counts") {
  for (unsigned seed = 1; seed <= 400; ++seed) {
    INFO("seed " << seed);
    World world(seed);
    CountsDb w;
    world.Setup(w);
    world.Activity(w);
    world.Activity(w);
    auto res =
        score::ComputeScores(w.db(), config::ScoringConfig{}, std::chrono::system_clock::now());
    REQUIRE_MESSAGE(res.ok(), res.status().ToString());
    std::multiset<std::string> mine;
    for (const auto& ws : *res) {
      for (const auto& ps : ws.projects) {
        mine.insert(ws.writer + "|" + ps.project + "|" +
                    Numbers(ps.counts.v.data(), score::kNumCounts));
      }
    }
    auto view = Rows(w.db(), "SELECT * FROM writer_project_counts");
    std::string dbg;
    for (auto& r : mine)
      if (!view.count(r)) dbg += "mine only: " + r + "\n";
    for (auto& r : view)
      if (!mine.count(r)) dbg += "view only: " + r + "\n";
    for (auto& r : Rows(w.db(), "SELECT login, user_id FROM writers")) dbg += "writer " + r + "\n";
    for (auto& r : Rows(w.db(), "SELECT id, login FROM users")) dbg += "user " + r + "\n";
    CHECK_MESSAGE(mine == view, dbg);
  }
}

TEST_CASE("randomized: span views show exactly every kept run's scores") {
  for (unsigned seed = 1; seed <= 60; ++seed) {
    World world(seed);
    CountsDb w;
    world.Setup(w);
    config::Config cfg;
    cfg.scoring.keep_runs = 1 + world.Pick(4);
    INFO("seed " << seed << " keep_runs " << cfg.scoring.keep_runs);
    ManualClock clock("2026-01-20T00:00:00Z");
    struct Truth {
      std::multiset<std::string> pairs, writers;
    };
    std::map<std::int64_t, Truth> truth;
    for (int r = 0; r < 8; ++r) {
      switch (world.Pick(5)) {
        case 0:
          world.Activity(w);
          break;
        case 1:
          w.Exec("DELETE FROM writers WHERE rowid IN (SELECT rowid FROM writers LIMIT 1)");
          break;
        case 2:
          w.Exec("INSERT OR IGNORE INTO writers (login) VALUES ('alice'), ('bob')");
          break;
        case 3:
          cfg.scoring.k["octo/alpha"] = 0.1 * world.Pick(10);
          break;
        default:  // nothing changes
          break;
      }
      auto run = score::RunScoring(w.db(), cfg, clock);
      REQUIRE_MESSAGE(run.ok(), run.status().ToString());
      Truth& t = truth[run->run];
      for (const auto& ws : run->writers) {
        for (const auto& ps : ws.projects) {
          const double outputs[] = {ps.k, ps.p, ps.i, ps.c, ps.t, ps.o};
          t.pairs.insert(ws.writer + "|" + ps.project + "|" +
                         Numbers(ps.counts.v.data(), score::kNumCounts) + Numbers(outputs, 6));
        }
        const double numbers[] = {ws.opportunity, ws.total_influence};
        t.writers.insert(ws.writer + "|" + (ws.best_project.empty() ? "NULL" : ws.best_project) +
                         "|" + Numbers(numbers, 2));
      }
    }
    const std::string pair_columns =
        "writer, project, commits, issues_opened, prs_opened, prs_merged, issue_comments, "
        "review_comments, reviews, reactions_received, feedback_received, blog_posts, "
        "k, P, I, C, T, O";
    const std::string writer_columns = "writer, best_project, O, total";
    const std::int64_t latest = truth.rbegin()->first;
    CHECK(Rows(w.db(), "SELECT " + pair_columns + " FROM writer_project_scores") ==
          truth[latest].pairs);
    CHECK(Rows(w.db(), "SELECT " + writer_columns + " FROM writer_influence") ==
          truth[latest].writers);
    std::multiset<std::string> kept;
    for (std::int64_t run = latest - cfg.scoring.keep_runs + 1; run <= latest; ++run) {
      if (run < 1) continue;
      kept.insert(fmt::format("{}|", static_cast<double>(run)));
      INFO("run " << run);
      CHECK(Rows(w.db(), "SELECT " + pair_columns +
                             " FROM writer_project_score_history WHERE run = " +
                             std::to_string(run)) == truth[run].pairs);
      CHECK(Rows(w.db(), "SELECT " + writer_columns +
                             " FROM writer_influence_history WHERE run = " + std::to_string(run)) ==
            truth[run].writers);
    }
    CHECK(Rows(w.db(), "SELECT run FROM score_runs") == kept);
    // Nothing stored belongs to no kept run.
    CHECK(Rows(w.db(),
               "SELECT writer FROM score_writer_spans s WHERE NOT EXISTS (SELECT 1 FROM "
               "score_runs r WHERE s.from_run <= r.run AND (s.to_run IS NULL OR s.to_run > r.run))")
              .empty());
    CHECK(Rows(w.db(),
               "SELECT writer FROM score_pair_spans s WHERE NOT EXISTS (SELECT 1 FROM "
               "score_runs r WHERE s.from_run <= r.run AND (s.to_run IS NULL OR s.to_run > r.run))")
              .empty());
  }
}
