#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <filesystem>

#include <sqlite3.h>

#include <sstream>
#include <string>
#include <vector>

#include "files.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/migrations.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using ghharvest::testing::ReadFile;
using ghharvest::testing::TempDir;

namespace {

// A made-up history: each version changes what the previous one built, like real ones do.
const std::vector<store::Migration> kSynthetic = {
    {1, "0001_a", "CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);"},
    {2, "0002_b", "ALTER TABLE a ADD COLUMN y INTEGER NOT NULL DEFAULT 7;"},
    {3, "0003_c", "CREATE TABLE c (id INTEGER PRIMARY KEY); INSERT INTO c VALUES (42);"},
};

std::vector<store::Migration> Prefix(const std::vector<store::Migration>& all, std::size_t n) {
  return {all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n)};
}

std::int64_t Count(store::Database& db, const std::string& sql) {
  auto v = db.QueryInt(sql);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  return v->value_or(-1);
}

store::OpenOptions Raw() {
  store::OpenOptions o;
  o.apply_migrations = false;
  return o;
}

}  // namespace

TEST_CASE("a new database is migrated to the latest schema version") {
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  CHECK((*db)->UserVersion() == store::LatestSchemaVersion());
  CHECK(store::LatestSchemaVersion() >= 1);
}

TEST_CASE("embedded migrations are ordered by version, without duplicates") {
  const auto& all = store::EmbeddedMigrations();
  REQUIRE_FALSE(all.empty());
  CHECK(all.front().version == 1);
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].version < all[i].version);
}

TEST_CASE("synthetic migrations apply from empty and from each earlier version") {
  for (std::size_t start = 0; start <= kSynthetic.size(); ++start) {
    CAPTURE(start);
    auto db = store::Database::Open(":memory:", Raw());
    REQUIRE_OK(db);
    REQUIRE_OK(store::ApplyMigrations(**db, Prefix(kSynthetic, start)));
    CHECK((*db)->UserVersion() == static_cast<int>(start));
    if (start >= 1) REQUIRE_OK((*db)->Exec("INSERT INTO a(id, x) VALUES (1, 'kept')"));
    REQUIRE_OK(store::ApplyMigrations(**db, kSynthetic));
    CHECK((*db)->UserVersion() == 3);
    CHECK(Count(**db, "SELECT y FROM a WHERE id = 1") == (start >= 1 ? 7 : -1));
    CHECK(Count(**db, "SELECT id FROM c") == 42);
    // Applying again is a no-op (no duplicate row in c).
    REQUIRE_OK(store::ApplyMigrations(**db, kSynthetic));
    CHECK(Count(**db, "SELECT COUNT(*) FROM c") == 1);
  }
}

TEST_CASE("the embedded migrations apply from each earlier version to a working schema") {
  const auto& all = store::EmbeddedMigrations();
  for (std::size_t start = 0; start < all.size(); ++start) {
    CAPTURE(start);
    TempDir dir;
    const std::string path = dir.file("g.db");
    {
      auto db = store::Database::Open(path, Raw());
      REQUIRE_OK(db);
      REQUIRE_OK(store::ApplyMigrations(**db, Prefix(all, start)));
    }
    auto db = store::Database::Open(path);
    REQUIRE_MESSAGE(db.ok(), db.status().ToString());
    CHECK((*db)->UserVersion() == store::LatestSchemaVersion());
    CHECK(Count(**db, "SELECT COUNT(*) FROM writer_project_counts") == 0);
    CHECK(Count(**db, "SELECT COUNT(*) FROM writer_influence") == 0);
    CHECK(Count(**db, "SELECT COUNT(*) FROM writer_project_scores") == 0);
  }
}

TEST_CASE("a failing migration leaves the database at the previous version, unchanged") {
  auto db = store::Database::Open(":memory:", Raw());
  REQUIRE_OK(db);
  std::vector<store::Migration> broken = {
      kSynthetic[0],
      {2, "0002_broken", "CREATE TABLE half (id INTEGER); THIS IS NOT SQL;"},
  };
  Status s = store::ApplyMigrations(**db, broken);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("0002_broken") != std::string::npos);
  CHECK((*db)->UserVersion() == 1);
  CHECK(Count(**db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'") == 0);
}

TEST_CASE("a database newer than the migrations is refused") {
  auto db = store::Database::Open(":memory:", Raw());
  REQUIRE_OK(db);
  REQUIRE_OK(store::ApplyMigrations(**db, kSynthetic));
  Status s = store::ApplyMigrations(**db, Prefix(kSynthetic, 2));
  CHECK(s.code() == Status::Code::kTooNew);
  CHECK(s.message() ==
        "schema version 3 is newer than this ghharvest knows (2); upgrade ghharvest");
  CHECK((*db)->UserVersion() == 3);
}

TEST_CASE("Open refuses a newer database file and leaves its bytes unchanged") {
  TempDir dir;
  const std::string path = dir.file("newer.db");
  {
    // Written as another tool would: rollback journal, a version from the future.
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "CREATE TABLE t(x); INSERT INTO t VALUES (1); PRAGMA user_version = 999",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  const std::string before = ReadFile(path);
  REQUIRE_FALSE(before.empty());
  auto db = store::Database::Open(path);
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().code() == Status::Code::kTooNew);
  CHECK(db.status().message().find("schema version 999 is newer") != std::string::npos);
  CHECK(db.status().message().find(path) != std::string::npos);
  CHECK(ReadFile(path) == before);
}

TEST_CASE("Open sets WAL, foreign keys and a busy timeout") {
  TempDir dir;
  auto db = store::Database::Open(dir.file("g.db"));
  REQUIRE_OK(db);
  auto st = (*db)->Prepare("PRAGMA journal_mode");
  REQUIRE_OK(st);
  {
    store::StatementGuard g(**st);
    REQUIRE(g->Step());
    CHECK(g->Text(0) == "wal");
  }
  CHECK(Count(**db, "PRAGMA foreign_keys") == 1);
  CHECK(Count(**db, "PRAGMA synchronous") == 1);  // NORMAL
  CHECK(Count(**db, "PRAGMA busy_timeout") == 5000);
}

TEST_CASE("a transaction rolls back unless committed") {
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  {
    store::Transaction tx(**db);
    REQUIRE_OK(tx.status());
    REQUIRE_OK((*db)->Exec("INSERT INTO writers(login) VALUES ('alice')"));
  }
  CHECK(Count(**db, "SELECT COUNT(*) FROM writers") == 0);
  {
    store::Transaction tx(**db);
    REQUIRE_OK((*db)->Exec("INSERT INTO writers(login) VALUES ('alice')"));
    REQUIRE_OK(tx.Commit());
  }
  CHECK(Count(**db, "SELECT COUNT(*) FROM writers") == 1);
}

TEST_CASE("upserts keyed by GitHub ids are idempotent: the same rows twice change nothing") {
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  const char* kUpsert = R"(
    INSERT INTO users(id, login, type) VALUES (1, 'alice', 'User'), (2, 'bob', 'User')
      ON CONFLICT(id) DO UPDATE SET login = excluded.login, type = excluded.type;
    INSERT INTO repos(id, full_name) VALUES (10, 'o/r')
      ON CONFLICT(id) DO UPDATE SET full_name = excluded.full_name;
    INSERT INTO issues(id, repo_id, number, user_id, is_pull, created_at, reactions_total)
      VALUES (100, 10, 1, 1, 0, '2026-01-01T00:00:00Z', 3),
             (101, 10, 2, 1, 1, '2026-01-02T00:00:00Z', 0)
      ON CONFLICT(id) DO UPDATE SET reactions_total = excluded.reactions_total,
                                    updated_at = excluded.updated_at;
    INSERT INTO issue_comments(id, repo_id, issue_number, user_id, created_at)
      VALUES (1000, 10, 1, 2, '2026-01-03T00:00:00Z')
      ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at;
    INSERT INTO commits(repo_id, sha, author_id, committed_at) VALUES (10, 'abc', 1, '2026-01-01T00:00:00Z')
      ON CONFLICT(repo_id, sha) DO UPDATE SET author_id = excluded.author_id;
    INSERT INTO writers(login) VALUES ('alice') ON CONFLICT(login) DO NOTHING;
  )";
  auto snapshot = [&] {
    std::ostringstream out;
    for (const char* t : {"users", "repos", "issues", "issue_comments", "commits", "writers"}) {
      out << t << "=" << Count(**db, std::string("SELECT COUNT(*) FROM ") + t) << " ";
    }
    auto st = (*db)->Prepare(
        "SELECT commits, issues_opened, prs_opened, issue_comments, reactions_received, "
        "feedback_received FROM writer_project_counts");
    REQUIRE_OK(st);
    store::StatementGuard g(**st);
    while (g->Step()) {
      for (int c = 0; c < 6; ++c) out << g->Int(c) << ",";
    }
    return out.str();
  };
  REQUIRE_OK((*db)->Exec(kUpsert));
  const std::string once = snapshot();
  CHECK(once == "users=2 repos=1 issues=2 issue_comments=1 commits=1 writers=1 1,1,1,0,3,1,");
  REQUIRE_OK((*db)->Exec(kUpsert));
  CHECK(snapshot() == once);
}

TEST_CASE("embedded migrations are numbered 1, 2, 3... with no gap, so none is ever skipped") {
  const auto& all = ghharvest::store::EmbeddedMigrations();
  REQUIRE_FALSE(all.empty());
  int expected = 1;
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK_MESSAGE(all[i].version == expected, all[i].name);
    ++expected;
  }
}

TEST_CASE("Open creates the database's missing parent folders, as on a fresh install") {
  TempDir dir;
  const std::string path = dir.file("state/ghharvest/ghharvest.db");
  auto db = store::Database::Open(path);
  REQUIRE_MESSAGE(db.ok(), db.status().ToString());
  CHECK(std::filesystem::exists(path));
}

TEST_CASE("migration 7 moves walk markers, next-poll times and rate limits out of sync_state") {
  const auto& all = store::EmbeddedMigrations();
  REQUIRE(all.size() >= 7);
  TempDir dir;
  const std::string path = dir.file("g.db");
  {
    auto db = store::Database::Open(path, Raw());
    REQUIRE_OK(db);
    REQUIRE_OK(store::ApplyMigrations(**db, Prefix(all, 6)));
    // Rows as schema 6 wrote them.
    REQUIRE_OK((*db)->Exec(
        "INSERT INTO sync_state(endpoint, scope, watermark, cursor, updated_at) VALUES"
        " ('issues', 'o/r', '2026-01-01T00:00:00Z', NULL, '2026-01-01T00:00:01Z'),"
        " ('pulls', 'o/r', '2026-01-02T00:00:00Z', 'walking', '2026-01-02T00:00:01Z'),"
        " ('events', 'alice', '2026-01-03T00:01:00Z', NULL, '2026-01-03T00:00:00Z'),"
        " ('rate_limit', 'core', '2026-01-04T01:00:00Z', '4200/5000 remaining',"
        "  '2026-01-04T00:00:00Z'),"
        " ('rate_limit', 'odd', '2026-01-04T01:00:00Z', 'not ours', '2026-01-04T00:00:00Z')"));
  }
  auto db = store::Database::Open(path);
  REQUIRE_OK(db);
  store::Database& d = **db;
  CHECK(Count(d, "SELECT COUNT(*) FROM sync_state") == 3);
  CHECK(Count(d, "SELECT COUNT(*) FROM sync_state WHERE endpoint = 'rate_limit'") == 0);
  CHECK(Count(d, "SELECT walking FROM sync_state WHERE endpoint = 'pulls'") == 1);
  CHECK(Count(d, "SELECT cursor IS NULL FROM sync_state WHERE endpoint = 'pulls'") == 1);
  CHECK(Count(d, "SELECT walking FROM sync_state WHERE endpoint = 'issues'") == 0);
  CHECK(Count(d,
              "SELECT next_poll_at = '2026-01-03T00:01:00Z' AND watermark IS NULL"
              " FROM sync_state WHERE endpoint = 'events'") == 1);
  CHECK(Count(d, "SELECT COUNT(*) FROM rate_limits") == 1);
  CHECK(Count(d,
              "SELECT quota = 5000 AND remaining = 4200 AND used IS NULL AND"
              " reset_at = '2026-01-04T01:00:00Z' AND seen_at = '2026-01-04T00:00:00Z'"
              " FROM rate_limits WHERE resource = 'core'") == 1);
}
