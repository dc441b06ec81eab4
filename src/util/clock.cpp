#include "ghharvest/util/clock.hpp"

#include <cstdio>
#include <ctime>

namespace ghharvest {

ScaledClock::ScaledClock(double speedup, TimePoint start)
    : speedup_(speedup), start_(start), real_start_(std::chrono::steady_clock::now()) {}

Clock::TimePoint ScaledClock::Now() const {
  auto real = std::chrono::steady_clock::now() - real_start_;
  auto scaled = std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::duration<double, std::nano>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(real).count() * speedup_));
  return start_ + scaled;
}

std::chrono::nanoseconds ScaledClock::RealDelay(std::chrono::nanoseconds d) const {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(d.count() / speedup_));
}

std::string FormatIso8601(Clock::TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool ParseIso8601(const std::string& text, Clock::TimePoint* out) {
  int y, mo, d, h, mi, s;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail) < 6) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return false;
  // A TimePoint counts nanoseconds, which hold 1677-09-21 to 2262-04-11 and differences of
  // 292 years. A timestamp from the network outside 1970-2261 ("9999-12-31T23:59:59Z") is no
  // time GitHub sends (git has none before the epoch), and within it any two times, or one
  // and now, are less than 292 years apart: their difference (a decay's age) cannot overflow.
  if (y < 1970 || y > 2261) return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  *out = std::chrono::system_clock::from_time_t(timegm(&tm));
  return true;
}

}  // namespace ghharvest
