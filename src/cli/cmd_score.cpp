#include <cstdio>

#include "cli/load_config.hpp"
#include "ghharvest/cli/commands.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::cli {

// One scoring run and report emission, as the daemon does on its schedule. Exit codes: 0;
// 78 bad config; 65 database newer than this ghharvest; 74 database or reports folder failed.
int CmdScore(const CommonOptions& common) {
  config::Config cfg;
  int code = kExitOk;
  if (!LoadConfigOrReport(common, &cfg, &code)) return code;
  if (!StateOwnerOrReport(common, cfg, &code)) return code;
  SystemClock clock;
  auto app = OpenAppOrReport(cfg, nullptr, clock, {.reports = true}, &code);
  if (!app) return code;
  auto summary = app->ScoreAndReport();
  if (!summary.ok()) {
    log::Write(log::Level::kError, "ghharvest: score: " + summary.status().ToString());
    return ExitCodeFor(summary.status());
  }
  std::printf("%s\n", app::FormatSummary(*summary).c_str());
  return kExitOk;
}

}  // namespace ghharvest::cli
