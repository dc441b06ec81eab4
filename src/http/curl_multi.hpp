// libcurl's multi-socket API driven by a Boost.Asio io_context: curl tells us which sockets
// to watch and when to wake it, Asio waits. All transfers run on the io_context's thread;
// nothing here is thread-safe. Internal to src/ (public headers stay free of curl and Asio).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace boost::asio {
class io_context;
}

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
};

struct HttpResult {
  // 0 when the exchange completed at the HTTP level; otherwise a curl error code.
  int curl_code = 0;
  // curl's description when curl_code != 0, or ours for a body over max_body_bytes (never
  // contains headers).
  std::string error;
  bool cancelled = false;
  long status = 0;  // of the final response
  std::string final_url;
  // Headers of the final response (after redirects), names lower-cased, values trimmed;
  // the last value wins for repeated names.
  std::unordered_map<std::string, std::string> headers;
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

class CurlMulti {
 public:
  explicit CurlMulti(boost::asio::io_context& io);
  // Aborts transfers in flight without running their callbacks.
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // Starts a GET; `done` runs once on the io_context thread (never from inside Start).
  TransferId Start(HttpGet request, TransferCallback done);
  // Aborts a transfer; its callback runs (posted) with cancelled = true. No-op when done.
  void Cancel(TransferId id);
  std::size_t in_flight() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ghharvest::http
