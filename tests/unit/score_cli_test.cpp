#include <doctest/doctest.h>

#include <sys/wait.h>
#include "check_ok.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include "ghharvest/cli/commands.hpp"
#include "ghharvest/report/files.hpp"
#include "score_test_db.hpp"
#include "test_config.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using ghharvest::testing::CountsDb;
using ghharvest::testing::TempDir;
using ghharvest::testing::TestConfig;

namespace {

struct Outcome {
  int code = -1;
  std::string out;
};

// Runs the real binary: `ghharvest score -c <config>`, stderr dropped.
Outcome RunScore(const std::string& config) {
  const std::string cmd = std::string(GHH_BINARY) + " score -c '" + config + "' 2>/dev/null";
  Outcome o;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
  const int status = ::pclose(p);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

std::string WriteConfig(const TempDir& tmp, const std::string& reports_dir) {
  return TestConfig()
      .Set("storage", "database", tmp.file("ghharvest.db"))
      .Set("reports", "dir", reports_dir)
      .Set("scoring.k", "octo/alpha", 0.25)
      .Writer("alice", {"octo/alpha"})
      .Write(tmp.file("ghharvest.toml"));
}

}  // namespace

TEST_CASE("ghharvest score scores the database, writes the reports and prints one line") {
  TempDir tmp;
  {
    CountsDb w(tmp.file("ghharvest.db"));
    w.User(1, "alice");
    w.Writer("alice");
    w.Repo(1, "octo/alpha");
    w.Commit(1, "a1", 1, "2026-01-02T00:00:00Z");
    w.Commit(1, "a2", 1, "2026-01-03T00:00:00Z");
  }
  const std::string config = WriteConfig(tmp, tmp.file("reports"));
  Outcome first = RunScore(config);
  CHECK(first.code == ghharvest::kExitOk);
  CHECK(first.out.rfind("run 1: 1 writers, 1 projects scored", 0) == 0);
  CHECK(first.out.find("4 files written, 1 JSONL lines") != std::string::npos);
  CHECK(std::count(first.out.begin(), first.out.end(), '\n') == 1);
  auto total = report::ReadWholeFile(tmp.file("reports/total_influences/alice.txt"));
  REQUIRE_OK(total);
  REQUIRE(total->has_value());
  CHECK(**total == "Total Influence Count: 0\nOpportunity Score: 2.5\nBest Project: octo/alpha\n");

  Outcome second = RunScore(config);
  CHECK(second.code == ghharvest::kExitOk);
  CHECK(second.out.rfind("run 2:", 0) == 0);
  CHECK(second.out.find("0 files written, 0 JSONL lines") != std::string::npos);
}

TEST_CASE("ghharvest score exits EX_CONFIG on a bad config and EX_IOERR on an unusable folder") {
  TempDir tmp;
  CHECK(RunScore(tmp.file("missing.toml")).code == ghharvest::kExitConfig);
  REQUIRE_OK(report::WriteFileIfChanged(tmp.file("a-file"), "x"));
  Outcome o = RunScore(WriteConfig(tmp, tmp.file("a-file")));
  CHECK(o.code == ghharvest::kExitIOErr);
  CHECK(o.out.empty());
}
