// The clock seam. Everything that reads the time or waits goes through a Clock, so tests
// can run hour-long rate-limit waits and poll intervals in milliseconds (ScaledClock).
#pragma once

#include <chrono>
#include <string>

namespace ghharvest {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  // Wall time as GitHub sees it (rate-limit resets, `since`, report timestamps).
  virtual TimePoint Now() const = 0;
  // How long a real (steady) timer must run for `d` of this clock's time to pass.
  virtual std::chrono::nanoseconds RealDelay(std::chrono::nanoseconds d) const = 0;
};

// The real clock.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  std::chrono::nanoseconds RealDelay(std::chrono::nanoseconds d) const override { return d; }
};

// Time runs `speedup` times faster than real time, starting at `start`.
class ScaledClock final : public Clock {
 public:
  explicit ScaledClock(double speedup, TimePoint start = std::chrono::system_clock::now());
  TimePoint Now() const override;
  std::chrono::nanoseconds RealDelay(std::chrono::nanoseconds d) const override;

 private:
  double speedup_;
  TimePoint start_;
  std::chrono::steady_clock::time_point real_start_;
};

// ISO 8601 UTC with seconds: "2026-01-31T12:00:00Z" (GitHub's format).
std::string FormatIso8601(Clock::TimePoint t);
// Parses GitHub's "YYYY-MM-DDTHH:MM:SSZ" (fractions and +00:00 accepted); false on bad input
// and on years outside 1970-2261 (nanoseconds overflow past 2262, or in the difference to a
// time before 1970).
bool ParseIso8601(const std::string& text, Clock::TimePoint* out);

}  // namespace ghharvest
