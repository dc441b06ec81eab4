// Scripted answers per path, for fault and retry tests: each path has a FIFO of responses and
// the last one repeats, so "two 502s then success" is three pushes.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "fake_server.hpp"

namespace ghharvest::testing {

class ScriptedHandler {
 public:
  // Unknown paths get `fallback` (by default a GitHub-style 404 JSON).
  ScriptedHandler();
  explicit ScriptedHandler(HttpResponse fallback);

  // Appends a response for `path` (the request path, without query).
  void push(const std::string& path, HttpResponse response);
  // Replaces the queue of `path` by one response that repeats forever.
  void set(const std::string& path, HttpResponse response);
  void set_default(HttpResponse fallback);
  // How many requests for `path` were answered.
  std::int64_t served(const std::string& path) const;

  HttpResponse operator()(const HttpRequest& request);

  // A Handler that shares this object (the handler keeps a reference; keep `this` alive).
  Handler handler();

 private:
  struct Queue {
    std::vector<HttpResponse> responses;
    std::size_t next = 0;
    std::int64_t served = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, Queue> queues_;
  std::map<std::string, std::int64_t> unknown_served_;
  HttpResponse fallback_;
};

}  // namespace ghharvest::testing
