#include "ghharvest/github/client.hpp"

#include <curl/curl.h>
#include <simdjson.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <charconv>
#include <ctime>
#include <deque>
#include <limits>
#include <random>
#include <unordered_map>

#include "ghharvest/util/hash.hpp"
#include "ghharvest/util/log.hpp"
#include "github/etag_cache.hpp"
#include "github/governor.hpp"
#include "github/link_header.hpp"
#include "github/response_headers.hpp"
#include "http/curl_multi.hpp"

namespace ghharvest::github {
namespace {

namespace asio = boost::asio;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::optional<std::int64_t> ParseInt(const std::string* text) {
  if (!text) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || p != text->data() + text->size()) return std::nullopt;
  return v;
}

// A decimal integer, saturated at int64's limits when it has more digits than fit: a time
// header asking for "forever" is read as the longest wait, not as absent.
std::optional<std::int64_t> ParseIntSaturated(const std::string* text) {
  if (!text) return std::nullopt;
  const char* end = text->data() + text->size();
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text->data(), end, v);
  if (p != end) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    return text->front() == '-' ? std::numeric_limits<std::int64_t>::min()
                                : std::numeric_limits<std::int64_t>::max();
  }
  if (ec != std::errc()) return std::nullopt;
  return v;
}

// The longest X-Poll-Interval obeyed, in seconds (see ApiResponse::poll_interval).
constexpr std::int64_t kMaxPollInterval = 60 * 60;

}  // namespace

// The server (or a proxy) may send any number or date ("9223372037", the year 9999; curl
// also reads junk like "1Oct5201" as a date): the wait is worked out in whole seconds and
// capped before it becomes a nanosecond duration, which past 292 years would overflow.
std::optional<RetryAfter> ParseRetryAfter(const std::string* text, Clock::TimePoint now) {
  if (!text || text->empty()) return std::nullopt;
  RetryAfter out;
  if (auto delta = ParseIntSaturated(text)) {
    out.asked_s = std::max<std::int64_t>(0, *delta);
    out.wait = std::chrono::seconds(std::min(out.asked_s, kMaxRetryAfterSeconds));
    return out;
  }
  // curl_getdate reads the three forms RFC 9110 allows (IMF-fixdate, RFC 850, asctime).
  const std::time_t at = curl_getdate(text->c_str(), nullptr);
  if (at == -1) return std::nullopt;
  // A TimePoint's seconds are within +-2^34, so neither sum below can overflow.
  const std::int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (at <= now_s) return out;  // past (or now): no wait
  if (at > now_s + kMaxRetryAfterSeconds) {
    out.asked_s = at - std::max<std::int64_t>(0, now_s);
    out.wait = kMaxRetryAfter;
    return out;
  }
  // Within the cap, so representable: the exact wait, to the nanosecond of `now`.
  out.asked_s = at - now_s;
  out.wait = std::max(Clock::TimePoint::duration::zero(),
                      Clock::TimePoint(std::chrono::seconds(at)) - now);
  return out;
}

RateLimit ParseRate(const http::HttpResult& r, Clock::TimePoint now) {
  RateLimit rl;
  if (const std::string* res = r.header("x-ratelimit-resource")) rl.resource = *res;
  rl.limit = ParseInt(r.header("x-ratelimit-limit")).value_or(-1);
  rl.remaining = ParseInt(r.header("x-ratelimit-remaining")).value_or(-1);
  rl.used = ParseInt(r.header("x-ratelimit-used")).value_or(-1);
  rl.reset =
      Governor::ClampReset(ParseIntSaturated(r.header("x-ratelimit-reset")).value_or(0), now);
  return rl;
}

namespace {

bool ContainsNoCase(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
  return it != hay.end();
}

}  // namespace

std::string TokenIdentity(const std::string& token) {
  if (token.empty()) return "anonymous";
  // Two differently seeded 64-bit FNV-1a hashes: stable across versions and platforms, and
  // the cache never holds anything from which the token could be read back.
  std::string salted = "ghharvest-token-identity:" + token;
  std::uint64_t a = Fnv1a64(salted, kFnv1a64OffsetBasis);
  std::uint64_t b = Fnv1a64(salted, 0x6c62272e07bb0142ull);
  return fmt::format("fnv1a:{:016x}{:016x}", a, b);
}

class Client::Impl {
 public:
  Impl(asio::io_context& io, const Clock& clock, EtagStore* etags, ClientOptions options)
      : io_(io),
        clock_(clock),
        opts_(std::move(options)),
        cache_(etags, TokenIdentity(opts_.token)),
        governor_(clock, opts_.reserve, opts_.search_per_minute),
        wake_(io),
        rng_(std::random_device{}()),
        multi_(std::make_unique<http::CurlMulti>(io)) {
    while (!opts_.api_url.empty() && opts_.api_url.back() == '/') opts_.api_url.pop_back();
    if (opts_.concurrency < 1) opts_.concurrency = 1;
    base_headers_ = {
        "Accept: " + opts_.accept,
        "X-GitHub-Api-Version: 2022-11-28",
        "User-Agent: " + opts_.user_agent,
    };
    if (!opts_.token.empty()) {
      auth_header_ = "Authorization: " + opts_.auth_scheme + " " + opts_.token;
    }
    api_origin_ = Origin(opts_.api_url);
  }

  // "scheme://host[:port]" of an absolute URL, lower-cased; "" when it has none.
  static std::string Origin(const std::string& url) {
    auto scheme = url.find("://");
    if (scheme == std::string::npos) return "";
    auto end = url.find_first_of("/?#", scheme + 3);
    std::string o = url.substr(0, end);
    for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
  }

  ~Impl() {
    // Transfers die with the multi handle, without running callbacks into a dead client.
    multi_.reset();
    wake_.cancel();
  }

  std::string Absolute(const std::string& url_or_path) const {
    if (url_or_path.rfind("http://", 0) == 0 || url_or_path.rfind("https://", 0) == 0) {
      return url_or_path;
    }
    if (!url_or_path.empty() && url_or_path.front() == '/') return opts_.api_url + url_or_path;
    return opts_.api_url + "/" + url_or_path;
  }

  void Get(const std::string& url_or_path, ResponseCallback cb) {
    auto p = std::make_unique<Pending>();
    p->id = next_id_++;
    p->url = Absolute(url_or_path);
    p->resource = Governor::ResourceFor(p->url);
    p->cb = std::move(cb);
    if (unauthorized_) {
      PostFailure(std::move(p), UnauthorizedStatus());
      return;
    }
    queue_.push_back(std::move(p));
    Pump();
  }

  Status Forget(const std::string& url_or_path) { return cache_.Forget(Absolute(url_or_path)); }

  void CancelAll() {
    auto queued = std::move(queue_);
    queue_.clear();
    std::vector<http::TransferId> transfers;
    for (auto& [id, p] : in_flight_) transfers.push_back(p->transfer);
    std::weak_ptr<int> alive = alive_;
    for (auto& p : queued) {
      p->cb(Status::Cancelled("request cancelled: GET " + p->url));
      if (alive.expired()) return;
    }
    // Their callbacks come back through OnDone with `cancelled` set.
    for (auto t : transfers) multi_->Cancel(t);
    ArmWake(Clock::TimePoint::max());
  }

  bool Idle() const { return queue_.empty() && in_flight_.empty(); }
  const ClientStats& stats() const { return stats_; }
  std::optional<RateLimit> rate_limit(const std::string& r) const { return governor_.Last(r); }

 private:
  struct Pending {
    std::uint64_t id = 0;
    std::string url;
    std::string resource;
    ResponseCallback cb;
    int transient_retries = 0;  // 5xx, resets, timeouts, bad bodies
    int limit_retries = 0;      // secondary limits and primary limits past their reset
    Clock::TimePoint not_before{};
    std::optional<CacheEntry> cached;
    http::TransferId transfer = 0;
  };

  // Sends what the concurrency limit and the governor allow, in FIFO order per resource,
  // and sets the wake-up timer for the earliest request still held back.
  void Pump() {
    if (pumping_) {
      repump_ = true;
      return;
    }
    pumping_ = true;
    do {
      repump_ = false;
      Clock::TimePoint now = clock_.Now();
      Clock::TimePoint earliest = Clock::TimePoint::max();
      for (auto it = queue_.begin(); it != queue_.end();) {
        if (unauthorized_) break;
        if (static_cast<int>(in_flight_.size()) >= opts_.concurrency) {
          earliest = Clock::TimePoint::max();  // a completion pumps again
          break;
        }
        Pending& p = **it;
        Clock::TimePoint allowed = std::max(p.not_before, governor_.NextAllowed(p.resource));
        if (allowed > now) {
          earliest = std::min(earliest, allowed);
          ++it;
          continue;
        }
        std::unique_ptr<Pending> owned = std::move(*it);
        it = queue_.erase(it);
        Send(std::move(owned));
      }
      ArmWake(earliest);
    } while (repump_);
    pumping_ = false;
  }

  void ArmWake(Clock::TimePoint when) {
    if (when == Clock::TimePoint::max()) {
      if (wake_armed_) wake_.cancel();
      wake_armed_ = false;
      return;
    }
    auto scaled = std::max(Clock::TimePoint::duration::zero(), when - clock_.Now());
    auto real = clock_.RealDelay(std::chrono::duration_cast<std::chrono::nanoseconds>(scaled));
    wake_armed_ = true;
    // +1 ms so that, on waking, the clock has certainly passed `when`.
    wake_.expires_after(real + milliseconds(1));
    wake_.async_wait(
        [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
          if (ec || alive.expired()) return;
          wake_armed_ = false;
          Pump();
        });
  }

  void Send(std::unique_ptr<Pending> p) {
    http::HttpGet req;
    req.url = p->url;
    req.headers = base_headers_;
    // The token goes only to the configured API origin, never to a host named by an
    // absolute URL from elsewhere.
    if (!auth_header_.empty() && Origin(p->url) == api_origin_) req.headers.push_back(auth_header_);
    req.connect_timeout = opts_.connect_timeout;
    req.stall_timeout = opts_.stall_timeout;
    req.max_redirects = opts_.max_redirects;
    req.max_body_bytes = opts_.max_body_bytes;
    p->cached = cache_.Lookup(p->url);
    if (p->cached) {
      if (p->cached->etag) req.headers.push_back("If-None-Match: " + *p->cached->etag);
      if (p->cached->last_modified) {
        req.headers.push_back("If-Modified-Since: " + *p->cached->last_modified);
      }
    }
    governor_.OnSend(p->resource);
    stats_.requests++;
    std::uint64_t id = p->id;
    Pending* raw = p.get();
    in_flight_.emplace(id, std::move(p));
    raw->transfer =
        multi_->Start(std::move(req), [this, id](http::HttpResult r) { OnDone(id, std::move(r)); });
  }

  void OnDone(std::uint64_t id, http::HttpResult r) {
    auto node = in_flight_.extract(id);
    if (node.empty()) return;
    std::unique_ptr<Pending> p = std::move(node.mapped());
    std::weak_ptr<int> alive = alive_;
    Handle(std::move(p), std::move(r));
    if (!alive.expired()) Pump();
  }

  void Handle(std::unique_ptr<Pending> p, http::HttpResult r) {
    if (r.cancelled) {
      governor_.OnAbort(p->resource);
      p->cb(Status::Cancelled("request cancelled: GET " + p->url));
      return;
    }
    if (r.curl_code != 0 || r.truncated) {
      governor_.OnAbort(p->resource);
      if (r.permanent) {
        stats_.failures++;
        log::Error("request failed url={} error=\"{}\"", p->url, r.error);
        Status s = Status::Unavailable(fmt::format("GET {} failed: {}", p->url, r.error));
        Fail(std::move(p), std::move(s));
        return;
      }
      std::string why = r.truncated ? "truncated body" : r.error;
      if (r.truncated && r.curl_code != 0) why += " (" + r.error + ")";
      RetryOrFail(std::move(p), why, std::nullopt);
      return;
    }
    log::Debug("github response url={} status={} final_url={}", p->url, r.status, r.final_url);
    RateLimit rate = ParseRate(r, clock_.Now());
    if (rate.resource.empty()) rate.resource = p->resource;
    governor_.OnResponse(p->resource, rate);
    const long status = r.status;
    if (status != 304 && p->url.find("/rate_limit") == std::string::npos) stats_.points_spent++;
    std::optional<Clock::TimePoint::duration> retry_after;
    if (auto asked = ParseRetryAfter(r.header("retry-after"), clock_.Now())) {
      // GitHub asks for seconds to minutes; a proxy's or a bug's "a year" must not stall the
      // daemon: wait at most an hour, then ask again (the answer may repeat the wait).
      if (asked->capped() && status >= 400) {
        log::Warning("retry-after capped url={} asked_s={} capped_s={}", p->url, asked->asked_s,
                     kMaxRetryAfterSeconds);
      }
      retry_after = asked->wait;
    }

    if (status == 304) {
      stats_.not_modified++;
      ApiResponse resp = BaseResponse(*p, r, rate);
      resp.kind = ApiResponse::Kind::kNotModified;
      if (p->cached) {
        resp.next_url = p->cached->next_url;
        if (!resp.etag) resp.etag = p->cached->etag;
        if (!resp.last_modified) resp.last_modified = p->cached->last_modified;
      }
      p->cb(std::move(resp));
      return;
    }
    if (status >= 200 && status < 300) {
      // Every GitHub endpoint read here answers JSON ("[]" for an empty list), so an empty
      // 200 is a body lost on the way: libcurl reports a gzip stream cut before its first
      // byte inflated as a complete, empty body.
      if (status != 204 && !ValidJson(r.body)) {
        RetryOrFail(std::move(p), fmt::format("HTTP {} with a body that is not valid JSON", status),
                    std::nullopt);
        return;
      }
      ApiResponse resp = BaseResponse(*p, r, rate);
      resp.kind = ApiResponse::Kind::kOk;
      resp.body = std::move(r.body);
      if (resp.body.capacity() < resp.body.size() + simdjson::SIMDJSON_PADDING) {
        resp.body.reserve(resp.body.size() + simdjson::SIMDJSON_PADDING);
      }
      std::optional<CacheEntry> store;
      if (resp.etag || resp.last_modified) {
        store = CacheEntry{resp.etag, resp.last_modified, resp.next_url};
      }
      std::string url = p->url;
      std::weak_ptr<int> alive = alive_;
      p->cb(std::move(resp));
      // After the callback: see Client::Forget in the header.
      if (store && !alive.expired()) {
        Status s = cache_.Store(url, *store);
        if (!s.ok()) log::Warning("http cache write failed url={} error={}", url, s.ToString());
      }
      return;
    }
    if (status == 401) {
      Unauthorized(std::move(p));
      return;
    }
    if (status == 403 || status == 429) {
      bool secondary = retry_after.has_value() || ContainsNoCase(r.body, "secondary rate limit");
      if (secondary) {
        auto wait = retry_after ? *retry_after : Backoff(opts_.secondary_base, p->limit_retries);
        LimitWait(std::move(p), wait, "secondary rate limit", status);
        return;
      }
      if (rate.remaining == 0) {
        // The governor now holds this resource until the reset; the request waits in line.
        // rate.reset is clamped (ParseRate), so it converts without overflow.
        Clock::TimePoint reset = Clock::TimePoint(std::chrono::seconds(rate.reset));
        if (reset > clock_.Now()) {
          log::Notice(
              "primary rate limit hit resource={} status={} wait_s={}", rate.resource, status,
              std::chrono::duration_cast<std::chrono::seconds>(reset - clock_.Now()).count());
          stats_.retries++;
          // Also under the guessed bucket, in case GitHub charged the request to another.
          governor_.BlockUntil(p->resource, reset);
          queue_.push_front(std::move(p));
          return;
        }
        // A reset already past yet still refused: back off like a secondary limit.
        auto wait = Backoff(opts_.secondary_base, p->limit_retries);
        LimitWait(std::move(p), wait, "primary rate limit past its reset", status);
        return;
      }
    }
    if (status >= 500) {
      RetryOrFail(std::move(p), fmt::format("HTTP {}", status), retry_after);
      return;
    }
    ApiResponse resp = BaseResponse(*p, r, rate);
    resp.kind = (status == 404 || status == 410) ? ApiResponse::Kind::kGone
                                                 : ApiResponse::Kind::kClientError;
    resp.body = std::move(r.body);
    resp.body.reserve(resp.body.size() + simdjson::SIMDJSON_PADDING);
    p->cb(std::move(resp));
  }

  ApiResponse BaseResponse(const Pending& p, const http::HttpResult& r, const RateLimit& rate) {
    ApiResponse resp;
    resp.status = static_cast<int>(r.status);
    resp.url = p.url;
    resp.final_url = r.final_url.empty() ? p.url : r.final_url;
    if (const std::string* link = r.header("link")) resp.next_url = FindLink(*link, "next");
    if (const std::string* e = r.header("etag")) resp.etag = *e;
    if (const std::string* lm = r.header("last-modified")) resp.last_modified = *lm;
    resp.rate = rate;
    if (auto pi = ParseIntSaturated(r.header("x-poll-interval"))) {
      // GitHub says 60; like Retry-After, a server may silence the events for an hour at most.
      resp.poll_interval = static_cast<int>(std::clamp<std::int64_t>(*pi, 0, kMaxPollInterval));
    }
    return resp;
  }

  bool ValidJson(const std::string& body) {
    simdjson::dom::element doc;
    // The body carries its padding (capacity), so the parser reads it in place.
    return !parser_.parse(body.data(), body.size(), false).get(doc);
  }

  // Exponential backoff from `base`, doubled per earlier try, capped, plus up to 25% jitter
  // so that many clients (or requests) do not retry in lockstep; never less than `base`.
  Clock::TimePoint::duration Backoff(Clock::TimePoint::duration base, int tries) {
    auto cap = duration_cast<Clock::TimePoint::duration>(opts_.max_backoff);
    auto d = base;
    for (int i = 0; i < tries && d < cap; ++i) d *= 2;
    d = std::min(d, cap);
    std::uniform_real_distribution<double> jitter(0.0, 0.25);
    return d + duration_cast<Clock::TimePoint::duration>(d * jitter(rng_));
  }

  void RetryOrFail(std::unique_ptr<Pending> p, const std::string& why,
                   std::optional<Clock::TimePoint::duration> hint) {
    if (p->transient_retries >= opts_.max_retries) {
      stats_.failures++;
      int tries = p->transient_retries + 1;
      log::Error("request failed, giving up url={} tries={} error=\"{}\"", p->url, tries, why);
      Status s =
          Status::Unavailable(fmt::format("GET {} failed after {} tries: {}", p->url, tries, why));
      Fail(std::move(p), std::move(s));
      return;
    }
    auto delay = hint ? *hint : Backoff(opts_.retry_base, p->transient_retries);
    p->transient_retries++;
    stats_.retries++;
    log::Warning("request failed, retrying url={} try={} delay_ms={} error=\"{}\"", p->url,
                 p->transient_retries, duration_cast<milliseconds>(delay).count(), why);
    p->not_before = clock_.Now() + delay;
    queue_.push_front(std::move(p));
  }

  void LimitWait(std::unique_ptr<Pending> p, Clock::TimePoint::duration wait, const char* what,
                 long status) {
    if (p->limit_retries >= opts_.max_retries) {
      stats_.failures++;
      int tries = p->limit_retries + 1;
      log::Error("request failed, giving up url={} tries={} error=\"{}\"", p->url, tries, what);
      Status s = Status::Unavailable(
          fmt::format("GET {} failed after {} tries: {} (HTTP {})", p->url, tries, what, status));
      Fail(std::move(p), std::move(s));
      return;
    }
    p->limit_retries++;
    stats_.retries++;
    log::Warning("{}, waiting resource={} status={} wait_s={}", what, p->resource, status,
                 duration_cast<std::chrono::seconds>(wait).count());
    // Secondary limits are per token: hold back the whole resource, not just this request.
    governor_.BlockUntil(p->resource, clock_.Now() + wait);
    queue_.push_front(std::move(p));
  }

  Status UnauthorizedStatus() const {
    return Status::Unauthorized(
        "GitHub rejected the token (HTTP 401): check token_file/token_env; no further "
        "requests are sent");
  }

  void Unauthorized(std::unique_ptr<Pending> p) {
    if (!unauthorized_) {
      log::Error("GitHub answered 401 Unauthorized, stopping all requests url={}", p->url);
    }
    unauthorized_ = true;
    stats_.failures++;
    std::string url = p->url;
    std::weak_ptr<int> alive = alive_;
    p->cb(Status::Unauthorized(fmt::format(
        "GitHub rejected the token (HTTP 401) for GET {}: check token_file/token_env; no "
        "further requests are sent",
        url)));
    if (alive.expired()) return;
    auto queued = std::move(queue_);
    queue_.clear();
    for (auto& q : queued) {
      q->cb(UnauthorizedStatus());
      if (alive.expired()) return;
    }
    ArmWake(Clock::TimePoint::max());
  }

  void Fail(std::unique_ptr<Pending> p, Status s) { p->cb(std::move(s)); }

  void PostFailure(std::unique_ptr<Pending> p, Status s) {
    std::shared_ptr<Pending> shared(std::move(p));
    asio::post(io_, [shared, s = std::move(s), alive = std::weak_ptr<int>(alive_)]() mutable {
      if (alive.expired()) return;
      shared->cb(std::move(s));
    });
  }

  asio::io_context& io_;
  const Clock& clock_;
  ClientOptions opts_;
  EtagCache cache_;
  Governor governor_;
  asio::steady_timer wake_;
  bool wake_armed_ = false;
  std::mt19937_64 rng_;
  simdjson::dom::parser parser_;
  std::vector<std::string> base_headers_;
  std::string auth_header_;
  std::string api_origin_;
  std::deque<std::unique_ptr<Pending>> queue_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Pending>> in_flight_;
  std::uint64_t next_id_ = 1;
  bool pumping_ = false;
  bool repump_ = false;
  bool unauthorized_ = false;
  ClientStats stats_;
  // Handlers and callbacks check this to notice that the client was destroyed under them.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  std::unique_ptr<http::CurlMulti> multi_;
};

Client::Client(boost::asio::io_context& io, const Clock& clock, EtagStore* etags,
               ClientOptions options)
    : impl_(std::make_unique<Impl>(io, clock, etags, std::move(options))) {}
Client::~Client() = default;
void Client::Get(const std::string& url_or_path, ResponseCallback callback) {
  impl_->Get(url_or_path, std::move(callback));
}
Status Client::Forget(const std::string& url_or_path) { return impl_->Forget(url_or_path); }
void Client::CancelAll() { impl_->CancelAll(); }
bool Client::Idle() const { return impl_->Idle(); }
const ClientStats& Client::stats() const { return impl_->stats(); }
std::optional<RateLimit> Client::rate_limit(const std::string& resource) const {
  return impl_->rate_limit(resource);
}

}  // namespace ghharvest::github
