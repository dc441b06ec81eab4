// The per-resource rate-limit governor: from the x-ratelimit-* headers it decides when a
// request on a resource ("core", "search", ...) may be sent. It keeps `reserve` points unused
// (waiting for the reset instead), paces search, and honours waits imposed by secondary
// limits. Time comes from a Clock, so tests run hour-long waits in milliseconds.
#pragma once

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

  // The bucket a request will be charged to, judged from its URL path before sending.
  static std::string ResourceFor(std::string_view url);

  // Earliest time a request on `resource` may go out (<= Now(): at once).
  Clock::TimePoint NextAllowed(const std::string& resource) const;
  void OnSend(const std::string& resource);
  // A response arrived for a request sent on `sent_resource`; `rate` holds its headers
  // (rate.limit < 0 when they were absent).
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
  int search_per_minute_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace ghharvest::github
