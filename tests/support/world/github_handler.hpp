// Serves a World over the FakeServer with GitHub's REST semantics: the listing filters
// (author, creator, state, since on updated_at, sort, direction), per_page up to 100 with
// `link` headers, strong ETags and 304s that cost no points, per-resource rate limits with
// GitHub's headers, 301 for renamed and 404 for deleted repositories, the search syntax with
// its 1000-result cap, and the 300-event/30-day cap of the Events API.
//
// Copies share one state (counters, rate-limit buckets), so a GitHubHandler can be handed to
// a FakeServer as a Handler and still be asked for its counters. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fake_server.hpp"
#include "world/github_app.hpp"
#include "world/graphql_handler.hpp"
#include "world/world.hpp"

namespace ghharvest::testing {

struct GitHubHandlerOptions {
  std::int64_t core_limit = 5000;  // points per core window
  std::int64_t search_limit = 30;  // points per search window
  std::chrono::seconds core_window{3600};
  std::chrono::seconds search_window{60};
  std::chrono::milliseconds latency{0};  // added to every response
  // Wall clock for the rate-limit windows (epoch seconds); default: the system clock.
  std::function<std::int64_t()> now;
  int events_cap = 300;    // events a user's feed keeps
  int events_days = 30;    // and only this recent (world clock)
  int search_cap = 1000;   // results a search query can reach
  int poll_interval = 60;  // X-Poll-Interval of the events feed
  // When set, a request whose Authorization is not "Bearer <token>" or "token <token>" gets
  // 401 Bad credentials (no points, counted in `unauthorized`).
  std::string token;
  // More tokens accepted beside `token` (a client's token pool); each has its own budget per
  // resource and its own ETags, as on GitHub.
  std::vector<std::string> tokens;
  // A GitHub App whose installation tokens are accepted too (world/github_app.hpp); their
  // budget and ETags are the installation's.
  std::optional<FakeAppOptions> app;
  // POST /graphql (world/graphql_handler.hpp): its own bucket, cost formula and switches.
  GraphqlEndpointOptions graphql;
  // false: the issues list's `pull_request` objects carry no `merged_at`, as GitHub's did
  // before 2022 and older Enterprise Servers' do: only the pulls list (or GraphQL's
  // mergedAt) says which pull requests were merged.
  bool issues_merged_at = true;
};

struct ApiCounters {
  std::int64_t requests = 0;                            // every request the handler saw
  std::int64_t conditional = 0;                         // of which carried If-None-Match
  std::int64_t ok = 0;                                  // 200
  std::int64_t not_modified = 0;                        // 304
  std::int64_t redirects = 0;                           // 301
  std::int64_t not_found = 0;                           // 404
  std::int64_t rate_limited = 0;                        // 403 because a bucket was empty
  std::int64_t unauthorized = 0;                        // 401
  std::int64_t other = 0;                               // anything else (422, ...)
  std::map<std::string, std::int64_t> points;           // per resource ("core", "search")
  std::map<std::string, std::int64_t> points_by_token;  // REST points per token ("" anonymous)
  // Per route template, e.g. "/repos/{o}/{r}/issues", "/search/issues".
  std::map<std::string, std::int64_t> per_route, per_route_ok, per_route_304;
  std::int64_t primary_points() const;  // all points of every resource
};

class GitHubHandler {
 public:
  // `base_url` is asked per request (the server's port is known only once it listens); it
  // makes every absolute URL in bodies, `link` and `location` headers.
  GitHubHandler(std::shared_ptr<World> world, std::function<std::string()> base_url,
                GitHubHandlerOptions options = {});

  HttpResponse operator()(const HttpRequest& request) const;

  ApiCounters counters() const;
  void ResetCounters();
  void ResetRateLimits();  // full buckets again
  // From now on `token` is answered 401 Bad credentials (revoked, or expired).
  void Revoke(const std::string& token);
  // The GitHub App side (null without options.app): exchanges made and refused.
  FakeApp* app() const;
  std::shared_ptr<World> world() const;
  // The GraphQL endpoint (shared by copies): its counters and switches.
  GraphqlEndpoint& graphql() const;

 private:
  struct State;
  HttpResponse Serve(const HttpRequest& request) const;
  std::shared_ptr<State> state_;
};

// Injects faults into `rate` of request attempts, chosen deterministically from `seed`, the
// request target and how many times that target was asked before (so a retry of the same
// URL gets a fresh draw and can succeed): 500, 502, a secondary-rate-limit 403 with
// `retry-after: 1`, a connection reset, a truncated body, a connection closed mid-body.
// A faulted attempt never reaches `inner`, so it costs no rate-limit points there.
// /rate_limit is never faulted.
//
// FaultMix::kAll adds three more that GitHub also produces: a 429 with `retry-after: 1`, a
// slow answer (the real response after 100 ms, 5 times the soak's latency) and a gzip body
// whose CRC-32 is wrong (the real response, so those reach `inner`). The classic mix stays
// the default: the unit tests' expectations were drawn from it.
enum class FaultMix { kClassic, kAll };

// How many faults of each kind were injected ("http_500", "http_502", "secondary_403",
// "reset", "truncated", "closed_mid_body", "http_429", "slow", "corrupt_gzip"), for a soak
// to account for every one of them. Thread-safe.
class FaultCounts {
 public:
  void Add(const std::string& kind);
  std::map<std::string, std::int64_t> snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::int64_t> by_kind_;
};

Handler WithFaults(Handler inner, double rate, std::uint64_t seed,
                   FaultMix mix = FaultMix::kClassic,
                   std::shared_ptr<FaultCounts> counts = nullptr);

}  // namespace ghharvest::testing
