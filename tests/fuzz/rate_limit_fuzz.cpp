// Fuzz target: the rate-limit headers as the client handles them. The input is a run of
// responses, each a block of "name: value" header lines, blocks parted by a blank line. Each
// goes through ParseRate (src/github/response_headers.hpp) into the Governor as the client
// does it, with Retry-After blocking the resource (a secondary limit). Two pseudo-headers steer
// the test: "x-fuzz-url" (the URL the request went to, whose resource the governor charges)
// and "x-fuzz-advance-ms" (how far the clock moves before the response arrives). Whatever the
// servers say, no resource is held back longer than an hour (plus the governor's margins), a
// resource name that reaches the governor, the logs or the database is a plausible one, and
// X-Poll-Interval stays within [0, an hour].
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "ghharvest/util/log.hpp"
#include "github/governor.hpp"
#include "github/response_headers.hpp"
#include "http/curl_multi.hpp"

using namespace ghharvest;
using namespace ghharvest::github;

namespace {

class FakeClock final : public Clock {
 public:
  TimePoint Now() const override { return now; }
  std::chrono::nanoseconds RealDelay(std::chrono::nanoseconds d) const override { return d; }
  TimePoint now = TimePoint(std::chrono::seconds(1'700'000'000));
};

std::string_view Trim(std::string_view v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  return v;
}

// Parses the headers of one block as the transport stores them: names lower-cased, values
// trimmed, the last value winning.
http::HttpResult ReadBlock(std::string_view block) {
  http::HttpResult r;
  r.status = 200;
  while (!block.empty()) {
    std::size_t nl = block.find('\n');
    std::string_view line = block.substr(0, nl);
    block.remove_prefix(nl == std::string_view::npos ? block.size() : nl + 1);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(Trim(line.substr(0, colon)));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(Trim(line.substr(colon + 1)));
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The governor's notices ("waiting for reset") would be most of the run's time.
  static const bool quiet = (log::SetLevel(log::Level::kError), true);
  (void)quiet;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  FakeClock clock;
  Governor governor(clock, /*reserve=*/50, /*search_per_minute=*/30);
  // The longest hold any answer may cause: an hour, the reset margin, search pacing.
  const auto max_hold = Governor::kMaxResetAhead + std::chrono::seconds(1 + 60 / 30);
  std::string resources[] = {"core", "search", "code_search", "graphql"};

  int blocks = 0;
  while (!input.empty() && blocks++ < 64) {
    std::size_t end = input.find("\n\n");
    std::string_view block = input.substr(0, end);
    input.remove_prefix(end == std::string_view::npos ? input.size() : end + 2);
    http::HttpResult r = ReadBlock(block);

    std::string url = "/repos/o/r/issues";
    if (const std::string* u = r.header("x-fuzz-url")) url = *u;
    const std::string sent = Governor::ResourceFor(url);
    governor.OnSend(sent);
    if (const std::string* adv = r.header("x-fuzz-advance-ms")) {
      // Up to about 12 days a step, 64 steps: the clock stays well inside its range.
      std::int64_t ms = 0;
      for (char c : *adv) {
        if (c < '0' || c > '9') break;
        ms = std::min<std::int64_t>(ms * 10 + (c - '0'), 1'000'000'000);
      }
      clock.now += std::chrono::milliseconds(ms);
    }
    const Clock::TimePoint now = clock.Now();

    RateLimit rate = ParseRate(r, now);
    const std::int64_t now_s =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    FUZZ_CHECK(rate.reset >= 0);
    FUZZ_CHECK(rate.reset <= now_s + 3600);
    FUZZ_CHECK(rate.resource.size() <= kMaxResourceNameBytes);
    for (char c : rate.resource) {
      FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
    }
    if (auto poll = ParsePollInterval(r.headers)) {
      FUZZ_CHECK(*poll >= 0 && *poll <= kMaxPollInterval);
    }
    if (rate.resource.empty()) rate.resource = sent;
    governor.OnResponse(sent, rate);
    if (auto ra = ParseRetryAfter(r.header("retry-after"), now)) {
      FUZZ_CHECK(ra->wait >= Clock::TimePoint::duration::zero() && ra->wait <= kMaxRetryAfter);
      governor.BlockUntil(sent, now + ra->wait);
    }
    if (rate.remaining == 0) {
      // As the client does on a primary limit: hold the resource until the reset.
      Clock::TimePoint reset = Clock::TimePoint(std::chrono::seconds(rate.reset));
      if (reset > now) governor.BlockUntil(sent, reset);
    }

    for (const std::string& res : resources) {
      FUZZ_CHECK(governor.NextAllowed(res) <= now + max_hold);
    }
    FUZZ_CHECK(governor.NextAllowed(rate.resource) <= now + max_hold);
    if (auto last = governor.Last(rate.resource)) {
      FUZZ_CHECK(last->reset >= 0 && last->reset <= now_s + 3600);
    }
  }
  return 0;
}
