#include <doctest/doctest.h>

#include <fmt/format.h>
#include <sqlite3.h>
#include "check_ok.hpp"

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "files.hpp"
#include "ghharvest/github/parse.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/store/list_pages.hpp"
#include "manual_clock.hpp"

using namespace ghharvest;
using namespace ghharvest::github;
using ghharvest::testing::ManualClock;

namespace {

std::unique_ptr<store::Database> OpenDb() {
  auto db = store::Database::Open(":memory:");
  REQUIRE_MESSAGE(db.ok(), db.status().ToString());
  return std::move(db).value();
}

UserRef U(std::int64_t id, std::string login, std::string type = "User") {
  return UserRef{id, std::move(login), std::move(type)};
}

IssueRecord Issue(std::int64_t id, std::int64_t number, std::optional<UserRef> user,
                  bool pull = false, std::string updated = "2024-01-01T00:00:00Z") {
  IssueRecord i;
  i.id = id;
  i.number = number;
  i.user = std::move(user);
  i.is_pull = pull;
  i.state = "open";
  i.title = "t" + std::to_string(number);
  i.created_at = "2024-01-01T00:00:00Z";
  i.updated_at = std::move(updated);
  return i;
}

CommentRecord Comment(std::int64_t id, std::int64_t number, std::optional<UserRef> user,
                      std::int64_t reactions = 0) {
  CommentRecord c;
  c.id = id;
  c.number = number;
  c.user = std::move(user);
  c.created_at = "2024-01-02T00:00:00Z";
  c.updated_at = "2024-01-02T00:00:00Z";
  c.reactions.total = reactions;
  c.reactions.heart = reactions;
  return c;
}

ReviewRecord Review(std::int64_t id, std::optional<UserRef> user, std::string state) {
  ReviewRecord r;
  r.id = id;
  r.user = std::move(user);
  r.submitted_at = state == "PENDING" ? "" : "2024-01-03T00:00:00Z";
  r.state = std::move(state);
  return r;
}

RepoRecord Repo(std::int64_t id, std::string name) {
  RepoRecord r;
  r.id = id;
  r.full_name = std::move(name);
  r.default_branch = "main";
  r.owner = U(900, "o", "Organization");
  return r;
}

std::int64_t Int(store::Database& db, const std::string& sql) {
  auto v = db.QueryInt(sql);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  REQUIRE_MESSAGE(v->has_value(), sql);
  return **v;
}

using CountsRow = std::vector<std::int64_t>;
// writer_project_counts as {(writer, project) -> columns commits..feedback_received}.
std::map<std::pair<std::string, std::string>, CountsRow> Counts(store::Database& db) {
  auto st = db.Prepare(
      "SELECT writer, project, commits, issues_opened, prs_opened, prs_merged, issue_comments,"
      " review_comments, reviews, reactions_received, feedback_received FROM "
      "writer_project_counts");
  REQUIRE_OK(st);
  store::StatementGuard g(**st);
  std::map<std::pair<std::string, std::string>, CountsRow> out;
  while (g->Step()) {
    CountsRow row;
    for (int c = 2; c <= 10; ++c) row.push_back(g->Int(c));
    out[{g->Text(0), g->Text(1)}] = row;
  }
  REQUIRE_OK(g->status());
  return out;
}

// A small project, with every kind of row the counts view distinguishes.
void LoadWorld(store::Ingest& in) {
  const UserRef alice = U(1, "alice"), bob = U(2, "bob"), bot = U(3, "ci[bot]", "Bot"),
                carol = U(4, "Carol");
  REQUIRE_OK(in.UpsertRepo(Repo(100, "o/r")));
  REQUIRE_OK(in.UpsertRepo(Repo(200, "o/other")));

  CommitRecord c1{"a1", alice, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", ""};
  CommitRecord c2{"a2", alice, "2024-01-02T00:00:00Z", "2024-01-02T00:00:00Z", ""};
  CommitRecord c3{"n1", std::nullopt, "2024-01-02T00:00:00Z", "2024-01-02T00:00:00Z", ""};
  CommitRecord c4{"b1", bob, "2024-01-02T00:00:00Z", "2024-01-02T00:00:00Z", ""};
  REQUIRE_OK(in.UpsertCommits(100, {c1, c2, c3, c4}));

  auto i1 = Issue(1001, 1, alice);  // issue, 3 reactions
  i1.reactions.total = 3;
  i1.reactions.plus1 = 3;
  auto i2 = Issue(1002, 2, alice, true);  // merged PR
  i2.merged_at = "2024-01-05T00:00:00Z";
  auto i3 = Issue(1003, 3, alice, true);   // open PR
  auto i4 = Issue(1004, 4, bob);           // someone else's issue
  auto i5 = Issue(1005, 5, std::nullopt);  // deleted account's issue
  REQUIRE_OK(in.UpsertIssues(100, {i1, i2, i3, i4, i5}));

  // On alice's #1: bob (feedback), the bot (not), alice herself (not), a deleted user
  // (feedback), and carol with 2 reactions (feedback). alice on bob's #4 (her comment,
  // 1 reaction received).
  REQUIRE_OK(in.UpsertIssueComments(100, {Comment(5001, 1, bob), Comment(5002, 1, bot),
                                          Comment(5003, 1, alice), Comment(5004, 1, std::nullopt),
                                          Comment(5005, 1, carol, 2), Comment(5006, 4, alice, 1)}));
  // Review comments on alice's PR #2: bob (feedback); alice's own on bob's... #2 by alice.
  auto rc1 = Comment(6001, 2, bob);
  rc1.review_id = 71;
  auto rc2 = Comment(6002, 2, alice, 4);
  REQUIRE_OK(in.UpsertReviewComments(100, {rc1, rc2}));
  // Reviews: alice reviewed bob's... PR #3 is alice's; count is per reviewer.
  REQUIRE_OK(in.UpsertReviews(
      100, 3,
      {Review(71, alice, "APPROVED"), Review(72, alice, "PENDING"), Review(73, bob, "COMMENTED")}));
  // Activity in the other project.
  REQUIRE_OK(in.UpsertIssues(200, {Issue(2001, 1, alice)}));
  REQUIRE_OK(in.UpsertWriter("Alice"));
  REQUIRE_OK(in.UpsertWriter("bob"));
}

}  // namespace

TEST_CASE("the counts view after ingest equals the hand-computed numbers") {
  auto db = OpenDb();
  store::Ingest in(*db);
  LoadWorld(in);
  auto counts = Counts(*db);
  // columns: commits, issues, prs, merged, issue_comments, review_comments, reviews,
  //          reactions_received, feedback_received
  // alice/o/r: 2 commits; issue #1; PRs #2 #3; #2 merged; comments 5003 5006; review
  // comment 6002; review 71 (72 pending); reactions 3 (#1) + 1 (5006) + 4 (6002) = 8;
  // feedback on #1: bob, deleted, carol = 3, plus bob's review comment on #2 = 4.
  CHECK(counts[{"alice", "o/r"}] == CountsRow{2, 1, 2, 1, 2, 1, 1, 8, 4});
  CHECK(counts[{"alice", "o/other"}] == CountsRow{0, 1, 0, 0, 0, 0, 0, 0, 0});
  // bob: 1 commit, issue #4, comment 5001, review comment 6001, review 73; feedback on #4:
  // alice's comment = 1.
  CHECK(counts[{"bob", "o/r"}] == CountsRow{1, 1, 0, 0, 1, 1, 1, 0, 1});
  CHECK(counts.size() == 3);
}

TEST_CASE("a login another account took counts only the account its lookup resolved") {
  auto db = OpenDb();
  store::Ingest in(*db);
  LoadWorld(in);
  const auto before = Counts(*db);
  // alice's account (id 1) was deleted and someone else signed up as alice (id 99) and
  // committed once; the store still holds id 1 under the login it last saw.
  CommitRecord mine{"c9", U(99, "alice"), "2025-06-01T00:00:00Z", "2025-06-01T00:00:00Z", ""};
  REQUIRE_OK(in.UpsertCommits(200, {mine}));
  // Before the lookup resolves the writer, the login decides: both accounts.
  auto by_login = Counts(*db);
  CHECK(by_login.at({"alice", "o/r"}) == before.at({"alice", "o/r"}));
  CHECK(by_login.at({"alice", "o/other"})[0] == 1);
  // Resolved to the new account: only its commit, in both views.
  REQUIRE_OK(in.ResolveWriterUser("Alice", 99));
  auto by_id = Counts(*db);
  CHECK(by_id.count({"alice", "o/r"}) == 0);
  CHECK(by_id.at({"alice", "o/other"}) == CountsRow{1, 0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(by_id.at({"bob", "o/r"}) == before.at({"bob", "o/r"}));  // the old comments stay his
  CHECK(Int(*db, "SELECT count(*) FROM writer_activity WHERE writer = 'alice'") == 1);
  // Resolved to the old one (the same person after all): its items, not the newcomer's.
  REQUIRE_OK(in.ResolveWriterUser("alice", 1));
  auto old_id = Counts(*db);
  CHECK(old_id.at({"alice", "o/r"}) == before.at({"alice", "o/r"}));
  CHECK(old_id.at({"alice", "o/other"}) == before.at({"alice", "o/other"}));
}

TEST_CASE("a writer whose account is gone leaves the counts, rows kept, until it is back") {
  auto db = OpenDb();
  store::Ingest in(*db);
  LoadWorld(in);
  REQUIRE_OK(in.UpsertWriter("alice-old"));  // an old login of alice's account, say
  REQUIRE_OK(in.ResolveWriterUser("alice-old", 1));
  const auto before = Counts(*db);
  const auto activity = Int(*db, "SELECT count(*) FROM writer_activity");
  // The old login's account is gone: nothing of alice's changes.
  REQUIRE_OK(in.MarkWriterGone("ALICE-OLD", "2026-03-01T00:00:00Z"));
  CHECK(Counts(*db) == before);
  REQUIRE_OK(in.MarkWriterGone("Alice", "2026-03-01T00:00:00Z"));  // any spelling
  REQUIRE_OK(in.MarkWriterGone("alice", "2026-03-02T00:00:00Z"));  // the first time stays
  auto gone_at = in.WriterGoneAt("alice");
  REQUIRE_OK(gone_at);
  CHECK(*gone_at == std::optional<std::string>("2026-03-01T00:00:00Z"));
  auto gone = Counts(*db);
  CHECK(gone.count({"alice", "o/r"}) == 0);
  CHECK(gone.count({"alice", "o/other"}) == 0);
  // bob keeps what alice gave him: GitHub keeps a deleted account's comments.
  CHECK(gone[{"bob", "o/r"}] == before.at({"bob", "o/r"}));
  // The rows a time window scores leave alike; nothing stored is lost.
  CHECK(Int(*db, "SELECT count(*) FROM writer_activity WHERE writer = 'alice'") == 0);
  CHECK(Int(*db, "SELECT count(*) FROM writer_activity") < activity);
  CHECK(Int(*db, "SELECT count(*) FROM issues") == 6);
  CHECK(Int(*db, "SELECT count(*) FROM users WHERE login = 'alice'") == 1);
  // The account answers again.
  REQUIRE_OK(in.MarkWriterBack("alice"));
  CHECK(Counts(*db) == before);
  CHECK(Int(*db, "SELECT count(*) FROM writer_activity") == activity);
  auto back = in.WriterGoneAt("alice");
  REQUIRE_OK(back);
  CHECK_FALSE(*back);
}

TEST_CASE("upserting the same pages twice changes nothing") {
  auto db = OpenDb();
  store::Ingest in(*db);
  LoadWorld(in);
  auto before = Counts(*db);
  int total_before = sqlite3_total_changes(db->raw());
  LoadWorld(in);
  CHECK(sqlite3_total_changes(db->raw()) == total_before);
  CHECK(Counts(*db) == before);
  CHECK(Int(*db, "SELECT count(*) FROM issues") == 6);
  CHECK(Int(*db, "SELECT count(*) FROM issue_comments") == 6);
  CHECK(Int(*db, "SELECT count(*) FROM users") == 5);
}

TEST_CASE("a changed item is updated in place, and an older copy never overwrites it") {
  auto db = OpenDb();
  store::Ingest in(*db);
  REQUIRE_OK(in.UpsertRepo(Repo(100, "o/r")));
  auto i = Issue(1, 1, U(1, "alice"), false, "2024-02-01T00:00:00Z");
  REQUIRE_OK(in.UpsertIssues(100, {i}));
  auto newer = i;
  newer.state = "closed";
  newer.updated_at = "2024-03-01T00:00:00Z";
  newer.reactions.total = 5;
  REQUIRE_OK(in.UpsertIssues(100, {newer}));
  CHECK(Int(*db, "SELECT reactions_total FROM issues WHERE id = 1") == 5);
  auto older = i;
  older.state = "open";
  REQUIRE_OK(in.UpsertIssues(100, {older}));
  CHECK(Int(*db, "SELECT state = 'closed' FROM issues WHERE id = 1") == 1);
  // Same updated_at, new reactions (reactions need not bump updated_at): taken.
  auto reacted = newer;
  reacted.reactions.total = 7;
  REQUIRE_OK(in.UpsertIssues(100, {reacted}));
  CHECK(Int(*db, "SELECT reactions_total FROM issues WHERE id = 1") == 7);
}

TEST_CASE("a renamed repository keeps its history under the new name") {
  auto db = OpenDb();
  store::Ingest in(*db);
  LoadWorld(in);
  auto before = Counts(*db);
  REQUIRE_OK(in.UpsertRepo(Repo(100, "o/renamed")));
  auto after = Counts(*db);
  CHECK(after[{"alice", "o/renamed"}] == before[{"alice", "o/r"}]);
  CHECK(after.count({"alice", "o/r"}) == 0);
  CHECK(Int(*db, "SELECT count(*) FROM repos WHERE id = 100") == 1);

  // The old name reused by a new repository: both keep their rows.
  REQUIRE_OK(in.UpsertRepo(Repo(300, "o/r")));
  CHECK(Int(*db, "SELECT count(*) FROM repos") == 3);
  // A name still held by another id (e.g. deleted and re-created) moves to the new id; the
  // old row keeps its history under "name#id".
  REQUIRE_OK(in.UpsertRepo(Repo(400, "o/renamed")));
  CHECK(Int(*db, "SELECT count(*) FROM repos WHERE full_name = 'o/renamed#100'") == 1);
  CHECK(Int(*db, "SELECT id FROM repos WHERE full_name = 'o/renamed'") == 400);
  CHECK(Counts(*db)[{"alice", "o/renamed#100"}] == before[{"alice", "o/r"}]);
  // Names compare case-insensitively, as GitHub's do.
  REQUIRE_OK(in.UpsertRepo(Repo(400, "O/Renamed")));
  CHECK(Int(*db, "SELECT count(*) FROM repos WHERE id = 400 AND full_name = 'O/Renamed'") == 1);
  CHECK_FALSE(in.UpsertRepo(RepoRecord{}).ok());
}

TEST_CASE("events never rename a repository backwards") {
  auto db = OpenDb();
  store::Ingest in(*db);
  REQUIRE_OK(in.UpsertRepo(Repo(100, "o/new")));
  REQUIRE_OK(in.EnsureRepo(100, "o/old"));
  CHECK(Int(*db, "SELECT count(*) FROM repos WHERE full_name = 'o/new'") == 1);
  REQUIRE_OK(in.EnsureRepo(101, "o/new"));  // a name taken by another id: nothing
  CHECK(Int(*db, "SELECT count(*) FROM repos") == 1);
  REQUIRE_OK(in.EnsureRepo(102, "o/x"));
  CHECK(Int(*db, "SELECT count(*) FROM repos") == 2);
}

TEST_CASE("a pull request first seen in an event takes its issue id from the issues list") {
  auto db = OpenDb();
  store::Ingest in(*db);
  EventRecord e;
  e.id = "1";
  e.type = "PullRequestEvent";
  e.actor = U(1, "alice", "");
  e.repo_id = 100;
  e.repo_name = "o/r";
  IssueRecord pull = Issue(424242, 7, U(1, "alice", ""), true, "2024-01-03T00:00:00Z");
  pull.from_pull_object = true;
  pull.merged_at = "2024-01-03T00:00:00Z";
  e.issue = pull;
  store::EventIngestCounts counts;
  REQUIRE_OK(in.UpsertEvent(e, &counts));
  CHECK(counts.issues == 1);
  CHECK(Int(*db, "SELECT id FROM issues WHERE number = 7") == -424242);
  REQUIRE_OK(in.UpsertEvent(e));  // replay
  CHECK(Int(*db, "SELECT count(*) FROM issues") == 1);

  auto from_list = Issue(9007, 7, U(1, "alice"), true, "2024-01-03T00:00:00Z");
  from_list.merged_at = "2024-01-03T00:00:00Z";
  from_list.reactions.total = 2;
  REQUIRE_OK(in.UpsertIssues(100, {from_list}));
  CHECK(Int(*db, "SELECT count(*) FROM issues") == 1);
  CHECK(Int(*db, "SELECT id FROM issues WHERE number = 7") == 9007);
  CHECK(Int(*db, "SELECT reactions_total FROM issues WHERE number = 7") == 2);
  // A later pull object leaves the issue id and rollup alone.
  pull.updated_at = "2024-02-01T00:00:00Z";
  pull.state = "closed";
  e.issue = pull;
  REQUIRE_OK(in.UpsertEvent(e));
  CHECK(Int(*db, "SELECT id FROM issues WHERE number = 7") == 9007);
  CHECK(Int(*db, "SELECT reactions_total FROM issues WHERE number = 7") == 2);
  CHECK(Int(*db, "SELECT state = 'closed' FROM issues WHERE number = 7") == 1);
}

// GitHub's own examples: the issues list's pull request #1347 carries a pull_request object
// without merged_at (as older servers send it), the pulls list's #1347 carries merged_at.
TEST_CASE("prs_merged comes from the pulls list when the issues list lacks it, in either order") {
  auto issues = ParseIssueList(testing::ReadFixture("openapi/example-issue-items.json"));
  auto pulls =
      ParseIssueList(testing::ReadFixture("openapi/example-pull-request-simple-items.json"));
  REQUIRE_OK(issues);
  REQUIRE_OK(pulls);
  REQUIRE(issues->size() == 1);
  REQUIRE(pulls->size() == 1);
  REQUIRE((*issues)[0].is_pull);
  REQUIRE_FALSE((*issues)[0].merged_at.has_value());
  REQUIRE((*pulls)[0].merged_at == std::string("2011-01-26T19:01:12Z"));
  auto issue = (*issues)[0];
  issue.reactions.total = 5;  // the rollup only the issues list carries
  issue.comments = 3;
  for (bool pulls_first : {false, true}) {
    CAPTURE(pulls_first);
    auto db = OpenDb();
    store::Ingest in(*db);
    if (pulls_first) REQUIRE_OK(in.RecordPullsMerged(100, *pulls));
    REQUIRE_OK(in.UpsertIssues(100, {issue}));
    if (!pulls_first) REQUIRE_OK(in.RecordPullsMerged(100, *pulls));
    // One row, under the issue's id, merged, with the issues list's rollup and comments.
    CHECK(Int(*db, "SELECT count(*) FROM issues") == 1);
    CHECK(Int(*db, "SELECT id FROM issues WHERE number = 1347") == issue.id);
    CHECK(Int(*db, "SELECT merged_at = '2011-01-26T19:01:12Z' FROM issues") == 1);
    CHECK(Int(*db, "SELECT reactions_total FROM issues") == 5);
    CHECK(Int(*db, "SELECT comments FROM issues") == 3);
    CHECK(Int(*db, "SELECT is_pull FROM issues") == 1);
    // The issues list read again (still without merged_at) does not unmerge it.
    REQUIRE_OK(in.UpsertIssues(100, {issue}));
    auto again = issue;
    again.updated_at = "2030-01-01T00:00:00Z";
    REQUIRE_OK(in.UpsertIssues(100, {again}));
    CHECK(Int(*db, "SELECT merged_at IS NOT NULL FROM issues") == 1);
    // And the pulls list read again changes nothing.
    REQUIRE_OK(in.RecordPullsMerged(100, *pulls));
    CHECK(Int(*db, "SELECT count(*) FROM issues") == 1);
    CHECK(Int(*db, "SELECT reactions_total FROM issues") == 5);
  }
  // A pull request the pulls list shows unmerged records nothing.
  auto db = OpenDb();
  store::Ingest in(*db);
  auto open_pull = *pulls;
  open_pull[0].merged_at.reset();
  REQUIRE_OK(in.RecordPullsMerged(100, open_pull));
  CHECK(Int(*db, "SELECT count(*) FROM issues") == 0);
}

TEST_CASE("items missing from a re-read stretch become tombstones and leave the counts") {
  auto db = OpenDb();
  store::Ingest in(*db);
  store::ListPages pages(*db);
  REQUIRE_OK(
      in.UpsertIssueComments(100, {Comment(10, 1, U(1, "alice")), Comment(11, 1, U(1, "alice"), 4),
                                   Comment(12, 1, U(2, "bob")), Comment(13, 1, U(2, "bob"))}));
  REQUIRE_OK(in.UpsertIssueComments(200, {Comment(12000, 1, U(1, "alice"))}));
  // The stretch (10, 13] re-read holds 12 and 13: 11 is gone; 10 is outside the stretch.
  auto n = pages.TombstoneMissing(store::ItemTable::kIssueComments, 100, 10, 13, {12, 13},
                                  "2026-01-05T00:00:00Z");
  REQUIRE_OK(n);
  CHECK(*n == 1);
  CHECK(Int(*db, "SELECT count(*) FROM issue_comments WHERE id = 11") == 0);
  CHECK(Int(*db, "SELECT count(*) FROM issue_comments") == 4);
  CHECK(Int(*db,
            "SELECT count(*) FROM tombstones WHERE kind = 'issue_comment' AND id = 11 AND"
            " repo_id = 100 AND reactions_total = 4 AND noticed_at = '2026-01-05T00:00:00Z'") == 1);
  // An open upper bound reaches the end; another repository's rows are never touched.
  auto rest = pages.AnyAfter(store::ItemTable::kIssueComments, 100, 13);
  REQUIRE_OK(rest);
  CHECK_FALSE(*rest);
  n = pages.TombstoneMissing(store::ItemTable::kIssueComments, 100, std::nullopt, std::nullopt,
                             {10}, "2026-01-06T00:00:00Z");
  REQUIRE_OK(n);
  CHECK(*n == 2);
  CHECK(Int(*db, "SELECT count(*) FROM issue_comments WHERE repo_id = 200") == 1);
  auto count = pages.CountTombstones(100);
  REQUIRE_OK(count);
  CHECK(*count == 3);
  // An item seen again is alive: its tombstone goes when it is stored and listed again.
  REQUIRE_OK(in.UpsertIssueComments(100, {Comment(11, 1, U(1, "alice"), 4)}));
  n = pages.TombstoneMissing(store::ItemTable::kIssueComments, 100, std::nullopt, std::nullopt,
                             {10, 11}, "2026-01-07T00:00:00Z");
  REQUIRE_OK(n);
  count = pages.CountTombstones(100);
  REQUIRE_OK(count);
  CHECK(*count == 2);
  // Page ends round-trip; shorter lists forget their later pages.
  REQUIRE_OK(pages.Set("issue_comments", "o/r", 1, {13}, "2026-01-07T00:00:00Z"));
  REQUIRE_OK(pages.Set("issue_comments", "o/r", 2, {std::nullopt}, "2026-01-07T00:00:00Z"));
  auto p1 = pages.Get("issue_comments", "o/r", 1);
  REQUIRE_OK(p1);
  REQUIRE(p1->has_value());
  CHECK((*p1)->last_id == 13);
  REQUIRE_OK(pages.DropAfter("issue_comments", "o/r", 1));
  auto p2 = pages.Get("issue_comments", "o/r", 2);
  REQUIRE_OK(p2);
  CHECK_FALSE(p2->has_value());
  // Issues: stand-ins for pull requests (negative ids) are never tombstoned.
  auto pull = Issue(777, 9, U(1, "alice"), true);
  pull.from_pull_object = true;
  REQUIRE_OK(in.UpsertIssues(100, {pull, Issue(5, 1, U(1, "alice"))}));
  n = pages.TombstoneMissing(store::ItemTable::kIssues, 100, std::nullopt, std::nullopt, {},
                             "2026-01-07T00:00:00Z");
  REQUIRE_OK(n);
  CHECK(*n == 1);
  CHECK(Int(*db, "SELECT count(*) FROM issues WHERE id = -777") == 1);
}

TEST_CASE("commits a whole read of the branch no longer lists are buried, and come back") {
  auto db = OpenDb();
  store::Ingest in(*db);
  store::ListPages pages(*db);
  REQUIRE_OK(in.UpsertRepo(Repo(100, "o/r")));
  REQUIRE_OK(in.UpsertRepo(Repo(200, "o/other")));
  const UserRef alice = U(1, "alice");
  auto commit = [&](const char* sha) {
    return CommitRecord{sha, alice, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", ""};
  };
  REQUIRE_OK(in.UpsertCommits(100, {commit("a1"), commit("a2"), commit("a3")}));
  REQUIRE_OK(in.UpsertCommits(200, {commit("a2")}));  // another repository's: never judged
  REQUIRE_OK(in.UpsertWriter("alice"));
  CHECK(Counts(*db)[{"alice", "o/r"}][0] == 3);
  auto n = pages.BuryCommitsNotListed(100, {"a3", "a1", "zz"}, "2024-02-01T00:00:00Z");
  REQUIRE_OK(n);
  CHECK(*n == 1);
  CHECK(Counts(*db)[{"alice", "o/r"}][0] == 2);
  CHECK(Counts(*db)[{"alice", "o/other"}][0] == 1);
  CHECK(Int(*db,
            "SELECT COUNT(*) FROM commit_tombstones WHERE repo_id = 100 AND sha = 'a2'"
            " AND author_id = 1 AND noticed_at = '2024-02-01T00:00:00Z'") == 1);
  auto buried = pages.CountCommitTombstones(100);
  REQUIRE_OK(buried);
  CHECK(*buried == 1);
  // The branch restored: a2 is listed again, stored again and loses its tombstone.
  REQUIRE_OK(in.UpsertCommits(100, {commit("a2")}));
  CHECK(Int(*db, "SELECT COUNT(*) FROM commit_tombstones") == 0);  // by a comparison, say
  n = pages.BuryCommitsNotListed(100, {"a1", "a2", "a3"}, "2024-03-01T00:00:00Z");
  REQUIRE_OK(n);
  CHECK(*n == 0);
  CHECK(Counts(*db)[{"alice", "o/r"}][0] == 3);
  buried = pages.CountCommitTombstones();
  REQUIRE_OK(buried);
  CHECK(*buried == 0);
  // An empty branch buries everything of the repository.
  n = pages.BuryCommitsNotListed(100, {}, "2024-04-01T00:00:00Z");
  REQUIRE_OK(n);
  CHECK(*n == 3);
  CHECK(Counts(*db).count({"alice", "o/r"}) == 0);
}

TEST_CASE("a per-writer list's stretch tombstones only its writer's missing items") {
  auto db = OpenDb();
  store::Ingest in(*db);
  store::ListPages pages(*db);
  REQUIRE_OK(in.UpsertIssues(100, {Issue(1, 1, U(1, "Alice")), Issue(2, 2, U(2, "bob")),
                                   Issue(3, 3, U(1, "Alice")), Issue(4, 4, U(2, "bob"))}));
  // Alice's list shows issue 3 only: her issue 1 is gone, bob's 2 and 4 are not hers to judge.
  auto n = pages.TombstoneMissing(store::ItemTable::kIssues, 100, std::nullopt, std::nullopt, {3},
                                  "2026-01-05T00:00:00Z", "alice");
  REQUIRE_OK(n);
  CHECK(*n == 1);
  CHECK(Int(*db, "SELECT count(*) FROM issues WHERE id = 1") == 0);
  CHECK(Int(*db, "SELECT count(*) FROM issues WHERE id IN (2, 3, 4)") == 3);
  CHECK(Int(*db, "SELECT count(*) FROM tombstones WHERE kind = 'issue' AND id = 1") == 1);
  // Whether anything of hers lies past her list's end: bob's issue 4 does not count.
  auto after = pages.AnyAfter(store::ItemTable::kIssues, 100, 3, "ALICE");
  REQUIRE_OK(after);
  CHECK_FALSE(*after);
  after = pages.AnyAfter(store::ItemTable::kIssues, 100, 3);
  REQUIRE_OK(after);
  CHECK(*after);
  after = pages.AnyAfter(store::ItemTable::kIssues, 100, 3, "bob");
  REQUIRE_OK(after);
  CHECK(*after);
  // How full a stretch is: everyone's or one writer's, open bounds, tombstoned rows gone.
  auto held = pages.CountStretch(store::ItemTable::kIssues, 100, std::nullopt, std::nullopt);
  REQUIRE_OK(held);
  CHECK(*held == 3);
  held = pages.CountStretch(store::ItemTable::kIssues, 100, 2, 4);
  REQUIRE_OK(held);
  CHECK(*held == 2);
  held = pages.CountStretch(store::ItemTable::kIssues, 100, std::nullopt, 4, "BOB");
  REQUIRE_OK(held);
  CHECK(*held == 2);
  held = pages.CountStretch(store::ItemTable::kIssues, 200, std::nullopt, std::nullopt);
  REQUIRE_OK(held);
  CHECK(*held == 0);

  // bob's login now belongs to a new account (id 9, resolved by the writer's lookup): his
  // list speaks for its items only, and the old account's issues 2 and 4 are not judged.
  REQUIRE_OK(in.UpsertIssues(100, {Issue(5, 5, U(9, "bob"))}));
  REQUIRE_OK(in.UpsertWriter("bob"));
  REQUIRE_OK(in.ResolveWriterUser("bob", 9));
  n = pages.TombstoneMissing(store::ItemTable::kIssues, 100, std::nullopt, std::nullopt, {5},
                             "2026-01-06T00:00:00Z", "bob");
  REQUIRE_OK(n);
  CHECK(*n == 0);
  CHECK(Int(*db, "SELECT count(*) FROM issues WHERE id IN (2, 4, 5)") == 3);
  held = pages.CountStretch(store::ItemTable::kIssues, 100, std::nullopt, std::nullopt, "bob");
  REQUIRE_OK(held);
  CHECK(*held == 1);
}

TEST_CASE("a repository's issue share: all its stored issues, and those its writers opened") {
  auto db = OpenDb();
  store::Ingest in(*db);
  store::ListPages pages(*db);
  auto pull = Issue(777, 9, U(1, "Alice"), true);
  pull.from_pull_object = true;  // a stand-in row (negative id): not an item of the list
  REQUIRE_OK(in.UpsertIssues(100, {Issue(1, 1, U(1, "Alice")), Issue(2, 2, U(2, "bob")),
                                   Issue(3, 3, U(3, "carol")), Issue(4, 4, U(1, "Alice")), pull}));
  REQUIRE_OK(in.UpsertIssues(200, {Issue(5, 1, U(1, "Alice"))}));
  auto share = pages.IssueShare(100, {"alice", "dave"});  // logins compare without case
  REQUIRE_OK(share);
  CHECK(share->total == 4);
  CHECK(share->own == 2);
  share = pages.IssueShare(100, {"alice", "BOB"});
  REQUIRE_OK(share);
  CHECK(share->own == 3);
  share = pages.IssueShare(100, {});
  REQUIRE_OK(share);
  CHECK(share->total == 4);
  CHECK(share->own == 0);
  REQUIRE_OK(pages.TombstoneMissing(store::ItemTable::kIssues, 100, std::nullopt, std::nullopt,
                                    {2, 3, 4}, "2026-01-05T00:00:00Z"));
  share = pages.IssueShare(100, {"alice"});  // a tombstoned issue is no longer stored
  REQUIRE_OK(share);
  CHECK(share->total == 3);
  CHECK(share->own == 1);
}

TEST_CASE("user types: actors without a type keep a known Bot, [bot] logins start as bots") {
  auto db = OpenDb();
  store::Ingest in(*db);
  REQUIRE_OK(in.UpsertUser(U(1, "helper", "Bot")));
  REQUIRE_OK(in.UpsertUser(U(1, "helper", "")));
  CHECK(Int(*db, "SELECT is_bot FROM users WHERE id = 1") == 1);
  REQUIRE_OK(in.UpsertUser(U(2, "renovate[bot]", "")));
  CHECK(Int(*db, "SELECT type = 'Bot' FROM users WHERE id = 2") == 1);
  REQUIRE_OK(in.UpsertUser(U(3, "dave", "")));
  CHECK(Int(*db, "SELECT type = 'User' FROM users WHERE id = 3") == 1);
  REQUIRE_OK(in.UpsertUser(U(3, "Dave2", "User")));  // a login rename
  CHECK(Int(*db, "SELECT login = 'Dave2' FROM users WHERE id = 3") == 1);
  REQUIRE_OK(in.UpsertUser(U(0, "nobody")));  // no id: nothing to key by
  CHECK(Int(*db, "SELECT count(*) FROM users") == 3);
}

TEST_CASE("watermarks round-trip and are absent until set") {
  auto db = OpenDb();
  store::Ingest in(*db);
  auto none = in.GetWatermark("issues", "alice@o/r");
  REQUIRE_OK(none);
  CHECK_FALSE(none->has_value());
  REQUIRE_OK(in.SetWatermark("issues", "alice@o/r", "2024-01-01T00:00:00Z", std::nullopt));
  auto w = in.GetWatermark("issues", "alice@o/r");
  REQUIRE_OK(w);
  REQUIRE(w->has_value());
  CHECK((*w)->watermark == std::optional<std::string>("2024-01-01T00:00:00Z"));
  CHECK_FALSE((*w)->cursor);
  REQUIRE_OK(in.SetWatermark("issues", "alice@o/r", "2024-02-01T00:00:00Z", "etag-1"));
  w = in.GetWatermark("issues", "alice@o/r");
  CHECK((*w)->watermark == std::optional<std::string>("2024-02-01T00:00:00Z"));
  CHECK((*w)->cursor == std::optional<std::string>("etag-1"));
  CHECK_FALSE(in.GetWatermark("issues", "bob@o/r")->has_value());
  CHECK(Int(*db, "SELECT count(*) FROM sync_state") == 1);
}

TEST_CASE("a watermark set in a rolled-back page transaction is not kept") {
  auto db = OpenDb();
  store::Ingest in(*db);
  {
    store::Transaction tx(*db);
    REQUIRE_OK(tx.status());
    REQUIRE_OK(in.UpsertIssues(100, {Issue(1, 1, U(1, "a"))}));
    REQUIRE_OK(in.SetWatermark("issues", "s", "2024-01-01T00:00:00Z", std::nullopt));
  }  // no Commit: a crash mid-page
  CHECK_FALSE(in.GetWatermark("issues", "s")->has_value());
  CHECK(Int(*db, "SELECT count(*) FROM issues") == 0);
}

TEST_CASE("watches: added once, resolved, marked gone, reactivated, listed") {
  auto db = OpenDb();
  store::Ingest in(*db);
  REQUIRE_OK(in.AddWatch("Alice", "o/r", "config"));
  REQUIRE_OK(in.AddWatch("alice", "O/R", "search"));  // same watch, case-insensitively
  REQUIRE_OK(in.AddWatch("alice", "o/x", "events"));
  REQUIRE_OK(in.ResolveWatch("alice", "o/r", 100));
  REQUIRE_OK(in.MarkWatchGone("alice", "o/x"));
  auto list = in.ListWatches();
  REQUIRE_OK(list);
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].writer == "Alice");
  CHECK((*list)[0].source == "config");
  CHECK((*list)[0].repo_id == std::optional<std::int64_t>(100));
  CHECK((*list)[0].status == "active");
  CHECK((*list)[1].status == "gone");
  CHECK((*list)[1].gone_at.has_value());
  CHECK_FALSE((*list)[1].repo_id);
  REQUIRE_OK(in.ReactivateWatch("alice", "o/x"));
  list = in.ListWatches();
  CHECK((*list)[1].status == "active");
  CHECK_FALSE((*list)[1].gone_at);
}

TEST_CASE("writers resolve to user ids, errors are recorded for status") {
  auto db = OpenDb();
  store::Ingest in(*db);
  REQUIRE_OK(in.UpsertWriter("Alice"));
  REQUIRE_OK(in.UpsertWriter("alice"));
  CHECK(Int(*db, "SELECT count(*) FROM writers") == 1);
  REQUIRE_OK(in.ResolveWriterUser("ALICE", 42));
  CHECK(Int(*db, "SELECT user_id FROM writers") == 42);
  REQUIRE_OK(in.ResolveWriterUser("nobody", 43));
  CHECK(Int(*db, "SELECT count(*) FROM writers WHERE user_id = 43") == 0);
  REQUIRE_OK(in.RecordError("alice@o/r", "https://api.github.com/x", "boom"));
  CHECK(Int(*db, "SELECT count(*) FROM sync_errors WHERE message = 'boom'") == 1);
}

namespace {

std::string Text(store::Database& db, const std::string& sql) {
  auto st = db.Prepare(sql);
  REQUIRE_MESSAGE(st.ok(), st.status().ToString());
  store::StatementGuard g(**st);
  REQUIRE_MESSAGE(g->Step(), sql);
  return g->Text(0);
}

// `n` rows dated `at`, inserted the way a long-running daemon would have left them.
void FillErrors(store::Database& db, int n, const std::string& at, const std::string& message) {
  REQUIRE_OK(
      db.Exec(fmt::format("WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k "
                          "WHERE i < {}) INSERT INTO sync_errors(at, scope, url, message) "
                          "SELECT '{}', 'o/r', 'https://api.github.com/x', '{}' FROM k",
                          n, at, message)));
}

}  // namespace

TEST_CASE("sync_errors keeps no row older than 30 days by the Clock, dating new rows by it") {
  auto db = OpenDb();
  ManualClock clock("2026-03-01T12:00:00Z");  // 30 days before: 2026-01-30T12:00:00Z
  FillErrors(*db, 3, "2025-12-01T00:00:00Z", "ancient");
  FillErrors(*db, 2, "2026-01-30T11:59:59Z", "just over 30 days");
  FillErrors(*db, 2, "2026-01-30T12:00:00Z", "exactly 30 days");
  FillErrors(*db, 2, "2026-02-20T00:00:00Z", "recent");
  store::Ingest in(*db);
  REQUIRE_OK(in.RecordError("alice@o/r", "https://api.github.com/y", "new", clock.Now()));
  CHECK(Int(*db, "SELECT count(*) FROM sync_errors") == 5);
  CHECK(Int(*db,
            "SELECT count(*) FROM sync_errors WHERE message IN ('ancient', "
            "'just over 30 days')") == 0);
  CHECK(Int(*db, "SELECT count(*) FROM sync_errors WHERE message = 'exactly 30 days'") == 2);
  CHECK(Int(*db, "SELECT count(*) FROM sync_errors WHERE message = 'recent'") == 2);
  CHECK(Text(*db, "SELECT at FROM sync_errors WHERE message = 'new'") == "2026-03-01T12:00:00Z");

  // Rows age out as the Clock moves on: 30 days and a minute later only the newest is left.
  clock.Advance(std::chrono::hours(24 * 30) + std::chrono::minutes(1));
  REQUIRE_OK(in.RecordError("alice@o/r", "https://api.github.com/y", "newer", clock.Now()));
  CHECK(Int(*db, "SELECT count(*) FROM sync_errors") == 1);
  CHECK(Text(*db, "SELECT message FROM sync_errors") == "newer");
}

TEST_CASE("sync_errors keeps the newest 10,000 rows after every insert") {
  auto db = OpenDb();
  ManualClock clock("2026-03-01T12:00:00Z");
  FillErrors(*db, 10050, "2026-02-28T00:00:00Z", "fresh");
  const std::int64_t last_filled = Int(*db, "SELECT max(id) FROM sync_errors");
  store::Ingest in(*db);
  for (int i = 0; i < 3; ++i) {
    REQUIRE_OK(
        in.RecordError("o/r", "https://api.github.com/x", fmt::format("new {}", i), clock.Now()));
    CHECK(Int(*db, "SELECT count(*) FROM sync_errors") == 10000);
  }
  // The oldest went, by id: the kept rows are exactly the newest 10,000.
  CHECK(Int(*db, "SELECT min(id) FROM sync_errors") == last_filled + 3 - 9999);
  CHECK(Int(*db, "SELECT count(*) FROM sync_errors WHERE message LIKE 'new %'") == 3);
}

TEST_CASE("without a Clock sync_errors rows are dated and aged by SQLite's now") {
  auto db = OpenDb();
  FillErrors(*db, 2, "2000-01-01T00:00:00Z", "ancient");
  store::Ingest in(*db);
  REQUIRE_OK(in.RecordError("o/r", "https://api.github.com/x", "new"));
  CHECK(Int(*db, "SELECT count(*) FROM sync_errors") == 1);
  CHECK(Int(*db,
            "SELECT count(*) FROM sync_errors WHERE message = 'new' AND "
            "at >= strftime('%Y-%m-%dT%H:%M:%SZ','now','-1 minute')") == 1);
}

TEST_CASE("parsed fixture pages store and count through the view") {
  auto db = OpenDb();
  store::Ingest in(*db);
  auto issues = ParseIssueList(
      R"([{"id":11,"number":1,"user":{"id":1,"login":"alice","type":"User"},"created_at":"2024-01-01T00:00:00Z",
          "updated_at":"2024-01-01T00:00:00Z","pull_request":{"merged_at":"2024-01-02T00:00:00Z"},
          "reactions":{"total_count":2,"+1":1,"heart":1}}])");
  REQUIRE_OK(issues);
  REQUIRE_OK(in.UpsertRepo(Repo(100, "o/r")));
  REQUIRE_OK(in.UpsertWriter("alice"));
  REQUIRE_OK(in.UpsertIssues(100, *issues));
  auto counts = Counts(*db);
  CHECK(counts[{"alice", "o/r"}] == CountsRow{0, 0, 1, 1, 0, 0, 0, 2, 0});
}

TEST_CASE("storage failures come back as Status, not crashes") {
  auto db = OpenDb();
  store::Ingest in(*db);
  REQUIRE(db->Exec("DROP VIEW writer_activity; DROP VIEW writer_project_counts;"
                   " DROP TABLE issues")
              .ok());
  Status s = in.UpsertIssues(100, {Issue(1, 1, U(1, "a"))});
  CHECK_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kIOError);
}

TEST_CASE("old events never undo a login rename or a review's newer state") {
  auto db = OpenDb();
  store::Ingest in(*db);
  REQUIRE_OK(in.UpsertUser(U(1, "alice-renamed")));
  REQUIRE_OK(in.UpsertReviews(100, 4, {Review(31, U(2, "bob"), "DISMISSED")}));
  EventRecord e;
  e.id = "1";
  e.type = "PullRequestReviewEvent";
  e.actor = U(2, "bob", "");
  e.repo_id = 100;
  e.repo_name = "o/r";
  auto pull = Issue(9, 4, U(1, "alice-old"), true);
  pull.from_pull_object = true;
  e.issue = pull;
  auto review = Review(31, U(2, "bob"), "APPROVED");
  review.pull_number = 4;
  e.review = review;
  e.created_at = "2020-01-01T00:00:00Z";
  REQUIRE_OK(in.UpsertEvent(e));
  CHECK(Int(*db, "SELECT login = 'alice-renamed' FROM users WHERE id = 1") == 1);
  CHECK(Int(*db, "SELECT state = 'DISMISSED' FROM reviews WHERE id = 31") == 1);
  // Outside events, the API's word wins again.
  REQUIRE_OK(in.UpsertUser(U(1, "alice3")));
  CHECK(Int(*db, "SELECT login = 'alice3' FROM users WHERE id = 1") == 1);
  // A review first seen in an event is stored.
  e.review->id = 32;
  REQUIRE_OK(in.UpsertEvent(e));
  CHECK(Int(*db, "SELECT count(*) FROM reviews WHERE id = 32 AND pull_number = 4") == 1);
}

TEST_CASE("sync state: a walk marker, a next-poll time and a watermark each keep their place") {
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  store::Ingest in(**db);
  REQUIRE_OK(in.MarkWalking("pulls", "o/r", std::string("2026-01-01T00:00:00Z")));
  auto wm = in.GetWatermark("pulls", "o/r");
  REQUIRE_OK(wm);
  REQUIRE(wm->has_value());
  CHECK((*wm)->walking);
  CHECK((*wm)->watermark == std::optional<std::string>("2026-01-01T00:00:00Z"));
  CHECK_FALSE((*wm)->cursor);
  // Moving the watermark ends the walk.
  REQUIRE_OK(in.SetWatermark("pulls", "o/r", std::string("2026-01-02T00:00:00Z"), std::nullopt));
  wm = in.GetWatermark("pulls", "o/r");
  REQUIRE_OK(wm);
  CHECK_FALSE((*wm)->walking);
  CHECK((*wm)->watermark == std::optional<std::string>("2026-01-02T00:00:00Z"));

  // A next-poll time and a watermark on one row do not overwrite each other.
  REQUIRE_OK(in.SetWatermark("events", "alice", std::string("2026-01-05T00:00:00Z"), std::nullopt));
  REQUIRE_OK(in.SetNextPoll("events", "alice", "2026-01-05T00:01:00Z"));
  REQUIRE_OK(in.SetWatermark("events", "alice", std::string("2026-01-06T00:00:00Z"), std::nullopt));
  wm = in.GetWatermark("events", "alice");
  REQUIRE_OK(wm);
  CHECK((*wm)->next_poll_at == std::optional<std::string>("2026-01-05T00:01:00Z"));
  CHECK((*wm)->watermark == std::optional<std::string>("2026-01-06T00:00:00Z"));
}

TEST_CASE("rate limits are kept per resource, the latest seen replacing the one before") {
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  store::Ingest in(**db);
  store::RateLimitRow row{"core", 5000, 4999, 1, "2026-01-01T01:00:00Z"};
  REQUIRE_OK(in.RecordRateLimit(row));
  row.remaining = 4000;
  row.used = std::nullopt;
  REQUIRE_OK(in.RecordRateLimit(row));
  REQUIRE_OK(in.RecordRateLimit({"search", 30, 29, 1, "2026-01-01T00:01:00Z"}));
  auto n = (*db)->QueryInt("SELECT COUNT(*) FROM rate_limits");
  REQUIRE_OK(n);
  CHECK(n->value_or(0) == 2);
  auto core = (*db)->QueryInt(
      "SELECT remaining = 4000 AND used IS NULL FROM rate_limits WHERE resource = 'core'");
  REQUIRE_OK(core);
  CHECK(core->value_or(0) == 1);
}
