// Runs the built ghharvest binary as an operator would, checking exit codes and output.
#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "files.hpp"
#include "ghharvest/store/database.hpp"
#include "run_ghharvest.hpp"
#include "test_config.hpp"
#include "test_paths.hpp"

using ghharvest::testing::Ran;
using ghharvest::testing::ReadFile;
using ghharvest::testing::RunGhharvest;
using ghharvest::testing::TempDir;
using ghharvest::testing::TestConfig;
using ghharvest::testing::WriteFile;

namespace {

bool Has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string Example() { return std::string(GHH_SOURCE_DIR) + "/examples/ghharvest.toml"; }

// alice watching one project; the database in `state/` below the file, so that a file named
// `state` makes it unwritable.
TestConfig Config() {
  return TestConfig()
      .Set("storage", "database", "state/ghharvest.db")
      .Writer("alice", {"octo-org/hello-world"});
}

// `config` as dir/ghharvest.toml.
std::string WriteConfig(const TempDir& dir, const TestConfig& config = Config()) {
  return config.Write(dir.file("ghharvest.toml"));
}

}  // namespace

TEST_CASE("--version and --help exit 0 and print to stdout") {
  Ran v = RunGhharvest("--version");
  CHECK(v.code == 0);
  CHECK(v.out == "ghharvest " GHHARVEST_VERSION "\n");
  Ran h = RunGhharvest("--help");
  CHECK(h.code == 0);
  for (std::string sub : std::vector<std::string>{"run", "sync", "score", "check-config", "status",
                                                  "import-archive", "--config", "--log-level"}) {
    CAPTURE(sub);
    CHECK(Has(h.out, sub));
  }
  CHECK(RunGhharvest("status --help").code == 0);
}

TEST_CASE("usage errors exit 64") {
  CHECK(RunGhharvest("").code == 64);
  CHECK(RunGhharvest("frobnicate").code == 64);
  CHECK(RunGhharvest("--no-such-flag status").code == 64);
  CHECK(RunGhharvest("--log-level loud status").code == 64);
  CHECK(RunGhharvest("import-archive").code == 64);  // needs FILE...
  Ran sync = RunGhharvest("sync -c '" + Example() + "'");
  CHECK(sync.code == 64);
  CHECK(Has(sync.err, "--once"));
}

TEST_CASE("check-config accepts the example and summarizes it, never printing the token") {
  Ran r = RunGhharvest("check-config -c '" + Example() + "'", "GITHUB_TOKEN=ghp_secret_for_test");
  CHECK(r.code == 0);
  CHECK(Has(r.out, "(ok)"));
  CHECK(Has(r.out, "token:     found ($GITHUB_TOKEN)"));
  CHECK(Has(r.out, "database:  /var/lib/ghharvest/ghharvest.db"));
  CHECK(Has(r.out, "alice: octo-org/hello-world"));
  CHECK_FALSE(Has(r.out + r.err, "ghp_secret_for_test"));
  // The global option also works before the subcommand; a missing token is reported, not fatal.
  Ran n = RunGhharvest("-c '" + Example() + "' check-config", "-u GITHUB_TOKEN");
  CHECK(n.code == 0);
  CHECK(Has(n.out, "token:     not found: no GitHub token: tried $GITHUB_TOKEN (unset)"));
}

TEST_CASE("a bad config exits 78 with file:line and key on stderr") {
  TempDir dir;
  TestConfig bad = Config().Set("schedule", "poll_interval", "soon");
  std::string path = WriteConfig(dir, bad);
  const std::string at = path + ":" + std::to_string(bad.LineOf("schedule", "poll_interval"));
  for (std::string sub : std::vector<std::string>{"check-config", "status"}) {
    CAPTURE(sub);
    Ran r = RunGhharvest(std::string(sub) + " -c '" + path + "'");
    CHECK(r.code == 78);
    CHECK(Has(r.err, at + ": [schedule] poll_interval: \"soon\" is not a duration"));
  }
  // Every subcommand reads the config first and refuses to start on a bad one.
  for (std::string sub :
       std::vector<std::string>{"run", "sync --once", "score", "import-archive x.json.gz"}) {
    CAPTURE(sub);
    CHECK(RunGhharvest(std::string(sub) + " -c '" + path + "'").code == 78);
  }
  Ran missing = RunGhharvest("check-config -c '" + dir.file("absent.toml") + "'");
  CHECK(missing.code == 78);
  CHECK(Has(missing.err, "absent.toml: cannot read config: no such file"));
}

TEST_CASE("under journald every line of a config error has the error priority, elsewhere none") {
  TempDir dir;
  TestConfig bad =
      Config().Set("schedule", "poll_interval", "soon").Set("schedule", "score_interval", "later");
  std::string path = WriteConfig(dir, bad);
  const std::string err = dir.file("stderr");
  WriteFile(err, "");
  struct stat st {};
  REQUIRE(::stat(err.c_str(), &st) == 0);
  const std::string journal = std::to_string(static_cast<unsigned long long>(st.st_dev)) + ":" +
                              std::to_string(static_cast<unsigned long long>(st.st_ino));
  auto run = [&](const std::string& env) {
    WriteFile(err, "");
    std::string cmd = "env " + env + " '" + std::string(GHH_BINARY) + "' check-config -c '" + path +
                      "' >/dev/null 2>>'" + err + "' </dev/null";
    int status = std::system(cmd.c_str());
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 78);
    return ReadFile(err);
  };
  // As the journal sees it: systemd names the stream in $JOURNAL_STREAM.
  std::string text = run("JOURNAL_STREAM=" + journal);
  CAPTURE(text);
  int lines = 0;
  for (std::size_t pos = 0; pos < text.size(); pos = text.find('\n', pos) + 1, ++lines) {
    CHECK(text.compare(pos, 3, "<3>") == 0);
  }
  CHECK(lines == 3);  // two errors and the summary, each its own journal entry
  CHECK(Has(text, "<3>" + path + ":"));
  CHECK(Has(text, "<3>ghharvest: the configuration has errors\n"));
  // On a terminal, in a file, or a stream that is not the one named: plain text.
  for (const std::string& env :
       {std::string("-u JOURNAL_STREAM"), std::string("JOURNAL_STREAM=1:2")}) {
    CAPTURE(env);
    std::string plain = run(env);
    CHECK(plain.find('<') == std::string::npos);
    CHECK(Has(plain, "poll_interval: \"soon\" is not a duration"));
    CHECK(Has(plain, "score_interval: \"later\" is not a duration"));
  }
}

TEST_CASE("the default config path follows $CONFIGURATION_DIRECTORY") {
  TempDir dir;
  WriteConfig(dir);
  Ran r = RunGhharvest("check-config", "CONFIGURATION_DIRECTORY='" + dir.path() + "'");
  CHECK(r.code == 0);
  CHECK(Has(r.out, dir.file("ghharvest.toml")));
}

TEST_CASE("status on a missing database creates nothing and shows what is watched") {
  TempDir dir;
  std::string path = WriteConfig(dir);
  Ran r = RunGhharvest("status -c '" + path + "'");
  CHECK(r.code == 0);
  CHECK(Has(r.out, "database: " + dir.file("state/ghharvest.db") + " (not created yet"));
  CHECK(Has(r.out, "alice (not yet synced; repos configured)"));
  CHECK(Has(r.out, "watermarks:\n  none yet"));
  CHECK(Has(r.out, "rate limit:\n  not recorded yet"));
  CHECK(Has(r.out, "last errors (newest first):\n  none"));
  // Neither the database nor its folder: a status run as root must leave no file behind.
  CHECK_FALSE(std::filesystem::exists(dir.file("state")));
}

TEST_CASE("status only reads: the database stays byte for byte, an old schema is not migrated") {
  TempDir dir;
  std::string path = WriteConfig(dir);
  std::string db = dir.file("state/ghharvest.db");
  {
    auto opened = ghharvest::store::Database::Open(db);
    REQUIRE_OK(opened);
    // As a database of an older ghharvest would say (its tables are today's, so it reads).
    REQUIRE_OK((*opened)->Exec("PRAGMA user_version = 6"));
    REQUIRE_OK((*opened)->Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  }
  const std::string before = ReadFile(db);
  Ran r = RunGhharvest("status -c '" + path + "'");
  CHECK(r.code == 0);
  CHECK(Has(r.out, "(schema version 6; the daemon or the next sync migrates it to "));
  CHECK(ReadFile(db) == before);
}

TEST_CASE("status shows watches, watermarks, the rate-limit budget and the last errors") {
  TempDir dir;
  std::string path = WriteConfig(dir);
  std::string db = dir.file("state/ghharvest.db");
  REQUIRE_OK(ghharvest::store::Database::Open(db));  // the schema, as a first sync makes it
  std::string sql =
      "INSERT INTO writers(login, user_id) VALUES ('alice', 583231);"
      "INSERT INTO watches(writer, repo_name, source, status, gone_at) VALUES "
      " ('alice', 'octo-org/hello-world', 'config', 'active', NULL),"
      " ('alice', 'octo-org/old', 'search', 'gone', '2026-01-02T00:00:00Z');"
      "INSERT INTO sync_state(endpoint, scope, watermark) VALUES "
      " ('issues', 'octo-org/hello-world', '2026-01-03T00:00:00Z');"
      "INSERT INTO rate_limits(resource, quota, remaining, reset_at) VALUES "
      " ('core', 5000, 4200, '2026-01-03T01:00:00Z');"
      "INSERT INTO sync_errors(scope, url, message) VALUES ('octo-org/old', "
      " 'https://api.github.com/repos/octo-org/old', 'HTTP 404');";
  {
    auto opened = ghharvest::store::Database::Open(db);
    REQUIRE_OK(opened);
    REQUIRE_OK((*opened)->Exec(sql));
  }
  Ran r = RunGhharvest("status -c '" + path + "'");
  CHECK(r.code == 0);
  CHECK(Has(r.out, "alice (GitHub id 583231; repos configured)"));
  CHECK(Has(r.out, "octo-org/hello-world"));
  CHECK(Has(r.out, "gone    search     since"));
  CHECK(Has(r.out, "gone at 2026-01-02T00:00:00Z"));
  CHECK(Has(r.out, "issues           octo-org/hello-world"));
  CHECK(Has(r.out, "2026-01-03T00:00:00Z (updated"));
  CHECK(Has(r.out, "core: 4200/5000 remaining (resets 2026-01-03T01:00:00Z"));
  CHECK(Has(r.out, "octo-org/old https://api.github.com/repos/octo-org/old: HTTP 404"));
}

TEST_CASE("status refuses a database written by a newer ghharvest with exit 65, untouched") {
  TempDir dir;
  std::string path = WriteConfig(dir);
  std::string db = dir.file("state/ghharvest.db");
  {
    auto opened = ghharvest::store::Database::Open(db);
    REQUIRE_OK(opened);
    REQUIRE_OK((*opened)->Exec("PRAGMA user_version = 9999"));
  }
  std::string before = ReadFile(db);
  Ran r = RunGhharvest("status -c '" + path + "'");
  CHECK(r.code == 65);
  CHECK(Has(r.err, "schema version 9999 is newer than this ghharvest knows"));
  CHECK(ReadFile(db) == before);
}

TEST_CASE("status on an unwritable database path exits 74") {
  TempDir dir;
  std::string path = WriteConfig(dir);
  std::ofstream(dir.file("state")) << "a file where the folder should be";
  Ran r = RunGhharvest("status -c '" + path + "'");
  CHECK(r.code == 74);
  CHECK(Has(r.err, "ghharvest.db"));
}

TEST_CASE("root in a state folder the service owns is refused with 77, unless --ignore-owner") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root to give the state folder to another user");
    return;
  }
  TempDir dir;
  std::string path = WriteConfig(dir);
  const std::string state = dir.file("state");
  REQUIRE_OK(ghharvest::store::Database::Open(state + "/ghharvest.db"));
  // As systemd's DynamicUser= leaves it: the folder and its files belong to the service.
  const std::string own = "chown -R 65534:65534 '" + state + "'";
  REQUIRE(std::system(own.c_str()) == 0);
  for (std::string sub : {"score", "status", "sync --once", "import-archive x.json.gz"}) {
    CAPTURE(sub);
    Ran r = RunGhharvest(sub + " -c '" + path + "'");
    CHECK(r.code == 77);
    CHECK(Has(r.err, state + " belongs to uid 65534, not to root"));
    CHECK(Has(r.err, "systemd-run --pty --wait -p DynamicUser=yes"));
  }
  // Nothing root-owned appeared.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(state)) {
    struct stat st {};
    REQUIRE(::stat(entry.path().c_str(), &st) == 0);
    CHECK_MESSAGE(st.st_uid == 65534, entry.path().string());
  }
  Ran forced = RunGhharvest("--ignore-owner status -c '" + path + "'");
  CHECK(forced.code == 0);
  CHECK(Has(forced.out, "database: " + state + "/ghharvest.db (schema version"));
  // check-config reads only the config: always allowed.
  CHECK(RunGhharvest("check-config -c '" + path + "'").code == 0);
}
