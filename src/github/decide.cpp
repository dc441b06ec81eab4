#include "github/decide.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace ghharvest::github {
namespace {

using Duration = Clock::TimePoint::duration;
using std::chrono::duration_cast;

const std::string* Header(const http::Headers& headers, const std::string& lower_name) {
  auto it = headers.find(lower_name);
  return it == headers.end() ? nullptr : &it->second;
}

bool ContainsNoCase(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
  return it != hay.end();
}

Decision Deliver(ApiResponse::Kind kind) {
  Decision d;
  d.action = Decision::Action::kDeliver;
  d.kind = kind;
  return d;
}

// A fault that may pass (5xx, reset, timeout, bad body): once more after a backoff (or the
// server's Retry-After), until max_retries are spent.
Decision RetryOrFail(std::string why, std::optional<Duration> hint, const Attempt& attempt,
                     const ClientOptions& options) {
  Decision d;
  d.reason = std::move(why);
  if (attempt.transient_retries >= options.max_retries) {
    d.action = Decision::Action::kFail;
    d.tries = attempt.transient_retries + 1;
    return d;
  }
  d.action = Decision::Action::kRetry;
  d.delay = hint ? *hint
                 : Backoff(options.retry_base, attempt.transient_retries,
                           duration_cast<Duration>(options.max_backoff), attempt.jitter);
  return d;
}

// A limit whose end the server did not say (or said with Retry-After): the resource waits
// `wait`, until max_retries such waits are spent.
Decision LimitWaitOrFail(Duration wait, const char* what, long status, const Attempt& attempt,
                         const ClientOptions& options, Clock::TimePoint now) {
  Decision d;
  if (attempt.limit_retries >= options.max_retries) {
    d.action = Decision::Action::kFail;
    d.reason = fmt::format("{} (HTTP {})", what, status);
    d.tries = attempt.limit_retries + 1;
    return d;
  }
  d.action = Decision::Action::kWaitForLimit;
  d.reason = what;
  d.until = now + wait;
  d.spends_limit_try = true;
  return d;
}

Duration SecondaryBackoff(const Attempt& attempt, const ClientOptions& options) {
  return Backoff(options.secondary_base, attempt.limit_retries,
                 duration_cast<Duration>(options.max_backoff), attempt.jitter);
}

}  // namespace

Duration Backoff(Duration base, int tries, Duration cap, double jitter) {
  auto d = base;
  for (int i = 0; i < tries && d < cap; ++i) d *= 2;
  d = std::min(d, cap);
  return d + duration_cast<Duration>(d * jitter);
}

Decision Decide(const Answer& a, const Attempt& attempt, const ClientOptions& options,
                Clock::TimePoint now) {
  // Below HTTP first: what arrived, if anything, is not an answer.
  if (a.end == TransferEnd::kFailedForGood) {
    Decision d;
    d.action = Decision::Action::kFail;
    d.reason = a.error;
    return d;
  }
  if (a.end == TransferEnd::kFailed || a.body == BodyState::kCut) {
    std::string why = a.body == BodyState::kCut ? "truncated body" : a.error;
    if (a.body == BodyState::kCut && a.end == TransferEnd::kFailed) why += " (" + a.error + ")";
    return RetryOrFail(std::move(why), std::nullopt, attempt, options);
  }

  const long status = a.status;
  RateLimit rate = ParseRate(a.headers, now);
  std::optional<RetryAfter> retry_after = ParseRetryAfter(Header(a.headers, "retry-after"), now);
  std::optional<Duration> retry_wait;
  if (retry_after) retry_wait = retry_after->wait;
  auto with_facts = [&](Decision d) {
    d.rate = rate;
    d.retry_after = retry_after;
    return d;
  };

  if (status == 304) return with_facts(Deliver(ApiResponse::Kind::kNotModified));
  if (status >= 200 && status < 300) {
    // A body lost on the way (see BodyState) is fetched again, like one cut short.
    if (status != 204 && (a.body == BodyState::kMalformed || a.body == BodyState::kEmpty)) {
      return with_facts(
          RetryOrFail(fmt::format("HTTP {} with a body that is not valid JSON", status),
                      std::nullopt, attempt, options));
    }
    // Asking again would bring the same link: a failure of this request at once, so the
    // caller records it and the list keeps its watermark. (A 304's next link comes from the
    // cache, stored only from a 2xx that passed here.)
    if (a.next_leaves_origin) {
      Decision d;
      d.action = Decision::Action::kFail;
      d.reason = "the next-page link leaves the API origin";
      return with_facts(std::move(d));
    }
    return with_facts(Deliver(ApiResponse::Kind::kOk));
  }
  if (status == 401) {
    Decision d;
    d.action = Decision::Action::kUnauthorized;
    return with_facts(std::move(d));
  }
  if (status == 403 || status == 429) {
    if (retry_after || ContainsNoCase(a.text, "secondary rate limit")) {
      Duration wait = retry_wait ? *retry_wait : SecondaryBackoff(attempt, options);
      return with_facts(
          LimitWaitOrFail(wait, "secondary rate limit", status, attempt, options, now));
    }
    if (rate.remaining == 0) {
      // rate.reset is clamped (ParseRate), so it converts without overflow.
      const Clock::TimePoint reset = Clock::TimePoint(std::chrono::seconds(rate.reset));
      if (reset > now) {
        Decision d;
        d.action = Decision::Action::kWaitForLimit;
        d.until = reset;
        d.spends_limit_try = false;
        d.reason = "primary rate limit";
        return with_facts(std::move(d));
      }
      // A reset already past yet still refused: back off like a secondary limit.
      return with_facts(LimitWaitOrFail(SecondaryBackoff(attempt, options),
                                        "primary rate limit past its reset", status, attempt,
                                        options, now));
    }
    // Neither limit: the token may not see this (a typed client error).
  }
  if (status >= 500) {
    return with_facts(RetryOrFail(fmt::format("HTTP {}", status), retry_wait, attempt, options));
  }
  return with_facts(Deliver((status == 404 || status == 410) ? ApiResponse::Kind::kGone
                                                             : ApiResponse::Kind::kClientError));
}

Decision DecideGraphql(Decision http, bool rate_limited, const Attempt& attempt,
                       const ClientOptions& options, Clock::TimePoint now) {
  if (http.action != Decision::Action::kDeliver || http.kind != ApiResponse::Kind::kOk ||
      !rate_limited) {
    return http;
  }
  Decision d;
  d.rate = http.rate;
  d.retry_after = http.retry_after;
  // rate.reset is clamped (ParseRate), so it converts without overflow; 0 when absent.
  const Clock::TimePoint reset = Clock::TimePoint(std::chrono::seconds(http.rate.reset));
  if (http.rate.reset > 0 && reset > now) {
    d.action = Decision::Action::kWaitForLimit;
    d.until = reset;
    d.spends_limit_try = false;
    d.reason = "GraphQL rate limit (RATE_LIMITED)";
    return d;
  }
  Decision w = LimitWaitOrFail(SecondaryBackoff(attempt, options),
                               "GraphQL rate limit (RATE_LIMITED) without a reset ahead", 200,
                               attempt, options, now);
  w.rate = d.rate;
  w.retry_after = d.retry_after;
  return w;
}

}  // namespace ghharvest::github
