#include <cstdio>

#include "ghharvest/cli/commands.hpp"
#include "ghharvest/config/config.hpp"
#include "ghharvest/report/reporter.hpp"
#include "ghharvest/report/score_and_report.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::cli {

namespace {

int ExitFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
      return kExitDataErr;
    case Status::Code::kTooNew:
    case Status::Code::kCorruption:
      return kExitDataErr;
    case Status::Code::kIOError:
      return kExitIOErr;
    default:
      return kExitSoftware;
  }
}

}  // namespace

// One scoring run and report emission, as the daemon does on its schedule.
int CmdScore(const CommonOptions& common) {
  log::Level level;
  if (log::ParseLevel(common.log_level, &level)) log::SetLevel(level);
  auto config = config::LoadConfig(common.config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "ghharvest: %s\n", config.status().ToString().c_str());
    return kExitConfig;
  }
  auto db = store::Database::Open(config->storage.database);
  if (!db.ok()) {
    std::fprintf(stderr, "ghharvest: %s: %s\n", config->storage.database.c_str(),
                 db.status().ToString().c_str());
    return ExitFor(db.status());
  }
  auto reporter = report::Reporter::Open(config->reports);
  if (!reporter.ok()) {
    std::fprintf(stderr, "ghharvest: reports: %s\n", reporter.status().ToString().c_str());
    return kExitIOErr;
  }
  SystemClock clock;
  auto summary = report::ScoreAndReport(**db, *config, clock, **reporter);
  if (!summary.ok()) {
    std::fprintf(stderr, "ghharvest: score: %s\n", summary.status().ToString().c_str());
    return ExitFor(summary.status());
  }
  std::printf("%s\n", report::FormatSummary(*summary).c_str());
  return kExitOk;
}

}  // namespace ghharvest::cli
