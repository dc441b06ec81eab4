#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/load_config.hpp"
#include "ghharvest/archive/import_archive.hpp"
#include "ghharvest/archive/progress.hpp"
#include "ghharvest/cli/commands.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::cli {
namespace {

std::int64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::int64_t>(st.st_size) : 0;
}

}  // namespace

// Backfills from GH Archive hourly dumps into the configured database. Every file is tried;
// bad lines are skipped and listed as file:line. Exit codes: 0 all files read (bad lines
// only reported); 74 (EX_IOERR) a file could not be read or the database failed (the other
// files are still imported); 65 database newer than this ghharvest; 78 bad config.
// Only events by the configured writers, or in projects watched for them, are stored: an
// hour of GH Archive is all of public GitHub. `jobs` files are decompressed and parsed at
// once, each on its own thread; this thread alone writes the database, file after file.
int CmdImportArchive(const CommonOptions& common, const std::vector<std::string>& files, int jobs) {
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

  // A progress line for a person at a terminal, redrawn at most 4 times a second, erased
  // before anything else is written.
  const bool progress =
      archive::ProgressWanted(::isatty(STDERR_FILENO) == 1, std::getenv("INVOCATION_ID"),
                              log::StreamIsJournal(STDERR_FILENO, std::getenv("JOURNAL_STREAM")));
  archive::ProgressState line;
  line.files = static_cast<int>(files.size());
  line.file = 1;
  for (const auto& file : files) line.bytes_total += FileSize(file);
  const auto started = std::chrono::steady_clock::now();
  auto last_drawn = started - std::chrono::seconds(1);
  std::int64_t done_bytes = 0, done_events = 0, done_matched = 0;
  bool drawn = false;
  if (progress) {
    opts.progress = [&](const archive::ImportStats& s, std::int64_t bytes) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_drawn < std::chrono::milliseconds(250)) return;
      last_drawn = now;
      line.bytes_done = done_bytes + bytes;
      line.events = done_events + s.events;
      line.matched = done_matched + s.events - s.skipped;
      line.seconds = std::chrono::duration<double>(now - started).count();
      std::fputs(("\r\033[K" + archive::FormatProgress(line)).c_str(), stderr);
      std::fflush(stderr);
      drawn = true;
    };
  }

  archive::ImportStats total;
  int failed_files = 0;
  archive::ImportArchiveFiles(
      db, files, opts, jobs,
      [&](std::size_t i, const archive::ImportStats& stats, const Status& s) {
        const std::string& file = files[i];
        if (drawn) std::fputs("\r\033[K", stderr);  // messages go on lines of their own
        drawn = false;
        last_drawn = started - std::chrono::seconds(1);  // redraw at once for the next file
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
        done_bytes += FileSize(file);
        done_events += stats.events;
        done_matched += stats.events - stats.skipped;
        line.file = std::min(static_cast<int>(i) + 2, line.files);
        total.lines += stats.lines;
        total.events += stats.events;
        total.bad_lines += stats.bad_lines;
        total.skipped += stats.skipped;
        total.issues += stats.issues;
        total.issue_comments += stats.issue_comments;
        total.review_comments += stats.review_comments;
        total.reviews += stats.reviews;
      });
  if (drawn) std::fputs("\r\033[K", stderr);
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
