#include <doctest/doctest.h>

#include <simdjson.h>
#include "check_ok.hpp"

#include <string>
#include <vector>

#include "files.hpp"
#include "ghharvest/github/parse.hpp"

using namespace ghharvest;
using namespace ghharvest::github;
using ghharvest::testing::ReadFixture;

namespace {

// The response bodies of GET requests in an octokit recording, in order.
std::vector<std::string> RecordedBodies(const std::string& rel, const std::string& path_part) {
  std::string text = ReadFixture(rel);
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(text);
  std::vector<std::string> out;
  for (simdjson::dom::element ex : root.get_array()) {
    std::string_view method = ex["method"].get_string();
    std::string_view path = ex["path"].get_string();
    if (method != "get" || path.find(path_part) == std::string_view::npos) continue;
    out.push_back(simdjson::minify(ex["response"]));
  }
  return out;
}

bool IsCorruption(const Status& s) { return s.code() == Status::Code::kCorruption; }

}  // namespace

TEST_CASE("the issues list example parses into a pull request with its merged_at") {
  auto r = ParseIssueList(ReadFixture("openapi/example-issue-items.json"));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->size() == 1);
  const IssueRecord& i = (*r)[0];
  CHECK(i.id == 1);
  CHECK(i.number == 1347);
  CHECK(i.is_pull);
  CHECK_FALSE(i.from_pull_object);
  CHECK(i.state == "open");
  CHECK(i.title == "Found a bug");
  REQUIRE(i.user);
  CHECK(i.user->login == "octocat");
  CHECK(i.user->id == 1);
  CHECK(i.user->type == "User");
  CHECK(i.repository_url == "https://api.github.com/repos/octocat/Hello-World");
  CHECK(i.created_at == "2011-04-22T13:33:48Z");
  CHECK_FALSE(i.closed_at);
  CHECK(i.comments == 0);
}

TEST_CASE("the octokit paginate-issues recording gives all 13 issues, none a pull request") {
  auto pages = RecordedBodies("octokit/paginate-issues/raw-fixture.json", "/issues?per_page=3");
  REQUIRE(pages.size() == 5);
  std::vector<std::int64_t> numbers;
  for (const auto& body : pages) {
    auto r = ParseIssueList(body);
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    for (const auto& i : *r) {
      numbers.push_back(i.number);
      CHECK_FALSE(i.is_pull);
      CHECK_FALSE(i.merged_at);
      REQUIRE(i.user);
      CHECK(i.user->login == "octokit-fixture-user-a");
      CHECK(i.user->id == 31898046);
      CHECK(i.reactions.total == 0);
    }
  }
  REQUIRE(numbers.size() == 13);
  CHECK(numbers.front() == 13);
  CHECK(numbers.back() == 1);
  auto first = ParseIssueList(pages[0]);
  CHECK((*first)[0].id == 1308969059);
}

TEST_CASE("an issue's reactions rollup and a merged pull request are read") {
  std::string body = R"([{"id":7,"number":3,"user":{"login":"Alice","id":5,"type":"User"},
    "state":"closed","title":"t","closed_at":"2024-01-02T00:00:00Z","comments":4,
    "pull_request":{"url":"u","merged_at":"2024-01-02T00:00:00Z"},
    "reactions":{"url":"x","total_count":6,"+1":1,"-1":2,"laugh":0,"hooray":0,"confused":0,
                 "heart":3,"rocket":0,"eyes":0}},
    {"id":8,"number":4,"user":{"login":"b","id":6},"pull_request":{"merged_at":null}},
    {"id":9,"number":5,"user":{"login":"c","id":7}}])";
  auto r = ParseIssueList(body);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].is_pull);
  CHECK((*r)[0].merged_at == std::optional<std::string>("2024-01-02T00:00:00Z"));
  CHECK((*r)[0].closed_at == std::optional<std::string>("2024-01-02T00:00:00Z"));
  CHECK((*r)[0].comments == 4);
  CHECK((*r)[0].reactions.total == 6);
  CHECK((*r)[0].reactions.plus1 == 1);
  CHECK((*r)[0].reactions.minus1 == 2);
  CHECK((*r)[0].reactions.heart == 3);
  CHECK((*r)[1].is_pull);
  CHECK_FALSE((*r)[1].merged_at);
  CHECK_FALSE((*r)[2].is_pull);
}

TEST_CASE("a pull_request object whose links are all null is a plain issue (pre-2014 shape)") {
  // GitHub before about 2014, and older Enterprise servers, sent every plain issue with this
  // object; only a pull request has its links set.
  std::string body = R"([
    {"id":1,"number":1,"user":{"login":"a","id":5},
     "pull_request":{"html_url":null,"diff_url":null,"patch_url":null}},
    {"id":2,"number":2,"user":{"login":"a","id":5},
     "pull_request":{"html_url":"https://github.com/o/r/pull/2",
                     "diff_url":"https://github.com/o/r/pull/2.diff",
                     "patch_url":"https://github.com/o/r/pull/2.patch"}},
    {"id":3,"number":3,"user":{"login":"a","id":5},
     "pull_request":{"url":null,"html_url":null,"diff_url":null,"patch_url":null,
                     "merged_at":null}}])";
  auto r = ParseIssueList(body);
  REQUIRE_OK(r);
  REQUIRE(r->size() == 3);
  CHECK_FALSE((*r)[0].is_pull);
  CHECK((*r)[1].is_pull);
  CHECK_FALSE((*r)[2].is_pull);

  std::string search = R"({"total_count":2,"incomplete_results":false,"items":[
    {"id":1,"number":1,"repository_url":"https://api.github.com/repos/o/r",
     "pull_request":{"html_url":null,"diff_url":null,"patch_url":null}},
    {"id":2,"number":2,"repository_url":"https://api.github.com/repos/o/r",
     "pull_request":{"url":"https://api.github.com/repos/o/r/pulls/2"}}]})";
  auto s = ParseSearchIssues(search);
  REQUIRE_OK(s);
  REQUIRE(s->items.size() == 2);
  CHECK_FALSE(s->items[0].is_pull);
  CHECK(s->items[1].is_pull);
}

TEST_CASE("a null user (a deleted account) becomes nullopt, not an error") {
  auto r = ParseIssueList(R"([{"id":1,"number":2,"user":null}])");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK_FALSE((*r)[0].user);
  auto c =
      ParseIssueCommentList(R"([{"id":1,"user":null,"issue_url":"https://h/repos/o/r/issues/9"}])");
  REQUIRE_OK(c);
  CHECK_FALSE((*c)[0].user);
  CHECK((*c)[0].number == 9);
  auto commits = ParseCommitList(R"([{"sha":"abc","author":null,"commit":{"author":null}}])");
  REQUIRE_MESSAGE(commits.ok(), commits.status().ToString());
  CHECK_FALSE((*commits)[0].author);
  CHECK((*commits)[0].authored_at.empty());
}

TEST_CASE("the commits list example gives sha, author and both dates") {
  auto r = ParseCommitList(ReadFixture("openapi/example-commit-items.json"));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].sha == "6dcb09b5b57875f334f61aebed695e2e4193db5e");
  REQUIRE((*r)[0].author);
  CHECK((*r)[0].author->login == "octocat");
  CHECK((*r)[0].authored_at == "2011-04-14T16:00:49Z");
  CHECK((*r)[0].committed_at == "2011-04-14T16:00:49Z");
}

TEST_CASE("issue comments take their number from issue_url") {
  auto r = ParseIssueCommentList(ReadFixture("openapi/example-issue-comment-items.json"));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].id == 1);
  CHECK((*r)[0].number == 1347);
  CHECK_FALSE((*r)[0].review_id);
  REQUIRE((*r)[0].user);
  CHECK((*r)[0].user->login == "octocat");
}

TEST_CASE("review comments take their number from pull_request_url and their review id") {
  auto r =
      ParseReviewCommentList(ReadFixture("openapi/example-pull-request-review-comment-items.json"));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].id == 10);
  CHECK((*r)[0].number == 1);
  CHECK((*r)[0].review_id == std::optional<std::int64_t>(42));
}

TEST_CASE("reviews carry state, submitted_at and their pull number") {
  auto r = ParseReviewList(ReadFixture("openapi/example-pull-request-review-items.json"));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].id == 80);
  CHECK((*r)[0].state == "APPROVED");
  CHECK((*r)[0].submitted_at == "2019-11-17T17:43:43Z");
  CHECK((*r)[0].pull_number == 12);
}

TEST_CASE("a search page gives total, repositories and pull-request flags") {
  auto r =
      ParseSearchIssues(ReadFixture("openapi/example-issue-search-result-item-paginated.json"));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->total_count == 280);
  CHECK_FALSE(r->incomplete_results);
  REQUIRE(r->items.size() == 1);
  CHECK(r->items[0].repo_full_name == "batterseapower/pinyin-toolkit");
  CHECK(r->items[0].number == 132);
  CHECK(r->items[0].is_pull);

  auto pages = RecordedBodies("octokit/search-issues/raw-fixture.json", "/search/issues");
  REQUIRE(pages.size() == 1);
  auto rec = ParseSearchIssues(pages[0]);
  REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
  CHECK(rec->total_count == 2);
  REQUIRE(rec->items.size() == 2);
  CHECK(rec->items[0].number == 2);
  CHECK_FALSE(rec->items[0].is_pull);
  CHECK(rec->items[0].repo_full_name.rfind("octokit-fixture-org/tmp-scenario-search-issues", 0) ==
        0);
}

TEST_CASE("a repository and its owner parse from the get-repository recording") {
  auto bodies = RecordedBodies("octokit/get-repository/raw-fixture.json", "/repos/");
  REQUIRE(bodies.size() == 1);
  auto r = ParseRepo(bodies[0]);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->id == 103703892);
  CHECK(r->full_name == "octokit-fixture-org/hello-world");
  CHECK(r->default_branch == "master");
  CHECK_FALSE(r->fork);
  REQUIRE(r->owner);
  CHECK(r->owner->type == "Organization");
  CHECK(r->owner->id == 31898100);

  auto list = ParseRepoList("[" + bodies[0] + "," + bodies[0] + "]");
  REQUIRE_OK(list);
  CHECK(list->size() == 2);
}

TEST_CASE("a user object parses with its type, and a bot is seen as one") {
  auto u =
      ParseUser(R"({"login":"dependabot[bot]","id":49699333,"type":"Bot","site_admin":false})");
  REQUIRE_MESSAGE(u.ok(), u.status().ToString());
  CHECK(u->id == 49699333);
  CHECK(u->login == "dependabot[bot]");
  CHECK(u->type == "Bot");
}

TEST_CASE("a body parses in place when it has padding and by copy when it has none") {
  std::string tight = R"([{"id":1,"number":2}])";
  tight.shrink_to_fit();
  auto a = ParseIssueList(tight);
  REQUIRE_OK(a);
  std::string padded = tight;
  ReservePadding(padded);
  CHECK(padded.capacity() >= padded.size() + kJsonPadding);
  auto b = ParseIssueList(padded);
  REQUIRE_OK(b);
  CHECK((*a)[0].number == (*b)[0].number);
}

TEST_CASE("malformed, truncated and wrong-type JSON are Corruption naming what was wrong") {
  SUBCASE("truncated array") {
    auto r = ParseIssueList(R"([{"id":1,"number":2},{"id":3,"numb)");
    REQUIRE_FALSE(r.ok());
    CHECK(IsCorruption(r.status()));
    CHECK(r.status().message().find("issues list") != std::string::npos);
  }
  SUBCASE("truncated inside an object") {
    auto r = ParseIssueCommentList(R"([{"id":1,"user":{"login":"a")");
    REQUIRE_FALSE(r.ok());
    CHECK(IsCorruption(r.status()));
  }
  SUBCASE("wrong type for a number names the field and the byte offset") {
    auto r = ParseIssueList(R"([{"id":1,"number":2},{"id":3,"number":"four"}])");
    REQUIRE_FALSE(r.ok());
    CHECK(IsCorruption(r.status()));
    const std::string& m = r.status().message();
    CHECK_MESSAGE(m.find("item 1") != std::string::npos, m);
    CHECK_MESSAGE(m.find("'number'") != std::string::npos, m);
    CHECK_MESSAGE(m.find("wrong type") != std::string::npos, m);
    CHECK_MESSAGE(m.find("at byte") != std::string::npos, m);
  }
  SUBCASE("wrong type for a nested user field") {
    auto r = ParseReviewList(R"([{"id":1,"user":{"login":"a","id":"x"}}])");
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.status().message().find("'user.id'") != std::string::npos,
                  r.status().message());
  }
  SUBCASE("wrong type for a reactions count") {
    auto r = ParseIssueList(R"([{"id":1,"reactions":{"total_count":true}}])");
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.status().message().find("reactions.total_count") != std::string::npos,
                  r.status().message());
  }
  SUBCASE("an object where a list belongs (GitHub's error body)") {
    auto r = ParseCommitList(R"({"message":"Not Found","documentation_url":"x"})");
    REQUIRE_FALSE(r.ok());
    CHECK(IsCorruption(r.status()));
    CHECK_MESSAGE(r.status().message().find("expected an array") != std::string::npos,
                  r.status().message());
  }
  SUBCASE("a list where an object belongs") {
    auto r = ParseRepo("[]");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("expected an object") != std::string::npos);
  }
  SUBCASE("garbage and empty bodies") {
    CHECK(IsCorruption(ParseIssueList("not json").status()));
    CHECK(IsCorruption(ParseIssueList("").status()));
    CHECK(IsCorruption(
        ParseSearchIssues(R"({"total_count":1,"items":[{"repository_url":5}]})").status()));
  }
  SUBCASE("trailing content after the array") {
    auto r = ParseIssueList(R"([{"id":1}] [])");
    REQUIRE_FALSE(r.ok());
    CHECK(IsCorruption(r.status()));
  }
  SUBCASE("a comment URL without a number") {
    auto r = ParseIssueCommentList(R"([{"id":1,"issue_url":"https://h/repos/o/r/issues/"}])");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("issue_url") != std::string::npos);
  }
}

TEST_CASE("URL helpers find the repository name and the trailing number") {
  CHECK(RepoFullNameFromUrl("https://api.github.com/repos/o/r") ==
        std::optional<std::string>("o/r"));
  CHECK(RepoFullNameFromUrl("https://api.github.com/repos/o/r.js/issues/3") ==
        std::optional<std::string>("o/r.js"));
  CHECK_FALSE(RepoFullNameFromUrl("https://api.github.com/users/o"));
  CHECK_FALSE(RepoFullNameFromUrl("https://api.github.com/repos/o"));
  CHECK(TrailingNumber("https://x/repos/o/r/pulls/42") == std::optional<std::int64_t>(42));
  CHECK_FALSE(TrailingNumber("https://x/repos/o/r/pulls/"));
  CHECK_FALSE(TrailingNumber(""));
}

TEST_CASE("a pulls list page reads through ParseIssueList with top-level merged_at") {
  // The harvester walks /pulls?sort=updated for numbers and updated_at; pull objects carry
  // merged_at at the top and no pull_request key.
  auto r = ParseIssueList(ReadFixture("openapi/example-pull-request-simple-items.json"));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].number == 1347);
  CHECK((*r)[0].updated_at == "2011-01-26T19:01:12Z");
  CHECK((*r)[0].merged_at == std::optional<std::string>("2011-01-26T19:01:12Z"));
  REQUIRE((*r)[0].user);
  CHECK((*r)[0].user->login == "octocat");
}

TEST_CASE("a comparison reads its status, counts and commits, and refuses what is not one") {
  const std::string commit =
      R"({"sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e","html_url":"https://github.com/o/r/commit/6dcb09b",)"
      R"("commit":{"author":{"name":"Mona","email":"m@x","date":"2011-04-14T16:00:49Z"},)"
      R"("committer":{"name":"Mona","email":"m@x","date":"2011-04-14T16:00:49Z"}},)"
      R"("author":{"login":"octocat","id":1,"type":"User"},"committer":null,"parents":[]})";
  const std::string body = R"({"url":"u","status":"ahead","ahead_by":1,"behind_by":0,)"
                           R"("total_commits":1,"base_commit":)" +
                           commit + R"(,"merge_base_commit":)" + commit + R"(,"commits":[)" +
                           commit + R"(],"files":[{"filename":"a","patch":"@@ -1 +1 @@"}]})";
  auto c = ParseComparison(body);
  REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  CHECK(c->status == "ahead");
  CHECK(c->ahead_by == 1);
  CHECK(c->total_commits == 1);
  REQUIRE(c->commits.size() == 1);
  CHECK(c->commits[0].sha == "6dcb09b5b57875f334f61aebed695e2e4193db5e");
  REQUIRE(c->commits[0].author);
  CHECK(c->commits[0].author->login == "octocat");
  CHECK(c->commits[0].committed_at == "2011-04-14T16:00:49Z");

  CHECK(c->head_sha.empty());  // no permalink_url: no head named

  auto identical = ParseComparison(R"({"status":"identical","total_commits":0,"commits":[]})");
  REQUIRE(identical.ok());
  CHECK(identical->commits.empty());

  // The head, from permalink_url as GitHub writes it (owner:sha on both sides).
  const std::string base(40, 'b'), head = "0328041d1152db8ae77652d1618a02e57f745f17";
  auto named = [](const std::string& permalink) {
    auto r =
        ParseComparison(R"({"status":"ahead","permalink_url":)" + permalink + R"(,"commits":[]})");
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    return r->head_sha;
  };
  CHECK(named("\"https://github.com/octocat/Hello-World/compare/octocat:" + base +
              "...octocat:" + head + "\"") == head);
  CHECK(named("\"https://github.com/o/r/compare/" + base + "..." + head + "\"") == head);
  CHECK(named("\"https://github.com/o/r/compare/o:" + base + "...o:" + std::string(64, 'c') +
              "\"") == std::string(64, 'c'));
  // Not a sha there (a branch name, a short or upper-case one), or null: none named.
  CHECK(named("\"https://github.com/o/r/compare/o:" + base + "...o:main\"").empty());
  CHECK(named("\"https://github.com/o/r/compare/o:" + base + "...o:0328041\"").empty());
  CHECK(named("\"https://github.com/o/r/compare/o:" + base + "...o:" + std::string(40, 'A') + "\"")
            .empty());
  CHECK(named("\"no dots\"").empty());
  CHECK(named("null").empty());
  CHECK_FALSE(ParseComparison(R"({"status":"ahead","permalink_url":7,"commits":[]})").ok());

  // Read as "nothing pushed", each of these would lose commits: they must fail, by name.
  for (const char* bad :
       {R"({"commits":[]})", R"({"status":"ahead"})", R"({"status":"ahead","commits":{}})", R"([])",
        R"({"status":"ahead","commits":[{"sha":)", R"({"status":7,"commits":[]})"}) {
    INFO(bad);
    auto r = ParseComparison(bad);
    CHECK_FALSE(r.ok());
    CHECK(IsCorruption(r.status()));
  }
  auto truncated = ParseComparison(body.substr(0, body.size() / 2));
  CHECK_FALSE(truncated.ok());
}
