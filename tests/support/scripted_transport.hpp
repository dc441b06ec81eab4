// An http::Transport with no sockets, for tests of the GitHub client and of what runs on top
// of it (the harvester): each GET is answered by a script, on a later turn of the io_context
// as a real transport would answer, or held until the test releases it. The test then reads
// what was sent (URL, headers, when).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ghharvest/http/transport.hpp"
#include "ghharvest/util/clock.hpp"

namespace ghharvest::testing {

// One GET as the client handed it to the transport.
struct SentGet {
  http::HttpGet get;
  Clock::TimePoint at;
  bool Has(const std::string& header_line) const {
    for (const auto& h : get.headers) {
      if (h == header_line) return true;
    }
    return false;
  }
  bool HasHeader(const std::string& name) const {
    for (const auto& h : get.headers) {
      if (h.rfind(name + ":", 0) == 0) return true;
    }
    return false;
  }
};

// The answer to the `nth` GET (from 0); nullopt holds the transfer until Release().
using TransportScript =
    std::function<std::optional<http::HttpResult>(const http::HttpGet&, int nth)>;

class ScriptedTransport final : public http::Transport {
 public:
  ScriptedTransport(boost::asio::io_context& io, const Clock& clock, TransportScript script)
      : io_(io), clock_(clock), script_(std::move(script)) {}
  ~ScriptedTransport() override { *alive_ = false; }

  http::TransferId Start(http::HttpGet request, http::TransferCallback done) override {
    const http::TransferId id = next_id_++;
    sent.push_back({request, clock_.Now()});
    open_.emplace(id, std::move(done));
    std::optional<http::HttpResult> answer = script_(request, static_cast<int>(sent.size()) - 1);
    if (answer) {
      Answer(id, std::move(*answer));
    } else {
      held.push_back(id);
    }
    return id;
  }

  void Cancel(http::TransferId id) override {
    http::HttpResult r;
    r.cancelled = true;
    r.curl_code = 42;  // any transport error
    r.error = "cancelled";
    ++cancels;
    Answer(id, std::move(r));
  }

  // Answers a held transfer.
  void Release(http::TransferId id, http::HttpResult r) { Answer(id, std::move(r)); }

  // Transfers started and not yet answered.
  std::size_t open() const { return open_.size(); }
  // How many GETs went to exactly `url`.
  int SentTo(const std::string& url) const {
    int n = 0;
    for (const auto& s : sent) n += s.get.url == url;
    return n;
  }

  std::vector<SentGet> sent;
  std::vector<http::TransferId> held;
  int cancels = 0;

 private:
  void Answer(http::TransferId id, http::HttpResult r) {
    boost::asio::post(io_, [this, alive = alive_, id, r = std::move(r)]() mutable {
      if (!*alive) return;
      auto it = open_.find(id);
      if (it == open_.end()) return;  // already answered (cancelled, say)
      http::TransferCallback done = std::move(it->second);
      open_.erase(it);
      done(std::move(r));
    });
  }

  boost::asio::io_context& io_;
  const Clock& clock_;
  TransportScript script_;
  std::map<http::TransferId, http::TransferCallback> open_;
  http::TransferId next_id_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// A completed response; the body keeps the transport's promise of simdjson's padding.
inline http::HttpResult Reply(long status, std::string body = "{}", http::Headers headers = {}) {
  http::HttpResult r;
  r.status = status;
  r.body = std::move(body);
  r.body.reserve(r.body.size() + 64);
  r.headers = std::move(headers);
  return r;
}

// A transfer that failed below HTTP (`permanent`: asking again would fail the same way).
inline http::HttpResult TransportError(std::string error, bool permanent = false) {
  http::HttpResult r;
  r.curl_code = 7;
  r.error = std::move(error);
  r.permanent = permanent;
  return r;
}

}  // namespace ghharvest::testing
