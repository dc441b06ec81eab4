// Fuzz target: one Retry-After value (src/github/response_headers.hpp ParseRetryAfter),
// delta-seconds or an HTTP-date, at several points in time. Whatever the text, the wait obeyed
// is within [0, kMaxRetryAfter]: no overflow, no wait that stalls the daemon for good.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "github/response_headers.hpp"

using namespace ghharvest;
using namespace ghharvest::github;
using std::chrono::nanoseconds;
using std::chrono::seconds;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // The epoch (a clock that is wrong), now-ish with a fraction of a second, and the year 2255
  // (the nanosecond clock ends in 2262).
  const Clock::TimePoint nows[] = {
      Clock::TimePoint{},
      Clock::TimePoint(seconds(1'700'000'000) + nanoseconds(123'456'789)),
      Clock::TimePoint(seconds(9'000'000'000)),
  };
  for (Clock::TimePoint now : nows) {
    auto ra = ParseRetryAfter(&text, now);
    if (!ra) continue;
    FUZZ_CHECK(!text.empty());
    FUZZ_CHECK(ra->asked_s >= 0);
    FUZZ_CHECK(ra->wait >= Clock::TimePoint::duration::zero());
    FUZZ_CHECK(ra->wait <= kMaxRetryAfter);
    if (ra->capped()) FUZZ_CHECK(ra->wait == kMaxRetryAfter);
    // The wait still turns into a wake-up time.
    FUZZ_CHECK(now + ra->wait >= now);
  }
  return 0;
}
