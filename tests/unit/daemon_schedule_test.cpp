// The daemon's plan, driven with explicit time points: every rule is checked exactly.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "ghharvest/daemon/schedule.hpp"

using namespace ghharvest::daemon;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

const TimePoint kT0 = TimePoint(std::chrono::hours(24 * 365 * 56));

ScheduleOptions Opts(seconds poll = minutes(15), seconds score = minutes(60)) {
  ScheduleOptions o;
  o.poll_interval = poll;
  o.score_interval = score;
  o.splay_fraction = 0.25;
  o.score_debounce = seconds(5);
  o.score_at_start = false;
  return o;
}

std::vector<std::string> Writers(int n) {
  std::vector<std::string> w;
  for (int i = 0; i < n; ++i) w.push_back("writer-" + std::to_string(i));
  return w;
}

}  // namespace

TEST_CASE("splay spreads writers' first harvests over the window, the same on every start") {
  std::set<std::int64_t> offsets;
  auto window = std::chrono::milliseconds(minutes(15)) / 4;
  int first_half = 0;
  for (const auto& w : Writers(100)) {
    auto o = SplayOffset(w, window);
    CHECK(o.count() >= 0);
    CHECK(o < window);
    CHECK(o == SplayOffset(w, window));  // deterministic
    if (o < window / 2) ++first_half;
    offsets.insert(o.count());
  }
  CHECK(offsets.size() >= 98);  // practically all distinct
  // Neither half of the window is empty or crowded.
  CHECK(first_half > 25);
  CHECK(first_half < 75);
  // Case does not change a login's phase (logins compare case-insensitively).
  CHECK(SplayOffset("Alice", window) == SplayOffset("alice", window));
  CHECK(SplayOffset("x", std::chrono::milliseconds(0)).count() == 0);
}

TEST_CASE("no writer is due before its splay offset, and all are due by the end of the window") {
  Schedule s(Opts(), kT0);
  s.SetScopes(Writers(20), kT0);
  CHECK(s.TakeDueHarvests(kT0 - seconds(1)).empty());
  std::set<TimePoint> dues;
  for (const auto& w : Writers(20)) dues.insert(*s.Due(w));
  CHECK(dues.size() == 20);
  CHECK(s.TakeDueHarvests(kT0 + seconds(15 * 60 / 4)).size() == 20);
}

TEST_CASE("the next harvest is due one interval after the previous due, not after the finish") {
  Schedule s(Opts(), kT0);
  s.SetScopes({"alice"}, kT0);
  TimePoint due = *s.Due("alice");
  for (int k = 0; k < 10; ++k) {
    auto taken = s.TakeDueHarvests(due);
    REQUIRE(taken == std::vector<std::string>{"alice"});
    // Each harvest takes 4 minutes and starts 10 s late: the phase must not drift.
    TimePoint started = due + seconds(10);
    s.HarvestFinished("alice", started, started + minutes(4), false);
    CHECK(*s.Due("alice") == due + minutes(15));
    due = *s.Due("alice");
  }
  CHECK(due ==
        kT0 + SplayOffset("alice", std::chrono::milliseconds(minutes(15)) / 4) + 10 * minutes(15));
}

TEST_CASE("slots missed by a long harvest are skipped, keeping the phase") {
  Schedule s(Opts(), kT0);
  s.SetScopes({"alice"}, kT0);
  TimePoint due = *s.Due("alice");
  REQUIRE(s.TakeDueHarvests(due).size() == 1);
  // Ran 40 minutes: the slots at +15 and +30 passed; the next is +45, not a burst of three.
  s.HarvestFinished("alice", due, due + minutes(40), false);
  CHECK(*s.Due("alice") == due + minutes(45));
}

TEST_CASE("a running writer is never handed out again until its harvest finishes") {
  Schedule s(Opts(seconds(60)), kT0);
  s.SetScopes({"alice", "bob"}, kT0);
  auto all = s.TakeDueHarvests(kT0 + minutes(1));
  CHECK(all.size() == 2);
  // Hours later, both still running: nothing is due.
  CHECK(s.TakeDueHarvests(kT0 + minutes(600)).empty());
  CHECK(s.Running("alice"));
  CHECK(s.RunningCount() == 2);
  s.HarvestFinished("alice", kT0 + minutes(1), kT0 + minutes(600), false);
  CHECK_FALSE(s.Running("alice"));
  auto again = s.TakeDueHarvests(kT0 + minutes(602));
  CHECK(again == std::vector<std::string>{"alice"});
}

TEST_CASE("a config reload that removes and re-adds a running writer does not start it twice") {
  Schedule s(Opts(seconds(60)), kT0);
  s.SetScopes({"alice"}, kT0);
  REQUIRE(s.TakeDueHarvests(kT0 + minutes(1)).size() == 1);
  s.SetScopes({}, kT0 + minutes(2));
  CHECK(s.ScopeCount() == 0);
  s.SetScopes({"alice"}, kT0 + minutes(3));
  CHECK(s.TakeDueHarvests(kT0 + minutes(10)).empty());
  s.HarvestFinished("alice", kT0 + minutes(1), kT0 + minutes(11), false);
  CHECK(s.TakeDueHarvests(kT0 + minutes(20)).size() == 1);
}

TEST_CASE("a writer removed while running is forgotten when its harvest ends") {
  Schedule s(Opts(seconds(60)), kT0);
  s.SetScopes({"alice", "bob"}, kT0);
  REQUIRE(s.TakeDueHarvests(kT0 + minutes(1)).size() == 2);
  s.SetScopes({"bob"}, kT0 + minutes(2));
  s.HarvestFinished("alice", kT0, kT0 + minutes(3), true);
  CHECK_FALSE(s.Due("alice").has_value());
  CHECK(s.ScopeCount() == 1);
}

TEST_CASE("at most max_running harvests run at once, earliest due first") {
  Schedule s(Opts(), kT0);
  s.SetScopes(Writers(10), kT0);
  auto first = s.TakeDueHarvests(kT0 + minutes(15), 3);
  REQUIRE(first.size() == 3);
  for (size_t i = 1; i < first.size(); ++i) CHECK(*s.Due(first[i - 1]) <= *s.Due(first[i]));
  CHECK(s.TakeDueHarvests(kT0 + minutes(15), 3).empty());
  s.HarvestFinished(first[0], kT0, kT0 + minutes(15), false);
  CHECK(s.TakeDueHarvests(kT0 + minutes(15), 3).size() == 1);
}

TEST_CASE("scoring follows a changed harvest after the debounce, once for several changes") {
  Schedule s(Opts(minutes(15), minutes(60)), kT0);
  s.SetScopes({"alice", "bob"}, kT0);
  CHECK_FALSE(s.ScoreDue(kT0 + minutes(5)));
  REQUIRE(s.TakeDueHarvests(kT0 + minutes(5)).size() == 2);
  s.HarvestFinished("alice", kT0, kT0 + minutes(6), true);
  CHECK_FALSE(s.ScoreDue(kT0 + minutes(6) + seconds(4)));
  s.HarvestFinished("bob", kT0, kT0 + minutes(6) + seconds(2), true);
  // Debounce counts from the first change, so a stream of changes cannot postpone it forever.
  CHECK(s.ScoreDue(kT0 + minutes(6) + seconds(5)));
  s.ScoreStarted(kT0 + minutes(6) + seconds(5));
  CHECK_FALSE(s.ScoreDue(kT0 + minutes(6) + seconds(5)));
  s.ScoreFinished(kT0 + minutes(6) + seconds(6));
  CHECK_FALSE(s.ScoreDue(kT0 + minutes(30)));
  // The periodic score keeps its own phase.
  CHECK(s.ScoreDue(kT0 + minutes(60)));
}

TEST_CASE("a harvest that changed nothing does not trigger scoring") {
  Schedule s(Opts(minutes(15), minutes(60)), kT0);
  s.SetScopes({"alice"}, kT0);
  REQUIRE(s.TakeDueHarvests(kT0 + minutes(5)).size() == 1);
  s.HarvestFinished("alice", kT0, kT0 + minutes(6), false);
  CHECK_FALSE(s.ScoreDue(kT0 + minutes(59)));
  CHECK(*s.NextWakeup() <= kT0 + minutes(60));
}

TEST_CASE("periodic scoring is drift-compensated and skips missed slots") {
  Schedule s(Opts(minutes(15), minutes(60)), kT0);
  CHECK(s.ScoreDue(kT0 + minutes(60)));
  s.ScoreStarted(kT0 + minutes(61));
  s.ScoreFinished(kT0 + minutes(62));
  CHECK_FALSE(s.ScoreDue(kT0 + minutes(119)));
  CHECK(s.ScoreDue(kT0 + minutes(120)));
  s.ScoreStarted(kT0 + minutes(120));
  s.ScoreFinished(kT0 + minutes(250));  // a very slow run
  CHECK_FALSE(s.ScoreDue(kT0 + minutes(299)));
  CHECK(s.ScoreDue(kT0 + minutes(300)));
}

TEST_CASE("score_at_start makes a score due immediately") {
  auto o = Opts();
  o.score_at_start = true;
  Schedule s(o, kT0);
  CHECK(s.ScoreDue(kT0));
}

TEST_CASE("paused harvesting hands out nothing and reports no next poll") {
  Schedule s(Opts(seconds(60)), kT0);
  s.SetScopes({"alice"}, kT0);
  s.SetHarvestPaused(true);
  CHECK(s.TakeDueHarvests(kT0 + minutes(10)).empty());
  CHECK_FALSE(s.NextHarvest().has_value());
  s.SetHarvestPaused(false);
  CHECK(s.TakeDueHarvests(kT0 + minutes(10)).size() == 1);
}

TEST_CASE("an abandoned harvest leaves its due unchanged so it runs again at once") {
  Schedule s(Opts(seconds(60)), kT0);
  s.SetScopes({"alice"}, kT0);
  TimePoint due = *s.Due("alice");
  REQUIRE(s.TakeDueHarvests(due).size() == 1);
  s.HarvestAbandoned("alice");
  CHECK(*s.Due("alice") == due);
  CHECK(s.TakeDueHarvests(due + seconds(1)).size() == 1);
}

TEST_CASE("shortening the poll interval on reload pulls far dues in") {
  Schedule s(Opts(minutes(60)), kT0);
  s.SetScopes({"alice"}, kT0);
  TimePoint due = *s.Due("alice");
  REQUIRE(s.TakeDueHarvests(due).size() == 1);
  s.HarvestFinished("alice", due, due + seconds(1), false);
  CHECK(*s.Due("alice") == due + minutes(60));
  s.SetOptions(Opts(minutes(1)), due + seconds(2));
  CHECK(*s.Due("alice") == due + seconds(2) + minutes(1));
}

TEST_CASE("NextWakeup is the earliest of idle harvests and the next score") {
  Schedule s(Opts(minutes(15), minutes(60)), kT0);
  CHECK(*s.NextWakeup() == kT0 + minutes(60));
  s.SetScopes({"alice"}, kT0);
  CHECK(*s.NextWakeup() == *s.Due("alice"));
  REQUIRE(s.TakeDueHarvests(*s.Due("alice")).size() == 1);
  CHECK(*s.NextWakeup() == kT0 + minutes(60));
}

TEST_CASE(
    "repository and writer scopes each run once per interval, a recomputed set keeps phases") {
  // The daemon's scopes: one per watched repository, one per writer.
  const std::vector<std::string> scopes = {"writer:alice", "writer:bob", "writer:carol",
                                           "repo:octo/alpha", "repo:octo/beta"};
  const auto poll = minutes(15);
  const auto window = std::chrono::milliseconds(poll) / 4;
  Schedule s(Opts(poll), kT0);
  s.SetScopes(scopes, kT0);
  CHECK(s.ScopeCount() == 5);
  for (const auto& scope : scopes) {
    CAPTURE(scope);
    REQUIRE(s.Due(scope));
    CHECK(*s.Due(scope) == kT0 + SplayOffset(scope, window));
  }
  // A repository and a writer of the same name are different scopes, on their own phases.
  CHECK(SplayOffset("repo:alice/alice", window) != SplayOffset("writer:alice", window));

  // Three intervals, every harvest done at once: each scope exactly once per interval.
  std::map<std::string, int> runs;
  auto drive = [&](TimePoint from, TimePoint to) {
    for (TimePoint t = from; t < to; t += seconds(1)) {
      for (const auto& scope : s.TakeDueHarvests(t)) {
        ++runs[scope];
        s.HarvestFinished(scope, t, t, false);
      }
    }
  };
  drive(kT0, kT0 + poll * 3);
  for (const auto& scope : scopes) {
    CAPTURE(scope);
    CHECK(runs[scope] == 3);
  }

  // A writer's discovery found octo/gamma mid-interval: it joins with its own splay from now,
  // and the scopes already known keep their dues.
  const TimePoint found = kT0 + poll * 3 + minutes(7);
  drive(kT0 + poll * 3, found);
  std::map<std::string, TimePoint> dues;
  for (const auto& scope : scopes) dues[scope] = *s.Due(scope);
  auto more = scopes;
  more.push_back("repo:octo/gamma");
  s.SetScopes(more, found);
  CHECK(s.ScopeCount() == 6);
  for (const auto& scope : scopes) {
    CAPTURE(scope);
    CHECK(*s.Due(scope) == dues[scope]);
  }
  CHECK(*s.Due("repo:octo/gamma") == found + SplayOffset("repo:octo/gamma", window));
  // A repository gone from the watches is dropped; the rest carry on.
  more.erase(std::find(more.begin(), more.end(), "repo:octo/beta"));
  s.SetScopes(more, found);
  CHECK_FALSE(s.Due("repo:octo/beta"));
  runs.clear();
  drive(found, found + poll * 2);
  CHECK(runs["repo:octo/gamma"] == 2);
  CHECK(runs["repo:octo/alpha"] == 2);
  CHECK(runs["writer:alice"] == 2);
  CHECK(runs.count("repo:octo/beta") == 0);
}
