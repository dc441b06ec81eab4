// The GitHub client's policy over a scripted in-memory transport: no sockets, no server.
// Each GET the client starts is answered by a script (on a later turn of the io_context, as
// a real transport would answer) or held until the test releases it; the test then reads what
// the client sent (URL, headers, when) and what it delivered. The loopback tests
// (github_client_test.cpp) cover the same client over libcurl and a local server.
#include "ghharvest/github/client.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "check_ok.hpp"
#include "ghharvest/github/app_auth.hpp"
#include "ghharvest/github/graphql.hpp"
#include "ghharvest/http/transport.hpp"
#include "ghharvest/metrics/registry.hpp"
#include "github/decide.hpp"
#include "io_loop.hpp"
#include "manual_clock.hpp"
#include "scripted_transport.hpp"
#include "world/github_app.hpp"

using namespace ghharvest;
using namespace ghharvest::github;
using namespace ghharvest::testing;
using std::chrono::seconds;

namespace {

const std::string kApi = "https://api.github.com";
const std::string kToken = "ghp_scriptedTransportToken0123456789";

// Validators in memory, with the order of events the client must respect.
class MemoryEtags final : public EtagStore {
 public:
  std::optional<CacheEntry> Lookup(const std::string& url, const std::string& token_id) override {
    auto it = entries.find(url + " " + token_id);
    if (it == entries.end()) return std::nullopt;
    return it->second;
  }
  Status Save(const std::string& url, const std::string& token_id,
              const CacheEntry& entry) override {
    ++saves;
    entries[url + " " + token_id] = entry;
    return Status::Ok();
  }
  Status Forget(const std::string& url, const std::string& token_id) override {
    entries.erase(url + " " + token_id);
    return Status::Ok();
  }
  std::map<std::string, CacheEntry> entries;
  int saves = 0;
};

ClientOptions Options(const std::string& api = kApi) {
  ClientOptions o;
  o.api_url = api;
  o.token = kToken;
  o.reserve = 2;
  o.max_retries = 3;
  o.retry_base = std::chrono::milliseconds(1000);
  o.secondary_base = seconds(60);
  return o;
}

// A client over a scripted transport; `transport` stays valid while `client` lives.
struct Rig {
  // `speed`: simulated seconds per real second (by default an hour in 36 ms).
  explicit Rig(TransportScript script, ClientOptions o = Options(), EtagStore* etags = nullptr,
               double speed = 100000)
      : clock(speed) {
    auto t = std::make_unique<ScriptedTransport>(io, clock, std::move(script));
    transport = t.get();
    client = std::make_unique<Client>(io, clock, etags, std::move(o), std::move(t));
  }

  // Runs the io_context until `done` holds; a real-time guard turns a hang into a failure.
  template <typename Pred>
  bool RunUntil(Pred done) {
    auto deadline = std::chrono::steady_clock::now() + seconds(20);
    io.restart();
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.run_for(std::chrono::milliseconds(5));
      io.restart();
    }
    return true;
  }

  Result<ApiResponse> Fetch(const std::string& url) {
    std::optional<Result<ApiResponse>> out;
    client->Get(url, [&](Result<ApiResponse> r) { out.emplace(std::move(r)); });
    REQUIRE(RunUntil([&] { return out.has_value(); }));
    return std::move(*out);
  }

  // Queues `n` viewer queries; each answer lands in `out` in the order it comes.
  void QueueQueries(std::vector<Result<GraphqlResponse>>& out, int n) {
    for (int i = 0; i < n; ++i) {
      client->Graphql("{ viewer { login } }", "",
                      [&out](Result<GraphqlResponse> r) { out.push_back(std::move(r)); });
    }
  }

  // Runs until `n` answers are in `out`, each of them data.
  void ExpectData(const std::vector<Result<GraphqlResponse>>& out, std::size_t n) {
    REQUIRE(RunUntil([&] { return out.size() == n; }));
    for (const auto& r : out) {
      REQUIRE_OK(r);
      CHECK(r->kind == GraphqlResponse::Kind::kData);
    }
  }

  boost::asio::io_context io;
  ScaledClock clock;
  ScriptedTransport* transport = nullptr;
  std::unique_ptr<Client> client;
};

}  // namespace

TEST_CASE("over a scripted transport a GET carries the documented headers and limits") {
  ClientOptions o = Options();
  o.connect_timeout = seconds(7);
  o.stall_timeout = seconds(9);
  o.max_redirects = 2;
  o.max_body_bytes = 12345;
  Rig rig([](const http::HttpGet&, int) { return Reply(200, R"({"login":"alice"})"); }, o);
  auto r = rig.Fetch("/users/alice");
  REQUIRE_OK(r);
  CHECK(r->kind == ApiResponse::Kind::kOk);
  CHECK(r->body == R"({"login":"alice"})");
  CHECK(r->url == kApi + "/users/alice");
  CHECK(r->final_url == kApi + "/users/alice");  // no redirect: the URL asked for
  REQUIRE(rig.transport->sent.size() == 1);
  const SentGet& s = rig.transport->sent[0];
  CHECK(s.get.url == kApi + "/users/alice");
  CHECK(s.Has("Authorization: Bearer " + kToken));
  CHECK(s.Has("Accept: application/vnd.github+json"));
  CHECK(s.Has("X-GitHub-Api-Version: 2022-11-28"));
  CHECK(s.get.connect_timeout == seconds(7));
  CHECK(s.get.stall_timeout == seconds(9));
  CHECK(s.get.max_redirects == 2);
  CHECK(s.get.max_body_bytes == 12345);
  CHECK(rig.client->stats().requests == 1);
  CHECK(rig.client->stats().points_spent == 1);
  CHECK(rig.client->Idle());
}

TEST_CASE("over a scripted transport 5xx and transport errors back off, doubling, then deliver") {
  Rig rig([](const http::HttpGet&, int nth) {
    if (nth == 0) return Reply(502, "<html>Bad Gateway</html>");
    if (nth == 1) return TransportError("Connection reset by peer");
    if (nth == 2) return Reply(500, R"({"message":"Server Error"})");
    return Reply(200, "[]");
  });
  auto r = rig.Fetch("/repos/o/r/issues");
  REQUIRE_OK(r);
  CHECK(r->kind == ApiResponse::Kind::kOk);
  const auto& sent = rig.transport->sent;
  REQUIRE(sent.size() == 4);
  // retry_base 1 s, doubled per try, plus at most 25% jitter.
  CHECK(sent[1].at - sent[0].at >= seconds(1));
  CHECK(sent[2].at - sent[1].at >= seconds(2));
  CHECK(sent[3].at - sent[2].at >= seconds(4));
  CHECK(rig.client->stats().retries == 3);
  CHECK(rig.client->stats().failures == 0);
}

TEST_CASE("over a scripted transport a failure that persists gives up after max_retries") {
  Rig rig([](const http::HttpGet&, int) { return Reply(503, R"({"message":"down"})"); });
  auto r = rig.Fetch("/users/alice");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kUnavailable);
  CHECK(r.status().message() == "GET " + kApi + "/users/alice failed after 4 tries: HTTP 503");
  CHECK(rig.transport->sent.size() == 4);
  CHECK(rig.client->stats().failures == 1);
}

TEST_CASE("over a scripted transport a permanent transport error (redirect loop) fails at once") {
  Rig rig([](const http::HttpGet&, int) {
    return TransportError("Maximum (5) redirects followed", /*permanent=*/true);
  });
  auto r = rig.Fetch("/a");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kUnavailable);
  CHECK(r.status().message() == "GET " + kApi + "/a failed: Maximum (5) redirects followed");
  CHECK(rig.transport->sent.size() == 1);
  CHECK(rig.client->stats().retries == 0);
}

TEST_CASE("over a scripted transport a followed redirect is reported as final_url") {
  Rig rig([](const http::HttpGet&, int) {
    http::HttpResult r = Reply(200, R"({"name":"new"})");
    r.final_url = kApi + "/repositories/42";
    return r;
  });
  auto r = rig.Fetch("/repos/o/old");
  REQUIRE_OK(r);
  CHECK(r->url == kApi + "/repos/o/old");
  CHECK(r->final_url == kApi + "/repositories/42");
}

TEST_CASE("over a scripted transport cut, malformed and empty 200s are retried, never cached") {
  for (std::string kind : {"cut", "malformed", "empty"}) {
    CAPTURE(kind);
    MemoryEtags etags;
    Rig rig(
        [kind](const http::HttpGet&, int nth) {
          http::HttpResult r = Reply(200, R"([{"id":1}])", {{"etag", "\"v1\""}});
          if (nth > 0) return r;
          if (kind == "cut") {
            r.body = R"([{"id")";
            r.truncated = true;
          }
          if (kind == "malformed") r.body = R"([{"id":1},)";
          if (kind == "empty") r.body.clear();
          r.headers["etag"] = "\"bad\"";
          return r;
        },
        Options(), &etags);
    auto r = rig.Fetch("/x");
    REQUIRE_OK(r);
    CHECK(r->body == R"([{"id":1}])");
    CHECK(rig.transport->sent.size() == 2);
    CHECK(rig.client->stats().retries == 1);
    // Only the whole answer's validators were kept.
    CHECK(etags.saves == 1);
    REQUIRE(etags.entries.size() == 1);
    CHECK(etags.entries.begin()->second.etag == "\"v1\"");
  }
}

TEST_CASE("over a scripted transport validators are sent back, and saved after the callback") {
  MemoryEtags etags;
  Rig rig(
      [](const http::HttpGet& get, int) {
        for (const auto& h : get.headers) {
          if (h == "If-None-Match: \"abc\"") return Reply(304, "");
        }
        return Reply(200, "[]",
                     {{"etag", "\"abc\""},
                      {"last-modified", "Wed, 21 Oct 2026 07:28:00 GMT"},
                      {"link", "<" + kApi + "/x?page=2>; rel=\"next\""}});
      },
      Options(), &etags);

  int saves_seen_in_callback = -1;
  std::optional<Result<ApiResponse>> first;
  rig.client->Get("/x", [&](Result<ApiResponse> r) {
    saves_seen_in_callback = etags.saves;
    first.emplace(std::move(r));
  });
  REQUIRE(rig.RunUntil([&] { return first.has_value(); }));
  REQUIRE_OK(*first);
  CHECK(saves_seen_in_callback == 0);  // a crash in the callback fetches the page again
  CHECK(etags.saves == 1);
  CHECK((*first)->next_url == kApi + "/x?page=2");
  CHECK_FALSE(rig.transport->sent[0].HasHeader("If-None-Match"));

  auto second = rig.Fetch("/x");
  REQUIRE_OK(second);
  CHECK(second->kind == ApiResponse::Kind::kNotModified);
  CHECK(second->next_url == kApi + "/x?page=2");  // the walk goes on from the cache
  CHECK(second->etag == "\"abc\"");
  CHECK(rig.transport->sent[1].Has("If-None-Match: \"abc\""));
  CHECK(rig.transport->sent[1].Has("If-Modified-Since: Wed, 21 Oct 2026 07:28:00 GMT"));
  CHECK(rig.client->stats().not_modified == 1);
  CHECK(rig.client->stats().points_spent == 1);  // a 304 costs no point

  REQUIRE_OK(rig.client->Forget("/x"));
  auto third = rig.Fetch("/x");
  REQUIRE_OK(third);
  CHECK(third->kind == ApiResponse::Kind::kOk);
  CHECK_FALSE(rig.transport->sent[2].HasHeader("If-None-Match"));
}

TEST_CASE("over a scripted transport the next link is given exactly as sent") {
  const std::string next = kApi + "/search/issues?q=a%20b&cursor=Y3Vyc29y&per_page=100";
  Rig rig([&](const http::HttpGet&, int) {
    return Reply(200, "[]",
                 {{"link", "<" + next + ">; rel=\"next\", <" + kApi + "/x?page=9>; rel=\"last\""}});
  });
  auto r = rig.Fetch("/search/issues?q=a%20b&per_page=100");
  REQUIRE_OK(r);
  CHECK(r->next_url == next);
}

TEST_CASE("over a scripted transport 404 and 410 are gone, 422 a client error, none retried") {
  for (long status : {404L, 410L, 422L}) {
    CAPTURE(status);
    Rig rig([&](const http::HttpGet&, int) { return Reply(status, R"({"message":"no"})"); });
    auto r = rig.Fetch("/repos/o/r");
    REQUIRE_OK(r);
    CHECK(r->kind == (status == 422 ? ApiResponse::Kind::kClientError : ApiResponse::Kind::kGone));
    CHECK(r->status == status);
    CHECK(r->body == R"({"message":"no"})");
    CHECK(rig.transport->sent.size() == 1);
  }
}

TEST_CASE("over a scripted transport a 401 fails the request, the queue and every later GET") {
  ClientOptions o = Options();
  o.concurrency = 1;
  Rig rig([](const http::HttpGet&, int) { return Reply(401, R"({"message":"Bad credentials"})"); },
          o);
  std::vector<Status> results;
  for (int i = 0; i < 3; ++i) {
    rig.client->Get("/users/u" + std::to_string(i),
                    [&](Result<ApiResponse> r) { results.push_back(r.status()); });
  }
  REQUIRE(rig.RunUntil([&] { return results.size() == 3; }));
  for (const auto& s : results) CHECK(s.code() == Status::Code::kUnauthorized);
  CHECK(results[0].message().find("/users/u0") != std::string::npos);
  auto later = rig.Fetch("/users/late");
  CHECK(later.status().code() == Status::Code::kUnauthorized);
  CHECK(rig.transport->sent.size() == 1);
}

TEST_CASE("over a scripted transport a primary limit holds the resource until its reset") {
  // The rig's clock starts now.
  const auto reset =
      std::chrono::time_point_cast<seconds>(std::chrono::system_clock::now()) + seconds(1800);
  const auto reset_s = std::chrono::duration_cast<seconds>(reset.time_since_epoch()).count();
  Rig rig([&](const http::HttpGet&, int nth) {
    http::HttpResult r =
        nth == 0 ? Reply(403, R"({"message":"API rate limit exceeded"})") : Reply(200, "{}");
    r.headers["x-ratelimit-limit"] = "5000";
    r.headers["x-ratelimit-remaining"] = nth == 0 ? "0" : "4999";
    r.headers["x-ratelimit-reset"] = std::to_string(reset_s);
    r.headers["x-ratelimit-resource"] = "core";
    return r;
  });
  auto r = rig.Fetch("/users/alice");
  REQUIRE_OK(r);
  CHECK(r->kind == ApiResponse::Kind::kOk);
  REQUIRE(rig.transport->sent.size() == 2);
  CHECK(rig.transport->sent[1].at >= reset);
  CHECK(rig.client->stats().retries == 1);
  // Within one window the lowest count seen stands (responses overtake each other).
  CHECK(rig.client->rate_limit("core")->remaining == 0);
}

TEST_CASE("over a scripted transport a secondary limit waits retry-after, holding the resource") {
  Rig rig([](const http::HttpGet& get, int nth) {
    if (nth == 0) {
      return Reply(429, R"({"message":"You have exceeded a secondary rate limit."})",
                   {{"retry-after", "120"}});
    }
    (void)get;
    return Reply(200, "{}");
  });
  std::vector<Result<ApiResponse>> out;
  rig.client->Get("/a", [&](Result<ApiResponse> r) { out.push_back(std::move(r)); });
  rig.client->Get("/b", [&](Result<ApiResponse> r) { out.push_back(std::move(r)); });
  REQUIRE(rig.RunUntil([&] { return out.size() == 2; }));
  for (const auto& r : out) CHECK_OK(r);
  const auto& sent = rig.transport->sent;
  REQUIRE(sent.size() == 3);
  // /a and /b went out together; the retry of /a waited the two minutes.
  CHECK(sent[2].get.url == kApi + "/a");
  CHECK(sent[2].at - sent[0].at >= seconds(120));
}

TEST_CASE("over a scripted transport CancelAll cancels queued and in-flight transfers") {
  ClientOptions o = Options();
  o.concurrency = 1;
  Rig rig([](const http::HttpGet&, int) { return std::optional<http::HttpResult>(); }, o);
  std::vector<Status> results;
  for (int i = 0; i < 3; ++i) {
    rig.client->Get("/q" + std::to_string(i),
                    [&](Result<ApiResponse> r) { results.push_back(r.status()); });
  }
  REQUIRE(rig.RunUntil([&] { return rig.transport->sent.size() == 1; }));
  rig.client->CancelAll();
  REQUIRE(rig.RunUntil([&] { return results.size() == 3; }));
  for (const auto& s : results) CHECK(s.code() == Status::Code::kCancelled);
  CHECK(rig.transport->cancels == 1);
  CHECK(rig.transport->open() == 0);
  CHECK(rig.transport->sent.size() == 1);
  CHECK(rig.client->Idle());
}

TEST_CASE("over a scripted transport destroying the client destroys the transport first") {
  Rig rig([](const http::HttpGet&, int) { return std::optional<http::HttpResult>(); });
  bool called = false;
  rig.client->Get("/held", [&](Result<ApiResponse>) { called = true; });
  REQUIRE(rig.RunUntil([&] { return rig.transport->sent.size() == 1; }));
  rig.client.reset();
  rig.io.restart();
  rig.io.poll();
  CHECK_FALSE(called);
}

TEST_CASE("over a scripted transport the token goes only to api_url's scheme, host and port") {
  struct Case {
    std::string url;
    bool token;
  };
  const std::vector<Case> cases = {
      {"/users/a", true},
      {kApi + "/users/a", true},
      {"https://API.GitHub.COM/users/a", true},                // host case does not matter
      {"https://api.github.com:443/users/a", true},            // the default port, spelled out
      {"https://user@api.github.com/users/a", true},           // userinfo is no part of the origin
      {"https://api.github.com@evil.example/users/a", false},  // the host is evil.example
      {"https://api.github.com:443@evil.example/users/a", false},
      {"https://evil.example#@api.github.com/users/a", false},
      {"https://api.github.com:8443/users/a", false},  // another port
      {"https://api.github.com./users/a", false},      // a trailing dot: another name
      {"http://api.github.com/users/a", false},        // plain http
      {"https://api.github.com.evil.example/users/a", false},
      {"https://[::1]/users/a", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.url);
    Rig rig([](const http::HttpGet&, int) { return Reply(200, "{}"); });
    REQUIRE_OK(rig.Fetch(c.url));
    REQUIRE(rig.transport->sent.size() == 1);
    CHECK(rig.transport->sent[0].HasHeader("Authorization") == c.token);
    CHECK(rig.transport->sent[0].HasHeader("Accept"));
  }
}

TEST_CASE("over a scripted transport an IPv6 api_url matches its literal in any spelling") {
  const std::string api = "http://[::1]:8080";
  for (std::string url : {"http://[::1]:8080/x", "http://[0:0:0:0:0:0:0:1]:8080/x", "/x"}) {
    CAPTURE(url);
    Rig rig([](const http::HttpGet&, int) { return Reply(200, "{}"); }, Options(api));
    REQUIRE_OK(rig.Fetch(url));
    CHECK(rig.transport->sent[0].Has("Authorization: Bearer " + kToken));
  }
  Rig rig([](const http::HttpGet&, int) { return Reply(200, "{}"); }, Options(api));
  REQUIRE_OK(rig.Fetch("http://[::1]:8081/x"));
  CHECK_FALSE(rig.transport->sent[0].HasHeader("Authorization"));
}

TEST_CASE("over a scripted transport a next link off the API origin fails the page") {
  struct Case {
    std::string link;
    bool follows;
  };
  const std::vector<Case> cases = {
      {kApi + "/repositories/1/issues?page=2", true},
      {"https://API.github.com:443/repositories/1/issues?page=2", true},
      {"/repositories/1/issues?page=2", true},  // a path: under api_url
      {"https://api.github.com@evil.example/repositories/1/issues?page=2", false},
      {"https://evil.example/repositories/1/issues?page=2", false},
      {"http://api.github.com/repositories/1/issues?page=2", false},
      {"https://api.github.com:444/repositories/1/issues?page=2", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.link);
    MemoryEtags etags;
    Rig rig(
        [&](const http::HttpGet&, int) {
          return Reply(200, "[]", {{"etag", "\"p1\""}, {"link", "<" + c.link + ">; rel=\"next\""}});
        },
        Options(), &etags);
    auto r = rig.Fetch("/repos/o/r/issues?per_page=100");
    CHECK(rig.transport->sent.size() == 1);  // not retried: the link would be the same
    if (c.follows) {
      REQUIRE_OK(r);
      CHECK(r->next_url == c.link);  // exactly as given
      CHECK(etags.saves == 1);
    } else {
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().code() == Status::Code::kUnavailable);
      CHECK(r.status().message() == "GET " + kApi +
                                        "/repos/o/r/issues?per_page=100 failed: the next-page "
                                        "link leaves the API origin");
      CHECK(etags.saves == 0);  // so the next run asks unconditionally
      CHECK(rig.client->stats().failures == 1);
    }
  }
}

// ---- GraphQL over the same client ---------------------------------------------------------

namespace {

Result<GraphqlResponse> AskGraphql(Rig& rig, const std::string& query = "{ viewer { login } }",
                                   const std::string& vars = "") {
  std::optional<Result<GraphqlResponse>> out;
  rig.client->Graphql(query, vars, [&](Result<GraphqlResponse> r) { out.emplace(std::move(r)); });
  REQUIRE(rig.RunUntil([&] { return out.has_value(); }));
  return std::move(*out);
}

http::Headers GraphqlRate(std::int64_t remaining, std::int64_t reset_s) {
  return {{"x-ratelimit-limit", "5000"},
          {"x-ratelimit-remaining", std::to_string(remaining)},
          {"x-ratelimit-reset", std::to_string(reset_s)},
          {"x-ratelimit-resource", "graphql"}};
}

std::int64_t NowPlus(seconds s) {
  return std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch() +
                                             s)
      .count();
}

// GitHub's answer to the viewer query, with the graphql bucket's headers.
http::HttpResult ViewerData() {
  return Reply(200, R"({"data":{"viewer":{"login":"a"},"rateLimit":{"cost":1}}})",
               GraphqlRate(4990, NowPlus(seconds(600))));
}

}  // namespace

TEST_CASE("graphql endpoint of api.github.com, of an Enterprise Server and of a local server") {
  CHECK(GraphqlUrl("https://api.github.com") == "https://api.github.com/graphql");
  CHECK(GraphqlUrl("https://api.github.com/") == "https://api.github.com/graphql");
  CHECK(GraphqlUrl("https://ghe.example.com/api/v3") == "https://ghe.example.com/api/graphql");
  CHECK(GraphqlUrl("https://ghe.example.com/api/v3/") == "https://ghe.example.com/api/graphql");
  CHECK(GraphqlUrl("http://127.0.0.1:8080") == "http://127.0.0.1:8080/graphql");
}

TEST_CASE("graphql envelope: data, errors with type, code and path, cost, and bad shapes") {
  auto env = ParseGraphqlEnvelope(
      R"({"data":{"rateLimit":{"cost":3},"x":null},"errors":[{"type":"NOT_FOUND","path":["x",2,"y"],"message":"gone"},{"message":"bad","extensions":{"code":"undefinedField"}}]})");
  REQUIRE_OK(env);
  CHECK(env->has_data);
  CHECK(env->cost == 3);
  REQUIRE(env->errors.size() == 2);
  CHECK(env->errors[0].type == "NOT_FOUND");
  CHECK(env->errors[0].path == "x.2.y");
  CHECK(env->errors[1].code == "undefinedField");
  CHECK_FALSE(env->rate_limited());
  auto limited = ParseGraphqlEnvelope(R"({"errors":[{"type":"RATE_LIMITED","message":"m"}]})");
  REQUIRE_OK(limited);
  CHECK_FALSE(limited->has_data);
  CHECK(limited->rate_limited());
  CHECK(ParseGraphqlEnvelope(R"({"data":null,"errors":[{"message":"m"}]})")->has_data == false);
  for (const char* bad : {"[]", "{}", R"({"data":null})", R"({"errors":{}})", R"({"errors":[1]})",
                          R"({"data":[]})", "{\"data\":{", "nonsense"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseGraphqlEnvelope(bad).ok());
  }
}

TEST_CASE("graphql DecideGraphql: RATE_LIMITED waits for a reset ahead, else backs off") {
  const auto now = Clock::TimePoint(seconds(1'000'000));
  Decision delivered;
  delivered.action = Decision::Action::kDeliver;
  delivered.kind = ApiResponse::Kind::kOk;
  delivered.rate.reset = 1'000'600;
  ClientOptions o = Options();
  Decision d = DecideGraphql(delivered, true, Attempt{}, o, now);
  CHECK(d.action == Decision::Action::kWaitForLimit);
  CHECK(d.until == Clock::TimePoint(seconds(1'000'600)));
  CHECK_FALSE(d.spends_limit_try);
  // No reset ahead: a backoff that spends a limit try, and gives up after max_retries.
  delivered.rate.reset = 0;
  d = DecideGraphql(delivered, true, Attempt{0, 0, 0}, o, now);
  CHECK(d.action == Decision::Action::kWaitForLimit);
  CHECK(d.spends_limit_try);
  CHECK(d.until == now + seconds(60));
  d = DecideGraphql(delivered, true, Attempt{0, o.max_retries, 0}, o, now);
  CHECK(d.action == Decision::Action::kFail);
  // Not rate limited, or not a delivery: unchanged.
  CHECK(DecideGraphql(delivered, false, Attempt{}, o, now).action == Decision::Action::kDeliver);
  Decision retry;
  retry.action = Decision::Action::kRetry;
  CHECK(DecideGraphql(retry, true, Attempt{}, o, now).action == Decision::Action::kRetry);
}

TEST_CASE("over a scripted transport a GraphQL query is a POST with the token, no validators") {
  MemoryEtags etags;
  Rig rig(
      [](const http::HttpGet&, int) {
        return Reply(200, R"({"data":{"viewer":{"login":"a"},"rateLimit":{"cost":2}}})",
                     GraphqlRate(4990, NowPlus(seconds(600))));
      },
      Options("https://ghe.example.com/api/v3"), &etags);
  auto r = AskGraphql(rig, "query Q($n: Int!) { viewer { login } }", R"({"n":1})");
  REQUIRE_OK(r);
  CHECK(r->kind == GraphqlResponse::Kind::kData);
  CHECK(r->errors.empty());
  CHECK(r->cost == 2);
  CHECK(r->rate.resource == "graphql");
  CHECK(r->body.find("\"login\":\"a\"") != std::string::npos);
  CHECK(r->body.capacity() >= r->body.size() + 64);
  REQUIRE(rig.transport->sent.size() == 1);
  const SentGet& sent = rig.transport->sent[0];
  CHECK(sent.get.url == "https://ghe.example.com/api/graphql");
  REQUIRE(sent.get.post_body.has_value());
  CHECK(*sent.get.post_body ==
        R"({"query":"query Q($n: Int!) { viewer { login } }","variables":{"n":1}})");
  CHECK(sent.Has("Content-Type: application/json"));
  CHECK(sent.Has("Authorization: Bearer " + kToken));
  CHECK_FALSE(sent.HasHeader("If-None-Match"));
  CHECK(sent.get.max_redirects == 0);
  CHECK(etags.saves == 0);
  CHECK(rig.client->stats().graphql_requests == 1);
  CHECK(rig.client->stats().graphql_points == 2);
  CHECK(rig.client->stats().points_spent == 0);  // core's count is not GraphQL's
  CHECK(rig.client->rate_limit("graphql")->remaining == 4990);
}

TEST_CASE("over a scripted transport a 200 saying RATE_LIMITED waits for the reset, then asks") {
  const auto reset =
      std::chrono::time_point_cast<seconds>(std::chrono::system_clock::now()) + seconds(1800);
  const auto reset_s = std::chrono::duration_cast<seconds>(reset.time_since_epoch()).count();
  Rig rig([&](const http::HttpGet&, int nth) {
    if (nth == 0) {
      return Reply(200,
                   R"({"errors":[{"type":"RATE_LIMITED","message":"API rate limit exceeded"}]})",
                   GraphqlRate(0, reset_s));
    }
    return Reply(200, R"({"data":{"ok":true}})", GraphqlRate(4999, reset_s + 3600));
  });
  auto r = AskGraphql(rig);
  REQUIRE_OK(r);
  CHECK(r->kind == GraphqlResponse::Kind::kData);
  REQUIRE(rig.transport->sent.size() == 2);
  CHECK(rig.transport->sent[1].at >= reset);
  CHECK(rig.client->stats().retries == 1);
  // The refused answer was not charged; the answer without rateLimit counts as 1 point.
  CHECK(rig.client->stats().graphql_points == 1);
}

TEST_CASE("over a scripted transport RATE_LIMITED without a reset ahead gives up in the end") {
  Rig rig([](const http::HttpGet&, int) {
    return Reply(200, R"({"errors":[{"type":"RATE_LIMITED","message":"slow down"}]})");
  });
  auto r = AskGraphql(rig);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kUnavailable);
  CHECK(r.status().message().find("POST") != std::string::npos);
  CHECK(rig.transport->sent.size() == 4);  // max_retries = 3 waits, then no more
  CHECK(rig.client->stats().graphql_points == 0);
}

TEST_CASE("over a scripted transport a GraphQL secondary limit waits retry-after like REST") {
  Rig rig([](const http::HttpGet&, int nth) {
    if (nth == 0) {
      return Reply(403, R"({"message":"You have exceeded a secondary rate limit."})",
                   {{"retry-after", "90"}});
    }
    return Reply(200, R"({"data":{}})");
  });
  auto r = AskGraphql(rig);
  REQUIRE_OK(r);
  CHECK(r->kind == GraphqlResponse::Kind::kData);
  REQUIRE(rig.transport->sent.size() == 2);
  CHECK(rig.transport->sent[1].at - rig.transport->sent[0].at >= seconds(90));
}

TEST_CASE("over a scripted transport partial data and errors alone are delivered, not retried") {
  Rig rig([](const http::HttpGet&, int nth) {
    if (nth == 0) {
      return Reply(
          200,
          R"({"data":{"a":1,"b":null},"errors":[{"type":"NOT_FOUND","path":["b"],"message":"x"}]})");
    }
    return Reply(
        200,
        R"({"errors":[{"message":"Field 'nope' doesn't exist on type 'Query'","extensions":{"code":"undefinedField"}}]})");
  });
  auto partial = AskGraphql(rig);
  REQUIRE_OK(partial);
  CHECK(partial->kind == GraphqlResponse::Kind::kData);
  REQUIRE(partial->errors.size() == 1);
  CHECK(partial->errors[0].path == "b");
  auto rejected = AskGraphql(rig, "{ nope }");
  REQUIRE_OK(rejected);
  CHECK(rejected->kind == GraphqlResponse::Kind::kErrors);
  REQUIRE(rejected->errors.size() == 1);
  CHECK(rejected->errors[0].code == "undefinedField");
  CHECK(rig.transport->sent.size() == 2);
  CHECK(rig.client->stats().retries == 0);
}

TEST_CASE("over a scripted transport cut, garbled and non-envelope GraphQL answers are retried") {
  ClientOptions o = Options();
  o.max_retries = 5;
  Rig rig(
      [](const http::HttpGet&, int nth) {
        switch (nth) {
          case 0: {
            http::HttpResult cut = Reply(200, R"({"data":{"a")");
            cut.truncated = true;
            return cut;
          }
          case 1:
            return Reply(200, R"({"data":{"a":)");  // whole as sent, not JSON
          case 2:
            return Reply(200, "[]");  // JSON, but no GraphQL envelope
          case 3:
            return Reply(502, R"({"message":"Server Error"})");
          default:
            return Reply(200, R"({"data":{"a":1}})");
        }
      },
      o);
  auto r = AskGraphql(rig);
  REQUIRE_OK(r);
  CHECK(r->kind == GraphqlResponse::Kind::kData);
  CHECK(rig.transport->sent.size() == 5);
  CHECK(rig.client->stats().retries == 4);
}

TEST_CASE("over a scripted transport a 404 on /graphql means no GraphQL, from then on") {
  Rig rig([](const http::HttpGet&, int) { return Reply(404, R"({"message":"Not Found"})"); });
  CHECK(rig.client->graphql_available());
  auto r = AskGraphql(rig);
  REQUIRE_OK(r);
  CHECK(r->kind == GraphqlResponse::Kind::kUnavailable);
  CHECK_FALSE(rig.client->graphql_available());
  auto again = AskGraphql(rig);
  REQUIRE_OK(again);
  CHECK(again->kind == GraphqlResponse::Kind::kUnavailable);
  CHECK(rig.transport->sent.size() == 1);  // the second was answered without asking
  CHECK(rig.client->stats().graphql_requests == 1);
  CHECK(rig.client->stats().graphql_points == 0);  // no GraphQL, no bucket to charge
  // REST goes on as before.
  auto rest = rig.Fetch("/users/a");
  CHECK(rest.ok());
}

TEST_CASE("over a scripted transport queries queued before the 404 on /graphql are not sent") {
  ClientOptions o = Options();
  // Room for all three at once: the client still sends one until the server has answered.
  o.concurrency = 4;
  Rig rig([](const http::HttpGet&, int) { return Reply(404, R"({"message":"Not Found"})"); }, o);
  std::vector<Result<GraphqlResponse>> out;
  rig.QueueQueries(out, 3);
  REQUIRE(rig.RunUntil([&] { return out.size() == 3; }));
  for (const auto& r : out) {
    REQUIRE_OK(r);
    CHECK(r->kind == GraphqlResponse::Kind::kUnavailable);
  }
  CHECK(rig.transport->sent.size() == 1);
  CHECK(rig.client->stats().graphql_requests == 1);
}

TEST_CASE("over a scripted transport GraphQL queries go one at a time until the first answer") {
  ClientOptions o = Options();
  o.concurrency = 4;
  Rig rig(
      [](const http::HttpGet&, int) -> std::optional<http::HttpResult> {
        return std::nullopt;  // every query held until released
      },
      o);
  std::vector<Result<GraphqlResponse>> out;
  rig.QueueQueries(out, 3);
  // A REST request is not held back by the query in flight.
  bool rest_sent = false;
  rig.client->Get("/users/a", [&](Result<ApiResponse>) {});
  REQUIRE(rig.RunUntil([&] {
    for (const auto& sent : rig.transport->sent) rest_sent |= !sent.get.post_body.has_value();
    return rest_sent;
  }));
  CHECK(rig.transport->sent.size() == 2);  // one query, one GET
  const auto first = rig.transport->held.front();
  rig.transport->Release(first, ViewerData());
  // Answered: the other two go out together, without waiting for each other.
  REQUIRE(rig.RunUntil([&] { return rig.transport->sent.size() == 4; }));
  CHECK(rig.transport->open() == 3);  // the GET and both queries
  for (auto id : rig.transport->held) {
    if (id != first) rig.transport->Release(id, ViewerData());
  }
  rig.ExpectData(out, 3);
}

TEST_CASE(
    "over a scripted transport a 5xx on the first GraphQL query keeps queries one at a time") {
  ClientOptions o = Options();
  o.concurrency = 4;
  Rig rig([](const http::HttpGet&, int) -> std::optional<http::HttpResult> { return std::nullopt; },
          o);
  std::vector<Result<GraphqlResponse>> out;
  rig.QueueQueries(out, 3);
  REQUIRE(rig.RunUntil([&] { return rig.transport->sent.size() == 1; }));
  // A 502 (GitHub's answer to a query that took too long) says nothing of whether the
  // server has GraphQL: while the first waits for its retry, the next goes out alone.
  rig.transport->Release(rig.transport->held.front(), Reply(502, R"({"message":"Server Error"})"));
  REQUIRE(rig.RunUntil([&] { return rig.transport->sent.size() == 2; }));
  CHECK(rig.transport->open() == 1);
  rig.transport->Release(rig.transport->held.back(), ViewerData());
  // Answered: the other two (the retry among them) go out together.
  REQUIRE(rig.RunUntil([&] { return rig.transport->sent.size() == 4; }));
  CHECK(rig.transport->open() == 2);
  for (std::size_t k = 2; k < rig.transport->sent.size(); ++k)
    rig.transport->Release(rig.transport->held[k], ViewerData());
  rig.ExpectData(out, 3);
}

TEST_CASE("over a scripted transport a first GraphQL query given up lets the others go together") {
  ClientOptions o = Options();
  o.concurrency = 4;
  // A server that never answers a query: every try is held, then times out.
  Rig rig([](const http::HttpGet&, int) -> std::optional<http::HttpResult> { return std::nullopt; },
          o);
  std::vector<Result<GraphqlResponse>> out;
  rig.QueueQueries(out, 3);
  std::set<http::TransferId> answered;
  auto unanswered = [&] {
    std::vector<http::TransferId> v;
    for (auto id : rig.transport->held)
      if (!answered.count(id)) v.push_back(id);
    return v;
  };
  // Each try times out until one query is given up; until then, one query in flight.
  for (;;) {
    REQUIRE(rig.RunUntil([&] { return !unanswered().empty(); }));
    if (rig.client->stats().failures > 0) break;
    CHECK(rig.transport->open() == 1);
    for (auto id : unanswered()) {
      answered.insert(id);
      rig.transport->Release(id, TransportError("Operation timed out after 60000 milliseconds"));
    }
  }
  // One query has been given up: the other two go out together, waiting for no answer.
  REQUIRE(rig.RunUntil([&] { return rig.transport->open() == 2; }));
  for (auto id : unanswered()) {
    rig.transport->Release(id, ViewerData());
  }
  REQUIRE(rig.RunUntil([&] { return out.size() == 3; }));
  CHECK(std::count_if(out.begin(), out.end(), [](const auto& r) { return r.ok(); }) == 2);
}

TEST_CASE("over a scripted transport graphql = false answers kUnavailable without a request") {
  ClientOptions o = Options();
  o.graphql = false;
  Rig rig([](const http::HttpGet&, int) { return Reply(200, R"({"data":{}})"); }, o);
  CHECK_FALSE(rig.client->graphql_available());
  auto r = AskGraphql(rig);
  REQUIRE_OK(r);
  CHECK(r->kind == GraphqlResponse::Kind::kUnavailable);
  CHECK(rig.transport->sent.empty());
}

TEST_CASE("over a scripted transport other 4xx of GraphQL are client errors with their errors") {
  Rig rig([](const http::HttpGet&, int) {
    return Reply(400, R"({"errors":[{"message":"Problems parsing JSON"}]})");
  });
  auto r = AskGraphql(rig);
  REQUIRE_OK(r);
  CHECK(r->kind == GraphqlResponse::Kind::kClientError);
  CHECK(r->status == 400);
  REQUIRE(r->errors.size() == 1);
  CHECK(rig.transport->sent.size() == 1);
}

TEST_CASE("over a scripted transport the graphql bucket keeps its own reserve, core its own") {
  const auto reset =
      std::chrono::time_point_cast<seconds>(std::chrono::system_clock::now()) + seconds(1200);
  const auto reset_s = std::chrono::duration_cast<seconds>(reset.time_since_epoch()).count();
  ClientOptions o = Options();
  o.reserve = 2;
  o.graphql_reserve = 50;
  o.concurrency = 1;
  Rig rig(
      [&](const http::HttpGet& get, int) {
        if (get.post_body) return Reply(200, R"({"data":{}})", GraphqlRate(50, reset_s));
        http::Headers core = {{"x-ratelimit-limit", "5000"},
                              {"x-ratelimit-remaining", "40"},
                              {"x-ratelimit-reset", std::to_string(reset_s)},
                              {"x-ratelimit-resource", "core"}};
        return Reply(200, "{}", core);
      },
      o, nullptr,
      // 1,200 s in 120 ms: the core request must be sent before the reset, and at the
      // default speed that left 12 ms of real time, which a loaded machine overran.
      10000);
  REQUIRE_OK(AskGraphql(rig));  // leaves 50: at the graphql reserve
  // Core (40 left, reserve 2) is not held back by GraphQL's reserve.
  REQUIRE_OK(rig.Fetch("/users/a"));
  CHECK(rig.transport->sent.back().at < reset);
  REQUIRE_OK(AskGraphql(rig));  // held until the reset
  REQUIRE(rig.transport->sent.size() == 3);
  CHECK(rig.transport->sent[2].at >= reset);
}

// The daemon's metrics (ClientOptions::metrics), counted where the client decides: every
// answer by bucket and status, 304s, points, budgets by credential, retries and faults by kind.
TEST_CASE("over a scripted transport the client counts requests, points and faults in metrics") {
  metrics::Registry m;
  ClientOptions o = Options();
  o.metrics = &m;
  const std::int64_t reset_s = NowPlus(seconds(1800));
  Rig rig(
      [&](const http::HttpGet& get, int nth) {
        http::HttpResult r;
        if (get.url.find("/flaky") != std::string::npos && nth == 0) {
          r = Reply(503, "down");
        } else if (get.url.find("/flaky") != std::string::npos && nth == 1) {
          return TransportError("Connection reset by peer");
        } else if (get.url.find("/cached") != std::string::npos) {
          r = Reply(304, "");
        } else if (get.url.find("/broken") != std::string::npos) {
          r = Reply(200, "{not json");
        } else {
          r = Reply(200, "{}");
        }
        r.headers["x-ratelimit-limit"] = "5000";
        r.headers["x-ratelimit-remaining"] = std::to_string(4990 - nth);
        r.headers["x-ratelimit-reset"] = std::to_string(reset_s);
        r.headers["x-ratelimit-resource"] = "core";
        return r;
      },
      o);
  REQUIRE_OK(rig.Fetch("/flaky"));   // 503, reset, then 200
  REQUIRE_OK(rig.Fetch("/cached"));  // 304
  const std::string cred = TokenFingerprint(kToken);
  CHECK(cred.rfind("fnv1a:", 0) == 0);
  CHECK(cred.size() == 18);
  CHECK(kToken.find(cred.substr(6)) == std::string::npos);
  CHECK(m.Value("ghharvest_github_requests_total", {{"resource", "core"}, {"status", "503"}}) == 1);
  CHECK(m.Value("ghharvest_github_requests_total", {{"resource", "core"}, {"status", "error"}}) ==
        1);
  CHECK(m.Value("ghharvest_github_requests_total", {{"resource", "core"}, {"status", "200"}}) == 1);
  CHECK(m.Value("ghharvest_github_requests_total", {{"resource", "core"}, {"status", "304"}}) == 1);
  CHECK(m.Value("ghharvest_github_not_modified_total", {{"resource", "core"}}) == 1);
  // The 503 and the 200 cost a point each; the 304 and the reset nothing.
  CHECK(m.Value("ghharvest_github_points_spent_total",
                {{"resource", "core"}, {"credential", cred}}) == 2);
  CHECK(m.Value("ghharvest_github_rate_limit_remaining",
                {{"resource", "core"}, {"credential", cred}}) == 4987);
  CHECK(m.Value("ghharvest_github_rate_limit_limit",
                {{"resource", "core"}, {"credential", cred}}) == 5000);
  CHECK(m.Value("ghharvest_github_rate_limit_reset_timestamp_seconds",
                {{"resource", "core"}, {"credential", cred}}) == static_cast<double>(reset_s));
  CHECK(m.Value("ghharvest_github_retries_total", {{"kind", "transient"}}) == 2);
  CHECK(m.Value("ghharvest_github_faults_total", {{"kind", "server_error"}}) == 1);
  CHECK(m.Value("ghharvest_github_faults_total", {{"kind", "transport"}}) == 1);
  CHECK_FALSE(m.Value("ghharvest_github_requests_failed_total").has_value());

  // A body that stays broken: retried max_retries times, then given up.
  auto broken = rig.Fetch("/broken");
  CHECK_FALSE(broken.ok());
  CHECK(m.Value("ghharvest_github_faults_total", {{"kind", "body_malformed"}}) == 4);
  CHECK(m.Value("ghharvest_github_requests_failed_total") == 1);
  // The token itself is nowhere in the text.
  CHECK(m.Render().find(kToken) == std::string::npos);
}

TEST_CASE("over a scripted transport limits and a 401 are faults of their own kind in metrics") {
  metrics::Registry m;
  ClientOptions o = Options();
  o.metrics = &m;
  const std::int64_t reset_s = NowPlus(seconds(3000));
  Rig rig(
      [&](const http::HttpGet&, int nth) {
        if (nth == 0) {
          return Reply(429, R"({"message":"You have exceeded a secondary rate limit."})",
                       {{"retry-after", "5"}});
        }
        if (nth == 1) {
          http::HttpResult r = Reply(403, R"({"message":"API rate limit exceeded"})");
          r.headers["x-ratelimit-limit"] = "5000";
          r.headers["x-ratelimit-remaining"] = "0";
          r.headers["x-ratelimit-reset"] = std::to_string(reset_s);
          r.headers["x-ratelimit-resource"] = "core";
          return r;
        }
        if (nth == 2) return Reply(200, "{}");
        return Reply(401, R"({"message":"Bad credentials"})");
      },
      o);
  REQUIRE_OK(rig.Fetch("/users/a"));
  CHECK(m.Value("ghharvest_github_faults_total", {{"kind", "secondary_rate_limit"}}) == 1);
  CHECK(m.Value("ghharvest_github_faults_total", {{"kind", "rate_limit"}}) == 1);
  CHECK(m.Value("ghharvest_github_retries_total", {{"kind", "rate_limit"}}) == 2);
  CHECK(rig.Fetch("/users/b").status().code() == Status::Code::kUnauthorized);
  CHECK(m.Value("ghharvest_github_faults_total", {{"kind", "unauthorized"}}) == 1);
  CHECK(m.Value("ghharvest_github_requests_total", {{"resource", "core"}, {"status", "401"}}) == 1);
  CHECK(m.Value("ghharvest_github_requests_failed_total") == 1);
}

// ---- A token pool ---------------------------------------------------------------------

namespace {

const std::vector<std::string> kPool = {"ghp_poolTokenAlpha0000000000000000000000",
                                        "ghp_poolTokenBravo1111111111111111111111",
                                        "ghp_poolTokenCharlie22222222222222222222"};

ClientOptions PoolOptions(metrics::Registry* m = nullptr) {
  ClientOptions o = Options();
  o.tokens = kPool;
  o.metrics = m;
  return o;
}

// The token a sent request carried ("" for none).
std::string TokenOf(const SentGet& s) {
  for (const auto& h : s.get.headers) {
    if (h.rfind("Authorization: Bearer ", 0) == 0) return h.substr(22);
  }
  return "";
}

http::HttpResult WithRate(http::HttpResult r, std::int64_t remaining, std::int64_t reset_s) {
  r.headers["x-ratelimit-limit"] = "5000";
  r.headers["x-ratelimit-remaining"] = std::to_string(remaining);
  r.headers["x-ratelimit-reset"] = std::to_string(reset_s);
  r.headers["x-ratelimit-resource"] = "core";
  return r;
}

// Which token each of 24 repositories is read with, all lists of a repository alike.
std::map<std::string, std::string> ReadAll(Rig& rig, int from = 0) {
  std::map<std::string, std::string> by_repo;
  for (int i = 0; i < 24; ++i) {
    const std::string repo = "/repos/o/r" + std::to_string(i);
    for (const char* list : {"/issues?per_page=100", "/pulls?per_page=100", ""}) {
      std::size_t before = rig.transport->sent.size();
      REQUIRE_OK(rig.Fetch(repo + list));
      // The last try is the one that was answered.
      REQUIRE(rig.transport->sent.size() > before);
      std::string token = TokenOf(rig.transport->sent.back());
      auto [it, added] = by_repo.emplace("r" + std::to_string(i), token);
      CHECK(it->second == token);  // every list of a repository with the same credential
    }
  }
  (void)from;
  return by_repo;
}

}  // namespace

TEST_CASE("over a scripted transport a token pool reads each repository with one credential") {
  metrics::Registry m;
  const std::int64_t reset_s = NowPlus(seconds(1800));
  auto script = [&](const http::HttpGet&, int nth) {
    return WithRate(Reply(200, "[]"), 4000 - nth, reset_s);
  };
  Rig rig(script, PoolOptions(&m));
  auto first = ReadAll(rig);
  auto again = ReadAll(rig);
  CHECK(first == again);
  std::set<std::string> used;
  for (const auto& [repo, token] : first) used.insert(token);
  CHECK(used.size() == 3);  // the repositories are spread over the pool
  // A second client (the next run, a reload) assigns them the same way.
  Rig next(script, PoolOptions());
  CHECK(ReadAll(next) == first);
  // Each credential's budget, by fingerprint, in metrics and budgets().
  auto budgets = rig.client->budgets();
  CHECK(budgets.size() == 3);
  for (const auto& b : budgets) {
    CHECK(b.rate.resource == "core");
    CHECK_FALSE(b.revoked);
    CHECK(m.Value("ghharvest_github_rate_limit_remaining",
                  {{"resource", "core"}, {"credential", b.credential}})
              .has_value());
  }
  // The pool's sum for `status`.
  auto sum = rig.client->rate_limit("core");
  REQUIRE(sum);
  CHECK(sum->limit == 15000);
  const std::string text = m.Render();
  for (const auto& t : kPool) CHECK(text.find(t) == std::string::npos);
}

TEST_CASE(
    "over a scripted transport a pool credential answered 401 is dropped and only its "
    "repositories move") {
  const std::int64_t reset_s = NowPlus(seconds(1800));
  auto ok = [&](const http::HttpGet&, int nth) {
    return WithRate(Reply(200, "[]"), 4000 - nth, reset_s);
  };
  Rig baseline(ok, PoolOptions());
  auto before = ReadAll(baseline);

  metrics::Registry m;
  Rig rig(
      [&](const http::HttpGet& get, int nth) {
        for (const auto& h : get.headers) {
          if (h == "Authorization: Bearer " + kPool[1]) {
            return Reply(401, R"({"message":"Bad credentials"})");
          }
        }
        return ok(get, nth);
      },
      PoolOptions(&m));
  auto after = ReadAll(rig);
  for (const auto& [repo_binding, token] : before) {
    const std::string repo = repo_binding;  // clang 14 cannot capture a binding (CAPTURE)
    CAPTURE(repo);
    CHECK(after[repo] != kPool[1]);
    if (token != kPool[1]) CHECK(after[repo] == token);  // the others' repositories stay
  }
  CHECK(m.Value("ghharvest_github_faults_total", {{"kind", "unauthorized"}}) == 1);
  CHECK_FALSE(m.Value("ghharvest_github_requests_failed_total").has_value());
  // Later requests never try the revoked one again.
  std::size_t sent = rig.transport->sent.size();
  ReadAll(rig);
  for (std::size_t i = sent; i < rig.transport->sent.size(); ++i) {
    CHECK(TokenOf(rig.transport->sent[i]) != kPool[1]);
  }
}

TEST_CASE("over a scripted transport a pool whose every credential is answered 401 stops") {
  Rig rig([](const http::HttpGet&, int) { return Reply(401, R"({"message":"Bad credentials"})"); },
          PoolOptions());
  auto r = rig.Fetch("/repos/o/r/issues");
  CHECK(r.status().code() == Status::Code::kUnauthorized);
  CHECK(rig.transport->sent.size() == 3);  // one try per credential
  CHECK(rig.Fetch("/repos/o/other").status().code() == Status::Code::kUnauthorized);
  CHECK(rig.transport->sent.size() == 3);
}

TEST_CASE(
    "over a scripted transport a pool credential at its reserve lends its repositories "
    "to another until its reset") {
  const std::int64_t reset_s = NowPlus(seconds(3000));
  std::string exhausted;
  Rig rig(
      [&](const http::HttpGet& get, int nth) {
        std::string token;
        for (const auto& h : get.headers) {
          if (h.rfind("Authorization: Bearer ", 0) == 0) token = h.substr(22);
        }
        if (exhausted.empty()) exhausted = token;  // the first credential used runs dry
        return WithRate(Reply(200, "[]"), token == exhausted ? 0 : 4000 - nth, reset_s);
      },
      PoolOptions());
  REQUIRE_OK(rig.Fetch("/repos/o/r0/issues"));
  const std::string home = TokenOf(rig.transport->sent[0]);
  CHECK(home == exhausted);
  // Its budget is at the reserve for most of an hour: the next request goes elsewhere, at once.
  REQUIRE_OK(rig.Fetch("/repos/o/r0/issues"));
  REQUIRE(rig.transport->sent.size() == 2);
  CHECK(TokenOf(rig.transport->sent[1]) != home);
  // Not waiting for the reset 3,000 s away: the rig's clock runs 100,000 times faster than
  // real time, so the bound is 18 ms of real time for two requests (an ASan build under load
  // takes about 1 ms; a tighter bound, 60 s = 0.6 ms, failed there).
  CHECK(rig.transport->sent[1].at - rig.transport->sent[0].at < seconds(1800));
}

// ---- A GitHub App installation ------------------------------------------------------------

namespace {

// A scripted GitHub with an app: the exchange (verified against the key) issues ghs_<n>,
// valid `lifetime_s` from the rig clock's now; `api` answers everything else given the token.
struct AppScript {
  testing::TestRsaKey key = testing::MakeTestRsaKey();
  int exchanges = 0;
  int refuse_exchange_status = 0;  // answer the exchange with this instead
  std::int64_t lifetime_s = 3600;
  const Clock* clock = nullptr;
  std::function<http::HttpResult(const std::string& token, int nth)> api =
      [](const std::string&, int) { return Reply(200, "{}"); };

  std::optional<http::HttpResult> operator()(const http::HttpGet& get, int nth) {
    std::string auth;
    for (const auto& h : get.headers) {
      if (h.rfind("Authorization: Bearer ", 0) == 0) auth = h.substr(22);
    }
    if (get.url == kApi + "/app/installations/77/access_tokens") {
      REQUIRE(get.post_body.has_value());
      std::string payload;
      CHECK(testing::VerifyRs256Jwt(auth, key.public_pem, &payload));
      CHECK(payload.find("\"iss\":\"1234\"") != std::string::npos);
      ++exchanges;
      if (refuse_exchange_status) return Reply(refuse_exchange_status, R"({"message":"no"})");
      const auto now = std::chrono::duration_cast<seconds>(clock->Now().time_since_epoch());
      return Reply(201, fmt::format(R"({{"token":"ghs_{}","expires_at":"{}"}})", exchanges,
                                    FormatIso8601(Clock::TimePoint(now + seconds(lifetime_s)))));
    }
    return api(auth, nth);
  }
};

ClientOptions AppOptions(const AppScript& s) {
  ClientOptions o = Options();
  o.token.clear();
  o.app = AppCredentials{1234, 77, s.key.private_pem};
  return o;
}

}  // namespace

TEST_CASE("over a scripted transport a GitHub App client fetches its installation token first") {
  auto script = std::make_shared<AppScript>();
  Rig rig([script](const http::HttpGet& g, int n) { return (*script)(g, n); }, AppOptions(*script));
  script->clock = &rig.clock;
  REQUIRE_OK(rig.Fetch("/repos/o/r/issues"));
  REQUIRE(rig.transport->sent.size() == 2);
  CHECK(rig.transport->sent[0].get.url == kApi + "/app/installations/77/access_tokens");
  CHECK(rig.transport->sent[1].Has("Authorization: Bearer ghs_1"));
  // Good for an hour: the next requests use it without asking again.
  REQUIRE_OK(rig.Fetch("/repos/o/r/pulls"));
  CHECK(script->exchanges == 1);
  CHECK(rig.transport->sent.back().Has("Authorization: Bearer ghs_1"));
  auto budgets = rig.client->budgets();
  CHECK(budgets.empty());  // the scripted answers carry no x-ratelimit headers
}

TEST_CASE("over a scripted transport a GitHub App token is replaced before it expires") {
  // A clock that stands still, so the moments are exact whatever the machine's load.
  testing::ManualClock clock("2026-12-01T00:00:00Z");
  boost::asio::io_context io;
  auto script = std::make_shared<AppScript>();
  script->clock = &clock;
  script->lifetime_s = 3600;  // replaced 5 minutes before it expires
  auto t = std::make_unique<ScriptedTransport>(
      io, clock, [script](const http::HttpGet& g, int n) { return (*script)(g, n); });
  ScriptedTransport* transport = t.get();
  Client client(io, clock, nullptr, AppOptions(*script), std::move(t));
  auto fetch = [&](const std::string& path) {
    std::optional<Result<ApiResponse>> out;
    client.Get(path, [&](Result<ApiResponse> r) { out.emplace(std::move(r)); });
    REQUIRE(testing::RunUntil(io, [&] { return out.has_value(); }));
    return std::move(*out);
  };
  REQUIRE_OK(fetch("/users/a"));
  CHECK(script->exchanges == 1);
  clock.Advance(seconds(3299));  // 5 minutes and a second before it expires: still good
  REQUIRE_OK(fetch("/users/b"));
  CHECK(script->exchanges == 1);
  CHECK(transport->sent.back().Has("Authorization: Bearer ghs_1"));
  clock.Advance(seconds(1));  // 5 minutes before: replaced first
  REQUIRE_OK(fetch("/users/c"));
  CHECK(script->exchanges == 2);
  REQUIRE(transport->sent.size() == 5);
  CHECK(transport->sent[3].get.url == kApi + "/app/installations/77/access_tokens");
  CHECK(transport->sent[4].Has("Authorization: Bearer ghs_2"));
}

TEST_CASE("over a scripted transport a GitHub App token refused with 401 is fetched again once") {
  auto script = std::make_shared<AppScript>();
  script->api = [](const std::string& token, int) {
    return token == "ghs_1" ? Reply(401, R"({"message":"Bad credentials"})") : Reply(200, "{}");
  };
  Rig rig([script](const http::HttpGet& g, int n) { return (*script)(g, n); }, AppOptions(*script));
  script->clock = &rig.clock;
  REQUIRE_OK(rig.Fetch("/users/a"));  // ghs_1 refused, ghs_2 fetched, the request sent again
  CHECK(script->exchanges == 2);
  CHECK(rig.transport->sent.back().Has("Authorization: Bearer ghs_2"));

  // Every token refused: given up after a fresh one was refused too.
  auto refused = std::make_shared<AppScript>();
  refused->api = [](const std::string&, int) {
    return Reply(401, R"({"message":"Bad credentials"})");
  };
  Rig rig2([refused](const http::HttpGet& g, int n) { return (*refused)(g, n); },
           AppOptions(*refused));
  refused->clock = &rig2.clock;
  CHECK(rig2.Fetch("/users/a").status().code() == Status::Code::kUnauthorized);
  CHECK(refused->exchanges == 3);
  CHECK(rig2.Fetch("/users/b").status().code() == Status::Code::kUnauthorized);
  CHECK(refused->exchanges == 3);
}

TEST_CASE("over a scripted transport a GitHub App whose exchange is refused fails its requests") {
  auto script = std::make_shared<AppScript>();
  script->refuse_exchange_status = 401;
  Rig rig([script](const http::HttpGet& g, int n) { return (*script)(g, n); }, AppOptions(*script));
  script->clock = &rig.clock;
  CHECK(rig.Fetch("/users/a").status().code() == Status::Code::kUnauthorized);
  CHECK(script->exchanges == 1);
  CHECK(rig.transport->sent.size() == 1);  // no request went out without a token

  // A server error on the exchange is retried after a backoff; then the request goes out.
  auto flaky = std::make_shared<AppScript>();
  flaky->refuse_exchange_status = 502;
  Rig rig2(
      [flaky](const http::HttpGet& g, int n) {
        auto r = (*flaky)(g, n);
        if (flaky->exchanges == 1) flaky->refuse_exchange_status = 0;
        return r;
      },
      AppOptions(*flaky));
  flaky->clock = &rig2.clock;
  REQUIRE_OK(rig2.Fetch("/users/a"));
  CHECK(flaky->exchanges == 2);
  CHECK(rig2.transport->sent.back().Has("Authorization: Bearer ghs_2"));
  CHECK(rig2.transport->sent[1].at - rig2.transport->sent[0].at >= seconds(2));
}
