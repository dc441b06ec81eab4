// The harvester: one sync cycle brings the watched writers' GitHub activity into SQLite
// (docs/harvesting.md). It plans the work from the config and the
// stored watermarks, fetches through github::Client and stores each page with store::Ingest
// in its own transaction (rows and watermark together), so a crash loses at most the page
// in flight and an unchanged world costs only 304s.
//
// Not thread-safe: construct, call and destroy on the io_context's thread. The callbacks run
// there too. A sync requested while another runs waits for it (syncs never overlap), so the
// daemon may call SyncRepository and SyncWriter on its own schedule without coordinating.
//
// The units of work: a repository's crawl (its lookup and its lists, which carry every
// watched writer's items at once, so it is one job however many writers watch it) and a
// writer's own part (who the login is, and which repositories it is in when the config lists
// none). SyncAll is both for everyone, in one cycle.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ghharvest/harvest/progress.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"

namespace boost::asio {
class io_context;
}

namespace ghharvest {
namespace store {
class Database;
}
namespace github {
class Client;
}
namespace config {
struct Config;
}
}  // namespace ghharvest

namespace ghharvest::harvest {

// What one endpoint ("repo", "commits", "issues", "issue_comments", "review_comments",
// "pulls", "reviews", "graphql_reviews", "search", "user_repos", "events") cost and brought.
// For "graphql_reviews", `requests` are answered queries; the reviews they bring are counted
// under "reviews" (`pages`: one per pull request stored), through the same store as REST's.
struct EndpointStats {
  std::int64_t requests = 0;      // responses received (after the client's retries)
  std::int64_t not_modified = 0;  // of which 304
  std::int64_t pages = 0;         // 200 pages stored
  std::int64_t items = 0;         // records upserted
  std::int64_t failures = 0;      // requests given up (scope skipped this cycle)
};

struct HarvestStats {
  std::int64_t requests = 0;
  std::int64_t not_modified = 0;
  std::int64_t pages = 0;
  std::int64_t items_upserted = 0;
  std::int64_t items_deleted = 0;  // gone from GitHub's lists: moved to tombstones
  std::int64_t failures = 0;       // requests given up
  std::int64_t scopes_failed = 0;  // lists skipped this cycle (watermark kept)
  std::int64_t points_spent = 0;   // primary points (client's count, during this sync)
  // GraphQL, in its own bucket (client's count, during this sync): POSTs sent (retries
  // included) and points charged. Beside `requests`/`points_spent`, which are REST's.
  std::int64_t graphql_requests = 0;
  std::int64_t graphql_points = 0;
  std::int64_t projects = 0;       // projects crawled
  std::int64_t projects_gone = 0;  // projects found gone (404/410) this cycle
  // Lists of large repositories that this cycle switched to per-writer reads (the planner).
  std::int64_t lists_per_writer = 0;
  bool counts_changed = false;  // writer_project_counts differs from before the sync
  // Watches were added (discovery), found gone or renamed: WatchedRepositories may differ.
  bool watches_changed = false;
  std::map<std::string, EndpointStats> per_endpoint;
};

// Status passed to the callback:
//   ok                 every scope synced;
//   kUnauthorized      GitHub said 401: the cycle stopped at once (the token is bad);
//   kUnavailable       some scopes failed (recorded in sync_errors, retried next cycle);
//                      stats.requests == stats.failures means nothing got through at all;
//   kCancelled         Cancel() was called;
//   other              the database failed (IOError...): the cycle stopped.
using SyncCallback = std::function<void(Status, HarvestStats)>;

class Harvester {
 public:
  // All references must outlive the Harvester. `config` is read at each sync's start.
  Harvester(boost::asio::io_context& io, const Clock& clock, store::Database& db,
            github::Client& client, const config::Config& config);
  ~Harvester();
  Harvester(const Harvester&) = delete;
  Harvester& operator=(const Harvester&) = delete;

  // One full cycle: every writer, then every watched repository.
  void SyncAll(SyncCallback done);
  // One repository's crawl for every writer watching it: GET /repos/NAME, then its lists
  // (commits, issues, issue comments, review comments, pulls and their reviews). `full_name`
  // as WatchedRepositories names it (case-insensitive; a watch's old name finds it too).
  // kNotFound when no active watch names it.
  void SyncRepository(const std::string& full_name, SyncCallback done);
  // One writer's own part (login compared case-insensitively with the config's): GET
  // /users/LOGIN, and discovery when the config lists no repos for it. No repository is
  // crawled. kNotFound when the login is not in the config.
  void SyncWriter(const std::string& login, SyncCallback done);

  // The repositories SyncRepository crawls: the active watches of the config's writers
  // (configured and discovered), each by its current name when known, deduplicated
  // case-insensitively, sorted. The config's writers are written to the store first.
  Result<std::vector<std::string>> WatchedRepositories();

  // Stops the running sync and drops queued ones (callbacks get kCancelled).
  void Cancel();
  bool Busy() const;
  // Where the running sync is (running = false when none runs), for a progress line.
  SyncProgress Progress() const;

  // Syncs whose state is still allocated, in the whole process. However a sync ended (done,
  // 401, Cancel, the Harvester destroyed), its state is freed once the client has let go of
  // its requests. For tests: a leak per failed sync grows a daemon with a revoked token.
  static std::int64_t LiveCycles();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ghharvest::harvest
