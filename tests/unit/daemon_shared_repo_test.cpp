// The daemon's units of work against the synthetic GitHub on loopback: the service with its
// real actions (daemon/real_actions.hpp) in this process, three writers who all watch one
// repository and a fourth whose config lists none (discovery finds that same repository).
// The repository is one scope, crawled once per poll interval for all four: its issues list is
// asked once per crawl, not once per writer; each writer's own scope asks /users once per
// interval. A scope set recomputed after discovery keeps the phases it had.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "check_ok.hpp"
#include "fake_server.hpp"
#include "files.hpp"
#include "ghharvest/daemon/real_actions.hpp"
#include "ghharvest/daemon/service.hpp"
#include "ghharvest/store/database.hpp"
#include "test_config.hpp"
#include "world/github_handler.hpp"
#include "world/world.hpp"

namespace gh = ghharvest;
using namespace std::chrono_literals;

namespace {

std::int64_t RealNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// What the service did, by scope (delivered on its thread).
struct Seen {
  std::mutex mu;
  std::map<std::string, int> finished;  // harvests that ended ok, by scope
  std::map<std::string, int> failed;
  std::vector<std::string> order;  // scopes in the order their harvests ended
  int Finished(const std::string& scope) {
    std::lock_guard<std::mutex> lock(mu);
    return finished[scope];
  }
};

}  // namespace

TEST_CASE("a repository shared by several writers is crawled once per poll interval") {
  gh::testing::WorldSpec spec;
  spec.seed = 7;
  spec.writers = 4;
  spec.projects = 1;
  // Few enough that every list is one page: each crawl asks the issues list exactly once.
  spec.items = 160;
  spec.now = RealNow();
  auto world = std::make_shared<gh::testing::World>(spec);
  auto base = std::make_shared<std::string>();
  gh::testing::GitHubHandlerOptions ho;
  ho.core_limit = 100000000;
  ho.search_limit = 100000000;
  gh::testing::GitHubHandler handler(
      world, [base] { return *base; }, ho);
  gh::testing::FakeServer server(handler, 2);
  *base = server.base_url();

  std::string repo;
  for (const auto& entry : world->WriterProjects()) {
    if (!entry.second.empty()) repo = entry.second.front();
  }
  REQUIRE_FALSE(repo.empty());
  const auto logins = world->WriterConfigLogins();
  REQUIRE(logins.size() == 4);

  gh::testing::TempDir dir;
  gh::testing::TestConfig c;
  c.Set("github", "api_url", server.base_url())
      .Set("github", "token_env", "GHH_SHARED_REPO_TOKEN")
      .Set("storage", "database", dir.file("ghharvest.db"))
      .Set("reports", "dir", dir.file("reports"))
      .Set("schedule", "poll_interval", "1s")
      .Set("schedule", "score_interval", "1h");
  // The first three list the repository, spelled as each pleases; the fourth discovers it.
  c.Writer(logins[0], {repo});
  c.Writer(logins[1], {Lower(repo)});
  c.Writer(logins[2], {repo});
  c.Writer(logins[3], {});
  const std::string config = c.Write(dir.file("ghharvest.toml"));
  ::setenv("GHH_SHARED_REPO_TOKEN", "t", 1);

  const std::string repo_scope = "repo:" + repo;
  Seen seen;
  gh::daemon::ServiceOptions so;
  so.config_path = config;
  so.make_actions = gh::daemon::RealActionsFactory(nullptr);
  so.on_event = [&seen](const gh::daemon::Event& e) {
    if (e.kind != gh::daemon::Event::Kind::kHarvestFinished) return;
    // A harvest in flight when the test stops the daemon ends cancelled (abandoned, to be
    // run again): neither a crawl nor a failure.
    if (e.status.code() == gh::Status::Code::kCancelled) return;
    std::lock_guard<std::mutex> lock(seen.mu);
    (e.status.ok() ? seen.finished : seen.failed)[e.scope]++;
    seen.order.push_back(e.scope);
  };
  gh::daemon::Service service(so);
  std::atomic<int> code{-1};
  std::thread runner([&] { code = service.Run(); });

  // N crawls of the repository: N poll intervals (the first at its splay offset).
  const int n = 5;
  const auto guard = std::chrono::steady_clock::now() + 60s;
  while (seen.Finished(repo_scope) < n && std::chrono::steady_clock::now() < guard) {
    std::this_thread::sleep_for(10ms);
  }
  service.Stop();
  runner.join();
  CHECK(code == 0);

  std::lock_guard<std::mutex> lock(seen.mu);
  CAPTURE(seen.order.size());
  CHECK(seen.failed.empty());
  const int crawls = seen.finished[repo_scope];
  REQUIRE(crawls >= n);
  // Every scope is the repository's or a writer's: one repository scope, however many
  // writers watch it and however they spell it.
  int repo_scopes = 0;
  for (const auto& entry : seen.finished) {
    CAPTURE(entry.first);
    const bool is_repo = entry.first.rfind("repo:", 0) == 0;
    CHECK((is_repo || entry.first.rfind("writer:", 0) == 0));
    repo_scopes += is_repo ? 1 : 0;
  }
  CHECK(repo_scopes == 1);
  // Each writer's own scope ran at most once per interval too (splayed apart from the
  // repository's; a slot it ran past while the harvester served the others is skipped).
  for (const auto& login : logins) {
    CAPTURE(login);
    const int w = seen.finished["writer:" + login];
    CHECK(w >= 1);
    CHECK(w <= crawls + 1);
  }
  // The fourth writer's discovery did find the repository: four writers watch it, still one
  // scope.
  {
    auto db = gh::store::Database::Open(dir.file("ghharvest.db"));
    REQUIRE_OK(db);
    auto watching = (*db)->QueryInt(
        "SELECT COUNT(DISTINCT writer) FROM watches WHERE status = 'active' AND repo_name = '" +
        repo + "' COLLATE NOCASE");
    REQUIRE_OK(watching);
    CHECK(watching->value_or(0) == 4);
  }

  const auto counters = handler.counters();
  auto route = [&counters](const std::string& r) {
    auto it = counters.per_route.find(r);
    return it == counters.per_route.end() ? std::int64_t{0} : it->second;
  };
  // The crawl is the repository's: its issues list once per crawl (one page: 200 the first
  // time, 304 after), not once per writer (4 per interval); the harvest that Stop() cut short
  // may have asked once more.
  const std::int64_t issues = route("/repos/{o}/{r}/issues");
  CAPTURE(issues);
  CHECK(issues >= crawls);
  CHECK(issues <= crawls + 1);
  CHECK(route("/repos/{o}/{r}") <= crawls + 1);
  // The writers' part: /users once per writer's harvest (and one more cut short each).
  std::int64_t writer_harvests = 0;
  for (const auto& login : logins) writer_harvests += seen.finished["writer:" + login];
  CHECK(route("/users/{login}") >= writer_harvests);
  CHECK(route("/users/{login}") <= writer_harvests + static_cast<std::int64_t>(logins.size()));
}
