// The configuration, as loaded from a TOML file (examples/ghharvest.toml documents every
// key). Plain data: LoadConfig validates everything, so users of Config can trust it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghharvest/model/scores.hpp"
#include "ghharvest/model/writers.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::config {

// [github.app]: authenticate as a GitHub App installation (docs/configuration.md).
struct GithubAppConfig {
  std::int64_t app_id = 0;
  std::int64_t installation_id = 0;
  std::string private_key_file;  // absolute after loading
};

struct GithubConfig {
  std::string api_url = "https://api.github.com";
  std::optional<std::string> token_file;  // absolute after loading
  std::optional<std::string> token_env;
  // A token pool (config/token.hpp, LoadTokenPool): more tokens beside the one above.
  std::vector<std::string> token_files;  // absolute after loading
  std::vector<std::string> token_envs;
  std::optional<GithubAppConfig> app;
  int concurrency = 4;  // requests in flight at most
  int reserve = 200;    // primary-limit requests kept unused
  std::string accept = "application/vnd.github+json";
  std::string auth_scheme = "Bearer";  // older tools send "token"
  std::string user_agent;              // default "ghharvest/<version>"
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds request_timeout{60};  // a stalled transfer
  int max_retries = 5;
  std::int64_t max_body_bytes = 64 * 1024 * 1024;  // a longer response fails its request
  bool graphql = true;        // false: never POST /graphql (a server without it): REST only
  int graphql_reserve = 200;  // GraphQL points kept unused
};

struct StorageConfig {
  std::string database;  // absolute after loading
};

struct ReportsConfig {
  std::string dir;                                  // absolute after loading
  std::int64_t jsonl_max_bytes = 10 * 1024 * 1024;  // rotate influence.jsonl past this
  int jsonl_keep = 5;                               // rotated files kept
  bool site = true;                                 // also write the HTML site under site/
};

struct ScheduleConfig {
  std::chrono::seconds poll_interval{15 * 60};
  std::chrono::seconds score_interval{60 * 60};
};

// The keys [scoring.weights] accepts: the count columns, in the view's order.
inline constexpr std::array<std::string_view, model::kNumCounts> kCountColumns = [] {
  std::array<std::string_view, model::kNumCounts> columns{};
  for (int i = 0; i < model::kNumCounts; ++i) columns[i] = model::kCounts[i].column;
  return columns;
}();

struct ScoringConfig {
  double default_k = 0.5;
  std::map<std::string, double> k;        // per project 'owner/repo' as written; see KFor
  std::map<std::string, double> weights;  // per count column name, default 1; see WeightFor
  std::optional<int> window_days;         // count only activity of the last N days
  std::optional<double> half_life_days;   // decay 2^(-age/half_life)
  int keep_runs = 100;                    // score runs retained
};

struct HarvestConfig {
  int max_discovered_repos = 50;          // per writer, when discovery is used
  std::chrono::seconds overlap{10 * 60};  // watermark overlap margin
  int refresh_reactions_days = 30;        // no longer used (accepted so old configs load)
  // Pages of one creation-ordered list revalidated per cycle (0: all); see docs/harvesting.md.
  int revalidate_pages_per_list = 0;
  // A repository's commits or issues list longer than this many pages is read per watched
  // writer (commits?author=, issues?creator=) when that is the cheaper read (0: never); see
  // docs/harvesting.md, "Large repositories".
  int per_writer_above_pages = 20;
};

// [blogs]: the writers' blog feeds (WriterConfig::blog_feeds).
struct BlogsConfig {
  std::chrono::seconds poll_interval{6 * 60 * 60};  // how often the feeds are fetched
  std::int64_t max_feed_bytes = 10 * 1024 * 1024;   // a larger feed is refused
};

// The Prometheus endpoint of the daemon (docs/operations.md, "Metrics"): off unless set.
struct MetricsConfig {
  std::optional<std::string> listen;  // "127.0.0.1:9464"; util/listen_address.hpp
};

struct WriterConfig {
  std::string login;                    // as written; GitHub compares logins case-insensitively
  std::vector<std::string> repos;       // 'owner/repo'; empty: discovered
  int line = 0;                         // where the [[writers]] entry starts, for messages
  std::vector<std::string> blog_feeds;  // http(s) URLs of RSS, Atom or JSON feeds
};

struct Config;
// The writers and their repositories, as the store mirrors them (store::SyncWriters).
std::vector<model::WatchedWriter> WatchedWriters(const Config& config);

struct Config {
  std::string path;  // the file it came from (absolute)
  GithubConfig github;
  StorageConfig storage;
  ReportsConfig reports;
  ScheduleConfig schedule;
  ScoringConfig scoring;
  HarvestConfig harvest;
  BlogsConfig blogs;
  MetricsConfig metrics;
  std::vector<WriterConfig> writers;
};

// Loads and validates `path`. Errors (Status::InvalidArgument, or NotFound for a missing
// file) name the file as given, the line and the key, one error per line:
// "ghharvest.toml:12: [github] concurrency: must be between 1 and 100".
// Relative paths in the file resolve against the file's folder. When [storage] database or
// [reports] dir is not set, they default to "ghharvest.db" and "reports" in
// DefaultStateFolder (below).
Result<Config> LoadConfig(const std::string& path);

// Where paths the config leaves unset go. Under the unit: systemd's $STATE_DIRECTORY (the first
// of several). Outside it, for a config in the unit's configuration folder (an operator's
// `ghharvest status -c /etc/ghharvest/ghharvest.toml` in a root shell), the unit's state
// folder when it exists, so the CLI sees the service's database instead of creating another
// beside the config. Otherwise the config file's own folder.
struct UnitFolders {
  std::string config = "/etc/ghharvest";
  std::string state = "/var/lib/ghharvest";
};
std::string DefaultStateFolder(const std::string& config_folder, const char* state_directory_env,
                               const UnitFolders& unit = {});

// A feed URL as blog_feeds takes it: http:// or https:// (any case), a host, no spaces or
// control characters. The message says what is wrong, empty when it is fine.
std::string FeedUrlProblem(std::string_view url);

// Parses "90s", "15m", "1h", "1h30m", "2d" (units d, h, m, s, largest first, each once).
bool ParseDuration(std::string_view text, std::chrono::seconds* out);
// "1h30m" for 5400 s; "0s" for zero.
std::string FormatDuration(std::chrono::seconds d);

// k(p) for a project, matching [scoring.k] keys case-insensitively; default_k otherwise.
double KFor(const ScoringConfig& scoring, std::string_view project);
// The weight of a count column (kCountColumns); 1 unless configured.
double WeightFor(const ScoringConfig& scoring, std::string_view column);

// A stable hash (16 hex digits) of the settings that change scores, for
// score_runs.config_fingerprint: default_k, k, weights, window_days, half_life_days.
// Equal settings give equal fingerprints whatever their spelling in the file.
std::string ScoringFingerprint(const Config& config);

}  // namespace ghharvest::config
