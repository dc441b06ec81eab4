// The harvester against the synthetic GitHub (tests/support/world): after a sync,
// writer_project_counts must equal the world's own truth, row by row and column by column.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check_ok.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cctype>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <map>

#include "fake_server.hpp"
#include "ghharvest/app/adapters.hpp"
#include "ghharvest/config/config.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/harvest/harvester.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/store/list_pages.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"
#include "harvest/plan.hpp"
#include "harvest_harness.hpp"
#include "test_paths.hpp"
#include "world/github_handler.hpp"
#include "world/world.hpp"

namespace gh = ghharvest;
using gh::testing::CountsRow;
using gh::testing::HarvestHarness;
using gh::testing::HarvestHarnessOptions;
using gh::testing::HarvestRun;

namespace {

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The harvester logs every retry and every failed list; the injected faults here make
// thousands of them.
const bool kQuiet = (gh::log::SetLevel(gh::log::Level::kError), true);

// The config `sync --once` runs with: the harness's, without retries, so that an unreachable
// or failing GitHub ends the run at once.
gh::testing::TestConfig SyncConfig(const HarvestHarness& h) {
  return h.BinaryConfig("GHH_HARVEST_TEST_TOKEN").Set("github", "max_retries", 0);
}

std::string WriteSyncConfig(const HarvestHarness& h) {
  return SyncConfig(h).Write(h.dir() + "/ghharvest.toml");
}

std::int64_t DuplicateRows(HarvestHarness& h) {
  auto dup = gh::testing::DuplicateRows(h.db());
  REQUIRE_OK(dup);
  return *dup;
}

void CheckCounts(HarvestHarness& h, const char* when) {
  auto stored_rows = h.Stored();
  REQUIRE_OK(stored_rows);
  const std::vector<CountsRow>& stored = *stored_rows;
  auto truth = h.Truth();
  INFO(when);
  CHECK(stored.size() == truth.size());
  std::size_t shown = 0;
  for (std::size_t i = 0, j = 0; (i < stored.size() || j < truth.size()) && shown < 10;) {
    if (i < stored.size() && j < truth.size() && stored[i] == truth[j]) {
      ++i, ++j;
      continue;
    }
    ++shown;
    if (i < stored.size()) MESSAGE("stored: " << stored[i].ToString());
    if (j < truth.size()) MESSAGE("truth:  " << truth[j].ToString());
    ++i, ++j;
  }
  CHECK(stored == truth);
}

void Report(const char* what, const HarvestRun& r, std::int64_t floor) {
  std::string per;
  for (const auto& [name, e] : r.stats.per_endpoint) {
    per += " " + name + "=" + std::to_string(e.requests);
  }
  MESSAGE(std::string(what)
          << ": requests=" << r.stats.requests << " not_modified=" << r.stats.not_modified
          << " points=" << r.stats.points_spent << " items=" << r.stats.items_upserted
          << " floor=" << floor << " ratio="
          << (floor ? static_cast<double>(r.stats.requests) / static_cast<double>(floor) : 0.0)
          << " per endpoint:" << per);
}

gh::testing::WorldSpec BigWorld() {
  gh::testing::WorldSpec spec;
  spec.seed = 42;
  spec.writers = 6;
  spec.projects = 10;
  spec.items = 20000;
  return spec;
}

// Sync, advance, sync, sync again unchanged: exact counts each time, and the last sync costs
// nothing (only conditional requests, all 304, zero points on the server's counters).
void SyncAdvanceSyncIdle(HarvestHarness& h) {
  auto floor = h.Floor().total();
  auto first = h.Sync();
  CHECK_MESSAGE(first.status.ok(), first.status.ToString());
  Report("first sync", first, floor);
  CheckCounts(h, "after the first sync");
  CHECK(DuplicateRows(h) == 0);

  h.world().Advance();
  auto second = h.Sync();
  CHECK_MESSAGE(second.status.ok(), second.status.ToString());
  Report("second sync (after Advance)", second, 0);
  CheckCounts(h, "after advancing the world");

  h.handler().ResetCounters();
  auto third = h.Sync();
  CHECK_MESSAGE(third.status.ok(), third.status.ToString());
  auto c = h.handler().counters();
  MESSAGE("idle sync: server requests=" << c.requests << " 304=" << c.not_modified
                                        << " points=" << c.primary_points());
  CHECK(c.requests > 0);
  CHECK(c.not_modified == c.requests);
  CHECK(c.primary_points() == 0);
  CHECK_FALSE(third.stats.counts_changed);
  CheckCounts(h, "after an idle sync");
}

}  // namespace

TEST_CASE("listed repos: counts equal the world's truth after sync, advance and idle sync") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  HarvestHarness h(o);
  REQUIRE(h.world().ItemCount() >= 20000);
  SyncAdvanceSyncIdle(h);
  // Comments by deleted accounts come as GitHub's `ghost` user (id 10137), as on GitHub: one
  // user row, someone other than the writers, whose comments count as feedback (the truth).
  auto ghost = h.db().QueryInt(
      "SELECT count(*) FROM users WHERE id = 10137 AND login = 'ghost' AND NOT is_bot");
  REQUIRE_OK(ghost);
  CHECK(ghost->value_or(0) == 1);
  auto by_ghost = h.db().QueryInt("SELECT count(*) FROM issue_comments WHERE user_id = 10137");
  REQUIRE_OK(by_ghost);
  CHECK(by_ghost->value_or(0) > 0);
}

TEST_CASE("with 20% injected faults the counts are still exact and an idle sync costs nothing") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.fault_rate = 0.2;
  HarvestHarness h(o);
  SyncAdvanceSyncIdle(h);
}

TEST_CASE("discovery finds the writers' projects and the counts equal the truth") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.discovery = true;
  HarvestHarness h(o);
  SyncAdvanceSyncIdle(h);
  auto watches = h.db().QueryInt(
      "SELECT count(*) FROM watches WHERE source IN ('search', 'user_repos', 'events')");
  REQUIRE_OK(watches);
  CHECK(watches->value_or(0) > 0);
}

TEST_CASE("a list whose last page was full sees the item after it although that page answers 304") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  HarvestHarness h(o);
  // One repository's issues list made a whole number of full pages by deleting plain issues
  // without comments; one of them, a watched writer's, made the newest and held back to come
  // "new" later.
  std::string repo;
  std::int64_t held_back = 0;
  h.world().Write([&](gh::testing::WorldModel& m) {
    for (auto& r : m.repos) {
      std::vector<gh::testing::WorldIssue*> quiet;  // plain, no comments
      gh::testing::WorldIssue* mine = nullptr;      // one of them a watched writer opened
      std::int64_t live = 0;
      gh::testing::WorldTime last = 0;
      for (auto& i : r.issues) {
        if (i.deleted) continue;
        ++live;
        last = std::max(last, i.created);
        if (i.is_pull || i.comments != 0) continue;
        const auto* author = m.User(i.user);
        if (!mine && author && author->writer) {
          mine = &i;
        } else {
          quiet.push_back(&i);
        }
      }
      const std::int64_t cut = live % 100;
      if (live <= 100 || cut == 0 || !mine || static_cast<std::int64_t>(quiet.size()) < cut - 1) {
        continue;
      }
      // The writer's issue becomes the newest of the list, and is held back with cut - 1
      // others: the rest is a whole number of full pages.
      mine->created = last + 1;
      mine->updated = std::max(mine->updated, mine->created);
      mine->deleted = true;
      for (std::int64_t k = 0; k + 1 < cut; ++k) quiet[static_cast<std::size_t>(k)]->deleted = true;
      repo = r.full_name();
      held_back = mine->id;
      return;
    }
  });
  REQUIRE_FALSE(repo.empty());
  MESSAGE("repository " << repo);
  REQUIRE_OK(h.Sync().status);
  CheckCounts(h, "first sync, the last page full");
  // The held-back issue comes back as the newest: it alone is on the next page.
  h.world().Write([&](gh::testing::WorldModel& m) {
    for (auto& r : m.repos) {
      for (auto& i : r.issues) i.deleted = i.deleted && i.id != held_back;
    }
  });
  auto after = h.Sync();
  REQUIRE_OK(after.status);
  CheckCounts(h, "the item after the full page");
  auto idle = h.Sync();
  REQUIRE_OK(idle.status);
  CHECK(idle.server.not_modified == idle.server.requests);
  CHECK(idle.server.primary_points() == 0);
}

namespace {

// Starts `ghharvest sync --once -c config` (the real binary); returns its pid.
pid_t SpawnSync(const std::string& config) {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    setenv("GHH_HARVEST_TEST_TOKEN", "test-token", 1);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    execl(GHH_BINARY, GHH_BINARY, "--log-level", "error", "sync", "--once", "-c", config.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int WaitExit(pid_t pid) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

namespace {

// Milliseconds one whole `sync --once` of a fresh harness like `o` takes (its exit code must
// be one of `ok_codes`), so that kills can be spread over a sync.
long TimeOneSync(const HarvestHarnessOptions& o,
                 const std::function<std::string(const HarvestHarness&)>& write_config,
                 std::initializer_list<int> ok_codes) {
  auto t0 = std::chrono::steady_clock::now();
  {
    HarvestHarness probe(o);
    int code = WaitExit(SpawnSync(write_config(probe)));
    CHECK(std::find(ok_codes.begin(), ok_codes.end(), code) != ok_codes.end());
  }
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count());
}

// kill -9 of `sync --once` at random moments within half a sync (`full_ms`) until 20 of them
// landed mid-sync (100 runs at most); the world changes every few runs so that later runs have
// work to be interrupted in (an idle sync is short). Returns how many were killed mid-sync.
int KillSyncs(HarvestHarness& h, const std::string& config, long full_ms, unsigned seed) {
  std::mt19937 rng(seed);
  int killed = 0, runs = 0;
  std::uniform_int_distribution<long> when(1, std::max<long>(full_ms / 2, 40));
  while (killed < 20 && runs < 100) {
    if (runs % 4 == 3) h.world().Advance();
    pid_t pid = SpawnSync(config);
    std::this_thread::sleep_for(std::chrono::milliseconds(when(rng)));
    ::kill(pid, SIGKILL);
    killed += WaitExit(pid) == 128 + SIGKILL;
    ++runs;
  }
  MESSAGE("runs killed mid-sync: " << killed << " of " << runs);
  return killed;
}

}  // namespace

// With a large repository whose commits and issues are read per writer: the kills land in
// whole lists and in per-writer ones alike.
std::string WriteLargeRepoSyncConfig(const HarvestHarness& h) {
  return SyncConfig(h)
      .Set("harvest", "per_writer_above_pages", 3)
      .Write(h.dir() + "/ghharvest-large.toml");
}

TEST_CASE("kill -9 of sync --once at random moments, then a normal sync: exact counts") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.items = 6000;
  o.spec.large_repo_items = 8000;  // about 16 pages of commits and of issues
  o.spec.large_repo_writers = 2;
  o.spec.large_repo_writer_share = 0.02;
  HarvestHarness h(o);
  std::string config = WriteLargeRepoSyncConfig(h);
  const long full = TimeOneSync(o, WriteLargeRepoSyncConfig, {0});
  MESSAGE("one full sync of the binary: " << full << " ms");
  CHECK(KillSyncs(h, config, full, 12345) >= 20);
  // The killed runs did store work (the final run resumes rather than starts over).
  auto stored = h.db().QueryInt("SELECT count(*) FROM commits");
  REQUIRE_OK(stored);
  CHECK(stored->value_or(0) > 0);

  REQUIRE(WaitExit(SpawnSync(config)) == 0);
  CheckCounts(h, "after the kills and one normal sync");
  CHECK(DuplicateRows(h) == 0);
  auto plans = h.db().QueryInt(
      "SELECT count(*) FROM sync_state WHERE endpoint IN ('plan_commits', 'plan_issues') AND "
      "scope = 'octo-org/monorepo' AND cursor LIKE 'per-writer: %'");
  REQUIRE_OK(plans);
  CHECK(plans->value_or(0) == 2);
}

TEST_CASE("30 percent faults on REST and GraphQL and 20 kill -9s of sync --once: exact, no dups") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.writers = 4;
  o.spec.projects = 6;
  o.spec.items = 3000;
  o.fault_rate = 0.3;  // every route, /graphql too
  HarvestHarness h(o);
  // The client's own retries (max_retries 5) get past the faults, as in production.
  auto write_config = [](const HarvestHarness& x) {
    return x.BinaryConfig("GHH_HARVEST_TEST_TOKEN").Write(x.dir() + "/ghharvest-faults.toml");
  };
  std::string config = write_config(h);
  const long full = TimeOneSync(o, write_config, {0, 75});
  MESSAGE("one full sync under 30 % faults: " << full << " ms");
  CHECK(KillSyncs(h, config, full, 4242) >= 20);
  // Still under faults: a list whose every retry faulted (0.3^6 a request) is retried by the
  // next run, as the daemon's next cycle would; exit 75 says so.
  int code = -1, finals = 0;
  while (code != 0 && finals < 5) {
    code = WaitExit(SpawnSync(config));
    ++finals;
  }
  MESSAGE("syncs to finish after the kills: " << finals);
  REQUIRE(code == 0);
  CheckCounts(h, "after 30 % faults, the kills and the syncs to finish");
  CHECK(DuplicateRows(h) == 0);
}

TEST_CASE(
    "a renamed project keeps its history under the new name; a gone one is kept, not polled") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.items = 4000;
  HarvestHarness h(o);
  auto first = h.Sync();
  REQUIRE_OK(first.status);
  gh::testing::AdvanceSpec a;
  a.rename_repo = true;
  a.delete_repo = true;
  auto changed = h.world().Advance(a);
  REQUIRE(changed.renamed_to);
  REQUIRE(changed.deleted);
  auto second = h.Sync();
  CHECK_MESSAGE(second.status.ok(), second.status.ToString());
  CHECK(second.stats.projects_gone == 1);
  CheckCounts(h, "after a rename and a deletion");
  auto gone = h.db().QueryInt("SELECT count(*) FROM watches WHERE status = 'gone'");
  REQUIRE_OK(gone);
  CHECK(gone->value_or(0) > 0);
  auto renamed =
      h.db().QueryInt("SELECT count(*) FROM repos WHERE full_name = '" + *changed.renamed_to + "'");
  REQUIRE_OK(renamed);
  CHECK(renamed->value_or(0) == 1);

  // The next cycle asks nothing of the gone project and no redirect of the renamed one.
  h.handler().ResetCounters();
  auto third = h.Sync();
  CHECK_OK(third.status);
  auto c = h.handler().counters();
  CHECK(c.not_found == 0);
  CHECK(c.redirects == 0);
  CHECK(c.not_modified == c.requests);
  CHECK(c.primary_points() == 0);
  CheckCounts(h, "after an idle sync past the rename");
}

TEST_CASE("a config login in another case watches the GitHub account and records its id") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.items = 2000;
  HarvestHarness h(o);
  REQUIRE_OK(h.Sync().status);
  auto unresolved = h.db().QueryInt("SELECT count(*) FROM writers WHERE user_id IS NULL");
  REQUIRE_OK(unresolved);
  CHECK(unresolved->value_or(-1) == 0);
  // Config spellings differ from GitHub's somewhere in the world, and the rows use GitHub's.
  auto differ = h.db().QueryInt(
      "SELECT count(*) FROM writers w JOIN users u ON u.id = w.user_id WHERE w.login <> u.login "
      "COLLATE BINARY");
  REQUIRE_OK(differ);
  CHECK(differ->value_or(0) > 0);
  CheckCounts(h, "with mixed-case config logins");
}

TEST_CASE("a 401 stops the cycle with kUnauthorized, and sync --once exits 77") {
  gh::testing::FakeServer server([](const gh::testing::HttpRequest&) {
    gh::testing::HttpResponse r;
    r.status = 401;
    r.body = R"({"message":"Bad credentials"})";
    return r;
  });
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.items = 500;
  HarvestHarness h(o);
  h.config().github.api_url = server.base_url();
  auto r = h.Sync();
  CHECK(r.status.code() == gh::Status::Code::kUnauthorized);
  CHECK(r.status.message().find("401") != std::string::npos);
  // One request told us; the rest were never sent.
  CHECK(server.stats().requests <= 4);
}

TEST_CASE("a sync stopped by a 401 frees its state, attempt after attempt") {
  // A daemon with a revoked token retries every poll; each attempt must leave nothing behind.
  gh::testing::FakeServer deny([](const gh::testing::HttpRequest&) {
    gh::testing::HttpResponse r;
    r.status = 401;
    r.body = R"({"message":"Bad credentials"})";
    return r;
  });
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.items = 200;
  HarvestHarness h(o);
  const std::int64_t before = gh::harvest::Harvester::LiveCycles();
  h.config().github.api_url = deny.base_url();
  for (int attempt = 0; attempt < 3; ++attempt) {
    CAPTURE(attempt);
    auto r = h.Sync();
    CHECK(r.status.code() == gh::Status::Code::kUnauthorized);
    CHECK(gh::harvest::Harvester::LiveCycles() == before);
  }
  // A sync that runs every phase to the end frees its state too.
  h.config().github.api_url = h.base_url();
  REQUIRE(h.Sync().status.ok());
  CHECK(gh::harvest::Harvester::LiveCycles() == before);
}

TEST_CASE("sync --once exit codes: 77 on a bad token, 69 when GitHub is unreachable, 0 when fine") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.items = 500;
  HarvestHarness h(o);
  std::string good = WriteSyncConfig(h);
  CHECK(WaitExit(SpawnSync(good)) == 0);

  gh::testing::FakeServer deny([](const gh::testing::HttpRequest&) {
    gh::testing::HttpResponse r;
    r.status = 401;
    r.body = R"({"message":"Bad credentials"})";
    return r;
  });
  h.config().github.api_url = deny.base_url();
  auto write = [&](const std::string& api) {
    return SyncConfig(h).Set("github", "api_url", api).Write(h.dir() + "/other.toml");
  };
  CHECK(WaitExit(SpawnSync(write(deny.base_url()))) == 77);

  // A port nobody listens on: bind one, note it, close it.
  std::string closed;
  {
    gh::testing::FakeServer gone(
        [](const gh::testing::HttpRequest&) { return gh::testing::HttpResponse{}; });
    closed = gone.base_url();
  }
  CHECK(WaitExit(SpawnSync(write(closed))) == 69);
}

TEST_CASE("SyncWriter only resolves its writer, SyncRepository crawls one repository") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.items = 2000;
  HarvestHarness h(o);
  boost::asio::io_context io;
  gh::ScaledClock clock(1000.0);
  gh::github::ClientOptions co;
  co.api_url = h.base_url();
  co.token = "t";
  gh::app::DatabaseEtagStore etags(h.db());
  gh::github::Client client(io, clock, &etags, co);
  gh::harvest::Harvester harvester(io, clock, h.db(), client, h.config());
  std::vector<gh::Status> got;
  std::vector<gh::harvest::HarvestStats> stats;
  auto record = [&](gh::Status s, gh::harvest::HarvestStats st) {
    got.push_back(s);
    stats.push_back(st);
  };
  const auto& writer = h.config().writers.front();
  REQUIRE_FALSE(writer.repos.empty());
  harvester.SyncWriter(Lower(writer.login), record);
  harvester.SyncWriter("nobody-here", record);
  // Spelled differently from the config: repository names are compared case-insensitively.
  std::string upper = writer.repos.front();
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  harvester.SyncRepository(upper, record);
  harvester.SyncRepository("nobody/here", record);
  CHECK(harvester.Busy());
  io.run();
  REQUIRE(got.size() == 4);
  CHECK_OK(got[0]);
  // A writer's part: its /users lookup only (its repos are listed, so no discovery).
  CHECK(stats[0].projects == 0);
  CHECK(stats[0].requests == 1);
  CHECK(stats[0].per_endpoint.count("users") == 1);
  CHECK(got[1].code() == gh::Status::Code::kNotFound);
  CHECK_OK(got[2]);
  CHECK(stats[2].projects == 1);
  CHECK(stats[2].per_endpoint.count("users") == 0);
  CHECK(stats[2].per_endpoint["repos"].requests == 1);
  CHECK(stats[2].counts_changed);
  CHECK(got[3].code() == gh::Status::Code::kNotFound);
  CHECK(stats[3].requests == 0);
  CHECK_FALSE(harvester.Busy());
}

TEST_CASE("repository jobs crawl each shared repository once, counts exact") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.items = 3000;
  HarvestHarness h(o);
  boost::asio::io_context io;
  gh::SystemClock clock;
  gh::github::ClientOptions co;
  co.api_url = h.base_url();
  co.token = "t";
  gh::app::DatabaseEtagStore etags(h.db());
  gh::github::Client client(io, clock, &etags, co);
  gh::harvest::Harvester harvester(io, clock, h.db(), client, h.config());

  // The watched repositories, deduplicated case-insensitively across writers.
  std::set<std::string> listed;
  std::size_t watches = 0;
  for (const auto& w : h.config().writers) {
    for (const auto& r : w.repos) listed.insert(Lower(r));
    watches += w.repos.size();
  }
  REQUIRE(listed.size() < watches);  // the world's writers do share repositories
  auto repos = harvester.WatchedRepositories();
  REQUIRE_OK(repos);
  std::set<std::string> named;
  for (const auto& r : *repos) named.insert(Lower(r));
  CHECK(repos->size() == listed.size());
  CHECK(named == listed);

  std::int64_t crawled = 0;
  std::int64_t failures = 0;
  for (const auto& w : h.config().writers) {
    harvester.SyncWriter(w.login, [&](gh::Status s, gh::harvest::HarvestStats x) {
      CHECK_OK(s);
      crawled += x.projects;
    });
  }
  for (const auto& r : *repos) {
    harvester.SyncRepository(r, [&](gh::Status s, gh::harvest::HarvestStats x) {
      CHECK_OK(s);
      crawled += x.projects;
      failures += x.failures;
    });
  }
  io.run();
  io.restart();
  CHECK(failures == 0);
  CHECK(crawled == static_cast<std::int64_t>(listed.size()));
  CheckCounts(h, "after one job per writer and per repository");

  // A full cycle reads every project again: all 304s now.
  gh::Status status;
  gh::harvest::HarvestStats all;
  harvester.SyncAll([&](gh::Status s, gh::harvest::HarvestStats x) {
    status = s;
    all = x;
  });
  io.run();
  REQUIRE_OK(status);
  CHECK(all.projects == static_cast<std::int64_t>(listed.size()));
  CHECK_FALSE(all.counts_changed);
  CHECK(all.points_spent == 0);
}

TEST_CASE("a list that keeps failing is recorded and skipped, the next cycle completes it") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.items = 3000;
  // One project's issue comments, and the reviews of some pull requests, fail for a cycle.
  o.fail_if = [](const gh::testing::HttpRequest& r) {
    bool reviews = r.path.find("/reviews") != std::string::npos &&
                   r.path.find("1/reviews") != std::string::npos;
    bool comments = r.path.find("/issues/comments") != std::string::npos &&
                    r.path.rfind("/repos/", 0) == 0 && r.path.find(Lower("x")) != std::string::npos;
    return reviews || comments;
  };
  *o.failing = true;
  HarvestHarness h(o);
  // The REST reviews walk's failures (a failing GraphQL read: harvest_graphql_test).
  h.config().github.graphql = false;
  auto first = h.Sync();
  CHECK(first.status.code() == gh::Status::Code::kUnavailable);
  CHECK(first.stats.scopes_failed > 0);
  auto errors = h.db().QueryInt("SELECT count(*) FROM sync_errors");
  REQUIRE_OK(errors);
  CHECK(errors->value_or(0) > 0);
  // The pulls walk whose reviews failed says so, and its watermark did not move.
  auto walking =
      h.db().QueryInt("SELECT count(*) FROM sync_state WHERE endpoint = 'pulls' AND walking");
  REQUIRE_OK(walking);
  CHECK(walking->value_or(0) > 0);
  // Everything else was stored: some counts are there already.
  auto partial = h.Stored();
  REQUIRE_OK(partial);
  CHECK_FALSE(partial->empty());

  *o.failing = false;
  auto second = h.Sync();
  CHECK_MESSAGE(second.status.ok(), second.status.ToString());
  CheckCounts(h, "after the failing lists recovered");
  walking = h.db().QueryInt("SELECT count(*) FROM sync_state WHERE endpoint = 'pulls' AND walking");
  REQUIRE_OK(walking);
  CHECK(walking->value_or(-1) == 0);
}

TEST_CASE("discovery stops at max_discovered_repos per writer") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.items = 2000;
  o.discovery = true;
  HarvestHarness h(o);
  h.config().harvest.max_discovered_repos = 2;
  auto r = h.Sync();
  CHECK_OK(r.status);
  auto most = h.db().QueryInt(
      "SELECT max(n) FROM (SELECT count(*) AS n FROM watches WHERE source <> 'config' GROUP BY "
      "writer)");
  REQUIRE_OK(most);
  CHECK(most->value_or(0) == 2);
}

TEST_CASE("sync --once exits 75 when some lists failed, and 0 once they recover") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.items = 500;
  o.fail_if = [](const gh::testing::HttpRequest& r) {
    return r.path.find("/pulls/comments") != std::string::npos;
  };
  *o.failing = true;
  HarvestHarness h(o);
  std::string config = WriteSyncConfig(h);
  CHECK(WaitExit(SpawnSync(config)) == 75);
  auto errors =
      h.db().QueryInt("SELECT count(*) FROM sync_errors WHERE url LIKE '%/pulls/comments%'");
  REQUIRE_OK(errors);
  CHECK(errors->value_or(0) > 0);
  *o.failing = false;
  CHECK(WaitExit(SpawnSync(config)) == 0);
  CheckCounts(h, "after the failed lists recovered");
}

namespace {

// Reactions only, none of them touching updated_at.
gh::testing::AdvanceSpec ReactionsOnly() {
  gh::testing::AdvanceSpec a;
  a.new_items = 0;
  a.edits = 0;
  a.merges = 0;
  a.new_reactions = 300;
  a.reactions_bump_updated = false;
  return a;
}

}  // namespace

TEST_CASE("new reactions that leave updated_at alone are picked up by revalidating pages") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.items = 20000;
  HarvestHarness h(o);
  REQUIRE_OK(h.Sync().status);
  auto added = h.world().Advance(ReactionsOnly());
  REQUIRE(added.reactions_added > 0);
  auto r = h.Sync();
  CHECK_OK(r.status);
  CHECK(r.stats.counts_changed);
  CheckCounts(h, "after reactions only");
}

TEST_CASE("reactions on items of any age, edits and deletions: exact, the deleted tombstoned") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  HarvestHarness h(o);
  REQUIRE_OK(h.Sync().status);
  CheckCounts(h, "after the first sync");
  gh::testing::AdvanceSpec a;
  a.new_items = a.new_reactions = a.removed_reactions = a.merges = 0;
  a.edits = 50;
  a.old_reactions = 300;
  a.old_removed_reactions = 50;
  a.deleted_issues = 10;
  a.deleted_comments = 30;
  a.deleted_review_comments = 10;
  auto res = h.world().Advance(a);
  REQUIRE(res.issues_deleted == 10);
  h.handler().ResetCounters();
  auto r = h.Sync();
  CHECK_OK(r.status);
  CHECK(r.stats.counts_changed);
  CheckCounts(h, "after old reactions, edits and deletions");
  // Every deleted item the harvester had stored is now a tombstone: deleted issues, their
  // comments and the comments deleted on their own.
  std::int64_t deleted = h.world().Read([](const gh::testing::WorldModel& m) {
    std::int64_t n = 0;
    for (const auto& repo : m.repos) {
      for (const auto& i : repo.issues) n += i.deleted;
      for (const auto& c : repo.issue_comments) n += c.deleted;
      for (const auto& c : repo.review_comments) n += c.deleted;
    }
    return n;
  });
  gh::store::ListPages pages(h.db());
  auto tombstones = pages.CountTombstones();
  REQUIRE_OK(tombstones);
  CHECK(*tombstones == deleted);
  CHECK(r.stats.items_deleted == deleted);
  // Only the changed pages cost points: far fewer than a first sync's.
  auto c = h.handler().counters();
  MESSAGE("after old reactions, edits, deletions: requests="
          << c.requests << " 304=" << c.not_modified << " points=" << c.primary_points());
  CHECK(c.not_modified > 0);
  // An idle sync after that: all 304, nothing tombstoned again.
  h.handler().ResetCounters();
  auto idle = h.Sync();
  CHECK_OK(idle.status);
  CHECK(h.handler().counters().primary_points() == 0);
  CHECK(idle.stats.items_deleted == 0);
  CheckCounts(h, "after an idle sync");
}

TEST_CASE(
    "under a revalidation budget every change is seen within the bound, never a false death") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.projects = 3;  // long lists: about 20 pages of issue comments per repository
  HarvestHarness h(o);
  const int budget = 4;
  h.config().harvest.revalidate_pages_per_list = budget;
  REQUIRE_OK(h.Sync().status);  // nothing known yet: every page
  CheckCounts(h, "after the first sync");
  gh::testing::AdvanceSpec a;
  a.new_items = 30;
  a.edits = 20;
  a.new_reactions = a.removed_reactions = a.merges = 0;
  a.old_reactions = 200;
  a.deleted_issues = 5;
  a.deleted_comments = 20;
  a.deleted_review_comments = 5;
  h.world().Advance(a);
  // The longest list decides how many cycles a full round of the sweep takes.
  std::int64_t longest = h.world().Read([](const gh::testing::WorldModel& m) {
    std::int64_t n = 0;
    for (const auto& r : m.repos)
      n = std::max<std::int64_t>(n, static_cast<std::int64_t>(r.issue_comments.size()));
    return n;
  });
  std::int64_t bound = gh::harvest::RevalidationBound((longest + 99) / 100 + 1, budget);
  REQUIRE(bound > 1);
  std::set<std::int64_t> deleted = h.world().Read([](const gh::testing::WorldModel& m) {
    std::set<std::int64_t> ids;
    for (const auto& r : m.repos) {
      for (const auto& i : r.issues)
        if (i.deleted) ids.insert(i.id);
      for (const auto* list : {&r.issue_comments, &r.review_comments})
        for (const auto& c : *list)
          if (c.deleted) ids.insert(c.id);
    }
    return ids;
  });
  bool exact_early = true;
  for (std::int64_t cycle = 0; cycle < bound; ++cycle) {
    h.handler().ResetCounters();
    auto r = h.Sync();
    CHECK_OK(r.status);
    // At most `budget` pages of each creation-ordered list per cycle (3 lists per repository),
    // and the page after a full last page.
    auto c = h.handler().counters();
    std::int64_t lists = c.per_route["/repos/{o}/{r}/issues"] +
                         c.per_route["/repos/{o}/{r}/issues/comments"] +
                         c.per_route["/repos/{o}/{r}/pulls/comments"];
    CHECK(lists <= 3 * o.spec.projects * (budget + 1));
    // Whatever is tombstoned was deleted on GitHub, in every cycle.
    auto stmt = h.db().Prepare("SELECT id FROM tombstones");
    REQUIRE_OK(stmt);
    gh::store::StatementGuard g(**stmt);
    while (g->Step()) CHECK(deleted.count(g->Int(0)) == 1);
    auto stored = h.Stored();
    REQUIRE_OK(stored);
    if (cycle == 0) exact_early = *stored == h.Truth();
  }
  // One cycle under the budget cannot see every old page; a full round does.
  CHECK_FALSE(exact_early);
  CheckCounts(h, "after a full round of the sweep");
  gh::store::ListPages pages(h.db());
  auto tombstones = pages.CountTombstones();
  REQUIRE_OK(tombstones);
  CHECK(*tombstones == static_cast<std::int64_t>(deleted.size()));
}

TEST_CASE("a week of activity: exact after each of three weeks, with and without faults") {
  for (double rate : {0.0, 0.2}) {
    CAPTURE(rate);
    HarvestHarnessOptions o;
    o.spec = BigWorld();
    o.spec.items = 8000;
    o.fault_rate = rate;
    HarvestHarness h(o);
    REQUIRE_OK(h.Sync().status);
    CheckCounts(h, "after the first sync");
    for (int week = 0; week < 3; ++week) {
      h.world().Advance(gh::testing::WeekOfActivity(h.world().ItemCount()));
      auto r = h.Sync();
      CHECK_OK(r.status);
      CheckCounts(h, "after a week of activity");
      CHECK(DuplicateRows(h) == 0);
    }
  }
}

TEST_CASE("Cancel stops a running sync with kCancelled, the next sync completes exactly") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  o.spec.items = 6000;
  HarvestHarness h(o);
  const std::int64_t live = gh::harvest::Harvester::LiveCycles();
  {
    boost::asio::io_context io;
    gh::ScaledClock clock(1000.0);
    gh::github::ClientOptions co;
    co.api_url = h.base_url();
    co.token = "t";
    gh::app::DatabaseEtagStore etags(h.db());
    gh::github::Client client(io, clock, &etags, co);
    gh::harvest::Harvester harvester(io, clock, h.db(), client, h.config());
    std::vector<gh::Status> got;
    harvester.SyncAll([&](gh::Status s, gh::harvest::HarvestStats) { got.push_back(s); });
    harvester.SyncAll([&](gh::Status s, gh::harvest::HarvestStats) { got.push_back(s); });
    // Let it get going, then cancel from the io thread.
    int turns = 0;
    while (io.run_one() && ++turns < 200) {
    }
    harvester.Cancel();
    io.run();
    REQUIRE(got.size() == 2);
    CHECK(got[0].code() == gh::Status::Code::kCancelled);
    CHECK(got[1].code() == gh::Status::Code::kCancelled);
    CHECK_FALSE(harvester.Busy());
    CHECK(gh::harvest::Harvester::LiveCycles() == live);  // the cancelled sync was freed
  }
  {
    // Destroying a Harvester mid-sync runs no callback and leaves nothing dangling.
    boost::asio::io_context io;
    gh::ScaledClock clock(1000.0);
    gh::github::ClientOptions co;
    co.api_url = h.base_url();
    co.token = "t";
    gh::app::DatabaseEtagStore etags(h.db());
    gh::github::Client client(io, clock, &etags, co);
    bool called = false;
    {
      gh::harvest::Harvester harvester(io, clock, h.db(), client, h.config());
      harvester.SyncAll([&](gh::Status, gh::harvest::HarvestStats) { called = true; });
      int turns = 0;
      while (io.run_one() && ++turns < 100) {
      }
    }
    io.run();
    CHECK_FALSE(called);
    CHECK(gh::harvest::Harvester::LiveCycles() == live);
  }
  auto r = h.Sync();
  CHECK_OK(r.status);
  CheckCounts(h, "after a cancelled sync");
}

namespace {

// Pushes `n` commits by `login` to `repo`, one a minute from the world's now on.
// `n` commits by `login` pushed to `repo`, a minute apart as the world clock moves, or all
// dated `dated` (a committer's clock, which need not be GitHub's).
void PushCommits(HarvestHarness& h, const std::string& repo, const std::string& login, int n,
                 std::optional<gh::testing::WorldTime> dated = std::nullopt) {
  REQUIRE_MESSAGE(h.world().PushCommits(repo, login, n, dated), repo << " or " << login);
}

constexpr const char* kCommitsRoute = "/repos/{o}/{r}/commits";

std::int64_t Route(const std::map<std::string, std::int64_t>& per_route) {
  auto it = per_route.find(kCommitsRoute);
  return it == per_route.end() ? 0 : it->second;
}

// Requests for the second page on of a path holding `path_part`, with `query_part` in its
// query ("": any), for HarvestHarnessOptions::fail_if: a read that fails after its first page.
std::function<bool(const gh::testing::HttpRequest&)> FromPage2(std::string path_part,
                                                               std::string query_part) {
  return [path_part, query_part](const gh::testing::HttpRequest& r) {
    return r.path.find(path_part) != std::string::npos &&
           r.target.find(query_part) != std::string::npos &&
           r.target.find("page=2") != std::string::npos;
  };
}

// A watched repository with more than a page of commits, and a writer watching it.
std::pair<std::string, std::string> ManyCommitsRepo(HarvestHarness& h) {
  std::string repo, login;
  for (const auto& [writer, repos] : h.world().WriterProjects()) {
    for (const auto& name : repos) {
      const auto n = h.world().Read([&](const gh::testing::WorldModel& m) {
        const auto* r = m.Repo(name);
        return r ? r->commits.size() : 0;
      });
      if (repo.empty() && n > 150) repo = name, login = writer;
    }
  }
  REQUIRE_FALSE(repo.empty());
  return {repo, login};
}

// Repositories whose default branch GitHub does not name: their commits are read by
// `since` and probe (no comparison has a branch to compare with).
void ForgetDefaultBranches(HarvestHarness& h) {
  h.world().Write([](gh::testing::WorldModel& m) {
    for (auto& r : m.repos) r.default_branch.clear();
  });
}

constexpr const char* kCompareRoute = "/repos/{o}/{r}/compare/{basehead}";

std::int64_t CompareRoute(const std::map<std::string, std::int64_t>& per_route) {
  auto it = per_route.find(kCompareRoute);
  return it == per_route.end() ? 0 : it->second;
}

}  // namespace

TEST_CASE("a commits list of many pages is read once, then probed by its first page's validators") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  // The commits pass read from the watermark fails from its second page on while *failing.
  o.fail_if = FromPage2("/commits", "since=");
  HarvestHarness h(o);
  ForgetDefaultBranches(h);
  std::string repo, login;
  std::tie(repo, login) = ManyCommitsRepo(h);
  INFO(repo << " watched by " << login);

  // Every commits page once: no pass is read a second time just for its validators.
  auto first = h.Sync();
  REQUIRE_MESSAGE(first.status.ok(), first.status.ToString());
  CheckCounts(h, "first sync");
  CHECK(Route(first.server.per_route) == h.RepositoryFloor().commits);

  auto idle = h.SyncRepository(repo);
  REQUIRE_MESSAGE(idle.status.ok(), idle.status.ToString());
  CHECK(Route(idle.server.per_route) == 1);
  CHECK(Route(idle.server.per_route_304) == 1);

  // A few new commits: the probe's 200 reaches back past the watermark and holds them all.
  PushCommits(h, repo, login, 5);
  auto few = h.SyncRepository(repo);
  REQUIRE_MESSAGE(few.status.ok(), few.status.ToString());
  CheckCounts(h, "after 5 new commits");
  CHECK(Route(few.server.per_route) == 1);
  CHECK(Route(few.server.per_route_ok) == 1);
  idle = h.SyncRepository(repo);
  CHECK(Route(idle.server.per_route_304) == Route(idle.server.per_route));
  CHECK(idle.server.primary_points() == 0);

  // More than a page of them: the probe's page does not reach back to the watermark, so the
  // probe drops itself and the list is read from the watermark (the probe plus 3 pages).
  PushCommits(h, repo, login, 250);
  auto many = h.SyncRepository(repo);
  REQUIRE_MESSAGE(many.status.ok(), many.status.ToString());
  CheckCounts(h, "after 250 new commits");
  CHECK(Route(many.server.per_route) == 4);
  idle = h.SyncRepository(repo);
  CHECK(Route(idle.server.per_route) == 1);
  CHECK(idle.server.primary_points() == 0);
  PushCommits(h, repo, login, 3);
  few = h.SyncRepository(repo);
  REQUIRE_MESSAGE(few.status.ok(), few.status.ToString());
  CheckCounts(h, "after 3 more");
  CHECK(Route(few.server.per_route) == 1);

  // The read from the watermark fails half-way: the next cycle reads from the watermark
  // again, not from a probe whose page already shows the new commits (it would answer 304).
  PushCommits(h, repo, login, 250);
  *o.failing = true;
  auto broken = h.SyncRepository(repo);
  CHECK_FALSE(broken.status.ok());
  *o.failing = false;
  auto recovered = h.SyncRepository(repo);
  REQUIRE_MESSAGE(recovered.status.ok(), recovered.status.ToString());
  CheckCounts(h, "after 250 more and a failed read");
  idle = h.SyncRepository(repo);
  CHECK(Route(idle.server.per_route) == 1);
  CHECK(idle.server.primary_points() == 0);
  CheckCounts(h, "idle");
}

TEST_CASE("commits pushed late with old dates are counted: what is pushed is read by comparison") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  // A comparison of several pages fails from its second page on while *failing.
  o.fail_if = FromPage2("/compare/", "");
  HarvestHarness h(o);
  std::string repo, login;
  std::tie(repo, login) = ManyCommitsRepo(h);
  INFO(repo << " watched by " << login);
  auto bump_pushed_at = [&] {  // a push to another branch: pushed_at moves, main does not
    h.world().Write([&](gh::testing::WorldModel& m) {
      m.now += 60;
      for (auto& r : m.repos)
        if (Lower(r.full_name()) == Lower(repo)) r.pushed = m.now;
    });
  };
  auto first = h.Sync();
  REQUIRE_MESSAGE(first.status.ok(), first.status.ToString());
  CheckCounts(h, "first sync");
  CHECK(CompareRoute(first.server.per_route) == 0);  // the first sync reads the list

  // From then on the commits list is not asked for. While the repository's own GET answers
  // 304 nothing was pushed: no commits request at all.
  auto idle = h.SyncRepository(repo);
  REQUIRE_MESSAGE(idle.status.ok(), idle.status.ToString());
  CHECK(Route(idle.server.per_route) == 0);
  CHECK(CompareRoute(idle.server.per_route) == 0);
  CHECK(idle.server.primary_points() == 0);

  // A branch merged late: its commits keep their old dates (here: the repository's first
  // days), long before the watermark, so `since` never lists them, nor does any first page
  // of the list. The comparison from the newest commit read does, in one request.
  const gh::testing::WorldTime long_ago = h.world().Read(
      [&](const gh::testing::WorldModel& m) { return m.Repo(repo)->commits.front().date + 60; });
  PushCommits(h, repo, login, 5, long_ago);
  auto late = h.SyncRepository(repo);
  REQUIRE_MESSAGE(late.status.ok(), late.status.ToString());
  CheckCounts(h, "after 5 commits pushed late");
  CHECK(CompareRoute(late.server.per_route_ok) == 1);
  CHECK(Route(late.server.per_route) == 0);
  idle = h.SyncRepository(repo);
  CHECK(CompareRoute(idle.server.per_route) == 0);
  CHECK(idle.server.primary_points() == 0);

  // pushed_at moved but the default branch did not. The base moved to the head of those 5,
  // so its comparison is asked once (identical, a point), then answers 304.
  bump_pushed_at();
  auto elsewhere = h.SyncRepository(repo);
  REQUIRE_MESSAGE(elsewhere.status.ok(), elsewhere.status.ToString());
  CHECK(CompareRoute(elsewhere.server.per_route_ok) == 1);
  bump_pushed_at();
  elsewhere = h.SyncRepository(repo);
  CHECK(CompareRoute(elsewhere.server.per_route_304) == 1);
  CHECK(CompareRoute(elsewhere.server.per_route) == 1);

  // More than a page since the base: all its pages once, and the base moves to the head.
  PushCommits(h, repo, login, 250);
  auto many = h.SyncRepository(repo);
  REQUIRE_MESSAGE(many.status.ok(), many.status.ToString());
  CheckCounts(h, "after 250 more");
  CHECK(CompareRoute(many.server.per_route) == 3);  // 255 commits since the base
  PushCommits(h, repo, login, 2, long_ago);
  auto two = h.SyncRepository(repo);
  CheckCounts(h, "after 2 more pushed late");
  CHECK(CompareRoute(two.server.per_route) == 1);  // from the new base: one page

  // A comparison of several pages cut short after its first: the next cycle asks again
  // although the repository now answers 304, and asks for that first page anew (its
  // validators would answer 304 and hide the rest).
  PushCommits(h, repo, login, 150, long_ago);
  *o.failing = true;
  auto broken = h.SyncRepository(repo);
  CHECK_FALSE(broken.status.ok());
  *o.failing = false;
  auto recovered = h.SyncRepository(repo);
  REQUIRE_MESSAGE(recovered.status.ok(), recovered.status.ToString());
  CheckCounts(h, "after 150 late commits and a failed read");
  CHECK(CompareRoute(recovered.server.per_route_ok) >= 1);
  CHECK(CompareRoute(recovered.server.per_route_304) == 0);
  idle = h.SyncRepository(repo);
  CHECK(idle.server.primary_points() == 0);

  // History rewritten and the base gone from GitHub: 404, the branch is read whole in the
  // same cycle, the two commits it no longer lists are buried, and a new base is kept.
  PushCommits(h, repo, login, 1);
  h.SyncRepository(repo);
  h.world().Write([&](gh::testing::WorldModel& m) {
    for (auto& r : m.repos) {
      if (Lower(r.full_name()) != Lower(repo)) continue;
      // The base (the head before that push) and the commit on it, rewritten.
      r.commits[r.commits.size() - 2].sha = std::string(40, 'd');
      r.commits.back().sha = std::string(40, 'e');
    }
  });
  bump_pushed_at();
  auto rewritten = h.SyncRepository(repo);
  REQUIRE_MESSAGE(rewritten.status.ok(), rewritten.status.ToString());
  CheckCounts(h, "after the base and its commit were rewritten");
  CHECK(CompareRoute(rewritten.server.per_route) == 1);
  CHECK(Route(rewritten.server.per_route_ok) >= 1);
  CHECK(rewritten.stats.items_deleted == 2);
  bump_pushed_at();
  auto again = h.SyncRepository(repo);
  CHECK(Route(again.server.per_route) == 0);
  CHECK(CompareRoute(again.server.per_route_ok) == 1);
}

TEST_CASE(
    "a commit dated years ahead (a committer's wrong clock) moves no watermark past GitHub's") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  HarvestHarness h(o);
  std::string repo, login;
  std::tie(repo, login) = ManyCommitsRepo(h);
  INFO(repo << " watched by " << login);
  const gh::testing::WorldTime ahead = h.world().Now() + 10 * 365 * 86400;
  PushCommits(h, repo, login, 1, ahead);
  auto first = h.Sync();
  REQUIRE_MESSAGE(first.status.ok(), first.status.ToString());
  CheckCounts(h, "first sync");
  // Were the watermark taken from the commit dated ahead, `since` would hide these (or the
  // probe would take its first page for all of them).
  PushCommits(h, repo, login, 250);
  auto many = h.SyncRepository(repo);
  REQUIRE_MESSAGE(many.status.ok(), many.status.ToString());
  CheckCounts(h, "after 250 new commits");
  PushCommits(h, repo, login, 3);
  auto few = h.SyncRepository(repo);
  REQUIRE_MESSAGE(few.status.ok(), few.status.ToString());
  CheckCounts(h, "after 3 more");
  auto idle = h.SyncRepository(repo);
  REQUIRE_MESSAGE(idle.status.ok(), idle.status.ToString());
  CHECK(idle.server.primary_points() == 0);
}

TEST_CASE("an empty repository's 409 is asked again only after the repository changes") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  HarvestHarness h(o);
  std::string repo, login;
  std::tie(repo, login) = ManyCommitsRepo(h);
  INFO(repo << " watched by " << login);
  // Nothing pushed yet: GitHub answers the commits list with 409 (fakehub does too).
  h.world().Write([&](gh::testing::WorldModel& m) {
    for (auto& r : m.repos)
      if (Lower(r.full_name()) == Lower(repo)) r.commits.clear();
  });
  auto first = h.SyncRepository(repo);
  REQUIRE_MESSAGE(first.status.ok(), first.status.ToString());
  CHECK(Route(first.server.per_route) == 1);
  CHECK(CompareRoute(first.server.per_route) == 0);
  auto rest = h.Sync();
  REQUIRE_MESSAGE(rest.status.ok(), rest.status.ToString());
  CheckCounts(h, "first sync");

  // A 409 has no validators, so asking again would cost a point every cycle. While the
  // repository's GET answers 304 nothing was pushed: the commits list is not asked for.
  for (int cycle = 0; cycle < 2; ++cycle) {
    auto idle = h.SyncRepository(repo);
    REQUIRE_MESSAGE(idle.status.ok(), idle.status.ToString());
    CHECK(Route(idle.server.per_route) == 0);
    CHECK(CompareRoute(idle.server.per_route) == 0);
    CHECK(idle.server.primary_points() == 0);
  }

  // The first push moves the repository's pushed_at: its list is read and gives the base.
  PushCommits(h, repo, login, 3);
  auto pushed = h.SyncRepository(repo);
  REQUIRE_MESSAGE(pushed.status.ok(), pushed.status.ToString());
  CheckCounts(h, "after the first push");
  CHECK(Route(pushed.server.per_route_ok) == 1);
  PushCommits(h, repo, login, 2);
  auto more = h.SyncRepository(repo);
  CheckCounts(h, "after 2 more");
  CHECK(CompareRoute(more.server.per_route_ok) == 1);
  CHECK(Route(more.server.per_route) == 0);
  auto idle = h.SyncRepository(repo);
  CHECK(idle.server.primary_points() == 0);

  // The whole sync of every watched repository: nothing asked that costs a point.
  auto all = h.Sync();
  REQUIRE_MESSAGE(all.status.ok(), all.status.ToString());
  CHECK(all.server.primary_points() == 0);
}

TEST_CASE("a force-push that takes commits off the default branch takes them out of the counts") {
  HarvestHarnessOptions o;
  o.spec = BigWorld();
  // The whole read after a rewrite fails from its second page on while *failing.
  o.fail_if = FromPage2("/commits", "sha=");
  HarvestHarness h(o);
  std::string repo, login;
  std::tie(repo, login) = ManyCommitsRepo(h);
  INFO(repo << " watched by " << login);
  auto branch = [&] {
    return h.world().Read(
        [&](const gh::testing::WorldModel& m) { return m.Repo(repo)->commits.size(); });
  };
  auto buried = [&] {
    gh::store::ListPages pages(h.db());
    auto n = pages.CountCommitTombstones();
    REQUIRE_OK(n);
    return *n;
  };
  REQUIRE_OK(h.Sync().status);
  CheckCounts(h, "first sync");
  PushCommits(h, repo, login, 4);
  REQUIRE_OK(h.SyncRepository(repo).status);  // the base is now the head of those 4

  // The last commit amended (the most common force-push): the base itself is off the branch.
  REQUIRE(h.world().ForcePush(repo, branch() - 1, login, 1));
  auto amended = h.SyncRepository(repo);
  REQUIRE_MESSAGE(amended.status.ok(), amended.status.ToString());
  CheckCounts(h, "after the last commit was amended");
  CHECK(amended.stats.items_deleted == 1);
  PushCommits(h, repo, login, 4);
  REQUIRE_OK(h.SyncRepository(repo).status);

  // The last 6 commits (the 4 and two before them, the writer's among them) rewritten as 3.
  const std::size_t before = branch();
  REQUIRE(h.world().ForcePush(repo, before - 6, login, 3));
  auto forced = h.SyncRepository(repo);
  REQUIRE_MESSAGE(forced.status.ok(), forced.status.ToString());
  CheckCounts(h, "after a force-push");
  CHECK(CompareRoute(forced.server.per_route_ok) == 1);  // diverged: nothing of it stored
  CHECK(Route(forced.server.per_route_ok) == static_cast<std::int64_t>((branch() + 99) / 100));
  CHECK(forced.stats.items_deleted == 6);
  CHECK(buried() == 7);
  auto idle = h.SyncRepository(repo);
  CHECK(idle.server.primary_points() == 0);
  PushCommits(h, repo, login, 2);
  auto after = h.SyncRepository(repo);
  CheckCounts(h, "after 2 pushed on the new history");
  CHECK(CompareRoute(after.server.per_route_ok) == 1);
  CHECK(Route(after.server.per_route) == 0);

  // A reset without new commits (behind), read whole with a failure on its second page: the
  // counts stay as they were (nothing is buried before the read completes), and the next
  // cycle reads it again although the repository then answers 304.
  REQUIRE(h.world().ForcePush(repo, branch() - 3, login, 0));
  *o.failing = true;
  auto cut = h.SyncRepository(repo);
  CHECK_FALSE(cut.status.ok());
  CHECK(cut.stats.items_deleted == 0);
  *o.failing = false;
  auto resumed = h.SyncRepository(repo);
  REQUIRE_MESSAGE(resumed.status.ok(), resumed.status.ToString());
  CheckCounts(h, "after a reset read whole on the second try");
  CHECK(resumed.stats.items_deleted == 3);
  CHECK(buried() == 10);
  idle = h.SyncRepository(repo);
  CHECK(idle.server.primary_points() == 0);
  CheckCounts(h, "idle");
}

namespace {

// BigWorld synced once (its counts checked), a repository there with more than a page of
// commits, the writer watching it, someone nobody watches (who pushes in a force-push's
// place), and the branch's length and head. `fail_if` and `respond` are the harness's
// (HarvestHarnessOptions); `o.failing` switches `fail_if` on.
using RequestMatch = std::function<bool(const gh::testing::HttpRequest&)>;
using Responder =
    std::function<std::optional<gh::testing::HttpResponse>(const gh::testing::HttpRequest&)>;
struct RewrittenRepo {
  HarvestHarnessOptions o;
  HarvestHarness h;
  std::string repo, login, other;
  explicit RewrittenRepo(RequestMatch fail_if = {}, Responder respond = {})
      : o(Options(std::move(fail_if), std::move(respond))), h(o) {
    std::tie(repo, login) = ManyCommitsRepo(h);
    other = h.UnwatchedLogin();
    INFO(repo << " watched by " << login);
    REQUIRE_OK(h.Sync().status);
    CheckCounts(h, "first sync");
  }
  static HarvestHarnessOptions Options(RequestMatch fail_if, Responder respond) {
    HarvestHarnessOptions options;
    options.spec = BigWorld();
    options.fail_if = std::move(fail_if);
    options.respond = std::move(respond);
    return options;
  }
  std::size_t Length() {
    return h.world().Read(
        [&](const gh::testing::WorldModel& m) { return m.Repo(repo)->commits.size(); });
  }
  std::string Tip() {
    return h.world().Read(
        [&](const gh::testing::WorldModel& m) { return m.Repo(repo)->commits.back().sha; });
  }
};

std::string CompareCursorOf(HarvestHarness& h, const std::string& repo) {
  gh::store::Ingest ingest(h.db());
  auto row = ingest.GetWatermark("commits_base", repo);
  REQUIRE_OK(row);
  return *row && (*row)->cursor ? *(*row)->cursor : std::string();
}

bool IsComparePage2(const gh::testing::HttpRequest& r) {
  return r.path.find("/compare/") != std::string::npos &&
         r.target.find("page=2") != std::string::npos;
}

}  // namespace

TEST_CASE("a force-push between two pages of a comparison is seen, as every page names one head") {
  gh::testing::ChangeBetweenRequests between(IsComparePage2);
  RewrittenRepo r({}, between.respond());
  HarvestHarness& h = r.h;
  const std::string &repo = r.repo, &login = r.login, &other = r.other;
  INFO(repo << " watched by " << login);
  const std::size_t base = r.Length();
  // 150 by the writer: a comparison of two pages. Once its first page (100 of them) is
  // stored, the last 100 are replaced by 100 of someone else's: the base stays on the
  // branch, and page 2 to the branch by name would list only the replacements.
  PushCommits(h, repo, login, 150);
  between.Arm([&h, repo, other, base] { h.world().ForcePush(repo, base + 50, other, 100); });
  auto cut = h.SyncRepository(repo);
  REQUIRE_MESSAGE(cut.status.ok(), cut.status.ToString());
  REQUIRE(between.runs() == 1);
  // Both pages list the history page 1 was made to; the base is its head, now off the
  // branch, so the next comparison is diverged and the branch is read whole.
  auto next = h.SyncRepository(repo);
  REQUIRE_MESSAGE(next.status.ok(), next.status.ToString());
  CheckCounts(h, "after a force-push between two pages of a comparison");
  CHECK(next.stats.items_deleted == 100);
  CHECK(h.SyncRepository(repo).server.primary_points() == 0);
}

TEST_CASE("a comparison cut short is finished to the head it was made to, then compared on") {
  RewrittenRepo r(IsComparePage2);
  HarvestHarness& h = r.h;
  HarvestHarnessOptions& o = r.o;
  const std::string &repo = r.repo, &login = r.login, &other = r.other;
  INFO(repo << " watched by " << login);
  auto tip = [&] { return r.Tip(); };
  const std::size_t base = r.Length();
  PushCommits(h, repo, login, 150);
  const std::string head = tip();
  *o.failing = true;
  CHECK_FALSE(h.SyncRepository(repo).status.ok());
  // Page 1 is stored: the base reads "reading", with the head that page was made to.
  const std::string cursor = CompareCursorOf(h, repo);
  CHECK(cursor.find(" reading " + head) != std::string::npos);
  // Before it is finished, 50 of the 100 commits page 1 stored are replaced by someone
  // else's: to the branch by name, the comparison would never see them gone.
  REQUIRE(h.world().ForcePush(repo, base + 50, other, 120));
  *o.failing = false;
  auto resumed = h.SyncRepository(repo);
  REQUIRE_MESSAGE(resumed.status.ok(), resumed.status.ToString());
  CheckCounts(h, "after a comparison cut short was finished past a force-push");
  CHECK(resumed.stats.items_deleted == 100);
  CHECK(CompareCursorOf(h, repo) == tip());
  CHECK(h.SyncRepository(repo).server.primary_points() == 0);

  // Cut short again, with nothing rewritten: finished to its head, then what was pushed
  // since is compared for in the same cycle.
  PushCommits(h, repo, login, 150);
  *o.failing = true;
  CHECK_FALSE(h.SyncRepository(repo).status.ok());
  *o.failing = false;
  PushCommits(h, repo, login, 5);
  auto finished = h.SyncRepository(repo);
  REQUIRE_MESSAGE(finished.status.ok(), finished.status.ToString());
  CheckCounts(h, "after a comparison cut short was finished and pushed on");
  CHECK(finished.stats.items_deleted == 0);
  CHECK(CompareCursorOf(h, repo) == tip());
  CHECK(h.SyncRepository(repo).server.primary_points() == 0);
}

namespace {

// `n` of the writer's commits pushed (a comparison of ceil(n / 100) pages, each then with
// validators) and read, the branch reset to where it was (the comparison's base again: the
// `n` are buried), then pushed back to their head, which it returns. The comparison from the
// base is then the one read before, page for page: its validators must not answer 304 for
// what the reset buried.
std::string PushResetPushBack(RewrittenRepo& r, int n) {
  HarvestHarness& h = r.h;
  const std::string base = r.Tip();
  PushCommits(h, r.repo, r.login, n);
  const std::string pushed = r.Tip();
  auto read = h.SyncRepository(r.repo);
  REQUIRE_MESSAGE(read.status.ok(), read.status.ToString());
  CheckCounts(h, "after the commits were pushed");
  REQUIRE(h.world().ResetBranch(r.repo, base));
  auto reset = h.SyncRepository(r.repo);
  REQUIRE_MESSAGE(reset.status.ok(), reset.status.ToString());
  CheckCounts(h, "after the reset");
  CHECK(reset.stats.items_deleted == n);
  REQUIRE(h.world().ResetBranch(r.repo, pushed));
  return pushed;
}

}  // namespace

TEST_CASE("a branch reset and pushed back to its old head is read again, not taken for unchanged") {
  RewrittenRepo r;
  HarvestHarness& h = r.h;
  const std::string pushed = PushResetPushBack(r, 150);
  auto back = h.SyncRepository(r.repo);
  REQUIRE_MESSAGE(back.status.ok(), back.status.ToString());
  CheckCounts(h, "after the old head was pushed back");  // 150 stayed buried on old 304s
  CHECK(CompareCursorOf(h, r.repo) == pushed);
  CHECK(h.SyncRepository(r.repo).server.primary_points() == 0);
}

TEST_CASE("a history pushed back and cut short is finished without the buried pages' validators") {
  RewrittenRepo r(IsComparePage2);
  HarvestHarness& h = r.h;
  const std::string pushed = PushResetPushBack(r, 250);
  // The comparison's page 2 fails (a 5xx past the retries): the read is cut short.
  *r.o.failing = true;
  CHECK_FALSE(h.SyncRepository(r.repo).status.ok());
  *r.o.failing = false;
  // Finished to its head: page 3 had validators from the history the reset buried (50 of
  // its commits stayed buried when they were sent).
  auto back = h.SyncRepository(r.repo);
  REQUIRE_MESSAGE(back.status.ok(), back.status.ToString());
  CheckCounts(h, "after the old head was pushed back, read over two cycles");
  CHECK(CompareCursorOf(h, r.repo) == pushed);
}

TEST_CASE("a base reached again after a reset is compared from without its old validators") {
  RewrittenRepo r;
  HarvestHarness& h = r.h;
  const std::string a = r.Tip();
  PushCommits(h, r.repo, r.login, 3);
  const std::string x = r.Tip();
  REQUIRE_OK(h.SyncRepository(r.repo).status);
  CHECK(CompareCursorOf(h, r.repo) == x);
  PushCommits(h, r.repo, r.login, 5);  // compare/X...main now has validators for X..Y
  const std::string y = r.Tip();
  REQUIRE_OK(h.SyncRepository(r.repo).status);
  CheckCounts(h, "at Y");
  REQUIRE(h.world().ResetBranch(r.repo, a));
  auto reset = h.SyncRepository(r.repo);
  REQUIRE_OK(reset.status);
  CHECK(reset.stats.items_deleted == 8);
  CheckCounts(h, "reset to A");
  REQUIRE(h.world().ResetBranch(r.repo, x));  // X pushed back: the base is X again
  REQUIRE_OK(h.SyncRepository(r.repo).status);
  CheckCounts(h, "back at X");
  CHECK(CompareCursorOf(h, r.repo) == x);
  // Y pushed back: compare/X...main answers as before (5 commits stayed buried on a 304).
  REQUIRE(h.world().ResetBranch(r.repo, y));
  auto back = h.SyncRepository(r.repo);
  REQUIRE_OK(back.status);
  CheckCounts(h, "back at Y");
  CHECK(CompareCursorOf(h, r.repo) == y);
}
