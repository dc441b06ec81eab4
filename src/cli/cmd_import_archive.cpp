#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/load_config.hpp"
#include "ghharvest/archive/import_archive.hpp"
#include "ghharvest/cli/commands.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::cli {

// Backfills from GH Archive hourly dumps into the configured database. Every file is tried;
// bad lines are skipped and listed as file:line. Exit codes: 0 all files read (bad lines
// only reported); 74 (EX_IOERR) a file could not be read or the database failed (the other
// files are still imported); 65 database newer than this ghharvest; 78 bad config.
// Only events by the configured writers, or in projects watched for them, are stored: an
// hour of GH Archive is all of public GitHub.
int CmdImportArchive(const CommonOptions& common, const std::vector<std::string>& files) {
  config::Config cfg;
  int code = kExitOk;
  if (!LoadConfigOrReport(common, &cfg, &code)) return code;
  if (!StateOwnerOrReport(common, cfg, &code)) return code;

  SystemClock clock;
  auto opened = OpenAppOrReport(cfg, nullptr, clock, {}, &code);
  if (!opened) return code;
  store::Database& db = opened->db();
  // App::Open mirrored the writers: the counts views join on them.

  archive::ImportOptions opts;
  auto filter = archive::WatchedFilter(db, config::WatchedWriters(cfg));
  if (!filter.ok()) {
    log::Write(log::Level::kError, "ghharvest: " + filter.status().ToString());
    return kExitIOErr;
  }
  opts.filter = std::move(filter).value();
  archive::ImportStats total;
  int failed_files = 0;
  for (const auto& file : files) {
    archive::ImportStats stats;
    Status s = archive::ImportArchiveFile(db, file, opts, &stats);
    for (const auto& e : stats.errors) log::Write(log::Level::kWarning, e);
    if (stats.bad_lines > static_cast<std::int64_t>(stats.errors.size())) {
      log::Write(log::Level::kWarning,
                 fmt::format("{}: {} more bad lines not listed", file,
                             stats.bad_lines - static_cast<std::int64_t>(stats.errors.size())));
    }
    if (!s.ok()) {
      ++failed_files;
      log::Write(log::Level::kError, "ghharvest: " + s.ToString());
    }
    log::Info("imported file=\"{}\" lines={} events={} bad_lines={}", file, stats.lines,
              stats.events, stats.bad_lines);
    total.lines += stats.lines;
    total.events += stats.events;
    total.bad_lines += stats.bad_lines;
    total.skipped += stats.skipped;
    total.issues += stats.issues;
    total.issue_comments += stats.issue_comments;
    total.review_comments += stats.review_comments;
    total.reviews += stats.reviews;
  }
  std::fputs(fmt::format("import-archive: {} files ({} failed), {} lines, {} events, {} bad lines "
                         "skipped, {} events outside the watched writers and projects; stored {} "
                         "issues/PRs, {} issue comments, {} review comments, {} reviews\n",
                         files.size(), failed_files, total.lines, total.events, total.bad_lines,
                         total.skipped, total.issues, total.issue_comments, total.review_comments,
                         total.reviews)
                 .c_str(),
             stdout);
  return failed_files ? kExitIOErr : kExitOk;
}

}  // namespace ghharvest::cli
