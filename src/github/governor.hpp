// The per-resource rate-limit governor: from the x-ratelimit-* headers it decides when a
// request on a resource ("core", "search", ...) may be sent. It keeps `reserve` points unused
// (waiting for the reset instead), paces search, and honours waits imposed by secondary
// limits. Time comes from a Clock, so tests run hour-long waits in milliseconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ghharvest/github/client.hpp"
#include "ghharvest/util/clock.hpp"

namespace ghharvest::github {

class Governor {
 public:
  Governor(const Clock& clock, int reserve, int search_per_minute);

  // GitHub's primary windows last an hour, so a reset further ahead is a broken clock, a
  // proxy's or a hostile answer: it is held to this, then the server is asked again.
  static constexpr std::chrono::hours kMaxResetAhead{1};

  // The bucket a request will be charged to, judged from its URL path before sending.
  static std::string ResourceFor(std::string_view url);

  // An x-ratelimit-reset (epoch seconds, any int64 a server sends) held to
  // [0, now + kMaxResetAhead], so that turning it into a TimePoint cannot overflow.
  static std::int64_t ClampReset(std::int64_t reset, Clock::TimePoint now);

  // Earliest time a request on `resource` may go out (<= Now(): at once).
  Clock::TimePoint NextAllowed(const std::string& resource) const;
  void OnSend(const std::string& resource);
  // A response arrived for a request sent on `sent_resource`; `rate` holds its headers
  // (rate.limit < 0 when they were absent). rate.reset is clamped (ClampReset) first.
  void OnResponse(const std::string& sent_resource, const RateLimit& rate);
  // A request ended without a response (transport error, cancel).
  void OnAbort(const std::string& sent_resource);
  // Nothing goes out on `resource` before `until` (secondary limits).
  void BlockUntil(const std::string& resource, Clock::TimePoint until);

  std::optional<RateLimit> Last(const std::string& resource) const;
  // The reserve actually kept for a bucket of `limit` points: the configured one, or a
  // quarter of the bucket when the configured reserve would swallow it whole (search has
  // 30 points; an unauthenticated core bucket 60).
  std::int64_t EffectiveReserve(std::int64_t limit) const;
  // The same for one bucket, with its own reserve when SetReserve gave it one (GraphQL's
  // points are not core's requests: each bucket keeps its own share for other tools).
  std::int64_t EffectiveReserve(const std::string& resource, std::int64_t limit) const;
  void SetReserve(const std::string& resource, int reserve);

 private:
  struct Bucket {
    std::optional<RateLimit> last;
    int in_flight = 0;
    Clock::TimePoint blocked_until{};
    Clock::TimePoint last_sent{};
    bool waiting_logged = false;
  };
  Bucket& Get(const std::string& resource) { return buckets_[resource]; }

  const Clock& clock_;
  int reserve_;
  std::unordered_map<std::string, int> reserves_;  // per bucket, where it differs
  int search_per_minute_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace ghharvest::github
