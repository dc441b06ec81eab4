#include "ghharvest/util/clock.hpp"

#include <date/date.h>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string_view>

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

namespace {

// True when `s` has the shape of `picture`: '#' stands for one ASCII digit, anything else for
// itself.
bool HasShape(std::string_view s, std::string_view picture) {
  if (s.size() != picture.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool digit = s[i] >= '0' && s[i] <= '9';
    if (picture[i] == '#' ? !digit : s[i] != picture[i]) return false;
  }
  return true;
}

// A Clock::TimePoint counts nanoseconds in 64 bits, about 292 years either side of 1970;
// sys_seconds reaches every four-digit year, so a time is checked against these before it is
// converted, never wrapped.
// The times accepted (clock.hpp says why): any two are less than 292 years apart.
constexpr date::sys_seconds kFirstSecond = date::sys_days{date::year{1970} / 1 / 1};
constexpr date::sys_seconds kLastSecond =
    date::sys_days{date::year{2261} / 12 / 31} + std::chrono::seconds(86399);

}  // namespace

std::string FormatIso8601(Clock::TimePoint t) {
  // floor, not a cast: before 1970 a cast rounds toward zero, into the next second.
  return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t));
}

bool ParseIso8601(const std::string& text, Clock::TimePoint* out) {
  // date.h checks the calendar and the clock (no February 31st, no hour 24) and applies the
  // offset. The shape is checked here first because date.h also reads "2024-1-1T1:2:3", signed
  // years and offsets like "+99:99", none of which GitHub writes.
  constexpr std::string_view kDateTime = "####-##-##T##:##:##";
  std::string_view rest(text);
  if (!HasShape(rest.substr(0, kDateTime.size()), kDateTime)) return false;
  std::string normalized(rest.substr(0, kDateTime.size()));
  rest.remove_prefix(kDateTime.size());
  // A fraction is dropped before date.h sees it: date.h reads only as many digits as the type it
  // parses into holds (into milliseconds, "58.9999Z" leaves "9Z" unread) and rounds them
  // (59.9999 becomes second 60, refused), and every time kept here is whole seconds anyway.
  if (!rest.empty() && rest[0] == '.') {
    std::size_t n = 1;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
    if (n == 1) return false;
    rest.remove_prefix(n);
  }
  const char* format;
  if (rest == "Z") {
    format = "%FT%TZ";
  } else if ((HasShape(rest, "+##:##") || HasShape(rest, "-##:##")) &&
             rest.compare(1, 2, "23") <= 0 && rest[4] <= '5') {
    format = "%FT%T%Ez";
  } else {
    return false;
  }
  normalized += rest;
  std::istringstream in(normalized);
  date::sys_seconds t;
  in >> date::parse(format, t);
  if (in.fail() || in.peek() != std::istringstream::traits_type::eof()) return false;
  if (t < kFirstSecond || t > kLastSecond) return false;
  *out = std::chrono::time_point_cast<Clock::TimePoint::duration>(t);
  return true;
}

}  // namespace ghharvest
