#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "ghharvest/util/clock.hpp"

using ghharvest::Clock;
using ghharvest::FormatIso8601;
using ghharvest::ParseIso8601;

namespace {

// Seconds since 1970 of `text`, or a failed check.
std::int64_t Seconds(const std::string& text) {
  Clock::TimePoint t;
  bool ok = ParseIso8601(text, &t);
  CHECK_MESSAGE(ok, text);
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Clock::TimePoint At(std::int64_t seconds) {
  return Clock::TimePoint(std::chrono::seconds(seconds));
}

}  // namespace

TEST_CASE("accepted times read as the UTC instant they name") {
  struct Case {
    std::string text;
    std::int64_t seconds;  // since 1970, worked out with Python's datetime
  };
  const std::vector<Case> cases = {
      {"1970-01-01T00:00:00Z", 0},
      {"2026-01-31T12:00:00Z", 1769860800},
      {"2024-02-29T00:00:00Z", 1709164800},  // leap year
      {"2000-02-29T23:59:59Z", 951868799},   // divisible by 400: leap
      {"2024-12-31T23:59:59Z", 1735689599},
      // Offsets are honoured: local time minus the offset is UTC.
      {"2024-01-01T00:00:00+05:00", 1704049200},  // 2023-12-31T19:00:00Z
      {"2024-01-01T00:00:00-03:30", 1704079800},  // 2024-01-01T03:30:00Z
      {"2024-01-01T00:00:00+00:00", 1704067200},
      {"2024-01-01T00:00:00-00:00", 1704067200},
      {"2024-03-01T01:00:00+02:00", 1709247600},  // back across a leap day: 2024-02-29T23:00Z
      {"2012-03-10T15:13:24-08:00", 1331421204},  // GH Archive's 2012 timeline spelling
      {"2024-01-01T00:00:00+23:59", 1703980860},
      // Fractions are dropped, never rounded up into the next second (or day).
      {"2024-01-01T00:00:00.5Z", 1704067200},
      {"2024-01-01T00:00:00.000Z", 1704067200},
      {"2024-12-31T23:59:59.999999999999Z", 1735689599},
      {"2024-01-01T05:00:00.75+05:00", 1704067200},
      // The edges of the accepted span.
      {"1970-01-01T00:00:00Z", 0},
      {"1970-01-01T05:00:00+05:00", 0},
      {"2261-12-31T23:59:59Z", 9214646399},
      {"2261-12-31T23:59:59.9Z", 9214646399},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(Seconds(c.text) == c.seconds);
  }
}

TEST_CASE("impossible, misshapen or trailing input is refused and leaves the output alone") {
  const std::vector<std::string> refused = {
      "",
      "2024",
      "2024-01-01",
      "2024-01-01T00:00:00",  // no zone: local time is not a time GitHub sends
      "2024-02-31T00:00:00Z",
      "2023-02-29T00:00:00Z",  // not a leap year
      "1900-02-29T00:00:00Z",  // divisible by 100, not 400
      "2024-04-31T00:00:00Z",
      "2024-13-01T00:00:00Z",
      "2024-00-10T00:00:00Z",
      "2024-01-00T00:00:00Z",
      "2024-01-32T00:00:00Z",
      "2024-01-01T24:00:00Z",
      "2024-01-01T00:60:00Z",
      "2024-01-01T00:00:60Z",  // leap seconds are not represented
      "2024-01-01T00:00:00ZZ",
      "2024-01-01T00:00:00Z ",
      " 2024-01-01T00:00:00Z",
      "2024-01-01T00:00:00Zjunk",
      "2024-01-01T00:00:00+05:00x",
      "2024-01-01T00:00:00.Z",  // a point needs digits
      "2024-01-01T00:00:00.5",
      "2024-01-01T00:00:00,5Z",
      "2024-01-01t00:00:00z",
      "2024-01-01 00:00:00Z",
      "2024-1-01T00:00:00Z",  // date.h alone would read these short fields
      "2024-01-01T0:00:00Z",
      "+2024-01-01T00:00:00Z",
      "-024-01-01T00:00:00Z",
      "2024-01-01T00:00:00+05",
      "2024-01-01T00:00:00+0500",
      "2024-01-01T00:00:00+5:00",
      "2024-01-01T00:00:00+24:00",
      "2024-01-01T00:00:00+04:60",
      "2024-01-01T00:00:00+99:99",
      "2024-01-01T00:00:00 +05:00",
      "2024-01-01T00:00:00UTC",
      std::string("2024-01-01T00:00:00Z\0", 21),
      "٢٠٢٤-01-01T00:00:00Z",
  };
  const Clock::TimePoint sentinel = At(123);
  for (const auto& text : refused) {
    CAPTURE(text);
    Clock::TimePoint t = sentinel;
    CHECK_FALSE(ParseIso8601(text, &t));
    CHECK(t == sentinel);
  }
}

// g++'s system_clock counts nanoseconds in an int64 (1677 to 2262), and a decay computes
// now - t: only 1970-01-01 to 2261-12-31 is accepted, so neither a time nor a difference of two
// can overflow. Anything outside is refused rather than wrapped into some other year.
TEST_CASE("times outside 1970-2261 are refused, not overflowed") {
  Clock::TimePoint t = At(7);
  for (std::string text :
       {"1969-12-31T23:59:59Z", "1969-12-31T23:59:59.9Z", "1900-01-01T00:00:00Z",
        "1677-09-21T00:12:44Z", "1700-03-01T00:00:00Z", "2262-01-01T00:00:00Z",
        "2262-04-11T23:47:16Z", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z",
        "1000-01-01T00:00:00Z", "3000-01-01T00:00:00Z", "1970-01-01T00:00:00+00:01"}) {
    CAPTURE(text);
    CHECK_FALSE(ParseIso8601(text, &t));
    CHECK(t == At(7));
  }
  // An offset can carry an in-range local time out of range, and back in.
  CHECK_FALSE(ParseIso8601("2261-12-31T23:59:59-01:00", &t));
  CHECK(Seconds("2262-01-01T00:59:59+01:00") == 9214646399);
}

TEST_CASE("formatting writes GitHub's UTC whole seconds, at any TimePoint") {
  CHECK(FormatIso8601(At(0)) == "1970-01-01T00:00:00Z");
  CHECK(FormatIso8601(At(1769860800)) == "2026-01-31T12:00:00Z");
  CHECK(FormatIso8601(At(1709164800)) == "2024-02-29T00:00:00Z");
  CHECK(FormatIso8601(At(-1)) == "1969-12-31T23:59:59Z");
  // A fraction never rounds up, and before 1970 it belongs to the earlier second.
  CHECK(FormatIso8601(At(0) + std::chrono::milliseconds(999)) == "1970-01-01T00:00:00Z");
  CHECK(FormatIso8601(At(0) - std::chrono::milliseconds(1)) == "1969-12-31T23:59:59Z");
  CHECK(FormatIso8601(At(-2208988800)) == "1900-01-01T00:00:00Z");
  CHECK(FormatIso8601(Clock::TimePoint::max()) == "2262-04-11T23:47:16Z");
  // The first second starts before the clock does, so it prints but does not read back.
  CHECK(FormatIso8601(Clock::TimePoint::min()) == "1677-09-21T00:12:43Z");
}

TEST_CASE("format and parse round-trip from 1970 to 2261") {
  std::vector<std::string> texts = {
      "1970-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2000-01-01T00:00:00Z",
      "2008-02-08T00:00:00Z", "2024-02-29T12:00:00Z", "2038-01-19T03:14:08Z",  // past int32 time_t
      "2100-02-28T23:59:59Z", "2100-03-01T00:00:00Z", "2200-06-15T08:30:00Z",
      "2261-12-31T23:59:59Z",
  };
  for (const auto& text : texts) {
    CAPTURE(text);
    Clock::TimePoint t;
    REQUIRE(ParseIso8601(text, &t));
    CHECK(FormatIso8601(t) == text);
  }
  // Every day boundary over a few leap cycles after 1970 and either side of 2000.
  for (std::int64_t day = 0; day <= 3 * 1461; ++day) {
    for (std::int64_t base : {std::int64_t{0}, std::int64_t{946684800}}) {
      Clock::TimePoint t = At(base + day * 86400 + 86399);
      std::string text = FormatIso8601(t);
      Clock::TimePoint back;
      REQUIRE(ParseIso8601(text, &back));
      REQUIRE(back == t);
    }
  }
  // An offset spelling reads back to the same instant as its UTC spelling.
  Clock::TimePoint a, b;
  REQUIRE(ParseIso8601("2024-06-30T20:00:00-04:00", &a));
  REQUIRE(ParseIso8601("2024-07-01T00:00:00Z", &b));
  CHECK(a == b);
  CHECK(FormatIso8601(a) == "2024-07-01T00:00:00Z");
}
