// Harvest wall time when every response takes 50 ms (GitHub's own latency is of that order),
// at client concurrency 1, 4 and 8, beside the latency-bound floor: requests x 50 ms /
// concurrency. The ratio shows what the harvester loses to its own dependencies (a list's
// next page waits for the previous one; reviews wait for the pulls list) and to local work.
//
//   harvest_time_bench [items=2000] [latency_ms=50]     (BENCH_QUICK=1: 1,000 items)
//
// The world is smaller than api_economy_bench's (6 writers, 10 projects, 2,000 items: about
// 300 requests for a first sync) so that concurrency 1 finishes in about 15 seconds; the
// cost per request is what this measures, and it does not depend on the world's size.
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "common.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"
#include "harvest_harness.hpp"

namespace gh = ghharvest;
namespace b = ghharvest::bench;

int main(int argc, char** argv) {
  gh::log::SetLevel(gh::log::Level::kError);
  const int items = static_cast<int>(b::ArgOr(argc, argv, 1, b::Quick() ? 1000 : 2000));
  const int latency_ms = static_cast<int>(b::ArgOr(argc, argv, 2, 50));
  gh::ScaledClock clock(1000.0);
  bool wrong = false;

  for (int concurrency : {1, 4, 8}) {
    gh::testing::HarvestHarnessOptions o;
    o.spec.seed = 42;
    o.spec.writers = 6;
    o.spec.projects = 10;
    o.spec.items = items;
    o.latency = std::chrono::milliseconds(latency_ms);
    o.concurrency = concurrency;
    o.server_threads = 4;  // the latency is a timer, not a busy thread
    gh::testing::HarvestHarness h(o);
    if (concurrency == 1) {
      fmt::print("world: seed {}, {} writers, {} projects, {} items; {} ms per response\n",
                 o.spec.seed, o.spec.writers, o.spec.projects, h.world().ItemCount(), latency_ms);
    }

    for (const char* phase : {"first sync", "no-change sync"}) {
      b::Stopwatch sw;
      auto run = h.Sync(clock);
      double cpu = sw.cpu();
      auto stored = h.Stored();
      bool exact = run.status.ok() && stored.ok() && *stored == h.Truth();
      wrong |= !exact;
      double floor_s = static_cast<double>(run.server.requests) * latency_ms / 1000.0 /
                       static_cast<double>(concurrency);
      fmt::print(
          "{}, concurrency {}: {:.2f} s wall, {:.2f} s CPU (bench process: harvester, server "
          "and world), {} requests ({} x 304), floor {:.2f} s, counts exact: {}\n",
          phase, concurrency, run.seconds, cpu, run.server.requests, run.server.not_modified,
          floor_s, exact ? "yes" : "NO");
      b::Row(fmt::format("{}, concurrency {}: wall time", phase, concurrency), run.seconds, "s",
             floor_s,
             fmt::format("{} req x {} ms / {}", run.server.requests, latency_ms, concurrency));
    }
  }
  if (wrong) {
    std::fprintf(stderr, "harvest_time_bench: a harvest was not exact; its time means nothing\n");
    return 1;
  }
  return 0;
}
