// Retry-After (RFC 9110 10.2.3) as any HTTP client must read it: delta-seconds or an
// HTTP-date, from a server or a proxy that may send any number or date. Shared by the GitHub
// client and the blog-feed poller, so both wait the same way and both are held to one cap.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ghharvest/util/clock.hpp"

namespace ghharvest::http {

// The longest Retry-After obeyed: servers ask for seconds to minutes; a proxy's or a bug's
// "a year" must not stall the daemon, so it waits at most an hour, then asks again.
inline constexpr Clock::TimePoint::duration kMaxRetryAfter = std::chrono::hours(1);
inline constexpr std::int64_t kMaxRetryAfterSeconds =
    std::chrono::duration_cast<std::chrono::seconds>(kMaxRetryAfter).count();

struct RetryAfter {
  std::int64_t asked_s = 0;           // the wait the server asked for, in seconds
  Clock::TimePoint::duration wait{};  // the wait obeyed: asked_s held to kMaxRetryAfter
  bool capped() const { return asked_s > kMaxRetryAfterSeconds; }
};

// A date is turned into a wait from `now`; one already past means retry at once, like "0".
// nullopt when absent or neither form. Any text gives a wait within [0, kMaxRetryAfter].
std::optional<RetryAfter> ParseRetryAfter(const std::string* text, Clock::TimePoint now);

// An HTTP-date (IMF-fixdate, RFC 850 or asctime, as curl_getdate reads them) in Unix
// seconds, any year; nullopt when it is none of those. Retry-After's date form and the Date
// header; each caller holds the value to the range it can use.
std::optional<std::int64_t> ParseHttpDate(const std::string& text);

// A decimal integer, saturated at int64's limits when it has more digits than fit: a time
// header asking for "forever" is read as the longest wait, not as absent. nullopt when the
// text is not (only) a decimal integer.
std::optional<std::int64_t> ParseSaturatedInt(std::string_view text);

}  // namespace ghharvest::http
