#include "ghharvest/github/client.hpp"

#include <simdjson.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <deque>
#include <functional>
#include <random>
#include <unordered_map>

#include "ghharvest/github/app_auth.hpp"
#include "ghharvest/github/graphql.hpp"
#include "ghharvest/metrics/registry.hpp"
#include "ghharvest/util/hash.hpp"
#include "ghharvest/util/log.hpp"
#include "github/decide.hpp"
#include "github/etag_cache.hpp"
#include "github/governor.hpp"
#include "github/link_header.hpp"
#include "http/curl_multi.hpp"
#include "http/url.hpp"

namespace ghharvest::github {
namespace {

namespace asio = boost::asio;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

void DeclareMetrics(metrics::Registry& m) {
  using metrics::Type;
  m.Declare("ghharvest_github_requests_total", Type::kCounter,
            "Requests answered (or failed below HTTP: status=\"error\") by bucket and HTTP status, "
            "retries included.");
  m.Declare("ghharvest_github_not_modified_total", Type::kCounter,
            "Conditional requests answered 304 Not Modified (free of primary points).");
  m.Declare("ghharvest_github_points_spent_total", Type::kCounter,
            "Primary rate-limit points spent, by bucket and credential (GraphQL: the query cost).");
  m.Declare("ghharvest_github_rate_limit_remaining", Type::kGauge,
            "Points left in the bucket's window, by credential, as the last response said.");
  m.Declare("ghharvest_github_rate_limit_limit", Type::kGauge,
            "Points in the bucket's window, by credential, as the last response said.");
  m.Declare("ghharvest_github_rate_limit_reset_timestamp_seconds", Type::kGauge,
            "When the bucket's window resets (Unix time), by credential.");
  m.Declare("ghharvest_github_retries_total", Type::kCounter,
            "Requests sent again: kind=\"transient\" (5xx, resets, bad bodies) or "
            "\"rate_limit\" (waited for a primary or secondary limit).");
  m.Declare("ghharvest_github_faults_total", Type::kCounter,
            "Answers that were not usable, by kind (transport, server_error, body_cut, "
            "body_empty, body_malformed, rate_limit, secondary_rate_limit, unauthorized, "
            "refused).");
  m.Declare("ghharvest_github_requests_failed_total", Type::kCounter,
            "Requests given up after their retries, or refused.");
}

// What went wrong with one try, for ghharvest_github_faults_total; empty when nothing did.
std::string FaultKind(const Answer& a, const Decision& d) {
  if (a.end != TransferEnd::kCompleted) return "transport";
  if (a.body == BodyState::kCut) return "body_cut";
  if (d.action == Decision::Action::kDeliver) return "";
  if (d.action == Decision::Action::kUnauthorized) return "unauthorized";
  if (d.action == Decision::Action::kWaitForLimit) {
    // Decide names the limit; a primary one past its reset is still the primary one.
    return d.reason.find("secondary") != std::string::npos ? "secondary_rate_limit" : "rate_limit";
  }
  if (a.body == BodyState::kEmpty) return "body_empty";
  if (a.body == BodyState::kMalformed) return "body_malformed";
  if (a.status >= 500) return "server_error";
  return "refused";
}

}  // namespace

std::string TokenFingerprint(const std::string& token) {
  std::string id = TokenIdentity(token);
  return token.empty() ? id : id.substr(0, 6 + 12);
}

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
  Impl(asio::io_context& io, const Clock& clock, EtagStore* etags, ClientOptions options,
       std::unique_ptr<http::Transport> transport)
      : io_(io),
        clock_(clock),
        opts_(std::move(options)),
        wake_(io),
        rng_(std::random_device{}()),
        transport_(std::move(transport)) {
    while (!opts_.api_url.empty() && opts_.api_url.back() == '/') opts_.api_url.pop_back();
    if (opts_.concurrency < 1) opts_.concurrency = 1;
    graphql_url_ = GraphqlUrl(opts_.api_url);
    base_headers_ = {
        "Accept: " + opts_.accept,
        "X-GitHub-Api-Version: 2022-11-28",
        "User-Agent: " + opts_.user_agent,
    };
    // One credential per token of the pool (or the one token, or none: anonymous), each with
    // its own validators and budget: GitHub's ETags and rate limits are per token.
    std::vector<std::string> tokens = opts_.tokens;
    if (tokens.empty() && (!opts_.token.empty() || !opts_.app)) tokens.push_back(opts_.token);
    for (std::string& token : tokens) {
      auto c = std::make_unique<Credential>(clock, opts_);
      c->identity = TokenIdentity(token);
      c->fingerprint = TokenFingerprint(token);
      c->cache = EtagCache(etags, c->identity);
      if (!token.empty()) c->auth_header = "Authorization: " + opts_.auth_scheme + " " + token;
      creds_.push_back(std::move(c));
    }
    if (opts_.app) {
      // The GitHub App's installation: one credential whose token the client fetches itself.
      // Its validators are the installation's, kept across the hourly tokens.
      auto c = std::make_unique<Credential>(clock, opts_);
      const std::string who =
          fmt::format("github-app:{}:{}", opts_.app->app_id, opts_.app->installation_id);
      c->identity = TokenIdentity(who);
      c->fingerprint = fmt::format("app:{}/{}", opts_.app->app_id, opts_.app->installation_id);
      c->cache = EtagCache(etags, c->identity);
      c->app = true;
      creds_.push_back(std::move(c));
    }
    opts_.token.clear();  // kept in the credentials' headers only
    opts_.tokens.clear();
    if (opts_.metrics) DeclareMetrics(*opts_.metrics);
    api_origin_ = http::OriginOf(opts_.api_url);
    if (!api_origin_) {
      log::Warning("api_url has no http(s) origin, the token is never sent api_url={}",
                   opts_.api_url);
    }
  }

  // Whether `url` is on api_url's scheme://host:port as libcurl, which sends the request,
  // reads both: the only URLs the token goes to, and the only ones a next link may name.
  bool OnApiOrigin(const std::string& url) const {
    if (!api_origin_) return false;
    std::optional<std::string> origin = http::OriginOf(url);
    return origin && *origin == *api_origin_;
  }

  ~Impl() {
    // Transfers die with the transport, without running callbacks into a dead client.
    transport_.reset();
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

  void Graphql(const std::string& query, const std::string& variables_json, GraphqlCallback cb) {
    if (!graphql_available()) {
      PostGraphqlUnavailable(std::move(cb));
      return;
    }
    auto p = std::make_unique<Pending>();
    p->id = next_id_++;
    p->url = graphql_url_;
    p->resource = "graphql";
    p->post_body = "{\"query\":" + JsonQuote(query) +
                   ",\"variables\":" + (variables_json.empty() ? "{}" : variables_json) + "}";
    // Failures (retries spent, 401, cancel) come through the REST path's callback.
    p->cb = [gcb = cb](Result<ApiResponse> r) { gcb(r.status()); };
    p->gcb = std::move(cb);
    if (unauthorized_) {
      PostFailure(std::move(p), UnauthorizedStatus());
      return;
    }
    queue_.push_back(std::move(p));
    Pump();
  }

  bool graphql_available() const { return opts_.graphql && !graphql_gone_; }

  bool GraphqlInFlight() const {
    for (const auto& entry : in_flight_) {
      if (entry.second->post_body) return true;
    }
    return false;
  }

  // Under every credential: the next request for the URL is unconditional whichever sends it.
  Status Forget(const std::string& url_or_path) {
    for (auto& c : creds_) {
      if (Status s = c->cache.Forget(Absolute(url_or_path)); !s.ok()) return s;
    }
    return Status::Ok();
  }

  void CancelAll() {
    ++cancellations_;
    auto queued = std::move(queue_);
    queue_.clear();
    std::vector<http::TransferId> transfers;
    for (auto& [id, p] : in_flight_) transfers.push_back(p->transfer);
    std::weak_ptr<int> alive = alive_;
    for (auto& p : queued) {
      p->cb(Status::Cancelled("request cancelled: " + p->Method() + " " + p->url));
      if (alive.expired()) return;
    }
    // Their callbacks come back through OnDone with `cancelled` set.
    for (auto t : transfers) transport_->Cancel(t);
    ArmWake(Clock::TimePoint::max());
  }

  bool Idle() const { return queue_.empty() && in_flight_.empty(); }
  const ClientStats& stats() const { return stats_; }
  // The pool's budget for a bucket: the sums over credentials still accepted, the earliest
  // reset. With one credential, its own.
  std::optional<RateLimit> rate_limit(const std::string& r) const {
    std::optional<RateLimit> sum;
    for (const auto& c : creds_) {
      if (c->revoked) continue;
      std::optional<RateLimit> rl = c->governor.Last(r);
      if (!rl || rl->limit < 0) continue;
      if (!sum) {
        sum = rl;
        continue;
      }
      sum->limit += rl->limit;
      sum->remaining += std::max<std::int64_t>(0, rl->remaining);
      sum->used = sum->used >= 0 && rl->used >= 0 ? sum->used + rl->used : -1;
      sum->reset = std::min(sum->reset, rl->reset);
    }
    return sum;
  }

  std::vector<CredentialBudget> budgets() const {
    std::vector<CredentialBudget> out;
    for (const auto& c : creds_) {
      bool any = false;
      for (const char* r : {"core", "search", "graphql"}) {
        if (std::optional<RateLimit> rl = c->governor.Last(r); rl && rl->limit >= 0) {
          rl->resource = r;
          out.push_back({c->fingerprint, *rl, c->revoked});
          any = true;
        }
      }
      // Revoked before any budget was seen (this run): still worth saying.
      if (!any && c->revoked) out.push_back({c->fingerprint, RateLimit{}, true});
    }
    return out;
  }

 private:
  // One token of the pool: what GitHub ties to a token, kept apart.
  struct Credential {
    Credential(const Clock& clock, const ClientOptions& o)
        : governor(clock, o.reserve, o.search_per_minute) {
      governor.SetReserve("graphql", o.graphql_reserve);
    }
    std::string identity;     // TokenIdentity: keys its validators
    std::string fingerprint;  // TokenFingerprint: logs, metrics, status
    std::string auth_header;  // empty: anonymous
    EtagCache cache{nullptr, ""};
    Governor governor;
    bool revoked = false;  // answered 401: never used again by this client
    // A GitHub App installation (ClientOptions::app): its token comes from the exchange.
    bool app = false;
    std::int64_t expires_at = 0;   // the installation token's, Unix seconds
    std::int64_t obtained_at = 0;  // when it came
    bool refreshing = false;       // an exchange is in flight
    int refresh_failures = 0;      // in a row, for the backoff
    Clock::TimePoint refresh_not_before{};
    int app_401s = 0;  // 401s since the last good answer: a fresh token refused is final
  };

  // An installation token is replaced this long before it expires, so no request goes out
  // with one that dies in flight.
  static constexpr std::chrono::minutes kRefreshAhead{5};

  static std::int64_t EpochSeconds(Clock::TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  }

  // Usable until kRefreshAhead before it expires, or half its life when that is shorter (a
  // server handing out short-lived tokens), so a fresh token is never refreshed at once.
  bool AppReady(const Credential& c, Clock::TimePoint now) const {
    if (c.auth_header.empty()) return false;
    const std::int64_t ahead = std::min<std::int64_t>(std::chrono::seconds(kRefreshAhead).count(),
                                                      (c.expires_at - c.obtained_at) / 2);
    return c.expires_at - ahead > EpochSeconds(now);
  }

  // Exchanges a new JWT for an installation token (at most one exchange at a time).
  void StartRefresh(std::size_t index, Clock::TimePoint now) {
    Credential& c = *creds_[index];
    if (c.refreshing || c.revoked || now < c.refresh_not_before) return;
    auto jwt = MakeAppJwt(opts_.app->app_id, opts_.app->private_key_pem, EpochSeconds(now));
    if (!jwt.ok()) {
      RevokeApp(c, jwt.status().message());
      return;
    }
    http::HttpGet req;
    req.url = InstallationTokenUrl(opts_.api_url, opts_.app->installation_id);
    req.headers = base_headers_;
    req.headers.push_back("Authorization: Bearer " + *jwt);
    req.post_body = "";
    req.connect_timeout = opts_.connect_timeout;
    req.stall_timeout = opts_.stall_timeout;
    req.max_redirects = 0;
    req.max_body_bytes = std::size_t{1} << 20;
    c.refreshing = true;
    log::Debug("GitHub App token exchange app_id={} installation_id={} url={}", opts_.app->app_id,
               opts_.app->installation_id, req.url);
    transport_->Start(std::move(req),
                      [this, index](http::HttpResult r) { OnRefreshed(index, std::move(r)); });
  }

  void OnRefreshed(std::size_t index, http::HttpResult r) {
    Credential& c = *creds_[index];
    c.refreshing = false;
    const Clock::TimePoint now = clock_.Now();
    if (r.curl_code == 0 && r.status == 201) {
      if (auto t = ParseInstallationToken(r.body); t.ok()) {
        c.auth_header = "Authorization: " + opts_.auth_scheme + " " + t->token;
        c.expires_at = t->expires_at;
        c.obtained_at = EpochSeconds(now);
        c.refresh_failures = 0;
        log::Info("GitHub App installation token obtained credential={} expires_at={}",
                  c.fingerprint,
                  FormatIso8601(Clock::TimePoint(std::chrono::seconds(t->expires_at))));
        Pump();
        return;
      }
    } else if (r.curl_code == 0 && r.status >= 400 && r.status < 500 && r.status != 429) {
      // The app id, the installation or the key is wrong (or the app was uninstalled):
      // asking again with the same would be refused the same way.
      RevokeApp(c, fmt::format("GitHub refused the token exchange (HTTP {}): check [github.app] "
                               "app_id, installation_id and the private key",
                               r.status));
      Pump();
      return;
    }
    c.refresh_failures++;
    const auto wait = std::min<std::chrono::seconds>(
        std::chrono::seconds(1 << std::min(c.refresh_failures, 8)), std::chrono::minutes(5));
    c.refresh_not_before = now + wait;
    log::Warning(
        "GitHub App token exchange failed, trying again credential={} wait_s={} "
        "error=\"{}\"",
        c.fingerprint, wait.count(), r.curl_code != 0 ? r.error : fmt::format("HTTP {}", r.status));
    Pump();
  }

  // The app's credential is unusable for good; with nothing else left every request fails.
  void RevokeApp(Credential& c, const std::string& why) {
    c.revoked = true;
    c.auth_header.clear();
    log::Error("GitHub App authentication failed, not using it again credential={} error=\"{}\"",
               c.fingerprint, why);
    for (const auto& other : creds_) {
      if (!other->revoked) return;
    }
    unauthorized_ = true;
    auto queued = std::move(queue_);
    queue_.clear();
    std::weak_ptr<int> alive = alive_;
    for (auto& q : queued) {
      q->cb(UnauthorizedStatus());
      if (alive.expired()) return;
    }
  }

  struct Pending;
  // The credential `p` goes out with. A repository is always read with the same one (its
  // ETags are that token's: another would turn free 304s into paid 200s): the credential
  // ranked first for the repository by rendezvous hashing, so that a credential revoked
  // moves only its own repositories. Only while that one is held back for longer than
  // kMoveAfter (its budget at the reserve until a reset, a long secondary wait) does the
  // request go to the next in rank that can send sooner. URLs outside /repos/ rank by their
  // path; GraphQL has no validators, so it goes to whichever credential can send first.
  static constexpr std::chrono::seconds kMoveAfter{60};
  std::size_t Assign(const Pending& p, Clock::TimePoint now) const {
    if (creds_.size() == 1) return 0;
    const std::string key = AffinityKey(p.url);
    std::vector<std::pair<std::uint64_t, std::size_t>> ranked;
    for (std::size_t i = 0; i < creds_.size(); ++i) {
      if (creds_[i]->revoked) continue;
      ranked.emplace_back(Mix(Fnv1a64(creds_[i]->identity + "\n" + key, kFnv1a64OffsetBasis)), i);
    }
    if (ranked.empty()) return p.cred;  // all revoked: Unauthorized() fails everything
    std::sort(ranked.begin(), ranked.end(), std::greater<>());
    const bool sticky = !p.post_body;
    const std::size_t home = ranked.front().second;
    const Clock::TimePoint home_at = creds_[home]->governor.NextAllowed(p.resource);
    if (sticky && home_at <= now + kMoveAfter) return home;
    std::size_t best = home;
    Clock::TimePoint best_at = home_at;
    for (const auto& [score, i] : ranked) {
      Clock::TimePoint at = creds_[i]->governor.NextAllowed(p.resource);
      if (at < best_at) {
        best = i;
        best_at = at;
      }
    }
    return best;
  }

  // FNV-1a's high bits barely depend on the last bytes; rendezvous compares whole values, so
  // they are mixed (splitmix64's finalizer) to spread repositories evenly.
  static std::uint64_t Mix(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  }

  // "/repos/{owner}/{repo}" of a URL (lower-cased: GitHub's names ignore case), else its path.
  static std::string AffinityKey(const std::string& url) {
    std::size_t path = url.find("://");
    path = path == std::string::npos ? 0 : url.find('/', path + 3);
    if (path == std::string::npos) return url;
    std::string rest = url.substr(path, url.find('?', path) - path);
    if (rest.rfind("/repos/", 0) == 0) {
      std::size_t owner_end = rest.find('/', 7);
      std::size_t repo_end =
          owner_end == std::string::npos ? std::string::npos : rest.find('/', owner_end + 1);
      rest = rest.substr(0, repo_end);
      for (char& ch : rest) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    return rest;
  }

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
    std::size_t cred = 0;  // the credential it was (last) sent with
    // GraphQL: the POST body, the caller's callback and the envelope of the last answer.
    std::optional<std::string> post_body;
    GraphqlCallback gcb;
    std::optional<GraphqlEnvelope> envelope;
    std::string Method() const { return post_body ? "POST" : "GET"; }
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
        if (p.post_body && !graphql_available()) {
          // Queued before a 404 said this server has no GraphQL: answered without asking.
          GraphqlCallback gcb = std::move(p.gcb);
          it = queue_.erase(it);
          PostGraphqlUnavailable(std::move(gcb));
          continue;
        }
        if (p.post_body && !graphql_probed_ && GraphqlInFlight()) {
          // Until the server has answered one query, one at a time: a server without GraphQL
          // then costs one 404, not one per query in flight. Its answer pumps again.
          ++it;
          continue;
        }
        p.cred = Assign(p, now);
        if (Credential& c = *creds_[p.cred]; c.app && !c.revoked && !AppReady(c, now)) {
          // Held until the exchange brings a token (or its backoff ends).
          StartRefresh(p.cred, now);
          if (unauthorized_) break;
          if (!c.refreshing) earliest = std::min(earliest, c.refresh_not_before);
          ++it;
          continue;
        }
        Clock::TimePoint allowed =
            std::max(p.not_before, creds_[p.cred]->governor.NextAllowed(p.resource));
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
    Credential& c = *creds_[p->cred];
    if (!c.auth_header.empty() && OnApiOrigin(p->url)) req.headers.push_back(c.auth_header);
    req.connect_timeout = opts_.connect_timeout;
    req.stall_timeout = opts_.stall_timeout;
    req.max_redirects = opts_.max_redirects;
    req.max_body_bytes = opts_.max_body_bytes;
    if (p->post_body) {
      // No validators: GitHub's GraphQL sends no ETags, and one URL serves every query.
      req.post_body = *p->post_body;
      req.headers.push_back("Content-Type: application/json");
      req.max_redirects = 0;
      stats_.graphql_requests++;
    } else {
      p->cached = c.cache.Lookup(p->url);
    }
    if (p->cached) {
      if (p->cached->etag) req.headers.push_back("If-None-Match: " + *p->cached->etag);
      if (p->cached->last_modified) {
        req.headers.push_back("If-Modified-Since: " + *p->cached->last_modified);
      }
    }
    c.governor.OnSend(p->resource);
    stats_.requests++;
    std::uint64_t id = p->id;
    Pending* raw = p.get();
    in_flight_.emplace(id, std::move(p));
    raw->transfer = transport_->Start(std::move(req),
                                      [this, id](http::HttpResult r) { OnDone(id, std::move(r)); });
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
      // Not an answer: CancelAll asked for it.
      creds_[p->cred]->governor.OnAbort(p->resource);
      p->cb(Status::Cancelled("request cancelled: " + p->Method() + " " + p->url));
      return;
    }
    const Clock::TimePoint now = clock_.Now();
    Answer a = AnswerOf(r);
    p->envelope.reset();
    if (p->post_body && a.end == TransferEnd::kCompleted && a.body == BodyState::kComplete &&
        r.status >= 200 && r.status < 300) {
      // Valid JSON that is no GraphQL envelope is as lost as a cut body: asked again.
      Result<GraphqlEnvelope> env = ParseGraphqlEnvelope(r.body);
      if (env.ok()) {
        p->envelope = std::move(env).value();
      } else {
        a.body = BodyState::kMalformed;
      }
    }
    std::optional<std::string> next;
    if (auto it = a.headers.find("link"); it != a.headers.end()) {
      next = FindLink(it->second, "next");
    }
    // Taken as given, but only when it stays where the token may go: a page that sends the
    // walk elsewhere fails (Decide), so nothing from another host is stored as GitHub's.
    a.next_leaves_origin = next && !OnApiOrigin(Absolute(*next));
    const Attempt attempt{p->transient_retries, p->limit_retries, jitter_(rng_)};
    Decision d = Decide(a, attempt, opts_, now);
    if (p->post_body) {
      d = DecideGraphql(std::move(d), p->envelope && p->envelope->rate_limited(), attempt, opts_,
                        now);
    }
    const std::int64_t points_before = stats_.points_spent + stats_.graphql_points;
    // A 5xx says nothing of whether the server has GraphQL (GitHub answers 502 to a query
    // that ran too long): queries still go one at a time (the next, or this one's retry).
    if (p->post_body && a.end == TransferEnd::kCompleted && r.status > 0 && r.status < 500) {
      graphql_probed_ = true;
    }
    Governor& governor = creds_[p->cred]->governor;
    if (a.end != TransferEnd::kCompleted || a.body == BodyState::kCut) {
      governor.OnAbort(p->resource);
    } else {
      log::Debug("github response url={} status={} final_url={}", p->url, r.status, r.final_url);
      if (d.rate.resource.empty()) d.rate.resource = p->resource;
      governor.OnResponse(p->resource, d.rate);
      if (r.status < 400) creds_[p->cred]->app_401s = 0;
      if (p->post_body) {
        // An answer at the limit is not charged; any other is, by its own account if asked.
        // A 404 is the server saying it has no GraphQL: there is no bucket to charge.
        if (r.status != 404 && (!p->envelope || !p->envelope->rate_limited())) {
          stats_.graphql_points += p->envelope && p->envelope->cost >= 0 ? p->envelope->cost : 1;
        }
      } else if (r.status != 304 && p->url.find("/rate_limit") == std::string::npos) {
        stats_.points_spent++;
      }
      if (d.retry_after && d.retry_after->capped() && r.status >= 400) {
        log::Warning("retry-after capped url={} asked_s={} capped_s={}", p->url,
                     d.retry_after->asked_s, kMaxRetryAfterSeconds);
      }
    }
    if (opts_.metrics) {
      Measure(*p, a, d, stats_.points_spent + stats_.graphql_points - points_before);
    }
    switch (d.action) {
      case Decision::Action::kDeliver:
        Deliver(std::move(p), std::move(r), a.headers, std::move(next), d);
        return;
      case Decision::Action::kRetry:
        Retry(std::move(p), d, now);
        return;
      case Decision::Action::kWaitForLimit:
        WaitForLimit(std::move(p), d, r.status, now);
        return;
      case Decision::Action::kUnauthorized:
        Unauthorized(std::move(p));
        return;
      case Decision::Action::kFail:
        GiveUp(std::move(p), d);
        return;
    }
  }

  void Measure(const Pending& p, const Answer& a, const Decision& d, std::int64_t points) {
    metrics::Registry& m = *opts_.metrics;
    const bool answered = a.end == TransferEnd::kCompleted;
    m.Add("ghharvest_github_requests_total",
          {{"resource", p.resource}, {"status", answered ? std::to_string(a.status) : "error"}});
    if (answered && a.status == 304) {
      m.Add("ghharvest_github_not_modified_total", {{"resource", p.resource}});
    }
    if (points > 0) {
      m.Add("ghharvest_github_points_spent_total",
            {{"resource", p.resource}, {"credential", creds_[p.cred]->fingerprint}},
            static_cast<double>(points));
    }
    if (std::string fault = FaultKind(a, d); !fault.empty()) {
      m.Add("ghharvest_github_faults_total", {{"kind", fault}});
    }
    const std::string& bucket = d.rate.resource.empty() ? p.resource : d.rate.resource;
    const Credential& c = *creds_[p.cred];
    if (std::optional<RateLimit> rl = c.governor.Last(bucket); rl && rl->limit >= 0) {
      const metrics::Labels labels{{"resource", bucket}, {"credential", c.fingerprint}};
      m.Set("ghharvest_github_rate_limit_remaining", labels, static_cast<double>(rl->remaining));
      m.Set("ghharvest_github_rate_limit_limit", labels, static_cast<double>(rl->limit));
      m.Set("ghharvest_github_rate_limit_reset_timestamp_seconds", labels,
            static_cast<double>(rl->reset));
    }
  }

  void CountRetry(const char* kind) {
    if (opts_.metrics) opts_.metrics->Add("ghharvest_github_retries_total", {{"kind", kind}});
  }
  void CountFailed() {
    if (opts_.metrics) opts_.metrics->Add("ghharvest_github_requests_failed_total");
  }

  // The facts Decide needs. The headers move out of `r`: Deliver reads them from the Answer.
  Answer AnswerOf(http::HttpResult& r) {
    Answer a;
    if (r.curl_code != 0) {
      a.end = r.permanent ? TransferEnd::kFailedForGood : TransferEnd::kFailed;
    }
    a.error = r.error;
    a.status = r.status;
    a.headers = std::move(r.headers);
    a.text = r.body;
    if (r.truncated) {
      a.body = BodyState::kCut;
    } else if (a.end == TransferEnd::kCompleted && r.status >= 200 && r.status < 300 &&
               r.status != 204) {
      if (r.body.empty()) {
        a.body = BodyState::kEmpty;
      } else if (!ValidJson(r.body)) {
        a.body = BodyState::kMalformed;
      }
    }
    return a;
  }

  void Deliver(std::unique_ptr<Pending> p, http::HttpResult r, const http::Headers& headers,
               std::optional<std::string> next, const Decision& d) {
    if (p->post_body) {
      DeliverGraphql(std::move(p), std::move(r), d);
      return;
    }
    ApiResponse resp = BaseResponse(*p, r, headers, d.rate);
    resp.next_url = std::move(next);
    resp.kind = d.kind;
    if (d.kind == ApiResponse::Kind::kNotModified) {
      stats_.not_modified++;
      if (p->cached) {
        resp.next_url = p->cached->next_url;
        if (!resp.etag) resp.etag = p->cached->etag;
        if (!resp.last_modified) resp.last_modified = p->cached->last_modified;
      }
      p->cb(std::move(resp));
      return;
    }
    if (auto it = headers.find("link"); it != headers.end()) {
      resp.last_url = FindLink(it->second, "last");
    }
    resp.body = std::move(r.body);
    if (resp.body.capacity() < resp.body.size() + simdjson::SIMDJSON_PADDING) {
      resp.body.reserve(resp.body.size() + simdjson::SIMDJSON_PADDING);
    }
    if (d.kind != ApiResponse::Kind::kOk) {
      p->cb(std::move(resp));
      return;
    }
    std::optional<CacheEntry> store;
    if (resp.etag || resp.last_modified) {
      store = CacheEntry{resp.etag, resp.last_modified, resp.next_url};
    }
    std::string url = p->url;
    EtagCache& cache = creds_[p->cred]->cache;
    std::weak_ptr<int> alive = alive_;
    const std::uint64_t cancellations = cancellations_;
    p->cb(std::move(resp));
    // After the callback: see Client::Forget in the header. A callback that cancelled
    // everything (the caller gave up, e.g. its commit of this page failed on a full disk)
    // may not have stored the page: keep no validator that would answer 304 for it.
    if (store && !alive.expired() && cancellations == cancellations_) {
      Status s = cache.Store(url, *store);
      if (!s.ok()) log::Warning("http cache write failed url={} error={}", url, s.ToString());
    }
  }

  void DeliverGraphql(std::unique_ptr<Pending> p, http::HttpResult r, const Decision& d) {
    GraphqlResponse g;
    g.status = static_cast<int>(r.status);
    g.rate = d.rate;
    if (g.rate.resource.empty()) g.rate.resource = p->resource;
    if (d.kind == ApiResponse::Kind::kGone) {
      // GitHub always has /graphql: a 404 there is a server without it (an old Enterprise
      // Server, a proxy that passes only REST). Asking again would not change that.
      if (!graphql_gone_) {
        log::Notice("no GraphQL at this server (HTTP {}), REST only from now on url={}", r.status,
                    p->url);
      }
      graphql_gone_ = true;
      g.kind = GraphqlResponse::Kind::kUnavailable;
      p->gcb(std::move(g));
      return;
    }
    if (d.kind != ApiResponse::Kind::kOk) {
      g.kind = GraphqlResponse::Kind::kClientError;
      // A 4xx may still carry GraphQL errors naming the cause.
      if (Result<GraphqlEnvelope> env = ParseGraphqlEnvelope(r.body); env.ok()) {
        g.errors = std::move(env->errors);
      }
      p->gcb(std::move(g));
      return;
    }
    GraphqlEnvelope env = p->envelope ? std::move(*p->envelope) : GraphqlEnvelope{};
    g.kind = env.has_data ? GraphqlResponse::Kind::kData : GraphqlResponse::Kind::kErrors;
    g.errors = std::move(env.errors);
    g.cost = env.cost;
    for (const auto& e : g.errors) {
      log::Warning("GraphQL error type={} code={} path={} message=\"{}\"", e.type, e.code, e.path,
                   e.message);
    }
    g.body = std::move(r.body);
    if (g.body.capacity() < g.body.size() + simdjson::SIMDJSON_PADDING) {
      g.body.reserve(g.body.size() + simdjson::SIMDJSON_PADDING);
    }
    p->gcb(std::move(g));
  }

  void PostGraphqlUnavailable(GraphqlCallback cb) {
    asio::post(io_, [cb = std::move(cb), alive = std::weak_ptr<int>(alive_)]() {
      if (alive.expired()) return;
      GraphqlResponse g;
      g.kind = GraphqlResponse::Kind::kUnavailable;
      cb(std::move(g));
    });
  }

  ApiResponse BaseResponse(const Pending& p, const http::HttpResult& r,
                           const http::Headers& headers, const RateLimit& rate) {
    ApiResponse resp;
    resp.status = static_cast<int>(r.status);
    resp.url = p.url;
    resp.final_url = r.final_url.empty() ? p.url : r.final_url;
    if (auto it = headers.find("etag"); it != headers.end()) resp.etag = it->second;
    if (auto it = headers.find("last-modified"); it != headers.end()) {
      resp.last_modified = it->second;
    }
    resp.rate = rate;
    resp.poll_interval = ParsePollInterval(headers);
    resp.server_time = ParseServerTime(headers);
    return resp;
  }

  bool ValidJson(const std::string& body) {
    simdjson::dom::element doc;
    // The body carries its padding (capacity), so the parser reads it in place.
    return !parser_.parse(body.data(), body.size(), false).get(doc);
  }

  void Retry(std::unique_ptr<Pending> p, const Decision& d, Clock::TimePoint now) {
    p->transient_retries++;
    stats_.retries++;
    CountRetry("transient");
    log::Warning("request failed, retrying url={} try={} delay_ms={} error=\"{}\"", p->url,
                 p->transient_retries, duration_cast<milliseconds>(d.delay).count(), d.reason);
    p->not_before = now + d.delay;
    queue_.push_front(std::move(p));
  }

  void WaitForLimit(std::unique_ptr<Pending> p, const Decision& d, long status,
                    Clock::TimePoint now) {
    const auto wait_s = std::chrono::duration_cast<std::chrono::seconds>(d.until - now).count();
    if (d.spends_limit_try) {
      p->limit_retries++;
      log::Warning("{}, waiting resource={} status={} wait_s={}", d.reason, p->resource, status,
                   wait_s);
    } else {
      log::Notice("{} hit resource={} status={} wait_s={}", d.reason, d.rate.resource, status,
                  wait_s);
    }
    stats_.retries++;
    CountRetry("rate_limit");
    // Limits are per token: hold back the whole resource, not just this request (under the
    // guessed bucket, in case GitHub charged the request to another); it waits in line.
    creds_[p->cred]->governor.BlockUntil(p->resource, d.until);
    queue_.push_front(std::move(p));
  }

  void GiveUp(std::unique_ptr<Pending> p, const Decision& d) {
    if (p->post_body) graphql_probed_ = true;
    stats_.failures++;
    CountFailed();
    Status s;
    if (d.tries > 0) {
      log::Error("request failed, giving up url={} tries={} error=\"{}\"", p->url, d.tries,
                 d.reason);
      s = Status::Unavailable(
          fmt::format("{} {} failed after {} tries: {}", p->Method(), p->url, d.tries, d.reason));
    } else {
      log::Error("request failed url={} error=\"{}\"", p->url, d.reason);
      s = Status::Unavailable(fmt::format("{} {} failed: {}", p->Method(), p->url, d.reason));
    }
    Fail(std::move(p), std::move(s));
  }

  Status UnauthorizedStatus() const {
    return Status::Unauthorized(
        "GitHub rejected the token (HTTP 401): check token_file/token_env; no further "
        "requests are sent");
  }

  void Unauthorized(std::unique_ptr<Pending> p) {
    if (Credential& c = *creds_[p->cred]; c.app && !c.revoked && ++c.app_401s <= 2) {
      // An installation token refused: expired early, or revoked. A new one is fetched
      // before this goes again; only a fresh token refused as well gives the app up.
      log::Warning(
          "GitHub refused the GitHub App's installation token (HTTP 401), fetching "
          "a new one credential={} url={}",
          c.fingerprint, p->url);
      c.auth_header.clear();
      queue_.push_front(std::move(p));
      return;
    }
    if (creds_.size() > 1) {
      // One token of a pool revoked or expired: its repositories move to the others (a
      // stable move: rendezvous ranks the rest as before), the request goes again at once.
      Credential& c = *creds_[p->cred];
      std::size_t live = 0;
      for (const auto& other : creds_) live += other->revoked || other.get() == &c ? 0 : 1;
      if (!c.revoked) {
        c.revoked = true;
        log::Error(
            "GitHub rejected a token of the pool (HTTP 401), not using it again credential={} "
            "credentials_left={} url={}",
            c.fingerprint, live, p->url);
      }
      if (live > 0) {
        queue_.push_front(std::move(p));
        return;
      }
    }
    if (!unauthorized_) {
      log::Error("GitHub answered 401 Unauthorized, stopping all requests url={}", p->url);
    }
    unauthorized_ = true;
    stats_.failures++;
    CountFailed();
    std::string url = p->url;
    std::weak_ptr<int> alive = alive_;
    p->cb(Status::Unauthorized(fmt::format(
        "GitHub rejected the token (HTTP 401) for {} {}: check token_file/token_env; no "
        "further requests are sent",
        p->Method(), url)));
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
  asio::steady_timer wake_;
  bool wake_armed_ = false;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> jitter_{0.0, kMaxJitter};
  simdjson::dom::parser parser_;
  std::vector<std::string> base_headers_;
  std::optional<std::string> api_origin_;
  std::vector<std::unique_ptr<Credential>> creds_;  // never empty
  std::string graphql_url_;
  bool graphql_gone_ = false;  // the server answered 404 on graphql_url_
  // The first query is over: the server answered it (any HTTP status but a 5xx), or it was
  // given up (a server that never answers, e.g. behind a proxy that drops POSTs, must not keep
  // the queries one at a time for good). Until then, one GraphQL query in flight.
  bool graphql_probed_ = false;
  std::deque<std::unique_ptr<Pending>> queue_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Pending>> in_flight_;
  std::uint64_t next_id_ = 1;
  bool pumping_ = false;
  bool repump_ = false;
  bool unauthorized_ = false;
  std::uint64_t cancellations_ = 0;  // CancelAll calls: did one come during a callback?
  ClientStats stats_;
  // Handlers and callbacks check this to notice that the client was destroyed under them.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  std::unique_ptr<http::Transport> transport_;
};

Client::Client(boost::asio::io_context& io, const Clock& clock, EtagStore* etags,
               ClientOptions options)
    : Client(io, clock, etags, std::move(options), std::make_unique<http::CurlMulti>(io)) {}
Client::Client(boost::asio::io_context& io, const Clock& clock, EtagStore* etags,
               ClientOptions options, std::unique_ptr<http::Transport> transport)
    : impl_(std::make_unique<Impl>(io, clock, etags, std::move(options), std::move(transport))) {}
Client::~Client() = default;
void Client::Get(const std::string& url_or_path, ResponseCallback callback) {
  impl_->Get(url_or_path, std::move(callback));
}
void Client::Graphql(const std::string& query, const std::string& variables_json,
                     GraphqlCallback callback) {
  impl_->Graphql(query, variables_json, std::move(callback));
}
bool Client::graphql_available() const { return impl_->graphql_available(); }
Status Client::Forget(const std::string& url_or_path) { return impl_->Forget(url_or_path); }
void Client::CancelAll() { impl_->CancelAll(); }
bool Client::Idle() const { return impl_->Idle(); }
const ClientStats& Client::stats() const { return impl_->stats(); }
std::optional<RateLimit> Client::rate_limit(const std::string& resource) const {
  return impl_->rate_limit(resource);
}
std::vector<CredentialBudget> Client::budgets() const { return impl_->budgets(); }

}  // namespace ghharvest::github
