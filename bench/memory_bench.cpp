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
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common.hpp"
#include "ghharvest/daemon/real_actions.hpp"
#include "ghharvest/daemon/service.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"
#include "harvest_harness.hpp"
#include "test_paths.hpp"

namespace gh = ghharvest;
namespace b = ghharvest::bench;

namespace {

constexpr double kLimitMiB = 64;
// The daemon's clock runs this much faster than real time: a 15-minute poll interval
// passes in half a second, so the schedule, not the wait, decides what runs.
constexpr double kSpeedup = 1800;

std::string Dirname(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// fork + exec with stdout/stderr to `log`; returns the pid.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log,
            const std::map<std::string, std::string>& env = {}) {
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    std::exit(2);
  }
  if (pid == 0) {
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    if (!log.empty() && !freopen(log.c_str(), "a", stdout)) _exit(126);
    if (!log.empty()) dup2(fileno(stdout), 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

struct Exit {
  int code = -1;
  double peak_mib = 0;  // ru_maxrss of the child alone
  double seconds = 0;
};

Exit Wait(pid_t pid, b::Clock::time_point started) {
  int status = 0;
  rusage ru{};
  Exit e;
  if (wait4(pid, &status, 0, &ru) != pid) return e;
  e.seconds = b::SecondsBetween(started, b::Clock::now());
  e.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  e.peak_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;
  return e;
}

std::string FakehubPath() { return Dirname(GHH_BINARY) + "/tests/ghharvest-fakehub"; }

// The synthetic GitHub in its own process, until Stop().
class Fakehub {
 public:
  Fakehub(const std::string& dir, int writers, int projects, int items, double advance_every) {
    std::string bin = FakehubPath();
    port_file_ = dir + "/port.txt";
    std::remove(port_file_.c_str());
    // --now: the same world on every run.
    std::vector<std::string> argv = {bin,
                                     "--seed",
                                     "42",
                                     "--writers",
                                     std::to_string(writers),
                                     "--projects",
                                     std::to_string(projects),
                                     "--items",
                                     std::to_string(items),
                                     "--now",
                                     "2026-01-01T00:00:00Z",
                                     "--core-limit",
                                     "100000000",
                                     "--search-limit",
                                     "100000000",
                                     "--poll-interval",
                                     "15m",
                                     "--score-interval",
                                     "1h",
                                     "--port-file",
                                     port_file_,
                                     "--counters-file",
                                     dir + "/counters.json",
                                     "--config-out",
                                     dir + "/ghharvest.toml",
                                     "--truth-file",
                                     dir + "/truth.tsv"};
    if (advance_every > 0) {
      argv.insert(argv.end(),
                  {"--advance-every", fmt::format("{}", advance_every), "--advance-items", "50"});
    }
    started_ = b::Clock::now();
    pid_ = Spawn(argv, dir + "/fakehub.log");
    for (int i = 0; i < 1200 && ReadFile(port_file_).empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    port_ = std::atoi(ReadFile(port_file_).c_str());
    if (port_ <= 0) {
      std::fprintf(stderr, "memory_bench: ghharvest-fakehub did not start (see %s/fakehub.log)\n",
                   dir.c_str());
      std::exit(2);
    }
  }
  ~Fakehub() { Stop(); }
  int port() const { return port_; }
  // The world's own process, for the record (it is not what is measured).
  Exit Stop() {
    if (pid_ <= 0) return {};
    kill(pid_, SIGTERM);
    Exit e = Wait(pid_, started_);
    pid_ = -1;
    return e;
  }

 private:
  std::string port_file_;
  pid_t pid_ = -1;
  int port_ = 0;
  b::Clock::time_point started_;
};

// `ghharvest sync --once`; its exit and peak RSS.
Exit SyncOnce(const std::string& dir, const std::string& name) {
  auto t0 = b::Clock::now();
  pid_t pid =
      Spawn({GHH_BINARY, "--log-level", "error", "sync", "--once", "-c", dir + "/ghharvest.toml"},
            dir + "/" + name + ".log", {{"GITHUB_TOKEN", "bench-token"}});
  return Wait(pid, t0);
}

// The stored counts must be the world's truth, or the memory of a wrong harvest was measured.
bool CountsExact(const std::string& dir) {
  auto db = gh::store::Database::Open(dir + "/ghharvest.db");
  if (!db.ok()) {
    fmt::print("cannot open the database: {}\n", db.status().ToString());
    return false;
  }
  auto rows = gh::testing::StoredCounts(**db);
  if (!rows.ok()) {
    fmt::print("cannot read the counts: {}\n", rows.status().ToString());
    return false;
  }
  std::string stored = gh::testing::CountsToTsv(*rows), truth = ReadFile(dir + "/truth.tsv");
  if (stored == truth) return true;
  std::istringstream s(stored), t(truth);
  std::string ls, lt;
  while (std::getline(s, ls) && std::getline(t, lt) && ls == lt) {
  }
  fmt::print("counts differ from the truth:\n  stored: {}\n  truth:  {}\n", ls, lt);
  return false;
}

// Part 2 runs here, in a process of its own: the daemon as `ghharvest run` builds it, but on
// a ScaledClock, stopped once every scope has been harvested `cycles` times.
int DayChild(const std::string& config, int cycles, int scopes) {
  gh::log::SetLevel(gh::log::Level::kError);
  gh::ScaledClock clock(kSpeedup);
  auto start = clock.Now();
  std::map<std::string, int> harvests;
  int scored = 0, failed = 0, cancelled = 0;
  std::atomic<bool> stopping{false};
  gh::daemon::Service* service = nullptr;
  gh::daemon::ServiceOptions o;
  o.config_path = config;
  o.clock = &clock;
  o.make_actions = gh::daemon::MakeRealActions;
  o.max_concurrent_harvests = 1;  // as cmd_run.cpp
  o.on_event = [&](const gh::daemon::Event& e) {
    if (e.kind == gh::daemon::Event::Kind::kScored) ++scored;
    if (e.kind != gh::daemon::Event::Kind::kHarvestFinished) return;
    // Stop() cancels the harvests still running or queued: not failures.
    if (e.status.code() == gh::Status::Code::kCancelled) {
      ++cancelled;
      return;
    }
    failed += !e.status.ok();
    ++harvests[e.scope];
    if (static_cast<int>(harvests.size()) < scopes) return;
    int least = INT_MAX;
    for (const auto& [scope, n] : harvests) least = std::min(least, n);
    if (least >= cycles && !stopping.exchange(true)) service->Stop();
  };
  gh::daemon::Service s(std::move(o));
  service = &s;
  int rc = s.Run();
  int total = 0;
  for (const auto& [scope, n] : harvests) total += n;
  double hours = std::chrono::duration<double>(clock.Now() - start).count() / 3600.0;
  fmt::print(
      "day child: exit {}, {} harvests over {} scopes ({} failed, {} cancelled by the stop), {} "
      "scoring runs, {:.1f} simulated hours\n",
      rc, total, harvests.size(), failed, cancelled, scored, hours);
  if (failed > 0) return 1;
  return rc;
}

// The first number after "key": in the fakehub's counters JSON; -1 when absent.
long long JsonInt(const std::string& json, const std::string& key) {
  auto at = json.find("\"" + key + "\":");
  return at == std::string::npos ? -1
                                 : std::strtoll(json.c_str() + at + key.size() + 3, nullptr, 10);
}

std::int64_t VmRssKiB(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--day-child") {
    return DayChild(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  }
  const int items = static_cast<int>(b::ArgOr(argc, argv, 1, b::Quick() ? 20000 : 100000));
  const int cycles = static_cast<int>(b::ArgOr(argc, argv, 2, b::Quick() ? 24 : 96));
  for (const std::string& bin : {std::string(GHH_BINARY), FakehubPath()}) {
    if (access(bin.c_str(), X_OK) != 0) {
      std::fprintf(stderr,
                   "memory_bench: %s is not built (cmake --build ... --target ghharvest "
                   "ghharvest-fakehub)\n",
                   bin.c_str());
      return 2;
    }
  }
  gh::testing::TempDir dir;
  bool wrong = false;

  // Part 1: first and no-change sync by the real binary.
  {
    std::string d = dir.file("sync");
    mkdir(d.c_str(), 0700);
    Fakehub hub(d, 20, 40, items, 0);
    fmt::print("world: ghharvest-fakehub, seed 42, 20 writers, 40 projects, {} items\n", items);
    auto first = SyncOnce(d, "sync-first");
    bool exact = first.code == 0 && CountsExact(d);
    wrong |= !exact;
    fmt::print("first sync --once: exit {}, {:.1f} s, peak RSS {:.1f} MiB, counts exact: {}\n",
               first.code, first.seconds, first.peak_mib, exact ? "yes" : "NO");
    b::Row(fmt::format("sync --once, first sync ({}k items): peak RSS", items / 1000),
           first.peak_mib, "MiB", kLimitMiB, "limit 64 MiB", b::Better::kLower, 1);
    auto idle = SyncOnce(d, "sync-idle");
    exact = idle.code == 0 && CountsExact(d);
    wrong |= !exact;
    fmt::print("no-change sync --once: exit {}, {:.1f} s, peak RSS {:.1f} MiB, counts exact: {}\n",
               idle.code, idle.seconds, idle.peak_mib, exact ? "yes" : "NO");
    b::Row("sync --once, no-change sync: peak RSS", idle.peak_mib, "MiB", kLimitMiB, "limit 64 MiB",
           b::Better::kLower, 1);
    auto hub_exit = hub.Stop();
    fmt::print("(the world's own process peaked at {:.1f} MiB: not counted)\n", hub_exit.peak_mib);
  }

  // Part 2: the daemon polls a smaller world (4 writers, 10 projects, 20,000 items: what grows
  // over a day is per cycle, and the daemon harvests each writer's projects separately, so a
  // day of the 100k world would take too long here) that advances 50 items every 5 s.
  {
    std::string d = dir.file("day");
    mkdir(d.c_str(), 0700);
    const int day_writers = 4;
    Fakehub hub(d, day_writers, 10, b::Quick() ? 5000 : 20000, 5);
    auto t0 = b::Clock::now();
    pid_t pid = Spawn({"/proc/self/exe", "--day-child", d + "/ghharvest.toml",
                       std::to_string(cycles), std::to_string(day_writers)},
                      d + "/day.log", {{"GITHUB_TOKEN", "bench-token"}});
    // The resident size over the day, to tell a plateau from a leak.
    std::vector<std::int64_t> samples;
    int status = 0;
    rusage ru{};
    pid_t done = 0;
    while ((done = wait4(pid, &status, WNOHANG, &ru)) == 0) {
      if (auto kib = VmRssKiB(pid); kib > 0) samples.push_back(kib);
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
    std::string counters = ReadFile(d + "/counters.json");
    std::fputs(ReadFile(d + "/day.log").c_str(), stdout);
    fmt::print(
        "a day of polling ({} cycles per writer): exit {}, {:.1f} s real, peak RSS {:.1f} MiB; "
        "RSS by quarter of the day (max of {} samples): {:.1f} / {:.1f} / {:.1f} / {:.1f} MiB; "
        "the world saw {} requests, {} x 304, {} core points\n",
        cycles, code, secs, peak, n, max_of(0, n / 4), max_of(n / 4, n / 2),
        max_of(n / 2, 3 * n / 4), max_of(3 * n / 4, n), JsonInt(counters, "requests"),
        JsonInt(counters, "not_modified"), JsonInt(counters, "core"));
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
