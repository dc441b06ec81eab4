// Reviews over GraphQL against REST: every review of every pull request of the 20 writers x 40
// projects world (seed 42, 20,000 items: about 2,400 reviews on about 1,400 pull requests),
// read once through REST's pulls/{n}/reviews (one request per pull request, as a REST client
// must ask each) and once through the GraphQL fetcher (github/graphql_reviews.hpp: 100 pull
// requests with their first 100 reviews per query), both through the real client over
// loopback to fakehub. Requests and points as the server counted them; the two must give the
// same records (the program exits 1 otherwise: a cheap wrong answer means nothing).
//
//   graphql_reviews_bench [items=20000]        (BENCH_QUICK=1: 5,000 items)
#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common.hpp"
#include "fake_server.hpp"
#include "ghharvest/github/client.hpp"
#include "ghharvest/github/graphql_reviews.hpp"
#include "ghharvest/github/parse.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/log.hpp"
#include "io_loop.hpp"
#include "world/github_handler.hpp"
#include "world/world.hpp"

namespace gh = ghharvest;
namespace b = ghharvest::bench;
using namespace ghharvest::testing;

namespace {

// Every field of a record. A Bot account whose REST login lacks "[bot]" is named with it by
// the GraphQL side (GraphQL's Bot.login cannot tell): the REST side is read that way too.
std::string Key(const gh::github::ReviewRecord& r) {
  std::string login = r.user ? r.user->login : "-";
  if (r.user && r.user->type == "Bot" &&
      (login.size() < 5 || login.compare(login.size() - 5, 5, "[bot]") != 0)) {
    login += "[bot]";
  }
  return fmt::format("{} {} {} {} {} {} {} {}", r.id, r.pull_number, r.user ? r.user->id : -1,
                     login, r.user ? r.user->type : "-", r.state, r.html_url, r.submitted_at);
}

}  // namespace

int main(int argc, char** argv) {
  gh::log::SetLevel(gh::log::Level::kError);
  WorldSpec spec;
  spec.seed = 42;
  spec.writers = 20;
  spec.projects = 40;
  spec.items = static_cast<int>(b::ArgOr(argc, argv, 1, b::Quick() ? 5000 : 20000));
  auto world = std::make_shared<World>(spec);

  FakeServer server([](const HttpRequest&) { return HttpResponse{}; }, 4);
  GitHubHandler handler(world, [&] { return server.base_url(); });
  server.set_handler(handler);

  struct Repo {
    std::string owner, name;
    std::vector<std::int64_t> pulls;
  };
  std::vector<Repo> repos = world->Read([](const WorldModel& m) {
    std::vector<Repo> out;
    for (const auto& r : m.repos) {
      Repo x{r.owner, r.name, {}};
      for (const auto& i : r.issues)
        if (i.is_pull) x.pulls.push_back(i.number);
      out.push_back(std::move(x));
    }
    return out;
  });
  std::int64_t pull_count = 0;
  for (const auto& r : repos) pull_count += static_cast<std::int64_t>(r.pulls.size());
  fmt::print("world: seed 42, {} writers, {} projects, {} items, {} pull requests\n", spec.writers,
             spec.projects, world->ItemCount(), pull_count);

  boost::asio::io_context io;
  gh::SystemClock clock;
  gh::github::ClientOptions o;
  o.api_url = server.base_url();
  o.token = "t";
  o.concurrency = 4;
  gh::github::Client client(io, clock, nullptr, o);

  // REST: every page of every pull request's reviews, four in flight.
  handler.ResetCounters();
  b::Stopwatch rest_time;
  std::multiset<std::string> rest_records;
  int open = 0;
  bool failed = false;
  std::function<void(std::string)> get = [&](std::string url) {
    ++open;
    client.Get(url, [&](gh::Result<gh::github::ApiResponse> r) {
      --open;
      if (!r.ok() || r->kind != gh::github::ApiResponse::Kind::kOk) {
        failed = true;
        return;
      }
      auto page = gh::github::ParseReviewList(r->body);
      if (!page.ok()) {
        failed = true;
        return;
      }
      for (const auto& rv : *page) rest_records.insert(Key(rv));
      if (r->next_url) get(*r->next_url);
    });
  };
  for (const auto& r : repos)
    for (auto n : r.pulls)
      get(fmt::format("/repos/{}/{}/pulls/{}/reviews?per_page=100", r.owner, r.name, n));
  RunUntil(
      io, [&] { return open == 0; }, std::chrono::minutes(10));
  const double rest_s = rest_time.wall();
  const ApiCounters rest = handler.counters();

  // GraphQL: the fetcher per repository, all repositories at once (the client's concurrency).
  handler.ResetCounters();
  b::Stopwatch gql_time;
  std::multiset<std::string> gql_records;
  std::int64_t gql_points_reported = 0, gql_queries = 0;
  int pending = static_cast<int>(repos.size());
  for (const auto& r : repos) {
    gh::github::FetchRepositoryReviews(
        client, r.owner, r.name, {}, [&](gh::github::ReviewsFetch f) {
          --pending;
          if (f.outcome != gh::github::ReviewsFetch::Outcome::kComplete) failed = true;
          for (const auto& rv : f.AllReviews()) gql_records.insert(Key(rv));
          gql_points_reported += f.points;
          gql_queries += f.queries;
        });
  }
  RunUntil(
      io, [&] { return pending == 0; }, std::chrono::minutes(10));
  const double gql_s = gql_time.wall();
  const ApiCounters gql = handler.counters();
  const GraphqlCounters gq = handler.graphql().counters();

  const bool same = !failed && rest_records == gql_records;
  fmt::print("records: REST {}, GraphQL {}, equal: {}\n", rest_records.size(), gql_records.size(),
             same ? "yes" : "NO");
  auto points = [](const ApiCounters& c, const char* r) {
    auto it = c.points.find(r);
    return it == c.points.end() ? std::int64_t{0} : it->second;
  };
  fmt::print(
      "REST pulls/{{n}}/reviews: {} requests, {} core points, {:.2f} s\n"
      "GraphQL reviews fetcher: {} requests, {} graphql points (rateLimit.cost sum {}), {} "
      "nodes, {:.2f} s\n",
      rest.requests, points(rest, "core"), rest_s, gql.requests, points(gql, "graphql"),
      gql_points_reported, gq.nodes, gql_s);
  const std::string what = fmt::format("reviews of the 20x40 world ({} PRs)", pull_count);
  b::Row(what + " via GraphQL: requests", static_cast<double>(gql.requests), "requests",
         static_cast<double>(rest.requests), "REST pulls/{n}/reviews requests", b::Better::kLower,
         0.05);
  b::Row(what + " via GraphQL: points", static_cast<double>(points(gql, "graphql")),
         "graphql points", static_cast<double>(points(rest, "core")), "REST core points",
         b::Better::kLower, 0.05);
  b::Info(what + " via REST: requests", static_cast<double>(rest.requests), "requests");
  b::Info(what + " GraphQL queries", static_cast<double>(gql_queries), "queries");
  b::Row(what + ": records differing between GraphQL and REST", same ? 0 : 1, "runs", 0,
         "same records", b::Better::kLower, 1);
  return same ? 0 : 1;
}
