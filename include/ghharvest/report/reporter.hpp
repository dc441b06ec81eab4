// Emits the report files (docs/reports.md) under [reports] dir:
//   contributions/<owner>/<repo>/<writer>_<repo>.txt
//   influences/<owner>/<repo>/<writer>_<repo>.txt
//   total_influences/<writer>.txt
//   blogs/<owner>/<repo>/<writer>/<slug>.md      (the writer's best project)
//   influence.jsonl                              (one line per writer whose numbers changed)
//   site/index.html, site/writers/<writer>.html  (HTML pages, [reports] site; report/site.hpp)
// Every file is written atomically (temp file in the same folder, fsync, rename) and only
// when its bytes change; influence.jsonl gets one write() per whole line (O_APPEND) and is
// rotated by size. Path parts from data are validated; bad ones are logged and skipped.
// What was last emitted per writer is kept in a ReportState (the database's report_state and
// report_blogs), so a run where nothing changed touches no report file. Files of writers and
// projects the run no longer has are removed (report/prune.hpp); blog drafts never are.
// Not thread-safe, except Reopen(), which may be called from any thread (SIGHUP).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "ghharvest/config/config.hpp"
#include "ghharvest/report/report_state.hpp"
#include "ghharvest/score/scorer.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"

namespace ghharvest::report {

struct EmitStats {
  int writers_changed = 0;  // writers whose numbers or inputs changed since last emitted
  int files_written = 0;    // report files renamed into place (content changed)
  int files_unchanged = 0;  // regenerated but byte-identical: left alone
  int jsonl_lines = 0;      // lines appended to influence.jsonl
  int blogs_written = 0;
  int blogs_kept_edited = 0;  // drafts the writer edited: never overwritten
  int refused = 0;            // writers/projects skipped for unsafe names
  int files_removed = 0;      // files of writers and projects the run no longer has
  int site_written = 0;       // site pages renamed into place (not in files_written)
  int site_unchanged = 0;     // site pages regenerated but byte-identical
  double site_seconds = 0;    // wall time spent on the site (facts, pages, writes)
};

class Reporter {
 public:
  // Creates the reports folder when needed and opens influence.jsonl for appending.
  static Result<std::unique_ptr<Reporter>> Open(const config::ReportsConfig& cfg);
  ~Reporter();
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;

  // Writes the files of `run` that changed. `state` gives the blog facts and remembers what
  // was emitted.
  Result<EmitStats> Emit(ReportState& state, const score::ScoreRun& run, const Clock& clock);

  // Closes and reopens influence.jsonl (after logrotate moved it). Thread-safe.
  Status Reopen();

  // Called after each writer's files during Emit. A first emission for many writers writes
  // many files (each fsynced), so the daemon uses this to keep systemd's watchdog fed.
  void SetProgress(std::function<void()> progress) { progress_ = std::move(progress); }

  const std::string& dir() const { return cfg_.dir; }

 private:
  explicit Reporter(config::ReportsConfig cfg) : cfg_(std::move(cfg)) {}
  Status OpenJsonlLocked();
  Status AppendLine(const std::string& line);  // rotates first when needed

  config::ReportsConfig cfg_;
  std::function<void()> progress_;
  std::mutex jsonl_mu_;
  int jsonl_fd_ = -1;
  std::int64_t jsonl_size_ = 0;
};

}  // namespace ghharvest::report
