#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "files.hpp"
#include "ghharvest/config/config.hpp"
#include "ghharvest/config/token.hpp"
#include "log_capture.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using ghharvest::testing::TempDir;

namespace {

// Captures log lines for the scope, and keeps the environment clean between cases.
struct Env {
  Env() {
    ::unsetenv("CREDENTIALS_DIRECTORY");
    ::unsetenv("GHH_TEST_TOKEN");
  }
  ~Env() {
    ::unsetenv("CREDENTIALS_DIRECTORY");
    ::unsetenv("GHH_TEST_TOKEN");
  }
  testing::LogCapture logs;
};

// The loader warns about a token file others can read, so every file here gets its mode.
std::string WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  testing::WriteFile(path, text);
  REQUIRE(::chmod(path.c_str(), mode) == 0);
  return path;
}

}  // namespace

TEST_CASE("a token file is read with its trailing newline and spaces stripped") {
  Env env;
  TempDir dir;
  config::GithubConfig gh;
  gh.token_file = WriteFile(dir.file("tok"), "  ghp_abc123\n\n", 0600);
  auto t = config::LoadTokenWithSource(gh);
  REQUIRE_OK(t);
  CHECK(t->value == "ghp_abc123");
  CHECK(t->source == "token_file " + dir.file("tok"));
  CHECK(env.logs.Lines().empty());
}

TEST_CASE("$CREDENTIALS_DIRECTORY/github-token wins over token_file and token_env") {
  Env env;
  TempDir dir;
  WriteFile(dir.file("github-token"), "from-credentials\n", 0400);
  ::setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  ::setenv("GHH_TEST_TOKEN", "from-env", 1);
  config::GithubConfig gh;
  gh.token_file = WriteFile(dir.file("other"), "from-file", 0600);
  gh.token_env = "GHH_TEST_TOKEN";
  auto t = config::LoadToken(gh);
  REQUIRE_OK(t);
  CHECK(*t == "from-credentials");
}

TEST_CASE("without a credential file, token_file comes before token_env") {
  Env env;
  TempDir dir;
  ::setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);  // set, but no github-token in it
  ::setenv("GHH_TEST_TOKEN", "from-env", 1);
  config::GithubConfig gh;
  gh.token_file = WriteFile(dir.file("tok"), "from-file", 0600);
  gh.token_env = "GHH_TEST_TOKEN";
  auto t = config::LoadToken(gh);
  REQUIRE_OK(t);
  CHECK(*t == "from-file");
}

TEST_CASE("a missing or empty token file falls through to token_env") {
  Env env;
  TempDir dir;
  ::setenv("GHH_TEST_TOKEN", " from-env\n", 1);
  config::GithubConfig gh;
  gh.token_env = "GHH_TEST_TOKEN";
  gh.token_file = dir.file("absent");
  auto t = config::LoadTokenWithSource(gh);
  REQUIRE_OK(t);
  CHECK(t->value == "from-env");
  CHECK(t->source == "$GHH_TEST_TOKEN");
  gh.token_file = WriteFile(dir.file("empty"), "\n", 0600);
  t = config::LoadTokenWithSource(gh);
  REQUIRE_OK(t);
  CHECK(t->value == "from-env");
}

TEST_CASE("no token anywhere is NotFound and lists what was tried") {
  Env env;
  TempDir dir;
  config::GithubConfig gh;
  gh.token_file = dir.file("absent");
  gh.token_env = "GHH_TEST_TOKEN";
  auto t = config::LoadToken(gh);
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().code() == Status::Code::kNotFound);
  CHECK(t.status().message() == "no GitHub token: tried token_file " + dir.file("absent") +
                                    " (missing), $GHH_TEST_TOKEN (unset)");
  config::GithubConfig none;
  auto n = config::LoadToken(none);
  REQUIRE_FALSE(n.ok());
  CHECK(n.status().message() == "no GitHub token: tried no token_file or token_env configured");
}

TEST_CASE("a token file readable by group or others is used, with a warning without the token") {
  Env env;
  TempDir dir;
  config::GithubConfig gh;
  gh.token_file = WriteFile(dir.file("tok"), "s3cret-value\n", 0644);
  auto t = config::LoadToken(gh);
  REQUIRE_OK(t);
  CHECK(*t == "s3cret-value");
  auto lines = env.logs.Lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("readable by group or others") != std::string::npos);
  CHECK(lines[0].find("mode=644") != std::string::npos);
  CHECK(lines[0].find("s3cret") == std::string::npos);
}

TEST_CASE("a token with inner whitespace is refused, and the error never shows the token") {
  Env env;
  TempDir dir;
  config::GithubConfig gh;
  gh.token_file = WriteFile(dir.file("tok"), "s3cret part2\n", 0600);
  auto t = config::LoadToken(gh);
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().code() == Status::Code::kInvalidArgument);
  CHECK(t.status().message().find("s3cret") == std::string::npos);
  CHECK(t.status().message().find("whitespace or control characters") != std::string::npos);

  ::setenv("GHH_TEST_TOKEN", "s3cret\x01", 1);
  config::GithubConfig ge;
  ge.token_env = "GHH_TEST_TOKEN";
  auto e = config::LoadToken(ge);
  REQUIRE_FALSE(e.ok());
  CHECK(e.status().message().find("s3cret") == std::string::npos);
}

TEST_CASE("a token_file that is a directory is an error, not a silent fall-through") {
  Env env;
  TempDir dir;
  ::setenv("GHH_TEST_TOKEN", "from-env", 1);
  config::GithubConfig gh;
  gh.token_file = dir.path();
  gh.token_env = "GHH_TEST_TOKEN";
  auto t = config::LoadToken(gh);
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message() == "token_file " + dir.path() + ": not a regular file");
}

// ---- The token pool -------------------------------------------------------------------

TEST_CASE("the token pool is the token, the other github-token* credentials, then the lists") {
  Env env;
  TempDir dir;
  TempDir creds;
  WriteFile(creds.file("github-token"), "tok-main\n", 0400);
  WriteFile(creds.file("github-token-b"), "tok-cred-b\n", 0400);
  WriteFile(creds.file("github-token-a"), "tok-cred-a\n", 0400);
  WriteFile(creds.file("other-secret"), "not-a-token\n", 0400);
  ::setenv("CREDENTIALS_DIRECTORY", creds.path().c_str(), 1);
  ::setenv("GHH_TEST_TOKEN", "tok-env", 1);
  ::setenv("GHH_TEST_POOL_B", "tok-cred-a", 1);  // the same token again: counted once
  config::GithubConfig gh;
  gh.token_files = {WriteFile(dir.file("f1"), "tok-file\n", 0600)};
  gh.token_envs = {"GHH_TEST_TOKEN", "GHH_TEST_POOL_B"};
  auto pool = config::LoadTokenPool(gh);
  ::unsetenv("GHH_TEST_POOL_B");
  REQUIRE_OK(pool);
  std::vector<std::string> values, sources;
  for (const auto& t : *pool) {
    values.push_back(t.value);
    sources.push_back(t.source);
  }
  CHECK(values ==
        std::vector<std::string>{"tok-main", "tok-cred-a", "tok-cred-b", "tok-file", "tok-env"});
  CHECK(sources[1] == "$CREDENTIALS_DIRECTORY/github-token-a");
  CHECK(sources[3] == "token_files " + dir.file("f1"));
  CHECK(sources[4] == "$GHH_TEST_TOKEN");
  for (const auto& line : env.logs.Lines()) CHECK(line.find("tok-") == std::string::npos);
}

TEST_CASE("a token pool entry that is missing, empty, unset or malformed is an error naming it") {
  Env env;
  TempDir dir;
  config::GithubConfig gh;
  gh.token_env = "GHH_TEST_TOKEN";
  ::setenv("GHH_TEST_TOKEN", "tok-env", 1);

  gh.token_files = {dir.file("absent")};
  auto missing = config::LoadTokenPool(gh);
  CHECK(missing.status().code() == Status::Code::kInvalidArgument);
  CHECK(missing.status().message().find("token_files " + dir.file("absent") + " is missing") !=
        std::string::npos);

  gh.token_files = {WriteFile(dir.file("empty"), "\n", 0600)};
  CHECK(config::LoadTokenPool(gh).status().message().find("is empty") != std::string::npos);

  gh.token_files = {WriteFile(dir.file("bad"), "two words\n", 0600)};
  auto bad = config::LoadTokenPool(gh);
  CHECK(bad.status().code() == Status::Code::kInvalidArgument);
  CHECK(bad.status().message().find("whitespace") != std::string::npos);
  CHECK(bad.status().message().find("two") == std::string::npos);

  gh.token_files.clear();
  gh.token_envs = {"GHH_TEST_POOL_UNSET"};
  ::unsetenv("GHH_TEST_POOL_UNSET");
  CHECK(config::LoadTokenPool(gh).status().message().find("$GHH_TEST_POOL_UNSET is unset") !=
        std::string::npos);

  // No source at all: an empty pool (anonymous), not an error.
  config::GithubConfig none;
  ::unsetenv("GHH_TEST_TOKEN");
  auto empty = config::LoadTokenPool(none);
  REQUIRE_OK(empty);
  CHECK(empty->empty());
}

// ---- [github.app] ------------------------------------------------------------------------

TEST_CASE("the GitHub App key comes from $CREDENTIALS_DIRECTORY/github-app-key, else the file") {
  Env env;
  TempDir dir;
  TempDir creds;
  config::GithubAppConfig app{1, 2, WriteFile(dir.file("app.pem"), "FILE-KEY\n", 0600)};
  auto from_file = config::LoadAppKey(app);
  REQUIRE_OK(from_file);
  CHECK(from_file->value == "FILE-KEY\n");
  CHECK(from_file->source == "[github.app] private_key_file " + dir.file("app.pem"));
  WriteFile(creds.file("github-app-key"), "CRED-KEY\n", 0400);
  ::setenv("CREDENTIALS_DIRECTORY", creds.path().c_str(), 1);
  auto from_cred = config::LoadAppKey(app);
  REQUIRE_OK(from_cred);
  CHECK(from_cred->value == "CRED-KEY\n");
  CHECK(from_cred->source == "$CREDENTIALS_DIRECTORY/github-app-key");
  ::unsetenv("CREDENTIALS_DIRECTORY");
  app.private_key_file = dir.file("absent.pem");
  auto missing = config::LoadAppKey(app);
  CHECK(missing.status().code() == Status::Code::kInvalidArgument);
  CHECK(missing.status().message().find("absent.pem is missing") != std::string::npos);
}

TEST_CASE(
    "[github.app] needs app_id, installation_id and private_key_file, and is a token source") {
  TempDir dir;
  auto load = [&](const std::string& app) {
    testing::WriteFile(dir.file("c.toml"),
                       "[github]\napi_url = \"https://api.github.com\"\n\n"
                       "[github.app]\n" +
                           app + "\n[[writers]]\nlogin = \"alice\"\n");
    return config::LoadConfig(dir.file("c.toml"));
  };
  auto ok = load("app_id = 12\ninstallation_id = 34\nprivate_key_file = \"app.pem\"\n");
  REQUIRE_OK(ok);
  REQUIRE(ok->github.app.has_value());
  CHECK(ok->github.app->app_id == 12);
  CHECK(ok->github.app->installation_id == 34);
  CHECK(ok->github.app->private_key_file == dir.file("app.pem"));
  auto partial = load("app_id = 12\n");
  REQUIRE_FALSE(partial.ok());
  CHECK(partial.status().message().find("[github.app] installation_id: missing") !=
        std::string::npos);
  CHECK(partial.status().message().find("[github.app] private_key_file: missing") !=
        std::string::npos);
  auto bad = load("app_id = \"12\"\ninstallation_id = 0\nprivate_key_file = \"k\"\nkey = 1\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("c.toml:5: [github.app] app_id: must be an integer") !=
        std::string::npos);
  CHECK(bad.status().message().find("[github.app] installation_id: must be between 1 and") !=
        std::string::npos);
  CHECK(bad.status().message().find("[github.app] key: unknown key") != std::string::npos);
}
