#include "ghharvest/http/retry_after.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <limits>

namespace ghharvest::http {

using Duration = Clock::TimePoint::duration;
using std::chrono::duration_cast;

std::optional<std::int64_t> ParseSaturatedInt(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const char* end = text.data() + text.size();
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (p != end) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    return text.front() == '-' ? std::numeric_limits<std::int64_t>::min()
                               : std::numeric_limits<std::int64_t>::max();
  }
  if (ec != std::errc()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> ParseHttpDate(const std::string& text) {
  if (text.empty()) return std::nullopt;
  // curl_getdate reads the three forms RFC 9110 allows (IMF-fixdate, RFC 850, asctime).
  const std::time_t at = curl_getdate(text.c_str(), nullptr);
  if (at == -1) return std::nullopt;
  return static_cast<std::int64_t>(at);
}

// The wait is worked out in whole seconds and capped before it becomes a nanosecond duration,
// which past 292 years would overflow (curl also reads junk like "1Oct5201" as a date).
std::optional<RetryAfter> ParseRetryAfter(const std::string* text, Clock::TimePoint now) {
  if (!text || text->empty()) return std::nullopt;
  RetryAfter out;
  if (auto delta = ParseSaturatedInt(*text)) {
    out.asked_s = std::max<std::int64_t>(0, *delta);
    out.wait = std::chrono::seconds(std::min(out.asked_s, kMaxRetryAfterSeconds));
    return out;
  }
  const std::optional<std::int64_t> date = ParseHttpDate(*text);
  if (!date) return std::nullopt;
  const std::int64_t at = *date;
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

}  // namespace ghharvest::http
