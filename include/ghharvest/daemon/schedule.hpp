// The daemon's plan: when each harvest scope (the real actions': a repository's crawl,
// "repo:owner/name", or a writer's lookup, "writer:login"; any names to this file) and the
// scoring run are due. Pure logic over explicit time points, no timers and no I/O, so every
// rule is tested deterministically; daemon/service.hpp drives it with Asio timers through the
// Clock seam.
//
// Rules:
// - Splay: a scope's first harvest is due at start + a deterministic offset in
//   [0, splay_window) from a hash of its name, so scopes don't poll in lockstep and a
//   restart keeps the same phases.
// - Drift compensation: the next harvest is due at previous due + poll_interval (not at
//   finish + interval); slots missed while a harvest ran long are skipped, not caught up.
// - A server-requested minimum (X-Poll-Interval) delays the next harvest of that scope to at
//   least start of the last harvest + that minimum.
// - A scope is never harvested twice at once: a running scope is never returned as due.
// - Scoring runs every score_interval (drift-compensated the same way) and `score_debounce`
//   after a harvest that changed counts, coalescing several such harvests into one run.
// Not thread-safe (used on the io_context thread only).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ghharvest/util/clock.hpp"

namespace ghharvest::daemon {

using TimePoint = Clock::TimePoint;
using Seconds = std::chrono::seconds;

struct ScheduleOptions {
  Seconds poll_interval{15 * 60};
  Seconds score_interval{60 * 60};
  // First-harvest offsets spread over [0, poll_interval * splay_fraction).
  double splay_fraction = 0.25;
  // How long after a changed harvest scoring waits for others to finish.
  Seconds score_debounce{5};
  // Score once right at start (reports reflect the current config and data).
  bool score_at_start = true;
};

// Deterministic offset of `scope` within `window` (FNV-1a of the lower-cased name).
std::chrono::milliseconds SplayOffset(const std::string& scope, std::chrono::milliseconds window);

class Schedule {
 public:
  Schedule(ScheduleOptions options, TimePoint start);

  // Sets the watched scopes. Scopes already known keep their phase; new ones get their
  // splay offset from `now`; removed ones are forgotten (a running one finishes unrecorded).
  void SetScopes(const std::vector<std::string>& scopes, TimePoint now);
  // New intervals (config reload). A pending due later than now + the new interval is
  // pulled in to it, so shortening the interval takes effect at once.
  void SetOptions(const ScheduleOptions& options, TimePoint now);

  // Scopes due at `now` and not running, earliest due first, each marked running; at most
  // so many that no more than `max_running` scopes run at once.
  std::vector<std::string> TakeDueHarvests(TimePoint now, int max_running = 1 << 30);
  // A harvest of `scope` that started at `started` finished at `now`.
  // `changed`: it stored rows that change counts. (The events list's X-Poll-Interval is kept
  // by the harvester in sync_state.next_poll_at, per writer, not here.)
  void HarvestFinished(const std::string& scope, TimePoint started, TimePoint now, bool changed);
  // Counts changed outside a harvest (the blog feeds' own polls): scoring follows as after a
  // changed harvest, debounced the same way.
  void CountsChanged(TimePoint now);

  // A harvest that was cancelled (shutdown, reload) before it finished: the scope is idle
  // again with its due unchanged, so it runs again as soon as harvesting resumes.
  void HarvestAbandoned(const std::string& scope);

  // True when a scoring run is due at `now` (and none is running).
  bool ScoreDue(TimePoint now) const;
  void ScoreStarted(TimePoint now);
  void ScoreFinished(TimePoint now);

  // Pauses / resumes harvests (a rejected token waits for a config reload).
  void SetHarvestPaused(bool paused) { paused_ = paused; }
  bool harvest_paused() const { return paused_; }

  // When something next becomes due (nullopt when nothing can: all paused or running and
  // no score pending). Running scopes are excluded.
  std::optional<TimePoint> NextWakeup() const;
  // The earliest due among idle scopes (for STATUS=), nullopt when none.
  std::optional<TimePoint> NextHarvest() const;
  std::optional<TimePoint> Due(const std::string& scope) const;
  bool Running(const std::string& scope) const;
  int RunningCount() const;
  int ScopeCount() const;
  const ScheduleOptions& options() const { return options_; }

 private:
  struct ScopeState {
    TimePoint due;
    bool running = false;
    bool removed = false;  // dropped by SetScopes while running
  };
  TimePoint NextSlot(TimePoint due, Seconds interval, TimePoint now) const;
  std::optional<TimePoint> NextScore() const;

  ScheduleOptions options_;
  std::map<std::string, ScopeState> scopes_;
  TimePoint next_score_;
  std::optional<TimePoint> dirty_since_;  // a changed harvest not yet scored
  bool score_running_ = false;
  bool paused_ = false;
};

}  // namespace ghharvest::daemon
