// The configuration, as loaded from a TOML file (examples/ghharvest.toml documents every
// key). Plain data: LoadConfig validates everything, so users of Config can trust it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ghharvest/util/status.hpp"

namespace ghharvest::config {

struct GithubConfig {
  std::string api_url = "https://api.github.com";
  std::optional<std::string> token_file;  // absolute after loading
  std::optional<std::string> token_env;
  int concurrency = 4;  // requests in flight at most
  int reserve = 200;    // primary-limit requests kept unused
  std::string accept = "application/vnd.github+json";
  std::string auth_scheme = "Bearer";  // older tools send "token"
  std::string user_agent;              // default "ghharvest/<version>"
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds request_timeout{60};  // a stalled transfer
  int max_retries = 5;
};

struct StorageConfig {
  std::string database;  // absolute after loading
};

struct ReportsConfig {
  std::string dir;                                  // absolute after loading
  std::int64_t jsonl_max_bytes = 10 * 1024 * 1024;  // rotate influence.jsonl past this
  int jsonl_keep = 5;                               // rotated files kept
};

struct ScheduleConfig {
  std::chrono::seconds poll_interval{15 * 60};
  std::chrono::seconds score_interval{60 * 60};
};

struct ScoringConfig {
  double default_k = 0.5;
  std::map<std::string, double> k;        // per project 'owner/repo'
  std::map<std::string, double> weights;  // per count column name, default 1
  std::optional<int> window_days;         // count only activity of the last N days
  std::optional<double> half_life_days;   // decay 2^(-age/half_life)
  int keep_runs = 100;                    // score runs retained
};

struct HarvestConfig {
  int max_discovered_repos = 50;          // per writer, when discovery is used
  std::chrono::seconds overlap{10 * 60};  // watermark overlap margin
  int refresh_reactions_days = 30;        // re-read rollups of items newer than this
};

struct WriterConfig {
  std::string login;
  std::vector<std::string> repos;  // empty: discovered
};

struct Config {
  std::string path;  // the file it came from (absolute)
  GithubConfig github;
  StorageConfig storage;
  ReportsConfig reports;
  ScheduleConfig schedule;
  ScoringConfig scoring;
  HarvestConfig harvest;
  std::vector<WriterConfig> writers;
};

// Loads and validates `path`. Errors name the file, line and key:
// "ghharvest.toml:12: [github] concurrency: must be between 1 and 100".
Result<Config> LoadConfig(const std::string& path);

// A stable hash of the settings that change scores (for score_runs.config_fingerprint).
std::string ScoringFingerprint(const Config& config);

}  // namespace ghharvest::config
