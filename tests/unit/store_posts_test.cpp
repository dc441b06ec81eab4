// The blog tables of migration 9: posts upserted by entry id or link, projects per feed,
// failures in sync_errors with the posts untouched, the counts views fed by posts; and
// migration 10's old names, which make a post about a renamed repository count for it.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "check_ok.hpp"
#include "db_rows.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/store/migrations.hpp"
#include "ghharvest/store/posts.hpp"
#include "manual_clock.hpp"

using namespace ghharvest;
using testing::ManualClock;

namespace {

model::BlogPost Post(std::string id, std::string link, std::string title,
                     std::vector<std::string> projects,
                     std::optional<std::string> published = "2026-01-10T00:00:00Z") {
  model::BlogPost p;
  p.entry_id = std::move(id);
  p.link = std::move(link);
  p.title = std::move(title);
  p.projects = std::move(projects);
  p.published_at = std::move(published);
  return p;
}

std::vector<std::string> Texts(store::Database& db, const std::string& sql) {
  return testing::RowsAsText(db, sql);
}

std::vector<std::string> BlogCounts(store::Database& db) {
  return Texts(db,
               "SELECT writer, project, blog_posts FROM writer_project_counts "
               "WHERE blog_posts > 0 ORDER BY writer, project");
}

struct Fixture {
  Fixture() {
    auto opened = store::Database::Open(":memory:");
    REQUIRE_OK(opened);
    db = std::move(opened).value();
    REQUIRE_OK(db->Exec("INSERT INTO writers(login) VALUES ('alice'), ('bob')"));
  }
  std::unique_ptr<store::Database> db;
  ManualClock clock{"2026-01-20T00:00:00Z"};
};

const std::string kRss = "https://alice.example/index.xml";
const std::string kAtom = "https://alice.example/atom.xml";

}  // namespace

TEST_CASE("posts are stored once, a re-store of the same feed changes nothing") {
  Fixture f;
  store::PostsTables t(*f.db);
  const std::vector<model::BlogPost> posts = {
      Post("g1", "https://alice.example/1", "One", {"octo/alpha", "Octo/Beta"}),
      Post("", "https://alice.example/2", "Two", {}),
  };
  auto w = t.StoreFeed("alice", kRss, "RSS", posts, {"\"e1\"", std::nullopt, std::nullopt},
                       f.clock.Now());
  REQUIRE_OK(w);
  CHECK(w->added == 2);
  CHECK(w->changed == 0);
  CHECK(BlogCounts(*f.db) ==
        std::vector<std::string>{"alice | Octo/Beta | 1", "alice | octo/alpha | 1"});
  auto v = t.Validators("alice", kRss);
  REQUIRE_OK(v);
  CHECK(v->etag == std::optional<std::string>("\"e1\""));
  CHECK(!v->last_modified);

  f.clock.Advance(std::chrono::hours(6));
  auto again = t.StoreFeed("alice", kRss, "RSS", posts, {"\"e1\"", std::nullopt, std::nullopt},
                           f.clock.Now());
  REQUIRE_OK(again);
  CHECK(again->added == 0);
  CHECK(again->changed == 0);
  CHECK(Texts(*f.db, "SELECT COUNT(*), MIN(first_seen_at) FROM posts") ==
        std::vector<std::string>{"2 | 2026-01-20T00:00:00Z"});
}

TEST_CASE("an edited post is updated, not counted twice, projects follow the edit") {
  Fixture f;
  store::PostsTables t(*f.db);
  REQUIRE_OK(t.StoreFeed("alice", kRss, "RSS",
                         {Post("g1", "https://alice.example/1", "One", {"octo/alpha"})}, {},
                         f.clock.Now()));
  auto w =
      t.StoreFeed("alice", kRss, "RSS",
                  {Post("g1", "https://alice.example/1-renamed", "One, revised", {"octo/gamma"})},
                  {}, f.clock.Now());
  REQUIRE_OK(w);
  CHECK(w->added == 0);
  CHECK(w->changed == 1);
  CHECK(Texts(*f.db, "SELECT entry_id, link, title FROM posts") ==
        std::vector<std::string>{"g1 | https://alice.example/1-renamed | One, revised"});
  CHECK(BlogCounts(*f.db) == std::vector<std::string>{"alice | octo/gamma | 1"});
}

TEST_CASE("the same post in a writer's RSS and Atom feeds is one post, counted once") {
  Fixture f;
  store::PostsTables t(*f.db);
  // RSS: guid is the permalink, summary only; Atom: a tag id, the whole text.
  REQUIRE_OK(t.StoreFeed(
      "alice", kRss, "RSS",
      {Post("https://alice.example/1", "https://alice.example/1", "One", {"octo/alpha"})}, {},
      f.clock.Now()));
  auto w = t.StoreFeed("alice", kAtom, "Atom",
                       {Post("tag:alice.example,2026:1", "https://alice.example/1", "One",
                             {"octo/alpha", "octo/beta"})},
                       {}, f.clock.Now());
  REQUIRE_OK(w);
  CHECK(w->added == 0);
  CHECK(w->changed == 0);  // the Atom feed's projects join the post
  CHECK(BlogCounts(*f.db) ==
        std::vector<std::string>{"alice | octo/alpha | 1", "alice | octo/beta | 1"});
  // Polling both again changes nothing: neither feed's id or projects undo the other's.
  for (int i = 0; i < 2; ++i) {
    auto r = t.StoreFeed(
        "alice", kRss, "RSS",
        {Post("https://alice.example/1", "https://alice.example/1", "One", {"octo/alpha"})}, {},
        f.clock.Now());
    REQUIRE_OK(r);
    CHECK(r->changed == 0);
    auto a = t.StoreFeed("alice", kAtom, "Atom",
                         {Post("tag:alice.example,2026:1", "https://alice.example/1", "One",
                               {"octo/alpha", "octo/beta"})},
                         {}, f.clock.Now());
    REQUIRE_OK(a);
    CHECK(a->changed == 0);
  }
  CHECK(Texts(*f.db, "SELECT COUNT(*) FROM posts") == std::vector<std::string>{"1"});
  auto states = t.FeedStates();
  REQUIRE_OK(states);
  REQUIRE(states->size() == 2);
  CHECK((*states)[0].posts == 1);
  CHECK((*states)[1].posts == 1);
  // Another writer's post with the same link is that writer's own.
  REQUIRE_OK(t.StoreFeed("bob", "https://bob.example/feed", "RSS",
                         {Post("", "https://alice.example/1", "Reblog", {"octo/alpha"})}, {},
                         f.clock.Now()));
  CHECK(BlogCounts(*f.db) == std::vector<std::string>{"alice | octo/alpha | 1",
                                                      "alice | octo/beta | 1",
                                                      "bob | octo/alpha | 1"});
}

TEST_CASE("a post that drops out of the feed stays counted") {
  Fixture f;
  store::PostsTables t(*f.db);
  REQUIRE_OK(t.StoreFeed("alice", kRss, "RSS",
                         {Post("g1", "https://alice.example/1", "One", {"octo/alpha"}),
                          Post("g2", "https://alice.example/2", "Two", {"octo/alpha"})},
                         {}, f.clock.Now()));
  REQUIRE_OK(t.StoreFeed("alice", kRss, "RSS",
                         {Post("g3", "https://alice.example/3", "Three", {"octo/alpha"})}, {},
                         f.clock.Now()));
  CHECK(BlogCounts(*f.db) == std::vector<std::string>{"alice | octo/alpha | 3"});
}

TEST_CASE("a failure is recorded with the URL, the posts and validators stay") {
  Fixture f;
  store::PostsTables t(*f.db);
  REQUIRE_OK(t.StoreFeed("alice", kRss, "RSS",
                         {Post("g1", "https://alice.example/1", "One", {"octo/alpha"})},
                         {"\"v1\"", "Tue, 20 Jan 2026 00:00:00 GMT", std::nullopt}, f.clock.Now()));
  f.clock.Advance(std::chrono::hours(1));
  REQUIRE_OK(t.RecordFailure("alice", kRss, "malformed XML: line 3: oops", f.clock.Now()));
  CHECK(Texts(*f.db, "SELECT at, scope, url, message FROM sync_errors") ==
        std::vector<std::string>{"2026-01-20T01:00:00Z | feed alice | " + kRss +
                                 " | malformed XML: line 3: oops"});
  CHECK(BlogCounts(*f.db) == std::vector<std::string>{"alice | octo/alpha | 1"});
  auto v = t.Validators("alice", kRss);
  REQUIRE_OK(v);
  CHECK(v->etag == std::optional<std::string>("\"v1\""));
  auto states = t.FeedStates();
  REQUIRE_OK(states);
  REQUIRE(states->size() == 1);
  CHECK((*states)[0].last_status == std::optional<std::string>("malformed XML: line 3: oops"));
  CHECK((*states)[0].last_fetch_at == std::optional<std::string>("2026-01-20T01:00:00Z"));
  CHECK((*states)[0].last_ok_at == std::optional<std::string>("2026-01-20T00:00:00Z"));
  CHECK((*states)[0].format == std::optional<std::string>("RSS"));

  f.clock.Advance(std::chrono::hours(1));
  REQUIRE_OK(t.RecordNotModified("alice", kRss, f.clock.Now()));
  states = t.FeedStates();
  REQUIRE_OK(states);
  CHECK((*states)[0].last_status == std::optional<std::string>("not modified"));
  CHECK((*states)[0].last_ok_at == std::optional<std::string>("2026-01-20T02:00:00Z"));
}

TEST_CASE("posts' dates: published, else updated, else first seen, and writer_blog_posts") {
  Fixture f;
  store::PostsTables t(*f.db);
  auto updated_only = Post("g2", "https://alice.example/2", "Two", {"octo/alpha"}, std::nullopt);
  updated_only.updated_at = "2026-01-15T00:00:00Z";
  REQUIRE_OK(
      t.StoreFeed("alice", kRss, "RSS",
                  {Post("g1", "https://alice.example/1", "One", {"octo/alpha"}), updated_only,
                   Post("g3", "https://alice.example/3", "Three", {}, std::nullopt)},
                  {}, f.clock.Now()));
  CHECK(Texts(*f.db,
              "SELECT project, at FROM writer_activity WHERE kind = 'blog_post' ORDER BY at") ==
        std::vector<std::string>{"octo/alpha | 2026-01-10T00:00:00Z",
                                 "octo/alpha | 2026-01-15T00:00:00Z"});
  CHECK(Texts(*f.db,
              "SELECT writer, project, title, url, published_at FROM writer_blog_posts "
              "ORDER BY url") ==
        std::vector<std::string>{
            "alice | octo/alpha | One | https://alice.example/1 | 2026-01-10T00:00:00Z",
            "alice | octo/alpha | Two | https://alice.example/2 | NULL",
            "alice | NULL | Three | https://alice.example/3 | NULL"});
}

TEST_CASE("the old blog_posts shape still takes an INSERT, and a version 7 table moves over") {
  Fixture f;
  REQUIRE_OK(
      f.db->Exec("INSERT INTO blog_posts (url, writer, project, title, published_at) VALUES "
                 "('https://b.example/1', 'bob', 'octo/alpha', 'P', '2026-01-01T00:00:00Z'), "
                 "('https://b.example/1', 'bob', 'octo/beta', 'P', '2026-01-01T00:00:00Z')"));
  CHECK(BlogCounts(*f.db) ==
        std::vector<std::string>{"bob | octo/alpha | 1", "bob | octo/beta | 1"});
  CHECK(Texts(*f.db, "SELECT COUNT(*) FROM posts") == std::vector<std::string>{"1"});

  // A database at version 7 with a row in the old table.
  const auto& all = store::EmbeddedMigrations();
  std::vector<store::Migration> upto7;
  for (const auto& m : all) {
    if (m.version <= 7) upto7.push_back(m);
  }
  auto old = store::Database::Open(":memory:", {.apply_migrations = false});
  REQUIRE_OK(old);
  REQUIRE_OK(store::ApplyMigrations(**old, upto7));
  REQUIRE_OK((*old)->Exec(
      "INSERT INTO writers(login) VALUES ('alice');"
      "INSERT INTO blog_posts (url, writer, project, title, published_at) VALUES "
      "('https://a.example/1', 'alice', 'octo/alpha', 'Old', '2025-12-01T00:00:00Z')"));
  REQUIRE_OK(store::ApplyMigrations(**old, all));
  CHECK(BlogCounts(**old) == std::vector<std::string>{"alice | octo/alpha | 1"});
  CHECK(Texts(**old, "SELECT url, title, published_at FROM blog_posts") ==
        std::vector<std::string>{"https://a.example/1 | Old | 2025-12-01T00:00:00Z"});
}

namespace {
model::RepoRecord Repo(std::int64_t id, std::string full_name) {
  model::RepoRecord r;
  r.id = id;
  r.full_name = std::move(full_name);
  return r;
}
}  // namespace

// GitHub redirects a renamed repository's old URLs, so a post that links to the old name is
// about the renamed project: it counts there, once, even beside a link to the new name.
TEST_CASE("a post about a renamed repository counts for its new name, once") {
  Fixture f;
  store::Ingest ingest(*f.db);
  store::PostsTables t(*f.db);
  REQUIRE_OK(ingest.UpsertRepo(Repo(7, "octo/alpha")));
  REQUIRE_OK(t.StoreFeed("alice", kRss, "RSS",
                         {Post("g1", "https://alice.example/1", "Old", {"octo/alpha"}),
                          Post("g2", "https://alice.example/2", "Both", {"Octo/Alpha"})},
                         {}, f.clock.Now()));
  CHECK(BlogCounts(*f.db) == std::vector<std::string>{"alice | octo/alpha | 2"});

  // Renamed, as a payload or a 301 tells the store.
  REQUIRE_OK(ingest.UpsertRepo(Repo(7, "octo/alpha-ng")));
  REQUIRE_OK(
      t.StoreFeed("alice", kRss, "RSS",
                  {Post("g2", "https://alice.example/2", "Both", {"Octo/Alpha", "octo/alpha-ng"}),
                   Post("g3", "https://alice.example/3", "New", {"octo/alpha-ng"})},
                  {}, f.clock.Now()));
  CHECK(BlogCounts(*f.db) == std::vector<std::string>{"alice | octo/alpha-ng | 3"});
  CHECK(Texts(*f.db, "SELECT name, repo_id FROM repo_old_names") ==
        std::vector<std::string>{"octo/alpha | 7"});
  CHECK(Texts(*f.db, "SELECT project, COUNT(*) FROM writer_blog_posts GROUP BY project") ==
        std::vector<std::string>{"octo/alpha-ng | 3"});

  // A change of letter case is not a rename.
  REQUIRE_OK(ingest.UpsertRepo(Repo(7, "Octo/Alpha-NG")));
  CHECK(Texts(*f.db, "SELECT name FROM repo_old_names") == std::vector<std::string>{"octo/alpha"});
}

TEST_CASE("an old name the store never held counts too, and a new repository of that name wins") {
  Fixture f;
  store::Ingest ingest(*f.db);
  store::PostsTables t(*f.db);
  // The harvest asked by the configured name and GitHub answered with the renamed one.
  REQUIRE_OK(ingest.UpsertRepo(Repo(7, "octo/beta")));
  REQUIRE_OK(ingest.RecordOldName("octo/old-beta", 7));
  REQUIRE_OK(t.StoreFeed("alice", kRss, "RSS",
                         {Post("g1", "https://alice.example/1", "Old", {"octo/old-beta"})}, {},
                         f.clock.Now()));
  CHECK(BlogCounts(*f.db) == std::vector<std::string>{"alice | octo/beta | 1"});

  // Someone creates a new repository under the old name: the name is its own now.
  REQUIRE_OK(ingest.UpsertRepo(Repo(9, "octo/old-beta")));
  CHECK(BlogCounts(*f.db) == std::vector<std::string>{"alice | octo/old-beta | 1"});
  // And a name that another repository holds is never recorded as an old name.
  REQUIRE_OK(ingest.RecordOldName("octo/old-beta", 7));
  REQUIRE_OK(f.db->Exec("DELETE FROM repo_old_names"));
  REQUIRE_OK(ingest.RecordOldName("octo/old-beta", 7));
  CHECK(Texts(*f.db, "SELECT COUNT(*) FROM repo_old_names") == std::vector<std::string>{"0"});
}
