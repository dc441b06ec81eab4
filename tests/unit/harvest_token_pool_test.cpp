// A token pool against the local GitHub, as an operator runs it: `ghharvest sync --once` with
// three tokens (token_env, token_envs, token_files), each with its own budget at the local
// GitHub, whose ETags (as GitHub's) vary with the token. The second sync costs 0 points:
// every repository was read again with the token whose validators it holds. A token revoked
// between syncs moves only its repositories; `status` names each credential by fingerprint;
// no token appears in the output, the log or the database.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <sys/stat.h>

#include <set>
#include <string>

#include "check_ok.hpp"
#include "fake_server.hpp"
#include "files.hpp"
#include "ghharvest/github/client.hpp"
#include "run_ghharvest.hpp"
#include "test_config.hpp"
#include "test_paths.hpp"
#include "world/github_handler.hpp"
#include "world/world.hpp"

namespace gh = ghharvest;
using gh::testing::ReadFile;
using gh::testing::RunGhharvest;

namespace {

const std::vector<std::string> kTokens = {"ghp_poolFirst0000000000000000000000000000",
                                          "ghp_poolSecond111111111111111111111111111",
                                          "ghp_poolThird2222222222222222222222222222"};

std::int64_t RealNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t RestPoints(const gh::testing::ApiCounters& c) {
  std::int64_t n = 0;
  for (const auto& [token, points] : c.points_by_token) n += points;
  return n;
}

}  // namespace

TEST_CASE("a token pool spreads repositories over its tokens and re-polls at 0 points") {
  gh::testing::WorldSpec spec;
  spec.seed = 41;
  spec.writers = 3;
  spec.projects = 8;
  spec.items = 800;
  spec.now = RealNow();
  auto world = std::make_shared<gh::testing::World>(spec);
  auto base = std::make_shared<std::string>();
  gh::testing::GitHubHandlerOptions ho;
  ho.tokens = kTokens;  // only these: anything else is 401
  gh::testing::GitHubHandler handler(
      world, [base] { return *base; }, ho);
  gh::testing::FakeServer server(handler, 2);
  *base = server.base_url();

  gh::testing::TempDir dir;
  gh::testing::WriteFile(dir.file("third-token"), kTokens[2] + "\n");
  ::chmod(dir.file("third-token").c_str(), 0600);
  gh::testing::TestConfig c;
  c.Set("github", "api_url", server.base_url())
      .Set("github", "token_env", "GHH_POOL_FIRST")
      .SetList("github", "token_envs", {"GHH_POOL_SECOND"})
      .SetList("github", "token_files", {"third-token"})
      .Set("storage", "database", dir.file("ghharvest.db"))
      .Set("reports", "dir", dir.file("reports"));
  for (const auto& [login, repos] : world->WriterProjects()) c.Writer(login, repos);
  const std::string config = c.Write(dir.file("ghharvest.toml"));
  const std::string env = "GHH_POOL_FIRST=" + kTokens[0] + " GHH_POOL_SECOND=" + kTokens[1];
  const std::string sync = "sync --once --log-level debug -c '" + config + "'";

  auto first = RunGhharvest(sync, env);
  INFO(first.err);
  REQUIRE(first.code == 0);
  auto after_first = handler.counters();
  CHECK(after_first.unauthorized == 0);
  int tokens_used = 0;
  for (const auto& t : kTokens) {
    auto it = after_first.points_by_token.find(t);
    tokens_used += it != after_first.points_by_token.end() && it->second > 0;
  }
  CHECK(tokens_used == 3);  // 8 repositories over 3 tokens

  // The re-poll: every list revalidated with the token that holds its ETag, all 304.
  auto second = RunGhharvest(sync, env);
  REQUIRE(second.code == 0);
  auto after_second = handler.counters();
  CHECK(RestPoints(after_second) == RestPoints(after_first));
  CHECK(after_second.points["graphql"] == after_first.points["graphql"]);
  CHECK(after_second.not_modified > after_first.not_modified);
  MESSAGE("REST points per token, first sync: "
          << after_first.points_by_token[kTokens[0]] << ", "
          << after_first.points_by_token[kTokens[1]] << ", "
          << after_first.points_by_token[kTokens[2]]
          << "; second sync: " << RestPoints(after_second) - RestPoints(after_first) << " points, "
          << after_second.not_modified - after_first.not_modified << " 304s");

  // `status` shows each credential by fingerprint, never the token.
  auto status = RunGhharvest("status -c '" + config + "'");
  REQUIRE(status.code == 0);
  CHECK(status.out.find("credentials:") != std::string::npos);
  for (const auto& t : kTokens) {
    CHECK(status.out.find(gh::github::TokenFingerprint(t) + " core: ") != std::string::npos);
  }
  auto json = RunGhharvest("status --json -c '" + config + "'");
  REQUIRE(json.code == 0);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(json.out).get(doc) == simdjson::SUCCESS);
  std::set<std::string> fingerprints;
  for (auto cr : doc["credentials"].get_array()) {
    fingerprints.insert(std::string(cr["credential"].get_string().value()));
    CHECK(cr["revoked"].get_bool().value() == false);
  }
  CHECK(fingerprints.size() == 3);

  // One token revoked: its repositories move (paid once), the others' stay free; the sync
  // still succeeds, and the next one is free again.
  handler.Revoke(kTokens[1]);
  auto third = RunGhharvest(sync, env);
  INFO(third.err);
  CHECK(third.code == 0);
  CHECK(third.err.find("GitHub rejected a token of the pool (HTTP 401)") != std::string::npos);
  CHECK(third.err.find(gh::github::TokenFingerprint(kTokens[1])) != std::string::npos);
  auto after_third = handler.counters();
  CHECK(after_third.points_by_token.at(kTokens[0]) + after_third.points_by_token.at(kTokens[2]) >
        after_second.points_by_token.at(kTokens[0]) + after_second.points_by_token.at(kTokens[2]));
  CHECK(after_third.points_by_token.at(kTokens[1]) == after_second.points_by_token.at(kTokens[1]));
  auto revoked = RunGhharvest("status -c '" + config + "'");
  CHECK(revoked.out.find(gh::github::TokenFingerprint(kTokens[1]) + " core: ") !=
        std::string::npos);
  CHECK(revoked.out.find("REVOKED") != std::string::npos);
  // The daemon and the next sync use the pool without it (it answers 401 at once): free.
  auto fourth = RunGhharvest(sync, env);
  CHECK(fourth.code == 0);
  auto after_fourth = handler.counters();
  CHECK(RestPoints(after_fourth) == RestPoints(after_third));

  // No token anywhere: not in what the commands printed, nor in the database.
  const std::string db = ReadFile(dir.file("ghharvest.db"));
  const std::string wal = ReadFile(dir.file("ghharvest.db-wal"));
  for (const auto& t : kTokens) {
    for (const auto* ran : {&first, &second, &third, &fourth, &status, &json, &revoked}) {
      CHECK(ran->out.find(t) == std::string::npos);
      CHECK(ran->err.find(t) == std::string::npos);
    }
    CHECK(db.find(t) == std::string::npos);
    CHECK(wal.find(t) == std::string::npos);
  }
}
