// The daemon (`ghharvest run`): one Boost.Asio io_context thread that harvests each scope
// on its schedule (daemon/schedule.hpp), scores on its schedule and after changes, handles
// SIGTERM/SIGINT (abandon the page in flight, flush, exit 0), SIGHUP (re-read the config,
// keeping the old one when the new one is invalid; reopen the JSONL log) and talks to systemd
// (READY=1, STATUS=, WATCHDOG=1, STOPPING=1).
//
// The work itself comes in as Actions built from a Config by an ActionsFactory, so the
// service logic is tested with scripted actions and a ScaledClock; MakeRealActions (in
// daemon/real_actions.hpp) wires the harvester and the scorer.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ghharvest/config/config.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/exit_codes.hpp"
#include "ghharvest/util/status.hpp"

namespace boost::asio {
class io_context;
}
namespace ghharvest::metrics {
class Registry;
}

namespace ghharvest::daemon {

struct HarvestOutcome {
  Status status;         // ok, or why the harvest stopped
  bool changed = false;  // it stored rows that change counts
  bool fatal = false;    // storage is broken (disk full, corrupt database): exit for a restart
  // The set of scopes may differ now (a writer's discovery found repositories, one was found
  // gone or renamed): the service asks Actions::current_scopes again.
  bool scopes_changed = false;
};
using HarvestDone = std::function<void(HarvestOutcome)>;

// The work for one configuration. Every function runs on the io_context thread.
struct Actions {
  // Harvest scopes, each harvested on its own schedule: the real actions' are
  // "repo:owner/name" per watched repository and "writer:login" per writer.
  std::vector<std::string> scopes;
  // Optional: the scopes as they are now, asked after a harvest whose outcome says
  // scopes_changed (new scopes get their splay, known ones keep their phase).
  std::function<Result<std::vector<std::string>>()> current_scopes;
  // Starts harvesting `scope`; calls `done` exactly once (possibly before returning).
  std::function<void(const std::string& scope, HarvestDone done)> harvest;
  // Computes scores and writes the reports. Non-ok kIOError/kCorruption/kTooNew is fatal.
  std::function<Status()> score;
  // Optional: abandons work in flight; pending harvests then finish with kCancelled.
  std::function<void()> cancel;
  // Optional: reopens the JSONL log (SIGHUP, after logrotate moved it).
  std::function<Status()> reopen_logs;
  // Optional: work the actions do on their own schedule (the blog feeds' polls). The service
  // hands over `changed` once, right after building the actions; calling it (on the
  // io_context's thread) says rows that change counts were stored, and scoring follows as
  // after a changed harvest.
  std::function<void(std::function<void()> changed)> watch_counts;
  // Optional: "core 4123/5000" for STATUS= lines.
  std::function<std::string()> budget;
  // Owns whatever the functions above refer to; released after they are no longer used.
  std::shared_ptr<void> keep_alive;
};

using ActionsFactory =
    std::function<Result<Actions>(const config::Config&, boost::asio::io_context&, const Clock&)>;

// What the service did, for tests and logs (delivered on the io_context thread).
struct Event {
  enum class Kind {
    kReady,            // first schedule made, READY=1 sent
    kHarvestStarted,   // scope
    kHarvestFinished,  // scope, status
    kScored,           // status
    kReloaded,         // a new config is in force
    kReloadFailed,     // status: the new config was refused, the old one kept
    kLogsReopened,
    kStopping,
  };
  Kind kind;
  std::string scope;
  Status status;
  Clock::TimePoint at;
};

struct ServiceOptions {
  std::string config_path;
  const Clock* clock = nullptr;  // default: the system clock
  ActionsFactory make_actions;   // required
  // Default: config::LoadConfig.
  std::function<Result<config::Config>(const std::string&)> load_config;
  std::function<void(const Event&)> on_event;  // optional observer
  std::chrono::milliseconds stop_grace{3000};  // real time allowed for in-flight work to end
  double splay_fraction = 0.25;
  std::chrono::seconds score_debounce{5};
  // Harvest scopes concurrently at most this many (the client queues requests anyway).
  int max_concurrent_harvests = 4;
  // Served on the config's [metrics] listen (off when unset), and given the service's own
  // facts (start time, reloads). Null: the service keeps a registry of its own. It must
  // outlive the service; the actions factory is handed the same one to fill.
  metrics::Registry* metrics = nullptr;
};

// Exit codes of Run() (sysexits.h, as the CLI uses them).
inline constexpr int kServiceOk = kExitOk;
inline constexpr int kServiceIOErr = kExitIOErr;
inline constexpr int kServiceConfig = kExitConfig;

class Service {
 public:
  explicit Service(ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Loads the config, builds the actions and runs until SIGTERM/SIGINT or Stop() (returns
  // 0), a fatal storage error (74) or a config that cannot be used at start (78).
  int Run();
  // Thread-safe: stop as SIGTERM would.
  void Stop();
  // Thread-safe: reload as SIGHUP would.
  void Reload();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// True for errors that mean local storage is unusable (disk full, I/O error, corruption,
// a database from a newer version): the daemon exits non-zero so systemd restarts it.
bool IsFatalStorageError(const Status& status);

}  // namespace ghharvest::daemon
