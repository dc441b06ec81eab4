#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <cmath>
#include <map>

#include "ghharvest/score/scorer.hpp"
#include "ghharvest/store/database.hpp"
#include "score_test_db.hpp"

using namespace ghharvest;
using ghharvest::testing::CountsDb;
using ghharvest::testing::ManualClock;
using score::Count;

namespace {

score::ProjectScore Given(const std::string& project, double k, double p, double i, double c,
                          double t) {
  score::ProjectScore ps;
  ps.project = project;
  ps.k = k;
  ps.p = p;
  ps.i = i;
  ps.c = c;
  ps.t = t;
  ps.o = score::Opportunity(k, p, i, c, t);
  return ps;
}

// alice on octo/alpha, with every kind of activity once or twice (see the counts below).
void BuildAlice(CountsDb& w) {
  w.User(1, "alice");
  w.User(2, "carol");
  w.User(3, "ci[bot]", "Bot");
  w.Writer("Alice");  // the config may spell a login in any case
  w.Repo(10, "octo/alpha");
  w.Commit(10, "c1", 1, "2026-01-10T00:00:00Z");
  w.Commit(10, "c2", 1, "2025-06-01T00:00:00Z");
  w.Commit(10, "c3", 2, "2026-01-10T00:00:00Z");  // carol's: not alice's
  w.Issue(100, 10, 1, 1, false, "Bug", "2026-01-05T00:00:00Z", "", 4);
  w.Issue(101, 10, 2, 1, true, "Fix", "2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z", 1);
  w.Issue(102, 10, 3, 1, true, "Open PR", "2026-01-08T00:00:00Z");
  w.Issue(103, 10, 4, 2, false, "Carol's issue", "2026-01-08T00:00:00Z", "", 9);
  w.IssueComment(200, 10, 1, 1, "2026-01-09T00:00:00Z", 2);  // alice on her own issue
  w.IssueComment(201, 10, 2, 2, "2026-01-09T00:00:00Z");     // carol: feedback
  w.IssueComment(202, 10, 2, 3, "2026-01-09T00:00:00Z");     // a bot: not feedback
  w.ReviewComment(300, 10, 2, 2, "2026-01-09T00:00:00Z");    // carol: feedback
  w.ReviewComment(301, 10, 3, 1, "2026-01-09T00:00:00Z");    // alice on her own PR
  w.Review(400, 10, 3, 1, "COMMENTED", "2026-01-09T00:00:00Z");
  w.Review(401, 10, 3, 1, "PENDING", "2026-01-09T00:00:00Z");  // never counted
  w.BlogPost("https://blog.test/1", "alice", "octo/alpha", "2026-01-11T00:00:00Z");
}

const score::ProjectScore& Only(const std::vector<score::WriterScore>& ws) {
  REQUIRE(ws.size() == 1);
  REQUIRE(ws[0].projects.size() == 1);
  return ws[0].projects[0];
}

}  // namespace

TEST_CASE("the seed's worked example gives O 45 and 56, O(Alice) 56 and best project P2") {
  score::WriterScore alice;
  alice.writer = "Alice";
  alice.projects.push_back(Given("P2", 0.3, 20, 25, 15, 10));
  alice.projects.push_back(Given("P1", 0.5, 20, 20, 10, 5));
  CHECK(score::Opportunity(0.5, 20, 20, 10, 5) == doctest::Approx(45));
  CHECK(score::Opportunity(0.3, 20, 25, 15, 10) == doctest::Approx(56));
  score::FinishWriter(alice);
  REQUIRE(alice.projects.size() == 2);
  CHECK(alice.projects[0].project == "P1");
  CHECK(alice.projects[0].o == doctest::Approx(45));
  CHECK(alice.projects[1].o == doctest::Approx(56));
  CHECK(alice.opportunity == doctest::Approx(56));
  CHECK(alice.best_project == "P2");
  CHECK(alice.total_influence == doctest::Approx((20 + 10) + (25 + 15)));
}

TEST_CASE("equal opportunity scores go to the byte-smallest project name") {
  score::WriterScore w;
  w.writer = "bob";
  w.projects.push_back(Given("zeta/z", 0.5, 2, 1, 1, 1));
  w.projects.push_back(Given("Alpha/a", 0.5, 2, 1, 1, 1));
  w.projects.push_back(Given("alpha/a", 0.5, 2, 1, 1, 1));
  score::FinishWriter(w);
  CHECK(w.best_project == "Alpha/a");
  CHECK(w.opportunity == doctest::Approx(4));
}

TEST_CASE("a writer with no projects has O 0, Total 0 and no best project") {
  score::WriterScore w;
  score::FinishWriter(w);
  CHECK(w.opportunity == 0);
  CHECK(w.total_influence == 0);
  CHECK(w.best_project.empty());
}

TEST_CASE("counts become P, T, C and I as the model defines them") {
  config::ScoringConfig cfg;
  score::ProjectScore ps;
  ps.project = "o/r";
  // Distinct powers of two: each sum below identifies exactly which counts it used.
  for (int i = 0; i < score::kNumCounts; ++i) ps.counts.v[i] = std::ldexp(1.0, i);
  score::ScoreProject(cfg, ps);
  const auto v = [&](Count c) { return ps.counts[c]; };
  CHECK(ps.p == v(Count::kCommits) + v(Count::kPrsOpened) + v(Count::kIssuesOpened) +
                    v(Count::kIssueComments) + v(Count::kReviewComments) + v(Count::kReviews));
  CHECK(ps.t == v(Count::kCommits) + v(Count::kPrsOpened) + v(Count::kBlogPosts));
  CHECK(ps.c == v(Count::kIssuesOpened) + v(Count::kIssueComments) + v(Count::kReviewComments) +
                    v(Count::kReviews));
  CHECK(ps.i == v(Count::kFeedbackReceived) + v(Count::kReactionsReceived));
  CHECK(ps.k == 0.5);
  CHECK(ps.o == doctest::Approx(0.5 * ps.p + ps.i + ps.c + ps.t));
}

TEST_CASE("weights multiply each count and k comes from [scoring.k] case-insensitively") {
  config::ScoringConfig cfg;
  cfg.default_k = 0.5;
  cfg.k["Octo/Alpha"] = 0.25;
  cfg.weights["commits"] = 3;
  cfg.weights["reactions_received"] = 0.5;
  score::ProjectScore ps;
  ps.project = "octo/alpha";
  ps.counts[Count::kCommits] = 2;
  ps.counts[Count::kReactionsReceived] = 4;
  ps.counts[Count::kFeedbackReceived] = 1;
  score::ScoreProject(cfg, ps);
  CHECK(ps.k == 0.25);
  CHECK(ps.p == 6);
  CHECK(ps.t == 6);
  CHECK(ps.i == 3);
  CHECK(ps.c == 0);
  CHECK(ps.o == doctest::Approx(0.25 * 6 + 3 + 0 + 6));
  CHECK(ps.counts[Count::kCommits] == 2);  // recorded unweighted

  score::ProjectScore other;
  other.project = "octo/beta";
  score::ScoreProject(cfg, other);
  CHECK(other.k == 0.5);
}

TEST_CASE("count names round-trip and unknown names are refused") {
  for (int i = 0; i < score::kNumCounts; ++i) {
    Count c;
    REQUIRE(score::ParseCountName(score::CountName(static_cast<Count>(i)), &c));
    CHECK(static_cast<int>(c) == i);
  }
  Count c;
  CHECK_FALSE(score::ParseCountName("likes", &c));
}

TEST_CASE("scores read from the database use every counted activity exactly once") {
  CountsDb w;
  BuildAlice(w);
  config::ScoringConfig cfg;
  ManualClock clock("2026-01-20T00:00:00Z");
  auto res = score::ComputeScores(w.db(), cfg, clock.Now());
  REQUIRE_MESSAGE(res.ok(), res.status().ToString());
  REQUIRE(res->size() == 1);
  CHECK((*res)[0].writer == "alice");
  const score::ProjectScore& ps = Only(*res);
  CHECK(ps.project == "octo/alpha");
  CHECK(ps.counts[Count::kCommits] == 2);
  CHECK(ps.counts[Count::kIssuesOpened] == 1);
  CHECK(ps.counts[Count::kPrsOpened] == 2);
  CHECK(ps.counts[Count::kPrsMerged] == 1);
  CHECK(ps.counts[Count::kIssueComments] == 1);
  CHECK(ps.counts[Count::kReviewComments] == 1);
  CHECK(ps.counts[Count::kReviews] == 1);
  CHECK(ps.counts[Count::kReactionsReceived] == 7);
  CHECK(ps.counts[Count::kFeedbackReceived] == 2);
  CHECK(ps.counts[Count::kBlogPosts] == 1);
  CHECK(ps.p == 8);
  CHECK(ps.t == 5);
  CHECK(ps.c == 4);
  CHECK(ps.i == 9);
  CHECK(ps.o == doctest::Approx(22));
}

namespace {

// alice's world and bob's, with a stranger, a deleted account and blog posts.
void BuildAliceAndBob(CountsDb& w) {
  BuildAlice(w);
  w.User(5, "Bob");
  w.User(6, "stranger");
  w.Writer("bob");
  w.Repo(11, "octo/beta");
  w.Commit(11, "b1", 5, "2026-01-02T00:00:00Z");
  w.Commit(11, "s1", 6, "2026-01-02T00:00:00Z");  // not watched
  w.Exec("INSERT INTO commits (repo_id, sha, author_id) VALUES (11, 'nobody', NULL)");
  w.Issue(110, 11, 1, 5, true, "Bob's PR", "2026-01-03T00:00:00Z", "", 2);
  w.IssueComment(210, 11, 1, 6, "2026-01-04T00:00:00Z", 1);  // stranger: feedback for bob
  w.Exec(
      "INSERT INTO issue_comments (id, repo_id, issue_number, user_id, created_at)"
      " VALUES (211, 11, 1, NULL, '2026-01-04T00:00:00Z')");  // a deleted account: feedback
  w.ReviewComment(310, 11, 1, 1, "2026-01-04T00:00:00Z");     // alice reviews bob
  w.Review(410, 11, 1, 1, "APPROVED", "2026-01-04T00:00:00Z");
  w.Issue(120, 99, 1, 5, false, "In an unknown repo", "2026-01-03T00:00:00Z");
  w.BlogPost("https://blog.test/2", "BOB", "Octo/Beta", "2026-01-05T00:00:00Z");
  w.BlogPost("https://blog.test/3", "bob", "octo/gamma", "2026-01-05T00:00:00Z");
}

// The scorer's counts, all-time (the fast reader) or over a window that holds everything
// (writer_activity), checked row for row against writer_project_counts; they are returned.
std::map<std::string, score::Counts> ScorerMatchesView(CountsDb& w, std::size_t rows) {
  std::map<std::string, score::Counts> view;
  auto st = w.db().Prepare("SELECT * FROM writer_project_counts");
  REQUIRE_OK(st);
  store::StatementGuard g(**st);
  while (g->Step()) {
    score::Counts& c = view[g->Text(0) + " " + g->Text(1)];
    for (int i = 0; i < score::kNumCounts; ++i) c.v[i] = g->Double(2 + i);
  }
  REQUIRE_OK(g->status());
  CHECK(view.size() == rows);
  std::map<std::string, score::Counts> mine;
  for (std::optional<int> window : {std::optional<int>(), std::optional<int>(100000)}) {
    INFO("window_days " << window.value_or(0));
    config::ScoringConfig cfg;
    cfg.window_days = window;
    auto res = score::ComputeScores(w.db(), cfg, std::chrono::system_clock::now());
    REQUIRE_MESSAGE(res.ok(), res.status().ToString());
    mine.clear();
    for (const auto& ws : *res) {
      for (const auto& ps : ws.projects) mine[ws.writer + " " + ps.project] = ps.counts;
    }
    REQUIRE(mine.size() == view.size());
    for (const auto& [key, counts] : view) {
      const auto& shown = key;  // clang 14 lambdas (INFO) cannot capture a binding
      INFO(shown);
      REQUIRE(mine.count(key) == 1);
      for (int i = 0; i < score::kNumCounts; ++i) {
        INFO(score::CountName(static_cast<Count>(i)));
        CHECK(mine[key].v[i] == counts.v[i]);
      }
    }
  }
  return mine;
}

}  // namespace

TEST_CASE("the scorer's counts equal writer_project_counts, row for row") {
  CountsDb w;
  BuildAliceAndBob(w);
  auto mine = ScorerMatchesView(w, 4);
  CHECK(mine["Bob octo/beta"][Count::kFeedbackReceived] == 3);  // stranger, deleted, alice
  CHECK(mine["Bob octo/beta"][Count::kBlogPosts] == 1);
  CHECK(mine["Bob octo/beta"][Count::kReactionsReceived] == 2);
  CHECK(mine["alice octo/beta"][Count::kReviews] == 1);
}

TEST_CASE("a writer whose account is gone keeps only its blog posts, in the scorer and the view") {
  CountsDb w;
  BuildAliceAndBob(w);
  w.Exec("UPDATE writers SET gone_at = '2026-02-01T00:00:00Z' WHERE login = 'bob'");
  auto mine = ScorerMatchesView(w, 4);
  const score::Counts& bob = mine["Bob octo/beta"];
  for (int i = 0; i < score::kNumCounts; ++i) {
    INFO(score::CountName(static_cast<Count>(i)));
    CHECK(bob.v[i] == (static_cast<Count>(i) == Count::kBlogPosts ? 1 : 0));
  }
  CHECK(mine["alice octo/beta"][Count::kReviews] == 1);  // what alice did on bob's PR stays
}

TEST_CASE("one login on two GitHub accounts is one writer, with both accounts' counts") {
  CountsDb w;
  w.User(1, "alice");
  w.User(7, "Alice");  // an older account whose login was later taken by id 1
  w.Writer("alice");
  w.Repo(10, "octo/alpha");
  w.Repo(11, "octo/beta");
  w.Commit(10, "c1", 1, "2026-01-02T00:00:00Z");
  w.Commit(10, "c2", 7, "2026-01-02T00:00:00Z");
  w.Commit(11, "c3", 7, "2026-01-02T00:00:00Z");
  w.IssueComment(200, 10, 1, 1, "2026-01-04T00:00:00Z", 3);
  w.BlogPost("https://blog.test/1", "ALICE", "OCTO/ALPHA", "2026-01-05T00:00:00Z");
  config::ScoringConfig cfg;
  auto res = score::ComputeScores(w.db(), cfg, std::chrono::system_clock::now());
  REQUIRE_MESSAGE(res.ok(), res.status().ToString());
  REQUIRE(res->size() == 1);
  const score::WriterScore& ws = (*res)[0];
  CHECK(ws.writer == "Alice");  // the byte-smallest spelling, whatever the row order
  REQUIRE(ws.projects.size() == 2);
  CHECK(ws.projects[0].project == "octo/alpha");  // the repository's spelling, not the blog's
  CHECK(ws.projects[0].counts[Count::kCommits] == 2);
  CHECK(ws.projects[0].counts[Count::kIssueComments] == 1);
  CHECK(ws.projects[0].counts[Count::kReactionsReceived] == 3);
  CHECK(ws.projects[0].counts[Count::kBlogPosts] == 1);
  CHECK(ws.projects[1].project == "octo/beta");
  CHECK(ws.projects[1].counts[Count::kCommits] == 1);
  // The view spells and sums them the same way.
  auto st = w.db().Prepare(
      "SELECT writer, project, commits, blog_posts FROM writer_project_counts ORDER BY project");
  REQUIRE_OK(st);
  store::StatementGuard g(**st);
  REQUIRE(g->Step());
  CHECK(g->Text(0) == "Alice");
  CHECK(g->Text(1) == "octo/alpha");
  CHECK(g->Int(2) == 2);
  CHECK(g->Int(3) == 1);
  REQUIRE(g->Step());
  CHECK(g->Text(0) == "Alice");
  CHECK(g->Text(1) == "octo/beta");
  CHECK(g->Int(2) == 1);
  CHECK_FALSE(g->Step());
}

TEST_CASE("a blog-only project is spelled with its byte-smallest spelling, whatever came first") {
  CountsDb w;
  w.User(1, "alice");
  w.Writer("alice");
  // blog_posts.project compares without case: a plain MIN() would keep the first row.
  w.BlogPost("https://blog.test/1", "alice", "zed/x", "2026-01-05T00:00:00Z");
  w.BlogPost("https://blog.test/2", "alice", "Zed/X", "2026-01-06T00:00:00Z");
  auto res =
      score::ComputeScores(w.db(), config::ScoringConfig{}, std::chrono::system_clock::now());
  REQUIRE_MESSAGE(res.ok(), res.status().ToString());
  const score::ProjectScore& ps = Only(*res);
  CHECK(ps.project == "Zed/X");
  CHECK(ps.counts[Count::kBlogPosts] == 2);
  auto st = w.db().Prepare("SELECT project, blog_posts FROM writer_project_counts");
  REQUIRE_OK(st);
  store::StatementGuard g(**st);
  REQUIRE(g->Step());
  CHECK(g->Text(0) == "Zed/X");
  CHECK(g->Int(1) == 2);
  CHECK_FALSE(g->Step());
}

TEST_CASE("extreme and malformed ids: the largest user id counts, a non-integer repo id never") {
  CountsDb w;
  w.Exec("INSERT INTO users (id, login) VALUES (9223372036854775807, 'max')");
  w.Writer("max");
  w.Repo(0, "zero/zero");
  w.Repo(10, "octo/alpha");
  // 10.5 and 'x' join no repository in the view; read as integers they would be 10 and 0.
  w.Exec(
      "INSERT INTO commits (repo_id, sha, author_id) VALUES (10, 'a', 9223372036854775807), "
      "(10.5, 'b', 9223372036854775807), ('x', 'c', 9223372036854775807)");
  auto res =
      score::ComputeScores(w.db(), config::ScoringConfig{}, std::chrono::system_clock::now());
  REQUIRE_MESSAGE(res.ok(), res.status().ToString());
  const score::ProjectScore& ps = Only(*res);
  CHECK((*res)[0].writer == "max");
  CHECK(ps.project == "octo/alpha");
  CHECK(ps.counts[Count::kCommits] == 1);
  auto view = w.db().QueryInt("SELECT SUM(commits) FROM writer_project_counts");
  REQUIRE_OK(view);
  CHECK(**view == 1);
}

TEST_CASE("a time window drops activity older than window_days and undated activity") {
  CountsDb w;
  BuildAlice(w);
  w.Exec("INSERT INTO commits (repo_id, sha, author_id) VALUES (10, 'undated', 1)");
  config::ScoringConfig cfg;
  ManualClock clock("2026-01-20T00:00:00Z");
  auto all = score::ComputeScores(w.db(), cfg, clock.Now());
  REQUIRE_OK(all);
  CHECK(Only(*all).counts[Count::kCommits] == 3);

  cfg.window_days = 30;
  auto res = score::ComputeScores(w.db(), cfg, clock.Now());
  REQUIRE_MESSAGE(res.ok(), res.status().ToString());
  const score::ProjectScore& ps = Only(*res);
  CHECK(ps.counts[Count::kCommits] == 1);
  CHECK(ps.counts[Count::kReactionsReceived] == 7);
  CHECK(ps.counts[Count::kBlogPosts] == 1);

  cfg.window_days = 1;  // nothing in the last day: no rows at all
  auto none = score::ComputeScores(w.db(), cfg, clock.Now());
  REQUIRE_OK(none);
  CHECK(none->empty());
}

TEST_CASE("half-life decay counts an item of age a days as 2^(-a/half_life)") {
  CountsDb w;
  w.User(1, "alice");
  w.Writer("alice");
  w.Repo(10, "octo/alpha");
  w.Commit(10, "c1", 1, "2026-01-10T00:00:00Z");  // 10 days old: 0.5
  w.Commit(10, "c2", 1, "2025-12-31T00:00:00Z");  // 20 days old: 0.25
  w.Commit(10, "c3", 1, "2026-01-25T00:00:00Z");  // in the future: counts 1, never more
  w.Issue(100, 10, 1, 1, false, "Bug", "2026-01-20T00:00:00Z", "", 4);  // today: 1 and 4
  config::ScoringConfig cfg;
  cfg.half_life_days = 10;
  ManualClock clock("2026-01-20T00:00:00Z");
  auto res = score::ComputeScores(w.db(), cfg, clock.Now());
  REQUIRE_MESSAGE(res.ok(), res.status().ToString());
  const score::ProjectScore& ps = Only(*res);
  CHECK(ps.counts[Count::kCommits] == doctest::Approx(1.75));
  CHECK(ps.counts[Count::kIssuesOpened] == doctest::Approx(1));
  CHECK(ps.counts[Count::kReactionsReceived] == doctest::Approx(4));

  cfg.window_days = 15;  // both at once: the window first, then decay
  auto both = score::ComputeScores(w.db(), cfg, clock.Now());
  REQUIRE_OK(both);
  CHECK(Only(*both).counts[Count::kCommits] == doctest::Approx(1.5));
}

TEST_CASE("a run is recorded with its inputs, explained by the views, and pruned by keep_runs") {
  CountsDb w;
  BuildAlice(w);
  config::Config cfg;
  cfg.scoring.keep_runs = 2;
  cfg.scoring.k["octo/alpha"] = 0.3;
  ManualClock clock("2026-01-20T00:00:00Z");
  auto run = score::RunScoring(w.db(), cfg, clock);
  REQUIRE_MESSAGE(run.ok(), run.status().ToString());
  CHECK(run->run == 1);
  CHECK(run->rows == 1);
  CHECK(run->started_at == "2026-01-20T00:00:00Z");
  CHECK(run->finished_at == "2026-01-20T00:00:00Z");
  CHECK(run->fingerprint == config::ScoringFingerprint(cfg));

  auto st = w.db().Prepare(
      "SELECT run, writer, project, commits, reactions_received, k, P, I, C, T, O"
      " FROM writer_project_scores");
  REQUIRE_OK(st);
  {
    store::StatementGuard g(**st);
    REQUIRE(g->Step());
    CHECK(g->Int(0) == 1);
    CHECK(g->Text(1) == "alice");
    CHECK(g->Text(2) == "octo/alpha");
    CHECK(g->Double(3) == 2);
    CHECK(g->Double(4) == 7);
    CHECK(g->Double(5) == doctest::Approx(0.3));
    CHECK(g->Double(6) == 8);
    CHECK(g->Double(7) == 9);
    CHECK(g->Double(8) == 4);
    CHECK(g->Double(9) == 5);
    CHECK(g->Double(10) == doctest::Approx(0.3 * 8 + 9 + 4 + 5));
    CHECK_FALSE(g->Step());
  }
  auto inf = w.db().Prepare("SELECT run, writer, O, total, best_project FROM writer_influence");
  REQUIRE_OK(inf);
  {
    store::StatementGuard g(**inf);
    REQUIRE(g->Step());
    CHECK(g->Text(1) == "alice");
    CHECK(g->Double(2) == doctest::Approx(20.4));
    CHECK(g->Double(3) == 13);
    CHECK(g->Text(4) == "octo/alpha");
  }
  auto params = w.db().Prepare("SELECT config_fingerprint, params FROM score_runs WHERE run = 1");
  REQUIRE_OK(params);
  {
    store::StatementGuard g(**params);
    REQUIRE(g->Step());
    CHECK(g->Text(0) == run->fingerprint);
    CHECK(g->Text(1).find("\"octo/alpha\":0.3") != std::string::npos);
  }

  for (int i = 0; i < 3; ++i) REQUIRE_OK(score::RunScoring(w.db(), cfg, clock));
  auto runs = w.db().QueryInt("SELECT COUNT(*) FROM score_runs");
  REQUIRE_OK(runs);
  CHECK(**runs == 2);
  auto oldest = w.db().QueryInt("SELECT MIN(run) FROM writer_project_score_history");
  REQUIRE_OK(oldest);
  CHECK(**oldest == 3);
  auto latest = w.db().QueryInt("SELECT MAX(run) FROM writer_influence");
  REQUIRE_OK(latest);
  CHECK(**latest == 4);
}

TEST_CASE("scoring fails with an error, not a crash, when the schema is missing") {
  auto db = store::Database::Open(":memory:", store::OpenOptions{.apply_migrations = false});
  REQUIRE_OK(db);
  config::Config cfg;
  ManualClock clock("2026-01-20T00:00:00Z");
  auto run = score::RunScoring(**db, cfg, clock);
  CHECK_FALSE(run.ok());
  cfg.scoring.window_days = 3;
  CHECK_FALSE(score::ComputeScores(**db, cfg.scoring, clock.Now()).ok());
}
