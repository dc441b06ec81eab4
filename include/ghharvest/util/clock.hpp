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

// `t` as GitHub writes times, "2026-01-31T12:00:00Z": UTC, the whole second that holds `t`.
std::string FormatIso8601(Clock::TimePoint t);

// Reads a time as GitHub writes them (an RFC 3339 date-time), exactly:
//   YYYY-MM-DD "T" HH:MM:SS, then optionally "." and one or more digits, then "Z", "+HH:MM" or
//   "-HH:MM" (offset hours 00-23, minutes 00-59), and nothing after.
// The offset is honoured ("2024-01-01T00:00:00+05:00" is 2023-12-31T19:00:00Z); the fraction is
// dropped (the result is the whole second it falls in). The date must exist in the Gregorian
// calendar (2024-02-29 yes, 2023-02-29 and 2024-02-31 no); hours run 00-23, minutes and seconds
// 00-59 (a leap second "60" is refused). Lowercase "t" or "z", a space for "T", other field widths
// and anything trailing are refused, as are times outside 1970-01-01T00:00:00Z to
// 2261-12-31T23:59:59Z: g++'s system_clock counts nanoseconds (1677 to 2262), and within that
// span the difference of any two accepted times (a decay's age, now - t) still fits, so no time
// from the network can overflow the arithmetic done on it. Git has no commit before 1970.
// Returns false on anything refused, leaving *out untouched.
bool ParseIso8601(const std::string& text, Clock::TimePoint* out);

}  // namespace ghharvest
