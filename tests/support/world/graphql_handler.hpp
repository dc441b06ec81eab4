// Fakehub's GraphQL endpoint (POST /graphql, and GitHub Enterprise's /api/graphql): answers
// the queries the product sends from the same World as the REST endpoints (the same ids), the
// way GitHub does:
// - a real (small) GraphQL reader: operations, variables, aliases, inline fragments on the
//   types below, arguments as literals or $variables; an unknown field or argument is a
//   validation error (no data), as GitHub's schema would make it;
// - Query.repository(owner,name), Query.node(id), Query.nodes(ids), Query.rateLimit;
//   Repository.pullRequests(first|last, after, before, orderBy), PullRequest{id number
//   databaseId fullDatabaseId updatedAt title reviews(first|last, after)},
//   PullRequestReview{id databaseId fullDatabaseId state submittedAt url author}, Actor{login
//   __typename, databaseId on User/Bot/Organization/Mannequin} (a Bot's login without
//   "[bot]"), connections with totalCount, pageInfo, nodes and edges{cursor node};
// - every connection needs `first` or `last` in 1-100 (MISSING_PAGINATION_BOUNDARIES /
//   EXCESSIVE_PAGINATION), at most 500,000 nodes per query (MAX_NODE_LIMIT_EXCEEDED);
// - GitHub's cost formula (each connection needs the product of its ancestors' page sizes
//   requests; sum / 100, rounded, at least 1) charged to the `graphql` bucket, with the
//   x-ratelimit-* headers of resource graphql; at 0 remaining a 200 with RATE_LIMITED;
// - opaque cursors that name the last item's sort key (stable while items move);
// - a repository that is not there: data.repository null with a NOT_FOUND error; a node id
//   that names nothing: null in nodes(ids) with a NOT_FOUND error at its path (partial data);
// - on request, partial failures: a share of `reviews` fields null with an error at their
//   path beside the rest of the data, as GitHub's timeouts give;
// - a switch for a server without GraphQL (404).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "fake_server.hpp"
#include "world/world.hpp"

namespace ghharvest::testing {

struct GraphqlEndpointOptions {
  bool enabled = true;  // false: 404, as a server without GraphQL answers
  std::int64_t limit = 5000;
  std::chrono::seconds window{3600};
  std::int64_t max_nodes = 500000;
  // Share of `reviews` fields that fail (null + an error at their path), drawn from `seed`,
  // the pull request and how often that query was asked (so asking again can succeed).
  double partial_rate = 0;
  std::uint64_t seed = 1;
  std::function<std::int64_t()> now;  // epoch seconds for the window; default: system clock
};

struct GraphqlCounters {
  std::int64_t requests = 0;      // POSTs seen
  std::int64_t answered = 0;      // 200 with data
  std::int64_t rejected = 0;      // 200 with errors only (validation, limits)
  std::int64_t rate_limited = 0;  // RATE_LIMITED answers
  std::int64_t partial = 0;       // answers with data and errors
  std::int64_t points = 0;        // charged to the graphql bucket
  std::int64_t nodes = 0;         // node counts of answered queries
};

class GraphqlEndpoint {
 public:
  explicit GraphqlEndpoint(GraphqlEndpointOptions options = {});

  static bool Handles(const HttpRequest& req);  // the GraphQL paths
  // Every field the fake answers, one line each: "Type.field arg1 arg2" (no args: just
  // "Type.field"), for the test that holds them to GitHub's published schema.
  static std::string SchemaLines();
  // `html` is where url fields point (the REST html_url base).
  HttpResponse Serve(const HttpRequest& req, const World& world, const std::string& html);

  GraphqlCounters counters() const;
  void ResetCounters();
  void ResetRateLimit();
  void set_enabled(bool enabled);
  void set_partial_rate(double rate);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace ghharvest::testing
