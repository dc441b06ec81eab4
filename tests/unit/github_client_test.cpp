// The GitHub client against the local GitHub on loopback: real recordings, scripted faults,
// rate limits in scaled time (an hour of GitHub time passes in a fraction of a second).
#include "ghharvest/app/adapters.hpp"
#include "ghharvest/github/client.hpp"

#include <doctest/doctest.h>

#include <simdjson.h>
#include "check_ok.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <ctime>
#include <limits>
#include <mutex>
#include <vector>

#include "fake_server.hpp"
#include "fixture_replay.hpp"
#include "ghharvest/store/database.hpp"
#include "github/governor.hpp"
#include "github/link_header.hpp"
#include "io_loop.hpp"
#include "log_capture.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using namespace ghharvest::github;
using namespace ghharvest::testing;
using std::chrono::seconds;

namespace {

const std::string kToken = "ghp_T0PSECRETt0kenValue1234567890abcd";
const std::string kFixtureToken = "0000000000000000000000000000000000000001";
const std::string kPaginateStart =
    "/repos/octokit-fixture-org/tmp-scenario-paginate-issues-20220719043836917-izyoe/"
    "issues?per_page=3";
const std::string kRenamed =
    "/repos/octokit-fixture-org/tmp-scenario-rename-repository-20220719044033126-ukeod";
const std::string kProtection =
    "/repos/octokit-fixture-org/tmp-scenario-branch-protection-20220719043700727-wbo1k/branches/"
    "main/protection";

ClientOptions FastOptions(const std::string& base) {
  ClientOptions o;
  o.api_url = base;
  o.token = kToken;
  o.reserve = 2;
  o.max_retries = 3;
  o.retry_base = std::chrono::milliseconds(1000);
  o.secondary_base = seconds(60);
  o.connect_timeout = seconds(5);
  o.stall_timeout = seconds(5);
  return o;
}

Result<ApiResponse> Fetch(boost::asio::io_context& io, Client& client, const std::string& url) {
  std::optional<Result<ApiResponse>> out;
  client.Get(url, [&](Result<ApiResponse> r) { out.emplace(std::move(r)); });
  REQUIRE(RunUntil(io, [&] { return out.has_value(); }));
  return std::move(*out);
}

std::size_t ArrayLength(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::array a;
  REQUIRE(parser.parse(body).get_array().get(a) == simdjson::SUCCESS);
  return a.size();
}

HttpResponse Json(int status, std::string body,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  return r;
}

// Answers 304 when the client presents the ETag the wrapped handler would send.
Handler WithConditional(Handler inner) {
  return [inner](const HttpRequest& req) {
    HttpResponse r = inner(req);
    std::string inm = req.header("if-none-match");
    for (const auto& [name, value] : r.headers) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "etag" && !inm.empty() && inm == value && r.status == 200) {
        r.status = 304;
        r.body.clear();
        break;
      }
    }
    return r;
  };
}

// The fixtures were recorded with the v3 media type and the "token" scheme.
ClientOptions FixtureOptions(const std::string& base) {
  ClientOptions o = FastOptions(base);
  o.token = kFixtureToken;
  o.accept = "application/vnd.github.v3+json";
  o.auth_scheme = "token";
  return o;
}

// A server whose handler is set after it knows its own address.
struct ReplayServer {
  explicit ReplayServer(const std::string& scenario, bool conditional = false)
      : server([](const HttpRequest&) { return HttpResponse{}; }) {
    Handler h = MakeFixtureReplay(OctokitFixture(scenario), [this] { return server.base_url(); });
    server.set_handler(conditional ? WithConditional(h) : h);
  }
  FakeServer server;
};

}  // namespace

TEST_CASE("the paginate-issues recording is read page by page to the end following next links") {
  ReplayServer rs("paginate-issues");
  boost::asio::io_context io;
  SystemClock clock;
  Client client(io, clock, nullptr, FixtureOptions(rs.server.base_url()));

  std::string url = kPaginateStart;
  int pages = 0;
  std::size_t items = 0;
  std::vector<std::string> seen;
  while (true) {
    auto r = Fetch(io, client, url);
    REQUIRE_OK(r);
    CHECK(r->kind == ApiResponse::Kind::kOk);
    CHECK(r->status == 200);
    CHECK(r->body.capacity() >= r->body.size() + 64);
    CHECK(r->rate.resource == "core");
    CHECK(r->rate.limit == 5000);
    items += ArrayLength(r->body);
    pages++;
    if (!r->next_url) break;
    url = *r->next_url;
    seen.push_back(url);
    REQUIRE(pages < 10);
  }
  CHECK(pages == 5);
  CHECK(items == 13);
  REQUIRE(seen.size() == 4);
  CHECK(seen[0] == rs.server.base_url() + "/repositories/515435940/issues?per_page=3&page=2");
  CHECK(seen[3] == rs.server.base_url() + "/repositories/515435940/issues?per_page=3&page=5");
  CHECK(client.stats().requests == 5);
  CHECK(client.stats().points_spent == 5);
  CHECK(client.rate_limit("core").has_value());

  auto log = rs.server.log();
  REQUIRE(log.size() == 5);
  for (const auto& e : log) CHECK(e.status == 200);
  CHECK(log[0].headers.at("authorization") == "token " + kFixtureToken);
  CHECK(log[0].headers.at("accept") == "application/vnd.github.v3+json");
  CHECK(log[0].headers.at("x-github-api-version") == "2022-11-28");
  CHECK(log[0].headers.at("user-agent").rfind("ghharvest/", 0) == 0);
  CHECK(log[0].headers.at("accept-encoding").find("gzip") != std::string::npos);
}

TEST_CASE("pages can be chained from inside callbacks, the way the harvester walks them") {
  ReplayServer rs("paginate-issues");
  boost::asio::io_context io;
  SystemClock clock;
  Client client(io, clock, nullptr, FixtureOptions(rs.server.base_url()));
  int pages = 0;
  bool done = false, failed = false;
  std::function<void(Result<ApiResponse>)> on_page = [&](Result<ApiResponse> r) {
    if (!r.ok() || r->kind != ApiResponse::Kind::kOk) {
      failed = true;
      done = true;
      return;
    }
    pages++;
    if (r->next_url) {
      client.Get(*r->next_url, on_page);
    } else {
      done = true;
    }
  };
  client.Get(kPaginateStart, on_page);
  REQUIRE(RunUntil(io, [&] { return done; }));
  CHECK_FALSE(failed);
  CHECK(pages == 5);
  CHECK(client.Idle());
}

TEST_CASE("destroying the client with requests queued and in flight runs none of their callbacks") {
  FakeServer server([](const HttpRequest&) {
    HttpResponse r = Json(200, "{}");
    r.delay = std::chrono::milliseconds(200);
    return r;
  });
  boost::asio::io_context io;
  SystemClock clock;
  int calls = 0;
  {
    ClientOptions o = FastOptions(server.base_url());
    o.concurrency = 2;
    Client client(io, clock, nullptr, o);
    for (int i = 0; i < 6; ++i) client.Get("/q/" + std::to_string(i), [&](auto) { calls++; });
    REQUIRE(RunUntil(io, [&] { return server.in_flight() >= 1; }));
  }
  RunFor(io, std::chrono::milliseconds(300));
  CHECK(calls == 0);
}

TEST_CASE("the default headers are the documented ones: Bearer token and the github+json type") {
  FakeServer server([](const HttpRequest&) { return Json(200, "{}"); });
  boost::asio::io_context io;
  SystemClock clock;
  Client client(io, clock, nullptr, FastOptions(server.base_url()));
  auto r = Fetch(io, client, "/user");
  REQUIRE_OK(r);
  auto log = server.log();
  REQUIRE(log.size() == 1);
  CHECK(log[0].headers.at("authorization") == "Bearer " + kToken);
  CHECK(log[0].headers.at("accept") == "application/vnd.github+json");
  CHECK(log[0].target == "/user");
}

TEST_CASE("the token is sent to the configured API origin only") {
  FakeServer api([](const HttpRequest&) { return Json(200, "{}"); });
  FakeServer other([](const HttpRequest&) { return Json(200, "{}"); });
  boost::asio::io_context io;
  SystemClock clock;
  Client client(io, clock, nullptr, FastOptions(api.base_url()));
  REQUIRE_OK(Fetch(io, client, api.base_url() + "/users/alice"));
  REQUIRE_OK(Fetch(io, client, other.base_url() + "/elsewhere"));
  REQUIRE(api.log().size() == 1);
  CHECK(api.log()[0].headers.at("authorization") == "Bearer " + kToken);
  REQUIRE(other.log().size() == 1);
  CHECK(other.log()[0].headers.count("authorization") == 0);
  CHECK(other.log()[0].headers.at("accept") == "application/vnd.github+json");
}

TEST_CASE("a renamed repository's 301 is followed and final_url names the new location") {
  ReplayServer rs("rename-repository");
  boost::asio::io_context io;
  SystemClock clock;
  Client client(io, clock, nullptr, FixtureOptions(rs.server.base_url()));
  auto r = Fetch(io, client, kRenamed);
  REQUIRE_OK(r);
  CHECK(r->kind == ApiResponse::Kind::kOk);
  CHECK(r->status == 200);
  CHECK(r->url == rs.server.base_url() + kRenamed);
  CHECK(r->final_url == rs.server.base_url() + "/repositories/515436299");
  simdjson::dom::parser parser;
  std::string_view name;
  REQUIRE(parser.parse(r->body)["name"].get_string().get(name) == simdjson::SUCCESS);
  CHECK(name.find("rename-repository") != std::string_view::npos);
  auto log = rs.server.log();
  REQUIRE(log.size() == 2);
  CHECK(log[0].status == 301);
  CHECK(log[1].target == "/repositories/515436299");
}

TEST_CASE("a recorded 422 is a client error and a recorded 404 is gone, neither retried") {
  // The 422 was recorded for a POST; the client only GETs, so its answer is served for a GET.
  RecordedExchange unprocessable;
  for (auto& x : LoadRecording(OctokitFixture("errors"))) {
    if (x.status == 422) unprocessable = x;
  }
  REQUIRE(unprocessable.status == 422);
  ReplayServer rs("branch-protection");
  Handler replay =
      MakeFixtureReplay(OctokitFixture("branch-protection"), [&] { return rs.server.base_url(); });
  rs.server.set_handler([&](const HttpRequest& req) {
    if (req.path == "/labels") {
      HttpResponse r;
      r.status = unprocessable.status;
      for (auto& [n, v] : unprocessable.headers) {
        if (n != "Content-Length" && n != "connection") r.headers.emplace_back(n, v);
      }
      r.body = unprocessable.body;
      return r;
    }
    return replay(req);
  });
  boost::asio::io_context io;
  SystemClock clock;
  Client client(io, clock, nullptr, FixtureOptions(rs.server.base_url()));

  auto e = Fetch(io, client, "/labels");
  REQUIRE_OK(e);
  CHECK(e->kind == ApiResponse::Kind::kClientError);
  CHECK(e->status == 422);
  CHECK(e->body.find("Validation Failed") != std::string::npos);

  auto g = Fetch(io, client, kProtection);
  REQUIRE_OK(g);
  CHECK(g->kind == ApiResponse::Kind::kGone);
  CHECK(g->status == 404);
  CHECK(client.stats().retries == 0);
  CHECK(rs.server.stats().requests == 2);
}

TEST_CASE("a repeated request gets a 304, counted as unchanged, and the cache survives a restart") {
  TempDir dir;
  ReplayServer rs("paginate-issues", /*conditional=*/true);
  boost::asio::io_context io;
  SystemClock clock;
  std::optional<std::string> first_next;
  {
    auto db = store::Database::Open(dir.file("cache.db"));
    REQUIRE_OK(db);
    app::DatabaseEtagStore etags(**db);
    Client client(io, clock, &etags, FixtureOptions(rs.server.base_url()));
    auto a = Fetch(io, client, kPaginateStart);
    REQUIRE_OK(a);
    REQUIRE(a->kind == ApiResponse::Kind::kOk);
    REQUIRE(a->etag.has_value());
    first_next = a->next_url;
    REQUIRE(first_next.has_value());

    auto b = Fetch(io, client, kPaginateStart);
    REQUIRE_OK(b);
    CHECK(b->kind == ApiResponse::Kind::kNotModified);
    CHECK(b->status == 304);
    CHECK(b->body.empty());
    CHECK(b->next_url == first_next);  // pagination keeps walking on a 304
    CHECK(b->etag == a->etag);
    CHECK(client.stats().not_modified == 1);
    CHECK(client.stats().points_spent == 1);
    CHECK(rs.server.stats().not_modified == 1);
    auto log = rs.server.log();
    REQUIRE(log.size() == 2);
    CHECK(log[0].headers.count("if-none-match") == 0);
    CHECK(log[1].headers.at("if-none-match") == *a->etag);

    // The cache keys on a hash of the token, never the token.
    auto stmt = (*db)->Prepare("SELECT token_id FROM http_cache");
    REQUIRE_OK(stmt);
    store::StatementGuard g(**stmt);
    REQUIRE(g->Step());
    CHECK(g->Text(0) == TokenIdentity(kFixtureToken));
    CHECK(g->Text(0).find(kFixtureToken) == std::string::npos);
  }
  {
    auto db = store::Database::Open(dir.file("cache.db"));
    REQUIRE_OK(db);
    app::DatabaseEtagStore etags(**db);
    Client client(io, clock, &etags, FixtureOptions(rs.server.base_url()));
    auto c = Fetch(io, client, kPaginateStart);
    REQUIRE_OK(c);
    CHECK(c->kind == ApiResponse::Kind::kNotModified);
    CHECK(c->next_url == first_next);
    CHECK(client.stats().not_modified == 1);

    // Forget() makes the next request unconditional.
    REQUIRE_OK(client.Forget(kPaginateStart));
    auto d = Fetch(io, client, kPaginateStart);
    REQUIRE_OK(d);
    CHECK(d->kind == ApiResponse::Kind::kOk);
  }
  {
    // Another token does not see the first token's validators.
    auto db = store::Database::Open(dir.file("cache.db"));
    REQUIRE_OK(db);
    ClientOptions other = FixtureOptions(rs.server.base_url());
    other.token = "another-token";
    app::DatabaseEtagStore etags(**db);
    Client client(io, clock, &etags, other);
    auto e = Fetch(io, client, kPaginateStart);
    REQUIRE_OK(e);
    CHECK(e->kind == ApiResponse::Kind::kOk);
  }
}

namespace {

// A GitHub-like primary limit in scaled time: windows of an hour, `limit` points each.
struct PrimaryLimitWorld {
  PrimaryLimitWorld(const Clock& c, int limit) : clock(c), limit(limit), start(c.Now()) {}
  HttpResponse operator()(const HttpRequest&) {
    std::lock_guard lock(mu);
    auto now = clock.Now();
    auto window = (now - start) / std::chrono::hours(1);
    auto reset = start + std::chrono::hours(window + 1);
    int& used = used_per_window[window];
    times.push_back(now);
    windows.push_back(window);
    HttpResponse r;
    std::int64_t reset_s = std::chrono::duration_cast<seconds>(reset.time_since_epoch()).count();
    if (used >= limit) {
      primary_403s++;
      r = Json(403, R"({"message":"API rate limit exceeded for user ID 1."})");
      r.headers.emplace_back("x-ratelimit-remaining", "0");
    } else {
      used++;
      r = Json(200, "[]");
      r.headers.emplace_back("x-ratelimit-remaining", std::to_string(limit - used));
    }
    remaining.push_back(limit - used);
    r.headers.emplace_back("x-ratelimit-limit", std::to_string(limit));
    r.headers.emplace_back("x-ratelimit-used", std::to_string(used));
    r.headers.emplace_back("x-ratelimit-reset", std::to_string(reset_s));
    r.headers.emplace_back("x-ratelimit-resource", "core");
    resets.push_back(reset);
    return r;
  }
  const Clock& clock;
  int limit;
  Clock::TimePoint start;
  std::mutex mu;
  std::map<std::int64_t, int> used_per_window;
  std::vector<Clock::TimePoint> times, resets;
  std::vector<std::int64_t> windows;
  std::vector<int> remaining;  // as answered, per request in arrival order
  int primary_403s = 0;
};

}  // namespace

TEST_CASE(
    "after remaining falls to the reserve nothing is sent before the reset, then work resumes") {
  ScaledClock clock(20000);  // an hour in 0.18 s
  PrimaryLimitWorld world(clock, 10);
  FakeServer server([&](const HttpRequest& r) { return world(r); }, 8);
  boost::asio::io_context io;
  ClientOptions o = FastOptions(server.base_url());
  o.reserve = 3;
  o.concurrency = 4;
  Client client(io, clock, nullptr, o);

  int ok = 0, failed = 0;
  for (int i = 0; i < 20; ++i) {
    client.Get("/repos/o/r/issues?page=" + std::to_string(i), [&](Result<ApiResponse> r) {
      (r.ok() && r->kind == ApiResponse::Kind::kOk) ? ok++ : failed++;
    });
  }
  REQUIRE(RunUntil(io, [&] { return ok + failed == 20; }));
  CHECK(ok == 20);
  CHECK(failed == 0);
  std::lock_guard lock(world.mu);
  CHECK(world.primary_403s == 0);
  // Each hour at most limit - reserve points were spent: the reserve stayed unused...
  for (auto& [window, used] : world.used_per_window) CHECK(used <= 10 - 3);
  // ...and work resumed after the reset: 20 requests need three windows.
  CHECK(world.used_per_window.size() >= 3);
  // After an answer that left only the reserve, the next request arrived after the reset.
  int at_reserve = 0;
  for (std::size_t i = 0; i + 1 < world.times.size(); ++i) {
    if (world.remaining[i] <= 3) {
      at_reserve++;
      CHECK(world.times[i + 1] >= world.resets[i]);
    }
  }
  CHECK(at_reserve >= 2);
  CHECK(client.rate_limit("core")->limit == 10);
  CHECK(client.Idle());
}

TEST_CASE("a primary-limit 403 with remaining 0 holds the resource until the reset, then retries") {
  ScaledClock clock(20000);
  std::mutex mu;
  std::vector<Clock::TimePoint> times;
  Clock::TimePoint reset = std::chrono::time_point_cast<seconds>(clock.Now()) + seconds(1800);
  std::int64_t reset_s = std::chrono::duration_cast<seconds>(reset.time_since_epoch()).count();
  FakeServer server([&](const HttpRequest&) {
    std::lock_guard lock(mu);
    times.push_back(clock.Now());
    HttpResponse r;
    if (times.size() == 1) {
      r = Json(403, R"({"message":"API rate limit exceeded"})");
      r.headers.emplace_back("x-ratelimit-remaining", "0");
    } else {
      r = Json(200, "{}");
      r.headers.emplace_back("x-ratelimit-remaining", "4999");
    }
    r.headers.emplace_back("x-ratelimit-limit", "5000");
    r.headers.emplace_back("x-ratelimit-reset", std::to_string(reset_s));
    r.headers.emplace_back("x-ratelimit-resource", "core");
    return r;
  });
  boost::asio::io_context io;
  ClientOptions o = FastOptions(server.base_url());
  o.reserve = 0;
  Client client(io, clock, nullptr, o);
  auto r = Fetch(io, client, "/users/alice");
  REQUIRE_OK(r);
  CHECK(r->kind == ApiResponse::Kind::kOk);
  std::lock_guard lock(mu);
  REQUIRE(times.size() == 2);
  CHECK(times[1] >= reset);
  CHECK(client.stats().retries == 1);
  CHECK(client.stats().failures == 0);
}

TEST_CASE(
    "a secondary limit with retry-after is waited out, without retry-after backed off >= 60 s") {
  ScaledClock clock(2000);  // a minute in 30 ms
  ScriptedHandler script;
  HttpResponse secondary = Json(
      403,
      R"({"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."})");
  HttpResponse with_retry_after = secondary;
  with_retry_after.status = 429;
  with_retry_after.headers.emplace_back("retry-after", "120");
  script.push("/a", with_retry_after);
  script.push("/a", Json(200, "{}"));
  script.push("/b", secondary);
  script.push("/b", Json(200, "{}"));
  std::mutex mu;
  std::map<std::string, std::vector<Clock::TimePoint>> times;
  FakeServer server([&](const HttpRequest& req) {
    {
      std::lock_guard lock(mu);
      times[req.path].push_back(clock.Now());
    }
    return script(req);
  });
  boost::asio::io_context io;
  Client client(io, clock, nullptr, FastOptions(server.base_url()));

  auto a = Fetch(io, client, "/a");
  REQUIRE_OK(a);
  CHECK(a->kind == ApiResponse::Kind::kOk);
  auto b = Fetch(io, client, "/b");
  REQUIRE_OK(b);
  CHECK(b->kind == ApiResponse::Kind::kOk);
  std::lock_guard lock(mu);
  REQUIRE(times["/a"].size() == 2);
  CHECK(times["/a"][1] - times["/a"][0] >= seconds(120));
  REQUIRE(times["/b"].size() == 2);
  CHECK(times["/b"][1] - times["/b"][0] >= seconds(60));
  CHECK(client.stats().retries == 2);
}

namespace {

// `t` as an HTTP-date in strftime `format` (always GMT).
std::string HttpDate(Clock::TimePoint t, const char* format) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  REQUIRE(std::strftime(buf, sizeof buf, format, &tm) > 0);
  return buf;
}

}  // namespace

TEST_CASE(
    "a retry-after given as an HTTP date is waited out to that date; a past date retries now") {
  ScaledClock clock(2000);  // a minute in 30 ms
  std::mutex mu;
  std::map<std::string, std::vector<Clock::TimePoint>> times;
  Clock::TimePoint future_date;
  FakeServer server([&](const HttpRequest& req) {
    std::lock_guard lock(mu);
    auto& seen = times[req.path];
    const Clock::TimePoint now = clock.Now();
    seen.push_back(now);
    if (seen.size() > 1) return Json(200, "{}");
    if (req.path == "/future") {
      // Whole seconds, as a date can only say; ten minutes from now.
      future_date = std::chrono::time_point_cast<seconds>(now) + seconds(601);
      HttpResponse r = Json(429, R"({"message":"You have exceeded a secondary rate limit."})");
      r.headers.emplace_back("retry-after", HttpDate(future_date, "%a, %d %b %Y %H:%M:%S GMT"));
      return r;
    }
    // An hour ago, in RFC 850's obsolete form, on a 5xx.
    HttpResponse r = Json(503, R"({"message":"Service Unavailable"})");
    r.headers.emplace_back("retry-after",
                           HttpDate(now - seconds(3600), "%A, %d-%b-%y %H:%M:%S GMT"));
    return r;
  });
  boost::asio::io_context io;
  ClientOptions o = FastOptions(server.base_url());
  // Any backoff would wait at least an hour: a shorter wait came from the date.
  o.secondary_base = seconds(3600);
  o.retry_base = seconds(3600);
  o.max_backoff = seconds(7200);
  Client client(io, clock, nullptr, o);

  auto future = Fetch(io, client, "/future");
  REQUIRE_OK(future);
  CHECK(future->kind == ApiResponse::Kind::kOk);
  auto past = Fetch(io, client, "/past");
  REQUIRE_OK(past);
  CHECK(past->kind == ApiResponse::Kind::kOk);
  std::lock_guard lock(mu);
  REQUIRE(times["/future"].size() == 2);
  CHECK(times["/future"][1] >= future_date);
  CHECK(times["/future"][1] - times["/future"][0] < seconds(3600));
  REQUIRE(times["/past"].size() == 2);
  CHECK(times["/past"][1] - times["/past"][0] < seconds(600));
  CHECK(client.stats().retries == 2);
}

TEST_CASE("a retry-after of a day is capped at an hour, then asked again") {
  ScaledClock clock(20000);  // an hour in 0.18 s
  std::mutex mu;
  std::vector<Clock::TimePoint> times;
  FakeServer server([&](const HttpRequest&) {
    std::lock_guard lock(mu);
    times.push_back(clock.Now());
    if (times.size() > 1) return Json(200, "{}");
    HttpResponse r = Json(429, R"({"message":"You have exceeded a secondary rate limit."})");
    r.headers.emplace_back("retry-after", "86400");
    return r;
  });
  boost::asio::io_context io;
  Client client(io, clock, nullptr, FastOptions(server.base_url()));
  auto res = Fetch(io, client, "/slow");
  REQUIRE_OK(res);
  CHECK(res->kind == ApiResponse::Kind::kOk);
  std::lock_guard lock(mu);
  REQUIRE(times.size() == 2);
  CHECK(times[1] - times[0] >= std::chrono::hours(1));
  CHECK(times[1] - times[0] < std::chrono::hours(2));
}

TEST_CASE("a hostile retry-after (any number, any date) waits at most the hour, never less") {
  // Seconds past 292 years, or a date past 2262, overflow as nanoseconds: the plain build
  // then read these as "retry now" and retried the secondary limit in a burst.
  struct Case {
    std::string retry_after;
    bool waits;  // false: a date long past, retried at once
  };
  const std::vector<Case> cases = {
      {"9223372037", true},
      {"99999999999999999999", true},  // more digits than int64: "forever", not absent
      {"Fri, 31 Dec 9999 23:59:59 GMT", true},
      {"1Oct5201", true},  // junk curl_getdate reads as a date in the year 5201
      {"Mon, 01 Jan 1600 00:00:00 GMT", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.retry_after);
    ScaledClock clock(20000);  // an hour in 0.18 s
    std::mutex mu;
    std::vector<Clock::TimePoint> times;
    FakeServer server([&](const HttpRequest&) {
      std::lock_guard lock(mu);
      times.push_back(clock.Now());
      if (times.size() > 1) return Json(200, "{}");
      HttpResponse r = Json(429, R"({"message":"You have exceeded a secondary rate limit."})");
      r.headers.emplace_back("retry-after", c.retry_after);
      return r;
    });
    boost::asio::io_context io;
    ClientOptions o = FastOptions(server.base_url());
    // Any backoff would wait two hours: a wait of one came from the header, capped.
    o.secondary_base = seconds(7200);
    o.max_backoff = seconds(7200);
    Client client(io, clock, nullptr, o);
    auto res = Fetch(io, client, "/hostile");
    REQUIRE(res.ok());
    CHECK(res->kind == ApiResponse::Kind::kOk);
    std::lock_guard lock(mu);
    REQUIRE(times.size() == 2);  // one wait, then success: no burst of retries
    if (c.waits) {
      CHECK(times[1] - times[0] >= std::chrono::hours(1));
      CHECK(times[1] - times[0] < std::chrono::hours(2));
    } else {
      CHECK(times[1] - times[0] < std::chrono::minutes(10));
    }
    CHECK(client.stats().retries == 1);
  }
}

TEST_CASE("an x-ratelimit-reset centuries ahead holds the bucket for an hour, not forever or 0") {
  // At the reserve the governor waits for the reset; on a 403 with remaining 0 the client
  // does. Either way a reset too far ahead to be GitHub's is held to an hour from now.
  for (std::string remaining : {"1", "0"}) {
    for (std::string reset : {"9223372037", "9223372036854775807", "99999999999999999999"}) {
      CAPTURE(remaining);
      CAPTURE(reset);
      ScaledClock clock(20000);  // an hour in 0.18 s
      std::mutex mu;
      std::vector<Clock::TimePoint> times;
      const bool refused = remaining == "0";
      FakeServer server([&](const HttpRequest&) {
        std::lock_guard lock(mu);
        times.push_back(clock.Now());
        HttpResponse r;
        if (times.size() == 1) {
          r = refused ? Json(403, R"({"message":"API rate limit exceeded"})") : Json(200, "{}");
          r.headers.emplace_back("x-ratelimit-remaining", remaining);
          r.headers.emplace_back("x-ratelimit-reset", reset);
        } else {
          auto later = std::chrono::duration_cast<seconds>(clock.Now().time_since_epoch());
          r = Json(200, "{}");
          r.headers.emplace_back("x-ratelimit-remaining", "4999");
          r.headers.emplace_back("x-ratelimit-reset", std::to_string(later.count() + 3600));
        }
        r.headers.emplace_back("x-ratelimit-limit", "5000");
        r.headers.emplace_back("x-ratelimit-resource", "core");
        return r;
      });
      boost::asio::io_context io;
      ClientOptions o = FastOptions(server.base_url());  // reserve 2
      // A backoff (a reset taken for past) would wait two hours, not one.
      o.secondary_base = seconds(7200);
      o.max_backoff = seconds(7200);
      Client client(io, clock, nullptr, o);
      auto first = Fetch(io, client, "/users/a");
      REQUIRE(first.ok());
      if (!refused) {
        CHECK(first->rate.reset <=
              std::chrono::duration_cast<seconds>(clock.Now().time_since_epoch()).count() + 3600);
        auto second = Fetch(io, client, "/users/b");
        REQUIRE(second.ok());
      }
      std::lock_guard lock(mu);
      REQUIRE(times.size() == 2);
      CHECK(times[1] - times[0] >= std::chrono::hours(1));
      CHECK(times[1] - times[0] < std::chrono::hours(2));
    }
  }
}

TEST_CASE("5xx, resets, bodies cut short and malformed JSON are retried and then succeed") {
  ScaledClock clock(1000);
  const std::string good = R"([{"id":1,"title":"a long enough title to cut in half"}])";
  auto fault = [&](const char* kind) {
    HttpResponse r = Json(200, good);
    std::string k = kind;
    if (k == "500") r = Json(500, R"({"message":"Server Error"})");
    if (k == "502") r = Json(502, "<html>Bad Gateway</html>");
    if (k == "reset") r.reset_connection = true;
    if (k == "close") r.close_mid_body = true;
    if (k == "truncate") r.truncate_at = good.size() / 2;
    if (k == "malformed") r.body = R"([{"id":1,"title":)";
    return r;
  };
  const char* kinds[] = {"500", "502", "reset", "close", "truncate", "malformed"};
  for (const char* kind : kinds) {
    CAPTURE(kind);
    ScriptedHandler script;
    script.push("/x", fault(kind));
    script.push("/x", fault(kind));
    script.push("/x", Json(200, good));
    FakeServer server(script.handler());
    boost::asio::io_context io;
    Client client(io, clock, nullptr, FastOptions(server.base_url()));
    auto r = Fetch(io, client, "/x");
    REQUIRE_OK(r);
    CHECK(r->kind == ApiResponse::Kind::kOk);
    CHECK(r->body == good);
    CHECK(client.stats().retries == 2);
    CHECK(client.stats().requests == 3);
    CHECK(client.stats().failures == 0);
    CHECK(script.served("/x") == 3);
  }
}

TEST_CASE("a body over max_body_bytes fails its request at once, naming the URL and limit") {
  ScriptedHandler script;
  std::string huge = "[" + std::string(2 << 20, ' ') + "]";
  script.set("/huge", Json(200, huge));
  FakeServer server(script.handler());
  boost::asio::io_context io;
  ScaledClock clock(1000);
  ClientOptions o = FastOptions(server.base_url());
  o.max_body_bytes = 1 << 20;
  Client client(io, clock, nullptr, o);
  auto r = Fetch(io, client, "/huge");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kUnavailable);
  CHECK(r.status().message().find(server.base_url() + "/huge") != std::string::npos);
  CHECK(r.status().message().find("1048576 bytes") != std::string::npos);
  // A failure of that request, not a transient fault: asked for once.
  CHECK(script.served("/huge") == 1);
  CHECK(client.stats().retries == 0);
  CHECK(client.stats().failures == 1);
  // The client goes on with other requests.
  script.set("/small", Json(200, "[]"));
  auto ok = Fetch(io, client, "/small");
  REQUIRE(ok.ok());
  CHECK(ok->kind == ApiResponse::Kind::kOk);
}

TEST_CASE("a stalled response is abandoned after stall_timeout and retried") {
  ScriptedHandler script;
  HttpResponse slow = Json(200, "{}");
  slow.delay = std::chrono::milliseconds(4000);
  script.push("/stall", slow);
  script.push("/stall", Json(200, R"({"ok":true})"));
  FakeServer server(script.handler());
  boost::asio::io_context io;
  ScaledClock clock(1000);  // the backoff is scaled; curl's stall timer runs in real time
  ClientOptions o = FastOptions(server.base_url());
  o.stall_timeout = seconds(1);
  Client client(io, clock, nullptr, o);
  auto r = Fetch(io, client, "/stall");
  REQUIRE_OK(r);
  CHECK(r->body == R"({"ok":true})");
  CHECK(client.stats().retries == 1);
  CHECK(script.served("/stall") == 2);
}

TEST_CASE("a 403 that is no rate limit is a client error, not a wait") {
  ScriptedHandler script;
  HttpResponse forbidden = Json(403, R"({"message":"Resource not accessible by integration"})");
  forbidden.headers.emplace_back("x-ratelimit-remaining", "4000");
  forbidden.headers.emplace_back("x-ratelimit-limit", "5000");
  forbidden.headers.emplace_back("x-ratelimit-reset", "4102444800");
  script.set("/forbidden", forbidden);
  FakeServer server(script.handler());
  boost::asio::io_context io;
  SystemClock clock;
  Client client(io, clock, nullptr, FastOptions(server.base_url()));
  auto r = Fetch(io, client, "/forbidden");
  REQUIRE_OK(r);
  CHECK(r->kind == ApiResponse::Kind::kClientError);
  CHECK(r->status == 403);
  CHECK(client.stats().retries == 0);
  CHECK(script.served("/forbidden") == 1);
}

TEST_CASE("a persistent failure gives up after max_retries naming the URL and never the token") {
  LogCapture logs;
  ScaledClock clock(1000);
  ScriptedHandler script;
  script.set("/repos/o/r/issues", Json(503, R"({"message":"Service Unavailable"})"));
  script.set("/bad", Json(200, "{not json"));
  FakeServer server(script.handler());
  boost::asio::io_context io;
  ClientOptions o = FastOptions(server.base_url());
  o.max_retries = 3;
  Client client(io, clock, nullptr, o);

  auto r = Fetch(io, client, "/repos/o/r/issues?per_page=100");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kUnavailable);
  CHECK(r.status().message().find(server.base_url() + "/repos/o/r/issues?per_page=100") !=
        std::string::npos);
  CHECK(r.status().message().find(kToken) == std::string::npos);
  CHECK(r.status().ToString().find(kToken) == std::string::npos);
  CHECK(script.served("/repos/o/r/issues") == 4);
  CHECK(client.stats().failures == 1);
  CHECK(client.stats().retries == 3);

  auto bad = Fetch(io, client, "/bad");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("not valid JSON") != std::string::npos);
  CHECK(script.served("/bad") == 4);

  CHECK(logs.Contains("giving up"));
  CHECK_FALSE(logs.Contains(kToken));
}

TEST_CASE("a connection refused is retried and then reported as unavailable") {
  ScaledClock clock(1000);
  unsigned short port;
  {
    FakeServer gone([](const HttpRequest&) { return HttpResponse{}; });
    port = gone.port();
  }
  boost::asio::io_context io;
  ClientOptions o = FastOptions("http://127.0.0.1:" + std::to_string(port));
  o.max_retries = 1;
  Client client(io, clock, nullptr, o);
  auto r = Fetch(io, client, "/users/alice");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kUnavailable);
  CHECK(r.status().message().find("/users/alice") != std::string::npos);
  CHECK(client.stats().requests == 2);
}

TEST_CASE("a redirect loop fails at once after max_redirects, without retries") {
  FakeServer server([](const HttpRequest& req) {
    HttpResponse r = Json(301, R"({"message":"Moved Permanently"})");
    r.headers.emplace_back("Location", req.path == "/a" ? "/b" : "/a");
    return r;
  });
  boost::asio::io_context io;
  SystemClock clock;
  ClientOptions o = FastOptions(server.base_url());
  o.max_redirects = 3;
  Client client(io, clock, nullptr, o);
  auto r = Fetch(io, client, "/a");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kUnavailable);
  CHECK(r.status().message().find("/a") != std::string::npos);
  CHECK(server.stats().requests == 4);
  CHECK(client.stats().retries == 0);
  CHECK(client.stats().failures == 1);
}

TEST_CASE("a 401 fails the request, everything queued, and everything after, without sending") {
  LogCapture logs;
  ScriptedHandler script;
  script.set_default(Json(401, R"({"message":"Bad credentials"})"));
  FakeServer server(script.handler());
  boost::asio::io_context io;
  SystemClock clock;
  ClientOptions o = FastOptions(server.base_url());
  o.concurrency = 1;
  Client client(io, clock, nullptr, o);

  std::vector<Status> results;
  for (int i = 0; i < 5; ++i) {
    client.Get("/users/u" + std::to_string(i), [&](Result<ApiResponse> r) {
      results.push_back(r.ok() ? Status::Ok() : r.status());
    });
  }
  REQUIRE(RunUntil(io, [&] { return results.size() == 5; }));
  for (const auto& s : results) {
    CHECK(s.code() == Status::Code::kUnauthorized);
    CHECK(s.message().find(kToken) == std::string::npos);
  }
  CHECK(results[0].message().find("/users/u0") != std::string::npos);
  CHECK(server.stats().requests == 1);

  auto later = Fetch(io, client, "/users/late");
  REQUIRE_FALSE(later.ok());
  CHECK(later.status().code() == Status::Code::kUnauthorized);
  CHECK(server.stats().requests == 1);
  CHECK(client.Idle());
  CHECK(logs.Contains("401"));
  CHECK_FALSE(logs.Contains(kToken));
}

TEST_CASE("with 100 requests queued the server never sees more than `concurrency` at once") {
  FakeServer server(
      [&](const HttpRequest&) {
        HttpResponse r = Json(200, "[]");
        r.delay = std::chrono::milliseconds(5);
        return r;
      },
      16);
  boost::asio::io_context io;
  SystemClock clock;
  ClientOptions o = FastOptions(server.base_url());
  o.concurrency = 4;
  Client client(io, clock, nullptr, o);
  int done = 0, ok = 0;
  std::vector<int> order;
  for (int i = 0; i < 100; ++i) {
    client.Get("/n/" + std::to_string(i), [&, i](Result<ApiResponse> r) {
      done++;
      if (r.ok() && r->kind == ApiResponse::Kind::kOk) ok++;
      order.push_back(i);
    });
  }
  CHECK_FALSE(client.Idle());
  REQUIRE(RunUntil(io, [&] { return done == 100; }));
  CHECK(ok == 100);
  CHECK(server.stats().requests == 100);
  CHECK(server.stats().max_in_flight <= 4);
  CHECK(server.stats().max_in_flight >= 2);  // it did run requests side by side
  // FIFO: requests are sent in the order they were queued.
  auto log = server.log();
  std::vector<std::string> targets;
  for (auto& e : log) targets.push_back(e.target);
  CHECK(targets.front() == "/n/0");
  CHECK(client.Idle());
}

TEST_CASE("search requests are paced to search_per_minute") {
  // 2 s of pacing in 67 ms; the server notes arrivals, which trail the client's sends by a
  // varying latency (a new connection), so the check leaves 0.5 s (17 ms real) of slack.
  ScaledClock clock(30);
  std::mutex mu;
  std::vector<Clock::TimePoint> times;
  FakeServer server([&](const HttpRequest&) {
    std::lock_guard lock(mu);
    times.push_back(clock.Now());
    auto r = Json(200, R"({"total_count":0,"items":[]})");
    r.headers.emplace_back("x-ratelimit-resource", "search");
    return r;
  });
  boost::asio::io_context io;
  ClientOptions o = FastOptions(server.base_url());
  o.search_per_minute = 30;
  Client client(io, clock, nullptr, o);
  int done = 0;
  for (int i = 0; i < 4; ++i) {
    client.Get("/search/issues?q=involves:alice&page=" + std::to_string(i),
               [&](Result<ApiResponse> r) {
                 CHECK_OK(r);
                 done++;
               });
  }
  REQUIRE(RunUntil(io, [&] { return done == 4; }));
  std::lock_guard lock(mu);
  REQUIRE(times.size() == 4);
  for (std::size_t i = 1; i < times.size(); ++i) {
    CHECK(times[i] - times[i - 1] >= std::chrono::milliseconds(1500));
  }
}

TEST_CASE("CancelAll fails queued and in-flight requests with kCancelled") {
  FakeServer server([](const HttpRequest&) {
    HttpResponse r = Json(200, "{}");
    r.delay = std::chrono::milliseconds(300);
    return r;
  });
  boost::asio::io_context io;
  SystemClock clock;
  ClientOptions o = FastOptions(server.base_url());
  o.concurrency = 2;
  Client client(io, clock, nullptr, o);
  std::vector<Status::Code> codes;
  for (int i = 0; i < 5; ++i) {
    client.Get("/slow/" + std::to_string(i), [&](Result<ApiResponse> r) {
      codes.push_back(r.ok() ? Status::Code::kOk : r.status().code());
    });
  }
  // (curl may hold the second transfer until the first connection shows whether it can
  // multiplex, so the first answer can arrive before two are in flight.)
  REQUIRE(RunUntil(io, [&] { return server.in_flight() == 2; }));
  std::size_t answered = codes.size();
  CHECK(answered <= 1);
  client.CancelAll();
  REQUIRE(RunUntil(io, [&] { return codes.size() == 5; }));
  for (std::size_t i = answered; i < codes.size(); ++i) CHECK(codes[i] == Status::Code::kCancelled);
  CHECK(client.Idle());
  RunFor(io, std::chrono::milliseconds(400));  // the aborted answers would have come by now
  CHECK(codes.size() == 5);
}

TEST_CASE("the link header's rel=next is found exactly as given") {
  CHECK(
      FindLink(R"(<https://x/a?page=2&per_page=100>; rel="next", <https://x/a?page=9>; rel="last")",
               "next") == "https://x/a?page=2&per_page=100");
  CHECK(FindLink(R"(<https://x/a?page=1>; rel="prev", <https://x/a?after=Y3Vy,c29y>; rel="next")",
                 "next") == "https://x/a?after=Y3Vy,c29y");
  CHECK(FindLink(R"(<https://x/a?page=1>; rel="first", <https://x/b>; rel="prev")", "next") ==
        std::nullopt);
  CHECK(FindLink(R"(<https://x/c>; title="a, b"; rel="next")", "next") == "https://x/c");
  CHECK(FindLink(R"(<https://x/d>; rel=next)", "next") == "https://x/d");
  CHECK(FindLink("", "next") == std::nullopt);
  CHECK(FindLink("garbage <unterminated", "next") == std::nullopt);
}

TEST_CASE("the token identity is stable, distinct per token, and does not contain the token") {
  CHECK(TokenIdentity(kToken) == TokenIdentity(kToken));
  CHECK(TokenIdentity(kToken) != TokenIdentity(kToken + "x"));
  CHECK(TokenIdentity(kToken).find(kToken) == std::string::npos);
  CHECK(TokenIdentity("") == "anonymous");
}

TEST_CASE(
    "the governor keeps the reserve, counts points in flight, and frees the bucket at reset") {
  ScaledClock clock(1.0);
  Governor g(clock, 200, 30);
  auto now_s = std::chrono::duration_cast<seconds>(clock.Now().time_since_epoch()).count();
  RateLimit rl{"core", 5000, 203, 4797, now_s + 600};
  g.OnSend("core");
  g.OnResponse("core", rl);
  CHECK(g.NextAllowed("core") <= clock.Now());
  g.OnSend("core");
  g.OnSend("core");
  g.OnSend("core");  // 203 - 3 in flight = the reserve
  CHECK(g.NextAllowed("core") >= Clock::TimePoint(seconds(now_s + 600)));
  g.OnAbort("core");
  CHECK(g.NextAllowed("core") <= clock.Now());
  // An older window's answer arriving late does not undo a newer one.
  g.OnResponse("core", RateLimit{"core", 5000, 100, 4900, now_s + 600});
  g.OnResponse("core", RateLimit{"core", 5000, 4000, 1000, now_s - 10});
  CHECK(g.Last("core")->remaining == 100);
  // A reset in the past frees the bucket even before a fresh answer.
  g.OnResponse("core", RateLimit{"core", 5000, 0, 5000, now_s + 900});
  CHECK(g.NextAllowed("core") > clock.Now());
  Governor h(clock, 200, 30);
  h.OnResponse("core", RateLimit{"core", 5000, 0, 5000, now_s - 1});
  CHECK(h.NextAllowed("core") <= clock.Now());
  // Other buckets are independent; search's 30 points keep a quarter, not 200.
  CHECK(g.NextAllowed("search") <= clock.Now());
  CHECK(g.EffectiveReserve(30) == 7);
  CHECK(g.EffectiveReserve(5000) == 200);
  CHECK(Governor::ResourceFor("https://api.github.com/search/issues?q=x") == "search");
  CHECK(Governor::ResourceFor("/search/code?q=x") == "code_search");
  CHECK(Governor::ResourceFor("http://127.0.0.1:8080/api/v3/search/commits?q=x") == "search");
  CHECK(Governor::ResourceFor("/repos/o/r/issues") == "core");
  // A secondary-limit block holds only its bucket.
  g.BlockUntil("search", clock.Now() + seconds(60));
  CHECK(g.NextAllowed("search") >= clock.Now() + seconds(59));
}

TEST_CASE("the governor holds any reset a server sends to [epoch, now + an hour]") {
  ScaledClock clock(1.0);
  const std::int64_t now_s =
      std::chrono::duration_cast<seconds>(clock.Now().time_since_epoch()).count();
  const std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  // Past 2262 in epoch seconds overflows as nanoseconds; the plain build then took these for
  // resets long past and sent on through the reserve.
  for (std::int64_t reset : {std::int64_t{9223372037}, std::int64_t{253402300799}, kMax}) {
    CAPTURE(reset);
    Governor g(clock, 200, 30);
    g.OnResponse("core", RateLimit{"core", 5000, 150, 4850, reset});
    CHECK(g.Last("core")->reset <= now_s + 3600 + 1);
    CHECK(g.NextAllowed("core") >= clock.Now() + std::chrono::minutes(59));
    CHECK(g.NextAllowed("core") <= clock.Now() + std::chrono::minutes(61));
  }
  // Before the epoch (or before 1678, where nanoseconds overflow the other way): long past.
  for (std::int64_t reset : {std::int64_t{-1}, std::int64_t{-11676096000}, kMin}) {
    CAPTURE(reset);
    Governor g(clock, 200, 30);
    g.OnResponse("core", RateLimit{"core", 5000, 0, 5000, reset});
    CHECK(g.Last("core")->reset == 0);
    CHECK(g.NextAllowed("core") <= clock.Now());
  }
}

TEST_CASE("a 2xx whose callback cancels everything leaves no validator to answer 304 later") {
  // The harvester cancels everything when it cannot commit a page (a full disk): that page's
  // ETag must not make the next run's request conditional, or its 304 would hide the page.
  TempDir dir;
  ReplayServer rs("paginate-issues", /*conditional=*/true);
  boost::asio::io_context io;
  SystemClock clock;
  auto db = store::Database::Open(dir.file("cache.db"));
  REQUIRE_OK(db);
  app::DatabaseEtagStore etags(**db);
  Client client(io, clock, &etags, FixtureOptions(rs.server.base_url()));
  bool called = false;
  client.Get(kPaginateStart, [&](Result<ApiResponse> r) {
    called = true;
    REQUIRE_OK(r);
    CHECK(r->etag.has_value());
    client.CancelAll();  // as Harvester::Abort does
  });
  REQUIRE(RunUntil(io, [&] { return called; }));
  auto kept = (*db)->QueryInt("SELECT COUNT(*) FROM http_cache");
  REQUIRE_OK(kept);
  CHECK(kept->value_or(-1) == 0);

  // The next request goes out unconditional and gets the page again.
  auto again = Fetch(io, client, kPaginateStart);
  REQUIRE_OK(again);
  CHECK(again->kind == ApiResponse::Kind::kOk);
  auto log = rs.server.log();
  REQUIRE(log.size() == 2);
  CHECK(log[1].headers.count("if-none-match") == 0);
}

TEST_CASE("the server's Date header is read as its clock, in any HTTP-date form, junk ignored") {
  SystemClock clock;
  ScriptedHandler script;
  script.push("/fixdate", Json(200, "{}", {{"Date", "Tue, 19 Jul 2022 04:39:16 GMT"}}));
  script.push("/rfc850", Json(200, "{}", {{"Date", "Tuesday, 19-Jul-22 04:39:16 GMT"}}));
  script.push("/asctime", Json(200, "{}", {{"Date", "Tue Jul 19 04:39:16 2022"}}));
  script.push("/junk", Json(200, "{}", {{"Date", "soon"}}));
  script.push("/far", Json(200, "{}", {{"Date", "Sat, 01 Jan 2300 00:00:00 GMT"}}));
  script.push("/none", Json(200, "{}"));
  FakeServer server([&](const HttpRequest& req) { return script(req); });
  boost::asio::io_context io;
  Client client(io, clock, nullptr, FastOptions(server.base_url()));
  for (const char* path : {"/fixdate", "/rfc850", "/asctime"}) {
    auto r = Fetch(io, client, path);
    REQUIRE_OK(r);
    CHECK_MESSAGE(r->server_time == std::optional<std::string>("2022-07-19T04:39:16Z"), path);
  }
  for (const char* path : {"/junk", "/far", "/none"}) {
    auto r = Fetch(io, client, path);
    REQUIRE_OK(r);
    CHECK_MESSAGE(!r->server_time.has_value(), path);
  }
}
