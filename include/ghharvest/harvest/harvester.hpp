// The harvester: one sync cycle brings the watched writers' GitHub activity into SQLite
// (docs/harvesting.md). It plans the work from the config and the
// stored watermarks, fetches through github::Client and stores each page with store::Ingest
// in its own transaction (rows and watermark together), so a crash loses at most the page
// in flight and an unchanged world costs only 304s.
//
// Not thread-safe: construct, call and destroy on the io_context's thread. The callbacks run
// there too. A sync requested while another runs waits for it (syncs never overlap), so the
// daemon may call SyncWriter on its own schedule without coordinating.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

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
  std::int64_t projects = 0;        // projects crawled
  std::int64_t projects_fresh = 0;  // skipped by a one-writer sync: crawled < poll_interval/2 ago
  std::int64_t projects_gone = 0;   // projects found gone (404/410) this cycle
  bool counts_changed = false;      // writer_project_counts differs from before the sync
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

  // One full cycle for every writer of the config.
  void SyncAll(SyncCallback done);
  // One cycle for one writer (login compared case-insensitively with the config's);
  // repository-wide lists of its projects are crawled too, serving every writer there.
  // kNotFound when the login is not in the config.
  void SyncWriter(const std::string& login, SyncCallback done);

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
