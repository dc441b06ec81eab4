#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "files.hpp"
#include "ghharvest/app/app.hpp"
#include "ghharvest/config/config.hpp"
#include "ghharvest/github/client.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using ghharvest::testing::TempDir;
using ghharvest::testing::WriteFile;

namespace {

// A valid [github] head, so each case below adds exactly one problem.
const char* kGithub = "[github]\ntoken_env = \"GITHUB_TOKEN\"\n";

// The error message of loading `text` (empty when it loads).
std::string ErrorOf(const std::string& text) {
  TempDir dir;
  auto cfg = config::LoadConfig(WriteFile(dir.file("ghharvest.toml"), text));
  if (cfg.ok()) return "";
  CHECK(cfg.status().code() == Status::Code::kInvalidArgument);
  // Errors name the file as given; strip the temp folder for readable expectations.
  std::string msg = cfg.status().message();
  for (std::size_t p; (p = msg.find(dir.path() + "/")) != std::string::npos;) {
    msg.erase(p, dir.path().size() + 1);
  }
  return msg;
}

}  // namespace

TEST_CASE("the example configuration loads cleanly and documents the issue's keys") {
  auto cfg = config::LoadConfig(std::string(GHH_SOURCE_DIR) + "/examples/ghharvest.toml");
  REQUIRE_MESSAGE(cfg.ok(), cfg.status().ToString());
  CHECK(cfg->github.api_url == "https://api.github.com");
  CHECK(cfg->github.token_env == std::optional<std::string>("GITHUB_TOKEN"));
  CHECK(cfg->github.concurrency == 4);
  CHECK(cfg->github.reserve == 200);
  CHECK(cfg->github.max_body_bytes == 64 * 1024 * 1024);
  CHECK(cfg->storage.database == "/var/lib/ghharvest/ghharvest.db");
  CHECK(cfg->reports.dir == "/var/lib/ghharvest/reports");
  CHECK(cfg->schedule.poll_interval == std::chrono::minutes(15));
  CHECK(cfg->schedule.score_interval == std::chrono::hours(1));
  CHECK(cfg->scoring.default_k == 0.5);
  CHECK(config::KFor(cfg->scoring, "octo-org/hello-world") == 0.3);
  REQUIRE(cfg->writers.size() == 2);
  CHECK(cfg->writers[0].login == "alice");
  CHECK(cfg->writers[0].repos == std::vector<std::string>{"octo-org/hello-world"});
  CHECK(cfg->writers[0].blog_feeds ==
        std::vector<std::string>{"https://alice.dev/index.xml", "https://dev.to/feed/alice"});
  CHECK(cfg->writers[1].repos.empty());
  CHECK(cfg->blogs.poll_interval == std::chrono::hours(6));
  CHECK(cfg->blogs.max_feed_bytes == 10485760);
}

TEST_CASE("a minimal file gets the documented defaults, paths next to the file") {
  TempDir dir;
  ::unsetenv("STATE_DIRECTORY");
  auto cfg = config::LoadConfig(WriteFile(dir.file("g.toml"), kGithub));
  REQUIRE_MESSAGE(cfg.ok(), cfg.status().ToString());
  CHECK(cfg->path == dir.file("g.toml"));
  CHECK(cfg->storage.database == dir.file("ghharvest.db"));
  CHECK(cfg->reports.dir == dir.file("reports"));
  CHECK(cfg->github.concurrency == 4);
  CHECK(cfg->github.auth_scheme == "Bearer");
  CHECK(cfg->github.user_agent == "ghharvest/" GHHARVEST_VERSION);
  CHECK(cfg->github.max_body_bytes == 64 * 1024 * 1024);
  CHECK(app::ClientOptionsFromConfig(cfg->github, "t").max_body_bytes == 64u * 1024 * 1024);
  CHECK(cfg->harvest.overlap == std::chrono::minutes(10));
  CHECK(cfg->scoring.keep_runs == 100);
  CHECK_FALSE(cfg->scoring.window_days.has_value());
  CHECK(cfg->writers.empty());
}

TEST_CASE("unset database and reports dir default to $STATE_DIRECTORY when systemd sets it") {
  TempDir dir;
  ::setenv("STATE_DIRECTORY", "/var/lib/ghharvest:/var/lib/other", 1);
  auto cfg = config::LoadConfig(WriteFile(dir.file("g.toml"), kGithub));
  ::unsetenv("STATE_DIRECTORY");
  REQUIRE_OK(cfg);
  CHECK(cfg->storage.database == "/var/lib/ghharvest/ghharvest.db");
  CHECK(cfg->reports.dir == "/var/lib/ghharvest/reports");
}

TEST_CASE("relative paths resolve against the config file's folder, absolute ones stay") {
  TempDir dir;
  auto cfg = config::LoadConfig(WriteFile(
      dir.file("g.toml"),
      "[github]\ntoken_file = \"secrets/token\"\n[storage]\ndatabase = \"data/../db/x.db\"\n"
      "[reports]\ndir = \"/srv/reports\"\n"));
  REQUIRE_MESSAGE(cfg.ok(), cfg.status().ToString());
  CHECK(cfg->github.token_file == std::optional<std::string>(dir.file("secrets/token")));
  CHECK(cfg->storage.database == dir.file("db/x.db"));
  CHECK(cfg->reports.dir == "/srv/reports");
}

TEST_CASE("every key of every section is read") {
  std::string text = R"([github]
api_url = "https://ghe.example/api/v3/"
token_file = "/t"
token_env = "TOK"
concurrency = 8
reserve = 0
accept = "application/vnd.github.v3+json"
auth_scheme = "token"
user_agent = "me/1"
connect_timeout = "5s"
request_timeout = "2m"
max_retries = 0
max_body_bytes = 2097152
[storage]
database = "/d.db"
[reports]
dir = "/r"
jsonl_max_bytes = 2048
jsonl_keep = 0
[schedule]
poll_interval = "1h30m"
score_interval = "2d"
[scoring]
default_k = 1
window_days = 30
half_life_days = 7.5
keep_runs = 3
[scoring.k]
"A/b" = 2
[scoring.weights]
reactions_received = 0.5
[harvest]
max_discovered_repos = 0
overlap = "0s"
refresh_reactions_days = 0
revalidate_pages_per_list = 100000
[[writers]]
login = "dependabot[bot]"
repos = ["a/b.c", "a-b/_x"]
)";
  TempDir dir;
  auto cfg = config::LoadConfig(WriteFile(dir.file("g.toml"), text));
  REQUIRE_MESSAGE(cfg.ok(), cfg.status().ToString());
  const auto& c = *cfg;
  CHECK(c.github.api_url == "https://ghe.example/api/v3");  // trailing slash dropped
  CHECK(c.github.token_file == std::optional<std::string>("/t"));
  CHECK(c.github.token_env == std::optional<std::string>("TOK"));
  CHECK(c.github.concurrency == 8);
  CHECK(c.github.reserve == 0);
  CHECK(c.github.accept == "application/vnd.github.v3+json");
  CHECK(c.github.auth_scheme == "token");
  CHECK(c.github.user_agent == "me/1");
  CHECK(c.github.connect_timeout == std::chrono::seconds(5));
  CHECK(c.github.request_timeout == std::chrono::minutes(2));
  CHECK(c.github.max_retries == 0);
  CHECK(c.github.max_body_bytes == 2097152);
  CHECK(c.storage.database == "/d.db");
  CHECK(c.reports.dir == "/r");
  CHECK(c.reports.jsonl_max_bytes == 2048);
  CHECK(c.reports.jsonl_keep == 0);
  CHECK(c.schedule.poll_interval == std::chrono::minutes(90));
  CHECK(c.schedule.score_interval == std::chrono::hours(48));
  CHECK(c.scoring.default_k == 1.0);
  CHECK(c.scoring.window_days == std::optional<int>(30));
  CHECK(c.scoring.half_life_days == std::optional<double>(7.5));
  CHECK(c.scoring.keep_runs == 3);
  CHECK(config::KFor(c.scoring, "a/B") == 2.0);  // case-insensitive
  CHECK(config::KFor(c.scoring, "x/y") == 1.0);  // default_k
  CHECK(config::WeightFor(c.scoring, "reactions_received") == 0.5);
  CHECK(config::WeightFor(c.scoring, "commits") == 1.0);
  CHECK(c.harvest.max_discovered_repos == 0);
  CHECK(c.harvest.overlap == std::chrono::seconds(0));
  CHECK(c.harvest.refresh_reactions_days == 0);
  CHECK(c.harvest.revalidate_pages_per_list == 100000);
  REQUIRE(c.writers.size() == 1);
  CHECK(c.writers[0].login == "dependabot[bot]");
  CHECK(c.writers[0].repos == std::vector<std::string>{"a/b.c", "a-b/_x"});
  CHECK(c.writers[0].line == 37);
}

TEST_CASE("a missing file is NotFound and names the file") {
  TempDir dir;
  auto cfg = config::LoadConfig(dir.file("nope.toml"));
  REQUIRE_FALSE(cfg.ok());
  CHECK(cfg.status().code() == Status::Code::kNotFound);
  CHECK(cfg.status().message() == dir.file("nope.toml") + ": cannot read config: no such file");
}

TEST_CASE("a directory instead of a file is refused") {
  TempDir dir;
  auto cfg = config::LoadConfig(dir.path());
  REQUIRE_FALSE(cfg.ok());
  CHECK(cfg.status().message().find("is a directory") != std::string::npos);
}

TEST_CASE("TOML syntax errors name the file and line") {
  CHECK(ErrorOf("[github]\ntoken_env = \"X\"\nconcurrency = = 4\n")
            .rfind("ghharvest.toml:3: syntax error: ", 0) == 0);
  CHECK(ErrorOf("[github]\ntoken_env = \"X\"\ntoken_env = \"Y\"\n")
            .rfind("ghharvest.toml:3: syntax error: ", 0) == 0);
}

TEST_CASE("unknown keys are errors with their line, in every section") {
  CHECK(ErrorOf(std::string(kGithub) + "concurency = 4\n") ==
        "ghharvest.toml:3: [github] concurency: unknown key");
  CHECK(ErrorOf(std::string(kGithub) + "[storage]\npath = \"x\"\n") ==
        "ghharvest.toml:4: [storage] path: unknown key");
  CHECK(ErrorOf(std::string(kGithub) + "[reports]\ndirectory = \"x\"\n") ==
        "ghharvest.toml:4: [reports] directory: unknown key");
  CHECK(ErrorOf(std::string(kGithub) + "[schedule]\ninterval = \"1m\"\n") ==
        "ghharvest.toml:4: [schedule] interval: unknown key");
  CHECK(ErrorOf(std::string(kGithub) + "[scoring]\nk_default = 1\n") ==
        "ghharvest.toml:4: [scoring] k_default: unknown key");
  CHECK(ErrorOf(std::string(kGithub) + "[harvest]\noverlaps = \"1m\"\n") ==
        "ghharvest.toml:4: [harvest] overlaps: unknown key");
  CHECK(ErrorOf(std::string(kGithub) + "[scoring.weights]\nstars = 2\n") ==
        "ghharvest.toml:4: [scoring.weights] stars: unknown key (not a count column)");
  CHECK(ErrorOf(std::string(kGithub) + "[[writers]]\nlogin = \"a\"\nemail = \"a@b\"\n") ==
        "ghharvest.toml:5: [[writers]] #1 email: unknown key");
  CHECK(ErrorOf(std::string(kGithub) + "[[writer]]\nlogin = \"a\"\n") ==
        "ghharvest.toml:3: writer: unknown key");
  CHECK(ErrorOf(std::string("verbose = true\n") + kGithub) ==
        "ghharvest.toml:1: verbose: unknown key");
}

TEST_CASE("wrong types are errors naming the expected type") {
  CHECK(ErrorOf(std::string(kGithub) + "concurrency = \"4\"\n") ==
        "ghharvest.toml:3: [github] concurrency: must be an integer, not a string");
  CHECK(ErrorOf(std::string(kGithub) + "api_url = 1\n") ==
        "ghharvest.toml:3: [github] api_url: must be a string, not an integer");
  CHECK(ErrorOf(std::string(kGithub) + "[scoring]\ndefault_k = \"half\"\n") ==
        "ghharvest.toml:4: [scoring] default_k: must be a number, not a string");
  CHECK(ErrorOf(std::string(kGithub) + "[schedule]\npoll_interval = 900\n") ==
        "ghharvest.toml:4: [schedule] poll_interval: must be a duration string like \"15m\" or "
        "\"1h30m\", not an integer");
  CHECK(ErrorOf(std::string("github = 5\n")) ==
        "ghharvest.toml:1: github: must be a table, not an integer");
  CHECK(ErrorOf(std::string(kGithub) + "[scoring]\nk = 0.3\n") ==
        "ghharvest.toml:4: [scoring] k: must be a table, not a number");
  CHECK(ErrorOf("writers = \"alice\"\n" + std::string(kGithub)) ==
        "ghharvest.toml:1: writers: must be an array of tables ([[writers]]), not a string");
  CHECK(ErrorOf(std::string(kGithub) + "[[writers]]\nlogin = 7\n") ==
        "ghharvest.toml:4: [[writers]] #1 login: must be a string, not an integer");
  CHECK(ErrorOf(std::string(kGithub) + "[[writers]]\nlogin = \"a\"\nrepos = \"o/r\"\n") ==
        "ghharvest.toml:5: [[writers]] #1 repos: must be an array of \"owner/repo\" strings, not "
        "a string");
  CHECK(ErrorOf(std::string(kGithub) + "[[writers]]\nlogin = \"a\"\nrepos = [1]\n") ==
        "ghharvest.toml:5: [[writers]] #1 repos: entries must be strings, not an integer");
}

TEST_CASE("out-of-range numbers name the range") {
  CHECK(ErrorOf("\n\n\n\n\n\n\n\n\n\n[github]\ntoken_env = \"T\"\nconcurrency = 0\n") ==
        "ghharvest.toml:13: [github] concurrency: must be between 1 and 100");
  CHECK(ErrorOf(std::string(kGithub) + "concurrency = 101\n") ==
        "ghharvest.toml:3: [github] concurrency: must be between 1 and 100");
  CHECK(ErrorOf(std::string(kGithub) + "[harvest]\nrevalidate_pages_per_list = -1\n") ==
        "ghharvest.toml:4: [harvest] revalidate_pages_per_list: must be between 0 and 100000");
  CHECK(ErrorOf(std::string(kGithub) + "reserve = -1\n") ==
        "ghharvest.toml:3: [github] reserve: must be between 0 and 100000");
  CHECK(ErrorOf(std::string(kGithub) + "max_body_bytes = 1000\n") ==
        "ghharvest.toml:3: [github] max_body_bytes: must be between 1048576 and 1073741824");
  CHECK(ErrorOf(std::string(kGithub) + "max_body_bytes = 1073741825\n") ==
        "ghharvest.toml:3: [github] max_body_bytes: must be between 1048576 and 1073741824");
  CHECK(ErrorOf(std::string(kGithub) + "max_body_bytes = \"64MiB\"\n") ==
        "ghharvest.toml:3: [github] max_body_bytes: must be an integer, not a string");
  CHECK(ErrorOf(std::string(kGithub) + "[reports]\njsonl_max_bytes = 10\n") ==
        "ghharvest.toml:4: [reports] jsonl_max_bytes: must be between 1024 and 1099511627776");
  CHECK(ErrorOf(std::string(kGithub) + "[scoring]\ndefault_k = -0.5\n") ==
        "ghharvest.toml:4: [scoring] default_k: must be between 0 and 1000");
  CHECK(ErrorOf(std::string(kGithub) + "[scoring]\ndefault_k = nan\n") ==
        "ghharvest.toml:4: [scoring] default_k: must be between 0 and 1000");
  CHECK(ErrorOf(std::string(kGithub) + "[scoring]\nwindow_days = 0\n") ==
        "ghharvest.toml:4: [scoring] window_days: must be between 1 and 36500");
  CHECK(ErrorOf(std::string(kGithub) + "[scoring]\nhalf_life_days = 0\n") ==
        "ghharvest.toml:4: [scoring] half_life_days: must be greater than 0");
  CHECK(ErrorOf(std::string(kGithub) + "[scoring.k]\n\"o/r\" = 1e9\n") ==
        "ghharvest.toml:4: [scoring.k] \"o/r\": must be between 0 and 1000");
  CHECK(ErrorOf(std::string(kGithub) + "[schedule]\npoll_interval = \"0s\"\n") ==
        "ghharvest.toml:4: [schedule] poll_interval: must be between 1s and 30d");
  CHECK(ErrorOf(std::string(kGithub) + "[harvest]\noverlap = \"8d\"\n") ==
        "ghharvest.toml:4: [harvest] overlap: must be between 0s and 7d");
}

TEST_CASE("bad durations are errors with the rule") {
  for (std::string bad : std::vector<std::string>{"15 minutes", "15", "m", "1h1h", "30m1h", "1w",
                                                  "", "-5m", "1.5h"}) {
    CAPTURE(bad);
    CHECK(ErrorOf(std::string(kGithub) + "[schedule]\nscore_interval = \"" + bad + "\"\n") ==
          std::string("ghharvest.toml:4: [schedule] score_interval: \"") + bad +
              "\" is not a duration (use d, h, m, s: \"90s\", \"15m\", \"1h30m\")");
  }
}

TEST_CASE("durations parse in d h m s, largest unit first") {
  std::chrono::seconds d{};
  CHECK(config::ParseDuration("90s", &d));
  CHECK(d.count() == 90);
  CHECK(config::ParseDuration("15m", &d));
  CHECK(d.count() == 900);
  CHECK(config::ParseDuration("1h30m", &d));
  CHECK(d.count() == 5400);
  CHECK(config::ParseDuration("2d", &d));
  CHECK(d.count() == 172800);
  CHECK(config::ParseDuration("1d2h3m4s", &d));
  CHECK(d.count() == 93784);
  CHECK(config::ParseDuration("0s", &d));
  CHECK(d.count() == 0);
  CHECK_FALSE(config::ParseDuration("99999999999999999999d", &d));
  CHECK(config::FormatDuration(std::chrono::seconds(5400)) == "1h30m");
  CHECK(config::FormatDuration(std::chrono::seconds(93784)) == "1d2h3m4s");
  CHECK(config::FormatDuration(std::chrono::seconds(0)) == "0s");
}

TEST_CASE("bad logins are refused with their line") {
  const std::string long_login(40, 'a');
  for (std::string bad : std::vector<std::string>{"-alice", "alice-", "al--ice", "al ice", "al_ice",
                                                  "", "[bot]", "alice[bot]x", long_login}) {
    CAPTURE(bad);
    CHECK(ErrorOf(std::string(kGithub) + "[[writers]]\nlogin = \"" + bad + "\"\n") ==
          "ghharvest.toml:4: [[writers]] #1 login: \"" + bad +
              "\" is not a GitHub login (letters, digits, single hyphens inside, at most 39)");
  }
  CHECK(ErrorOf(std::string(kGithub) + "[[writers]]\nlogin = \"" + std::string(39, 'a') + "\"\n") ==
        "");
  CHECK(ErrorOf(std::string(kGithub) + "[[writers]]\nrepos = []\n") ==
        "ghharvest.toml:3: [[writers]] #1 login: missing (every writer needs a GitHub login)");
}

TEST_CASE("bad repository names are refused, in writers and in [scoring.k]") {
  for (std::string bad :
       std::vector<std::string>{"octo-org", "octo-org/", "/repo", "octo-org/..", "octo-org/.",
                                "a/b/c", "-org/repo", "org/re po", "org/re$po"}) {
    CAPTURE(bad);
    CHECK(ErrorOf(std::string(kGithub) + "[[writers]]\nlogin = \"a\"\nrepos = [\"" + bad +
                  "\"]\n") == "ghharvest.toml:5: [[writers]] #1 repos: \"" + bad +
                                  "\" is not a repository name (\"owner/repo\")");
  }
  CHECK(ErrorOf(std::string(kGithub) + "[scoring.k]\n\"octo-org\" = 0.3\n") ==
        "ghharvest.toml:4: [scoring.k] \"octo-org\": not a repository name (\"owner/repo\")");
  CHECK(ErrorOf(std::string(kGithub) + "[scoring.k]\n\"a/b\" = 1\n\"A/B\" = 2\n") ==
        "ghharvest.toml:5: [scoring.k] \"A/B\": listed twice (names compare case-insensitively)");
  CHECK(
      ErrorOf(std::string(kGithub) + "[[writers]]\nlogin = \"a\"\nrepos = [\"o/r\", \"O/R\"]\n") ==
      "ghharvest.toml:5: [[writers]] #1 repos: \"O/R\" is listed twice");
}

TEST_CASE("a writer listed twice, in any case, is an error at the second entry") {
  CHECK(ErrorOf(std::string(kGithub) +
                "[[writers]]\nlogin = \"alice\"\n\n[[writers]]\nlogin = \"Alice\"\n") ==
        "ghharvest.toml:7: [[writers]] #2 login: \"Alice\" is listed twice (logins compare "
        "case-insensitively)");
}

TEST_CASE("a missing token source is an error at the [github] table") {
  CHECK(ErrorOf("# nothing\n[github]\nconcurrency = 2\n") ==
        "ghharvest.toml:2: [github]: no token source: set token_file or token_env");
  CHECK(ErrorOf("[storage]\ndatabase = \"x.db\"\n") ==
        "ghharvest.toml: [github]: no token source: set token_file or token_env");
  CHECK(ErrorOf("[github]\ntoken_env = \"1BAD\"\n") ==
        "ghharvest.toml:2: [github] token_env: \"1BAD\" is not an environment variable name");
  CHECK(ErrorOf("[github]\ntoken_file = \"\"\n") ==
        "ghharvest.toml:2: [github] token_file: must not be empty");
}

TEST_CASE("other value checks: api_url scheme, auth_scheme one word") {
  CHECK(ErrorOf(std::string(kGithub) + "api_url = \"ftp://x\"\n") ==
        "ghharvest.toml:3: [github] api_url: must start with https:// (or http://)");
  CHECK(ErrorOf(std::string(kGithub) + "auth_scheme = \"Bearer x\"\n") ==
        "ghharvest.toml:3: [github] auth_scheme: must be one word");
}

TEST_CASE("every error of a file is reported, one per line, in file order") {
  std::string msg = ErrorOf(std::string(kGithub) + "concurrency = 0\nreserve = -2\n");
  CHECK(msg ==
        "ghharvest.toml:3: [github] concurrency: must be between 1 and 100\n"
        "ghharvest.toml:4: [github] reserve: must be between 0 and 100000");
}

TEST_CASE("the scoring fingerprint changes with scoring settings only") {
  config::Config a;
  config::Config b = a;
  CHECK(config::ScoringFingerprint(a) == config::ScoringFingerprint(b));
  CHECK(config::ScoringFingerprint(a).size() == 16);
  b.github.concurrency = 9;
  b.writers.push_back({"x", {}, 0, {}});
  CHECK(config::ScoringFingerprint(a) == config::ScoringFingerprint(b));
  b.scoring.weights["commits"] = 1.0;  // the default, spelled out
  CHECK(config::ScoringFingerprint(a) == config::ScoringFingerprint(b));
  b.scoring.weights["commits"] = 2.0;
  CHECK(config::ScoringFingerprint(a) != config::ScoringFingerprint(b));
  config::Config c = a, d = a;
  c.scoring.k["Octo/Repo"] = 0.3;
  d.scoring.k["octo/repo"] = 0.3;
  CHECK(config::ScoringFingerprint(c) == config::ScoringFingerprint(d));
  CHECK(config::ScoringFingerprint(c) != config::ScoringFingerprint(a));
  d.scoring.default_k = 0.6;
  CHECK(config::ScoringFingerprint(c) != config::ScoringFingerprint(d));
  config::Config e = a;
  e.scoring.window_days = 30;
  CHECK(config::ScoringFingerprint(e) != config::ScoringFingerprint(a));
  config::Config f = a;
  f.scoring.half_life_days = 30;
  CHECK(config::ScoringFingerprint(f) != config::ScoringFingerprint(a));
  CHECK(config::ScoringFingerprint(f) != config::ScoringFingerprint(e));
}

TEST_CASE("unset paths go to $STATE_DIRECTORY, the unit's state folder for its config, or beside") {
  ghharvest::testing::TempDir dir;
  const std::string etc = dir.file("etc-ghharvest"), state = dir.file("var-lib-ghharvest");
  const std::string home = dir.file("home");
  std::filesystem::create_directories(etc);
  std::filesystem::create_directories(home);
  const config::UnitFolders unit{etc, state};
  // Under the unit: systemd says, the first of several folders.
  CHECK(config::DefaultStateFolder(etc, "/var/lib/ghharvest", unit) == "/var/lib/ghharvest");
  CHECK(config::DefaultStateFolder(home, "/a:/b", unit) == "/a");
  // The unit's config outside the unit, before the service ever ran: beside the config.
  CHECK(config::DefaultStateFolder(etc, nullptr, unit) == etc);
  CHECK(config::DefaultStateFolder(etc, "", unit) == etc);
  std::filesystem::create_directories(state);
  // Once the service has its state folder, the CLI on the unit's config uses it too.
  CHECK(config::DefaultStateFolder(etc, nullptr, unit) == state);
  CHECK(config::DefaultStateFolder(etc + "/", nullptr, unit) == state);
  // Any other config keeps its own folder.
  CHECK(config::DefaultStateFolder(home, nullptr, unit) == home);
}

TEST_CASE("github.graphql switches GraphQL off, graphql_reserve is its bucket's reserve") {
  TempDir dir;
  auto defaults = config::LoadConfig(WriteFile(dir.file("a.toml"), kGithub));
  REQUIRE_MESSAGE(defaults.ok(), defaults.status().ToString());
  CHECK(defaults->github.graphql);
  CHECK(defaults->github.graphql_reserve == 200);
  CHECK(app::ClientOptionsFromConfig(defaults->github, "t").graphql);
  auto off = config::LoadConfig(WriteFile(
      dir.file("b.toml"), std::string(kGithub) + "graphql = false\ngraphql_reserve = 50\n"));
  REQUIRE_MESSAGE(off.ok(), off.status().ToString());
  CHECK_FALSE(off->github.graphql);
  const auto options = app::ClientOptionsFromConfig(off->github, "t");
  CHECK_FALSE(options.graphql);
  CHECK(options.graphql_reserve == 50);
  CHECK(ErrorOf(std::string(kGithub) + "graphql = \"no\"\n") ==
        "ghharvest.toml:3: [github] graphql: must be true or false, not a string");
  CHECK(ErrorOf(std::string(kGithub) + "graphql_reserve = -1\n") ==
        "ghharvest.toml:3: [github] graphql_reserve: must be between 0 and 100000");
}

TEST_CASE("blog feeds: blog_feeds per writer and [blogs] with their defaults") {
  TempDir dir;
  auto cfg = config::LoadConfig(WriteFile(dir.file("ghharvest.toml"), std::string(kGithub) + R"(
[blogs]
poll_interval = "2h"
max_feed_bytes = 2048
[[writers]]
login = "alice"
blog_feeds = ["https://alice.dev/index.xml", "HTTP://dev.to/feed/alice"]
[[writers]]
login = "bob"
)"));
  REQUIRE_OK(cfg);
  CHECK(cfg->blogs.poll_interval == std::chrono::hours(2));
  CHECK(cfg->blogs.max_feed_bytes == 2048);
  CHECK(cfg->writers[0].blog_feeds ==
        std::vector<std::string>{"https://alice.dev/index.xml", "HTTP://dev.to/feed/alice"});
  CHECK(cfg->writers[1].blog_feeds.empty());

  auto defaults = config::LoadConfig(WriteFile(dir.file("d.toml"), kGithub));
  REQUIRE_OK(defaults);
  CHECK(defaults->blogs.poll_interval == std::chrono::hours(6));
  CHECK(defaults->blogs.max_feed_bytes == 10 * 1024 * 1024);
}

TEST_CASE("blog feeds: bad URLs, types, duplicates and [blogs] ranges are errors with file:line") {
  const std::string w = std::string(kGithub) + "[[writers]]\nlogin = \"alice\"\n";
  CHECK(ErrorOf(w + "blog_feeds = \"https://a.dev/feed\"\n") ==
        "ghharvest.toml:5: [[writers]] #1 blog_feeds: must be an array of feed URLs, not a string");
  CHECK(ErrorOf(w + "blog_feeds = [1]\n") ==
        "ghharvest.toml:5: [[writers]] #1 blog_feeds: entries must be strings, not an integer");
  CHECK(ErrorOf(w + "blog_feeds = [\"ftp://a.dev/feed\"]\n") ==
        "ghharvest.toml:5: [[writers]] #1 blog_feeds: \"ftp://a.dev/feed\" is not an http:// or "
        "https:// URL");
  CHECK(ErrorOf(w + "blog_feeds = [\"https:///feed\"]\n") ==
        "ghharvest.toml:5: [[writers]] #1 blog_feeds: \"https:///feed\" has no host");
  CHECK(ErrorOf(w + "blog_feeds = [\"https://a.dev/my feed\"]\n") ==
        "ghharvest.toml:5: [[writers]] #1 blog_feeds: \"https://a.dev/my feed\" is not a URL "
        "(spaces or control characters)");
  CHECK(ErrorOf(w + "blog_feeds = [\"https://a.dev/f\",\n  \"https://a.dev/f\"]\n") ==
        "ghharvest.toml:6: [[writers]] #1 blog_feeds: \"https://a.dev/f\" is listed twice");
  CHECK(ErrorOf(std::string(kGithub) + "[blogs]\npoll_interval = \"30s\"\n") ==
        "ghharvest.toml:4: [blogs] poll_interval: must be between 1m and 30d");
  CHECK(ErrorOf(std::string(kGithub) + "[blogs]\npoll_interval = \"31d\"\n") ==
        "ghharvest.toml:4: [blogs] poll_interval: must be between 1m and 30d");
  CHECK(ErrorOf(std::string(kGithub) + "[blogs]\nmax_feed_bytes = 10\n") ==
        "ghharvest.toml:4: [blogs] max_feed_bytes: must be between 1024 and 1073741824");
  CHECK(ErrorOf(std::string(kGithub) + "[blogs]\nfeeds = 1\n") ==
        "ghharvest.toml:4: [blogs] feeds: unknown key");
  CHECK(config::FeedUrlProblem("https://[::1]:8080/feed").empty());
  CHECK(config::FeedUrlProblem("https://user@blog.example/feed").empty());
  CHECK(!config::FeedUrlProblem("https://user@/feed").empty());
}

TEST_CASE("reports.site is on by default and must be a boolean") {
  TempDir dir;
  auto defaults = config::LoadConfig(WriteFile(dir.file("a.toml"), kGithub));
  REQUIRE_MESSAGE(defaults.ok(), defaults.status().ToString());
  CHECK(defaults->reports.site);
  auto off = config::LoadConfig(
      WriteFile(dir.file("b.toml"), std::string(kGithub) + "[reports]\nsite = false\n"));
  REQUIRE_MESSAGE(off.ok(), off.status().ToString());
  CHECK_FALSE(off->reports.site);
  CHECK(ErrorOf(std::string(kGithub) + "[reports]\nsite = \"yes\"\n") ==
        "ghharvest.toml:4: [reports] site: must be true or false, not a string");
  CHECK(ErrorOf(std::string(kGithub) + "[reports]\nsite = 1\n") ==
        "ghharvest.toml:4: [reports] site: must be true or false, not an integer");
}
