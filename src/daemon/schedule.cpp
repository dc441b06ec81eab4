#include "ghharvest/daemon/schedule.hpp"

#include <algorithm>

#include "ghharvest/util/hash.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::daemon {

std::chrono::milliseconds SplayOffset(const std::string& scope, std::chrono::milliseconds window) {
  if (window.count() <= 0) return std::chrono::milliseconds(0);
  // A stable hash (std::hash is not), so phases survive restarts.
  std::uint64_t h = Fnv1a64(AsciiLower(scope), kFnv1a64ShortBasis);
  // Mix the high bits in: FNV's low bits are weak for short similar names.
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 32;
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(h % static_cast<std::uint64_t>(window.count())));
}

Schedule::Schedule(ScheduleOptions options, TimePoint start)
    : options_(options),
      next_score_(options.score_at_start ? start : start + options.score_interval) {}

static std::chrono::milliseconds SplayWindow(const ScheduleOptions& o) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(o.poll_interval);
  return std::chrono::milliseconds(static_cast<std::int64_t>(
      static_cast<double>(ms.count()) * std::clamp(o.splay_fraction, 0.0, 1.0)));
}

void Schedule::SetScopes(const std::vector<std::string>& scopes, TimePoint now) {
  std::map<std::string, ScopeState> next;
  for (const auto& s : scopes) {
    auto it = scopes_.find(s);
    if (it != scopes_.end()) {
      next[s] = it->second;
      next[s].removed = false;
    } else {
      next[s] = ScopeState{now + SplayOffset(s, SplayWindow(options_)), false};
    }
  }
  // A removed scope still running stays known until it finishes, so re-adding it cannot
  // start a second harvest of it alongside the first.
  for (auto& [name, st] : scopes_) {
    if (st.running && !next.count(name)) {
      next[name] = st;
      next[name].removed = true;
    }
  }
  scopes_ = std::move(next);
}

void Schedule::SetOptions(const ScheduleOptions& options, TimePoint now) {
  options_ = options;
  for (auto& [name, st] : scopes_) {
    if (!st.running && st.due > now + options_.poll_interval) st.due = now + options_.poll_interval;
  }
  if (next_score_ > now + options_.score_interval) next_score_ = now + options_.score_interval;
}

TimePoint Schedule::NextSlot(TimePoint due, Seconds interval, TimePoint now) const {
  if (interval.count() <= 0) return now;
  TimePoint next = due + interval;
  if (next < now) {
    // Ran past one or more slots: skip them (no burst of catch-up polls), keep the phase.
    auto behind = now - due;
    auto slots = behind / interval + 1;
    next = due + slots * interval;
  }
  return next;
}

std::vector<std::string> Schedule::TakeDueHarvests(TimePoint now, int max_running) {
  std::vector<std::pair<TimePoint, std::string>> due;
  if (paused_) return {};
  for (auto& [name, st] : scopes_) {
    if (!st.running && !st.removed && st.due <= now) due.emplace_back(st.due, name);
  }
  std::sort(due.begin(), due.end());
  std::vector<std::string> out;
  int running = RunningCount();
  for (auto& [t, name] : due) {
    if (running >= max_running) break;
    ++running;
    scopes_[name].running = true;
    out.push_back(name);
  }
  return out;
}

void Schedule::HarvestFinished(const std::string& scope, TimePoint /*started*/, TimePoint now,
                               bool changed) {
  if (changed && !dirty_since_) dirty_since_ = now;
  auto it = scopes_.find(scope);
  if (it == scopes_.end()) return;
  ScopeState& st = it->second;
  if (st.removed) {  // removed by a reload while it ran
    scopes_.erase(it);
    return;
  }
  st.running = false;
  st.due = NextSlot(st.due, options_.poll_interval, now);
}

void Schedule::CountsChanged(TimePoint now) {
  if (!dirty_since_) dirty_since_ = now;
}

void Schedule::HarvestAbandoned(const std::string& scope) {
  auto it = scopes_.find(scope);
  if (it == scopes_.end()) return;
  if (it->second.removed) {
    scopes_.erase(it);
    return;
  }
  it->second.running = false;
}

bool Schedule::ScoreDue(TimePoint now) const {
  if (score_running_) return false;
  auto t = NextScore();
  return t && *t <= now;
}

std::optional<TimePoint> Schedule::NextScore() const {
  if (score_running_) return std::nullopt;
  TimePoint t = next_score_;
  if (dirty_since_) t = std::min(t, *dirty_since_ + options_.score_debounce);
  return t;
}

void Schedule::ScoreStarted(TimePoint) {
  score_running_ = true;
  dirty_since_.reset();
}

void Schedule::ScoreFinished(TimePoint now) {
  score_running_ = false;
  // A debounced run leaves the periodic phase alone; a periodic one moves to its next slot.
  if (next_score_ <= now) next_score_ = NextSlot(next_score_, options_.score_interval, now);
}

std::optional<TimePoint> Schedule::NextHarvest() const {
  std::optional<TimePoint> best;
  if (paused_) return best;
  for (const auto& [name, st] : scopes_) {
    if (st.running || st.removed) continue;
    if (!best || st.due < *best) best = st.due;
  }
  return best;
}

std::optional<TimePoint> Schedule::NextWakeup() const {
  auto h = NextHarvest();
  auto s = NextScore();
  if (h && s) return std::min(*h, *s);
  return h ? h : s;
}

std::optional<TimePoint> Schedule::Due(const std::string& scope) const {
  auto it = scopes_.find(scope);
  if (it == scopes_.end()) return std::nullopt;
  return it->second.due;
}

bool Schedule::Running(const std::string& scope) const {
  auto it = scopes_.find(scope);
  return it != scopes_.end() && it->second.running;
}

int Schedule::RunningCount() const {
  int n = 0;
  for (const auto& [name, st] : scopes_) n += st.running ? 1 : 0;
  return n;
}

int Schedule::ScopeCount() const {
  int n = 0;
  for (const auto& [name, st] : scopes_) n += st.removed ? 0 : 1;
  return n;
}

}  // namespace ghharvest::daemon
