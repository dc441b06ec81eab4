// The composition root: the one place that turns a config into working parts. Every
// subcommand and the daemon open an App and use its parts, so the token, the database (its
// migrations and the writers mirror), the ETag store, the GitHub client, the harvester and
// the reporter are wired one way everywhere.
//
//   auto app = app::App::Open(config, &io, clock, {.github = true});
//   app->harvester().SyncAll(...);
//
// Not thread-safe: open, use and destroy it on one thread (the io_context's, with github).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ghharvest/app/score_and_report.hpp"
#include "ghharvest/config/config.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"

namespace boost::asio {
class io_context;
}

namespace ghharvest::feeds {
class Poller;
struct FeedSource;
struct PollerOptions;
}  // namespace ghharvest::feeds
namespace ghharvest::harvest {
class Harvester;
}
namespace ghharvest::report {
class Reporter;
}
namespace ghharvest::store {
class Database;
}
namespace ghharvest::metrics {
class Registry;
}

namespace ghharvest::app {

// Which parts a command needs besides the database.
struct Parts {
  bool github = false;   // token, ETag store, client, harvester (needs an io_context)
  bool feeds = false;    // the blog feed poller (needs an io_context; never sees the token)
  bool reports = false;  // the reports folder and influence.jsonl
  // Mirror the config's writers into the database. Off only for `status`, which shows the
  // database as the last sync left it.
  bool mirror_writers = true;
  // The daemon's metrics, handed to the client (github); null: none. Must outlive the App.
  metrics::Registry* metrics = nullptr;
};

class App {
 public:
  // Opens, in order: the token (github; kInvalidArgument for an unusable token file), the
  // database with its migrations (kTooNew, kCorruption or kIOError, the message naming the
  // file), the writers mirror (mirror_writers; kIOError), the reports folder (reports; kIOError
  // naming it), then the client and harvester. `io` may be null without github. The config is
  // copied.
  static Result<std::unique_ptr<App>> Open(const config::Config& config,
                                           boost::asio::io_context* io, const Clock& clock,
                                           Parts parts);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  const config::Config& config() const;
  store::Database& db();
  // Only when opened with the part that makes them.
  github::Client& client();
  harvest::Harvester& harvester();
  feeds::Poller& poller();
  report::Reporter& reporter();
  // Every configured writer's blog_feeds, in config order.
  std::vector<feeds::FeedSource> FeedSources() const;

  // One scoring run and the reports it changes (needs reports).
  Result<ScoreSummary> ScoreAndReport();

 private:
  struct Members;
  explicit App(std::unique_ptr<Members> m);
  std::unique_ptr<Members> m_;
};

// The client settings of a config's [github] table, with the token to send.
github::ClientOptions ClientOptionsFromConfig(const config::GithubConfig& github,
                                              std::string token);
// The poller settings: [blogs] max_feed_bytes, [github]'s timeouts, retries and user agent.
feeds::PollerOptions PollerOptionsFromConfig(const config::Config& config);

}  // namespace ghharvest::app
