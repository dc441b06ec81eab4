#include "ghharvest/feeds/poller.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "ghharvest/http/retry_after.hpp"
#include "ghharvest/util/log.hpp"
#include "http/curl_multi.hpp"

namespace ghharvest::feeds {

std::vector<model::BlogPost> PostsOf(const ParsedFeed& feed) {
  std::vector<model::BlogPost> out;
  out.reserve(feed.entries.size());
  for (const FeedEntry& e : feed.entries) {
    if (PostKey(e).empty()) continue;  // neither an id nor a link: nothing to know it by
    model::BlogPost p;
    p.entry_id = e.id;
    p.link = e.link;
    p.title = e.title;
    if (e.published) p.published_at = FormatIso8601(*e.published);
    if (e.updated) p.updated_at = FormatIso8601(*e.updated);
    p.projects = ProjectsOf(e);
    out.push_back(std::move(p));
  }
  return out;
}

namespace {

// Seconds of a Retry-After given in seconds; nullopt for a date or junk (then our backoff).
// The server's Retry-After (seconds or an HTTP-date, read as the GitHub client reads it),
// rounded up to whole seconds; Backoff caps it.
std::optional<std::chrono::seconds> RetryAfter(const http::HttpResult& r, Clock::TimePoint now) {
  auto after = http::ParseRetryAfter(r.header("retry-after"), now);
  if (!after) return std::nullopt;
  return std::chrono::ceil<std::chrono::seconds>(after->wait);
}

}  // namespace

class Poller::Impl : public std::enable_shared_from_this<Poller::Impl> {
 public:
  Impl(boost::asio::io_context& io, const Clock& clock, http::Transport& transport,
       FeedStore& store, PollerOptions options)
      : io_(io), clock_(clock), transport_(transport), store_(store), opt_(std::move(options)) {}

  void PollAll(std::vector<FeedSource> feeds, std::function<void(Status, PollStats)> done) {
    stats_ = PollStats{};
    stats_.feeds = static_cast<int>(feeds.size());
    queue_.assign(feeds.begin(), feeds.end());
    done_ = std::move(done);
    cancelled_ = false;
    fatal_ = Status::Ok();
    active_ = 0;
    if (queue_.empty()) {
      Finish();
      return;
    }
    for (int i = 0; i < std::max(1, opt_.concurrency) && !queue_.empty(); ++i) StartNext();
  }

  // The owner is going away: its callback must not run.
  void Abandon() {
    done_ = nullptr;
    Cancel();
  }

  void Cancel() {
    cancelled_ = true;
    queue_.clear();
    for (auto& [id, job] : in_flight_) transport_.Cancel(id);
    for (auto& t : timers_) t->cancel();
  }

 private:
  struct Job {
    FeedSource feed;
    int attempt = 0;
    model::HttpValidators validators;
  };

  void StartNext() {
    if (queue_.empty() || cancelled_ || !fatal_.ok()) {
      if (active_ == 0) Finish();
      return;
    }
    Job job;
    job.feed = std::move(queue_.front());
    queue_.pop_front();
    ++active_;
    auto v = store_.Validators(job.feed.writer, job.feed.url);
    if (v.ok()) job.validators = std::move(v).value();
    Send(std::move(job));
  }

  void Send(Job job) {
    http::HttpGet get;
    get.url = job.feed.url;
    get.headers = {"User-Agent: " + opt_.user_agent,
                   "Accept: application/atom+xml, application/rss+xml, application/feed+json, "
                   "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"};
    if (job.validators.etag) get.headers.push_back("If-None-Match: " + *job.validators.etag);
    if (job.validators.last_modified) {
      get.headers.push_back("If-Modified-Since: " + *job.validators.last_modified);
    }
    get.connect_timeout = opt_.connect_timeout;
    get.stall_timeout = opt_.stall_timeout;
    get.max_redirects = opt_.max_redirects;
    get.max_body_bytes = opt_.max_feed_bytes;
    ++stats_.requests;
    auto self = shared_from_this();
    auto shared_job = std::make_shared<Job>(std::move(job));
    const http::TransferId id =
        transport_.Start(std::move(get), [self, shared_job](http::HttpResult r) {
          self->in_flight_.erase(self->current_ids_[shared_job.get()]);
          self->current_ids_.erase(shared_job.get());
          self->OnResult(std::move(*shared_job), std::move(r));
        });
    in_flight_[id] = true;
    current_ids_[shared_job.get()] = id;
  }

  void OnResult(Job job, http::HttpResult r) {
    if (r.cancelled || cancelled_) {
      EndFeed();
      return;
    }
    std::optional<std::chrono::milliseconds> retry;
    std::string failure;
    if (r.curl_code != 0) {
      failure = r.permanent ? r.error : fmt::format("network error: {}", r.error);
      if (!r.permanent) retry = Backoff(job.attempt, std::nullopt);
      if (r.permanent && r.error.find("larger than the limit") != std::string::npos) {
        // The transport names GitHub's key; for a feed the limit is [blogs] max_feed_bytes.
        failure = fmt::format("the feed is larger than [blogs] max_feed_bytes ({} bytes)",
                              opt_.max_feed_bytes);
      } else if (r.error.find("redirect") != std::string::npos ||
                 r.error.find("Redirect") != std::string::npos) {
        failure = fmt::format("too many redirects (more than {}): {}", opt_.max_redirects, r.error);
      }
    } else if (r.truncated) {
      failure = "the body was cut short";
      retry = Backoff(job.attempt, std::nullopt);
    } else if (r.status == 304) {
      Check(store_.NotModified(job.feed.writer, job.feed.url, clock_.Now()));
      ++stats_.not_modified;
      EndFeed();
      return;
    } else if (r.status >= 200 && r.status < 300) {
      Deliver(job, r);
      EndFeed();
      return;
    } else if (r.status == 404 || r.status == 410) {
      failure = r.status == 404 ? "HTTP 404: no feed at this URL (not found)"
                                : "HTTP 410: the feed is gone";
    } else if (r.status == 429 || r.status >= 500) {
      failure = fmt::format("HTTP {}", r.status);
      retry = Backoff(job.attempt, RetryAfter(r, clock_.Now()));
    } else {
      failure = fmt::format("HTTP {}", r.status);
    }
    if (retry && job.attempt < opt_.max_retries) {
      ++job.attempt;
      log::Notice("feed {}: {}; retry {} in {} ms", job.feed.url, failure, job.attempt,
                  retry->count());
      auto timer = std::make_shared<boost::asio::steady_timer>(io_);
      timer->expires_after(clock_.RealDelay(*retry));
      timers_.push_back(timer);
      auto self = shared_from_this();
      timer->async_wait([self, timer, job = std::move(job)](const boost::system::error_code& ec) {
        self->timers_.erase(std::remove(self->timers_.begin(), self->timers_.end(), timer),
                            self->timers_.end());
        if (ec || self->cancelled_) {
          self->EndFeed();
          return;
        }
        self->Send(job);
      });
      return;
    }
    if (retry) failure += fmt::format(" (after {} tries)", job.attempt + 1);
    Fail(job, failure);
    EndFeed();
  }

  void Deliver(const Job& job, const http::HttpResult& r) {
    const std::string base = r.final_url.empty() ? job.feed.url : r.final_url;
    auto parsed = ParseFeed(r.body, base);
    if (!parsed.ok()) {
      Fail(job, parsed.status().message());
      return;
    }
    model::HttpValidators v;
    if (const std::string* e = r.header("etag")) v.etag = *e;
    if (const std::string* lm = r.header("last-modified")) v.last_modified = *lm;
    auto written = store_.Store(job.feed.writer, job.feed.url, FormatName(parsed.value().format),
                                PostsOf(parsed.value()), v, clock_.Now());
    if (!written.ok()) {
      Check(written.status());
      return;
    }
    ++stats_.fetched;
    stats_.posts_added += written.value().added;
    stats_.posts_changed += written.value().changed;
  }

  void Fail(const Job& job, const std::string& message) {
    ++stats_.failed;
    log::Warning("feed {} of {}: {}", job.feed.url, job.feed.writer, message);
    Check(store_.Failed(job.feed.writer, job.feed.url, message, clock_.Now()));
  }

  void Check(const Status& s) {
    if (!s.ok() && fatal_.ok()) fatal_ = s;
  }

  std::chrono::milliseconds Backoff(int attempt, std::optional<std::chrono::seconds> after) {
    const std::chrono::milliseconds cap = opt_.max_backoff;
    if (after) return std::min<std::chrono::milliseconds>(*after, cap);
    std::chrono::milliseconds d = opt_.backoff * (1LL << std::min(attempt, 20));
    return std::min(d, cap);
  }

  void EndFeed() {
    --active_;
    // Started from a fresh handler, never from inside a transport callback's stack.
    auto self = shared_from_this();
    boost::asio::post(io_, [self] { self->StartNext(); });
  }

  void Finish() {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    Status s = Status::Ok();
    if (!fatal_.ok()) {
      s = fatal_;
    } else if (cancelled_) {
      s = Status::Cancelled("feed poll cancelled");
    } else if (stats_.failed > 0) {
      s = Status::Unavailable(
          fmt::format("{} of {} feeds failed (see ghharvest status)", stats_.failed, stats_.feeds));
    }
    done(std::move(s), stats_);
  }

  boost::asio::io_context& io_;
  const Clock& clock_;
  http::Transport& transport_;
  FeedStore& store_;
  PollerOptions opt_;
  std::deque<FeedSource> queue_;
  std::function<void(Status, PollStats)> done_;
  PollStats stats_;
  Status fatal_ = Status::Ok();
  bool cancelled_ = false;
  int active_ = 0;
  std::map<http::TransferId, bool> in_flight_;
  std::map<const Job*, http::TransferId> current_ids_;
  std::vector<std::shared_ptr<boost::asio::steady_timer>> timers_;
};

Poller::Poller(boost::asio::io_context& io, const Clock& clock, FeedStore& store,
               PollerOptions options)
    : owned_transport_(std::make_unique<http::CurlMulti>(io)),
      impl_(std::make_shared<Impl>(io, clock, *owned_transport_, store, std::move(options))) {}

Poller::Poller(boost::asio::io_context& io, const Clock& clock, http::Transport& transport,
               FeedStore& store, PollerOptions options)
    : impl_(std::make_shared<Impl>(io, clock, transport, store, std::move(options))) {}

Poller::~Poller() { impl_->Abandon(); }

void Poller::PollAll(std::vector<FeedSource> feeds, std::function<void(Status, PollStats)> done) {
  impl_->PollAll(std::move(feeds), std::move(done));
}

void Poller::Cancel() { impl_->Cancel(); }

}  // namespace ghharvest::feeds
