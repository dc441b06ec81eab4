// Process-level pieces of the bench programs that run the real daemon against the synthetic
// GitHub in its own process (memory_bench, soak_bench): spawning and reaping children with
// their kernel-counted peak RSS, the ghharvest-fakehub wrapper, `ghharvest sync --once`, the
// counts-versus-truth check, /proc sampling of another process, and the daemon's real
// Service on a ScaledClock (what `ghharvest run` builds, only faster).
//
// The world runs in a process of its own so that its model never counts in what is measured.
#pragma once

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
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

namespace ghharvest::bench {

inline std::string Dirname(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// fork + exec with stdout/stderr to `log`; returns the pid.
inline pid_t Spawn(const std::vector<std::string>& argv, const std::string& log,
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

inline Exit Wait(pid_t pid, Clock::time_point started) {
  int status = 0;
  rusage ru{};
  Exit e;
  if (wait4(pid, &status, 0, &ru) != pid) return e;
  e.seconds = SecondsBetween(started, Clock::now());
  e.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  e.peak_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;
  return e;
}

inline std::string FakehubPath() { return Dirname(GHH_BINARY) + "/tests/ghharvest-fakehub"; }

// Both binaries a process-level bench needs, or a message saying what to build.
inline bool BinariesBuilt(const char* program) {
  for (const std::string& bin : {std::string(GHH_BINARY), FakehubPath()}) {
    if (access(bin.c_str(), X_OK) != 0) {
      std::fprintf(stderr,
                   "%s: %s is not built (cmake --build ... --target ghharvest "
                   "ghharvest-fakehub)\n",
                   program, bin.c_str());
      return false;
    }
  }
  return true;
}

struct FakehubWorld {
  int writers = 20, projects = 40, items = 100000;
  double advance_every = 0;  // seconds; 0: the world stands still
  int advance_items = 50;
  std::string poll_interval = "15m", score_interval = "1h";
  std::vector<std::string> extra_args;  // e.g. --fault-rate, --latency-ms
};

// The synthetic GitHub in its own process, until Stop(). Writes dir/ghharvest.toml (a config
// for it), dir/truth.tsv and dir/counters.json (rewritten at each advance and at exit).
class Fakehub {
 public:
  Fakehub(const std::string& dir, const FakehubWorld& w) {
    port_file_ = dir + "/port.txt";
    std::remove(port_file_.c_str());
    // --now: the same world on every run.
    std::vector<std::string> argv = {FakehubPath(),
                                     "--seed",
                                     "42",
                                     "--writers",
                                     std::to_string(w.writers),
                                     "--projects",
                                     std::to_string(w.projects),
                                     "--items",
                                     std::to_string(w.items),
                                     "--now",
                                     "2026-01-01T00:00:00Z",
                                     "--core-limit",
                                     "100000000",
                                     "--search-limit",
                                     "100000000",
                                     "--poll-interval",
                                     w.poll_interval,
                                     "--score-interval",
                                     w.score_interval,
                                     "--port-file",
                                     port_file_,
                                     "--counters-file",
                                     dir + "/counters.json",
                                     "--config-out",
                                     dir + "/ghharvest.toml",
                                     "--truth-file",
                                     dir + "/truth.tsv"};
    if (w.advance_every > 0) {
      argv.insert(argv.end(), {"--advance-every", fmt::format("{}", w.advance_every),
                               "--advance-items", std::to_string(w.advance_items)});
    }
    argv.insert(argv.end(), w.extra_args.begin(), w.extra_args.end());
    started_ = Clock::now();
    pid_ = Spawn(argv, dir + "/fakehub.log");
    for (int i = 0; i < 1200 && ReadFile(port_file_).empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    port_ = std::atoi(ReadFile(port_file_).c_str());
    if (port_ <= 0) {
      std::fprintf(stderr, "ghharvest-fakehub did not start (see %s/fakehub.log)\n", dir.c_str());
      std::exit(2);
    }
  }
  ~Fakehub() { Stop(); }
  Fakehub(const Fakehub&) = delete;
  Fakehub& operator=(const Fakehub&) = delete;
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
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
  Clock::time_point started_;
};

// `ghharvest sync --once` with dir/ghharvest.toml; its exit and peak RSS.
inline Exit SyncOnce(const std::string& dir, const std::string& name,
                     const std::string& token = "bench-token") {
  auto t0 = Clock::now();
  pid_t pid =
      Spawn({GHH_BINARY, "--log-level", "error", "sync", "--once", "-c", dir + "/ghharvest.toml"},
            dir + "/" + name + ".log", {{"GITHUB_TOKEN", token}});
  return Wait(pid, t0);
}

// Rows of a counts TSV (writer, project, counts...) but those of `project`.
inline std::string WithoutProject(const std::string& tsv, const std::string& project) {
  if (project.empty()) return tsv;
  std::istringstream in(tsv);
  std::string line, out;
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    if (tab != std::string::npos && line.compare(tab + 1, project.size() + 1, project + "\t") == 0)
      continue;
    out += line + "\n";
  }
  return out;
}

// The stored counts must be the world's truth (dir/truth.tsv), or what was measured was a
// wrong harvest. Prints the first differing rows. `skip_project`: left out of both sides.
inline bool CountsExact(const std::string& dir, const std::string& skip_project = "") {
  auto db = store::Database::Open(dir + "/ghharvest.db");
  if (!db.ok()) {
    fmt::print("cannot open the database: {}\n", db.status().ToString());
    return false;
  }
  auto rows = testing::StoredCounts(**db);
  if (!rows.ok()) {
    fmt::print("cannot read the counts: {}\n", rows.status().ToString());
    return false;
  }
  std::string stored = WithoutProject(testing::CountsToTsv(*rows), skip_project),
              truth = WithoutProject(ReadFile(dir + "/truth.tsv"), skip_project);
  if (stored == truth) return true;
  std::istringstream s(stored), t(truth);
  std::string ls, lt;
  int shown = 0;
  while (shown < 5) {
    bool more_s = static_cast<bool>(std::getline(s, ls)),
         more_t = static_cast<bool>(std::getline(t, lt));
    if (!more_s && !more_t) break;
    if (more_s && more_t && ls == lt) continue;
    fmt::print("counts differ from the truth:\n  stored: {}\n  truth:  {}\n", more_s ? ls : "(end)",
               more_t ? lt : "(end)");
    ++shown;
  }
  return false;
}

// The first number after "key": in the fakehub's counters JSON; -1 when absent.
inline long long JsonInt(const std::string& json, const std::string& key) {
  auto at = json.find("\"" + key + "\":");
  return at == std::string::npos ? -1
                                 : std::strtoll(json.c_str() + at + key.size() + 3, nullptr, 10);
}

// Another process's resident size (/proc/PID/status VmRSS), KiB; -1 once it is gone.
inline std::int64_t VmRssKiB(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  return -1;
}

// Another process's open file descriptors (entries of /proc/PID/fd); -1 once it is gone.
inline int OpenFds(pid_t pid) {
  DIR* d = opendir(fmt::format("/proc/{}/fd", pid).c_str());
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

// What the daemon did in RunRealService.
struct ServiceRun {
  int rc = -1;
  std::map<std::string, int> harvests;  // finished (not cancelled) per scope
  int failed = 0, cancelled = 0, scored = 0;
  double simulated_hours = 0;
  int total() const {
    int n = 0;
    for (const auto& [scope, k] : harvests) n += k;
    return n;
  }
};

// The daemon as `ghharvest run` builds it (its real actions: harvester, scorer, reporter),
// on a ScaledClock `speedup` times faster than real time, until `done` (asked after every
// finished harvest, on the service's thread) says enough. Logs at `level` go to stderr.
//
// `origin` (the real time a run of several daemons began) makes the simulated clock continue
// from where a daemon killed earlier in the run had got to: it starts at origin + speedup x
// the real time since origin, and sim_hours count from origin.
inline ServiceRun RunRealService(
    const std::string& config, double speedup, log::Level level,
    const std::function<bool(const std::map<std::string, int>& harvests, double sim_hours)>& done,
    std::optional<ghharvest::Clock::TimePoint> origin = std::nullopt) {
  log::SetLevel(level);
  const ghharvest::Clock::TimePoint real_now = std::chrono::system_clock::now();
  const ghharvest::Clock::TimePoint start =
      origin ? *origin + std::chrono::duration_cast<ghharvest::Clock::TimePoint::duration>(
                             (real_now - *origin) * speedup)
             : real_now;
  ScaledClock clock(speedup, start);
  const ghharvest::Clock::TimePoint from = origin ? *origin : start;
  auto hours = [&] { return std::chrono::duration<double>(clock.Now() - from).count() / 3600.0; };
  ServiceRun run;
  std::atomic<bool> stopping{false};
  daemon::Service* service = nullptr;
  daemon::ServiceOptions o;
  o.config_path = config;
  o.clock = &clock;
  o.make_actions = daemon::MakeRealActions;
  o.max_concurrent_harvests = 1;  // as cmd_run.cpp
  o.on_event = [&](const daemon::Event& e) {
    if (e.kind == daemon::Event::Kind::kScored) ++run.scored;
    if (e.kind != daemon::Event::Kind::kHarvestFinished) return;
    // Stop() cancels the harvests still running or queued: not failures.
    if (e.status.code() == Status::Code::kCancelled) {
      ++run.cancelled;
      return;
    }
    run.failed += !e.status.ok();
    ++run.harvests[e.scope];
    if (done(run.harvests, hours()) && !stopping.exchange(true)) service->Stop();
  };
  daemon::Service s(std::move(o));
  service = &s;
  run.rc = s.Run();
  run.simulated_hours = hours();
  return run;
}

}  // namespace ghharvest::bench
