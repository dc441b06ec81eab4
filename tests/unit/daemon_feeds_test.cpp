// The daemon's blog feed loop (daemon/real_actions.cpp) on a clock 600 times faster than real
// time, against blogs on loopback: feeds fetched once at start and then every [blogs]
// poll_interval (conditional requests after the first), the posts stored; cancelled, no
// request goes out any more.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <string>

#include "check_ok.hpp"
#include "fake_server.hpp"
#include "files.hpp"
#include "ghharvest/config/config.hpp"
#include "ghharvest/daemon/real_actions.hpp"
#include "ghharvest/store/database.hpp"
#include "io_loop.hpp"
#include "test_config.hpp"
#include "world/blog_feeds.hpp"

using namespace ghharvest;
using namespace ghharvest::testing;

TEST_CASE("the daemon fetches blog feeds at start and every poll_interval, until cancelled") {
  TempDir dir;
  auto blogs = std::make_shared<BlogFeeds>(
      std::map<std::string, std::vector<std::string>>{{"alice", {"octo/alpha"}}}, 3, 1767225600);
  std::string base;
  FakeServer server([&](const HttpRequest& req) {
    if (auto r = blogs->Serve(req, base)) return *r;
    HttpResponse nf;  // GitHub is not asked: no harvest runs in this test
    nf.status = 404;
    return nf;
  });
  base = server.base_url();
  const std::string feed = blogs->FeedUrls(base, "alice")[0];
  std::string text = TestConfig()
                         .Set("github", "api_url", base)
                         .Set("github", "token_env", "GHH_DAEMON_FEEDS_TOKEN")
                         .Set("storage", "database", dir.file("ghharvest.db"))
                         .Set("reports", "dir", dir.file("reports"))
                         .Set("blogs", "poll_interval", "10m")
                         .Text();
  text +=
      "[[writers]]\nlogin = \"alice\"\nrepos = [\"octo/alpha\"]\nblog_feeds = [\"" + feed + "\"]\n";
  ::setenv("GHH_DAEMON_FEEDS_TOKEN", "t", 1);
  auto cfg = config::LoadConfig(WriteFile(dir.file("ghharvest.toml"), text));
  REQUIRE_OK(cfg);

  boost::asio::io_context io;
  ScaledClock clock(600);  // 10 minutes of the daemon's time in one real second
  auto actions = daemon::MakeRealActions(*cfg, io, clock);
  REQUIRE_OK(actions);
  // The service hands the actions its "counts changed"; the first poll stores posts.
  int counts_changed = 0;
  REQUIRE(actions->watch_counts);
  actions->watch_counts([&] { ++counts_changed; });
  auto fetches = [&] { return server.stats().per_path[feed.substr(base.size())]; };
  REQUIRE(RunUntil(
      io, [&] { return fetches() >= 3; }, std::chrono::seconds(10)));
  // Said once: the later polls were 304s, nothing changed.
  CHECK(counts_changed == 1);
  // The first fetch asks in full, the later ones with the validators it got (304s).
  CHECK(server.stats().not_modified >= 2);
  {
    auto db = store::Database::Open(dir.file("ghharvest.db"));
    REQUIRE_OK(db);
    auto n = (*db)->QueryInt("SELECT SUM(blog_posts) FROM writer_project_counts");
    REQUIRE_OK(n);
    CHECK(n->value_or(0) > 0);
  }
  actions->cancel();
  const auto after_cancel = fetches();
  actions->keep_alive.reset();
  RunFor(io, std::chrono::milliseconds(2500));  // 25 daemon minutes: two more slots
  CHECK(fetches() == after_cancel);
}
