// The response headers that set how long the client waits and what it reports: Retry-After,
// x-ratelimit-* and X-Poll-Interval. Pure functions of the header text and the time, read by
// Decide (decide.hpp) and the client, and reachable by tests. A server (or a proxy) may send
// any number or date: every value is held to a range before any arithmetic.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "ghharvest/github/client.hpp"
#include "ghharvest/http/transport.hpp"
#include "ghharvest/util/clock.hpp"

namespace ghharvest::github {

// The longest Retry-After obeyed: GitHub asks for seconds to minutes; a proxy's or a bug's
// "a year" must not stall the daemon, so it waits at most an hour, then asks again.
inline constexpr Clock::TimePoint::duration kMaxRetryAfter = std::chrono::hours(1);
inline constexpr std::int64_t kMaxRetryAfterSeconds =
    std::chrono::duration_cast<std::chrono::seconds>(kMaxRetryAfter).count();

// The longest X-Poll-Interval obeyed, in seconds (see ApiResponse::poll_interval).
inline constexpr std::int64_t kMaxPollInterval = 60 * 60;

struct RetryAfter {
  std::int64_t asked_s = 0;           // the wait the server asked for, in seconds
  Clock::TimePoint::duration wait{};  // the wait obeyed: asked_s held to kMaxRetryAfter
  bool capped() const { return asked_s > kMaxRetryAfterSeconds; }
};

// Retry-After (RFC 9110 10.2.3): delta-seconds or an HTTP-date. A date is turned into a wait
// from `now`; one already past means retry at once, like "0". nullopt when absent or neither.
// Any text gives a wait within [0, kMaxRetryAfter].
std::optional<RetryAfter> ParseRetryAfter(const std::string* text, Clock::TimePoint now);

// The longest x-ratelimit-resource name kept (GitHub's longest today has 27 characters).
inline constexpr std::size_t kMaxResourceNameBytes = 64;

// The x-ratelimit-* headers; `resource` empty unless it is a plausible name (lower-case
// letters, digits, '_' and '-', at most kMaxResourceNameBytes); `reset` held to [0, now + an hour]
// (Governor::ClampReset). limit, remaining and used are -1 when absent or not a number.
RateLimit ParseRate(const http::Headers& headers, Clock::TimePoint now);
RateLimit ParseRate(const http::HttpResult& r, Clock::TimePoint now);

// X-Poll-Interval (Events API), seconds, held to [0, kMaxPollInterval]; nullopt when absent or
// not a number.
std::optional<int> ParsePollInterval(const http::Headers& headers);

}  // namespace ghharvest::github
