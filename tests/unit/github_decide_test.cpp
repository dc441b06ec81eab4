// The client's response handling (github/decide.hpp), one row per case: what came back, the
// tries spent, and the decision expected (deliver / retry after D / wait for the limit until
// T / unauthorized / fail, and why). Time is fixed, jitter is an input: every expectation is
// exact.
#include "github/decide.hpp"

#include <doctest/doctest.h>

#include <ctime>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "github/governor.hpp"

using namespace ghharvest;
using namespace ghharvest::github;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Duration = Clock::TimePoint::duration;
using Action = Decision::Action;
using Kind = ApiResponse::Kind;

namespace {

// 2026-01-01T00:00:00Z and a quarter second: a date header (whole seconds) is waited for to
// the nanosecond.
constexpr std::int64_t kNowS = 1767225600;
const Clock::TimePoint kNow = Clock::TimePoint(seconds(kNowS)) + milliseconds(250);
const Clock::TimePoint kNowWhole = Clock::TimePoint(seconds(kNowS));

const char* const kSecondaryText =
    R"({"message":"You have exceeded a secondary rate limit. Please wait a few minutes."})";

// The epoch second `s` in strftime `format` (GMT).
std::string HttpDate(std::int64_t s, const char* format) {
  std::time_t t = static_cast<std::time_t>(s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  REQUIRE(std::strftime(buf, sizeof buf, format, &tm) > 0);
  return buf;
}
constexpr const char* kImfFixdate = "%a, %d %b %Y %H:%M:%S GMT";
constexpr const char* kRfc850 = "%A, %d-%b-%y %H:%M:%S GMT";
constexpr const char* kAsctime = "%a %b %e %H:%M:%S %Y";

Answer Http(long status, http::Headers headers = {}, std::string_view text = "{}",
            BodyState body = BodyState::kComplete) {
  Answer a;
  a.status = status;
  a.headers = std::move(headers);
  a.text = text;
  a.body = body;
  return a;
}

Answer Broken(TransferEnd end, std::string error, BodyState body = BodyState::kComplete) {
  Answer a;
  a.end = end;
  a.error = std::move(error);
  a.body = body;
  return a;
}

// A primary-limit refusal: nothing remains, the window resets at `reset` (header text).
Answer OutOfPoints(long status, std::string reset) {
  return Http(status,
              {{"x-ratelimit-limit", "5000"},
               {"x-ratelimit-remaining", "0"},
               {"x-ratelimit-reset", std::move(reset)},
               {"x-ratelimit-resource", "core"}},
              R"({"message":"API rate limit exceeded for user ID 1."})");
}

Answer Secondary(long status, std::optional<std::string> retry_after,
                 std::string_view text = kSecondaryText) {
  http::Headers h;
  if (retry_after) h["retry-after"] = *retry_after;
  return Http(status, std::move(h), text);
}

Answer OffOrigin(long status) {
  Answer a = Http(status, {{"link", "<https://evil.example/x?page=2>; rel=\"next\""}}, "[]");
  a.next_leaves_origin = true;
  return a;
}

struct Expect {
  explicit Expect(Action a, Kind k = Kind::kOk) : action(a), kind(k) {}
  Action action;
  Kind kind;                               // kDeliver
  std::optional<Duration> delay;           // kRetry
  std::optional<Clock::TimePoint> until;   // kWaitForLimit
  bool spends_limit_try = false;           // kWaitForLimit
  std::string reason;                      // kRetry, kWaitForLimit, kFail
  int tries = 0;                           // kFail
  std::optional<std::int64_t> rate_reset;  // when given: the clamped x-ratelimit-reset
  std::optional<std::int64_t> asked_s;     // when given: what Retry-After asked
};

Expect Deliver(Kind kind) { return Expect(Action::kDeliver, kind); }
Expect Retry(Duration delay, std::string reason) {
  Expect e(Action::kRetry);
  e.delay = delay;
  e.reason = std::move(reason);
  return e;
}
Expect Wait(Clock::TimePoint until, bool spends, std::string reason) {
  Expect e(Action::kWaitForLimit);
  e.until = until;
  e.spends_limit_try = spends;
  e.reason = std::move(reason);
  return e;
}
Expect Fail(std::string reason, int tries) {
  Expect e(Action::kFail);
  e.reason = std::move(reason);
  e.tries = tries;
  return e;
}
Expect With(Expect e, std::optional<std::int64_t> rate_reset, std::optional<std::int64_t> asked) {
  e.rate_reset = rate_reset;
  e.asked_s = asked;
  return e;
}

struct Row {
  std::string name;
  Answer answer;
  Attempt attempt;
  Expect expect;
  ClientOptions options = Options();

  static ClientOptions Options() {
    ClientOptions o;
    o.max_retries = 3;
    o.retry_base = milliseconds(1000);
    o.secondary_base = seconds(60);
    o.max_backoff = seconds(900);
    return o;
  }
};

Attempt Tries(int transient, int limit = 0, double jitter = 0) {
  return Attempt{transient, limit, jitter};
}

ClientOptions Opts(int max_retries, Duration max_backoff = seconds(900)) {
  ClientOptions o = Row::Options();
  o.max_retries = max_retries;
  o.max_backoff = std::chrono::duration_cast<std::chrono::seconds>(max_backoff);
  return o;
}

const char* ActionName(Action a) {
  switch (a) {
    case Action::kDeliver:
      return "deliver";
    case Action::kRetry:
      return "retry";
    case Action::kWaitForLimit:
      return "wait for limit";
    case Action::kUnauthorized:
      return "unauthorized";
    case Action::kFail:
      return "fail";
  }
  return "?";
}

void CheckRow(const Row& row) {
  CAPTURE(row.name);
  const Decision d = Decide(row.answer, row.attempt, row.options, kNow);
  const Expect& e = row.expect;
  CHECK_MESSAGE(d.action == e.action,
                "got " << ActionName(d.action) << ", want " << ActionName(e.action));
  if (e.action == Action::kDeliver) CHECK(d.kind == e.kind);
  if (e.delay) {
    CHECK(std::chrono::duration_cast<milliseconds>(d.delay).count() ==
          std::chrono::duration_cast<milliseconds>(*e.delay).count());
    CHECK(d.delay == *e.delay);
  }
  if (e.until) {
    CHECK((d.until - kNow).count() == (*e.until - kNow).count());
    CHECK(d.spends_limit_try == e.spends_limit_try);
  }
  if (e.action != Action::kDeliver && e.action != Action::kUnauthorized) {
    CHECK(d.reason == e.reason);
  }
  if (e.action == Action::kFail) CHECK(d.tries == e.tries);
  if (e.rate_reset) CHECK(d.rate.reset == *e.rate_reset);
  if (e.asked_s) {
    REQUIRE(d.retry_after.has_value());
    CHECK(d.retry_after->asked_s == *e.asked_s);
  }
}

}  // namespace

TEST_CASE("the decision table: answers, limits, faults, exhausted tries and hostile headers") {
  const std::string reset_in_30m = std::to_string(kNowS + 1800);
  const std::string reset_past = std::to_string(kNowS - 10);
  const std::string not_json = "HTTP 200 with a body that is not valid JSON";
  const Clock::TimePoint in_an_hour = kNow + std::chrono::hours(1);
  const Clock::TimePoint clamped_reset = kNowWhole + std::chrono::hours(1);
  const std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

  const std::vector<Row> rows = {
      // --- delivered ----------------------------------------------------------------------
      {"200 with a JSON body", Http(200, {}, R"([{"id":1}])"), {}, Deliver(Kind::kOk)},
      {"201 is a 2xx like 200", Http(201), {}, Deliver(Kind::kOk)},
      {"204 with no body is whole (no JSON is due)",
       Http(204, {}, "", BodyState::kComplete),
       {},
       Deliver(Kind::kOk)},
      {"304: unchanged", Http(304, {}, ""), {}, Deliver(Kind::kNotModified)},
      {"404: gone", Http(404, {}, R"({"message":"Not Found"})"), {}, Deliver(Kind::kGone)},
      {"410: gone", Http(410, {}, R"({"message":"Gone"})"), {}, Deliver(Kind::kGone)},
      {"422: a client error, not retried",
       Http(422, {}, R"({"message":"Validation Failed"})"),
       {},
       Deliver(Kind::kClientError)},
      {"400: a client error", Http(400), {}, Deliver(Kind::kClientError)},
      {"a 404's body is never judged",
       Http(404, {}, "<html>", BodyState::kMalformed),
       {},
       Deliver(Kind::kGone)},
      {"403 with points left and no limit message: the token may not see it",
       Http(403, {{"x-ratelimit-remaining", "4000"}, {"x-ratelimit-limit", "5000"}},
            R"({"message":"Resource not accessible by integration"})"),
       {},
       Deliver(Kind::kClientError)},
      {"429 with no sign of a limit: a client error",
       Http(429, {{"x-ratelimit-remaining", "10"}}, R"({"message":"Too Many"})"),
       {},
       Deliver(Kind::kClientError)},
      {"tries spent before do not stop a good answer", Http(200), Tries(3, 3), Deliver(Kind::kOk)},

      {"200 whose next link leaves the API origin: fail at once",
       OffOrigin(200),
       {},
       Fail("the next-page link leaves the API origin", 0)},
      {"a 304's next link is the cache's, never judged here",
       OffOrigin(304),
       {},
       Deliver(Kind::kNotModified)},
      {"a 404 is not walked, whatever its link", OffOrigin(404), {}, Deliver(Kind::kGone)},

      // --- 401 ----------------------------------------------------------------------------
      {"401: unauthorized",
       Http(401, {}, R"({"message":"Bad credentials"})"),
       {},
       Expect(Action::kUnauthorized)},
      {"401 even with retry-after",
       Http(401, {{"retry-after", "5"}}),
       {},
       Expect(Action::kUnauthorized)},

      // --- primary limit ------------------------------------------------------------------
      {"403, remaining 0: wait to the reset, no limit try spent",
       OutOfPoints(403, reset_in_30m),
       {},
       With(Wait(kNowWhole + seconds(1800), false, "primary rate limit"), kNowS + 1800, {})},
      {"429, remaining 0: the same", OutOfPoints(429, reset_in_30m), Tries(0, 5),
       Wait(kNowWhole + seconds(1800), false, "primary rate limit")},
      {"primary limit, reset already past: back off like a secondary one",
       OutOfPoints(403, reset_past),
       {},
       Wait(kNow + seconds(60), true, "primary rate limit past its reset")},
      {"primary limit past its reset, tries spent", OutOfPoints(403, reset_past), Tries(0, 3),
       Fail("primary rate limit past its reset (HTTP 403)", 4)},
      {"remaining 0 and a secondary message: the secondary limit wins",
       Http(403, {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", reset_in_30m}},
            kSecondaryText),
       {},
       Wait(kNow + seconds(60), true, "secondary rate limit")},

      // --- secondary limit ----------------------------------------------------------------
      {"403 secondary, Retry-After seconds",
       Secondary(403, "120"),
       {},
       With(Wait(kNow + seconds(120), true, "secondary rate limit"), {}, 120)},
      {"429 secondary, Retry-After seconds", Secondary(429, "120"), Tries(3, 2),
       Wait(kNow + seconds(120), true, "secondary rate limit")},
      {"Retry-After alone makes a 403 a secondary limit",
       Secondary(403, "30", "{}"),
       {},
       Wait(kNow + seconds(30), true, "secondary rate limit")},
      {"Retry-After as an HTTP date (IMF-fixdate): waited to that second",
       Secondary(429, HttpDate(kNowS + 600, kImfFixdate)),
       {},
       With(Wait(kNowWhole + seconds(600), true, "secondary rate limit"), {}, 600)},
      {"Retry-After as an RFC 850 date",
       Secondary(429, HttpDate(kNowS + 90, kRfc850)),
       {},
       Wait(kNowWhole + seconds(90), true, "secondary rate limit")},
      {"Retry-After as an asctime date",
       Secondary(403, HttpDate(kNowS + 45, kAsctime)),
       {},
       Wait(kNowWhole + seconds(45), true, "secondary rate limit")},
      {"Retry-After date already past: again at once",
       Secondary(429, HttpDate(kNowS - 3600, kRfc850)),
       {},
       With(Wait(kNow, true, "secondary rate limit"), {}, 0)},
      {"Retry-After: 0", Secondary(429, "0"), {}, Wait(kNow, true, "secondary rate limit")},
      {"secondary, Retry-After absent: back off from 60 s",
       Secondary(403, std::nullopt),
       {},
       Wait(kNow + seconds(60), true, "secondary rate limit")},
      {"secondary, absent, third wait: 240 s", Secondary(403, std::nullopt), Tries(0, 2),
       Wait(kNow + seconds(240), true, "secondary rate limit")},
      {"secondary, absent, with jitter", Secondary(403, std::nullopt), Tries(0, 0, 0.125),
       Wait(kNow + milliseconds(67500), true, "secondary rate limit")},
      {"secondary, absent, capped at max_backoff (plus jitter)", Secondary(403, std::nullopt),
       Tries(0, 9, 0.0625), Wait(kNow + milliseconds(956250), true, "secondary rate limit"),
       Opts(20)},
      {"secondary, Retry-After unreadable: backed off as if absent",
       Secondary(403, "soon"),
       {},
       Wait(kNow + seconds(60), true, "secondary rate limit")},
      {"the message is matched whatever its case",
       Secondary(403, std::nullopt, R"({"message":"SECONDARY RATE LIMIT"})"),
       {},
       Wait(kNow + seconds(60), true, "secondary rate limit")},
      {"secondary limit, max_retries waits spent: fail", Secondary(429, "120"), Tries(0, 3),
       Fail("secondary rate limit (HTTP 429)", 4)},
      {"transient tries do not count against limit waits", Secondary(403, "1"), Tries(3, 0),
       Wait(kNow + seconds(1), true, "secondary rate limit")},

      // --- 5xx ----------------------------------------------------------------------------
      {"500, first try: retry_base", Http(500), {}, Retry(seconds(1), "HTTP 500")},
      {"502, second try: doubled", Http(502, {}, "<html>Bad Gateway</html>"), Tries(1),
       Retry(seconds(2), "HTTP 502")},
      {"503, third try: doubled again", Http(503), Tries(2), Retry(seconds(4), "HTTP 503")},
      {"5xx backoff with jitter on top", Http(500), Tries(1, 0, 0.125),
       Retry(milliseconds(2250), "HTTP 500")},
      {"5xx backoff capped at max_backoff", Http(503), Tries(12), Retry(seconds(900), "HTTP 503"),
       Opts(20)},
      {"5xx backoff past the cap by its jitter only", Http(503), Tries(12, 0, 0.125),
       Retry(milliseconds(1012500), "HTTP 503"), Opts(20)},
      {"5xx backoff growth stops at the cap (no overflow after many tries)", Http(503),
       Tries(10000), Retry(seconds(900), "HTTP 503"), Opts(20000)},
      {"503 with Retry-After: that wait, no backoff", Http(503, {{"retry-after", "30"}}),
       Tries(2, 0, 0.2), Retry(seconds(30), "HTTP 503")},
      {"5xx, max_retries tries spent: fail after 4 tries", Http(503), Tries(3),
       Fail("HTTP 503", 4)},
      {"5xx, max_retries 0: the first failure is the last",
       Http(500),
       {},
       Fail("HTTP 500", 1),
       Opts(0)},
      {"limit waits do not count against transient tries", Http(500), Tries(0, 3),
       Retry(seconds(1), "HTTP 500")},

      // --- bodies -------------------------------------------------------------------------
      {"cut body on a 200",
       Http(200, {}, R"([{"id")", BodyState::kCut),
       {},
       Retry(seconds(1), "truncated body")},
      {"cut body with the transport's error",
       Broken(TransferEnd::kFailed, "transfer closed with 10 bytes remaining to read",
              BodyState::kCut),
       Tries(1),
       Retry(seconds(2), "truncated body (transfer closed with 10 bytes remaining to read)")},
      {"cut body on a 404 is retried too: the answer is incomplete",
       Http(404, {}, R"({"mess)", BodyState::kCut),
       {},
       Retry(seconds(1), "truncated body")},
      {"cut body, tries spent: fail", Http(200, {}, "[", BodyState::kCut), Tries(3),
       Fail("truncated body", 4)},
      {"malformed 200",
       Http(200, {}, R"([{"id":1},)", BodyState::kMalformed),
       {},
       Retry(seconds(1), not_json)},
      {"malformed 201",
       Http(201, {}, "<html>", BodyState::kMalformed),
       {},
       Retry(seconds(1), "HTTP 201 with a body that is not valid JSON")},
      {"malformed 200, tries spent: fail", Http(200, {}, "{", BodyState::kMalformed), Tries(3),
       Fail(not_json, 4)},
      {"empty 200: a gzip stream cut before its first byte",
       Http(200, {}, "", BodyState::kEmpty),
       {},
       Retry(seconds(1), not_json)},
      {"empty 200, tries spent: fail", Http(200, {}, "", BodyState::kEmpty), Tries(3),
       Fail(not_json, 4)},

      // --- transport ----------------------------------------------------------------------
      {"timeout",
       Broken(TransferEnd::kFailed, "Operation timed out after 60000 milliseconds"),
       {},
       Retry(seconds(1), "Operation timed out after 60000 milliseconds")},
      {"connection reset", Broken(TransferEnd::kFailed, "Recv failure: Connection reset by peer"),
       Tries(2), Retry(seconds(4), "Recv failure: Connection reset by peer")},
      {"timeout, tries spent: fail",
       Broken(TransferEnd::kFailed, "Operation timed out after 60000 milliseconds"), Tries(3),
       Fail("Operation timed out after 60000 milliseconds", 4)},
      {"redirect loop: fail at once",
       Broken(TransferEnd::kFailedForGood, "Maximum (5) redirects followed"),
       {},
       Fail("Maximum (5) redirects followed", 0)},
      {"a permanent failure never retries, even with tries left and a cut body",
       Broken(TransferEnd::kFailedForGood,
              "response body larger than the limit of 1048576 bytes (github.max_body_bytes)",
              BodyState::kCut),
       {},
       Fail("response body larger than the limit of 1048576 bytes (github.max_body_bytes)", 0)},

      // --- hostile header values (held to a range before any arithmetic) ------------------
      {"Retry-After past 292 years of nanoseconds: an hour",
       Secondary(429, "9223372037"),
       {},
       With(Wait(in_an_hour, true, "secondary rate limit"), {}, 9223372037)},
      {"Retry-After with more digits than int64: forever, so an hour",
       Secondary(429, "99999999999999999999"),
       {},
       With(Wait(in_an_hour, true, "secondary rate limit"), {}, int64_max)},
      {"Retry-After of a day: an hour",
       Secondary(429, "86400"),
       {},
       With(Wait(in_an_hour, true, "secondary rate limit"), {}, 86400)},
      {"Retry-After just past the cap: an hour",
       Secondary(429, "3601"),
       {},
       With(Wait(in_an_hour, true, "secondary rate limit"), {}, 3601)},
      {"Retry-After at the cap: obeyed",
       Secondary(429, "3600"),
       {},
       Wait(in_an_hour, true, "secondary rate limit")},
      {"Retry-After negative: at once",
       Secondary(429, "-5"),
       {},
       With(Wait(kNow, true, "secondary rate limit"), {}, 0)},
      {"Retry-After in the year 9999: an hour",
       Secondary(429, "Fri, 31 Dec 9999 23:59:59 GMT"),
       {},
       Wait(in_an_hour, true, "secondary rate limit")},
      {"Retry-After junk curl reads as the year 5201: an hour",
       Secondary(429, "1Oct5201"),
       {},
       Wait(in_an_hour, true, "secondary rate limit")},
      {"Retry-After in the year 1600: at once",
       Secondary(429, "Mon, 01 Jan 1600 00:00:00 GMT"),
       {},
       Wait(kNow, true, "secondary rate limit")},
      {"a hostile Retry-After on a 5xx: an hour",
       Http(503, {{"retry-after", "9223372037"}}),
       {},
       Retry(std::chrono::hours(1), "HTTP 503")},
      {"x-ratelimit-reset past 2262: held to now + an hour",
       OutOfPoints(403, "9223372036854775807"),
       {},
       With(Wait(clamped_reset, false, "primary rate limit"), kNowS + 3600, {})},
      {"x-ratelimit-reset with more digits than int64: now + an hour",
       OutOfPoints(403, "99999999999999999999"),
       {},
       With(Wait(clamped_reset, false, "primary rate limit"), kNowS + 3600, {})},
      {"x-ratelimit-reset a day ahead: now + an hour",
       OutOfPoints(429, std::to_string(kNowS + 86400)),
       {},
       Wait(clamped_reset, false, "primary rate limit")},
      {"x-ratelimit-reset negative: epoch, so past: backed off",
       OutOfPoints(403, "-9223372036854775808"),
       {},
       With(Wait(kNow + seconds(60), true, "primary rate limit past its reset"), 0, {})},
      {"x-ratelimit-reset unreadable: 0, so past: backed off",
       OutOfPoints(403, "soon"),
       {},
       With(Wait(kNow + seconds(60), true, "primary rate limit past its reset"), 0, {})},
  };
  for (const Row& row : rows) CheckRow(row);
}

TEST_CASE("the rate-limit headers are read, absent ones as -1") {
  auto r = ParseRate(http::Headers{{"x-ratelimit-limit", "5000"},
                                   {"x-ratelimit-remaining", "4321"},
                                   {"x-ratelimit-used", "679"},
                                   {"x-ratelimit-reset", std::to_string(kNowS + 1200)},
                                   {"x-ratelimit-resource", "search"}},
                     kNow);
  CHECK(r.resource == "search");
  CHECK(r.limit == 5000);
  CHECK(r.remaining == 4321);
  CHECK(r.used == 679);
  CHECK(r.reset == kNowS + 1200);
  auto none = ParseRate(http::Headers{{"x-ratelimit-remaining", "12abc"}}, kNow);
  CHECK(none.resource.empty());
  CHECK(none.limit == -1);
  CHECK(none.remaining == -1);
  CHECK(none.used == -1);
  CHECK(none.reset == 0);
  // The same clamp as the governor's.
  CHECK(ParseRate(http::Headers{{"x-ratelimit-reset", "9223372036854775807"}}, kNow).reset ==
        Governor::ClampReset(std::numeric_limits<std::int64_t>::max(), kNow));
}

TEST_CASE("an implausible x-ratelimit-resource is ignored, not logged or stored") {
  struct Case {
    std::string value;
    std::string want;
  };
  const Case cases[] = {
      {"core", "core"},
      {"code_search", "code_search"},
      {"actions_runner_registration", "actions_runner_registration"},
      {"audit-log", "audit-log"},
      {std::string(64, 'a'), std::string(64, 'a')},
      {std::string(65, 'a'), ""},
      {"Core", ""},
      {"core\x1b[31m", ""},
      {"core search", ""},
      {"core\r\nx-injected: 1", ""},
      {std::string("co\0re", 5), ""},
      {"", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.value);
    CHECK(ParseRate(http::Headers{{"x-ratelimit-resource", c.value}}, kNow).resource == c.want);
  }
}

TEST_CASE("X-Poll-Interval is held to [0, 3600] seconds") {
  struct Case {
    const char* value;
    std::optional<int> want;
  };
  const Case cases[] = {{"60", 60},     {"0", 0},    {"3600", 3600},
                        {"3601", 3600}, {"-5", 0},   {"99999999999999999999", 3600},
                        {"abc", {}},    {"60s", {}}, {"", {}}};
  for (const auto& c : cases) {
    CAPTURE(c.value);
    CHECK(ParsePollInterval({{"x-poll-interval", c.value}}) == c.want);
  }
  CHECK(ParsePollInterval({}) == std::nullopt);
}

TEST_CASE("backoff doubles from its base, stops at the cap, then adds its jitter") {
  const Duration base = seconds(1), cap = seconds(10);
  CHECK(Backoff(base, 0, cap, 0) == seconds(1));
  CHECK(Backoff(base, 1, cap, 0) == seconds(2));
  CHECK(Backoff(base, 3, cap, 0) == seconds(8));
  CHECK(Backoff(base, 4, cap, 0) == seconds(10));
  CHECK(Backoff(base, 1000000, cap, 0) == seconds(10));
  CHECK(Backoff(base, 2, cap, 0.25) == seconds(5));
  CHECK(Backoff(seconds(60), 0, cap, 0) == seconds(10));  // a base past the cap is capped
}
