// Fuzz target: times from GitHub's JSON (util/clock.hpp ParseIso8601). An accepted time lies
// in 1970..2261, so arithmetic on it cannot overflow, and it prints back as it was read when
// it was written the way FormatIso8601 writes.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "ghharvest/util/clock.hpp"

using namespace ghharvest;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  Clock::TimePoint t{};
  if (!ParseIso8601(text, &t)) return 0;
  const std::int64_t secs =
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  FUZZ_CHECK(secs >= 0);
  FUZZ_CHECK(secs <= 9'214'646'399);                               // 2261-12-31T23:59:59Z
  FUZZ_CHECK(t.time_since_epoch() == std::chrono::seconds(secs));  // whole seconds
  const std::string back = FormatIso8601(t);
  Clock::TimePoint again{};
  FUZZ_CHECK(ParseIso8601(back, &again) && again == t);
  if (text.size() == 20 && text.back() == 'Z') FUZZ_CHECK(back == text);
  return 0;
}
