// The synthetic GitHub wired to the real harvester in one process: a World served over
// loopback by the GitHubHandler, a SQLite database in a temporary folder, a config listing
// every writer with the projects it is active in (or none, for discovery), and a fresh
// io_context + Client + Harvester per sync (as `ghharvest sync --once` does). For the
// benchmarks, harvest_sync_test and the other tests that harvest a world.
//
// Setup failures throw std::runtime_error (no test framework here).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fake_server.hpp"
#include "ghharvest/config/config.hpp"
#include "ghharvest/harvest/harvester.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"
#include "test_config.hpp"
#include "test_paths.hpp"
#include "world/github_handler.hpp"
#include "world/world.hpp"

namespace ghharvest::store {
class Database;
}

namespace ghharvest::testing {

// Changes the world between two requests of one cycle (a push while a list is read): its
// respond() goes in HarvestHarnessOptions::respond, and what Arm gave it runs once, before
// the world answers the first request `when` matches from then on (on that request's server
// thread: a change that waits holds back that answer only).
class ChangeBetweenRequests {
 public:
  explicit ChangeBetweenRequests(std::function<bool(const HttpRequest&)> when);
  void Arm(std::function<void()> change);
  int runs() const;  // how many armed changes ran
  std::function<std::optional<HttpResponse>(const HttpRequest&)> respond() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

struct HarvestHarnessOptions {
  WorldSpec spec;
  std::chrono::milliseconds latency{0};  // added by the server to every response
  int concurrency = 4;                   // the client's requests in flight
  int server_threads = 4;                // must be >= concurrency for latency to overlap
  double fault_rate = 0;                 // of responses replaced by a fault (WithFaults)
  std::uint64_t fault_seed = 7;
  bool discovery = false;  // the writers list no repos: their projects are discovered
  // While *failing is true, requests matching `fail_if` get a 500 every time (a list that
  // keeps failing, unlike the faults, which a retry gets past).
  std::function<bool(const HttpRequest&)> fail_if;
  std::shared_ptr<std::atomic<bool>> failing = std::make_shared<std::atomic<bool>>(false);
  // When set and it returns a response, that is the answer instead of the world's (a server
  // answering something the world cannot, e.g. GraphQL's NOT_FOUND for a repository REST saw).
  std::function<std::optional<HttpResponse>(const HttpRequest&)> respond;
  // fakehub's GraphQL endpoint (its bucket, window clock, partial errors, 404 switch).
  GraphqlEndpointOptions graphql;
  bool issues_merged_at = true;  // GitHubHandlerOptions::issues_merged_at
};

struct HarvestRun {
  Status status;
  harvest::HarvestStats stats;
  ApiCounters server;  // what the server saw during this sync only
  double seconds = 0;  // wall time of the sync (io_context run)
};

// What a later change must be measured against: every item's version when it was taken.
struct WorldSnapshot {
  // Keyed by kind + id (sha for commits): updated_at, reaction total, merged/closed state.
  std::map<std::string, std::int64_t> versions;
  WorldTime now = 0;
};

class HarvestHarness {
 public:
  explicit HarvestHarness(HarvestHarnessOptions options);
  ~HarvestHarness();
  HarvestHarness(const HarvestHarness&) = delete;
  HarvestHarness& operator=(const HarvestHarness&) = delete;

  // One full cycle (Harvester::SyncAll) on `clock`; the server's counters are reset first.
  // A harvester that never calls back is a bug, not an outcome: Sync throws then.
  HarvestRun Sync(const Clock& clock);
  // The same on the harness's clock: ScaledClock(1000) from the harness's construction, so
  // retry and rate-limit waits take milliseconds and time runs on from one sync to the next.
  HarvestRun Sync() { return Sync(clock_); }
  // The daemon's unit of work for one repository (Harvester::SyncRepository), on the
  // harness's clock, counted as Sync counts.
  HarvestRun SyncRepository(const std::string& full_name) {
    return SyncRepository(full_name, clock_);
  }
  HarvestRun SyncRepository(const std::string& full_name, const Clock& clock);

  // writer_project_counts as stored, in the truth's order.
  Result<std::vector<CountsRow>> Stored();
  // The world's truth for what the config watches: every configured writer in every listed
  // project (the harvester reads each writer's lists in every crawled project); with
  // discovery, every writer in every project.
  std::vector<CountsRow> Truth() const;

  // The fewest requests of a first harvest of the crawled projects (the world's own count).
  RequestFloor Floor() const;
  // The cheapest exact repository-centred REST plan of the crawled projects (World).
  RequestFloor RepositoryFloor() const;
  WorldSnapshot Snapshot() const;
  // The fewest requests that can read what changed since `before`: per list, ceil(changed
  // items / 100), where changed means new, a different updated_at, reaction rollup or merge
  // state; per pull request whose reviews changed, one page per 100 of its reviews. Lists
  // that did not change cost a 304 (no points) and are not counted.
  RequestFloor ChangeFloor(const WorldSnapshot& before) const;

  // A config for the real binary naming the same server, database and writers, the token
  // read from `token_env`; a test sets more keys on it before it writes it.
  TestConfig BinaryConfig(const std::string& token_env) const;
  // BinaryConfig(token_env) as ghharvest.toml in dir(); its path.
  std::string WriteConfigFile(const std::string& token_env) const;

  World& world() { return *world_; }
  // A user of the world nobody watches (what they push counts for nobody); throws if none.
  std::string UnwatchedLogin() const;
  GitHubHandler& handler() { return *handler_; }
  store::Database& db() { return *db_; }
  // What Sync harvests with; a test may change it between syncs (another api_url, a cap).
  config::Config& config() { return cfg_; }
  const config::Config& config() const { return cfg_; }
  const std::string& dir() const { return dir_.path(); }
  std::string base_url() const;

 private:
  std::map<std::string, std::vector<std::string>> EveryWriterEveryCrawled() const;
  HarvestRun Run(const Clock& clock,
                 const std::function<void(harvest::Harvester&, harvest::SyncCallback)>& start);

  HarvestHarnessOptions opts_;
  TempDir dir_;
  std::shared_ptr<std::string> base_ = std::make_shared<std::string>();
  std::shared_ptr<World> world_;
  std::unique_ptr<GitHubHandler> handler_;
  std::unique_ptr<FakeServer> server_;
  config::Config cfg_;
  // Lower-cased full names: the listed projects, or with discovery those the writers are
  // active in (what discovery should find).
  std::set<std::string> crawled_;
  std::unique_ptr<store::Database> db_;
  ScaledClock clock_{1000.0};
};

// writer_project_counts of any database, sorted as the truth is.
Result<std::vector<CountsRow>> StoredCounts(store::Database& db);
// Sorts rows as TruthCounts does (writer, then project, case-insensitively).
void SortCounts(std::vector<CountsRow>& rows);
// "" when equal; else the row count and the first differing rows.
std::string DiffCounts(const std::vector<CountsRow>& stored, const std::vector<CountsRow>& truth);
// Rows stored twice for one GitHub item (issues and commits by repository and number or sha,
// the rest by id), over the activity tables: 0 after any sequence of syncs, kills included.
Result<std::int64_t> DuplicateRows(store::Database& db);

}  // namespace ghharvest::testing
