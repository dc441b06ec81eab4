// Work in progress: the Beast server lands in the next commit; this keeps the library linking.
#include "fake_server.hpp"

namespace ghharvest::testing {

std::string HttpRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpRequest::query_param(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

struct FakeServer::Impl {};

FakeServer::FakeServer(Handler, int, unsigned short) : impl_(std::make_unique<Impl>()) {}
FakeServer::~FakeServer() = default;
unsigned short FakeServer::port() const { return 0; }
std::string FakeServer::base_url() const { return "http://127.0.0.1:0"; }
void FakeServer::set_handler(Handler) {}
ServerStats FakeServer::stats() const { return {}; }
std::vector<RequestLogEntry> FakeServer::log() const { return {}; }
void FakeServer::reset_stats() {}
int FakeServer::in_flight() const { return 0; }

Handler MakeFixtureReplay(const std::string&, std::function<std::string()>, bool) {
  return [](const HttpRequest&) {
    HttpResponse r;
    r.status = 404;
    return r;
  };
}

}  // namespace ghharvest::testing
