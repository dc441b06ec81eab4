// The one thing the GitHub client needs from the network: start a GET (or a POST: GraphQL),
// cancel it, be told
// how it ended. CurlMulti (src/http/curl_multi.hpp, libcurl on Asio) is the real transport;
// a test hands the client a scripted one, so the client's policy (retries, rate-limit
// waits, 401, validators, origins, pagination) is tested without sockets. Nothing here knows
// curl or Asio.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ghharvest::http {

struct HttpGet {
  std::string url;
  std::vector<std::string> headers;  // "Name: value" lines
  std::chrono::seconds connect_timeout{10};
  // A transfer slower than 1 byte/s for this long is aborted (a stalled connection).
  std::chrono::seconds stall_timeout{60};
  long max_redirects = 5;
  // A longer body (decoded) fails the transfer, `permanent` with an error naming the limit;
  // so does a Content-Length announcing one. Memory is reserved as bytes arrive, never more
  // than 1 MiB ahead on a Content-Length's word.
  std::size_t max_body_bytes = std::size_t{64} << 20;
  // Set: the request is a POST of these bytes (GraphQL's JSON), sent as given; the caller
  // names its Content-Type in `headers`. A redirect is not followed with the body (curl would
  // turn a 301/302 into a GET): a POST uses max_redirects = 0 and sees the 3xx itself.
  std::optional<std::string> post_body;
};

// Response headers: names lower-cased, values trimmed; the last value wins for repeated names.
using Headers = std::unordered_map<std::string, std::string>;

struct HttpResult {
  // 0 when the exchange completed at the HTTP level; otherwise the transport's error code
  // (curl's, for CurlMulti).
  int curl_code = 0;
  // The transport's description when curl_code != 0, or ours for a body over max_body_bytes
  // (never contains headers).
  std::string error;
  bool cancelled = false;
  long status = 0;  // of the final response
  std::string final_url;
  // Headers of the final response (after redirects).
  Headers headers;
  // Body of the final response; capacity() >= size() + 64 (simdjson padding).
  std::string body;
  bool truncated = false;  // Content-Length announced more than arrived
  // The failure will not go away by trying again (a redirect loop, a bad URL or protocol, a
  // body over max_body_bytes).
  bool permanent = false;

  const std::string* header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? nullptr : &it->second;
  }
};

using TransferId = std::uint64_t;
using TransferCallback = std::function<void(HttpResult)>;

// Single-threaded: called, and calling back, on one thread (the io_context's).
class Transport {
 public:
  // Destroying a transport aborts its transfers without running their callbacks.
  virtual ~Transport() = default;
  // Starts a GET (a POST when request.post_body is set) following up to max_redirects
  // redirects; `done` runs exactly once, never
  // from inside Start.
  virtual TransferId Start(HttpGet request, TransferCallback done) = 0;
  // Aborts a transfer; its callback runs (later, never from inside Cancel) with
  // cancelled = true. No-op when it is done.
  virtual void Cancel(TransferId id) = 0;
};

}  // namespace ghharvest::http
