// What the client does with one try of a GET, as a pure function: given what came back (how
// the transfer ended, the status, the headers, the state of the body), how many tries were
// spent, the options and the time, Decide() says deliver / retry after D / wait for the rate
// limit until T / unauthorized / fail, and why. No I/O, no randomness (the jitter is an input),
// no state: every rule is a row of tests/unit/github_decide_test.cpp. The client
// (client.cpp) carries the decision out: it queues, holds the governor, logs and counts.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ghharvest/github/client.hpp"
#include "ghharvest/http/transport.hpp"
#include "ghharvest/util/clock.hpp"
#include "github/response_headers.hpp"

namespace ghharvest::github {

// How a transfer ended below HTTP.
enum class TransferEnd {
  kCompleted,      // a response arrived, whatever its status
  kFailed,         // timeout, reset, refused, DNS: asking again may work
  kFailedForGood,  // redirect loop, bad URL or protocol, body over max_body_bytes
};

// The body of a completed response, as far as the client judges bodies: it delivers 2xx
// answers (204 aside) as data, and every endpoint it reads answers JSON there ("[]" for an
// empty list), so only those are checked; other statuses are kComplete.
enum class BodyState {
  kComplete,   // whole, and JSON where JSON is due
  kCut,        // shorter than announced: the transport says truncated
  kMalformed,  // arrived whole but is not JSON
  kEmpty,      // no byte where JSON was due: libcurl reports a gzip stream cut before its
               // first byte inflated as a complete, empty body
};

// One try's answer.
struct Answer {
  TransferEnd end = TransferEnd::kCompleted;
  std::string error;  // the transport's words when end != kCompleted (or with a cut body)
  long status = 0;
  http::Headers headers;  // names lower-cased
  BodyState body = BodyState::kComplete;
  std::string_view text;  // the body: a 403/429 saying "secondary rate limit" is one
  // Its link rel="next" names a URL off api_url's origin (scheme, host and port, as libcurl
  // reads them): a 2xx that would lead the walk, unauthenticated, to another host.
  bool next_leaves_origin = false;
};

// The tries a request has spent so far.
struct Attempt {
  int transient_retries = 0;  // on 5xx, resets, timeouts, bad bodies
  int limit_retries = 0;      // on secondary limits (and primary limits past their reset)
  // The share of a backoff added on top, in [0, kMaxJitter): many clients (or requests) must
  // not retry in lockstep. The client draws it; a test names it.
  double jitter = 0;
};

inline constexpr double kMaxJitter = 0.25;

struct Decision {
  enum class Action {
    kDeliver,       // hand the caller an ApiResponse of `kind`
    kRetry,         // send again after `delay`; spends a transient try
    kWaitForLimit,  // hold the resource until `until`, then send again
    kUnauthorized,  // 401: fail this request and every other one
    kFail,          // give up, for `reason`
  };
  Action action = Action::kFail;
  ApiResponse::Kind kind = ApiResponse::Kind::kOk;  // kDeliver
  Clock::TimePoint::duration delay{};               // kRetry
  Clock::TimePoint until{};                         // kWaitForLimit
  // kWaitForLimit: whether the wait spends a limit try. A primary limit waited to its reset
  // does not (its end is known); a secondary limit, or a primary one past its reset, does.
  bool spends_limit_try = false;
  // Why: kRetry and kFail, for the log and the failed Status ("HTTP 503", "truncated body",
  // "secondary rate limit (HTTP 429)"); kWaitForLimit, the limit waited for.
  std::string reason;
  // kFail: the tries made, when the request gave up after retrying; 0 when it failed at once.
  int tries = 0;
  // What the response said, for the governor and the ApiResponse (completed transfers only).
  RateLimit rate;
  std::optional<RetryAfter> retry_after;
};

Decision Decide(const Answer& answer, const Attempt& attempt, const ClientOptions& options,
                Clock::TimePoint now);

// A GraphQL POST's answer, after Decide judged it as HTTP: a 200 whose envelope carries an
// error of type RATE_LIMITED (`rate_limited`) is GitHub's primary limit, not data: the bucket
// waits for x-ratelimit-reset when the answer names one still ahead (no limit try spent, its
// end is known), else backs off like a secondary limit (spending one). Every other decision
// stands: the envelope's other errors are the caller's to read.
Decision DecideGraphql(Decision http, bool rate_limited, const Attempt& attempt,
                       const ClientOptions& options, Clock::TimePoint now);

// Exponential backoff: `base` doubled per earlier try (`tries`) and held to `cap`, then
// `jitter` of itself added on top (so it may pass `cap` by up to kMaxJitter).
Clock::TimePoint::duration Backoff(Clock::TimePoint::duration base, int tries,
                                   Clock::TimePoint::duration cap, double jitter);

}  // namespace ghharvest::github
