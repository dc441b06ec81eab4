#include "scripted_handler.hpp"

#include <utility>

namespace ghharvest::testing {

namespace {

HttpResponse NotFound() {
  HttpResponse r;
  r.status = 404;
  r.headers = {{"content-type", "application/json; charset=utf-8"}};
  r.body = R"({"message":"Not Found","documentation_url":"https://docs.github.com/rest"})";
  return r;
}

}  // namespace

ScriptedHandler::ScriptedHandler() : fallback_(NotFound()) {}

ScriptedHandler::ScriptedHandler(HttpResponse fallback) : fallback_(std::move(fallback)) {}

void ScriptedHandler::push(const std::string& path, HttpResponse response) {
  std::lock_guard lock(mu_);
  queues_[path].responses.push_back(std::move(response));
}

void ScriptedHandler::set(const std::string& path, HttpResponse response) {
  std::lock_guard lock(mu_);
  Queue& q = queues_[path];
  q.responses.clear();
  q.responses.push_back(std::move(response));
  q.next = 0;
}

void ScriptedHandler::set_default(HttpResponse fallback) {
  std::lock_guard lock(mu_);
  fallback_ = std::move(fallback);
}

std::int64_t ScriptedHandler::served(const std::string& path) const {
  std::lock_guard lock(mu_);
  if (auto it = queues_.find(path); it != queues_.end()) return it->second.served;
  if (auto it = unknown_served_.find(path); it != unknown_served_.end()) return it->second;
  return 0;
}

HttpResponse ScriptedHandler::operator()(const HttpRequest& request) {
  std::lock_guard lock(mu_);
  auto it = queues_.find(request.path);
  if (it == queues_.end() || it->second.responses.empty()) {
    ++unknown_served_[request.path];
    return fallback_;
  }
  Queue& q = it->second;
  ++q.served;
  const HttpResponse& r = q.responses[q.next];
  // The last response repeats: the cursor stops on it.
  if (q.next + 1 < q.responses.size()) ++q.next;
  return r;
}

Handler ScriptedHandler::handler() {
  return [this](const HttpRequest& request) { return (*this)(request); };
}

}  // namespace ghharvest::testing
