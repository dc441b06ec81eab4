// What the daemon's schedule costs per poll interval on a world whose writers share
// repositories (issue #12 item 6): ghharvest-fakehub standing still (20 writers, 40 projects
// by default, each writer in several projects), one `ghharvest sync --once` to fill the
// database and a second to measure what one whole cycle of the calm world costs, then the daemon's
// real Service (what `ghharvest run` builds) on a ScaledClock for `intervals` poll intervals. Every
// request of the daemon's run is then a re-poll of an unchanged world, so requests per interval is
// what the schedule's units cost: how often each repository is looked up and its lists asked, and
// each writer's account.
//
//   schedule_bench [intervals=8] [writers=20] [projects=40]   (BENCH_QUICK=1: 3 intervals)
//   schedule_bench --daemon-child CONFIG INTERVALS             (internal: the daemon)
#include <sys/wait.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>

#include "common.hpp"
#include "plain_http.hpp"
#include "processes.hpp"
#include "test_paths.hpp"

namespace gh = ghharvest;
namespace b = ghharvest::bench;

namespace {

// A 15-minute interval in 1.5 s of real time: long enough for the daemon (one harvest at a
// time, as `ghharvest run`) to get through a whole interval's 304s on 2 cores.
constexpr double kSpeedup = 600;
constexpr double kIntervalHours = 0.25;

// The daemon until every scope's first harvest of interval `intervals` + 1 is behind it: the
// scopes are splayed over the first quarter of each interval, so stopping 0.3 intervals in
// sees each scope `intervals` + 1 times.
int DaemonChild(const std::string& config, int intervals) {
  const double stop_at = (intervals + 0.3) * kIntervalHours;
  auto run = b::RunRealService(
      config, kSpeedup, gh::log::Level::kError,
      [stop_at](const std::map<std::string, int>&, double hours) { return hours >= stop_at; });
  int least = run.harvests.empty() ? 0 : INT_MAX, most = 0;
  for (const auto& entry : run.harvests) {
    least = std::min(least, entry.second);
    most = std::max(most, entry.second);
  }
  std::printf("@daemon\texit=%d\tharvests=%d\tscopes=%zu\tleast=%d\tmost=%d\tfailed=%d\n", run.rc,
              run.total(), run.harvests.size(), least, most, run.failed);
  std::fflush(stdout);
  return run.rc;
}

double Field(const std::string& log, const std::string& key) {
  auto line = log.find("@daemon\t");
  if (line == std::string::npos) return -1;
  auto at = log.find("\t" + key + "=", line);
  return at == std::string::npos ? -1 : std::strtod(log.c_str() + at + key.size() + 2, nullptr);
}

// The fakehub's counters (JSON) as of now.
std::string Counters(int port) {
  boost::asio::io_context io;
  return gh::testing::PlainHttp(io, static_cast<std::uint16_t>(port), "/_fakehub/counters").body;
}

// A route's count from the counters' "per_route" object.
long long Route(const std::string& json, const std::string& route) {
  auto per = json.find("\"per_route\":");
  if (per == std::string::npos) return 0;
  auto at = json.find("\"" + route + "\":", per);
  auto end = json.find("\"per_route_ok\":", per);
  if (at == std::string::npos || at > end) return 0;
  return std::strtoll(json.c_str() + at + route.size() + 3, nullptr, 10);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--daemon-child") {
    return DaemonChild(argv[2], std::atoi(argv[3]));
  }
  const int intervals = static_cast<int>(b::ArgOr(argc, argv, 1, b::Quick() ? 3 : 8));
  if (!b::BinariesBuilt("schedule_bench")) return 2;
  gh::testing::TempDir dir;
  b::FakehubWorld w;
  w.writers = static_cast<int>(b::ArgOr(argc, argv, 2, 20));
  w.projects = static_cast<int>(b::ArgOr(argc, argv, 3, 40));
  w.items = 20000;
  b::Fakehub hub(dir.path(), w);

  auto first = b::SyncOnce(dir.path(), "first");
  if (first.code != 0) {
    fmt::print("first sync failed: exit {}\n", first.code);
    return 1;
  }
  // What one whole cycle of the calm world costs (SyncAll: every writer, every repository,
  // all 304s): the cost a poll interval of the daemon should match.
  const std::string before_full = Counters(hub.port());
  auto full = b::SyncOnce(dir.path(), "full");
  if (full.code != 0) {
    fmt::print("second sync failed: exit {}\n", full.code);
    return 1;
  }
  const std::string before = Counters(hub.port());
  const double full_requests =
      static_cast<double>(b::JsonInt(before, "requests") - b::JsonInt(before_full, "requests"));
  const std::string config = dir.path() + "/ghharvest.toml";
  // The watches as configured: how many (writer, repository) pairs, over how many projects.
  long long watches = 0;
  {
    std::string text = b::ReadFile(config);
    for (std::size_t at = 0; (at = text.find("repos = [", at)) != std::string::npos; ++at) {
      auto end = text.find(']', at);
      for (std::size_t q = text.find('"', at); q != std::string::npos && q < end;
           q = text.find('"', text.find('"', q + 1) + 1)) {
        ++watches;
      }
    }
  }

  auto t0 = b::Clock::now();
  pid_t pid = b::Spawn({"/proc/self/exe", "--daemon-child", config, std::to_string(intervals)},
                       dir.path() + "/daemon.log", {{"GITHUB_TOKEN", "bench-token"}});
  auto exit = b::Wait(pid, t0);
  const std::string log = b::ReadFile(dir.path() + "/daemon.log");
  const std::string after = Counters(hub.port());
  hub.Stop();
  if (exit.code != 0 || Field(log, "failed") != 0) {
    fmt::print("daemon: exit {}, {} failed harvests (see {})\n", exit.code, Field(log, "failed"),
               dir.path() + "/daemon.log");
    return 1;
  }
  // Polls per scope, on average (a scope whose slot came after the stop has one fewer).
  const double polls = Field(log, "harvests") / Field(log, "scopes");
  auto per = [&](const std::string& route) {
    return static_cast<double>(Route(after, route) - Route(before, route)) / polls;
  };
  const double requests =
      static_cast<double>(b::JsonInt(after, "requests") - b::JsonInt(before, "requests")) / polls;
  fmt::print(
      "world: {} writers, {} projects, {} watches; daemon: {} harvests over {} scopes ({} to {} "
      "each, {:.2f} on average) in {} poll intervals, {:.1f} s real\n",
      w.writers, w.projects, watches, Field(log, "harvests"), Field(log, "scopes"),
      Field(log, "least"), Field(log, "most"), polls, intervals + 1, exit.seconds);
  fmt::print(
      "per poll interval: {:.1f} requests; /repos/{{o}}/{{r}} {:.1f}, issues {:.1f}, commits "
      "{:.1f}, "
      "pulls {:.1f}, /users/{{login}} {:.1f}\n",
      requests, per("/repos/{o}/{r}"), per("/repos/{o}/{r}/issues"), per("/repos/{o}/{r}/commits"),
      per("/repos/{o}/{r}/pulls"), per("/users/{login}"));
  fmt::print("one `sync --once` of the same calm world: {:.0f} requests\n", full_requests);
  b::Info("schedule: repository lookups per poll interval", per("/repos/{o}/{r}"), "requests");
  b::Info("schedule: issues lists asked per poll interval", per("/repos/{o}/{r}/issues"),
          "requests");
  // The daemon's interval should cost what one whole cycle does: each repository crawled once
  // for all its writers, each writer looked up once.
  b::Row("schedule: requests per poll interval (calm world)", requests, "requests", full_requests,
         "one sync --once", b::Better::kLower, 1.1);
  return 0;
}
