// ManualClock: a Clock that stands still until the test moves it, so what code dates by the
// Clock (score runs, report timestamps, row ages) is known exactly. For code that reads the
// time, not for code that waits on it: RealDelay is the identity (a timer runs as asked; a
// waiting test wants ScaledClock). Header-only: a bad time in a test is a REQUIRE failure.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "ghharvest/util/clock.hpp"

namespace ghharvest::testing {

class ManualClock final : public Clock {
 public:
  // `iso` as GitHub writes times: "2026-01-20T00:00:00Z".
  explicit ManualClock(const std::string& iso) { Set(iso); }
  TimePoint Now() const override { return now_; }
  std::chrono::nanoseconds RealDelay(std::chrono::nanoseconds d) const override { return d; }

  void Set(const std::string& iso) { REQUIRE(ParseIso8601(iso, &now_)); }
  void Advance(TimePoint::duration d) { now_ += d; }

 private:
  TimePoint now_;
};

}  // namespace ghharvest::testing
