#include "github/response_headers.hpp"

#include <algorithm>
#include <charconv>

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

std::optional<std::int64_t> ParseIntSaturated(const std::string* text) {
  if (!text) return std::nullopt;
  return http::ParseSaturatedInt(*text);
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

std::optional<std::string> ParseServerTime(const http::Headers& headers) {
  const std::string* text = Header(headers, "date");
  if (!text) return std::nullopt;
  auto at = http::ParseHttpDate(*text);
  // 2261-12-31T23:59:59Z: the last second util/clock.hpp's ISO 8601 times cover.
  constexpr std::int64_t kLatest = 9214646399;
  if (!at || *at < 0 || *at > kLatest) return std::nullopt;
  return FormatIso8601(Clock::TimePoint(std::chrono::seconds(*at)));
}

}  // namespace ghharvest::github
