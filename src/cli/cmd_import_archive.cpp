#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/load_config.hpp"
#include "ghharvest/cli/commands.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/store/import_archive.hpp"
#include "ghharvest/store/writers.hpp"
#include "ghharvest/util/log.hpp"

namespace ghharvest::cli {

// Backfills from GH Archive hourly dumps into the configured database. Every file is tried;
// bad lines are skipped and listed as file:line. Exit codes: 0 all files read (bad lines
// only reported); 74 (EX_IOERR) a file could not be read or the database failed (the other
// files are still imported); 65 database newer than this ghharvest; 78 bad config.
int CmdImportArchive(const CommonOptions& common, const std::vector<std::string>& files) {
  config::Config cfg;
  int code = kExitOk;
  if (!LoadConfigOrReport(common, &cfg, &code)) return code;

  const std::string& path = cfg.storage.database;
  if (path != ":memory:") {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  }
  auto opened = store::Database::Open(path);
  if (!opened.ok()) {
    std::fprintf(stderr, "ghharvest: %s\n", opened.status().ToString().c_str());
    return opened.status().code() == Status::Code::kTooNew ? kExitDataErr : kExitIOErr;
  }
  store::Database& db = **opened;
  // The counts views join on writers: mirror the config first, as sync does.
  if (auto s = store::SyncWritersFromConfig(db, cfg); !s.ok()) {
    std::fprintf(stderr, "ghharvest: %s\n", s.ToString().c_str());
    return kExitIOErr;
  }

  store::ImportOptions opts;
  store::ImportStats total;
  int failed_files = 0;
  for (const auto& file : files) {
    store::ImportStats stats;
    Status s = store::ImportArchiveFile(db, file, opts, &stats);
    for (const auto& e : stats.errors) std::fprintf(stderr, "%s\n", e.c_str());
    if (stats.bad_lines > static_cast<std::int64_t>(stats.errors.size())) {
      std::fprintf(stderr, "%s: %lld more bad lines not listed\n", file.c_str(),
                   static_cast<long long>(stats.bad_lines - stats.errors.size()));
    }
    if (!s.ok()) {
      ++failed_files;
      std::fprintf(stderr, "ghharvest: %s\n", s.ToString().c_str());
    }
    log::Info("imported file=\"{}\" lines={} events={} bad_lines={}", file, stats.lines,
              stats.events, stats.bad_lines);
    total.lines += stats.lines;
    total.events += stats.events;
    total.bad_lines += stats.bad_lines;
    total.issues += stats.issues;
    total.issue_comments += stats.issue_comments;
    total.review_comments += stats.review_comments;
    total.reviews += stats.reviews;
  }
  std::fputs(fmt::format("import-archive: {} files ({} failed), {} lines, {} events, {} bad lines "
                         "skipped; stored {} issues/PRs, {} issue comments, {} review comments, "
                         "{} reviews\n",
                         files.size(), failed_files, total.lines, total.events, total.bad_lines,
                         total.issues, total.issue_comments, total.review_comments, total.reviews)
                 .c_str(),
             stdout);
  return failed_files ? kExitIOErr : kExitOk;
}

}  // namespace ghharvest::cli
