// API economy: what the harvester spends of GitHub's 5,000 points an hour, against the
// fewest requests that could read the same lists (the floor), on a seeded synthetic world of
// 20 writers, 40 projects and 100,000 items served over loopback.
//
//   api_economy_bench [items=100000] [seed=42]   (BENCH_QUICK=1: 10,000 items)
//
// Four syncs in a row: the first (floor: the world's own count of ceil(items/100) over every
// list that must be read; beside it the cheapest exact repository-centred REST plan: every
// list of every project read whole once, one reviews page per pull request that has reviews),
// one after 1% of the world changed and one after seven days of activity (reactions on items
// of any age, edits, deletions; floor: ceil(changed/100) over the lists that changed), and
// one with nothing changed (floor: zero points). After each, the
// harvested writer_project_counts must equal the world's truth row for row: the program
// exits 1 otherwise, because the cost of a wrong harvest means nothing.
#include <cstdio>
#include <set>
#include <string>

#include <fmt/format.h>

#include "common.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"
#include "harvest_harness.hpp"

namespace gh = ghharvest;
namespace b = ghharvest::bench;
using gh::testing::HarvestHarness;
using gh::testing::HarvestRun;

namespace {

bool g_wrong = false;

std::int64_t RowsDiffering(const std::vector<gh::testing::CountsRow>& a,
                           const std::vector<gh::testing::CountsRow>& b) {
  std::set<std::string> sa, sb;
  for (const auto& r : a) sa.insert(r.ToString());
  for (const auto& r : b) sb.insert(r.ToString());
  std::int64_t n = 0;
  for (const auto& s : sa) n += !sb.count(s);
  for (const auto& s : sb) n += !sa.count(s);
  return n;
}

void PrintRun(const char* what, const HarvestRun& r) {
  std::string per;
  for (const auto& [name, e] : r.stats.per_endpoint)
    per += fmt::format(" {}={}/{}", name, e.requests, e.not_modified);
  fmt::print(
      "{}: {:.1f} s, status {}; server saw {} requests ({} conditional, {} x 304), {} points; "
      "harvester: {} items upserted, counts_changed={}\n  per endpoint (requests/304):{}\n",
      what, r.seconds, r.status.ToString(), r.server.requests, r.server.conditional,
      r.server.not_modified, r.server.primary_points(), r.stats.items_upserted,
      r.stats.counts_changed, per);
}

std::int64_t GraphqlQueries(const HarvestRun& r) {
  auto it = r.server.per_route.find("/graphql");
  return it == r.server.per_route.end() ? 0 : it->second;
}

// REST and GraphQL side by side: their budgets are separate buckets at GitHub.
void PrintBuckets(const std::string& what, const HarvestRun& r) {
  auto points = [&](const char* bucket) -> std::int64_t {
    auto it = r.server.points.find(bucket);
    return it == r.server.points.end() ? 0 : it->second;
  };
  const std::int64_t queries = GraphqlQueries(r);
  b::Info(what + ": REST requests", static_cast<double>(r.server.requests - queries), "requests");
  b::Info(what + ": REST (core) points", static_cast<double>(points("core")), "points");
  b::Info(what + ": GraphQL queries", static_cast<double>(queries), "queries");
  b::Info(what + ": GraphQL points", static_cast<double>(points("graphql")), "points");
}

void PrintFloor(const char* what, const gh::testing::RequestFloor& f) {
  fmt::print(
      "{} floor: {} (commits {}, issues {}, issue comments {}, review comments {}, "
      "pulls {}, reviews {})\n",
      what, f.total(), f.commits, f.issues, f.issue_comments, f.review_comments, f.pulls,
      f.reviews);
}

// The harvest must be right before its cost means anything.
void CheckExact(HarvestHarness& h, const HarvestRun& r, const std::string& name) {
  auto stored = h.Stored();
  auto truth = h.Truth();
  std::int64_t differing = -1;
  if (stored.ok()) differing = RowsDiffering(*stored, truth);
  bool exact = r.status.ok() && differing == 0;
  fmt::print("{}: counts equal the truth: {} ({} rows in the truth{}{})\n", name,
             exact ? "yes" : "NO", truth.size(),
             stored.ok() ? "" : ", reading them failed: " + stored.status().ToString(),
             stored.ok() && differing != 0 ? "\n" + gh::testing::DiffCounts(*stored, truth) : "");
  // Zero rows may differ: the row reads ok only when none do.
  b::Row(name + ": count rows differing from the truth",
         static_cast<double>(differing < 0 ? truth.size() : differing), "rows", 0, "exact harvest",
         b::Better::kLower, 1);
  if (!exact) g_wrong = true;
}

}  // namespace

int main(int argc, char** argv) {
  gh::log::SetLevel(gh::log::Level::kError);
  gh::testing::HarvestHarnessOptions o;
  o.spec.seed = static_cast<std::uint64_t>(b::ArgOr(argc, argv, 2, 42));
  o.spec.writers = 20;
  o.spec.projects = 40;
  o.spec.items = static_cast<int>(b::ArgOr(argc, argv, 1, b::Quick() ? 10000 : 100000));
  o.concurrency = 4;

  b::Stopwatch setup;
  HarvestHarness h(o);
  fmt::print("world: seed {}, {} writers, {} projects, {} items (generated in {:.1f} s)\n",
             o.spec.seed, o.spec.writers, o.spec.projects, h.world().ItemCount(), setup.wall());
  const std::string size = fmt::format("{}k items", o.spec.items / 1000);

  // Time only drives the client's backoffs and the governor's windows here.
  gh::ScaledClock clock(1000.0);

  // 1. First sync.
  auto floor = h.Floor();
  PrintFloor("first sync", floor);
  auto repo_floor = h.RepositoryFloor();
  PrintFloor("cheapest exact repository-centred REST plan", repo_floor);
  auto first = h.Sync(clock);
  PrintRun("first sync", first);
  b::Row("first sync (" + size + "): requests", static_cast<double>(first.server.requests),
         "requests", static_cast<double>(floor.total()), "floor: pages of every list",
         b::Better::kLower, 1.3);
  b::Row("first sync: primary points", static_cast<double>(first.server.primary_points()), "points",
         static_cast<double>(floor.total()), "floor: pages of every list", b::Better::kLower, 1.3);
  // Reviews by GraphQL (100 pull requests a query), everything else by REST: the requests of
  // both together against the cheapest plan REST alone could have.
  b::Row("first sync: requests (REST + GraphQL) against the cheapest exact REST plan",
         static_cast<double>(first.server.requests), "requests",
         static_cast<double>(repo_floor.total()), "whole lists per repository + reviews",
         b::Better::kLower, 0.3);
  PrintBuckets("first sync", first);
  CheckExact(h, first, "first sync");

  // 2. 1% of the world changes: new items, edits, reactions and merges, one hour of it.
  auto before = h.Snapshot();
  gh::testing::AdvanceSpec a;
  int one_percent = o.spec.items / 100;
  a.seconds = 3600;
  a.new_items = one_percent * 60 / 100;
  a.edits = one_percent * 20 / 100;
  a.new_reactions = one_percent * 15 / 100;
  a.merges = one_percent - a.new_items - a.edits - a.new_reactions;
  auto changed = h.world().Advance(a);
  fmt::print("advance: {} items added, {} edits, {} reactions, {} merges\n", changed.items_added,
             changed.edits, changed.reactions_added, changed.merges);
  auto change_floor = h.ChangeFloor(before);
  PrintFloor("1% change", change_floor);
  auto second = h.Sync(clock);
  PrintRun("1% change sync", second);
  b::Row("1% change: primary points", static_cast<double>(second.server.primary_points()), "points",
         static_cast<double>(change_floor.total()), "floor: pages of changed lists",
         b::Better::kLower, 2.0);
  b::Row("1% change: requests (incl. 304s)", static_cast<double>(second.server.requests),
         "requests", static_cast<double>(change_floor.total()), "floor: pages of changed lists");
  CheckExact(h, second, "1% change");

  // 3. Seven days of activity: new items, edits, reactions added to and taken back from
  // items of any age (updated_at untouched), merges, deleted issues and comments.
  auto week_before = h.Snapshot();
  auto week = h.world().Advance(gh::testing::WeekOfActivity(h.world().ItemCount()));
  fmt::print(
      "7 days: {} items added, {} edits, {} reactions added, {} taken back, {} merges, {} issues "
      "and {} + {} comments deleted\n",
      week.items_added, week.edits, week.reactions_added, week.reactions_removed, week.merges,
      week.issues_deleted, week.comments_deleted, week.review_comments_deleted);
  auto week_floor = h.ChangeFloor(week_before);
  PrintFloor("7 days", week_floor);
  auto weekly = h.Sync(clock);
  PrintRun("7 days sync", weekly);
  b::Row("7 days: primary points", static_cast<double>(weekly.server.primary_points()), "points",
         static_cast<double>(week_floor.total()), "floor: pages of changed lists",
         b::Better::kLower, 2.0);
  b::Row("7 days: requests (incl. 304s)", static_cast<double>(weekly.server.requests), "requests",
         static_cast<double>(week_floor.total()), "floor: pages of changed lists");
  PrintBuckets("7 days", weekly);
  CheckExact(h, weekly, "7 days");

  // 4. Nothing changed: only conditional requests, every one a 304, no points.
  auto third = h.Sync(clock);
  PrintRun("no-change sync", third);
  b::Row("no change: primary points", static_cast<double>(third.server.primary_points()), "points",
         0, "zero points", b::Better::kLower, 1);
  b::Info("no change: requests (all conditional)", static_cast<double>(third.server.requests),
          "requests");
  b::Row("no change: requests that were not 304",
         static_cast<double>(third.server.requests - third.server.not_modified), "requests", 0,
         "all 304", b::Better::kLower, 1);
  PrintBuckets("no change", third);
  b::Row("no change: GraphQL queries", static_cast<double>(GraphqlQueries(third)), "queries", 0,
         "none: nothing changed", b::Better::kLower, 1);
  CheckExact(h, third, "no change");

  // 5. The same first sync where the server has no GraphQL (404): the REST-only plan.
  {
    auto ro = o;
    ro.graphql.enabled = false;
    HarvestHarness rest(ro);
    auto r = rest.Sync(clock);
    PrintRun("first sync, REST only", r);
    b::Row("first sync, REST only (no /graphql): requests against the cheapest exact REST plan",
           static_cast<double>(r.server.requests), "requests",
           static_cast<double>(rest.RepositoryFloor().total()),
           "whole lists per repository + reviews", b::Better::kLower, 1.3);
    CheckExact(rest, r, "first sync, REST only");
    auto idle = rest.Sync(clock);
    b::Row("no change, REST only: primary points",
           static_cast<double>(idle.server.primary_points()), "points", 0, "zero points",
           b::Better::kLower, 1);
    CheckExact(rest, idle, "no change, REST only");
  }

  // What the budget means: first syncs of this world per hour of 5,000 points.
  fmt::print(
      "an hour's 5,000 points cover {:.2f} first syncs, or {:.0f} syncs after 1% change\n",
      5000.0 / static_cast<double>(std::max<std::int64_t>(1, first.server.primary_points())),
      5000.0 / static_cast<double>(std::max<std::int64_t>(1, second.server.primary_points())));
  if (g_wrong) {
    std::fprintf(stderr, "api_economy_bench: the harvest was not exact; its cost means nothing\n");
    return 1;
  }
  return 0;
}
