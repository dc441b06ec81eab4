#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <string>
#include <vector>

#include "ghharvest/config/config.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/writers.hpp"

using namespace ghharvest;

namespace {

// The mirror as the program calls it: from a config's writers.
Status SyncWritersFromConfig(store::Database& db, const config::Config& cfg) {
  return store::SyncWriters(db, config::WatchedWriters(cfg));
}

config::Config Cfg(std::vector<config::WriterConfig> writers) {
  config::Config c;
  c.writers = std::move(writers);
  return c;
}

std::vector<std::string> Strings(store::Database& db, const std::string& sql) {
  auto st = db.Prepare(sql);
  REQUIRE_OK(st);
  store::StatementGuard g(**st);
  std::vector<std::string> out;
  while (g->Step()) out.push_back(g->Text(0));
  REQUIRE_OK(g->status());
  return out;
}

std::vector<std::string> Writers(store::Database& db) {
  return Strings(db, "SELECT login FROM writers ORDER BY login");
}

// "writer repo source status" per watch.
std::vector<std::string> Watches(store::Database& db) {
  return Strings(db,
                 "SELECT writer || ' ' || repo_name || ' ' || source || ' ' || status "
                 "FROM watches ORDER BY writer, repo_name");
}

std::unique_ptr<store::Database> OpenDb() {
  auto db = store::Database::Open(":memory:");
  REQUIRE_OK(db);
  return std::move(*db);
}

}  // namespace

TEST_CASE("configured writers and repos are mirrored, and mirroring twice changes nothing") {
  auto db = OpenDb();
  auto cfg = Cfg({{"alice", {"o/a", "o/b"}, 0}, {"bob", {}, 0}});
  REQUIRE_OK(SyncWritersFromConfig(*db, cfg));
  CHECK(Writers(*db) == std::vector<std::string>{"alice", "bob"});
  CHECK(Watches(*db) ==
        std::vector<std::string>{"alice o/a config active", "alice o/b config active"});
  REQUIRE_OK(SyncWritersFromConfig(*db, cfg));
  CHECK(Writers(*db) == std::vector<std::string>{"alice", "bob"});
  CHECK(Watches(*db) ==
        std::vector<std::string>{"alice o/a config active", "alice o/b config active"});
}

TEST_CASE("a writer dropped from the config loses its row and watches, not its activity") {
  auto db = OpenDb();
  REQUIRE_OK(SyncWritersFromConfig(*db, Cfg({{"alice", {"o/a"}, 0}, {"bob", {"o/a"}, 0}})));
  REQUIRE(db->Exec("INSERT INTO users(id, login) VALUES (2, 'bob');"
                   "INSERT INTO commits(repo_id, sha, author_id) VALUES (1, 's', 2)")
              .ok());
  REQUIRE_OK(SyncWritersFromConfig(*db, Cfg({{"alice", {"o/a"}, 0}})));
  CHECK(Writers(*db) == std::vector<std::string>{"alice"});
  CHECK(Watches(*db) == std::vector<std::string>{"alice o/a config active"});
  auto commits = db->QueryInt("SELECT COUNT(*) FROM commits");
  REQUIRE_OK(commits);
  CHECK(**commits == 1);
}

TEST_CASE("logins match case-insensitively and the config's spelling wins") {
  auto db = OpenDb();
  REQUIRE_OK(SyncWritersFromConfig(*db, Cfg({{"alice", {"o/a"}, 0}})));
  REQUIRE_OK(SyncWritersFromConfig(*db, Cfg({{"Alice", {"O/A"}, 0}})));
  CHECK(Writers(*db) == std::vector<std::string>{"Alice"});
  CHECK(Watches(*db) == std::vector<std::string>{"Alice O/A config active"});
}

TEST_CASE("a repo removed from a writer's list is unwatched and discovered watches follow repos") {
  auto db = OpenDb();
  REQUIRE_OK(SyncWritersFromConfig(*db, Cfg({{"alice", {}, 0}})));
  REQUIRE_OK(
      db->Exec("INSERT INTO watches(writer, repo_name, source) VALUES "
               "('alice', 'o/found', 'search'), ('alice', 'o/x', 'events')"));
  // Discovery on: discovered watches stay.
  REQUIRE_OK(SyncWritersFromConfig(*db, Cfg({{"alice", {}, 0}})));
  CHECK(Watches(*db) ==
        std::vector<std::string>{"alice o/found search active", "alice o/x events active"});
  // Explicit repos switch discovery off: a listed discovered watch is adopted, others go.
  REQUIRE_OK(SyncWritersFromConfig(*db, Cfg({{"alice", {"o/found", "o/new"}, 0}})));
  CHECK(Watches(*db) ==
        std::vector<std::string>{"alice o/found config active", "alice o/new config active"});
  REQUIRE_OK(SyncWritersFromConfig(*db, Cfg({{"alice", {"o/new"}, 0}})));
  CHECK(Watches(*db) == std::vector<std::string>{"alice o/new config active"});
  // Back to discovery: former config watches are removed.
  REQUIRE_OK(SyncWritersFromConfig(*db, Cfg({{"alice", {}, 0}})));
  CHECK(Watches(*db).empty());
}

TEST_CASE("a gone watch stays gone until the writer's configured repo list changes") {
  auto db = OpenDb();
  auto cfg = Cfg({{"alice", {"o/gone", "o/ok"}, 0}});
  REQUIRE_OK(SyncWritersFromConfig(*db, cfg));
  REQUIRE_OK(
      db->Exec("UPDATE watches SET status = 'gone', gone_at = '2026-01-01T00:00:00Z' "
               "WHERE repo_name = 'o/gone'"));
  REQUIRE_OK(SyncWritersFromConfig(*db, cfg));  // same list: still gone
  CHECK(Watches(*db) ==
        std::vector<std::string>{"alice o/gone config gone", "alice o/ok config active"});
  // Same repos in another order and case: not a change.
  REQUIRE_OK(SyncWritersFromConfig(*db, Cfg({{"alice", {"o/ok", "O/Gone"}, 0}})));
  CHECK(Watches(*db) ==
        std::vector<std::string>{"alice O/Gone config gone", "alice o/ok config active"});
  // A repo added: the operator edited the list, so gone repos are tried again.
  REQUIRE_OK(SyncWritersFromConfig(*db, Cfg({{"alice", {"o/gone", "o/ok", "o/new"}, 0}})));
  CHECK(Watches(*db) == std::vector<std::string>{"alice o/gone config active",
                                                 "alice o/new config active",
                                                 "alice o/ok config active"});
  auto gone_at = db->QueryInt("SELECT COUNT(*) FROM watches WHERE gone_at IS NOT NULL");
  REQUIRE_OK(gone_at);
  CHECK(**gone_at == 0);
}

TEST_CASE("another writer's config change does not revive a gone watch") {
  auto db = OpenDb();
  REQUIRE_OK(SyncWritersFromConfig(*db, Cfg({{"alice", {"o/gone"}, 0}, {"bob", {"o/b"}, 0}})));
  REQUIRE_OK(db->Exec("UPDATE watches SET status = 'gone' WHERE repo_name = 'o/gone'"));
  REQUIRE_OK(
      SyncWritersFromConfig(*db, Cfg({{"alice", {"o/gone"}, 0}, {"bob", {"o/b", "o/c"}, 0}})));
  CHECK(Watches(*db) == std::vector<std::string>{"alice o/gone config gone",
                                                 "bob o/b config active", "bob o/c config active"});
}

TEST_CASE("a failed mirror changes nothing") {
  auto db = OpenDb();
  REQUIRE_OK(SyncWritersFromConfig(*db, Cfg({{"alice", {"o/a"}, 0}})));
  // A trigger makes the second watch insert fail midway.
  REQUIRE(db->Exec("CREATE TRIGGER no_b BEFORE INSERT ON watches WHEN NEW.repo_name = 'o/b' "
                   "BEGIN SELECT RAISE(ABORT, 'refused'); END")
              .ok());
  Status s = SyncWritersFromConfig(*db, Cfg({{"carol", {"o/a", "o/b"}, 0}}));
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("refused") != std::string::npos);
  CHECK(Writers(*db) == std::vector<std::string>{"alice"});
  CHECK(Watches(*db) == std::vector<std::string>{"alice o/a config active"});
}
