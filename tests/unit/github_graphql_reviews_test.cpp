// Pull-request reviews over GraphQL, end to end over loopback: the product's queries
// (github/graphql_reviews.hpp) through the real client and libcurl to fakehub's GraphQL
// endpoint, compared with what the REST reviews endpoint of the same world gives through the
// same client and the REST parser. Also fakehub's GraphQL rules themselves (cost, limits,
// validation), since the fetcher's tests are only as good as the fake.
#include "ghharvest/github/graphql_reviews.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "check_ok.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/github/graphql.hpp"
#include "ghharvest/github/parse.hpp"
#include "io_loop.hpp"
#include "world/github_handler.hpp"
#include "world/world.hpp"

using namespace ghharvest;
using namespace ghharvest::github;
using namespace ghharvest::testing;

namespace {

WorldSpec Spec(std::uint64_t seed = 11) {
  WorldSpec s;
  s.seed = seed;
  s.writers = 4;
  s.projects = 3;
  s.items = 3000;
  return s;
}

ClientOptions Fast(const std::string& base) {
  ClientOptions o;
  o.api_url = base;
  o.token = "t";
  o.reserve = 0;
  o.graphql_reserve = 0;
  o.max_retries = 8;
  o.retry_base = std::chrono::milliseconds(1);
  o.secondary_base = std::chrono::seconds(1);
  return o;
}

// A fakehub on loopback: the handler (for counters and switches), optionally behind faults.
struct Hub {
  explicit Hub(std::shared_ptr<World> w, GitHubHandlerOptions o = {}, double faults = 0,
               std::uint64_t fault_seed = 7)
      : world(std::move(w)),
        server([](const HttpRequest&) { return HttpResponse{}; }),
        handler(
            world, [this] { return server.base_url(); }, std::move(o)) {
    Handler h = handler;
    if (faults > 0) h = WithFaults(h, faults, fault_seed, FaultMix::kAll, fault_counts);
    server.set_handler(h);
  }
  std::shared_ptr<World> world;
  FakeServer server;
  GitHubHandler handler;
  std::shared_ptr<FaultCounts> fault_counts = std::make_shared<FaultCounts>();
};

ReviewsFetch FetchRepo(boost::asio::io_context& io, Client& client, const std::string& full,
                       ReviewsFetchOptions o = {}) {
  auto slash = full.find('/');
  std::optional<ReviewsFetch> out;
  FetchRepositoryReviews(client, full.substr(0, slash), full.substr(slash + 1), o,
                         [&](ReviewsFetch f) { out = std::move(f); });
  REQUIRE(RunUntil(
      io, [&] { return out.has_value(); }, std::chrono::seconds(120)));
  return std::move(*out);
}

// The REST truth: every page of pulls/{n}/reviews, through the client and ParseReviewList.
std::vector<ReviewRecord> RestReviews(boost::asio::io_context& io, Client& client,
                                      const std::string& full, std::int64_t number) {
  std::vector<ReviewRecord> out;
  std::string url = fmt::format("/repos/{}/pulls/{}/reviews?per_page=100", full, number);
  while (!url.empty()) {
    std::optional<Result<ApiResponse>> r;
    client.Get(url, [&](Result<ApiResponse> x) { r.emplace(std::move(x)); });
    REQUIRE(RunUntil(io, [&] { return r.has_value(); }));
    REQUIRE_OK(*r);
    auto page = ParseReviewList((*r)->body);
    REQUIRE_OK(page);
    out.insert(out.end(), page->begin(), page->end());
    url = (*r)->next_url.value_or("");
  }
  return out;
}

std::string Show(const ReviewRecord& r) {
  return fmt::format("id={} pr={} user={}/{}/{} state={} url={} at={}", r.id, r.pull_number,
                     r.user ? r.user->id : -1, r.user ? r.user->login : "-",
                     r.user ? r.user->type : "-", r.state, r.html_url, r.submitted_at);
}

// A Bot account whose REST login lacks "[bot]" (GitHub's Copilot is one): GraphQL's Bot.login
// cannot say so, and the fetcher's rule of adding "[bot]" back names it login + "[bot]".
std::string ExpectedFromGraphql(ReviewRecord r) {
  if (r.user && r.user->type == "Bot" &&
      (r.user->login.size() < 5 || r.user->login.substr(r.user->login.size() - 5) != "[bot]")) {
    r.user->login += "[bot]";
  }
  return Show(r);
}

std::map<std::int64_t, std::vector<std::string>> ByPull(const std::vector<ReviewRecord>& list,
                                                        bool expected) {
  std::map<std::int64_t, std::vector<std::string>> out;
  for (const auto& r : list)
    out[r.pull_number].push_back(expected ? ExpectedFromGraphql(r) : Show(r));
  for (auto& [n, v] : out) std::sort(v.begin(), v.end());
  return out;
}

// What REST says of every pull request of `full` (with any review).
std::map<std::int64_t, std::vector<std::string>> RestTruth(boost::asio::io_context& io,
                                                           Client& client, const World& world,
                                                           const std::string& full) {
  std::vector<std::int64_t> pulls = world.Read([&](const WorldModel& m) {
    std::vector<std::int64_t> n;
    for (const auto& i : m.Repo(full)->issues)
      if (i.is_pull) n.push_back(i.number);
    return n;
  });
  std::vector<ReviewRecord> all;
  for (auto n : pulls) {
    auto r = RestReviews(io, client, full, n);
    all.insert(all.end(), r.begin(), r.end());
  }
  return ByPull(all, true);
}

std::vector<std::string> RepoNames(const World& w) {
  return w.Read([](const WorldModel& m) {
    std::vector<std::string> n;
    for (const auto& r : m.repos) n.push_back(r.full_name());
    return n;
  });
}

// Adds `n` reviews to pull request `number` of the first repository.
void AddReviews(World& w, std::int64_t number, int n) {
  w.Write([&](WorldModel& m) {
    auto& repo = m.repos[0];
    for (int k = 0; k < n; ++k) {
      WorldReview rv;
      rv.id = ++m.next_id + 5'000'000'000;  // past 32 bits: fullDatabaseId, not databaseId
      rv.number = number;
      rv.user = m.users[static_cast<std::size_t>(k) % m.users.size()].id;
      rv.state = k % 3 == 0 ? "APPROVED" : "COMMENTED";
      rv.submitted = m.now - 1000 + k;
      repo.reviews.push_back(rv);
    }
    return 0;
  });
}

std::int64_t FirstPull(const World& w) {
  return w.Read([](const WorldModel& m) {
    for (const auto& i : m.repos[0].issues)
      if (i.is_pull) return i.number;
    return std::int64_t{0};
  });
}

// A direct POST to the handler (no client), for the fake's own rules.
HttpResponse Post(const GitHubHandler& h, const std::string& query,
                  const std::string& vars = "{}") {
  HttpRequest req;
  req.method = "POST";
  req.target = req.path = "/graphql";
  req.body = "{\"query\":" + JsonQuote(query) + ",\"variables\":" + vars + "}";
  return h(req);
}

}  // namespace

TEST_CASE("graphql reviews of every pull request equal the REST reviews, record for record") {
  auto world = std::make_shared<World>(Spec());
  const std::int64_t big = FirstPull(*world);
  AddReviews(*world, big, 250);  // three pages of reviews on one pull request
  Hub hub(world);
  boost::asio::io_context io;
  SystemClock clock;
  Client client(io, clock, nullptr, Fast(hub.server.base_url()));
  std::int64_t reviews = 0, queries = 0, bot_reviews = 0;
  for (const auto& full : RepoNames(*world)) {
    CAPTURE(full);
    ReviewsFetch f = FetchRepo(io, client, full);
    REQUIRE(f.outcome == ReviewsFetch::Outcome::kComplete);
    CHECK(f.errors.empty());
    CHECK(f.unresolved.empty());
    auto truth = RestTruth(io, client, *world, full);
    auto got = ByPull(f.AllReviews(), false);
    CHECK(got == truth);
    for (const auto& p : f.pulls)
      CHECK(static_cast<std::int64_t>(p.reviews.size()) == p.total_reviews);
    reviews += static_cast<std::int64_t>(f.AllReviews().size());
    queries += f.queries;
    for (const auto& r : f.AllReviews()) bot_reviews += r.user && r.user->type == "Bot";
    if (full == RepoNames(*world)[0]) {
      auto it = std::find_if(f.pulls.begin(), f.pulls.end(),
                             [&](const PullReviews& p) { return p.number == big; });
      REQUIRE(it != f.pulls.end());
      CHECK(it->reviews.size() >= 250);
      CHECK_FALSE(it->more_reviews);
    }
    CHECK(f.points == f.queries);  // each of these queries costs 1 by GitHub's formula
  }
  CHECK(reviews > 300);
  CHECK(bot_reviews > 0);  // the Bot login rule was exercised
  // The big pull request's reviews took two more queries.
  const auto counters = hub.handler.graphql().counters();
  CHECK(counters.requests == queries);
  CHECK(counters.points == queries);
  CHECK(client.stats().graphql_points == queries);
}

TEST_CASE("graphql reviews under 30 percent faults of every kind still equal the truth") {
  auto world = std::make_shared<World>(Spec(12));
  AddReviews(*world, FirstPull(*world), 120);
  // The faults a query meets depend on its text: over a few fault seeds, until the GraphQL
  // client itself has retried some (every seed's reads must be exact).
  bool retried = false;
  for (std::uint64_t seed = 7; seed < 12 && !retried; ++seed) {
    CAPTURE(seed);
    Hub faulty(world, {}, 0.3, seed);
    boost::asio::io_context io;
    ScaledClock clock(50);  // retry-after: 1 s in 20 ms
    // The truth through the same faults (REST retries them too): url fields name the server.
    Client truth_client(io, clock, nullptr, Fast(faulty.server.base_url()));
    Client client(io, clock, nullptr, Fast(faulty.server.base_url()));
    for (const auto& full : RepoNames(*world)) {
      CAPTURE(full);
      ReviewsFetch f = FetchRepo(io, client, full);
      REQUIRE(f.outcome == ReviewsFetch::Outcome::kComplete);
      CHECK(ByPull(f.AllReviews(), false) == RestTruth(io, truth_client, *world, full));
    }
    auto faults = faulty.fault_counts->snapshot();
    std::int64_t injected = 0;
    for (const auto& [k, n] : faults) injected += k == "corrupt_gzip_not_applicable" ? 0 : n;
    CHECK(injected > 3);
    retried = client.stats().retries > 0;
  }
  CHECK(retried);
}

TEST_CASE("graphql reviews at the limit: RATE_LIMITED is waited out, not taken for data") {
  auto world = std::make_shared<World>(Spec(13));
  GitHubHandlerOptions o;
  o.graphql.limit = 1;
  o.graphql.window = std::chrono::seconds(1);
  Hub hub(world, o);
  // Someone else sharing the token spent the window.
  REQUIRE(Post(hub.handler, "{ rateLimit { cost } }").status == 200);
  boost::asio::io_context io;
  SystemClock clock;
  Client client(io, clock, nullptr, Fast(hub.server.base_url()));
  Client truth_client(io, clock, nullptr, Fast(hub.server.base_url()));
  const std::string full = RepoNames(*world)[0];
  ReviewsFetch f = FetchRepo(io, client, full);
  REQUIRE(f.outcome == ReviewsFetch::Outcome::kComplete);
  CHECK(hub.handler.graphql().counters().rate_limited >= 1);
  CHECK(ByPull(f.AllReviews(), false) == RestTruth(io, truth_client, *world, full));
  // The refused answers are neither queries of the fetch nor points.
  CHECK(f.queries == hub.handler.graphql().counters().answered - 1);
}

TEST_CASE("graphql reviews with partial errors: the data is used, the failed pull requests named") {
  auto world = std::make_shared<World>(Spec(14));
  GitHubHandlerOptions o;
  o.graphql.partial_rate = 0.25;
  Hub hub(world, o);
  boost::asio::io_context io;
  SystemClock clock;
  Client client(io, clock, nullptr, Fast(hub.server.base_url()));
  const std::string full = RepoNames(*world)[0];
  ReviewsFetch f = FetchRepo(io, client, full);
  REQUIRE(f.outcome == ReviewsFetch::Outcome::kPartial);
  REQUIRE_FALSE(f.unresolved.empty());
  REQUIRE_FALSE(f.errors.empty());
  CHECK(f.errors[0].path.find("repository.pullRequests.nodes.") == 0);
  CHECK(f.errors[0].path.find(".reviews") != std::string::npos);
  auto truth = RestTruth(io, client, *world, full);
  auto got = ByPull(f.AllReviews(), false);
  std::set<std::int64_t> unresolved(f.unresolved.begin(), f.unresolved.end());
  for (const auto& p : f.pulls) {
    CAPTURE(p.number);
    if (unresolved.count(p.number)) {
      CHECK_FALSE(p.reviews_known);
      CHECK(p.reviews.empty());
      continue;
    }
    CHECK(got[p.number] == truth[p.number]);
  }
  // The unresolved ones, asked again by node id (a fresh draw of the fault), come whole.
  hub.handler.graphql().set_partial_rate(0);
  std::vector<std::string> ids;
  for (const auto& p : f.pulls)
    if (unresolved.count(p.number)) ids.push_back(p.node_id);
  ids.push_back("PR_999999999");  // gone meanwhile: a NOT_FOUND beside the others' data
  std::optional<ReviewsFetch> again;
  FetchPullRequestReviews(client, ids, [&](ReviewsFetch r) { again = std::move(r); });
  REQUIRE(RunUntil(io, [&] { return again.has_value(); }));
  CHECK(again->outcome == ReviewsFetch::Outcome::kPartial);
  REQUIRE(again->errors.size() == 1);
  CHECK(again->errors[0].type == "NOT_FOUND");
  CHECK(again->errors[0].path == fmt::format("nodes.{}", ids.size() - 1));
  CHECK(again->unresolved.empty());
  CHECK(again->pulls.size() == unresolved.size());
  auto fixed = ByPull(again->AllReviews(), false);
  for (auto n : unresolved) CHECK(fixed[n] == truth[n]);
}

TEST_CASE("graphql reviews from a server without GraphQL: unavailable, so REST takes over") {
  auto world = std::make_shared<World>(Spec(15));
  GitHubHandlerOptions o;
  o.graphql.enabled = false;
  Hub hub(world, o);
  boost::asio::io_context io;
  SystemClock clock;
  Client client(io, clock, nullptr, Fast(hub.server.base_url()));
  ReviewsFetch f = FetchRepo(io, client, RepoNames(*world)[0]);
  CHECK(f.outcome == ReviewsFetch::Outcome::kUnavailable);
  CHECK_FALSE(client.graphql_available());
  ReviewsFetch g = FetchRepo(io, client, RepoNames(*world)[1]);
  CHECK(g.outcome == ReviewsFetch::Outcome::kUnavailable);
  CHECK(hub.handler.graphql().counters().requests == 1);  // asked once, then known
}

TEST_CASE("graphql reviews of a deleted repository are gone, and updated_since stops early") {
  auto world = std::make_shared<World>(Spec(16));
  Hub hub(world);
  boost::asio::io_context io;
  SystemClock clock;
  Client client(io, clock, nullptr, Fast(hub.server.base_url()));
  ReviewsFetch gone = FetchRepo(io, client, "nobody/nothing");
  CHECK(gone.outcome == ReviewsFetch::Outcome::kGone);
  REQUIRE(gone.errors.size() == 1);
  CHECK(gone.errors[0].type == "NOT_FOUND");

  const std::string full = RepoNames(*world)[0];
  ReviewsFetchOptions small;
  small.pulls_per_query = 10;
  ReviewsFetch all = FetchRepo(io, client, full, small);
  REQUIRE(all.outcome == ReviewsFetch::Outcome::kComplete);
  REQUIRE(all.pulls.size() > 30);
  // Newest-updated first: the 15th pull request's time keeps the first 15 (ties aside).
  ReviewsFetchOptions since = small;
  since.updated_since = all.pulls[14].updated_at;
  ReviewsFetch recent = FetchRepo(io, client, full, since);
  REQUIRE(recent.outcome == ReviewsFetch::Outcome::kComplete);
  CHECK(recent.pulls.size() >= 15);
  CHECK(recent.pulls.size() < all.pulls.size());
  for (const auto& p : recent.pulls) CHECK(p.updated_at >= since.updated_since);
  CHECK(recent.queries < all.queries);
}

TEST_CASE("fakehub graphql charges GitHub's cost formula and sends the graphql bucket's headers") {
  auto world = std::make_shared<World>(Spec(17));
  GitHubHandler h(world, [] { return std::string("http://127.0.0.1:1"); });
  const std::string full = RepoNames(*world)[0];
  auto slash = full.find('/');
  const std::string vars =
      fmt::format(R"({{"owner":{},"name":{},"first":100,"after":null}})",
                  JsonQuote(full.substr(0, slash)), JsonQuote(full.substr(slash + 1)));
  HttpResponse r = Post(h, PullRequestReviewsQuery(), vars);
  REQUIRE(r.status == 200);
  auto header = [&](const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return std::string();
  };
  CHECK(header("x-ratelimit-resource") == "graphql");
  CHECK(header("x-ratelimit-remaining") == "4999");
  auto page = ParsePullRequestReviewsPage(r.body);
  REQUIRE_OK(page);
  CHECK(page->cost == 1);  // (1 + 100) / 100, rounded
  CHECK(page->remaining == 4999);
  // Two connections of 100 with 100 below each: 202 requests, cost 2.
  r = Post(
      h, fmt::format(
             "{{ repository(owner: {0}, name: {1}) {{ "
             "a: pullRequests(first: 100) {{ nodes {{ reviews(first: 100) {{ totalCount }} }} }} "
             "b: pullRequests(last: 100) {{ nodes {{ reviews(last: 100) {{ totalCount }} }} }} }} "
             "rateLimit {{ cost nodeCount }} }}",
             JsonQuote(full.substr(0, slash)), JsonQuote(full.substr(slash + 1))));
  CHECK(r.body.find("\"cost\":2") != std::string::npos);
  CHECK(r.body.find("\"nodeCount\":20200") != std::string::npos);
  CHECK(h.counters().points["graphql"] == 3);
  CHECK(h.counters().points.count("core") == 0);
}

TEST_CASE("fakehub graphql rejects what GitHub rejects: bounds, node limit, unknown fields") {
  auto world = std::make_shared<World>(Spec(18));
  GitHubHandlerOptions o;
  o.graphql.max_nodes = 5000;
  GitHubHandler h(
      world, [] { return std::string("http://127.0.0.1:1"); }, o);
  const std::string repo = R"(repository(owner: "a", name: "b"))";
  struct Row {
    std::string query, expect;
  };
  for (const Row& row : std::vector<Row>{
           {"{ " + repo + " { pullRequests { totalCount } } }", "MISSING_PAGINATION_BOUNDARIES"},
           {"{ " + repo + " { pullRequests(first: 101) { totalCount } } }", "EXCESSIVE_PAGINATION"},
           {"{ " + repo + " { pullRequests(first: 0) { totalCount } } }", "EXCESSIVE_PAGINATION"},
           {"{ " + repo +
                " { pullRequests(first: 100) { nodes { reviews(first: 100) { totalCount } } } } }",
            "MAX_NODE_LIMIT_EXCEEDED"},
           {"{ " + repo +
                " { pullRequests(first: 1) { nodes { reviewz(first: 1) { totalCount } } } } }",
            "undefinedField"},
           {"{ " + repo + " { pullRequests(first: 1, states: OPEN) { totalCount } } }",
            "argumentNotAccepted"},
           {"{ " + repo + " { pullRequests(first: 1) { totalCount ", "Parse error"},
       }) {
    CAPTURE(row.query);
    HttpResponse r = Post(h, row.query);
    CHECK(r.status == 200);
    CHECK(r.body.find("\"data\"") == std::string::npos);
    CHECK(r.body.find(row.expect) != std::string::npos);
  }
  CHECK(h.graphql().counters().points == 0);  // rejected before running: nothing charged
  // A variable that is not bound counts as absent.
  HttpResponse r =
      Post(h, "query($n: Int) { " + repo + " { pullRequests(first: $n) { totalCount } } }");
  CHECK(r.body.find("MISSING_PAGINATION_BOUNDARIES") != std::string::npos);
  // Cursors are opaque but stable: a bad one is an error, not a silent first page.
  const std::string full = RepoNames(*world)[0];
  const auto slash = full.find('/');
  r = Post(h, fmt::format("{{ repository(owner: {}, name: {}) {{ pullRequests(first: 1, after: "
                          "\"bogus!\") {{ totalCount }} }} }}",
                          JsonQuote(full.substr(0, slash)), JsonQuote(full.substr(slash + 1))));
  CHECK(r.body.find("INVALID_CURSOR_ARGUMENTS") != std::string::npos);
}
