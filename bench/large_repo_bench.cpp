// A large repository where watched writers have a small share: what it adds to a harvest,
// against a writer-centred floor (bench/README.md says how the floor is computed).
//
//   large_repo_bench [large_items=50000] [base_items=10000]   (BENCH_QUICK=1: 10,000 / 4,000)
//
// Two worlds from one seed, the same but for one repository of `large_items` items in which
// three watched writers write about 1 % (WorldSpec::large_repo_items): the first sync of each,
// and a re-poll of each with nothing changed. The large repository's extra cost is the
// difference. Both harvests must equal the world's truth row for row (exit 1 otherwise).
#include <cstdio>
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

// Requests per watched writer that a writer-centred read of one repository asks whatever the
// writer wrote: one first page of each list it reads (commits, issues and pull requests,
// issue comments, review comments, reviews), even when that page is empty.
constexpr std::int64_t kPerWriter = 5;

bool g_wrong = false;

void CheckExact(HarvestHarness& h, const HarvestRun& r, const std::string& what) {
  auto stored = h.Stored();
  auto truth = h.Truth();
  bool exact = r.status.ok() && stored.ok() && *stored == truth;
  fmt::print("{}: counts equal the truth: {}{}\n", what, exact ? "yes" : "NO",
             stored.ok() && !exact ? "\n" + gh::testing::DiffCounts(*stored, truth) : "");
  if (!exact) g_wrong = true;
}

std::int64_t Graphql(const HarvestRun& r) {
  auto it = r.server.per_route.find("/graphql");
  return it == r.server.per_route.end() ? 0 : it->second;
}

}  // namespace

int main(int argc, char** argv) {
  gh::log::SetLevel(gh::log::Level::kError);
  gh::testing::HarvestHarnessOptions plain;
  plain.spec.seed = 42;
  plain.spec.writers = 20;
  plain.spec.projects = 40;
  plain.spec.items = static_cast<int>(b::ArgOr(argc, argv, 2, b::Quick() ? 4000 : 10000));
  plain.concurrency = 4;
  auto large = plain;
  large.spec.large_repo_items =
      static_cast<int>(b::ArgOr(argc, argv, 1, b::Quick() ? 10000 : 50000));
  large.spec.large_repo_writers = 3;
  large.spec.large_repo_writer_share = 0.01;

  HarvestHarness base(plain), with(large);
  const std::string repo = "octo-org/monorepo";
  const auto own = with.world().OwnItems(repo);
  const std::int64_t items = with.world().RepoItems(repo);
  std::int64_t mine = 0, floor = 0;
  for (const auto& [login, n] : own) {
    mine += n;
    floor += (n + 99) / 100 + kPerWriter;
    fmt::print("  {}: {} own items in {}\n", login, n, repo);
  }
  fmt::print(
      "large repository {}: {} items, {} watched writers there wrote {} ({:.2f} %)\n"
      "writer-centred floor: sum over those writers of ceil(own items / 100) + {} = {}\n",
      repo, items, own.size(), mine, items > 0 ? 100.0 * mine / items : 0.0, kPerWriter, floor);

  gh::ScaledClock clock(1000.0);
  auto first_base = base.Sync(clock);
  CheckExact(base, first_base, "first sync without it");
  auto first_with = with.Sync(clock);
  CheckExact(with, first_with, "first sync with it");
  const std::int64_t extra = first_with.server.requests - first_base.server.requests;
  const std::int64_t extra_graphql = Graphql(first_with) - Graphql(first_base);
  fmt::print(
      "first sync: {} requests without it, {} with it: the large repository costs {} requests "
      "({} REST, {} GraphQL queries) against a writer-centred floor of {}\n",
      first_base.server.requests, first_with.server.requests, extra, extra - extra_graphql,
      extra_graphql, floor);
  // Where the extra requests go, per route: what a cheaper plan has to remove.
  for (const auto& [route, n] : first_with.server.per_route) {
    auto it = first_base.server.per_route.find(route);
    const std::int64_t more = n - (it == first_base.server.per_route.end() ? 0 : it->second);
    if (more != 0) fmt::print("  extra {:>5} {}\n", more, route);
  }
  b::Row("large repository (" + std::to_string(items) +
             " items, 1 % by 3 watched writers): first sync's extra requests",
         static_cast<double>(extra), "requests", static_cast<double>(floor),
         "writer-centred floor: own items / 100 + 5 per writer", b::Better::kLower, 1.5);
  // Every watched writer is counted in every stored repository, so a writer-centred plan
  // must ask about each of them there, active or not: the floor with that first page of each
  // kind for the writers who have nothing there yet.
  const std::int64_t idle_writers = plain.spec.writers - static_cast<std::int64_t>(own.size());
  const std::int64_t floor_all = floor + kPerWriter * idle_writers;
  b::Info("large repository: writer-centred floor asking every watched writer (" +
              std::to_string(idle_writers) + " without items there) once per kind",
          static_cast<double>(floor_all), "requests");
  fmt::print("extra requests against that floor: {:.2f}x\n",
             static_cast<double>(extra) / static_cast<double>(floor_all));
  b::Info(
      "large repository: first sync's extra points (REST and GraphQL)",
      static_cast<double>(first_with.server.primary_points() - first_base.server.primary_points()),
      "points");

  auto idle_base = base.Sync(clock);
  auto idle_with = with.Sync(clock);
  CheckExact(with, idle_with, "no change with it");
  b::Row("large repository: no-change re-poll's extra points",
         static_cast<double>(idle_with.server.primary_points() - idle_base.server.primary_points()),
         "points", 0, "zero points", b::Better::kLower, 1);
  b::Info("large repository: no-change re-poll's extra requests (304s)",
          static_cast<double>(idle_with.server.requests - idle_base.server.requests), "requests");
  if (g_wrong) {
    std::fprintf(stderr, "large_repo_bench: the harvest was not exact; its cost means nothing\n");
    return 1;
  }
  return 0;
}
