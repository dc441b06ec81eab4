// Dates as feeds write them. RSS 2.0 uses RFC 822 (Hugo, WordPress, Ghost, Medium, Substack,
// dev.to, Hashnode all write the RFC 1123 form with a four-digit year); Atom and JSON Feed use
// RFC 3339; dc:date uses W3C-DTF, which allows a date alone or minutes without seconds.
#include <cctype>
#include <chrono>
#include <cstdlib>

#include <date/date.h>

#include "ghharvest/feeds/parse.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::feeds {
namespace {

// Reads exactly `width` digits (or 1..width when `flexible`).
bool Digits(std::string_view& s, int width, int* out, bool flexible = false) {
  int n = 0, i = 0;
  while (i < width && i < static_cast<int>(s.size()) &&
         std::isdigit(static_cast<unsigned char>(s[i]))) {
    n = n * 10 + (s[i] - '0');
    ++i;
  }
  if (i == 0 || (!flexible && i != width)) return false;
  s.remove_prefix(i);
  *out = n;
  return true;
}

bool Eat(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

void Spaces(std::string_view& s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
}

bool Make(int y, int mo, int d, int h, int mi, int sec, int offset_minutes, Clock::TimePoint* out) {
  if (y < 1970 || y > 2261 || h > 23 || mi > 59 || sec > 60) return false;
  const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                                 date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return false;
  if (sec == 60) sec = 59;  // a leap second is the second before it
  auto t = date::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
           std::chrono::seconds(sec) - std::chrono::minutes(offset_minutes);
  if (t.time_since_epoch().count() < 0) return false;
  *out = Clock::TimePoint(
      std::chrono::duration_cast<Clock::TimePoint::duration>(t.time_since_epoch()));
  return true;
}

bool Rfc3339(std::string_view s, Clock::TimePoint* out) {
  int y, mo, d, h = 0, mi = 0, sec = 0, off = 0;
  if (!Digits(s, 4, &y) || !Eat(s, '-') || !Digits(s, 2, &mo) || !Eat(s, '-') ||
      !Digits(s, 2, &d)) {
    return false;
  }
  if (!s.empty()) {
    if (s.front() != 'T' && s.front() != 't' && s.front() != ' ') return false;
    s.remove_prefix(1);
    if (!Digits(s, 2, &h) || !Eat(s, ':') || !Digits(s, 2, &mi)) return false;
    if (Eat(s, ':')) {
      if (!Digits(s, 2, &sec)) return false;
      if (Eat(s, '.') || Eat(s, ',')) {
        while (!s.empty() && std::isdigit(static_cast<unsigned char>(s.front())))
          s.remove_prefix(1);
      }
    }
    if (Eat(s, 'Z') || Eat(s, 'z')) {
      off = 0;
    } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
      const int sign = s.front() == '-' ? -1 : 1;
      s.remove_prefix(1);
      int oh, om = 0;
      if (!Digits(s, 2, &oh)) return false;
      Eat(s, ':');
      if (!s.empty() && !Digits(s, 2, &om)) return false;
      if (oh > 23 || om > 59) return false;
      off = sign * (oh * 60 + om);
    } else {
      return false;  // a local time with no zone says nothing exact
    }
  }
  if (!s.empty()) return false;
  return Make(y, mo, d, h, mi, sec, off, out);
}

int Month(std::string_view name) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  if (name.size() < 3) return 0;
  const std::string lower = AsciiLower(name.substr(0, 3));
  for (int i = 0; i < 12; ++i) {
    if (lower == kMonths[i]) return i + 1;
  }
  return 0;
}

bool Zone(std::string_view z, int* minutes) {
  if (z.empty()) return false;
  if (z.front() == '+' || z.front() == '-') {
    const int sign = z.front() == '-' ? -1 : 1;
    z.remove_prefix(1);
    int hh, mm;
    if (!Digits(z, 2, &hh)) return false;
    Eat(z, ':');
    if (!Digits(z, 2, &mm) || !z.empty() || hh > 23 || mm > 59) return false;
    *minutes = sign * (hh * 60 + mm);
    return true;
  }
  static constexpr struct {
    std::string_view name;
    int minutes;
  } kZones[] = {{"gmt", 0},       {"ut", 0},        {"utc", 0},       {"z", 0},
                {"est", -5 * 60}, {"edt", -4 * 60}, {"cst", -6 * 60}, {"cdt", -5 * 60},
                {"mst", -7 * 60}, {"mdt", -6 * 60}, {"pst", -8 * 60}, {"pdt", -7 * 60}};
  const std::string lower = AsciiLower(z);
  for (const auto& k : kZones) {
    if (lower == k.name) {
      *minutes = k.minutes;
      return true;
    }
  }
  return false;
}

bool Rfc822(std::string_view s, Clock::TimePoint* out) {
  Spaces(s);
  // An optional day name and comma.
  if (!s.empty() && std::isalpha(static_cast<unsigned char>(s.front()))) {
    while (!s.empty() && std::isalpha(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    Eat(s, ',');
    Spaces(s);
  }
  int d, y, h, mi, sec = 0, off = 0;
  if (!Digits(s, 2, &d, true)) return false;
  Spaces(s);
  std::size_t n = 0;
  while (n < s.size() && std::isalpha(static_cast<unsigned char>(s[n]))) ++n;
  const int mo = Month(s.substr(0, n));
  if (mo == 0) return false;
  s.remove_prefix(n);
  Spaces(s);
  std::string_view year_start = s;
  if (!Digits(s, 4, &y, true)) return false;
  const std::size_t ydigits = year_start.size() - s.size();
  if (ydigits == 2) {
    y += y < 70 ? 2000 : 1900;
  } else if (ydigits != 4) {
    return false;
  }
  Spaces(s);
  if (!Digits(s, 2, &h, true) || !Eat(s, ':') || !Digits(s, 2, &mi)) return false;
  if (Eat(s, ':') && !Digits(s, 2, &sec)) return false;
  Spaces(s);
  std::string_view zone = s;
  while (!zone.empty() && std::isspace(static_cast<unsigned char>(zone.back()))) {
    zone.remove_suffix(1);
  }
  if (zone.empty()) {
    off = 0;  // no zone written: read as UTC, the likeliest intent of a generator
  } else if (!Zone(zone, &off)) {
    return false;
  }
  return Make(y, mo, d, h, mi, sec, off, out);
}

}  // namespace

bool ParseFeedDate(std::string_view text, Clock::TimePoint* out) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (text.size() < 8 || text.size() > 64) return false;
  Clock::TimePoint t;
  if (Rfc3339(text, &t) || Rfc822(text, &t)) {
    *out = t;
    return true;
  }
  return false;
}

}  // namespace ghharvest::feeds
