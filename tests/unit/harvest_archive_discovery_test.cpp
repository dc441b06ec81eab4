// Discovery from imported GH Archive history: the projects a writer opened issues or pull
// requests in, commented on, reviewed or pushed to become watches (source 'archive'), before
// search, user repositories and events, under the same max_discovered_repos.
#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <cctype>
#include <string>

#include "files.hpp"
#include "ghharvest/archive/import_archive.hpp"
#include "ghharvest/config/config.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/util/log.hpp"
#include "harvest_harness.hpp"
#include "world/world.hpp"

namespace gh = ghharvest;
using gh::testing::HarvestHarness;
using gh::testing::HarvestHarnessOptions;

namespace {

const bool kQuiet = (gh::log::SetLevel(gh::log::Level::kError), true);

std::string Event(const std::string& id, const std::string& type, const std::string& login,
                  std::int64_t user_id, std::int64_t repo_id, const std::string& repo,
                  const std::string& payload, const std::string& at) {
  return R"({"id":")" + id + R"(","type":")" + type + R"(","actor":{"id":)" +
         std::to_string(user_id) + R"(,"login":")" + login + R"("},"repo":{"id":)" +
         std::to_string(repo_id) + R"(,"name":")" + repo + R"("},"payload":)" + payload +
         R"(,"created_at":")" + at + "\"}\n";
}

// `writer` pushed three times to hist/one, opened two issues in hist/two (both since deleted:
// GitHub answers 404), commented once in `live` (a project GitHub still has); starred
// hist/star (not a touch); someone else pushed to hist/other.
std::string History(const std::string& writer, std::int64_t id, std::int64_t live_id,
                    const std::string& live) {
  std::string text;
  for (int k = 0; k < 3; ++k) {
    text += Event("p" + std::to_string(k), "PushEvent", writer, id, 990001, "hist/one",
                  R"({"ref":"refs/heads/main","head":"abc"})",
                  "2019-01-0" + std::to_string(k + 1) + "T00:00:00Z");
  }
  for (int k = 0; k < 2; ++k) {
    text += Event("i" + std::to_string(k), "IssuesEvent", writer, id, 990002, "hist/two",
                  R"({"action":"opened","issue":{"id":)" + std::to_string(880000 + k) +
                      R"(,"number":)" + std::to_string(k + 1) + "}}",
                  "2019-02-0" + std::to_string(k + 1) + "T00:00:00Z");
  }
  text += Event("c0", "IssueCommentEvent", writer, id, live_id, live,
                R"({"action":"created","comment":{"id":770001,)"
                R"("issue_url":"https://api.github.com/repos/x/y/issues/1"}})",
                "2019-03-01T00:00:00Z");
  text += Event("w0", "WatchEvent", writer, id, 990003, "hist/star", R"({"action":"started"})",
                "2019-03-02T00:00:00Z");
  text += Event("o0", "PushEvent", "somebody-else", 987654, 990004, "hist/other", "{}",
                "2019-03-03T00:00:00Z");
  return text;
}

struct Setup {
  std::string writer, live;
  std::int64_t id = 0, live_id = 0;
};

Setup ImportHistory(HarvestHarness& h) {
  Setup s;
  s.writer = h.config().writers[0].login;
  // A project the writer is active in: search finds it too.
  auto projects = h.world().WriterProjects()[s.writer];
  REQUIRE_FALSE(projects.empty());
  s.live = projects[0];
  h.world().Read([&](const gh::testing::WorldModel& m) {
    s.id = m.UserByLogin(s.writer)->id;
    s.live_id = m.Repo(s.live)->id;
    return 0;
  });
  gh::testing::TempDir dir;
  std::string gz = dir.file("2019-01-01-0.json.gz");
  gh::testing::WriteGz(gz, History(s.writer, s.id, s.live_id, s.live));
  auto filter = gh::archive::WatchedFilter(h.db(), gh::config::WatchedWriters(h.config()));
  REQUIRE_OK(filter);
  gh::archive::ImportOptions opts;
  opts.filter = *filter;
  for (int twice = 0; twice < 2; ++twice) {  // a file imported again adds no touch
    gh::archive::ImportStats stats;
    REQUIRE_OK(gh::archive::ImportArchiveFile(h.db(), gz, opts, &stats));
  }
  return s;
}

std::int64_t Int(gh::store::Database& db, const std::string& sql) {
  auto v = db.QueryInt(sql);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  return v->value_or(-1);
}

}  // namespace

TEST_CASE("imported history lists the projects a writer touched, most touched first") {
  HarvestHarnessOptions o;
  o.spec.items = 300;
  o.discovery = true;
  HarvestHarness h(o);
  Setup s = ImportHistory(h);
  gh::store::Ingest ingest(h.db());
  auto touched = ingest.ArchiveTouchedRepos(s.writer);
  REQUIRE_OK(touched);
  REQUIRE(touched->size() == 3);
  CHECK((*touched)[0] == "hist/one");
  CHECK((*touched)[1] == "hist/two");
  CHECK((*touched)[2] == s.live);
  CHECK(Int(h.db(), "SELECT count(*) FROM archive_touches") == 6);  // once each, not twice
  CHECK(Int(h.db(),
            "SELECT count(*) FROM archive_touches WHERE repo_name IN "
            "('hist/star', 'hist/other')") == 0);
  // Logins compare without case, as GitHub's do.
  std::string upper = s.writer;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto again = ingest.ArchiveTouchedRepos(upper);
  REQUIRE_OK(again);
  CHECK(again->size() == 3);
}

TEST_CASE("archive discovery comes before search and stops at max_discovered_repos") {
  HarvestHarnessOptions o;
  o.spec.items = 300;
  o.discovery = true;
  HarvestHarness h(o);
  Setup s = ImportHistory(h);
  h.config().harvest.max_discovered_repos = 2;
  auto r = h.Sync();
  CHECK_OK(r.status);
  const std::string mine = "SELECT count(*) FROM watches WHERE writer = '" + s.writer + "'";
  CHECK(Int(h.db(), mine + " AND source <> 'config'") == 2);
  CHECK(Int(h.db(), mine + " AND source = 'archive' AND repo_name IN ('hist/one', 'hist/two')") ==
        2);
  // Both are gone on GitHub now: kept, not polled, and their places go to new finds.
  CHECK(Int(h.db(), mine + " AND status = 'gone'") == 2);
  auto next = h.Sync();
  CHECK_OK(next.status);
  CHECK(Int(h.db(), mine + " AND repo_name = '" + s.live +
                        "' AND source = 'archive' AND status = 'active'") == 1);
  CHECK(Int(h.db(), mine + " AND status = 'active' AND source <> 'config'") <= 2);
}

TEST_CASE("with room under the cap, archive finds and search finds add up, the archive's first") {
  HarvestHarnessOptions o;
  o.spec.items = 300;
  o.discovery = true;
  HarvestHarness h(o);
  Setup s = ImportHistory(h);
  h.config().harvest.max_discovered_repos = 50;
  auto r = h.Sync();
  CHECK_OK(r.status);
  const std::string mine = "SELECT count(*) FROM watches WHERE writer = '" + s.writer + "'";
  CHECK(Int(h.db(), mine + " AND source = 'archive'") == 3);
  // The live project is the archive's find, although search finds it too.
  CHECK(Int(h.db(), mine + " AND repo_name = '" + s.live + "' AND source = 'archive'") == 1);
  CHECK(Int(h.db(), mine + " AND source IN ('search', 'user_repos', 'events')") > 0);
  CHECK(Int(h.db(), mine + " AND source <> 'config'") <= 50);
}
