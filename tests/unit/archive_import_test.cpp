#include <doctest/doctest.h>

#include <sqlite3.h>
#include "check_ok.hpp"

#include <cstdio>
#include <string>

#include "files.hpp"
#include "ghharvest/archive/import_archive.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/ingest.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using ghharvest::testing::ReadFile;
using ghharvest::testing::WriteFile;
using ghharvest::testing::WriteGz;

namespace {

std::int64_t Int(store::Database& db, const std::string& sql) {
  auto v = db.QueryInt(sql);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  REQUIRE(v->has_value());
  return **v;
}

std::string IssuesEvent(int n, const std::string& login, int user_id) {
  return "{\"id\":\"" + std::to_string(1000 + n) +
         "\",\"type\":\"IssuesEvent\",\"actor\":{\"id\":" + std::to_string(user_id) +
         ",\"login\":\"" + login +
         "\"},\"repo\":{\"id\":77,\"name\":\"o/r\"},\"payload\":{\"action\":\"opened\","
         "\"issue\":{\"id\":" +
         std::to_string(5000 + n) + ",\"number\":" + std::to_string(n) +
         ",\"user\":{\"id\":" + std::to_string(user_id) + ",\"login\":\"" + login +
         "\",\"type\":\"User\"},\"state\":\"open\",\"created_at\":\"2024-01-01T00:00:00Z\","
         "\"updated_at\":\"2024-01-01T00:00:00Z\"}},\"created_at\":\"2024-01-01T00:00:00Z\"}\n";
}

std::string CommentEvent(int id, int number, const std::string& login, int user_id) {
  return "{\"id\":\"c" + std::to_string(id) +
         "\",\"type\":\"IssueCommentEvent\",\"actor\":{\"id\":" + std::to_string(user_id) +
         ",\"login\":\"" + login +
         "\"},\"repo\":{\"id\":77,\"name\":\"o/r\"},\"payload\":{\"action\":\"created\","
         "\"comment\":{\"id\":" +
         std::to_string(id) + ",\"user\":{\"id\":" + std::to_string(user_id) + ",\"login\":\"" +
         login + "\"},\"issue_url\":\"https://api.github.com/repos/o/r/issues/" +
         std::to_string(number) +
         "\",\"created_at\":\"2024-01-02T00:00:00Z\",\"updated_at\":\"2024-01-02T00:00:00Z\"}},"
         "\"created_at\":\"2024-01-02T00:00:00Z\"}\n";
}

// 3 issues by alice, 2 comments by bob on #1, a push, one broken line and one of the wrong
// shape, in GH Archive's one-event-per-line form.
std::string SmallArchive() {
  std::string text;
  text += IssuesEvent(1, "alice", 1);
  text += IssuesEvent(2, "alice", 1);
  text += "{\"id\":\"9\",\"type\":\"IssuesEvent\",\"actor\":{\"id\":1,\n";  // line 3: broken
  text += IssuesEvent(3, "alice", 1);
  text += CommentEvent(700, 1, "bob", 2);
  text += CommentEvent(701, 1, "bob", 2);
  text += "[\"not an event\"]\n";  // line 7: wrong shape
  text +=
      "{\"id\":\"p\",\"type\":\"PushEvent\",\"actor\":{\"id\":1,\"login\":\"alice\"},"
      "\"repo\":{\"id\":77,\"name\":\"o/"
      "r\"},\"payload\":{},\"created_at\":\"2024-01-03T00:00:00Z\"}";
  return text;  // the last line has no newline, as a cut file may not
}

}  // namespace

TEST_CASE("a small .json.gz imports its events, skipping and reporting the bad lines") {
  ghharvest::testing::TempDir dir;
  std::string gz = dir.file("2024-01-01-0.json.gz");
  WriteGz(gz, SmallArchive());
  auto db = store::Database::Open(dir.file("db.sqlite"));
  REQUIRE_OK(db);
  REQUIRE_OK((*db)->Exec("INSERT INTO writers(login) VALUES('Alice')"));

  archive::ImportStats stats;
  archive::ImportOptions opts;
  opts.events_per_transaction = 2;  // several transactions in one small file
  Status s = archive::ImportArchiveFile(**db, gz, opts, &stats);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  CHECK(stats.lines == 8);
  CHECK(stats.events == 6);
  CHECK(stats.bad_lines == 2);
  CHECK(stats.issues == 3);
  CHECK(stats.issue_comments == 2);
  REQUIRE(stats.errors.size() == 2);
  CHECK_MESSAGE(stats.errors[0].find(gz + ":3:") == 0, stats.errors[0]);
  CHECK_MESSAGE(stats.errors[1].find(gz + ":7:") == 0, stats.errors[1]);

  CHECK(Int(**db, "SELECT count(*) FROM issues WHERE repo_id = 77") == 3);
  CHECK(Int(**db, "SELECT count(*) FROM issue_comments") == 2);
  CHECK(Int(**db, "SELECT count(*) FROM repos WHERE id = 77 AND full_name = 'o/r'") == 1);
  CHECK(Int(**db, "SELECT issues_opened FROM writer_project_counts WHERE writer = 'alice'") == 3);
  CHECK(Int(**db, "SELECT feedback_received FROM writer_project_counts WHERE writer = 'alice'") ==
        2);

  // A second import of the same hour changes nothing.
  int changes = sqlite3_total_changes((*db)->raw());
  archive::ImportStats again;
  REQUIRE_OK(archive::ImportArchiveFile(**db, gz, opts, &again));
  CHECK(again.events == 6);
  CHECK(sqlite3_total_changes((*db)->raw()) == changes);
}

TEST_CASE("an uncompressed archive file imports the same way") {
  ghharvest::testing::TempDir dir;
  std::string path = WriteFile(dir.file("plain.json"), SmallArchive());
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  archive::ImportStats stats;
  REQUIRE_OK(archive::ImportArchiveFile(**db, path, {}, &stats));
  CHECK(stats.events == 6);
  CHECK(stats.bad_lines == 2);
}

TEST_CASE("many events stream through without loading the file whole") {
  ghharvest::testing::TempDir dir;
  std::string gz = dir.file("big.json.gz");
  std::string text;
  for (int n = 1; n <= 20000; ++n) text += IssuesEvent(n, n % 2 ? "alice" : "bob", n % 2 ? 1 : 2);
  WriteGz(gz, text);
  auto db = store::Database::Open(dir.file("db.sqlite"));
  REQUIRE_OK(db);
  archive::ImportStats stats;
  REQUIRE_OK(archive::ImportArchiveFile(**db, gz, {}, &stats));
  CHECK(stats.lines == 20000);
  CHECK(stats.events == 20000);
  CHECK(stats.bad_lines == 0);
  CHECK(Int(**db, "SELECT count(*) FROM issues") == 20000);
  CHECK(Int(**db, "SELECT count(*) FROM users") == 2);
}

TEST_CASE("a missing file is an IOError naming it") {
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  archive::ImportStats stats;
  Status s = archive::ImportArchiveFile(**db, "/nonexistent/x.json.gz", {}, &stats);
  CHECK(s.code() == Status::Code::kIOError);
  CHECK(s.message().find("/nonexistent/x.json.gz") != std::string::npos);
}

TEST_CASE("a truncated gzip keeps the events before the cut and reports the read error") {
  ghharvest::testing::TempDir dir;
  std::string whole = dir.file("whole.json.gz");
  std::string text;
  for (int n = 1; n <= 3000; ++n) text += IssuesEvent(n, "alice", 1);
  WriteGz(whole, text);
  std::string bytes = ReadFile(whole);
  std::string cut = WriteFile(dir.file("cut.json.gz"), bytes.substr(0, bytes.size() / 2));
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  archive::ImportStats stats;
  Status s = archive::ImportArchiveFile(**db, cut, {}, &stats);
  CHECK(s.code() == Status::Code::kIOError);
  CHECK(stats.events > 0);
  CHECK(stats.events < 3000);
  CHECK(Int(**db, "SELECT count(*) FROM issues") == stats.events);
}

TEST_CASE("a filter keeps the watched projects' and writers' events and counts the rest") {
  ghharvest::testing::TempDir dir;
  std::string gz = dir.file("f.json.gz");
  auto move_to = [](std::string event, const std::string& repo) {
    const std::string from = "\"id\":77,\"name\":\"o/r\"";
    return event.replace(event.find(from), from.size(), repo);
  };
  std::string other = move_to(IssuesEvent(9, "zed", 9), "\"id\":88,\"name\":\"x/y\"");
  std::string by_alice_elsewhere =
      move_to(IssuesEvent(10, "Alice", 1), "\"id\":99,\"name\":\"p/q\"");
  WriteGz(gz, IssuesEvent(1, "bob", 2) + other + by_alice_elsewhere);

  auto run = [&](const archive::ImportOptions::Filter& f) {
    auto db = store::Database::Open(":memory:");
    REQUIRE_OK(db);
    archive::ImportOptions opts;
    opts.filter = f;
    archive::ImportStats stats;
    REQUIRE_OK(archive::ImportArchiveFile(**db, gz, opts, &stats));
    CHECK(stats.events == 3);
    CHECK(Int(**db, "SELECT count(*) FROM issues") == stats.events - stats.skipped);
    return stats.skipped;
  };
  CHECK(run({{77}, {}, {}}) == 2);            // by repository id
  CHECK(run({{}, {"o/r", "x/y"}, {}}) == 1);  // by lowercase name
  CHECK(run({{}, {}, {"alice"}}) == 2);       // by actor, case-insensitively
  CHECK(run({{}, {}, {}}) == 3);              // an empty filter keeps nothing
}

TEST_CASE("every read-block size gives the same import as one big read") {
  ghharvest::testing::TempDir dir;
  std::string gz = dir.file("small.json.gz");
  WriteGz(gz, SmallArchive());
  for (unsigned block : {1u, 2u, 7u, 64u, 333u, 1u << 20}) {
    CAPTURE(block);
    auto db = store::Database::Open(":memory:");
    REQUIRE_OK(db);
    archive::ImportOptions opts;
    opts.read_block_bytes = block;
    archive::ImportStats stats;
    REQUIRE_OK(archive::ImportArchiveFile(**db, gz, opts, &stats));
    CHECK(stats.lines == 8);
    CHECK(stats.events == 6);
    CHECK(stats.bad_lines == 2);
    REQUIRE(stats.errors.size() == 2);
    CHECK_MESSAGE(stats.errors[0].find(gz + ":3:") == 0, stats.errors[0]);
    CHECK_MESSAGE(stats.errors[1].find(gz + ":7:") == 0, stats.errors[1]);
    CHECK(Int(**db, "SELECT count(*) FROM issues") == 3);
  }
}

TEST_CASE("an over-long line is one bad line, dropped as it streams, and the next lines count") {
  ghharvest::testing::TempDir dir;
  std::string gz = dir.file("long.json.gz");
  // Line 2 is 5,000 bytes of one JSON string: longer than the 1,000 allowed below.
  std::string text = IssuesEvent(1, "alice", 1) + "\"" + std::string(5000, 'x') + "\"\n" +
                     IssuesEvent(2, "alice", 1) + IssuesEvent(3, "alice", 1);
  WriteGz(gz, text);
  for (unsigned block : {1u, 13u, 999u, 1000u, 1001u, 4096u, 1u << 20}) {
    CAPTURE(block);
    auto db = store::Database::Open(":memory:");
    REQUIRE_OK(db);
    archive::ImportOptions opts;
    opts.max_line_bytes = 1000;
    opts.read_block_bytes = block;
    archive::ImportStats stats;
    REQUIRE_OK(archive::ImportArchiveFile(**db, gz, opts, &stats));
    CHECK(stats.lines == 4);
    CHECK(stats.events == 3);
    CHECK(stats.bad_lines == 1);
    REQUIRE(stats.errors.size() == 1);
    CHECK_MESSAGE(stats.errors[0] == gz + ":2: line longer than 1000 bytes: skipped",
                  stats.errors[0]);
    CHECK(Int(**db, "SELECT count(*) FROM issues") == 3);
  }
}

TEST_CASE("a file without any newline is one bad line, never held whole in memory") {
  ghharvest::testing::TempDir dir;
  std::string gz = dir.file("no-newline.json.gz");
  // 8 MiB of one unterminated line: the importer must not keep more than max_line_bytes of it.
  WriteGz(gz, "[" + std::string(8 << 20, '1'));
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  archive::ImportOptions opts;
  opts.max_line_bytes = 4096;
  opts.read_block_bytes = 1024;
  archive::ImportStats stats;
  REQUIRE_OK(archive::ImportArchiveFile(**db, gz, opts, &stats));
  CHECK(stats.lines == 1);
  CHECK(stats.events == 0);
  CHECK(stats.bad_lines == 1);
  REQUIRE(stats.errors.size() == 1);
  CHECK(stats.errors[0] == gz + ":1: line longer than 4096 bytes: skipped");
  CHECK(stats.max_buffered_bytes > 4096);
  CHECK(stats.max_buffered_bytes <= 4096 + 1024);
}
