// gzip-encoded responses through the real client: curl asks for them (CURLOPT_ACCEPT_ENCODING
// "") and GitHub sends them, so a decoded page must be the plain page byte for byte, and a
// compressed body cut short or corrupt must be retried like a plain one, never handed on.
#include <doctest/doctest.h>

#include "check_ok.hpp"

#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fake_server.hpp"
#include "fixture_replay.hpp"
#include "ghharvest/app/adapters.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/github/parse.hpp"
#include "ghharvest/store/database.hpp"
#include "github_responses.hpp"
#include "io_loop.hpp"
#include "scripted_handler.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using namespace ghharvest::github;
using namespace ghharvest::testing;

namespace {

const std::string kFixtureToken = "0000000000000000000000000000000000000001";
const std::string kPaginateStart =
    "/repos/octokit-fixture-org/tmp-scenario-paginate-issues-20220719043836917-izyoe/"
    "issues?per_page=3";

// The fixtures were recorded with the v3 media type and the "token" scheme.
ClientOptions FixtureOptions(const std::string& base) {
  ClientOptions o;
  o.api_url = base;
  o.token = kFixtureToken;
  o.accept = "application/vnd.github.v3+json";
  o.auth_scheme = "token";
  o.max_retries = 3;
  o.retry_base = std::chrono::milliseconds(1000);
  o.connect_timeout = std::chrono::seconds(5);
  o.stall_timeout = std::chrono::seconds(5);
  return o;
}

// Every result the callback was given, so a test sees a partial body even if a retry
// followed it.
std::vector<Result<ApiResponse>> FetchAll(boost::asio::io_context& io, Client& client,
                                          const std::string& url) {
  std::vector<Result<ApiResponse>> out;
  client.Get(url, [&](Result<ApiResponse> r) { out.push_back(std::move(r)); });
  REQUIRE(RunUntil(io, [&] { return !out.empty() && client.Idle(); }));
  return out;
}

Result<ApiResponse> Fetch(boost::asio::io_context& io, Client& client, const std::string& url) {
  auto all = FetchAll(io, client, url);
  REQUIRE(all.size() == 1);
  return std::move(all.front());
}

Handler Gzipping(Handler inner) {
  return [inner](const HttpRequest& req) { return Gzipped(inner(req)); };
}

// Answers 304 when the client presents the ETag the wrapped handler would send.
Handler WithConditional(Handler inner) {
  return [inner](const HttpRequest& req) {
    HttpResponse r = inner(req);
    std::string inm = req.header("if-none-match");
    for (const auto& [name, value] : r.headers) {
      if ((name == "etag" || name == "ETag") && !inm.empty() && inm == value && r.status == 200) {
        r.status = 304;
        r.body.clear();
      }
    }
    return r;
  };
}

struct ReplayServer {
  explicit ReplayServer(bool gzip, bool conditional = false)
      : server([](const HttpRequest&) { return HttpResponse{}; }) {
    Handler h =
        MakeFixtureReplay(OctokitFixture("paginate-issues"), [this] { return server.base_url(); });
    if (gzip) h = Gzipping(h);
    server.set_handler(conditional ? WithConditional(h) : h);
  }
  FakeServer server;
};

struct Page {
  std::string body;
  std::optional<std::string> next_url, etag;
  std::vector<std::string> issues;  // one line per parsed record
};

// The paginate-issues recording walked to the end, each page parsed as the harvester does;
// the server's address is taken out of bodies and next links so two walks compare equal.
std::vector<Page> WalkIssues(ReplayServer& rs) {
  boost::asio::io_context io;
  SystemClock clock;
  Client client(io, clock, nullptr, FixtureOptions(rs.server.base_url()));
  std::vector<Page> pages;
  std::string url = kPaginateStart;
  while (true) {
    auto r = Fetch(io, client, url);
    REQUIRE_OK(r);
    REQUIRE(r->kind == ApiResponse::Kind::kOk);
    CHECK(r->body.capacity() >= r->body.size() + kJsonPadding);
    Page p{r->body, r->next_url, r->etag, {}};
    for (std::size_t at; (at = p.body.find(rs.server.base_url())) != std::string::npos;) {
      p.body.replace(at, rs.server.base_url().size(), "SERVER");
    }
    auto issues = ParseIssueList(r->body);
    REQUIRE_OK(issues);
    for (const IssueRecord& i : *issues) {
      p.issues.push_back(std::to_string(i.id) + " #" + std::to_string(i.number) + " " +
                         (i.user ? i.user->login : "-") + " " + i.state + " " + i.title + " " +
                         i.updated_at + " c=" + std::to_string(i.comments) +
                         " r=" + std::to_string(i.reactions.total));
    }
    if (p.next_url) p.next_url->erase(0, rs.server.base_url().size());
    pages.push_back(std::move(p));
    if (!r->next_url) break;
    url = *r->next_url;
    REQUIRE(pages.size() < 10);
  }
  return pages;
}

}  // namespace

TEST_CASE("a gzip-encoded paginated list parses exactly like the plain one") {
  ReplayServer plain_rs(/*gzip=*/false);
  ReplayServer gzip_rs(/*gzip=*/true);
  std::vector<Page> plain = WalkIssues(plain_rs);
  std::vector<Page> gzip = WalkIssues(gzip_rs);

  // The encoding really was on the wire, and only where asked for.
  CHECK(gzip_rs.server.stats().gzip_responses == 5);
  CHECK(plain_rs.server.stats().gzip_responses == 0);
  for (const auto& e : gzip_rs.server.log()) CHECK(e.gzip);

  REQUIRE(plain.size() == 5);
  REQUIRE(gzip.size() == plain.size());
  std::size_t items = 0;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    CAPTURE(i);
    CHECK(gzip[i].body == plain[i].body);
    CHECK(gzip[i].next_url == plain[i].next_url);
    CHECK(gzip[i].etag == plain[i].etag);
    CHECK(gzip[i].issues == plain[i].issues);
    items += gzip[i].issues.size();
  }
  CHECK(items == 13);
}

namespace {

const std::string kGood =
    R"([{"id":1,"number":1,"state":"open","title":"a title long enough to compress and cut",)"
    R"("created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-02T00:00:00Z"}])";

// Two faulty answers for /x, then the good one; returns every callback result.
std::vector<Result<ApiResponse>> FaultTwiceThenGood(const Clock& clock, HttpResponse fault,
                                                    ClientStats* stats, ServerStats* seen) {
  ScriptedHandler script;
  script.push("/x", fault);
  script.push("/x", fault);
  script.push("/x", Gzipped(JsonResponse(200, kGood)));
  FakeServer server(script.handler());
  boost::asio::io_context io;
  Client client(io, clock, nullptr, FixtureOptions(server.base_url()));
  auto all = FetchAll(io, client, "/x");
  *stats = client.stats();
  *seen = server.stats();
  return all;
}

}  // namespace

TEST_CASE("gzip bodies cut short or corrupt are retried, never handed on, then succeed") {
  ScaledClock clock(1000);
  const std::size_t packed = GzipCompress(kGood).size();
  auto fault = [&](const std::string& kind) {
    HttpResponse r = Gzipped(JsonResponse(200, kGood));
    if (kind == "half") r.truncate_at = packed / 2;  // mid-deflate, honest length
    if (kind == "close") r.close_mid_body = true;    // Content-Length unmet
    if (kind == "corrupt") r.corrupt_gzip = true;    // inflates whole, wrong CRC
    return r;
  };
  for (std::string kind : {"half", "close", "corrupt"}) {
    CAPTURE(kind);
    ClientStats stats;
    ServerStats seen;
    auto all = FaultTwiceThenGood(clock, fault(kind), &stats, &seen);
    REQUIRE(all.size() == 1);  // no partial body reached the caller before the good one
    REQUIRE_OK(all[0]);
    CHECK(all[0]->kind == ApiResponse::Kind::kOk);
    CHECK(all[0]->body == kGood);
    CHECK(stats.retries == 2);
    CHECK(stats.requests == 3);
    CHECK(stats.failures == 0);
    CHECK(seen.gzip_responses == 3);
  }
}

// libcurl 7.88 reports a gzip stream that stops early as complete (no stream-end check), so
// the client's guard is that a cut JSON document is not valid JSON. Two cuts get past that:
// before any byte inflates (an empty 200 body, which the client retries: no endpoint it reads
// answers an empty 200), and inside the 8-byte trailer (every byte of the JSON, checksum
// unread: the whole page). Neither can put a partial record in the store.
TEST_CASE("a gzip stream cut before its first byte is retried, one cut in its trailer is whole") {
  ScaledClock clock(1000);
  const std::size_t packed = GzipCompress(kGood).size();
  ClientStats stats;
  ServerStats seen;

  // libcurl inflates nothing and calls the transfer complete: the client sees an empty 200,
  // which no endpoint it reads ever sends, and retries it like a cut body.
  auto empty =
      FaultTwiceThenGood(clock, Truncated(Gzipped(JsonResponse(200, kGood)), 10), &stats, &seen);
  REQUIRE(empty.size() == 1);
  REQUIRE_OK(empty[0]);
  CHECK(empty[0]->body == kGood);
  REQUIRE_OK(ParseIssueList(empty[0]->body));

  auto whole = FaultTwiceThenGood(clock, Truncated(Gzipped(JsonResponse(200, kGood)), packed - 8),
                                  &stats, &seen);
  REQUIRE(whole.size() == 1);
  REQUIRE_OK(whole[0]);
  CHECK(whole[0]->body == kGood);
  CHECK(stats.retries == 0);  // the first answer was taken: the trailer is never checked
  CHECK(stats.requests == 1);
  auto issues = ParseIssueList(whole[0]->body);
  REQUIRE_OK(issues);
  CHECK(issues->size() == 1);
}

TEST_CASE("a gzip body that is always cut short fails as unavailable after max_retries") {
  ScaledClock clock(1000);
  const std::string good = R"([{"id":1,"number":1,"title":"never whole"}])";
  FakeServer server([&](const HttpRequest&) {
    return Truncated(Gzipped(JsonResponse(200, good)), GzipCompress(good).size() / 2);
  });
  boost::asio::io_context io;
  Client client(io, clock, nullptr, FixtureOptions(server.base_url()));
  auto all = FetchAll(io, client, "/x");
  REQUIRE(all.size() == 1);
  REQUIRE_FALSE(all[0].ok());
  CHECK(all[0].status().code() == Status::Code::kUnavailable);
  CHECK(client.stats().requests == 4);
  CHECK(client.stats().failures == 1);
}

TEST_CASE("with gzip on, a repeated request still gets a 304 and keeps its next link") {
  TempDir dir;
  ReplayServer rs(/*gzip=*/true, /*conditional=*/true);
  boost::asio::io_context io;
  SystemClock clock;
  auto db = store::Database::Open(dir.file("cache.db"));
  REQUIRE_OK(db);
  app::DatabaseEtagStore etags(**db);
  Client client(io, clock, &etags, FixtureOptions(rs.server.base_url()));

  auto a = Fetch(io, client, kPaginateStart);
  REQUIRE_OK(a);
  REQUIRE(a->kind == ApiResponse::Kind::kOk);
  REQUIRE(a->etag.has_value());
  REQUIRE(a->next_url.has_value());
  REQUIRE_OK(ParseIssueList(a->body));

  auto b = Fetch(io, client, kPaginateStart);
  REQUIRE_OK(b);
  CHECK(b->kind == ApiResponse::Kind::kNotModified);
  CHECK(b->status == 304);
  CHECK(b->body.empty());
  CHECK(b->next_url == a->next_url);
  CHECK(b->etag == a->etag);
  CHECK(client.stats().not_modified == 1);
  CHECK(client.stats().points_spent == 1);

  auto log = rs.server.log();
  REQUIRE(log.size() == 2);
  CHECK(log[0].gzip);
  CHECK(log[0].headers.at("accept-encoding").find("gzip") != std::string::npos);
  CHECK(log[1].headers.at("if-none-match") == *a->etag);
  CHECK(log[1].status == 304);
  CHECK_FALSE(log[1].gzip);  // a 304 has no body to encode

  // After Forget the full gzip page comes back, identical.
  REQUIRE_OK(client.Forget(kPaginateStart));
  auto c = Fetch(io, client, kPaginateStart);
  REQUIRE_OK(c);
  CHECK(c->kind == ApiResponse::Kind::kOk);
  CHECK(c->body == a->body);
  CHECK(rs.server.stats().gzip_responses == 2);
}
