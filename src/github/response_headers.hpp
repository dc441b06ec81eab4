// The response headers that set how long the client waits and what it reports: Retry-After
// (read as ghharvest/http/retry_after.hpp reads it), x-ratelimit-*, X-Poll-Interval and Date. Pure
// functions of the header text and the time, read by Decide (decide.hpp) and the client, and
// reachable by tests. A server (or a proxy) may send any number or date: every value is held to a
// range before any arithmetic.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "ghharvest/github/client.hpp"
#include "ghharvest/http/retry_after.hpp"
#include "ghharvest/http/transport.hpp"
#include "ghharvest/util/clock.hpp"

namespace ghharvest::github {

// Retry-After is plain HTTP (ghharvest/http/retry_after.hpp); the client's names for it.
using http::kMaxRetryAfter;
using http::kMaxRetryAfterSeconds;
using http::ParseRetryAfter;
using http::RetryAfter;

// The longest X-Poll-Interval obeyed, in seconds (see ApiResponse::poll_interval).
inline constexpr std::int64_t kMaxPollInterval = 60 * 60;

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

// The Date header as ISO 8601 UTC (ApiResponse::server_time); nullopt when absent or not an
// HTTP-date.
std::optional<std::string> ParseServerTime(const http::Headers& headers);

}  // namespace ghharvest::github
