// The local GitHub for tests: an HTTP/1.1 server on loopback that serves whatever a Handler
// answers, can inject transport faults, and remembers what it saw (log + stats) so tests can
// assert on the client's behaviour from the server's side.
//
// Beast/Asio stay in fake_server.cpp so that including this header is cheap.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ghharvest::testing {

struct HttpRequest {
  std::string method;                             // "GET"
  std::string target;                             // path + "?" + query, exactly as received
  std::string path;                               // target before '?'
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::map<std::string, std::string> headers;     // keys lower-cased
  std::string body;                               // request body (POST/PATCH), may be empty
  std::string header(const std::string& lower_name) const;  // "" when absent
  // First value of a query parameter, or `fallback` when absent.
  std::string query_param(const std::string& name, const std::string& fallback = "") const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given
  std::string body;
  // Send the body with Content-Encoding: gzip when the request's Accept-Encoding allows gzip
  // (plain otherwise, as GitHub does). The faults below then act on the compressed bytes, as
  // they would on the wire: truncate_at counts compressed bytes.
  bool gzip = false;
  // Fault injection, applied by the server:
  std::chrono::milliseconds delay{0};  // sleep before answering (slow response)
  bool close_mid_body = false;  // send headers (full Content-Length) + half the body, then close
  // Send only this many body bytes, with a Content-Length for the bytes actually sent (a
  // well-formed response carrying truncated JSON).
  std::optional<std::size_t> truncate_at;
  bool reset_connection = false;  // close the socket without any response (RST)
  // Announce this Content-Length whatever the body's size, send the body, then close: a
  // response that promises more than it brings (or exactly as much, for a huge one).
  std::optional<std::size_t> announce_length;
  // With gzip: a wrong CRC-32 in the gzip trailer, so the body inflates to every byte of
  // `body` and only then fails its integrity check.
  bool corrupt_gzip = false;
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct RequestLogEntry {
  std::chrono::steady_clock::time_point at;    // when the request was fully read
  std::chrono::system_clock::time_point wall;  // same moment, wall clock
  std::string method, target;
  int status = 0;  // status the handler chose (0 if the connection was reset)
  std::map<std::string, std::string> headers;  // request headers, keys lower-cased
  bool gzip = false;                           // the response body was sent gzip-encoded
};

struct ServerStats {
  std::int64_t requests = 0;
  std::int64_t not_modified = 0;                 // responses with status 304
  int max_in_flight = 0;                         // most requests being handled at once
  std::map<std::string, std::int64_t> per_path;  // by request path
  std::int64_t connections = 0;                  // TCP connections accepted
  std::int64_t gzip_responses = 0;               // bodies sent with Content-Encoding: gzip
};

class FakeServer {
 public:
  // Listens on 127.0.0.1:0 (or `port`), serving `handler` from `threads` threads
  // (HTTP/1.1, keep-alive). Handlers may be called concurrently; they must be thread-safe.
  explicit FakeServer(Handler handler, int threads = 4, unsigned short port = 0);
  ~FakeServer();  // stops and joins
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  unsigned short port() const;
  std::string base_url() const;       // "http://127.0.0.1:PORT"
  void set_handler(Handler handler);  // swap at runtime (thread-safe)
  ServerStats stats() const;
  std::vector<RequestLogEntry> log() const;
  void reset_stats();  // clears stats and log
  int in_flight() const;
  // Keeps only the latest `max_entries` log entries (0: no log; stats are always kept), so a
  // long benchmark's own memory is not dominated by the server's bookkeeping.
  void set_log_capacity(std::size_t max_entries);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether an Accept-Encoding value admits gzip ("gzip" or "*" without q=0).
bool AcceptsGzip(std::string_view accept_encoding);
// `data` as one gzip member (zlib deflate, windowBits 15+16), as the server sends it.
std::string GzipCompress(std::string_view data);

// Decodes "a=1&b=x%20y" ('+' is a space), as the server does for HttpRequest::query.
std::multimap<std::string, std::string> ParseQueryString(std::string_view query);

// Plays a recorded octokit fixture (raw-fixture.json): requests are matched by method+path
// (+query) in order; "https://api.github.com" in bodies and headers is rewritten to the
// server's base_url. Unmatched requests get 404 with a JSON message.
// `base_url` is called per request, so a server can hand in its own address after it started.
// Non-GET entries (the recording's setup: creating and deleting the scratch repository) are
// not served unless `include_non_get` is set.
Handler MakeFixtureReplay(const std::string& fixture_file, std::function<std::string()> base_url,
                          bool include_non_get = false);

}  // namespace ghharvest::testing

#include "scripted_handler.hpp"  // IWYU pragma: export (ScriptedHandler is part of this API)
