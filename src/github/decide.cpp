#include "github/decide.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <limits>

#include "github/governor.hpp"

namespace ghharvest::github {
namespace {

using Duration = Clock::TimePoint::duration;
using std::chrono::duration_cast;

constexpr std::int64_t kMaxRetryAfterSeconds =
    duration_cast<std::chrono::seconds>(kMaxRetryAfter).count();

const std::string* Header(const http::Headers& headers, const std::string& lower_name) {
  auto it = headers.find(lower_name);
  return it == headers.end() ? nullptr : &it->second;
}

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

bool RetryAfter::capped() const { return asked_s > kMaxRetryAfterSeconds; }

Duration Backoff(Duration base, int tries, Duration cap, double jitter) {
  auto d = base;
  for (int i = 0; i < tries && d < cap; ++i) d *= 2;
  d = std::min(d, cap);
  return d + duration_cast<Duration>(d * jitter);
}

// The server (or a proxy) may send any number or date ("9223372037", the year 9999; curl
// also reads junk like "1Oct5201" as a date): the wait is worked out in whole seconds and
// capped before it becomes a nanosecond duration, which past 292 years would overflow.
std::optional<RetryAfter> ParseRetryAfter(const http::Headers& headers, Clock::TimePoint now) {
  const std::string* text = Header(headers, "retry-after");
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
  const std::int64_t now_s = duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (at <= now_s) return out;  // past (or now): no wait
  if (at > now_s + kMaxRetryAfterSeconds) {
    out.asked_s = at - std::max<std::int64_t>(0, now_s);
    out.wait = kMaxRetryAfter;
    return out;
  }
  // Within the cap, so representable: the exact wait, to the nanosecond of `now`.
  out.asked_s = at - now_s;
  out.wait = std::max(Duration::zero(), Clock::TimePoint(std::chrono::seconds(at)) - now);
  return out;
}

RateLimit ParseRate(const http::Headers& headers, Clock::TimePoint now) {
  RateLimit rl;
  if (const std::string* res = Header(headers, "x-ratelimit-resource")) rl.resource = *res;
  rl.limit = ParseInt(Header(headers, "x-ratelimit-limit")).value_or(-1);
  rl.remaining = ParseInt(Header(headers, "x-ratelimit-remaining")).value_or(-1);
  rl.used = ParseInt(Header(headers, "x-ratelimit-used")).value_or(-1);
  rl.reset = Governor::ClampReset(
      ParseIntSaturated(Header(headers, "x-ratelimit-reset")).value_or(0), now);
  return rl;
}

std::optional<int> ParsePollInterval(const http::Headers& headers) {
  auto pi = ParseIntSaturated(Header(headers, "x-poll-interval"));
  if (!pi) return std::nullopt;
  // GitHub says 60; like Retry-After, a server may silence the events for an hour at most.
  return static_cast<int>(std::clamp<std::int64_t>(*pi, 0, kMaxPollInterval));
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
  std::optional<RetryAfter> retry_after = ParseRetryAfter(a.headers, now);
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

}  // namespace ghharvest::github
