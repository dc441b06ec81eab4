#include "github/response_headers.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <limits>

#include "github/governor.hpp"

namespace ghharvest::github {
namespace {

using Duration = Clock::TimePoint::duration;
using std::chrono::duration_cast;

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

// GitHub's resource names are short lower-case words ("core", "code_search",
// "actions_runner_registration"). Anything else is ignored (the request's own resource is
// used), so a hostile header cannot put control characters or megabytes into the logs, the
// rate_limits table or `ghharvest status`.
bool PlausibleResource(const std::string& name) {
  if (name.empty() || name.size() > kMaxResourceNameBytes) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

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
  if (const std::string* res = Header(headers, "x-ratelimit-resource")) {
    if (PlausibleResource(*res)) rl.resource = *res;
  }
  rl.limit = ParseInt(Header(headers, "x-ratelimit-limit")).value_or(-1);
  rl.remaining = ParseInt(Header(headers, "x-ratelimit-remaining")).value_or(-1);
  rl.used = ParseInt(Header(headers, "x-ratelimit-used")).value_or(-1);
  rl.reset = Governor::ClampReset(
      ParseIntSaturated(Header(headers, "x-ratelimit-reset")).value_or(0), now);
  return rl;
}

RateLimit ParseRate(const http::HttpResult& r, Clock::TimePoint now) {
  return ParseRate(r.headers, now);
}

std::optional<int> ParsePollInterval(const http::Headers& headers) {
  auto pi = ParseIntSaturated(Header(headers, "x-poll-interval"));
  if (!pi) return std::nullopt;
  // GitHub says 60; like Retry-After, a server may silence the events for an hour at most.
  return static_cast<int>(std::clamp<std::int64_t>(*pi, 0, kMaxPollInterval));
}

}  // namespace ghharvest::github
