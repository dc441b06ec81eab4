#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/load_config.hpp"
#include "ghharvest/cli/commands.hpp"
#include "ghharvest/config/token.hpp"

namespace ghharvest::cli {

// Validates the config and prints what it means, so an operator sees the resolved paths
// and whether a token is reachable before starting the service. Never prints the token.
int CmdCheckConfig(const CommonOptions& common) {
  config::Config cfg;
  int code = kExitOk;
  if (!LoadConfigOrReport(common, &cfg, &code)) return code;

  std::string out = fmt::format("config:    {} (ok)\n", cfg.path);
  out += fmt::format("github:    {} (concurrency {}, reserve {}, max_retries {})\n",
                     cfg.github.api_url, cfg.github.concurrency, cfg.github.reserve,
                     cfg.github.max_retries);
  auto token = config::LoadTokenWithSource(cfg.github);
  if (token.ok()) {
    out += fmt::format("token:     found ({})\n", token->source);
  } else {
    out += fmt::format("token:     not found: {}\n", token.status().message());
  }
  // A pool is worth a line of its own: which tokens it found (by source).
  // Not finding one is reported, not fatal: systemd 252 hands no credentials to ExecReload=.
  if (!cfg.github.token_files.empty() || !cfg.github.token_envs.empty()) {
    auto pool = config::LoadTokenPool(cfg.github);
    if (pool.ok()) {
      std::vector<std::string> members;
      for (const auto& t : *pool) members.push_back(t.source);
      out += fmt::format("pool:      {} tokens ({})\n", pool->size(), fmt::join(members, "; "));
    } else {
      out += fmt::format("pool:      not usable: {}\n", pool.status().message());
    }
  }
  if (const auto& app = cfg.github.app) {
    auto key = config::LoadAppKey(*app);
    out += fmt::format(
        "app:       GitHub App {} installation {}, key {}\n", app->app_id, app->installation_id,
        key.ok() ? "found (" + key->source + ")" : "not found: " + key.status().message());
  }
  out += fmt::format("metrics:   {}\n", cfg.metrics.listen
                                            ? "http://" + *cfg.metrics.listen + "/metrics"
                                            : std::string("off"));
  out += fmt::format("database:  {}\n", cfg.storage.database);
  out += fmt::format("reports:   {}\n", cfg.reports.dir);
  out += fmt::format("schedule:  poll every {}, score every {}\n",
                     config::FormatDuration(cfg.schedule.poll_interval),
                     config::FormatDuration(cfg.schedule.score_interval));
  out += fmt::format("scoring:   default_k {}, {} per-project k, fingerprint {}\n",
                     cfg.scoring.default_k, cfg.scoring.k.size(), config::ScoringFingerprint(cfg));
  std::size_t repos = 0;
  for (const auto& w : cfg.writers) repos += w.repos.size();
  out += fmt::format("writers:   {} ({} configured repos)\n", cfg.writers.size(), repos);
  for (const auto& w : cfg.writers) {
    if (w.repos.empty()) {
      out += fmt::format("  {}: repos discovered (up to {})\n", w.login,
                         cfg.harvest.max_discovered_repos);
    } else {
      out += fmt::format("  {}: {}\n", w.login, fmt::join(w.repos, ", "));
    }
  }
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace ghharvest::cli
