// The daemon's metrics as an operator scrapes them: `ghharvest run` (a child process) against
// the synthetic GitHub on loopback with `[metrics] listen = "127.0.0.1:0"`, scraped over HTTP;
// the text passes `promtool check metrics` (Debian's prometheus package); its numbers agree
// with the local GitHub's own counters and with `ghharvest status --json`; counters survive
// a reload; no token appears in the scrape, the log or the database. A port in use stops the
// start with exit 69.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "check_ok.hpp"
#include "daemon_process.hpp"
#include "fake_server.hpp"
#include "files.hpp"
#include "plain_http.hpp"
#include "run_ghharvest.hpp"
#include "test_config.hpp"
#include "test_paths.hpp"
#include "world/github_handler.hpp"
#include "world/world.hpp"

namespace gh = ghharvest;
using gh::testing::DaemonProcess;
using gh::testing::ReadFile;
using gh::testing::WaitUntil;
using gh::testing::WriteFile;
using namespace std::chrono_literals;

namespace {

const std::string kToken = "ghp_metricsTestSecretToken0123456789abcdef";

std::int64_t RealNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The port the daemon's log says the endpoint listens on; 0 before it says so.
std::uint16_t ListeningPort(const std::string& log) {
  std::smatch m;
  static const std::regex re("metrics endpoint listening address=127\\.0\\.0\\.1:([0-9]+)");
  if (!std::regex_search(log, m, re)) return 0;
  return static_cast<std::uint16_t>(std::stoi(m[1].str()));
}

// Every sample of the scrape: "name{labels}" -> value.
std::map<std::string, double> Samples(const std::string& text) {
  std::map<std::string, double> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.empty() || line[0] == '#') continue;
    std::size_t space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

// The sum of every series of `name` (any labels).
double Sum(const std::map<std::string, double>& samples, const std::string& name) {
  double sum = 0;
  for (const auto& [key, v] : samples) {
    if (key == name || key.rfind(name + "{", 0) == 0) sum += v;
  }
  return sum;
}

bool HavePromtool() { return std::system("command -v promtool >/dev/null 2>&1") == 0; }

class Hub {
 public:
  Hub() {
    gh::testing::WorldSpec spec;
    spec.seed = 31;
    spec.writers = 2;
    spec.projects = 3;
    spec.items = 600;
    spec.now = RealNow();
    world_ = std::make_shared<gh::testing::World>(spec);
    gh::testing::GitHubHandlerOptions ho;
    ho.token = kToken;  // anything else is 401
    handler_ = std::make_unique<gh::testing::GitHubHandler>(
        world_, [base = base_] { return *base; }, ho);
    server_ = std::make_unique<gh::testing::FakeServer>(*handler_, 2);
    *base_ = server_->base_url();
  }

  gh::testing::TestConfig Config(const gh::testing::TempDir& dir) const {
    gh::testing::TestConfig c;
    c.Set("github", "api_url", server_->base_url())
        .Set("github", "token_env", "GHH_METRICS_TOKEN")
        .Set("storage", "database", dir.file("ghharvest.db"))
        .Set("reports", "dir", dir.file("reports"))
        .Set("schedule", "poll_interval", "2s")
        .Set("schedule", "score_interval", "1h")
        .Set("metrics", "listen", "127.0.0.1:0");
    for (const auto& [login, repos] : world_->WriterProjects()) c.Writer(login, repos);
    return c;
  }
  std::set<std::string> Repos() const {
    std::set<std::string> out;
    for (const auto& [login, repos] : world_->WriterProjects())
      out.insert(repos.begin(), repos.end());
    return out;
  }
  gh::testing::ApiCounters counters() const { return handler_->counters(); }

 private:
  std::shared_ptr<std::string> base_ = std::make_shared<std::string>();
  std::shared_ptr<gh::testing::World> world_;
  std::unique_ptr<gh::testing::GitHubHandler> handler_;
  std::unique_ptr<gh::testing::FakeServer> server_;
};

}  // namespace

TEST_CASE(
    "ghharvest run serves Prometheus metrics that promtool accepts and status --json agrees") {
  Hub hub;
  gh::testing::TempDir dir;
  const std::string config = hub.Config(dir).Write(dir.file("ghharvest.toml"));
  DaemonProcess daemon(config, dir.file("daemon.log"), {{"GHH_METRICS_TOKEN", kToken}});
  daemon.Start();
  std::uint16_t port = 0;
  REQUIRE(WaitUntil([&] { return (port = ListeningPort(ReadFile(daemon.log()))) != 0; }, 30s));
  const int writers = 2;
  // The daemon's units of work: each writer's lookup and each repository's crawl.
  const int units = writers + static_cast<int>(hub.Repos().size());
  // Every unit harvested once; scored at start (nothing yet) and after the changed harvests
  // (the debounce's 5 s later), which wrote the reports.
  REQUIRE(WaitUntil([&] { return daemon.CountInLog("harvest finished scope=") >= units; }, 60s));
  REQUIRE(WaitUntil([&] { return daemon.CountInLog("scored elapsed_ms=") >= 2; }, 60s));

  boost::asio::io_context io;
  auto scrape = gh::testing::PlainHttp(io, port, "/metrics");
  // Of the harvests that finish after this, at least the last `units - 1` started after the
  // scrape: a whole re-poll the scrape did not see.
  const int harvests_before = daemon.CountInLog("harvest finished scope=");
  REQUIRE(scrape.status == 200);
  CHECK(scrape.headers.find("text/plain; version=0.0.4") != std::string::npos);
  const std::string text = scrape.body;
  WriteFile(dir.file("scrape.txt"), text);

  if (HavePromtool()) {
    const std::string cmd = "promtool check metrics < '" + dir.file("scrape.txt") + "' > '" +
                            dir.file("promtool.out") + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    INFO("promtool said: " << ReadFile(dir.file("promtool.out")));
    CHECK(rc == 0);
  } else {
    MESSAGE(
        "promtool not installed (Debian package prometheus, see scripts/install-deps.sh): "
        "the scrape's format is not checked by promtool in this run");
  }

  auto s = Samples(text);
  const auto api = hub.counters();
  // What the daemon counted is what the local GitHub answered (nothing else asked it).
  CHECK(Sum(s, "ghharvest_github_requests_total") == static_cast<double>(api.requests));
  CHECK(Sum(s, "ghharvest_github_not_modified_total") == static_cast<double>(api.not_modified));
  CHECK(s["ghharvest_github_requests_total{resource=\"core\",status=\"200\"}"] > 0);
  CHECK(Sum(s, "ghharvest_github_points_spent_total") > 0);
  CHECK(Sum(s, "ghharvest_github_rate_limit_remaining") > 0);
  CHECK(Sum(s, "ghharvest_harvest_pages_total") > 0);
  CHECK(s["ghharvest_harvest_items_total{endpoint=\"commits\"}"] > 0);
  CHECK(s["ghharvest_harvest_runs_total{outcome=\"ok\"}"] >= units);
  CHECK(s["ghharvest_scoring_runs_total{outcome=\"ok\"}"] >= 1);
  CHECK(s.count("ghharvest_scoring_duration_seconds") == 1);
  CHECK(s["ghharvest_reports_written_total"] > 0);
  CHECK(s["ghharvest_database_size_bytes"] > 0);
  CHECK(s["ghharvest_build_info{version=\"" GHHARVEST_VERSION "\"}"] == 1);
  for (const auto& repo : hub.Repos()) {
    CAPTURE(repo);
    const double at =
        s["ghharvest_repository_last_sync_timestamp_seconds{repository=\"" + repo + "\"}"];
    CHECK(at > static_cast<double>(RealNow() - 120));
    CHECK(at <= static_cast<double>(RealNow() + 1));
  }

  // The same facts from the database, for scripts.
  auto status = gh::testing::RunGhharvest("status --json -c '" + config + "'");
  REQUIRE(status.code == 0);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(status.out).get(doc) == simdjson::SUCCESS);
  CHECK(doc["database"]["exists"].get_bool().value() == true);
  CHECK(doc["database"]["size_bytes"].get_int64().value() > 0);
  for (const char* kind : {"commits", "issues", "pull_requests", "issue_comments", "reviews"}) {
    CAPTURE(kind);
    CHECK(static_cast<double>(doc["items"][kind].get_int64().value()) ==
          s[std::string("ghharvest_stored_items{kind=\"") + kind + "\"}"]);
  }
  std::set<std::string> synced;
  for (auto r : doc["repositories"].get_array()) {
    synced.insert(std::string(r["repository"].get_string().value()));
    CHECK(r["last_sync_unix"].get_int64().value() > RealNow() - 120);
  }
  CHECK(synced == hub.Repos());
  std::set<std::string> resources;
  for (auto r : doc["rate_limits"].get_array()) {
    resources.insert(std::string(r["resource"].get_string().value()));
    CHECK(r["remaining"].get_int64().value() > 0);
  }
  CHECK(resources.count("core") == 1);
  CHECK(doc["writers"].get_array().size() == 2);

  // A re-poll is answered 304 and counted so; a reload keeps every counter.
  const double requests_before = Sum(s, "ghharvest_github_requests_total");
  REQUIRE(WaitUntil(
      [&] { return daemon.CountInLog("harvest finished scope=") >= harvests_before + units; },
      60s));
  daemon.Signal(SIGHUP);
  REQUIRE(WaitUntil([&] { return daemon.CountInLog("config reloaded") >= 1; }, 30s));
  auto after = Samples(gh::testing::PlainHttp(io, port, "/metrics").body);
  CHECK(Sum(after, "ghharvest_github_requests_total") > requests_before);
  CHECK(Sum(after, "ghharvest_github_not_modified_total") >
        Sum(s, "ghharvest_github_not_modified_total"));
  CHECK(after["ghharvest_config_reloads_total{outcome=\"applied\"}"] == 1);
  CHECK(daemon.CountInLog("metrics endpoint listening") == 1);  // not moved: same listen

  daemon.Signal(SIGTERM);
  CHECK(daemon.WaitExit(10s) == 0);
  // The token went to GitHub only: not into the scrape, the log or the database.
  CHECK(text.find(kToken) == std::string::npos);
  CHECK(ReadFile(daemon.log()).find(kToken) == std::string::npos);
  CHECK(ReadFile(dir.file("ghharvest.db")).find(kToken) == std::string::npos);
  CHECK(status.out.find(kToken) == std::string::npos);
}

TEST_CASE("ghharvest run with its metrics port in use exits 69 naming the address") {
  Hub hub;
  gh::testing::TempDir dir;
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor taken(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const std::string at = "127.0.0.1:" + std::to_string(taken.local_endpoint().port());
  const std::string config =
      hub.Config(dir).Set("metrics", "listen", at).Write(dir.file("ghharvest.toml"));
  DaemonProcess daemon(config, dir.file("daemon.log"), {{"GHH_METRICS_TOKEN", kToken}});
  daemon.Start();
  CHECK(daemon.WaitExit(30s) == 69);
  CHECK(daemon.CountInLog("cannot start: ") == 1);
  CHECK(daemon.CountInLog(at) >= 1);
}

TEST_CASE("ghharvest status --json before any sync says the database does not exist yet") {
  Hub hub;
  gh::testing::TempDir dir;
  const std::string config = hub.Config(dir).Write(dir.file("ghharvest.toml"));
  auto r = gh::testing::RunGhharvest("status --json -c '" + config + "'");
  REQUIRE(r.code == 0);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(r.out).get(doc) == simdjson::SUCCESS);
  CHECK(doc["database"]["exists"].get_bool().value() == false);
  CHECK(doc["repositories"].get_array().size() == 0);
  CHECK(doc["writers"].get_array().size() == 2);
  for (auto w : doc["writers"].get_array()) CHECK(w["synced"].get_bool().value() == false);
}
