// TestConfig, the ghharvest.toml builder of the other tests: what it writes must load, mean what
// was set, and put each key on the line LineOf names (cli_test's error message relies on it).
#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <cstdlib>
#include <string>
#include <vector>

#include "ghharvest/config/config.hpp"
#include "test_config.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using ghharvest::testing::TempDir;
using ghharvest::testing::TestConfig;

TEST_CASE("TestConfig's defaults load, with no token and everything next to the file") {
  TempDir dir;
  ::setenv("STATE_DIRECTORY", "/var/lib/elsewhere", 1);  // explicit paths win over it
  auto cfg = config::LoadConfig(TestConfig().Write(dir.file("c.toml")));
  ::unsetenv("STATE_DIRECTORY");
  REQUIRE_OK(cfg);
  CHECK(cfg->github.token_env == std::optional<std::string>("GHH_TEST_UNSET_TOKEN"));
  CHECK(std::getenv("GHH_TEST_UNSET_TOKEN") == nullptr);
  CHECK(cfg->storage.database == dir.file("ghharvest.db"));
  CHECK(cfg->reports.dir == dir.file("reports"));
  CHECK(cfg->writers.empty());
}

TEST_CASE("TestConfig sets strings, integers, numbers, odd keys and writers, a later Set winning") {
  TempDir dir;
  TestConfig c;
  c.Set("github", "api_url", "http://127.0.0.1:9")
      .Set("github", "max_retries", 3)
      .Set("github", "max_retries", 0)
      .Set("schedule", "poll_interval", "90s")
      .Set("scoring", "default_k", 1.0)
      .Set("scoring.k", "octo/alpha", 0.25)
      .Set("storage", "database", "a \"quoted\" \\ name.db")
      .Writer("alice", {"octo/alpha", "octo/beta"})
      .Writer("bob");
  auto cfg = config::LoadConfig(c.Write(dir.file("c.toml")));
  REQUIRE_OK(cfg);
  CHECK(cfg->github.api_url == "http://127.0.0.1:9");
  CHECK(cfg->github.max_retries == 0);
  CHECK(cfg->schedule.poll_interval == std::chrono::seconds(90));
  CHECK(cfg->scoring.default_k == 1.0);
  CHECK(config::KFor(cfg->scoring, "octo/alpha") == 0.25);
  CHECK(cfg->storage.database == dir.file("a \"quoted\" \\ name.db"));
  REQUIRE(cfg->writers.size() == 2);
  CHECK(cfg->writers[0].login == "alice");
  CHECK(cfg->writers[0].repos == std::vector<std::string>{"octo/alpha", "octo/beta"});
  CHECK(cfg->writers[1].login == "bob");
  CHECK(cfg->writers[1].repos.empty());
}

TEST_CASE("TestConfig's LineOf is the line the loader reports for that key") {
  TestConfig c = TestConfig().Writer("alice").Set("schedule", "poll_interval", "soon");
  const int line = c.LineOf("schedule", "poll_interval");
  CHECK(line > 0);
  CHECK(c.LineOf("schedule", "score_interval") == 0);
  TempDir dir;
  auto cfg = config::LoadConfig(c.Write(dir.file("c.toml")));
  REQUIRE_FALSE(cfg.ok());
  CHECK(cfg.status().message() == dir.file("c.toml") + ":" + std::to_string(line) +
                                      ": [schedule] poll_interval: \"soon\" is not a duration "
                                      "(use d, h, m, s: \"90s\", \"15m\", \"1h30m\")");
}
