// Fetching writers' blog feeds on the program's event loop, straight through an
// http::Transport (CurlMulti in the program): not through the GitHub client, so the GitHub
// token never goes to a feed host and a feed host's answers never touch the GitHub budget.
// Conditional requests with what the last 2xx gave (ETag, Last-Modified), gzip (the
// transport's), bounded redirects, timeouts, retries with backoff for what may pass
// (transport errors, 5xx, 429), a byte limit per feed. Each feed ends in exactly one of:
// stored (FeedStore::Store), not modified, or failed (FeedStore::Failed, with a message naming
// what went wrong); one feed's failure does not stop the others.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ghharvest/feeds/parse.hpp"
#include "ghharvest/http/transport.hpp"
#include "ghharvest/model/blog_posts.hpp"
#include "ghharvest/model/http_validators.hpp"
#include "ghharvest/util/clock.hpp"
#include "ghharvest/util/status.hpp"

namespace boost::asio {
class io_context;
}

namespace ghharvest::feeds {

struct FeedWrite {
  int added = 0;
  int changed = 0;
};

// Where the poller keeps what it learns; app backs it with the database (store::PostsTables).
class FeedStore {
 public:
  virtual ~FeedStore() = default;
  virtual Result<model::HttpValidators> Validators(const std::string& writer,
                                                   const std::string& url) = 0;
  virtual Result<FeedWrite> Store(const std::string& writer, const std::string& url,
                                  std::string_view format,
                                  const std::vector<model::BlogPost>& posts,
                                  const model::HttpValidators& validators,
                                  Clock::TimePoint now) = 0;
  virtual Status NotModified(const std::string& writer, const std::string& url,
                             Clock::TimePoint now) = 0;
  virtual Status Failed(const std::string& writer, const std::string& url,
                        const std::string& message, Clock::TimePoint now) = 0;
};

struct FeedSource {
  std::string writer;  // the configured login
  std::string url;
};

struct PollerOptions {
  std::string user_agent = "ghharvest";
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds stall_timeout{60};
  std::size_t max_feed_bytes = std::size_t{10} << 20;
  long max_redirects = 5;
  int max_retries = 3;                      // after the first try
  std::chrono::milliseconds backoff{1000};  // doubled on each retry
  std::chrono::seconds max_backoff{300};    // also caps a Retry-After
  int concurrency = 4;                      // feeds fetched at once
};

struct PollStats {
  int feeds = 0;
  int requests = 0;
  int fetched = 0;       // 2xx, parsed and stored
  int not_modified = 0;  // 304
  int failed = 0;
  int posts_added = 0;
  int posts_changed = 0;
};

class Poller {
 public:
  // Over libcurl on `io` (its own http::CurlMulti: no connection or header is shared with
  // the GitHub client's).
  Poller(boost::asio::io_context& io, const Clock& clock, FeedStore& store, PollerOptions options);
  // Over any transport (tests script one).
  Poller(boost::asio::io_context& io, const Clock& clock, http::Transport& transport,
         FeedStore& store, PollerOptions options);
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Fetches every feed once; `done` runs once when all ended, with Ok, or kUnavailable naming
  // how many failed (each failure is in the store), or kCancelled after Cancel(). A store
  // that cannot write ends the poll with its status.
  void PollAll(std::vector<FeedSource> feeds, std::function<void(Status, PollStats)> done);
  // Stops starting feeds and aborts those in flight; PollAll's callback still runs.
  void Cancel();

 private:
  class Impl;
  std::unique_ptr<http::Transport> owned_transport_;
  std::shared_ptr<Impl> impl_;
};

// What a fetched body becomes: the entries with their projects as the store keeps them.
std::vector<model::BlogPost> PostsOf(const ParsedFeed& feed);

}  // namespace ghharvest::feeds
