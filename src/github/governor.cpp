#include "github/governor.hpp"

#include <algorithm>

#include "ghharvest/util/log.hpp"

namespace ghharvest::github {
namespace {

// GitHub's clock and ours differ by a little; sending exactly at the reset risks a 403.
constexpr std::chrono::seconds kResetMargin{1};

// Only for resets already clamped (ClampReset): a TimePoint counts nanoseconds, and epoch
// seconds past the year 2262 overflow it.
Clock::TimePoint FromEpoch(std::int64_t secs) {
  return Clock::TimePoint(std::chrono::seconds(secs));
}

}  // namespace

Governor::Governor(const Clock& clock, int reserve, int search_per_minute)
    : clock_(clock), reserve_(std::max(0, reserve)), search_per_minute_(search_per_minute) {}

std::string Governor::ResourceFor(std::string_view url) {
  // Skip scheme and host of an absolute URL; GHES prefixes paths with /api/v3.
  if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
    auto slash = url.find('/', scheme + 3);
    url = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
  }
  if (url.substr(0, 7) == "/api/v3") url.remove_prefix(7);
  if (url.substr(0, 13) == "/search/code?" || url == "/search/code") return "code_search";
  if (url.substr(0, 8) == "/search/") return "search";
  if (url.substr(0, 8) == "/graphql") return "graphql";
  return "core";
}

std::int64_t Governor::ClampReset(std::int64_t reset, Clock::TimePoint now) {
  // In seconds: those of a TimePoint (nanoseconds), plus an hour, are far from int64's limits.
  const std::int64_t latest =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() +
      std::chrono::duration_cast<std::chrono::seconds>(kMaxResetAhead).count();
  return std::clamp<std::int64_t>(reset, 0, std::max<std::int64_t>(0, latest));
}

std::int64_t Governor::EffectiveReserve(std::int64_t limit) const {
  if (limit <= 0) return 0;
  return reserve_ < limit ? reserve_ : limit / 4;
}

std::int64_t Governor::EffectiveReserve(const std::string& resource, std::int64_t limit) const {
  auto it = reserves_.find(resource);
  if (it == reserves_.end()) return EffectiveReserve(limit);
  if (limit <= 0) return 0;
  return it->second < limit ? it->second : limit / 4;
}

void Governor::SetReserve(const std::string& resource, int reserve) {
  reserves_[resource] = std::max(0, reserve);
}

Clock::TimePoint Governor::NextAllowed(const std::string& resource) const {
  auto it = buckets_.find(resource);
  if (it == buckets_.end()) return {};
  const Bucket& b = it->second;
  Clock::TimePoint t = b.blocked_until;
  if (b.last && b.last->limit > 0 && b.last->remaining >= 0) {
    Clock::TimePoint reset = FromEpoch(b.last->reset);
    // Points of requests still in flight are as good as spent.
    if (b.last->remaining - b.in_flight <= EffectiveReserve(resource, b.last->limit) &&
        reset + kResetMargin > clock_.Now()) {
      t = std::max(t, reset + kResetMargin);
    }
  }
  if ((resource == "search" || resource == "code_search") && search_per_minute_ > 0) {
    auto interval = std::chrono::duration_cast<Clock::TimePoint::duration>(
        std::chrono::duration<double>(60.0 / search_per_minute_));
    if (b.last_sent != Clock::TimePoint{}) t = std::max(t, b.last_sent + interval);
  }
  return t;
}

void Governor::OnSend(const std::string& resource) {
  Bucket& b = Get(resource);
  b.in_flight++;
  b.last_sent = clock_.Now();
}

void Governor::OnAbort(const std::string& sent_resource) {
  Bucket& b = Get(sent_resource);
  if (b.in_flight > 0) b.in_flight--;
}

void Governor::OnResponse(const std::string& sent_resource, const RateLimit& answered) {
  OnAbort(sent_resource);
  if (answered.limit < 0 || answered.remaining < 0) return;
  // Before any arithmetic: the header is the server's to fill with any number.
  RateLimit rate = answered;
  rate.reset = ClampReset(rate.reset, clock_.Now());
  std::string resource = rate.resource.empty() ? sent_resource : rate.resource;
  Bucket& b = Get(resource);
  // Responses overtake each other: a newer window wins, and within one window the lowest
  // remaining count is the truth.
  if (!b.last || rate.reset > b.last->reset ||
      (rate.reset == b.last->reset && rate.remaining <= b.last->remaining)) {
    bool new_window = !b.last || rate.reset != b.last->reset;
    b.last = rate;
    if (b.last->resource.empty()) b.last->resource = resource;
    if (new_window) b.waiting_logged = false;
  }
  if (!b.waiting_logged && b.last->remaining <= EffectiveReserve(resource, b.last->limit)) {
    b.waiting_logged = true;
    auto wait =
        std::chrono::duration_cast<std::chrono::seconds>(FromEpoch(b.last->reset) - clock_.Now());
    log::Notice(
        "rate limit reserve reached, waiting for reset resource={} remaining={} "
        "reserve={} wait_s={}",
        resource, b.last->remaining, EffectiveReserve(resource, b.last->limit),
        std::max<std::int64_t>(0, wait.count()));
  }
}

void Governor::BlockUntil(const std::string& resource, Clock::TimePoint until) {
  Bucket& b = Get(resource);
  b.blocked_until = std::max(b.blocked_until, until);
}

std::optional<RateLimit> Governor::Last(const std::string& resource) const {
  auto it = buckets_.find(resource);
  if (it == buckets_.end()) return std::nullopt;
  return it->second.last;
}

}  // namespace ghharvest::github
