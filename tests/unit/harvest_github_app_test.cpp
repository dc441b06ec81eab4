// GitHub App authentication against the local GitHub, as an operator runs it: `ghharvest
// sync --once` with [github.app] and a key made for this run (no private key is committed).
// The local GitHub verifies the JWT's signature, issues installation tokens that expire, and
// answers an expired or unknown one 401. Re-polls stay at 0 points (the installation's ETags
// outlive its tokens); tokens expiring within a sync are replaced; neither the key, the JWT
// nor a token appears in the output or the database.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <string>

#include "check_ok.hpp"
#include "fake_server.hpp"
#include "files.hpp"
#include "run_ghharvest.hpp"
#include "test_config.hpp"
#include "test_paths.hpp"
#include "world/github_app.hpp"
#include "world/github_handler.hpp"
#include "world/world.hpp"

namespace gh = ghharvest;
using gh::testing::ReadFile;
using gh::testing::RunGhharvest;

namespace {

std::int64_t RealNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct AppHub {
  explicit AppHub(std::chrono::seconds lifetime,
                  std::chrono::milliseconds latency = std::chrono::milliseconds(0)) {
    gh::testing::WorldSpec spec;
    spec.seed = 43;
    spec.writers = 2;
    spec.projects = 4;
    spec.items = 600;
    spec.now = RealNow();
    world = std::make_shared<gh::testing::World>(spec);
    gh::testing::GitHubHandlerOptions ho;
    ho.token = "ghp_not_the_app";  // only the app's tokens (and this one) are accepted
    ho.app = gh::testing::FakeAppOptions{424242, 9001, key.public_pem, lifetime};
    ho.latency = latency;
    handler = std::make_unique<gh::testing::GitHubHandler>(
        world, [this] { return base; }, ho);
    server = std::make_unique<gh::testing::FakeServer>(*handler, 2);
    base = server->base_url();
  }

  std::string Config(const gh::testing::TempDir& dir, std::int64_t app_id = 424242) const {
    gh::testing::WriteFile(dir.file("app.pem"), key.private_pem);
    ::chmod(dir.file("app.pem").c_str(), 0600);
    gh::testing::TestConfig c;
    c.Set("github", "api_url", server->base_url())
        .Set("github.app", "app_id", app_id)
        .Set("github.app", "installation_id", 9001)
        .Set("github.app", "private_key_file", "app.pem")
        .Set("storage", "database", dir.file("ghharvest.db"))
        .Set("reports", "dir", dir.file("reports"));
    for (const auto& [login, repos] : world->WriterProjects()) c.Writer(login, repos);
    return c.Write(dir.file("ghharvest.toml"));
  }

  gh::testing::TestRsaKey key = gh::testing::MakeTestRsaKey();
  std::shared_ptr<gh::testing::World> world;
  std::string base;
  std::unique_ptr<gh::testing::GitHubHandler> handler;
  std::unique_ptr<gh::testing::FakeServer> server;
};

std::int64_t Points(const gh::testing::ApiCounters& c) {
  std::int64_t n = 0;
  for (const auto& [who, p] : c.points_by_token) n += p;
  return n;
}

}  // namespace

TEST_CASE("a GitHub App installation harvests with its own tokens and re-polls at 0 points") {
  AppHub hub(std::chrono::seconds(3600));
  gh::testing::TempDir dir;
  const std::string config = hub.Config(dir);
  const std::string sync = "sync --once -c '" + config + "'";
  auto first = RunGhharvest(sync);
  INFO(first.err);
  REQUIRE(first.code == 0);
  CHECK(hub.handler->app()->exchanges() == 1);
  CHECK(hub.handler->app()->refused() == 0);
  auto c1 = hub.handler->counters();
  CHECK(c1.unauthorized == 0);
  CHECK(c1.points_by_token.count("installation:9001") == 1);
  CHECK(first.err.find("GitHub App installation token obtained credential=app:424242/9001") !=
        std::string::npos);

  // Another process, another token: the installation's ETags still answer 304.
  auto second = RunGhharvest(sync);
  REQUIRE(second.code == 0);
  CHECK(hub.handler->app()->exchanges() == 2);
  auto c2 = hub.handler->counters();
  CHECK(Points(c2) == Points(c1));
  CHECK(c2.not_modified > c1.not_modified);

  auto status = RunGhharvest("status -c '" + config + "'");
  CHECK(status.out.find("app:424242/9001 core: ") != std::string::npos);

  const std::string db = ReadFile(dir.file("ghharvest.db"));
  for (const auto* ran : {&first, &second, &status}) {
    CHECK(ran->out.find("ghs_") == std::string::npos);
    CHECK(ran->err.find("ghs_") == std::string::npos);
    CHECK(ran->err.find("eyJ") == std::string::npos);  // a JWT
    CHECK(ran->err.find("PRIVATE KEY") == std::string::npos);
  }
  CHECK(db.find("ghs_") == std::string::npos);
}

TEST_CASE("a GitHub App's short-lived tokens are replaced within a sync, before they expire") {
  // Tokens good for 2 s, replaced after half their life; slow answers (250 ms each), so the
  // sync outlives several tokens.
  AppHub hub(std::chrono::seconds(2), std::chrono::milliseconds(250));
  gh::testing::TempDir dir;
  const std::string config = hub.Config(dir);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = RunGhharvest("sync --once -c '" + config + "'");
  const auto took = std::chrono::steady_clock::now() - t0;
  INFO(r.err);
  REQUIRE(r.code == 0);
  REQUIRE(took > std::chrono::milliseconds(1500));  // longer than a token's half life
  CHECK(hub.handler->app()->exchanges() >= 2);
  CHECK(hub.handler->counters().unauthorized == 0);  // never one sent expired
}

TEST_CASE("a GitHub App whose JWT the server refuses stops the sync with exit 77") {
  AppHub hub(std::chrono::seconds(3600));
  gh::testing::TempDir dir;
  const std::string config = hub.Config(dir, 111);  // not the app the key belongs to
  auto r = RunGhharvest("sync --once -c '" + config + "'");
  CHECK(r.code != 0);
  CHECK(hub.handler->app()->refused() == 1);
  CHECK(r.err.find("GitHub refused the token exchange (HTTP 401)") != std::string::npos);
  CHECK(hub.handler->counters().points_by_token.empty());  // nothing read without a token

  // A file that is no key is a config error at start (78), before any request.
  const std::string good = hub.Config(dir);
  gh::testing::WriteFile(dir.file("app.pem"),
                         "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n");
  auto bad = RunGhharvest("sync --once -c '" + good + "'");
  CHECK(bad.code == 78);
  CHECK(bad.err.find("not an RSA private key") != std::string::npos);
  CHECK(hub.handler->app()->exchanges() == 1);
}
