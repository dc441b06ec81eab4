// The GitHub REST client: asynchronous GETs on the daemon's single io_context thread
// (libcurl's multi-socket API bridged to Boost.Asio), with the ETag cache, pagination
// links, the per-resource rate-limit governor and retries (docs/harvesting.md says which rules
// of GitHub's it follows).
// Not thread-safe: create, call and destroy it on the io_context's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ghharvest/github/app_auth.hpp"
#include "ghharvest/github/etag_store.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"

namespace boost::asio {
class io_context;
}

namespace ghharvest::http {
class Transport;
}
namespace ghharvest::metrics {
class Registry;
}

namespace ghharvest::github {

struct RateLimit {
  std::string resource;     // "core", "search", ...
  std::int64_t limit = -1;  // -1: header absent
  std::int64_t remaining = -1;
  std::int64_t used = -1;
  // UTC epoch seconds, as the server said but held to [0, now + 1 hour] (GitHub's windows
  // last an hour), so that it converts to a Clock::TimePoint without overflow.
  std::int64_t reset = 0;
};

struct ApiResponse {
  enum class Kind {
    kOk,           // 2xx with a body
    kNotModified,  // 304: the cached meaning, "unchanged"; body empty, next_url from cache
    kGone,         // 404 or 410: the user or repository is gone or private
    kClientError,  // other 4xx (e.g. 422): a typed result, not retried
  };
  Kind kind = Kind::kOk;
  int status = 0;
  std::string url;        // the URL requested
  std::string final_url;  // after redirects (a renamed repository)
  // The body. Its capacity() is at least size() + 64 so simdjson can parse it in place.
  std::string body;
  std::optional<std::string> next_url;  // link rel="next", exactly as given
  // link rel="last", exactly as given, on a 2xx only (a 304 says nothing of how long the list
  // is now): how many pages the list has, for the planner.
  std::optional<std::string> last_url;
  std::optional<std::string> etag;
  std::optional<std::string> last_modified;
  RateLimit rate;
  std::optional<int> poll_interval;  // X-Poll-Interval (Events API), seconds, held to [0, 3600]
  // The Date header as ISO 8601 UTC ("2026-01-31T12:00:00Z"): the server's clock when it
  // answered, which bounds how new anything it lists can really be.
  std::optional<std::string> server_time;
};

struct ClientOptions {
  std::string api_url = "https://api.github.com";
  std::string token;  // may be empty (60 requests/hour)
  // A token pool: when not empty, these (each non-empty) instead of `token`. Each credential
  // has its own validators and budget per bucket; a repository is always read with the same
  // one, moving only while that one is exhausted or after it was revoked (401). See
  // Client::Get.
  std::vector<std::string> tokens;
  // A GitHub App installation (github/app_auth.hpp): one more credential of the pool (or
  // the only one), whose token the client fetches at POST /app/installations/{id}/
  // access_tokens before its first request and again 5 minutes before each token expires.
  // A 401 fetches a new token; the exchange refused (4xx) or a fresh token refused revokes it.
  std::optional<AppCredentials> app;
  std::string accept = "application/vnd.github+json";
  std::string auth_scheme = "Bearer";
  std::string user_agent = "ghharvest/" GHHARVEST_VERSION;
  int concurrency = 4;
  int reserve = 200;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds stall_timeout{60};
  int max_retries = 5;  // tries after the first, for 5xx, resets, timeouts, bad bodies
  std::chrono::milliseconds retry_base{1000};  // first backoff (5xx etc.)
  std::chrono::seconds secondary_base{60};     // first backoff, secondary limit
  std::chrono::seconds max_backoff{15 * 60};
  int search_per_minute = 30;
  int max_redirects = 5;  // 301/302/307 (renamed repositories)
  // A response body (decoded) longer than this fails its request at once, not retried:
  // kUnavailable naming the URL and the limit. GitHub's pages are well under a megabyte.
  std::size_t max_body_bytes = std::size_t{64} << 20;
  // GraphQL (Client::Graphql): false for a server known to have none, so every query is
  // answered kUnavailable at once and the caller takes its REST plan.
  bool graphql = true;
  // Points of the graphql bucket kept unused, like `reserve` for core.
  int graphql_reserve = 200;
  // The daemon's metrics (requests by resource and status, points, budgets, retries and
  // faults by kind; docs/operations.md lists them), or null. It must outlive the client.
  metrics::Registry* metrics = nullptr;
};

struct ClientStats {
  std::int64_t requests = 0;      // sent over the wire, including retries
  std::int64_t not_modified = 0;  // 304s
  std::int64_t retries = 0;
  std::int64_t failures = 0;          // requests given up
  std::int64_t points_spent = 0;      // primary points (non-304 responses)
  std::int64_t graphql_requests = 0;  // GraphQL POSTs sent, including retries
  // GraphQL points: each answer's data.rateLimit.cost when the query asked for it, else 1.
  std::int64_t graphql_points = 0;
};

// One credential's budget in one bucket, as its last response said.
struct CredentialBudget {
  std::string credential;  // TokenFingerprint
  RateLimit rate;
  bool revoked = false;  // answered 401: no longer used
};

using ResponseCallback = std::function<void(Result<ApiResponse>)>;
struct GraphqlResponse;
using GraphqlCallback = std::function<void(Result<GraphqlResponse>)>;

class Client {
 public:
  // `etags` keeps validators between runs (the database's http_cache, wired by app/); it
  // may be null (no cache). It must outlive the client.
  Client(boost::asio::io_context& io, const Clock& clock, EtagStore* etags, ClientOptions options);
  // The same client over another transport (ghharvest/http/transport.hpp): a test's scripted
  // one, so the policy below is tested without sockets. The first constructor builds the
  // production transport, libcurl on `io`. The client owns `transport` (not null) and destroys
  // it first, so no transfer calls back into a client being destroyed.
  Client(boost::asio::io_context& io, const Clock& clock, EtagStore* etags, ClientOptions options,
         std::unique_ptr<http::Transport> transport);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Queues a GET of `url_or_path` (absolute, or a path like "/repos/o/r" under api_url).
  // The callback runs on the io_context thread exactly once (never from inside Get): with an
  // ApiResponse for 2xx, 304, 404/410 and other 4xx; with a failed Status after retries are
  // exhausted or for a redirect loop (kUnavailable, naming the URL but never the token), on
  // 401 (with a pool: only once every credential was answered 401; before that the request
  // goes again with the next credential) (kUnauthorized: every queued and later request fails too,
  // until the client is destroyed) or after CancelAll (kCancelled). Callbacks still pending when
  // the client is destroyed never run. The token is sent only to api_url's scheme://host:port (as
  // libcurl reads them: default ports explicit, host case ignored, userinfo never the host).
  // Pagination: ask for per_page=100 in the URL and follow next_url as given. A 2xx whose
  // next link is absolute and off that origin fails (kUnavailable), not retried: the walk is
  // never led to another host.
  void Get(const std::string& url_or_path, ResponseCallback callback);

  // Queues a GraphQL query (github/graphql.hpp): a POST of {"query","variables"} to
  // GraphqlUrl(api_url) with the token, in its own governor bucket ("graphql", with
  // graphql_reserve), no validators. Answers as for Get, with GitHub's GraphQL habits on top:
  // a 200 whose errors say RATE_LIMITED waits for the reset and is sent again (it is not an
  // answer); a body that is not a GraphQL envelope is retried like a bad REST body; data
  // with errors is delivered as kData (partial) and errors alone as kErrors, never retried.
  // A 404 on the endpoint, or options.graphql = false, answers kUnavailable, and from a 404
  // on every later query is answered so without a request. `variables_json` is a JSON
  // object's text ("" for none).
  void Graphql(const std::string& query, const std::string& variables_json,
               GraphqlCallback callback);
  // False once the server said it has no GraphQL (or the options say so).
  bool graphql_available() const;

  // Validators (ETag/Last-Modified) of a 2xx are written to the cache only after its
  // callback returned, so a crash while handling a page makes the next run fetch it again.
  // A caller that could not commit what a page carried calls Forget() for that URL, so the
  // next request is unconditional and cannot get a 304 for data that was never stored.
  Status Forget(const std::string& url_or_path);

  // Drops queued requests (their callbacks get kCancelled) and aborts those in flight. Called
  // from inside a 2xx callback, it also keeps that response's validators out of the cache.
  void CancelAll();
  // True when nothing is queued or in flight.
  bool Idle() const;
  const ClientStats& stats() const;
  // The last rate-limit state seen for `resource` (nullopt before any response). With a pool,
  // the sum over the credentials not revoked (limit, remaining) and the earliest reset.
  std::optional<RateLimit> rate_limit(const std::string& resource) const;
  // Each credential's last budget per bucket (core, search, graphql), in pool order; a
  // credential revoked before any budget was seen has one entry with rate.limit -1.
  std::vector<CredentialBudget> budgets() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// A hash of the token that keys the ETag cache (never the token itself).
std::string TokenIdentity(const std::string& token);
// The short form of TokenIdentity that logs, metrics and `status` name a credential by:
// "fnv1a:" and 12 hex digits, or "anonymous". Nothing of the token can be read back from it.
std::string TokenFingerprint(const std::string& token);

}  // namespace ghharvest::github
