// GH Archive's payload generations through the importer into the counts: 2011-2014 timeline
// lines, today's Events API lines, and the payloads GitHub trims since 2025-10-07; and what a
// REST harvest does to rows an import stored first (and the other way round).
#include <doctest/doctest.h>

#include <sqlite3.h>
#include "check_ok.hpp"

#include <string>
#include <vector>

#include "files.hpp"
#include "ghharvest/archive/import_archive.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/ingest.hpp"

using namespace ghharvest;
using ghharvest::Status;
using ghharvest::testing::WriteGz;

namespace {

std::int64_t Int(store::Database& db, const std::string& sql) {
  auto v = db.QueryInt(sql);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  REQUIRE(v->has_value());
  return **v;
}

std::int64_t Count(store::Database& db, const std::string& column, const std::string& writer) {
  return Int(db, "SELECT COALESCE(SUM(" + column +
                     "), 0) FROM writer_project_counts WHERE writer = '" + writer + "'");
}

// Timeline lines in the shapes of GH Archive's 2012-2014 files (string actor with
// actor_attributes, a `repository` object, no id, times with an offset).
std::string Timeline(const std::string& type, const std::string& actor, const std::string& when,
                     const std::string& payload, const std::string& url) {
  return R"({"created_at":")" + when + R"(","type":")" + type + R"(","actor":")" + actor +
         R"(","actor_attributes":{"login":")" + actor +
         R"(","type":"User"},"repository":{"id":77,"name":"r","owner":"o",)"
         R"("url":"https://github.com/o/r","fork":false},"payload":)" +
         payload + R"(,"public":true,"url":")" + url + "\"}\n";
}

std::string TimelineArchive() {
  std::string text;
  // 2012: alice opens #3 (the issue by id), bob comments on it (by ids, number in the url).
  text +=
      Timeline("IssuesEvent", "alice", "2012-03-10T07:00:01-08:00",
               R"({"action":"opened","number":3,"issue":9001})", "https://github.com/o/r/issues/3");
  text += Timeline("IssueCommentEvent", "bob", "2012-03-10T08:00:00-08:00",
                   R"({"issue_id":9001,"comment_id":555})",
                   "https://github.com/o/r/issues/3#issuecomment-555");
  // bob closes it: the closer is not the author.
  text +=
      Timeline("IssuesEvent", "bob", "2012-03-11T08:00:00-08:00",
               R"({"action":"closed","number":3,"issue":9001})", "https://github.com/o/r/issues/3");
  // 2013: a plain issue with all-null pull_request links, and a merged pull request.
  text += Timeline(
      "IssuesEvent", "alice", "2013-05-01T10:00:00-07:00",
      R"({"action":"opened","issue":{"id":9002,"number":5,"user":{"id":5,"login":"alice"},)"
      R"("state":"open","title":"Crash","comments":0,"created_at":"2013-05-01T17:00:00Z",)"
      R"("updated_at":"2013-05-01T17:00:00Z","pull_request":{"html_url":null,"diff_url":null,)"
      R"("patch_url":null}}})",
      "https://github.com/o/r/issues/5");
  text += Timeline("PullRequestEvent", "alice", "2013-06-01T10:00:00-07:00",
                   R"({"action":"closed","number":4,"pull_request":{"id":424242,"number":4,)"
                   R"("user":{"id":5,"login":"alice"},"state":"closed","title":"Fix",)"
                   R"("created_at":"2013-05-30T10:00:00Z","updated_at":"2013-06-01T17:00:00Z",)"
                   R"("merged_at":"2013-06-01T17:00:00Z"}})",
                   "https://github.com/o/r/pull/4");
  // A review comment by bob on #4, and a push (nothing to store from a push).
  text += Timeline("PullRequestReviewCommentEvent", "bob", "2013-06-01T09:00:00-07:00",
                   R"({"comment":{"id":777,"user":{"id":6,"login":"bob"},"path":"a.c",)"
                   R"("created_at":"2013-06-01T16:00:00Z","updated_at":"2013-06-01T16:00:00Z"}})",
                   "https://github.com/o/r/pull/4#discussion_r777");
  text += Timeline("PushEvent", "alice", "2011-04-01T00:00:00-07:00",
                   R"({"shas":[["abc","a@example.org","msg","Alice",true]],"size":1,)"
                   R"("ref":"refs/heads/master","head":"abc"})",
                   "https://github.com/o/r/compare/a...b");
  // A counted kind of a shape nobody documented: reported, not guessed.
  text += Timeline("IssueCommentEvent", "bob", "2012-03-12T08:00:00-08:00", R"({})",
                   "https://github.com/o/r/issues/3");
  return text;
}

std::unique_ptr<store::Database> KnownWriters() {
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  // A first sync resolved the accounts; timeline actors are matched to them by login.
  REQUIRE_OK((*db)->Exec("INSERT INTO writers(login, user_id) VALUES('Alice', 5)"));
  REQUIRE_OK((*db)->Exec("INSERT INTO users(id, login) VALUES(5, 'alice'), (6, 'bob')"));
  return std::move(db).value();
}

}  // namespace

TEST_CASE("2011-2014 timeline lines import with the right counts") {
  ghharvest::testing::TempDir dir;
  std::string gz = dir.file("2012-03-10-15.json.gz");
  WriteGz(gz, TimelineArchive());
  auto db = KnownWriters();
  archive::ImportStats stats;
  REQUIRE_OK(archive::ImportArchiveFile(*db, gz, {}, &stats));
  CHECK(stats.lines == 8);
  CHECK(stats.events == 7);
  CHECK(stats.bad_lines == 1);
  REQUIRE(stats.errors.size() == 1);
  CHECK_MESSAGE(stats.errors[0].find(gz + ":8:") == 0, stats.errors[0]);
  CHECK(stats.errors[0].find("IssueCommentEvent of an unknown shape") != std::string::npos);

  CHECK(Count(*db, "issues_opened", "alice") == 2);  // #3 and #5, the null-links issue
  CHECK(Count(*db, "prs_opened", "alice") == 1);
  CHECK(Count(*db, "prs_merged", "alice") == 1);
  CHECK(Count(*db, "feedback_received", "alice") == 2);  // bob's comment and review comment
  CHECK(Int(*db, "SELECT user_id FROM issues WHERE id = 9001") == 5);
  CHECK(Int(*db, "SELECT user_id FROM issue_comments WHERE id = 555") == 6);
  CHECK(Int(*db, "SELECT issue_number FROM issue_comments WHERE id = 555") == 3);
  CHECK(Int(*db, "SELECT pull_number FROM review_comments WHERE id = 777") == 4);
  CHECK(Int(*db,
            "SELECT count(*) FROM issues WHERE id = 9001 AND created_at = "
            "'2012-03-10T15:00:01Z'") == 1);
  CHECK(Int(*db, "SELECT count(*) FROM repos WHERE id = 77 AND full_name = 'o/r'") == 1);

  // Every row came from this file: its name and the line's event time (UTC) are kept.
  CHECK(Int(*db,
            "SELECT count(*) FROM issues WHERE id = 9001 AND archive_file = "
            "'2012-03-10-15.json.gz' AND archive_event_at = '2012-03-10T15:00:01Z'") == 1);
  CHECK(Int(*db,
            "SELECT count(*) FROM issue_comments WHERE id = 555 AND archive_file = "
            "'2012-03-10-15.json.gz' AND archive_event_at = '2012-03-10T16:00:00Z'") == 1);
  CHECK(Int(*db,
            "SELECT count(*) FROM review_comments WHERE id = 777 AND "
            "archive_event_at = '2013-06-01T16:00:00Z'") == 1);
  CHECK(Int(*db,
            "SELECT count(*) FROM issues WHERE number = 4 AND "
            "archive_event_at = '2013-06-01T17:00:00Z'") == 1);
  CHECK(Int(*db, "SELECT count(*) FROM issues WHERE archive_file IS NULL") == 0);

  // Replayed, nothing changes.
  int changes = sqlite3_total_changes(db->raw());
  archive::ImportStats again;
  REQUIRE_OK(archive::ImportArchiveFile(*db, gz, {}, &again));
  CHECK(sqlite3_total_changes(db->raw()) == changes);
}

TEST_CASE("a timeline actor nobody here knows counts for nobody until the REST harvest") {
  ghharvest::testing::TempDir dir;
  std::string gz = dir.file("t.json.gz");
  WriteGz(gz, TimelineArchive());
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  archive::ImportStats stats;
  REQUIRE_OK(archive::ImportArchiveFile(**db, gz, {}, &stats));
  CHECK(Int(**db, "SELECT count(*) FROM issues WHERE id = 9001 AND user_id IS NULL") == 1);
  CHECK(Int(**db, "SELECT count(*) FROM issue_comments WHERE id = 555 AND user_id IS NULL") == 1);
  // Records that carried their author's id keep it.
  CHECK(Int(**db, "SELECT user_id FROM issues WHERE id = 9002") == 5);
}

TEST_CASE("an archive then a REST sync gives no duplicates and the REST values win") {
  ghharvest::testing::TempDir dir;
  std::string gz = dir.file("t.json.gz");
  WriteGz(gz, TimelineArchive());
  auto db = KnownWriters();
  archive::ImportStats stats;
  REQUIRE_OK(archive::ImportArchiveFile(*db, gz, {}, &stats));

  // What the issues and comments lists bring later, as the harvester stores them.
  store::Ingest ingest(*db);
  model::IssueRecord issue3;
  issue3.id = 9001;
  issue3.number = 3;
  issue3.user = model::UserRef{5, "alice", "User"};
  issue3.state = "closed";
  issue3.title = "Old bug";
  issue3.created_at = "2012-03-10T15:00:01Z";
  issue3.updated_at = "2012-03-11T16:00:00Z";
  issue3.closed_at = "2012-03-11T16:00:00Z";
  issue3.comments = 1;
  issue3.reactions.total = 4;
  issue3.reactions.heart = 4;
  model::IssueRecord pull4;
  pull4.id = 8004;  // the issue id of pull request #4: it takes over the stand-in row
  pull4.number = 4;
  pull4.is_pull = true;
  pull4.user = model::UserRef{5, "alice", "User"};
  pull4.state = "closed";
  pull4.merged_at = "2013-06-01T17:00:00Z";
  pull4.updated_at = "2014-01-01T00:00:00Z";
  pull4.reactions.total = 2;
  REQUIRE_OK(ingest.UpsertIssues(77, {issue3, pull4}));
  model::CommentRecord c555;
  c555.id = 555;
  c555.number = 3;
  c555.user = model::UserRef{6, "bob", "User"};
  c555.created_at = "2012-03-10T16:00:00Z";
  c555.updated_at = "2012-03-10T16:00:00Z";
  c555.reactions.total = 3;
  REQUIRE_OK(ingest.UpsertIssueComments(77, {c555}));

  CHECK(Int(*db, "SELECT count(*) FROM issues") == 3);
  CHECK(Int(*db, "SELECT count(*) FROM issues WHERE number = 4") == 1);
  CHECK(Int(*db, "SELECT id FROM issues WHERE number = 4") == 8004);
  CHECK(Int(*db, "SELECT count(*) FROM issue_comments") == 1);
  CHECK(Int(*db, "SELECT comments FROM issues WHERE id = 9001") == 1);
  CHECK(Count(*db, "issues_opened", "alice") == 2);
  CHECK(Count(*db, "prs_opened", "alice") == 1);
  CHECK(Count(*db, "prs_merged", "alice") == 1);
  // Reactions on alice's #3 (4) and #4 (2); bob's comment is not hers.
  CHECK(Count(*db, "reactions_received", "alice") == 6);
  // The harvest completed the rows; they still say the archive stored them first.
  CHECK(Int(*db, "SELECT count(*) FROM issues WHERE archive_file = 't.json.gz'") == 3);

  // Importing the same archive again after the REST harvest lowers and blanks nothing.
  int changes = sqlite3_total_changes(db->raw());
  archive::ImportStats again;
  REQUIRE_OK(archive::ImportArchiveFile(*db, gz, {}, &again));
  CHECK(sqlite3_total_changes(db->raw()) == changes);
  CHECK(Int(*db, "SELECT count(*) FROM issues WHERE id = 9001 AND title = 'Old bug'") == 1);
  CHECK(Int(*db, "SELECT reactions_total FROM issue_comments WHERE id = 555") == 3);
  CHECK(Count(*db, "reactions_received", "alice") == 6);
}

TEST_CASE("trimmed 2025-10 payloads never lower or blank a stored count") {
  auto db = KnownWriters();
  store::Ingest ingest(*db);
  // The REST harvest stored alice's merged #4 and her issue #6 with its rollup.
  model::IssueRecord pull4;
  pull4.id = 8004;
  pull4.number = 4;
  pull4.is_pull = true;
  pull4.user = model::UserRef{5, "alice", "User"};
  pull4.state = "closed";
  pull4.title = "Fix";
  pull4.merged_at = "2025-10-08T00:00:00Z";
  pull4.updated_at = "2025-10-08T00:00:00Z";
  model::IssueRecord issue6;
  issue6.id = 8006;
  issue6.number = 6;
  issue6.user = model::UserRef{5, "alice", "User"};
  issue6.state = "open";
  issue6.updated_at = "2025-10-09T00:00:00Z";
  issue6.comments = 7;
  issue6.reactions.total = 5;
  issue6.reactions.plus1 = 5;
  REQUIRE_OK(ingest.EnsureRepo(77, "o/r"));
  REQUIRE_OK(ingest.UpsertIssues(77, {pull4, issue6}));
  const std::int64_t merged = Count(*db, "prs_merged", "alice");
  const std::int64_t reactions = Count(*db, "reactions_received", "alice");
  REQUIRE(merged == 1);
  REQUIRE(reactions == 5);

  ghharvest::testing::TempDir dir;
  std::string gz = dir.file("2025-10-10-0.json.gz");
  std::string text;
  // A trimmed PullRequestEvent: the pull request as keys and branches only.
  text += R"({"id":"901","type":"PullRequestEvent","actor":{"id":5,"login":"alice"},)"
          R"("repo":{"id":77,"name":"o/r"},"payload":{"action":"closed","number":4,)"
          R"("pull_request":{"url":"https://api.github.com/repos/o/r/pulls/4","id":424242,)"
          R"("number":4,"head":{"ref":"fix","sha":"abc"},"base":{"ref":"main","sha":"def"}}},)"
          R"("created_at":"2025-10-10T00:00:00Z"})"
          "\n";
  // A newer IssuesEvent whose issue object has fewer reactions than stored (a snapshot).
  text += R"({"id":"902","type":"IssuesEvent","actor":{"id":5,"login":"alice"},)"
          R"("repo":{"id":77,"name":"o/r"},"payload":{"action":"closed","issue":{"id":8006,)"
          R"("number":6,"user":{"id":5,"login":"alice"},"state":"closed","comments":0,)"
          R"("updated_at":"2025-10-10T00:00:00Z","closed_at":"2025-10-10T00:00:00Z",)"
          R"("reactions":{"total_count":0}}},"created_at":"2025-10-10T00:00:00Z"})"
          "\n";
  // A trimmed PushEvent: no commits, no size.
  text += R"({"id":"903","type":"PushEvent","actor":{"id":5,"login":"alice"},)"
          R"("repo":{"id":77,"name":"o/r"},"payload":{"repository_id":77,"push_id":1,)"
          R"("ref":"refs/heads/main","head":"abc","before":"def"},)"
          R"("created_at":"2025-10-10T00:00:01Z"})"
          "\n";
  // A trimmed pull request nobody stored yet: a partial row the REST harvest completes.
  text += R"({"id":"904","type":"PullRequestEvent","actor":{"id":5,"login":"alice"},)"
          R"("repo":{"id":77,"name":"o/r"},"payload":{"action":"opened","number":9,)"
          R"("pull_request":{"id":999,"number":9,"head":{"ref":"x"},"base":{"ref":"main"}}},)"
          R"("created_at":"2025-10-10T00:00:02Z"})"
          "\n";
  WriteGz(gz, text);
  archive::ImportStats stats;
  REQUIRE_OK(archive::ImportArchiveFile(*db, gz, {}, &stats));
  CHECK(stats.bad_lines == 0);
  CHECK(stats.events == 4);

  CHECK(Count(*db, "prs_merged", "alice") == merged);
  CHECK(Count(*db, "reactions_received", "alice") == reactions);
  CHECK(Int(*db, "SELECT comments FROM issues WHERE id = 8006") == 7);
  CHECK(Int(*db,
            "SELECT count(*) FROM issues WHERE id = 8004 AND title = 'Fix' AND "
            "merged_at = '2025-10-08T00:00:00Z'") == 1);
  // The newer state still moves: #6 was closed.
  CHECK(Int(*db, "SELECT count(*) FROM issues WHERE id = 8006 AND state = 'closed'") == 1);
  // Rows the REST harvest stored first are API rows, whatever events said since.
  CHECK(Int(*db,
            "SELECT count(*) FROM issues WHERE id IN (8004, 8006) AND "
            "archive_file IS NULL AND archive_event_at IS NULL") == 2);
  CHECK(Int(*db,
            "SELECT count(*) FROM issues WHERE number = 9 AND "
            "archive_file = '2025-10-10-0.json.gz' AND "
            "archive_event_at = '2025-10-10T00:00:02Z'") == 1);
  // #9 is a stand-in: a pull request by the actor who opened it, merge unknown.
  CHECK(Int(*db,
            "SELECT count(*) FROM issues WHERE number = 9 AND is_pull = 1 AND "
            "user_id = 5 AND merged_at IS NULL AND id < 0") == 1);
  CHECK(Count(*db, "prs_opened", "alice") == 2);
}

TEST_CASE("rows the Events API stored carry no archive file") {
  auto db = KnownWriters();
  store::Ingest ingest(*db);
  model::EventRecord e;
  e.id = "1";
  e.type = "IssueCommentEvent";
  e.actor = model::UserRef{6, "bob", ""};
  e.repo_id = 77;
  e.repo_name = "o/r";
  e.created_at = "2024-01-02T00:00:00Z";
  model::CommentRecord c;
  c.id = 42;
  c.number = 3;
  c.user = e.actor;
  e.comment = c;
  REQUIRE_OK(ingest.UpsertEvent(e));
  CHECK(Int(*db,
            "SELECT count(*) FROM issue_comments WHERE id = 42 AND archive_file IS NULL "
            "AND archive_event_at IS NULL") == 1);
  // The same Ingest told it reads a file marks what it inserts from then on.
  ingest.SetArchiveFile("2024-01-02-0.json.gz");
  e.comment->id = 43;
  REQUIRE_OK(ingest.UpsertEvent(e));
  CHECK(Int(*db,
            "SELECT count(*) FROM issue_comments WHERE id = 43 AND archive_file = "
            "'2024-01-02-0.json.gz' AND archive_event_at = '2024-01-02T00:00:00Z'") == 1);
}

namespace {

struct FileResult {
  archive::ImportStats stats;
  Status status;
};

std::vector<FileResult> ImportAll(store::Database& db, const std::vector<std::string>& paths,
                                  int jobs, const archive::ImportOptions& opts = {}) {
  std::vector<FileResult> out(paths.size());
  std::vector<std::size_t> order;
  archive::ImportArchiveFiles(db, paths, opts, jobs,
                              [&](std::size_t i, const archive::ImportStats& s, const Status& st) {
                                order.push_back(i);
                                out[i] = {s, st};
                              });
  // Stored and reported in the given order, whatever the readers' speeds.
  REQUIRE(order.size() == paths.size());
  for (std::size_t i = 0; i < order.size(); ++i) CHECK(order[i] == i);
  return out;
}

std::string Rows(store::Database& db) {
  std::string out;
  for (const char* sql :
       {"SELECT count(*) FROM issues", "SELECT count(*) FROM issue_comments",
        "SELECT count(*) FROM review_comments", "SELECT count(*) FROM archive_touches",
        "SELECT total(id) FROM issues", "SELECT count(DISTINCT archive_file) FROM issues"}) {
    out += std::to_string(Int(db, sql)) + " ";
  }
  return out;
}

}  // namespace

TEST_CASE("--jobs reads files in parallel and stores exactly what one job stores") {
  ghharvest::testing::TempDir dir;
  std::vector<std::string> paths;
  // Today's lines, timeline lines, a cut-off file, a missing file and bad lines, over
  // several files read in tiny blocks so that readers and the writer interleave.
  for (int f = 0; f < 5; ++f) {
    std::string text;
    for (int n = 1; n <= 300; ++n) {
      const int id = f * 1000 + n;
      text += R"({"id":")" + std::to_string(id) +
              R"(","type":"IssuesEvent","actor":{"id":5,"login":"alice"},)"
              R"("repo":{"id":77,"name":"o/r"},"payload":{"action":"opened","issue":{"id":)" +
              std::to_string(50000 + id) + R"(,"number":)" + std::to_string(id) +
              R"(,"user":{"id":5,"login":"alice"},"state":"open",)"
              R"("updated_at":"2024-01-01T00:00:00Z"}},"created_at":"2024-01-01T00:00:00Z"})"
              "\n";
      if (n % 97 == 0) text += "{broken\n";
    }
    text += TimelineArchive();
    paths.push_back(dir.file("2024-01-01-" + std::to_string(f) + ".json.gz"));
    WriteGz(paths.back(), text);
  }
  {
    std::string bytes = ghharvest::testing::ReadFile(paths[2]);
    ghharvest::testing::WriteFile(paths[2], bytes.substr(0, bytes.size() / 2));
  }
  paths.insert(paths.begin() + 3, dir.file("missing.json.gz"));
  archive::ImportOptions opts;
  opts.read_block_bytes = 97;
  opts.events_per_transaction = 7;

  auto one_db = KnownWriters();
  auto one = ImportAll(*one_db, paths, 1, opts);
  for (int jobs : {2, 3, 8}) {
    CAPTURE(jobs);
    auto db = KnownWriters();
    auto many = ImportAll(*db, paths, jobs, opts);
    for (std::size_t i = 0; i < paths.size(); ++i) {
      CAPTURE(i);
      CHECK(many[i].status.code() == one[i].status.code());
      CHECK(many[i].status.message() == one[i].status.message());
      CHECK(many[i].stats.lines == one[i].stats.lines);
      CHECK(many[i].stats.events == one[i].stats.events);
      CHECK(many[i].stats.bad_lines == one[i].stats.bad_lines);
      CHECK(many[i].stats.errors == one[i].stats.errors);
      CHECK(many[i].stats.issues == one[i].stats.issues);
    }
    CHECK(Rows(*db) == Rows(*one_db));
  }
  CHECK(one[0].status.ok());
  CHECK(one[0].stats.bad_lines == 3 + 1);  // three broken lines, the unknown timeline shape
  CHECK(one[2].status.code() == Status::Code::kIOError);  // cut off: its first half is kept
  CHECK(one[2].stats.events > 0);
  CHECK(one[3].status.code() == Status::Code::kIOError);  // missing
  CHECK(Int(*one_db, "SELECT count(DISTINCT archive_file) FROM issues") == 5);
}

TEST_CASE("--jobs with a database that refuses writes fails every file and does not hang") {
  ghharvest::testing::TempDir dir;
  const std::string db_path = dir.file("db.sqlite");
  {
    auto db = store::Database::Open(db_path);  // create the schema, then reopen read-only
    REQUIRE_OK(db);
  }
  std::vector<std::string> paths;
  for (int f = 0; f < 4; ++f) {
    paths.push_back(dir.file(std::to_string(f) + ".json.gz"));
    std::string text;
    for (int k = 0; k < 200; ++k) text += TimelineArchive();
    WriteGz(paths.back(), text);
  }
  store::OpenOptions ro;
  ro.read_only = true;
  auto db = store::Database::Open(db_path, ro);
  REQUIRE_OK(db);
  archive::ImportOptions opts;
  opts.read_block_bytes = 256;  // many batches: readers block on the full queue
  auto results = ImportAll(**db, paths, 3, opts);
  for (const auto& r : results) {
    CHECK(r.status.code() == Status::Code::kIOError);
    CHECK(r.stats.issues == 0);
  }
}
