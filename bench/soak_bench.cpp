// Fault soak (issue #13): the daemon's real Service (what `ghharvest run` builds) on a
// ScaledClock for the equivalent of 7 days of polling, against ghharvest-fakehub with 30 %
// mixed faults (FaultMix::kAll: 500, 502, secondary-limit 403 and 429 with Retry-After,
// connection resets, truncated bodies, connections closed mid-body, slow answers, gzip bodies
// with a bad CRC) on REST and GraphQL alike, GraphQL answers with partial errors, and 20 ms
// latency, in a 20-writer world that keeps advancing (new items, edits, reactions added and
// taken back on items of any age, deleted issues and comments, merges, one rename and one
// deletion of a repository); each writer has three blog feeds (RSS, Atom, JSON Feed) whose
// answers get the same 30 % faults.
//
// Then the world is calmed (SIGUSR1: no faults, no advances), `ghharvest sync --once` runs
// against it, and the bench checks what a week of faults must not have done:
//   - the stored counts equal the world's truth (first differing rows printed);
//   - the daemon's RSS and open descriptors are flat: start / end / peak, sampled from
//     /proc/PID/status and /proc/PID/fd;
//   - the token appears in no file of the run (logs, database with its WAL, reports) nor in
//     a `sqlite3 .dump` of the database;
//   - every fault the fakehub injected shows in the daemon's log as a retry or a give-up.
//
//   soak_bench [days=7] [kills=0]   (BENCH_QUICK=1: half a simulated day, for a smoke run;
//                                    GHH_SOAK_DEBUG=1: the daemon logs at debug level)
//   kills: kill -9 of the daemon at that many random moments, each restarted at once.
//   soak_bench --daemon-child CONFIG HOURS SPEEDUP ORIGIN_NS   (internal: the daemon)
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common.hpp"
#include "processes.hpp"

namespace gh = ghharvest;
namespace b = ghharvest::bench;

namespace {

// Poll every scope (each repository's crawl, each writer's lookup) every 3 hours: 56 cycles
// per scope in a week. The clock runs 1,120 times faster than real time, so a simulated week
// takes 9 minutes and a poll interval 9.6 s, in which the daemon (one harvest at a time, as
// `ghharvest run`) must get through its 20 writers and their repositories with 30 % of its
// requests failing; hourly polls do not fit on 2 cores.
constexpr double kSpeedup = 1120;
constexpr const char* kPollInterval = "3h";
// Looks like a real personal access token, so a leak cannot hide behind an odd shape.
constexpr const char* kToken = "ghp_soakBenchToken0123456789abcdefABCDEF";

// `origin_ns`: the real time the soak began (system clock, ns since 1970); a daemon started
// again after a kill carries on with the simulated week where it had got to.
int DaemonChild(const std::string& config, double hours, double speedup, long long origin_ns) {
  const gh::Clock::TimePoint origin{std::chrono::nanoseconds(origin_ns)};
  auto run = b::RunRealService(
      config, speedup,
      std::getenv("GHH_SOAK_DEBUG") ? gh::log::Level::kDebug : gh::log::Level::kInfo,
      [hours](const std::map<std::string, int>&, double sim_hours) { return sim_hours >= hours; },
      origin);
  int least = run.harvests.empty() ? 0 : INT_MAX, most = 0;
  for (const auto& [scope, n] : run.harvests) {
    least = std::min(least, n);
    most = std::max(most, n);
  }
  // Failed harvests are expected here (a request that failed all its tries skips its scope
  // for the cycle); the parent judges the end state, not each cycle.
  std::printf(
      "@daemon\texit=%d\tharvests=%d\tscopes=%zu\tleast=%d\tmost=%d\tfailed=%d\tcancelled=%d\t"
      "scored=%d\thours=%.2f\n",
      run.rc, run.total(), run.harvests.size(), least, most, run.failed, run.cancelled, run.scored,
      run.simulated_hours);
  std::fflush(stdout);
  return run.rc;
}

// Lines of `text` containing `needle`.
long long CountLines(const std::string& text, const std::string& needle) {
  long long n = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) n += line.find(needle) != std::string::npos;
  return n;
}

// Sum of the numbers after " key=" on the lines containing `needle`.
long long SumField(const std::string& text, const std::string& needle, const std::string& key) {
  long long sum = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(needle) == std::string::npos) continue;
    auto at = line.find(" " + key + "=");
    if (at != std::string::npos)
      sum += std::strtoll(line.c_str() + at + key.size() + 2, nullptr, 10);
  }
  return sum;
}

// "key=value" of the child's @daemon line.
double DaemonField(const std::string& log, const std::string& key) {
  auto line = log.find("@daemon\t");
  if (line == std::string::npos) return -1;
  auto at = log.find("\t" + key + "=", line);
  return at == std::string::npos ? -1 : std::strtod(log.c_str() + at + key.size() + 2, nullptr);
}

// Output of a shell command (the arguments are ours, quoted by the caller).
std::string Run(const std::string& cmd) {
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

struct Samples {
  std::vector<std::int64_t> rss_kib;
  std::vector<int> fds;
};

// Max of the first / last tenth of the samples: "start" and "end" of the run, robust to one
// sample taken mid-page.
template <class T>
double Tenth(const std::vector<T>& v, bool last) {
  if (v.empty()) return -1;
  std::size_t n = std::max<std::size_t>(1, v.size() / 10);
  auto from = last ? v.end() - static_cast<std::ptrdiff_t>(n) : v.begin();
  return static_cast<double>(*std::max_element(from, from + static_cast<std::ptrdiff_t>(n)));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "--daemon-child") {
    return DaemonChild(argv[2], std::atof(argv[3]), std::atof(argv[4]), std::atoll(argv[5]));
  }
  if (!b::BinariesBuilt("soak_bench")) return 2;
  const double days = argc > 1 ? std::atof(argv[1]) : (b::Quick() ? 0.5 : 7);
  // kill -9 of the daemon this many times at random moments, each restarted at once as
  // systemd's Restart= would: the database must come through every one (WAL recovery,
  // resumed walks) with the counts exact at the end.
  const int kills = argc > 2 ? std::atoi(argv[2]) : 0;
  const double hours = days * 24;
  gh::testing::TempDir tmp;
  const std::string d = tmp.path();
  b::Stopwatch wall;

  // The world: 20 writers; it advances every 5 real seconds (50 new items, 10 edits, 25 new
  // and 5 removed reactions on recent items, 12 new and 2 removed on items of any age, a
  // deleted issue, two deleted comments and a deleted review comment, a merge), renames a
  // repository at the 10th advance and deletes one at the 20th.
  b::FakehubWorld w;
  w.writers = 20;
  // 10 projects: each writer's harvest then fits the poll interval under 30 % faults.
  w.projects = 10;
  w.items = 4000;  // the world's size is not the point here: its advancing is
  w.advance_every = b::Quick() ? 2 : 5;
  w.advance_items = 50;
  w.poll_interval = kPollInterval;
  w.extra_args = {"--fault-rate", "0.3", "--fault-mix", "all", "--latency-ms", "20",
                  "--rename-on-advance", "10", "--delete-on-advance", "20",
                  // Reactions on items of any age, deleted issues and comments.
                  "--advance-all-ages",
                  // GraphQL answers that carry errors beside data.
                  "--graphql-partial-rate", "0.05",
                  // Three feeds per writer, 30 % of their answers faulted too.
                  "--blog-feeds", "--blog-fault-rate", "0.3",
                  // As often as GitHub: the config's 1m would be every 54 ms at x1120.
                  "--blog-poll-interval", kPollInterval};
  b::Fakehub hub(d, w);
  // Reactions on old items leave updated_at alone, as on GitHub: only revalidating every
  // list page (the harvester's ETag sweep) sees them, and deletions only show as ids missing
  // from a page that changed.
  fmt::print(
      "soak: {} simulated days, poll every {}, clock x{}; world: seed 42, 20 writers, 10 "
      "projects, {} items, 60 blog feeds, advancing every {} s (reactions on items of any age, "
      "deletions); faults: 30 % (all kinds, REST, GraphQL and feeds), GraphQL partial errors "
      "5 %, latency 20 ms; dir {}\n",
      days, kPollInterval, kSpeedup, w.items, w.advance_every, d);

  // The daemon, sampled from outside.
  auto t0 = b::Clock::now();
  const long long origin_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  auto spawn = [&] {
    return b::Spawn(
        {"/proc/self/exe", "--daemon-child", d + "/ghharvest.toml", fmt::format("{}", hours),
         fmt::format("{}", kSpeedup), fmt::format("{}", origin_ns)},
        d + "/daemon.log", {{"GITHUB_TOKEN", kToken}});
  };
  // The kills: at random moments between 5 % and 90 % of the expected run.
  std::vector<double> kill_at;
  {
    std::mt19937 rng(7);
    const double expected = hours * 3600 / kSpeedup;
    std::uniform_real_distribution<double> when(0.05 * expected, 0.9 * expected);
    for (int k = 0; k < kills; ++k) kill_at.push_back(when(rng));
    std::sort(kill_at.begin(), kill_at.end());
  }
  pid_t pid = spawn();
  Samples s;
  int status = 0;
  rusage ru{};
  pid_t done = 0;
  long peak_kib = 0;
  int killed = 0;
  for (;;) {
    done = wait4(pid, &status, WNOHANG, &ru);
    if (done == pid) {
      peak_kib = std::max(peak_kib, ru.ru_maxrss);
      // A daemon killed between two samples counts as a kill; one that ended on its own
      // ends the run.
      if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) break;
      pid = spawn();
      continue;
    }
    if (done != 0) break;
    if (killed < static_cast<int>(kill_at.size()) &&
        b::SecondsBetween(t0, b::Clock::now()) >= kill_at[killed]) {
      kill(pid, SIGKILL);
      wait4(pid, &status, 0, &ru);
      peak_kib = std::max(peak_kib, ru.ru_maxrss);
      ++killed;
      fmt::print("kill -9 {} of {} at {:.1f} s\n", killed, kills,
                 b::SecondsBetween(t0, b::Clock::now()));
      pid = spawn();
      continue;
    }
    auto kib = b::VmRssKiB(pid);
    int fds = b::OpenFds(pid);
    if (kib > 0 && fds >= 0) {
      s.rss_kib.push_back(kib);
      s.fds.push_back(fds);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  double daemon_secs = b::SecondsBetween(t0, b::Clock::now());
  int code = done == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  double peak_mib = static_cast<double>(peak_kib) / 1024.0;
  std::string dlog = b::ReadFile(d + "/daemon.log");

  // The end: a still world without faults, and one more sync of it.
  kill(hub.pid(), SIGUSR1);
  for (int i = 0; i < 200 && b::ReadFile(d + "/fakehub.log").find("calm (") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string counters = b::ReadFile(d + "/counters.json");
  auto final_sync = b::Clock::now();
  pid_t sp =
      b::Spawn({GHH_BINARY, "--log-level", "info", "sync", "--once", "-c", d + "/ghharvest.toml"},
               d + "/final-sync.log", {{"GITHUB_TOKEN", kToken}});
  b::Exit fin = b::Wait(sp, final_sync);
  std::string fakehub_log = b::ReadFile(d + "/fakehub.log");
  // The deleted repository is compared apart: what its writers did there after their last
  // harvest and before the deletion cannot be read any more (404), while the world's truth
  // still counts it. Every other row must be exact.
  std::string deleted;
  if (auto at = fakehub_log.find("ghharvest-fakehub: deleted "); at != std::string::npos) {
    at += std::string("ghharvest-fakehub: deleted ").size();
    deleted = fakehub_log.substr(at, fakehub_log.find('\n', at) - at);
  }
  bool exact = fin.code == 0 && b::CountsExact(d, deleted);
  bool deleted_exact =
      deleted.empty() || (fmt::print("the deleted {}:\n", deleted), b::CountsExact(d));
  hub.Stop();
  const std::string integrity =
      Run(fmt::format("sqlite3 '{}/ghharvest.db' 'PRAGMA integrity_check' 2>&1", d));
  const bool integrity_ok = integrity == "ok\n";

  // Resources, in MiB and descriptors.
  double rss_start = Tenth(s.rss_kib, false) / 1024.0, rss_end = Tenth(s.rss_kib, true) / 1024.0;
  double fd_start = Tenth(s.fds, false), fd_end = Tenth(s.fds, true);
  double fd_peak = s.fds.empty() ? -1 : *std::max_element(s.fds.begin(), s.fds.end());

  // The token: any file of the run, and the database as SQL text.
  std::string leaks = Run(fmt::format("grep -rlaF '{}' '{}' 2>/dev/null", kToken, d));
  std::string dump = Run(fmt::format("sqlite3 '{}/ghharvest.db' .dump 2>&1", d));
  long long dump_hits = CountLines(dump, kToken);
  long long leak_files = CountLines(leaks, "/");
  long long log_lines = CountLines(dlog, "") + CountLines(b::ReadFile(d + "/final-sync.log"), "");

  // Faults, kind by kind. Each one that reaches the client as an error shows in the daemon's
  // log as one line: "request failed, retrying" (5xx, resets, bad bodies), "secondary rate
  // limit, waiting" (403/429 with Retry-After) or, after the last try, "request failed,
  // giving up", each naming the error. A slow answer is just waited for (no line).
  std::string faults = counters.substr(std::min(counters.size(), counters.find("\"faults\":")));
  auto injected = [&](const char* k) { return std::max(0LL, b::JsonInt(faults, k)); };
  std::string client_lines;
  {
    std::istringstream in(dlog);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("request failed, ") != std::string::npos ||
          line.find("rate limit, waiting") != std::string::npos)
        client_lines += line + "\n";
    }
  }
  struct Kind {
    const char* name;
    const char* seen_as;  // the error text in the client's line
    const char* or_as = nullptr;
  };
  const std::vector<Kind> kinds = {
      {"http_500", "error=\"HTTP 500"},
      {"http_502", "error=\"HTTP 502"},
      {"truncated", "not valid JSON"},
      // Closed mid-body: usually "transfer closed with N bytes remaining", but a close while
      // the request's bytes are unread goes out as RST: "truncated body (Recv failure: ...)".
      {"closed_mid_body", "error=\"truncated body ("},
      // libcurl's own words, or the code's when libcurl had re-sent the request first.
      {"corrupt_gzip", "content unencoding", "Content or Transfer-Encoding"},
      {"reset", "error=\"Recv failure: Connection reset by peer"},
  };
  long long injected_errors = 0, seen = 0;
  std::string per_kind;
  for (const auto& k : kinds) {
    long long n =
        CountLines(client_lines, k.seen_as) + (k.or_as ? CountLines(client_lines, k.or_as) : 0);
    per_kind += fmt::format("  {:<16} injected {:>6}, in the daemon's log {:>6}\n", k.name,
                            injected(k.name), n);
    injected_errors += injected(k.name);
    seen += n;
  }
  long long limits = injected("secondary_403") + injected("http_429");
  long long limits_seen = CountLines(client_lines, "rate limit, waiting") +
                          CountLines(client_lines, "error=\"secondary rate limit");
  per_kind += fmt::format("  {:<16} injected {:>6}, in the daemon's log {:>6} (403: {}, 429: {})\n",
                          "limit 403/429", limits, limits_seen, injected("secondary_403"),
                          injected("http_429"));
  injected_errors += limits;
  seen += limits_seen;
  // libcurl itself sends a request again when a reused connection dies before any byte of
  // the answer (it cannot tell a reset from an idle close), so most injected resets never
  // reach the client: accounted for as "re-sent by libcurl", not as lost.
  long long resent_by_curl =
      std::max(0LL, injected("reset") -
                        CountLines(client_lines, "error=\"Recv failure: Connection reset by peer"));
  long long unaccounted = injected_errors - seen - resent_by_curl;
  long long gave_up = CountLines(client_lines, "giving up");
  long long primary = CountLines(dlog, "primary rate limit");

  // The blogs' faults: each failed feed attempt is one "feed URL: ...; retry" or, at the last
  // try or a failure not worth retrying (a 403, a body that is not a feed), one "feed URL of
  // writer: ..." line. A slow answer is waited for; resets libcurl re-sent are as above.
  std::string blog_faults =
      counters.substr(std::min(counters.size(), counters.find("\"blog_faults\":")));
  auto blog_injected = [&](const char* k) { return std::max(0LL, b::JsonInt(blog_faults, k)); };
  long long blog_errors = 0;
  for (const char* k : {"http_500", "http_502", "secondary_403", "http_429", "reset", "truncated",
                        "closed_mid_body", "corrupt_gzip"}) {
    blog_errors += blog_injected(k);
  }
  std::string feed_lines;
  {
    std::istringstream in(dlog);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("feed http", 0) == 0) feed_lines += line + "\n";
    }
  }
  long long blog_seen = CountLines(feed_lines, "");
  long long blog_resent = std::max(
      // "network error: Recv failure": not a later failure that names the reset as the reason
      // libcurl re-sent the request ("... (after libcurl re-sent the request: Recv failure").
      0LL, blog_injected("reset") -
               CountLines(feed_lines, "network error: Recv failure: Connection reset"));
  long long blog_unaccounted = blog_errors - blog_seen - blog_resent;
  // GraphQL answers with errors beside data: the harvest reads those pull requests' reviews
  // by REST instead (one "GraphQL reviews: N partial errors" line per fetch).
  std::string gql = counters.substr(std::min(counters.size(), counters.find("\"graphql\":")));
  long long gql_partial = b::JsonInt(gql, "partial");
  long long gql_error_lines = CountLines(dlog, "GraphQL error type=");
  long long gql_fallbacks = CountLines(dlog, "pull requests read by REST");
  // "harvest owner/repo: requests=... failures=N" and "harvest writer LOGIN: ...": one per job.
  long long harvest_failures = SumField(dlog, ": requests=", "failures");

  if (auto at = dlog.find("@daemon"); at != std::string::npos)
    std::fputs(dlog.c_str() + at, stdout);
  fmt::print(
      "daemon: exit {}, {:.0f} s real for {:.1f} simulated hours; {} harvests ({} failed, {} "
      "cancelled by the stop), {} to {} per scope (repository or writer), {} scoring runs\n",
      code, daemon_secs, DaemonField(dlog, "hours"), DaemonField(dlog, "harvests"),
      DaemonField(dlog, "failed"), DaemonField(dlog, "cancelled"), DaemonField(dlog, "least"),
      DaemonField(dlog, "most"), DaemonField(dlog, "scored"));
  fmt::print(
      "final sync --once (calm world): exit {}, {:.1f} s; counts exact: {} (all rows but the "
      "deleted {}); with it too: {}\n",
      fin.code, fin.seconds, exact ? "yes" : "NO", deleted.empty() ? "(none)" : deleted,
      deleted_exact ? "yes" : "no");
  fmt::print(
      "RSS (MiB): start {:.1f}, end {:.1f}, peak {:.1f} ({} samples); fds: start {}, end {}, "
      "peak {}\n",
      rss_start, rss_end, peak_mib, s.rss_kib.size(), fd_start, fd_end, fd_peak);
  fmt::print("world: {} advances, {}{}requests {}\n", CountLines(fakehub_log, "advanced:"),
             fakehub_log.find("renamed") != std::string::npos ? "a rename, " : "",
             deleted.empty() ? "" : "a deletion, ", b::JsonInt(counters, "requests"));
  fmt::print(
      "faults by kind:\n{}  {:<16} injected {:>6} (waited out, no error)\n  {:<16} injected {:>6} "
      "(a 304 or a client without gzip: served untouched)\n",
      per_kind, "slow", injected("slow"), "gzip n/a", injected("corrupt_gzip_not_applicable"));
  fmt::print(
      "injected errors {}, in the daemon's log {}, resets re-sent by libcurl {}: {} unaccounted "
      "(not attributed); {} give-ups (harvest lines: {} failures), {} "
      "primary-limit waits\n",
      injected_errors, seen, resent_by_curl, unaccounted, gave_up, harvest_failures, primary);
  fmt::print(
      "blog feeds: {} errors injected (of {} faults; {} slow), {} in the daemon's log, {} resets "
      "re-sent by libcurl: {} unaccounted\n",
      blog_errors,
      blog_errors + blog_injected("slow") + blog_injected("corrupt_gzip_not_applicable"),
      blog_injected("slow"), blog_seen, blog_resent, blog_unaccounted);
  fmt::print(
      "graphql: {} requests, {} answers with partial errors; {} GraphQL error lines, {} fetches "
      "completed by REST\n",
      b::JsonInt(gql, "requests"), gql_partial, gql_error_lines, gql_fallbacks);
  fmt::print("kills: {} of {} (each daemon restarted at once); database integrity_check: {}",
             killed, kills, integrity);
  fmt::print("token: {} files of the run contain it{}; {} lines of the .dump\n", leak_files,
             leaks.empty() ? "" : " (" + leaks + ")", dump_hits);

  // The rows.
  b::Info("soak: simulated days of polling", DaemonField(dlog, "hours") / 24, "days");
  b::Info("soak: daemon wall time", daemon_secs, "s");
  b::Info("soak: harvests (fewest per scope)", DaemonField(dlog, "least"), "cycles");
  b::Row("soak: counts differing from the truth after the final sync", exact ? 0 : 1, "mismatch", 0,
         "none", b::Better::kLower, 1);
  b::Info("soak: the deleted repository's rows differ too (1: yes)", deleted_exact ? 0 : 1,
          "mismatch");
  b::Info("soak: daemon RSS at start", rss_start, "MiB");
  b::Info("soak: daemon RSS at end", rss_end, "MiB");
  b::Row("soak: daemon peak RSS", peak_mib, "MiB", 64, "limit 64 MiB", b::Better::kLower, 1);
  // Flat: the end within a quarter of the start (heap arenas settle; a leak keeps growing).
  b::Row("soak: daemon RSS end vs start", rss_end, "MiB", rss_start, "RSS at start",
         b::Better::kLower, 1.25);
  b::Info("soak: open fds at start", fd_start, "fds");
  // Flat: connections come and go (the client keeps up to its concurrency open), so allow
  // half again; a leak of one descriptor per request or cycle would be thousands.
  b::Row("soak: open fds at end", fd_end, "fds", fd_start, "fds at start", b::Better::kLower, 1.5);
  b::Row("soak: open fds peak", fd_peak, "fds", fd_start, "fds at start", b::Better::kLower, 2);
  b::Row("soak: token found (files + .dump lines)", static_cast<double>(leak_files + dump_hits),
         "hits", 0, "none", b::Better::kLower, 1);
  b::Info("soak: log lines scanned for the token", static_cast<double>(log_lines), "lines");
  b::Info("soak: faults injected (errors)", static_cast<double>(injected_errors), "faults");
  b::Info("soak: faults injected (slow answers, no error)", static_cast<double>(injected("slow")),
          "faults");
  b::Info("soak: of the errors, retried or given up in the daemon's log", static_cast<double>(seen),
          "faults");
  b::Info("soak: of the errors, resets re-sent by libcurl itself",
          static_cast<double>(resent_by_curl), "faults");
  b::Info("soak: requests given up (retries exhausted)", static_cast<double>(gave_up), "requests");
  // A request cut by the final Stop() is never retried, so a few may go missing that way;
  // with kills, so do the faults of requests in flight when a daemon died (logged by none).
  if (kills == 0) {
    b::Row("soak: injected errors not accounted for", static_cast<double>(unaccounted), "faults", 0,
           "none", b::Better::kLower, 1);
  } else {
    b::Info("soak: injected errors not accounted for (in flight at a kill -9)",
            static_cast<double>(unaccounted), "faults");
  }
  b::Info("soak: blog feed errors injected", static_cast<double>(blog_errors), "faults");
  if (kills == 0) {
    b::Row("soak: blog feed errors not accounted for", static_cast<double>(blog_unaccounted),
           "faults", 0, "none", b::Better::kLower, 1);
  } else {
    b::Info("soak: blog feed errors not accounted for (in flight at a kill -9)",
            static_cast<double>(blog_unaccounted), "faults");
  }
  b::Info("soak: kill -9 of the daemon (each restarted at once)", killed, "kills");
  b::Row("soak: database integrity_check after the run", integrity_ok ? 0 : 1, "errors", 0, "ok",
         b::Better::kLower, 1);
  b::Info("soak: GraphQL answers with partial errors", static_cast<double>(gql_partial), "answers");
  bool ok = code == 0 && exact && leak_files + dump_hits == 0 && integrity_ok && killed == kills;
  fmt::print("soak: {} in {:.0f} s (logs in {})\n", ok ? "passed" : "FAILED", wall.wall(), d);
  return ok ? 0 : 1;
}
