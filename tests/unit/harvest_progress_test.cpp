// The progress line of a running sync (harvest/progress.hpp) and the numbers the harvester
// gives it (Harvester::Progress), watched between every two handlers of a real sync.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include <algorithm>
#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "check_ok.hpp"
#include "files.hpp"
#include "ghharvest/app/adapters.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/harvest/harvester.hpp"
#include "ghharvest/harvest/progress.hpp"
#include "ghharvest/store/ingest.hpp"
#include "ghharvest/util/clock.hpp"
#include "harvest_harness.hpp"
#include "run_ghharvest.hpp"

namespace gh = ghharvest;
using gh::harvest::BucketLeft;
using gh::harvest::SyncProgress;
using Phase = gh::harvest::SyncProgress::Phase;

namespace {

// 2026-01-01T12:00:00Z.
const gh::Clock::TimePoint kNoon{std::chrono::seconds(1767268800)};
constexpr std::int64_t kNoonEpoch = 1767268800;

SyncProgress Lists(std::int64_t done, std::int64_t total, std::chrono::seconds elapsed) {
  SyncProgress p;
  p.running = true;
  p.phase = Phase::kLists;
  p.repos_done = done;
  p.repos_total = total;
  p.requests = 1234;
  p.points = 1180;
  p.started = kNoon - elapsed - std::chrono::seconds(5);
  p.lists_started = kNoon - elapsed;
  return p;
}

BucketLeft Bucket(const char* resource, std::int64_t remaining, std::int64_t reset) {
  BucketLeft b;
  b.resource = resource;
  b.limit = 5000;
  b.remaining = remaining;
  b.reset = reset;
  b.reserve = 200;
  return b;
}

// `ghharvest sync --once -c config` with stderr on `err_fd` and stdout to /dev/null; waits
// for it while draining `drain_fd` (a pty's master, or -1), whose bytes it returns.
std::string RunSync(const std::string& config, int err_fd, int drain_fd, int* code) {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    setenv("GHH_PROGRESS_TEST_TOKEN", "t", 1);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(err_fd, 2);
    if (drain_fd >= 0) close(drain_fd);
    execl(GHH_BINARY, GHH_BINARY, "--log-level", "error", "sync", "--once", "-c", config.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  if (err_fd >= 0) close(err_fd);
  std::string got;
  char buf[4096];
  // The pty's master reads EIO once the child (the slave's last holder) is gone.
  for (ssize_t n; drain_fd >= 0 && (n = read(drain_fd, buf, sizeof buf)) > 0;) got.append(buf, n);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return got;
}

}  // namespace

TEST_CASE("the progress line names repositories, spending, budget left and the ETA") {
  auto p = Lists(10, 40, std::chrono::seconds(60));
  p.graphql_requests = 40;
  p.graphql_points = 52;
  p.buckets = {Bucket("core", 3766, kNoonEpoch + 1800), Bucket("graphql", 4948, kNoonEpoch + 1800)};
  CHECK(gh::harvest::ProgressLine(p, kNoon, std::chrono::seconds(0)) ==
        "sync: repositories 10/40, 1,234 requests, 1,180 points, GraphQL 40 queries / 52 points; "
        "left: core 3,766/5,000, graphql 4,948/5,000; ETA 3m");
  // Before any response: no bucket is known, and no ETA.
  auto first = Lists(0, 40, std::chrono::seconds(3));
  first.buckets = {BucketLeft{"core"}};
  CHECK(gh::harvest::ProgressLine(first, kNoon, std::chrono::seconds(0)) ==
        "sync: repositories 0/40, 1,234 requests, 1,180 points");
  SyncProgress early;
  early.running = true;
  early.phase = Phase::kRepositories;
  CHECK(gh::harvest::ProgressLine(early, kNoon, std::chrono::seconds(0)) ==
        "sync: looking up repositories, 0 requests, 0 points");
  early.phase = Phase::kWriters;
  CHECK(gh::harvest::ProgressLine(early, kNoon, std::chrono::seconds(0)).find("resolving") !=
        std::string::npos);
  CHECK(gh::harvest::ProgressLine(SyncProgress{}, kNoon, std::chrono::seconds(0)) ==
        "sync: not running");
}

TEST_CASE("a spent bucket shows the reset being waited for, in local time, and holds the ETA") {
  auto p = Lists(20, 40, std::chrono::seconds(60));
  // Core at its reserve, resetting at 12:42 UTC; graphql has plenty.
  p.buckets = {Bucket("core", 200, kNoonEpoch + 42 * 60),
               Bucket("graphql", 4000, kNoonEpoch + 300)};
  auto& buckets = p.buckets;
  auto w = gh::harvest::WaitingFor(buckets, kNoon);
  REQUIRE(w);
  CHECK(w->resource == "core");
  std::string utc = gh::harvest::ProgressLine(p, kNoon, std::chrono::seconds(0));
  CHECK(utc.find("; waiting for the core limit reset at 12:42;") != std::string::npos);
  // An hour and a half east of UTC.
  std::string east = gh::harvest::ProgressLine(p, kNoon, std::chrono::seconds(5400));
  CHECK(east.find("reset at 14:12") != std::string::npos);
  // Half done in a minute would say a minute more; the reset is 42 minutes away.
  auto eta = gh::harvest::EstimateRemaining(p, kNoon);
  REQUIRE(eta);
  CHECK(eta->count() == 42 * 60);
  CHECK(utc.substr(utc.size() - 9) == "; ETA 42m");
  // Without the wait, the pace alone.
  buckets[0].remaining = 201;
  CHECK_FALSE(gh::harvest::WaitingFor(buckets, kNoon));
  CHECK(gh::harvest::EstimateRemaining(p, kNoon)->count() == 60);
  // A reset already past waits for nothing (the next response brings the new window).
  buckets[0].remaining = 0;
  buckets[0].reset = kNoonEpoch - 1;
  CHECK_FALSE(gh::harvest::WaitingFor(buckets, kNoon));
  // All done, or none done: no estimate.
  CHECK_FALSE(gh::harvest::EstimateRemaining(Lists(40, 40, std::chrono::seconds(60)), kNoon));
  CHECK_FALSE(gh::harvest::EstimateRemaining(Lists(0, 40, std::chrono::seconds(60)), kNoon));
}

TEST_CASE("the stored progress record reads back as written, and other text does not read") {
  auto p = Lists(12, 40, std::chrono::seconds(90));
  p.graphql_requests = 7;
  p.graphql_points = 9;
  std::string text = gh::harvest::EncodeProgress(p);
  auto back = gh::harvest::DecodeProgress(text);
  REQUIRE(back);
  CHECK(back->running);
  CHECK(back->phase == Phase::kLists);
  CHECK(back->repos_done == 12);
  CHECK(back->repos_total == 40);
  CHECK(back->requests == 1234);
  CHECK(back->points == 1180);
  CHECK(back->graphql_requests == 7);
  CHECK(back->graphql_points == 9);
  CHECK(back->started == p.started);
  CHECK(back->lists_started == p.lists_started);
  CHECK(gh::harvest::EncodeProgress(*back) == text);
  SyncProgress ended;
  ended.phase = Phase::kRepositories;
  auto e = gh::harvest::DecodeProgress(gh::harvest::EncodeProgress(ended));
  REQUIRE(e);
  CHECK_FALSE(e->running);
  CHECK(e->phase == Phase::kRepositories);
  for (const char* bad : {"", "running=1", "https://api.github.com/x?page=2",
                          "running=1 phase=later repos=1/2 requests=1 points=1 graphql=0/0 "
                          "started=1 lists_started=1",
                          "running=1 phase=lists repos=1 requests=1 points=1 graphql=0/0 "
                          "started=1 lists_started=1",
                          "running=x phase=lists repos=1/2 requests=1 points=1 graphql=0/0 "
                          "started=1 lists_started=1"}) {
    CAPTURE(bad);
    CHECK_FALSE(gh::harvest::DecodeProgress(bad));
  }
}

TEST_CASE("a job of one unit is named in its progress line and in the stored record") {
  auto repo = Lists(0, 1, std::chrono::seconds(5));
  repo.unit = "octo/alpha";
  CHECK(gh::harvest::ProgressLine(repo, kNoon, std::chrono::seconds(0)) ==
        "harvest octo/alpha: repositories 0/1, 1,234 requests, 1,180 points");
  auto back = gh::harvest::DecodeProgress(gh::harvest::EncodeProgress(repo));
  REQUIRE(back);
  CHECK(back->unit == "octo/alpha");
  SyncProgress writer;
  writer.running = true;
  writer.unit = "writer alice";
  const std::string text = gh::harvest::EncodeProgress(writer);
  CHECK(text.find("unit=writer:alice ") != std::string::npos);
  back = gh::harvest::DecodeProgress(text);
  REQUIRE(back);
  CHECK(back->unit == "writer alice");
  CHECK(gh::harvest::ProgressLine(*back, kNoon, std::chrono::seconds(0)) ==
        "harvest writer alice: resolving writers, 0 requests, 0 points");
  // A record without a unit (a whole cycle, or written before units) reads as one.
  back = gh::harvest::DecodeProgress(
      gh::harvest::EncodeProgress(Lists(1, 2, std::chrono::seconds(1))));
  REQUIRE(back);
  CHECK(back->unit.empty());
}

TEST_CASE("the harvester's progress moves through its phases to every repository done") {
  gh::testing::HarvestHarnessOptions o;
  o.spec.seed = 42;
  o.spec.writers = 4;
  o.spec.projects = 8;
  o.spec.items = 3000;
  gh::testing::HarvestHarness h(o);
  boost::asio::io_context io;
  gh::ScaledClock clock(1000.0);
  gh::github::ClientOptions co;
  co.api_url = h.base_url();
  co.token = "t";
  gh::app::DatabaseEtagStore etags(h.db());
  gh::github::Client client(io, clock, &etags, co);
  gh::harvest::Harvester harvester(io, clock, h.db(), client, h.config());
  CHECK_FALSE(harvester.Progress().running);

  std::vector<SyncProgress> seen;
  std::function<void()> watch = [&] {
    seen.push_back(harvester.Progress());
    if (harvester.Busy()) boost::asio::post(io, watch);
  };
  gh::Status result = gh::Status::Unavailable("no callback");
  bool running_in_callback = true;
  harvester.SyncAll([&](gh::Status s, gh::harvest::HarvestStats) {
    result = s;
    running_in_callback = harvester.Progress().running;
  });
  boost::asio::post(io, watch);
  io.run();
  CHECK_OK(result);
  CHECK_FALSE(running_in_callback);
  CHECK_FALSE(harvester.Progress().running);

  std::set<std::string> projects;
  for (const auto& w : h.config().writers)
    for (const auto& r : w.repos) projects.insert(r);
  std::int64_t max_done = 0, total = 0, last_done = 0, last_requests = 0;
  int phase = 0;
  bool monotone = true;
  for (const auto& p : seen) {
    if (!p.running) continue;
    // Phases only move forward; what is done and spent only grows.
    monotone = monotone && static_cast<int>(p.phase) >= phase && p.repos_done >= last_done &&
               p.requests >= last_requests && p.repos_done <= p.repos_total;
    phase = static_cast<int>(p.phase);
    last_done = p.repos_done;
    last_requests = p.requests;
    if (p.phase == Phase::kLists) {
      total = p.repos_total;
      max_done = std::max(max_done, p.repos_done);
    }
  }
  CHECK(monotone);
  CHECK(phase == static_cast<int>(Phase::kLists));
  CHECK(total == static_cast<std::int64_t>(projects.size()));
  CHECK(max_done == total);
  CHECK(last_requests > 0);
  // The budget as the client last saw it, with the reserve it keeps.
  bool core_seen = false;
  for (const auto& p : seen) {
    for (const auto& b : p.buckets) {
      if (b.resource == "core" && b.limit > 0 && b.remaining >= 0) {
        core_seen = b.reserve == h.config().github.reserve;
      }
    }
  }
  CHECK(core_seen);
  // The store's record for `ghharvest status`: the cycle ended, with what it did.
  gh::store::Ingest ingest(h.db());
  auto mark = ingest.GetWatermark(gh::harvest::kProgressEndpoint, gh::harvest::kProgressScope);
  REQUIRE_OK(mark);
  REQUIRE(*mark);
  REQUIRE((*mark)->cursor);
  auto stored = gh::harvest::DecodeProgress(*(*mark)->cursor);
  REQUIRE(stored);
  CHECK_FALSE(stored->running);
  CHECK(stored->repos_total == total);
  CHECK(stored->repos_done == total);
  CHECK(stored->requests >= last_requests);
  // Somewhere in between: some repositories done, others not.
  bool partly = false;
  for (const auto& p : seen) partly = partly || (p.repos_done > 0 && p.repos_done < total);
  CHECK(partly);
}

TEST_CASE("sync --once draws the progress line on a terminal and is quiet on a pipe or file") {
  gh::testing::HarvestHarnessOptions o;
  o.spec.seed = 42;
  o.spec.writers = 3;
  o.spec.projects = 4;
  o.spec.items = 1500;
  // Slow enough responses that the sync lasts a few of the line's one-second redraws.
  o.latency = std::chrono::milliseconds(120);
  o.concurrency = 2;
  o.server_threads = 2;
  gh::testing::HarvestHarness h(o);
  std::string config = h.WriteConfigFile("GHH_PROGRESS_TEST_TOKEN");

  int master = posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(master >= 0);
  REQUIRE(grantpt(master) == 0);
  REQUIRE(unlockpt(master) == 0);
  int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
  REQUIRE(slave >= 0);
  int code = -1;
  std::string tty = RunSync(config, slave, master, &code);
  close(master);
  CHECK(code == 0);
  INFO("terminal output: " << tty);
  CHECK(tty.find("\rsync: repositories ") != std::string::npos);
  CHECK(tty.find(" requests, ") != std::string::npos);
  CHECK(tty.find("left: core ") != std::string::npos);
  // Erased at the end, so the summary on stdout starts on a clean line.
  CHECK(tty.size() >= 4);
  CHECK(tty.substr(tty.size() - 4) == "\r\033[K");

  // The same sync again (all 304s now) with stderr to a file: no line, no control characters.
  gh::testing::TempDir dir;
  int file = open(dir.file("err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(file >= 0);
  RunSync(config, file, -1, &code);
  CHECK(code == 0);
  std::string err = gh::testing::ReadFile(dir.file("err"));
  CHECK(err.find('\r') == std::string::npos);
  CHECK(err.find("repositories") == std::string::npos);

  // `ghharvest status` shows the last cycle the store recorded...
  auto status = gh::testing::RunGhharvest("status -c '" + config + "'");
  CHECK(status.code == 0);
  INFO("status: " << status.out);
  CHECK(status.out.find("harvest cycle:\n  last cycle started ") != std::string::npos);
  CHECK(status.out.find(" 4 repositories, ") != std::string::npos);
  // ...and a running one (as a daemon's cycle leaves it mid-way) as its progress line.
  {
    gh::store::Ingest ingest(h.db());
    auto running = Lists(1, 4, std::chrono::seconds(30));
    REQUIRE_OK(ingest.SetWatermark(gh::harvest::kProgressEndpoint, gh::harvest::kProgressScope,
                                   "2026-01-01T11:59:25Z", gh::harvest::EncodeProgress(running)));
  }
  status = gh::testing::RunGhharvest("status -c '" + config + "'");
  CHECK(status.code == 0);
  CHECK(status.out.find("  running since 2026-01-01T11:59:25Z, as of ") != std::string::npos);
  CHECK(status.out.find("    sync: repositories 1/4, 1,234 requests, 1,180 points") !=
        std::string::npos);
  // It is not listed again among the watermarks.
  CHECK(status.out.find("cycle            progress") == std::string::npos);
  // A daemon's job of one repository is named as such.
  {
    gh::store::Ingest ingest(h.db());
    auto ended = Lists(1, 1, std::chrono::seconds(30));
    ended.running = false;
    ended.unit = "octo/alpha";
    REQUIRE_OK(ingest.SetWatermark(gh::harvest::kProgressEndpoint, gh::harvest::kProgressScope,
                                   "2026-01-01T11:59:25Z", gh::harvest::EncodeProgress(ended)));
  }
  status = gh::testing::RunGhharvest("status -c '" + config + "'");
  CHECK(status.code == 0);
  CHECK(status.out.find("  last harvest octo/alpha started 2026-01-01T11:59:25Z, ended ") !=
        std::string::npos);
  CHECK(status.out.find(": 1 repositories, 1234 requests") != std::string::npos);
}
