// `ghharvest import-archive` as an operator runs it: the built binary, a config, .json.gz files.
#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <string>

#include "files.hpp"
#include "ghharvest/store/database.hpp"
#include "run_ghharvest.hpp"
#include "test_config.hpp"
#include "test_paths.hpp"

using ghharvest::testing::Ran;
using ghharvest::testing::RunGhharvest;
using ghharvest::testing::TempDir;
using ghharvest::testing::TestConfig;
using ghharvest::testing::WriteGz;

namespace {

bool Has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string PullEvent(int number, bool merged, const std::string& actor = "alice",
                      const std::string& repo = "\"id\":77,\"name\":\"octo-org/hello-world\"") {
  return "{\"id\":\"" + std::to_string(number) +
         "\",\"type\":\"PullRequestEvent\",\"actor\":{\"id\":1,\"login\":\"" + actor +
         "\"},\"repo\":{" + repo + "},\"payload\":{\"action\":\"" + (merged ? "closed" : "opened") +
         "\",\"number\":" + std::to_string(number) +
         ",\"pull_request\":{\"id\":" + std::to_string(9000 + number) +
         ",\"number\":" + std::to_string(number) +
         ",\"user\":{\"id\":1,\"login\":\"alice\"},\"state\":\"" + (merged ? "closed" : "open") +
         "\",\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-0" +
         (merged ? "2" : "1") +
         "T00:00:00Z\",\"merged_at\":" + (merged ? "\"2024-01-02T00:00:00Z\"" : "null") +
         "}},\"created_at\":\"2024-01-01T00:00:00Z\"}\n";
}

std::int64_t Int(const std::string& db_path, const std::string& sql) {
  auto db = ghharvest::store::Database::Open(db_path);
  REQUIRE_OK(db);
  auto v = (*db)->QueryInt(sql);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  REQUIRE(v->has_value());
  return **v;
}

}  // namespace

TEST_CASE("import-archive stores the PRs of an hour, lists bad lines and exits 0") {
  TempDir dir;
  std::string cfg = TestConfig()
                        .Set("storage", "database", "state/ghharvest.db")
                        .Writer("Alice", {"octo-org/hello-world"})
                        .Write(dir.file("ghharvest.toml"));
  WriteGz(dir.file("h0.json.gz"), PullEvent(1, false) + "{oops\n" + PullEvent(2, false));
  // Someone else, in a project nobody watches: not stored.
  std::string elsewhere = PullEvent(3, false, "zed", "\"id\":88,\"name\":\"other/elsewhere\"");
  WriteGz(dir.file("h1.json.gz"), PullEvent(1, true) + elsewhere);

  Ran r = RunGhharvest("import-archive -c '" + cfg + "' '" + dir.file("h0.json.gz") + "' '" +
                       dir.file("h1.json.gz") + "'");
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK_MESSAGE(Has(r.err, dir.file("h0.json.gz") + ":2:"), r.err);
  CHECK_MESSAGE(Has(r.out,
                    "2 files (0 failed), 5 lines, 4 events, 1 bad lines skipped, 1 events "
                    "outside the watched writers and projects"),
                r.out);
  std::string db = dir.file("state/ghharvest.db");
  CHECK(Int(db, "SELECT prs_opened FROM writer_project_counts WHERE writer = 'alice'") == 2);
  CHECK(Int(db, "SELECT prs_merged FROM writer_project_counts WHERE writer = 'alice'") == 1);
  CHECK(Int(db, "SELECT count(*) FROM issues WHERE repo_id = 88") == 0);
}

TEST_CASE("import-archive exits 74 for an unreadable file but still imports the others") {
  TempDir dir;
  std::string cfg = TestConfig()
                        .Set("storage", "database", "state/ghharvest.db")
                        .Writer("alice")
                        .Write(dir.file("ghharvest.toml"));
  WriteGz(dir.file("ok.json.gz"), PullEvent(5, false));
  Ran r = RunGhharvest("import-archive -c '" + cfg + "' '" + dir.file("absent.json.gz") + "' '" +
                       dir.file("ok.json.gz") + "'");
  CHECK(r.code == 74);
  CHECK_MESSAGE(Has(r.err, "absent.json.gz: cannot open"), r.err);
  CHECK(Int(dir.file("state/ghharvest.db"), "SELECT count(*) FROM issues") == 1);
}

TEST_CASE("import-archive --jobs 2 gives what one job gives, with no progress line off a tty") {
  TempDir dir;
  std::string cfg = TestConfig()
                        .Set("storage", "database", "state/ghharvest.db")
                        .Writer("Alice", {"octo-org/hello-world"})
                        .Write(dir.file("ghharvest.toml"));
  std::string all;
  for (int f = 0; f < 3; ++f) {
    std::string text;
    for (int n = 1; n <= 50; ++n) text += PullEvent(f * 100 + n, n % 3 == 0);
    text += "{oops\n";
    WriteGz(dir.file("h" + std::to_string(f) + ".json.gz"), text);
    all += " '" + dir.file("h" + std::to_string(f) + ".json.gz") + "'";
  }
  Ran one = RunGhharvest("import-archive -c '" + cfg + "'" + all);
  CHECK_MESSAGE(one.code == 0, one.err);
  std::string db = dir.file("state/ghharvest.db");
  const std::int64_t prs = Int(db, "SELECT prs_opened FROM writer_project_counts");
  CHECK(prs == 150);
  Ran two = RunGhharvest("import-archive -c '" + cfg + "' --jobs 2" + all);
  CHECK_MESSAGE(two.code == 0, two.err);
  CHECK(two.out == one.out);  // the same summary: same lines, events, bad lines, stored rows
  CHECK(Int(db, "SELECT prs_opened FROM writer_project_counts") == prs);
  // stderr is a pipe here: warnings, but never the redrawn progress line.
  CHECK_FALSE(Has(two.err, "\r"));
  CHECK_FALSE(Has(two.err, "events/s"));
  CHECK(Has(two.err, "h2.json.gz:51:"));

  Ran zero = RunGhharvest("import-archive -c '" + cfg + "' --jobs 0" + all);
  CHECK(zero.code == 64);
}
