// Memory: peak RSS of the harvester's process, target under 64 MiB, in two situations:
//
//  1. `ghharvest sync --once` (the real binary) doing the first sync of a 100,000-item world,
//     then a sync with nothing changed;
//  2. a day of steady polling: the daemon's Service with its real actions (harvester, scorer,
//     reporter: what `ghharvest run` builds) on a ScaledClock, with the default schedule (poll
//     every 15 min, score every hour), until every writer was harvested 96 times, while the
//     world (a smaller one: 4 writers, 10 projects, 20,000 items) advances 50 items every 5 s.
//
// The synthetic world runs in its own process (ghharvest-fakehub), so its model is not
// counted; the peak is the kernel's (wait4's ru_maxrss) for the measured process alone.
//
//   memory_bench [items=100000] [cycles=96]       (BENCH_QUICK=1: 20,000 items, 24 cycles, day
//   world 5,000) memory_bench --day-child CONFIG CYCLES SCOPES  (internal: the daemon for part 2)
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common.hpp"
#include "processes.hpp"

namespace gh = ghharvest;
namespace b = ghharvest::bench;

namespace {

constexpr double kLimitMiB = 64;
// The daemon's clock runs this much faster than real time: a 15-minute poll interval
// passes in half a second, so the schedule, not the wait, decides what runs.
constexpr double kSpeedup = 1800;

// Part 2 runs here, in a process of its own: the daemon as `ghharvest run` builds it, but on
// a ScaledClock, stopped once every scope has been harvested `cycles` times.
int DayChild(const std::string& config, int cycles, int scopes) {
  auto run =
      b::RunRealService(config, kSpeedup, gh::log::Level::kError,
                        [cycles, scopes](const std::map<std::string, int>& harvests, double) {
                          if (static_cast<int>(harvests.size()) < scopes) return false;
                          int least = INT_MAX;
                          for (const auto& [scope, n] : harvests) least = std::min(least, n);
                          return least >= cycles;
                        });
  fmt::print(
      "day child: exit {}, {} harvests over {} scopes ({} failed, {} cancelled by the stop), {} "
      "scoring runs, {:.1f} simulated hours\n",
      run.rc, run.total(), run.harvests.size(), run.failed, run.cancelled, run.scored,
      run.simulated_hours);
  if (run.failed > 0) return 1;
  return run.rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--day-child") {
    return DayChild(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  }
  const int items = static_cast<int>(b::ArgOr(argc, argv, 1, b::Quick() ? 20000 : 100000));
  const int cycles = static_cast<int>(b::ArgOr(argc, argv, 2, b::Quick() ? 24 : 96));
  if (!b::BinariesBuilt("memory_bench")) return 2;
  gh::testing::TempDir dir;
  bool wrong = false;

  // Part 1: first and no-change sync by the real binary.
  {
    std::string d = dir.file("sync");
    mkdir(d.c_str(), 0700);
    b::FakehubWorld w;
    w.items = items;
    b::Fakehub hub(d, w);
    fmt::print("world: ghharvest-fakehub, seed 42, 20 writers, 40 projects, {} items\n", items);
    auto first = b::SyncOnce(d, "sync-first");
    bool exact = first.code == 0 && b::CountsExact(d);
    wrong |= !exact;
    fmt::print("first sync --once: exit {}, {:.1f} s, peak RSS {:.1f} MiB, counts exact: {}\n",
               first.code, first.seconds, first.peak_mib, exact ? "yes" : "NO");
    b::Row(fmt::format("sync --once, first sync ({}k items): peak RSS", items / 1000),
           first.peak_mib, "MiB", kLimitMiB, "limit 64 MiB", b::Better::kLower, 1);
    auto idle = b::SyncOnce(d, "sync-idle");
    exact = idle.code == 0 && b::CountsExact(d);
    wrong |= !exact;
    fmt::print("no-change sync --once: exit {}, {:.1f} s, peak RSS {:.1f} MiB, counts exact: {}\n",
               idle.code, idle.seconds, idle.peak_mib, exact ? "yes" : "NO");
    b::Row("sync --once, no-change sync: peak RSS", idle.peak_mib, "MiB", kLimitMiB, "limit 64 MiB",
           b::Better::kLower, 1);
    b::Exit hub_exit = hub.Stop();
    fmt::print("(the world's own process peaked at {:.1f} MiB: not counted)\n", hub_exit.peak_mib);
  }

  // Part 2: the daemon polls a smaller world (4 writers, 10 projects, 20,000 items: what grows
  // over a day is per cycle, so a day of the 100k world would take too long here) that
  // advances 50 items every 5 s. The daemon's scopes are its writers and their repositories;
  // the day ends once every scope that ran has run `cycles` times.
  {
    std::string d = dir.file("day");
    mkdir(d.c_str(), 0700);
    const int day_writers = 4;
    b::FakehubWorld w;
    w.writers = day_writers;
    w.projects = 10;
    w.items = b::Quick() ? 5000 : 20000;
    w.advance_every = 5;
    b::Fakehub hub(d, w);
    auto t0 = b::Clock::now();
    pid_t pid = b::Spawn({"/proc/self/exe", "--day-child", d + "/ghharvest.toml",
                          std::to_string(cycles), std::to_string(day_writers)},
                         d + "/day.log", {{"GITHUB_TOKEN", "bench-token"}});
    // The resident size over the day, to tell a plateau from a leak.
    std::vector<std::int64_t> samples;
    int status = 0;
    rusage ru{};
    pid_t done = 0;
    while ((done = wait4(pid, &status, WNOHANG, &ru)) == 0) {
      if (auto kib = b::VmRssKiB(pid); kib > 0) samples.push_back(kib);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    double secs = b::SecondsBetween(t0, b::Clock::now());
    int code = done == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    double peak = static_cast<double>(ru.ru_maxrss) / 1024.0;
    auto max_of = [&](std::size_t from, std::size_t to) {
      std::int64_t m = 0;
      for (std::size_t i = from; i < to && i < samples.size(); ++i) m = std::max(m, samples[i]);
      return static_cast<double>(m) / 1024.0;
    };
    std::size_t n = samples.size();
    hub.Stop();
    std::string counters = b::ReadFile(d + "/counters.json");
    std::fputs(b::ReadFile(d + "/day.log").c_str(), stdout);
    fmt::print(
        "a day of polling ({} cycles per scope): exit {}, {:.1f} s real, peak RSS {:.1f} MiB; "
        "RSS by quarter of the day (max of {} samples): {:.1f} / {:.1f} / {:.1f} / {:.1f} MiB; "
        "the world saw {} requests, {} x 304, {} core points\n",
        cycles, code, secs, peak, n, max_of(0, n / 4), max_of(n / 4, n / 2),
        max_of(n / 2, 3 * n / 4), max_of(3 * n / 4, n), b::JsonInt(counters, "requests"),
        b::JsonInt(counters, "not_modified"), b::JsonInt(counters, "core"));
    if (code != 0) wrong = true;
    b::Row(fmt::format("daemon, a day of polling ({} cycles): peak RSS", cycles), peak, "MiB",
           kLimitMiB, "limit 64 MiB", b::Better::kLower, 1);
    // Growth between the first and last quarter: a leak shows here long before it hits a limit.
    b::Info("daemon: RSS growth, last vs first quarter of the day",
            max_of(3 * n / 4, n) - max_of(0, n / 4), "MiB");
  }
  if (wrong) {
    std::fprintf(stderr, "memory_bench: a sync failed or was not exact (logs in %s)\n",
                 dir.path().c_str());
    return 1;
  }
  return 0;
}
