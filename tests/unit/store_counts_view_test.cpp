#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <string>
#include <vector>

#include "ghharvest/store/database.hpp"

using namespace ghharvest;

namespace {

// A small world whose counts are known by hand (see the expectations below, line by line).
const char* kWorld = R"(
INSERT INTO writers(login) VALUES ('Alice'), ('bob'), ('dave');  -- dave: no GitHub user yet
INSERT INTO users(id, login, type) VALUES
  (1, 'alice', 'User'), (2, 'Bob', 'User'), (3, 'dependabot[bot]', 'Bot'),
  (4, 'ci-helper', 'Bot'), (5, 'renovate[bot]', 'User'), (6, 'carol', 'User');
INSERT INTO repos(id, full_name) VALUES (10, 'octo-org/hello-world'), (11, 'octo-org/other');

-- Commits: two by alice, one with no GitHub author (nobody's), one by carol; a1 again in 11.
INSERT INTO commits(repo_id, sha, author_id, authored_at) VALUES
  (10, 'a1', 1, '2026-01-01T00:00:00Z'), (10, 'a2', 1, '2026-01-02T00:00:00Z'),
  (10, 'n1', NULL, '2026-01-03T00:00:00Z'), (10, 'c1', 6, '2026-01-04T00:00:00Z'),
  (11, 'a1', 1, '2026-01-01T00:00:00Z');

-- The issues list holds pull requests too (is_pull): #2, #3, #5 are PRs.
INSERT INTO issues(id, repo_id, number, user_id, is_pull, created_at, merged_at,
                   reactions_total, reactions_plus1, reactions_heart) VALUES
  (101, 10, 1, 1, 0, '2026-01-05T00:00:00Z', NULL, 5, 3, 2),
  (102, 10, 2, 1, 1, '2026-01-06T00:00:00Z', '2026-01-07T00:00:00Z', 2, 2, 0),
  (103, 10, 3, 1, 1, '2026-01-08T00:00:00Z', NULL, 0, 0, 0),
  (104, 10, 4, 6, 0, '2026-01-09T00:00:00Z', NULL, 10, 10, 0),
  (105, 10, 5, 2, 1, '2026-01-10T00:00:00Z', NULL, 0, 0, 0);

INSERT INTO issue_comments(id, repo_id, issue_number, user_id, created_at, reactions_total) VALUES
  (201, 10, 4, 1, '2026-01-11T00:00:00Z', 1),    -- alice on carol's issue
  (202, 10, 1, 1, '2026-01-11T00:00:00Z', 0),    -- alice on her own issue: no feedback
  (203, 10, 1, 2, '2026-01-11T00:00:00Z', 0),    -- bob on alice's issue: feedback
  (204, 10, 2, 6, '2026-01-11T00:00:00Z', 0),    -- carol on alice's PR: feedback
  (205, 10, 1, 3, '2026-01-11T00:00:00Z', 0),    -- Bot type: not feedback
  (206, 10, 2, 4, '2026-01-11T00:00:00Z', 0),    -- Bot type, plain login: not feedback
  (207, 10, 3, 5, '2026-01-11T00:00:00Z', 0),    -- login ends in [bot]: not feedback
  (208, 10, 3, NULL, '2026-01-11T00:00:00Z', 0); -- deleted account: someone else, feedback

INSERT INTO review_comments(id, repo_id, pull_number, user_id, created_at, reactions_total) VALUES
  (301, 10, 5, 1, '2026-01-12T00:00:00Z', 4),    -- alice on bob's PR: bob's feedback
  (302, 10, 2, 6, '2026-01-12T00:00:00Z', 0),    -- carol on alice's PR: feedback
  (303, 10, 2, 1, '2026-01-12T00:00:00Z', 0),    -- alice on her own PR
  (304, 10, 3, 3, '2026-01-12T00:00:00Z', 0);    -- bot: not feedback

INSERT INTO reviews(id, repo_id, pull_number, user_id, state, submitted_at) VALUES
  (401, 10, 5, 1, 'APPROVED', '2026-01-13T00:00:00Z'),
  (402, 10, 5, 1, 'COMMENTED', '2026-01-13T00:00:00Z'),
  (403, 10, 5, 1, 'PENDING', NULL);

INSERT INTO blog_posts(url, writer, project, title, published_at) VALUES
  ('https://blog.invalid/1', 'ALICE', 'octo-org/hello-world', 'Post', '2026-01-14T00:00:00Z');
)";

std::vector<std::string> Rows(store::Database& db) {
  auto st = db.Prepare(
      "SELECT writer, project, commits, issues_opened, prs_opened, prs_merged, issue_comments, "
      "review_comments, reviews, reactions_received, feedback_received, blog_posts "
      "FROM writer_project_counts ORDER BY writer, project");
  REQUIRE_OK(st);
  store::StatementGuard g(**st);
  std::vector<std::string> out;
  while (g->Step()) {
    std::string row = g->Text(0) + " " + g->Text(1) + ":";
    for (int c = 2; c < 12; ++c) row += " " + std::to_string(g->Int(c));
    out.push_back(row);
  }
  REQUIRE_OK(g->status());
  return out;
}

}  // namespace

TEST_CASE("writer_project_counts matches hand-counted expectations") {
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  REQUIRE_OK((*db)->Exec(kWorld));
  // Columns: commits issues_opened prs_opened prs_merged issue_comments review_comments
  //          reviews reactions_received feedback_received blog_posts
  // alice/hello-world: commits a1 a2 (n1 is nobody's); issue #1 only (PRs #2 #3 are not
  // issues); 2 PRs, #2 merged; comments 201 202; review comments 301 303; reviews 401 402
  // (not PENDING); reactions 5 + 2 + 1 + 4; feedback 203 204 208 302 (no bots); 1 blog post.
  CHECK(Rows(**db) == std::vector<std::string>{
                          "Bob octo-org/hello-world: 0 0 1 0 1 0 0 0 1 0",
                          "alice octo-org/hello-world: 2 1 2 1 2 2 2 12 4 1",
                          "alice octo-org/other: 1 0 0 0 0 0 0 0 0 0",
                      });
}

TEST_CASE("logins match case-insensitively and show as GitHub spells them") {
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  REQUIRE_OK((*db)->Exec(kWorld));
  auto w = (*db)->QueryInt(
      "SELECT COUNT(*) FROM writer_project_counts WHERE writer = 'alice' COLLATE BINARY");
  REQUIRE_OK(w);
  CHECK(**w == 2);  // config 'Alice', GitHub 'alice'
  auto b = (*db)->QueryInt("SELECT COUNT(*) FROM writer_project_counts WHERE writer = 'Bob'");
  REQUIRE_OK(b);
  CHECK(**b == 1);  // config 'bob', GitHub 'Bob'
}

TEST_CASE("people who are not watched writers have no rows, and removing a writer hides them") {
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  REQUIRE_OK((*db)->Exec(kWorld));
  auto carol = (*db)->QueryInt("SELECT COUNT(*) FROM writer_project_counts WHERE writer = 'carol'");
  REQUIRE_OK(carol);
  CHECK(**carol == 0);
  REQUIRE_OK((*db)->Exec("DELETE FROM writers WHERE login = 'alice'"));
  CHECK(Rows(**db) == std::vector<std::string>{"Bob octo-org/hello-world: 0 0 1 0 1 0 0 0 1 0"});
}

TEST_CASE("the per-kind reaction rollups add up in writer_activity") {
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  REQUIRE_OK((*db)->Exec(kWorld));
  auto plus1 = (*db)->QueryInt(
      "SELECT SUM(plus1) FROM writer_activity WHERE writer = 'alice' AND kind = 'reactions'");
  auto heart = (*db)->QueryInt(
      "SELECT SUM(heart) FROM writer_activity WHERE writer = 'alice' AND kind = 'reactions'");
  REQUIRE_OK(plus1);
  REQUIRE_OK(heart);
  CHECK(**plus1 == 5);  // 3 on #1, 2 on #2
  CHECK(**heart == 2);
}
