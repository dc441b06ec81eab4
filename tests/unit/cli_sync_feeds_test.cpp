// `ghharvest sync --once` and `ghharvest status` with blog feeds, as processes, against the
// synthetic GitHub and its blogs on loopback: the posts counted as the blogs' truth says, a
// broken feed recorded without changing the exit status, a second sync all 304s, no token to
// a feed host.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "check_ok.hpp"
#include "fake_server.hpp"
#include "files.hpp"
#include "ghharvest/store/database.hpp"
#include "ghharvest/util/names.hpp"
#include "run_ghharvest.hpp"
#include "test_config.hpp"
#include "world/blog_feeds.hpp"
#include "world/github_handler.hpp"
#include "world/world.hpp"

using namespace ghharvest;
using namespace ghharvest::testing;

namespace {

std::vector<std::string> BlogRows(const std::string& db_path) {
  auto db = store::Database::Open(db_path);
  REQUIRE_OK(db);
  auto st = (*db)->Prepare(
      "SELECT lower(writer), lower(project), blog_posts FROM writer_project_counts "
      "WHERE blog_posts > 0 ORDER BY 1, 2");
  REQUIRE_OK(st);
  store::StatementGuard g(**st);
  std::vector<std::string> out;
  while (g->Step()) out.push_back(g->Text(0) + " " + g->Text(1) + " " + g->Text(2));
  return out;
}

}  // namespace

TEST_CASE("sync --once fetches the blog feeds beside the harvest, status shows each feed") {
  TempDir dir;
  WorldSpec spec;
  spec.seed = 5;
  spec.writers = 2;
  spec.projects = 3;
  spec.items = 200;
  auto world = std::make_shared<World>(spec);
  auto base = std::make_shared<std::string>();
  GitHubHandler github(world, [base] { return *base; });
  auto blogs = std::make_shared<BlogFeeds>(world->WriterProjects(), spec.seed,
                                           static_cast<std::int64_t>(spec.now));
  FakeServer server([&](const HttpRequest& req) {
    if (auto r = blogs->Serve(req, *base)) return *r;
    return github(req);
  });
  *base = server.base_url();

  const std::string db_path = dir.file("ghharvest.db");
  TestConfig c;
  c.Set("github", "api_url", server.base_url())
      .Set("github", "token_env", "GHH_FEEDS_TOKEN")
      .Set("storage", "database", db_path)
      .Set("reports", "dir", dir.file("reports"));
  std::string text = c.Text();
  std::vector<std::string> truth_rows;
  std::vector<CountsRow> truth;
  for (const auto& [login, repos] : world->WriterProjects()) {
    std::string list, feeds;
    for (const auto& r : repos) {
      list += (list.empty() ? "\"" : ", \"") + r + "\"";
      truth.push_back({login, r});
    }
    for (const auto& url : blogs->FeedUrls(server.base_url(), login)) {
      feeds += (feeds.empty() ? "\"" : ", \"") + url + "\"";
    }
    text += "[[writers]]\nlogin = \"" + login + "\"\nrepos = [" + list + "]\n";
    text += "blog_feeds = [" + feeds + ", \"" + server.base_url() + "/blogs/_gone\"]\n";
  }
  blogs->AddTruth(&truth);
  for (const auto& row : truth) {
    if (row.blog_posts > 0) {
      truth_rows.push_back(AsciiLower(row.writer) + " " + AsciiLower(row.project) + " " +
                           std::to_string(row.blog_posts));
    }
  }
  std::sort(truth_rows.begin(), truth_rows.end());
  REQUIRE_FALSE(truth_rows.empty());
  const std::string config = WriteFile(dir.file("ghharvest.toml"), text);

  const Ran first = RunGhharvest("sync --once -c '" + config + "'", "GHH_FEEDS_TOKEN=sekrit");
  const std::string first_output = first.out + first.err;
  INFO(first_output);
  CHECK(first.code == 0);  // the gone feed is recorded, not fatal
  CHECK(first.out.find("feeds: 8 feeds, 8 requests, 6 fetched, 0 not modified (304), 2 failed") !=
        std::string::npos);
  CHECK(BlogRows(db_path) == truth_rows);
  {
    auto db = store::Database::Open(db_path);
    REQUIRE_OK(db);
    auto n = (*db)->QueryInt(
        "SELECT COUNT(*) FROM sync_errors WHERE url LIKE '%/blogs/_gone' AND "
        "message = 'HTTP 410: the feed is gone'");
    REQUIRE_OK(n);
    CHECK(n->value_or(0) == 2);
  }
  for (const auto& e : server.log()) {
    if (e.target.rfind("/blogs/", 0) == 0) CHECK(e.headers.count("authorization") == 0);
  }

  const Ran status = RunGhharvest("status -c '" + config + "'");
  CHECK(status.code == 0);
  CHECK(status.out.find("blog feeds:") != std::string::npos);
  CHECK(status.out.find("/rss.xml: ") != std::string::npos);
  CHECK(status.out.find(" posts (RSS); last fetch ") != std::string::npos);
  CHECK(status.out.find("/blogs/_gone: 0 posts; last fetch ") != std::string::npos);
  CHECK(status.out.find(": HTTP 410: the feed is gone") != std::string::npos);

  server.reset_stats();
  const Ran second = RunGhharvest("sync --once -c '" + config + "'", "GHH_FEEDS_TOKEN=sekrit");
  CHECK(second.code == 0);
  CHECK(second.out.find("6 not modified (304), 2 failed; 0 new posts, 0 changed") !=
        std::string::npos);
  CHECK(BlogRows(db_path) == truth_rows);
  int conditional = 0;
  for (const auto& e : server.log()) {
    if (e.target.rfind("/blogs/", 0) == 0 && e.headers.count("if-none-match")) ++conditional;
  }
  CHECK(conditional == 6);
}
