// The feed poller over the real transport (libcurl on Asio) against the synthetic world's
// blogs on 127.0.0.1: gzip, validators and 304s as a server sends them, a redirect loop, a
// body over max_feed_bytes, a 410, an HTML page and malformed XML, each recorded with its URL
// while the good feeds of the same poll are stored; no header names a token.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "check_ok.hpp"
#include "fake_server.hpp"
#include "ghharvest/app/adapters.hpp"
#include "ghharvest/feeds/poller.hpp"
#include "ghharvest/store/database.hpp"
#include "io_loop.hpp"
#include "manual_clock.hpp"
#include "world/blog_feeds.hpp"

using namespace ghharvest;
using namespace ghharvest::testing;

namespace {

std::int64_t Scalar(store::Database& db, const std::string& sql) {
  auto v = db.QueryInt(sql);
  REQUIRE_OK(v);
  return v->value_or(-1);
}

}  // namespace

TEST_CASE("feeds over libcurl: gzip and 304s, and every failure next to good feeds") {
  auto blogs = std::make_shared<BlogFeeds>(
      std::map<std::string, std::vector<std::string>>{{"alice", {"octo/alpha", "octo/beta"}}}, 7,
      1767225600);
  std::string base;
  FakeServer server([&](const HttpRequest& req) {
    auto r = blogs->Serve(req, base);
    if (r) return *r;
    HttpResponse nf;
    nf.status = 404;
    return nf;
  });
  base = server.base_url();

  auto opened = store::Database::Open(":memory:");
  REQUIRE_OK(opened);
  auto db = std::move(opened).value();
  REQUIRE_OK(db->Exec("INSERT INTO writers(login) VALUES ('alice')"));
  app::DatabaseFeedStore feed_store(*db);
  boost::asio::io_context io;
  ManualClock clock("2026-01-01T00:00:00Z");
  feeds::PollerOptions options;
  options.max_feed_bytes = 1 << 20;
  options.backoff = std::chrono::milliseconds(1);
  feeds::Poller poller(io, clock, feed_store, options);

  std::vector<feeds::FeedSource> sources;
  for (const std::string& url : blogs->FeedUrls(base, "alice")) sources.push_back({"alice", url});
  const std::vector<std::pair<std::string, std::string>> bad = {
      {base + "/blogs/_broken.xml", "malformed XML: line 1"},
      {base + "/blogs/_page", "an HTML page, not a feed"},
      {base + "/blogs/_gone", "HTTP 410: the feed is gone"},
      {base + "/blogs/_loop", "too many redirects (more than 5)"},
      {base + "/blogs/_huge.xml", "the feed is larger than [blogs] max_feed_bytes (1048576 bytes)"},
      {base + "/blogs/nobody/rss.xml", "HTTP 404"},
  };
  for (const auto& [url, message] : bad) sources.push_back({"alice", url});

  auto poll = [&] {
    std::optional<Status> result;
    feeds::PollStats stats;
    poller.PollAll(sources, [&](Status s, feeds::PollStats st) {
      result = std::move(s);
      stats = st;
    });
    REQUIRE(RunUntil(io, [&] { return result.has_value(); }));
    CHECK(result->code() == Status::Code::kUnavailable);
    return stats;
  };

  const feeds::PollStats first = poll();
  CHECK(first.fetched == 3);
  CHECK(first.failed == static_cast<int>(bad.size()));
  CHECK(first.posts_changed == 0);
  for (const auto& entry : bad) {
    // Copies, not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.
    const std::string url = entry.first;
    const std::string message = entry.second;
    CAPTURE(url);
    auto got = db->QueryText("SELECT message FROM sync_errors WHERE url = ?1", url);
    REQUIRE_OK(got);
    REQUIRE(got->has_value());
    CHECK_MESSAGE(got->value().find(message) != std::string::npos, got->value());
  }
  const std::int64_t counted =
      Scalar(*db, "SELECT SUM(blog_posts) FROM writer_project_counts WHERE writer = 'alice'");
  CHECK(counted > 0);
  std::vector<CountsRow> truth = {{"alice", "octo/alpha"}, {"alice", "octo/beta"}};
  blogs->AddTruth(&truth);
  CHECK(counted == truth[0].blog_posts + truth[1].blog_posts);
  bool gzipped = false;
  for (const auto& e : server.log()) {
    CHECK(e.headers.count("authorization") == 0);
    gzipped = gzipped || e.gzip;
  }
  CHECK(gzipped);

  // Again: the three good feeds answer 304 to their validators; nothing changes.
  server.reset_stats();
  const std::string posts_before = [&] {
    auto t =
        db->QueryText("SELECT group_concat(id || title || link, ',') FROM posts WHERE ?1 = ''", "");
    REQUIRE_OK(t);
    return t->value_or("");
  }();
  const feeds::PollStats second = poll();
  CHECK(second.not_modified == 3);
  CHECK(second.posts_added == 0);
  CHECK(server.stats().not_modified == 3);
  int conditional = 0;
  for (const auto& e : server.log()) {
    conditional += e.headers.count("if-none-match") && e.headers.count("if-modified-since");
  }
  CHECK(conditional == 3);
  CHECK(Scalar(*db, "SELECT SUM(blog_posts) FROM writer_project_counts") == counted);
  auto posts_after =
      db->QueryText("SELECT group_concat(id || title || link, ',') FROM posts WHERE ?1 = ''", "");
  REQUIRE_OK(posts_after);
  CHECK(posts_after->value_or("") == posts_before);
}
