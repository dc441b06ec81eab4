// The feed poller over a scripted transport and a real database (the app's adapter): what
// it sends (validators, never a token), what a re-poll of unchanged feeds does, retries, and
// every failure recorded with the feed's URL while the stored posts and the other feeds stay.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "check_ok.hpp"
#include "db_rows.hpp"
#include "files.hpp"
#include "ghharvest/app/adapters.hpp"
#include "ghharvest/feeds/poller.hpp"
#include "ghharvest/store/database.hpp"
#include "io_loop.hpp"
#include "log_capture.hpp"
#include "manual_clock.hpp"
#include "scripted_transport.hpp"

using namespace ghharvest;
using testing::Reply;
using testing::ScriptedTransport;
using testing::TransportError;

namespace {

const std::string kHugo = "https://alice.example/posts/index.xml";
const std::string kDevto = "https://dev.to/feed/erin";

std::string Fixture(const std::string& name) { return testing::ReadFixture("feeds/" + name); }

struct World {
  World() {
    auto opened = store::Database::Open(":memory:");
    REQUIRE_OK(opened);
    db = std::move(opened).value();
    REQUIRE_OK(db->Exec("INSERT INTO writers(login) VALUES ('alice'), ('erin')"));
    store = std::make_unique<app::DatabaseFeedStore>(*db);
  }

  // One poll of `feeds` over `script`; the poll's status.
  Status Poll(testing::TransportScript script, std::vector<feeds::FeedSource> feeds,
              feeds::PollerOptions options = Options()) {
    transport = std::make_unique<ScriptedTransport>(io, clock, std::move(script));
    feeds::Poller poller(io, clock, *transport, *store, options);
    std::optional<Status> result;
    poller.PollAll(std::move(feeds), [&](Status s, feeds::PollStats st) {
      result = std::move(s);
      stats = st;
    });
    REQUIRE(testing::RunUntil(io, [&] { return result.has_value(); }));
    return *result;
  }

  static feeds::PollerOptions Options() {
    feeds::PollerOptions o;
    o.backoff = std::chrono::milliseconds(1);
    o.max_retries = 2;
    o.user_agent = "ghharvest/test";
    return o;
  }

  std::vector<std::string> Rows(const std::string& sql) { return testing::RowsAsText(*db, sql); }
  std::vector<std::string> Counts() {
    return Rows(
        "SELECT writer, project, blog_posts FROM writer_project_counts ORDER BY writer, project");
  }
  std::vector<std::string> Errors() {
    return Rows("SELECT scope, url, message FROM sync_errors ORDER BY id");
  }

  boost::asio::io_context io;
  testing::ManualClock clock{"2026-01-20T00:00:00Z"};
  std::unique_ptr<store::Database> db;
  std::unique_ptr<app::DatabaseFeedStore> store;
  std::unique_ptr<ScriptedTransport> transport;
  feeds::PollStats stats;
};

http::HttpResult Feed(const std::string& body, http::Headers headers = {}) {
  return Reply(200, body, std::move(headers));
}

}  // namespace

TEST_CASE("a first poll stores the posts, a re-poll sends the validators and changes nothing") {
  World w;
  auto first = [&](const http::HttpGet& get, int) -> std::optional<http::HttpResult> {
    if (get.url == kHugo) {
      return Feed(Fixture("hugo_rss.xml"),
                  {{"etag", "W/\"h1\""}, {"last-modified", "Tue, 09 Jan 2024 09:00:00 GMT"}});
    }
    return Feed(Fixture("devto_rss.xml"), {{"last-modified", "Fri, 12 Jan 2024 09:15:42 GMT"}});
  };
  REQUIRE_OK(w.Poll(first, {{"alice", kHugo}, {"erin", kDevto}}));
  CHECK(w.stats.fetched == 2);
  CHECK(w.stats.posts_added == 3);
  const auto counts = w.Counts();
  CHECK(counts ==
        std::vector<std::string>{"alice | octo-org/hello-world | 1", "erin | octo/epsilon | 1"});
  for (const auto& sent : w.transport->sent) {
    CHECK_FALSE(sent.HasHeader("Authorization"));
    CHECK(sent.Has("User-Agent: ghharvest/test"));
    CHECK_FALSE(sent.HasHeader("If-None-Match"));
    CHECK_FALSE(sent.HasHeader("If-Modified-Since"));
    CHECK(sent.get.max_body_bytes == w.Options().max_feed_bytes);
    CHECK(sent.get.max_redirects == 5);
    CHECK(sent.get.connect_timeout == w.Options().connect_timeout);
    CHECK(sent.get.stall_timeout == w.Options().stall_timeout);
    CHECK(
        sent.Has("Accept: application/atom+xml, application/rss+xml, application/feed+json, "
                 "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"));
  }

  w.clock.Advance(std::chrono::hours(6));
  auto unchanged = [](const http::HttpGet&, int) -> std::optional<http::HttpResult> {
    return Reply(304, "");
  };
  const auto posts_before = w.Rows("SELECT * FROM posts ORDER BY id");
  REQUIRE_OK(w.Poll(unchanged, {{"alice", kHugo}, {"erin", kDevto}}));
  CHECK(w.stats.not_modified == 2);
  REQUIRE(w.transport->sent.size() == 2);
  CHECK(w.transport->sent[0].Has("If-None-Match: W/\"h1\""));
  CHECK(w.transport->sent[0].Has("If-Modified-Since: Tue, 09 Jan 2024 09:00:00 GMT"));
  CHECK_FALSE(w.transport->sent[1].HasHeader("If-None-Match"));
  CHECK(w.transport->sent[1].Has("If-Modified-Since: Fri, 12 Jan 2024 09:15:42 GMT"));
  CHECK(w.Counts() == counts);
  CHECK(w.Rows("SELECT * FROM posts ORDER BY id") == posts_before);

  // A server that ignores validators and sends the same bytes: still nothing changes.
  REQUIRE_OK(w.Poll(first, {{"alice", kHugo}, {"erin", kDevto}}));
  CHECK(w.stats.posts_added == 0);
  CHECK(w.stats.posts_changed == 0);
  CHECK(w.Rows("SELECT * FROM posts ORDER BY id") == posts_before);
  CHECK(w.Errors().empty());
}

TEST_CASE("every failure is recorded with the feed's URL, stored posts and other feeds stay") {
  World w;
  auto good = [&](const http::HttpGet&, int) -> std::optional<http::HttpResult> {
    return Feed(Fixture("hugo_rss.xml"), {{"etag", "\"h1\""}});
  };
  REQUIRE_OK(w.Poll(good, {{"alice", kHugo}}));
  const auto counts = w.Counts();
  REQUIRE(counts.size() == 1);

  struct Case {
    std::string name;
    http::HttpResult answer;
    std::string message;
  };
  http::HttpResult too_big = TransportError(
      "response body larger than the limit of 10485760 bytes (github.max_body_bytes)", true);
  http::HttpResult loop = TransportError("Maximum (5) redirects followed", true);
  loop.curl_code = 47;  // CURLE_TOO_MANY_REDIRECTS
  const std::vector<Case> cases = {
      {"malformed", Feed("<rss version=\"2.0\"><channel><item></channel></rss>"),
       "malformed XML: line 1"},
      {"html", Feed("<!DOCTYPE html><html><body>Blog</body></html>"), "an HTML page, not a feed"},
      {"404", Reply(404, "Not Found"), "HTTP 404: no feed at this URL"},
      {"410", Reply(410, "Gone"), "HTTP 410: the feed is gone"},
      {"too big", too_big, "the feed is larger than [blogs] max_feed_bytes (10485760 bytes)"},
      {"redirect loop", loop, "too many redirects"},
      {"403", Reply(403, "Forbidden"), "HTTP 403"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    REQUIRE_OK(w.db->Exec("DELETE FROM sync_errors"));
    auto script = [&](const http::HttpGet& get, int) -> std::optional<http::HttpResult> {
      if (get.url == kDevto) return Feed(Fixture("devto_rss.xml"));
      return c.answer;
    };
    Status s = w.Poll(script, {{"alice", kHugo}, {"erin", kDevto}});
    CHECK(s.code() == Status::Code::kUnavailable);
    CHECK(w.stats.failed == 1);
    CHECK(w.stats.fetched == 1);  // the other feed
    const auto errors = w.Errors();
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].rfind("feed alice | " + kHugo + " | ", 0) == 0);
    CHECK_MESSAGE(errors[0].find(c.message) != std::string::npos, errors[0]);
    // alice's posts as they were, erin's stored.
    CHECK(w.Counts() == std::vector<std::string>{counts[0], "erin | octo/epsilon | 1"});
    // A failed fetch keeps the validators of the last good one; nothing retried a 4xx.
    CHECK(w.transport->SentTo(kHugo) == 1);
    bool conditional = false;
    for (const auto& sent : w.transport->sent) {
      if (sent.get.url == kHugo) conditional = sent.Has("If-None-Match: \"h1\"");
    }
    CHECK(conditional);
  }
}

TEST_CASE("transient failures are retried with backoff, then recorded") {
  World w;
  auto flaky = [&](const http::HttpGet&, int nth) -> std::optional<http::HttpResult> {
    if (nth == 0) return Reply(503, "busy", {{"retry-after", "0"}});
    if (nth == 1) return TransportError("Connection reset by peer");
    if (nth == 2) {
      http::HttpResult cut = Feed(Fixture("hugo_rss.xml").substr(0, 100));
      cut.truncated = true;  // Content-Length promised more
      return cut;
    }
    return Feed(Fixture("hugo_rss.xml"));
  };
  feeds::PollerOptions three = World::Options();
  three.max_retries = 3;
  REQUIRE_OK(w.Poll(flaky, {{"alice", kHugo}}, three));
  CHECK(w.transport->sent.size() == 4);
  CHECK(w.stats.fetched == 1);
  CHECK(w.Errors().empty());

  auto down = [&](const http::HttpGet&, int) -> std::optional<http::HttpResult> {
    return Reply(500, "oops");
  };
  Status s = w.Poll(down, {{"alice", kHugo}});
  CHECK(s.code() == Status::Code::kUnavailable);
  CHECK(w.transport->sent.size() == 3);  // the first try and max_retries = 2
  REQUIRE(w.Errors().size() == 1);
  CHECK(w.Errors()[0].find("HTTP 500 (after 3 tries)") != std::string::npos);
}

// RFC 9110 allows Retry-After as an HTTP-date too (what a CDN in front of a blog may send):
// the wait is counted from the poller's clock, and a date already past means "now".
TEST_CASE("a Retry-After date is waited for from the poller's clock, a past one not at all") {
  World w;  // the clock says 2026-01-20T00:00:00Z
  struct Case {
    std::string when, logged;
  };
  // Not a structured binding: clang 14 cannot capture one in doctest's lambdas.
  for (const Case& c : std::vector<Case>{{"Tue, 20 Jan 2026 00:00:01 GMT", "retry 1 in 1000 ms"},
                                         {"Mon, 19 Jan 2026 23:00:00 GMT", "retry 1 in 0 ms"}}) {
    const std::string when = c.when, logged = c.logged;
    CAPTURE(when);
    testing::LogCapture log;
    const std::string date = when;
    auto busy = [date](const http::HttpGet&, int nth) -> std::optional<http::HttpResult> {
      if (nth == 0) return Reply(503, "busy", {{"retry-after", date}});
      return Feed(Fixture("hugo_rss.xml"));
    };
    REQUIRE_OK(w.Poll(busy, {{"alice", kHugo}}));
    CHECK(w.stats.fetched == 1);
    CHECK_MESSAGE(log.Contains(logged), logged);
  }
}

TEST_CASE("a body that does not parse leaves no validators: the next poll asks in full") {
  World w;
  auto broken = [&](const http::HttpGet&, int) -> std::optional<http::HttpResult> {
    return Feed("<rss><channel>", {{"etag", "\"bad\""}});
  };
  CHECK(w.Poll(broken, {{"alice", kHugo}}).code() == Status::Code::kUnavailable);
  auto good = [&](const http::HttpGet&, int) -> std::optional<http::HttpResult> {
    return Feed(Fixture("hugo_rss.xml"));
  };
  REQUIRE_OK(w.Poll(good, {{"alice", kHugo}}));
  CHECK_FALSE(w.transport->sent[0].HasHeader("If-None-Match"));
}

TEST_CASE("an empty list of feeds ends at once, and Cancel ends a poll in flight") {
  World w;
  REQUIRE_OK(
      w.Poll([](const http::HttpGet&, int) { return std::optional<http::HttpResult>(); }, {}));
  w.transport = std::make_unique<ScriptedTransport>(
      w.io, w.clock, [](const http::HttpGet&, int) { return std::optional<http::HttpResult>(); });
  feeds::Poller poller(w.io, w.clock, *w.transport, *w.store, World::Options());
  std::optional<Status> result;
  poller.PollAll({{"alice", kHugo}}, [&](Status s, feeds::PollStats) { result = s; });
  testing::RunFor(w.io, std::chrono::milliseconds(20));
  CHECK(!result);
  poller.Cancel();
  REQUIRE(testing::RunUntil(w.io, [&] { return result.has_value(); }));
  CHECK(result->code() == Status::Code::kCancelled);
}
