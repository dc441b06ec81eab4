// The response headers that set how long the client waits: Retry-After and x-ratelimit-*.
// Pure functions of the header text and the time, defined in client.cpp; declared here so
// that tests (tests/fuzz) reach them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "ghharvest/github/client.hpp"
#include "ghharvest/util/clock.hpp"
#include "http/curl_multi.hpp"

namespace ghharvest::github {

// The longest Retry-After obeyed.
inline constexpr Clock::TimePoint::duration kMaxRetryAfter = std::chrono::hours(1);
inline constexpr std::int64_t kMaxRetryAfterSeconds =
    std::chrono::duration_cast<std::chrono::seconds>(kMaxRetryAfter).count();

struct RetryAfter {
  std::int64_t asked_s = 0;           // the wait the server asked for, in seconds
  Clock::TimePoint::duration wait{};  // the wait obeyed: asked_s held to kMaxRetryAfter
  bool capped() const { return asked_s > kMaxRetryAfterSeconds; }
};

// Retry-After (RFC 9110 10.2.3): delta-seconds or an HTTP-date. A date is turned into a wait
// from `now`; one already past means retry at once, like "0". nullopt when absent or neither.
// Any text gives a wait within [0, kMaxRetryAfter].
std::optional<RetryAfter> ParseRetryAfter(const std::string* text, Clock::TimePoint now);

// The x-ratelimit-* headers of `r`; `reset` held to [0, now + an hour] (Governor::ClampReset).
// limit, remaining and used are -1 when absent or not a number.
RateLimit ParseRate(const http::HttpResult& r, Clock::TimePoint now);

}  // namespace ghharvest::github
